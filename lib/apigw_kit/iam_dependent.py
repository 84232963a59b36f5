"""Permissions IAM checks beside an operation's own: one documented table, one row per dependency.

A row is triggered by an operation the run called (botocore's ``service:Operation``; ``ec2:*`` stands for
every EC2 operation) and, when ``when_tagged``, only if that call carried tags (tag on create). It grants
``grants`` (IAM action -> resource template) under ``condition``, and names the AWS page that documents
the dependency. Templates take ``{partition}``, ``{region}``, ``{account}`` and ``{lab}``; the resource
``CREATED`` stands for the action's resource types that the run created with tags, and ``create_action``
names the condition key that lists the creating operations (EC2's and ELB's tag-on-create keys);
``lab_tags`` adds the lab's request-tag condition (the tags a create carries are those it may apply).

The policy is the operations called plus the rows they trigger (see iam.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

CREATED = "<created>"
ROUTE53_ZONE = "arn:{partition}:route53:::hostedzone/*"
ROUTE53_HEALTH_CHECK = "arn:{partition}:route53:::healthcheck/*"
LAB_ROLES = "arn:{partition}:iam::{account}:role/{lab}-*"
ENDPOINT_SERVICE = "arn:{partition}:ec2:{region}:{account}:vpc-endpoint-service/*"


@dataclass(frozen=True)
class Dependent:
    sid: str
    triggers: frozenset[str]
    grants: dict[str, str]
    doc: str
    condition: dict = field(default_factory=dict)
    when_tagged: bool = False
    create_action: str = ""
    lab_tags: bool = False

    def triggered_by(self, operations: set[str], tagged: set[str]) -> list[str]:
        """The operations (of ``operations``, tagged ones if ``when_tagged``) that trigger this row."""
        pool = tagged if self.when_tagged else operations
        return sorted(o for o in pool if o in self.triggers or f"{o.split(':')[0]}:*" in self.triggers)


def _slr(service: str, role: str) -> dict:
    return {"iam:CreateServiceLinkedRole": f"arn:{{partition}}:iam::{{account}}:role/aws-service-role/{service}/{role}*"}


DEPENDENT: tuple[Dependent, ...] = (
    Dependent("DependentPassRoleToLambda", frozenset({"lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"}),
              {"iam:PassRole": LAB_ROLES},
              "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",
              {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
    Dependent("DependentCloudMapPrivateNamespace", frozenset({"servicediscovery:CreatePrivateDnsNamespace"}),
              {"route53:CreateHostedZone": "*", "route53:GetHostedZone": ROUTE53_ZONE,
               "route53:ListHostedZonesByName": "*", "ec2:DescribeVpcs": "*", "ec2:DescribeRegions": "*"},
              "https://docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-api-permissions-ref.html"),
    Dependent("DependentCloudMapDeleteNamespace", frozenset({"servicediscovery:DeleteNamespace"}),
              {"route53:DeleteHostedZone": ROUTE53_ZONE},
              "https://docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-api-permissions-ref.html"),
    Dependent("DependentCloudMapInstances", frozenset({"servicediscovery:RegisterInstance",
                                                       "servicediscovery:DeregisterInstance"}),
              {"route53:GetHostedZone": ROUTE53_ZONE, "route53:ListHostedZonesByName": "*",
               "route53:ChangeResourceRecordSets": ROUTE53_ZONE, "route53:CreateHealthCheck": "*",
               "route53:GetHealthCheck": ROUTE53_HEALTH_CHECK, "route53:UpdateHealthCheck": ROUTE53_HEALTH_CHECK,
               "route53:DeleteHealthCheck": ROUTE53_HEALTH_CHECK, "ec2:DescribeInstances": "*"},
              "https://docs.aws.amazon.com/cloud-map/latest/dg/access-control-managing-permissions.html"),
    # PrivateDnsEnabled associates a private hosted zone (managed by AWS) with the endpoint's VPC.
    Dependent("DependentEndpointPrivateDns", frozenset({"ec2:CreateVpcEndpoint"}),
              {"route53:AssociateVPCWithHostedZone": ROUTE53_ZONE},
              "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html"),
    Dependent("DependentServiceLinkedRoleApiGateway", frozenset({"apigatewayv2:CreateVpcLink"}),
              _slr("ops.apigateway.amazonaws.com", "AWSServiceRoleForAPIGateway"),
              "https://docs.aws.amazon.com/apigateway/latest/developerguide/using-service-linked-roles.html",
              {"StringEquals": {"iam:AWSServiceName": "ops.apigateway.amazonaws.com"}}),
    Dependent("DependentServiceLinkedRoleElb", frozenset({"elbv2:CreateLoadBalancer", "elbv2:CreateTargetGroup"}),
              _slr("elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing"),
              "https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html",
              {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}),
    Dependent("DependentRestVpcLinkEndpointService", frozenset({"apigateway:CreateVpcLink", "apigateway:DeleteVpcLink"}),
              {"ec2:CreateVpcEndpointServiceConfiguration": ENDPOINT_SERVICE,
               "ec2:DeleteVpcEndpointServiceConfigurations": ENDPOINT_SERVICE,
               "ec2:ModifyVpcEndpointServicePermissions": ENDPOINT_SERVICE,
               "ec2:DescribeVpcEndpointServiceConfigurations": "*", "elasticloadbalancing:DescribeLoadBalancers": "*"},
              "https://docs.aws.amazon.com/apigateway/latest/developerguide/grant-permissions-to-create-vpclink.html"),
    Dependent("DependentRestApiPolicy", frozenset({"apigateway:CreateRestApi", "apigateway:UpdateRestApi",
                                                   "apigateway:PutRestApi", "apigateway:ImportRestApi"}),
              {"apigateway:UpdateRestApiPolicy": "arn:{partition}:apigateway:{region}::/restapis/*"},
              "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-create-attach.html"),
    Dependent("DependentTagOnCreateEc2", frozenset({"ec2:*"}), {"ec2:CreateTags": CREATED},
              "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html",
              when_tagged=True, create_action="ec2:CreateAction", lab_tags=True),
    Dependent("DependentTagOnCreateElb", frozenset({"elbv2:*"}), {"elasticloadbalancing:AddTags": CREATED},
              "https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/tagging-resources-during-creation.html",
              when_tagged=True, create_action="elasticloadbalancing:CreateAction", lab_tags=True),
    Dependent("DependentTagOnCreateLambda", frozenset({"lambda:CreateFunction"}),
              {"lambda:TagResource": "arn:{partition}:lambda:{region}:{account}:function:{lab}-*"},
              "https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html", when_tagged=True, lab_tags=True),
    Dependent("DependentTagOnCreateRole", frozenset({"iam:CreateRole"}), {"iam:TagRole": LAB_ROLES},
              "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html", when_tagged=True, lab_tags=True),
    Dependent("DependentTagOnCreateLogGroup", frozenset({"logs:CreateLogGroup"}),
              {"logs:TagResource": "arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{lab}-*"},
              "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
              when_tagged=True, lab_tags=True),
)
