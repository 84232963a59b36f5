"""The least-privilege IAM policy for the API operations a run actually called.

Names come from the call counter (``service:Operation`` as botocore names
them) and are mapped to IAM actions as each service authorises them:

- API Gateway (``apigateway`` and ``apigatewayv2``) authorises by HTTP method on
  the resource path: ``apigateway:POST`` on ``arn:aws:apigateway:<region>::/vpclinks``.
  The method and path come from botocore's model of the operation (``/v2`` dropped,
  ``{ids}`` as ``*``), so they cannot drift from what the client sends.
- ``elbv2`` is IAM's ``elasticloadbalancing``; the other services use their own
  name and the operation name (``ec2:CreateVpc``).
- ``sts:GetCallerIdentity`` needs no permission, so it is left out.

Some calls need a second permission IAM checks on the side ("implied"): tagging
at creation (``ec2:CreateTags`` restricted to the creating action,
``elasticloadbalancing:AddTags`` likewise), API Gateway's service-linked role on
the first VPC link v2, the VPC endpoint service behind a REST VPC link (v1),
``apigateway:UpdateRestApiPolicy`` when a REST API gets a resource policy, ``logs:TagResource``
for a log group tagged at creation. Those
statements carry the Sid ``Implied...`` and name the operation that needs them.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

import botocore.session

IAM_PREFIX = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing",
              "resourcegroupstaggingapi": "tag", "apigatewayv2": "apigateway",
              "service-quotas": "servicequotas"}
NO_PERMISSION = {"sts:GetCallerIdentity"}
# Operations whose IAM action has another name (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
ACTION_NAMES = {"lambda:Invoke": "lambda:InvokeFunction"}
API_GATEWAY = {"apigateway", "apigatewayv2"}
SLR_APIGATEWAY = "arn:aws:iam::*:role/aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway"


@lru_cache(maxsize=None)
def _model(service: str):
    return botocore.session.get_session().get_service_model(service)


def _apigateway_path(service: str, operation: str) -> tuple[str, str]:
    http = _model(service).operation_model(operation).http
    path = http["requestUri"].split("?")[0]
    if service == "apigatewayv2":
        path = path.removeprefix("/v2")
    return http["method"], re.sub(r"\{[^}]+\}", "*", path)


def required(operation: str, region: str) -> set[tuple[str, str]]:
    """The (IAM action, resource) pairs that authorise ``operation`` (``service:Operation``)."""
    if operation in NO_PERMISSION:
        return set()
    service, name = operation.split(":", 1)
    if service in API_GATEWAY:
        method, path = _apigateway_path(service, name)
        return {(f"apigateway:{method}", f"arn:aws:apigateway:{region}::{path}")}
    return {(ACTION_NAMES.get(operation, f"{IAM_PREFIX.get(service, service)}:{name}"), "*")}


def _creates_with(service: str, operation: str, member: str) -> bool:
    shape = _model(service).operation_model(operation).input_shape
    return shape is not None and member in shape.members


def implied(operations: set[str], region: str) -> list[dict]:
    """Statements for the permissions IAM checks beside the operations' own (see the module's doc)."""
    statements = []
    ec2_tagging = sorted(o.split(":")[1] for o in operations
                         if o.startswith("ec2:") and _creates_with("ec2", o.split(":")[1], "TagSpecifications"))
    if ec2_tagging:
        statements.append({"Sid": "ImpliedTagOnCreateEc2", "Effect": "Allow", "Action": ["ec2:CreateTags"],
                           "Resource": "*", "Condition": {"StringEquals": {"ec2:CreateAction": ec2_tagging}}})
    elb_tagging = sorted(o.split(":")[1] for o in operations if o.startswith("elbv2:") and o != "elbv2:AddTags"
                         and o.split(":")[1].startswith("Create") and _creates_with("elbv2", o.split(":")[1], "Tags"))
    if elb_tagging:
        statements.append({"Sid": "ImpliedTagOnCreateElb", "Effect": "Allow", "Action": ["elasticloadbalancing:AddTags"],
                           "Resource": "*",
                           "Condition": {"StringEquals": {"elasticloadbalancing:CreateAction": elb_tagging}}})
    if "apigatewayv2:CreateVpcLink" in operations:
        statements.append({"Sid": "ImpliedServiceLinkedRoleForVpcLinkV2", "Effect": "Allow",
                           "Action": ["iam:CreateServiceLinkedRole"], "Resource": SLR_APIGATEWAY,
                           "Condition": {"StringLike": {"iam:AWSServiceName": "ops.apigateway.amazonaws.com"}}})
    if "apigateway:CreateVpcLink" in operations or "apigateway:DeleteVpcLink" in operations:
        statements.append({"Sid": "ImpliedEndpointServiceForRestVpcLink", "Effect": "Allow", "Resource": "*",
                           "Action": ["ec2:CreateVpcEndpointServiceConfiguration",
                                      "ec2:DeleteVpcEndpointServiceConfigurations",
                                      "ec2:DescribeVpcEndpointServiceConfigurations",
                                      "ec2:ModifyVpcEndpointServicePermissions",
                                      "elasticloadbalancing:DescribeLoadBalancers"]})
    if "logs:CreateLogGroup" in operations:  # tags given to CreateLogGroup (API_CreateLogGroup.html, tags)
        statements.append({"Sid": "ImpliedTagOnCreateLogGroup", "Effect": "Allow", "Action": ["logs:TagResource"],
                           "Resource": "*"})
    policy_setters = {"apigateway:CreateRestApi", "apigateway:UpdateRestApi", "apigateway:PutRestApi",
                      "apigateway:ImportRestApi"} & operations
    if policy_setters:
        statements.append({"Sid": "ImpliedRestApiPolicy", "Effect": "Allow", "Action": ["apigateway:UpdateRestApiPolicy"],
                           "Resource": f"arn:aws:apigateway:{region}::/restapis/*"})
    return statements


class Policy(dict):
    """An IAM policy document; shows as indented JSON in a notebook."""

    def json(self) -> str:
        return json.dumps(self, indent=2)

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.json())


def _sid(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text.title())


def policy_for(operations: set[str], region: str) -> Policy:
    """A policy allowing exactly ``operations`` in ``region``, plus the implied permissions they need."""
    pairs = set().union(*(required(o, region) for o in operations)) if operations else set()
    # API Gateway: one statement per method, listing the paths; other services: one statement per prefix on "*".
    statements = []
    methods: dict[str, set[str]] = {}
    others: dict[str, set[str]] = {}
    for action, resource in pairs:
        if action.startswith("apigateway:"):
            methods.setdefault(action, set()).add(resource)
        else:
            others.setdefault(action.split(":")[0], set()).add(action)
    for action in sorted(methods):
        statements.append({"Sid": f"Called{_sid(action)}", "Effect": "Allow", "Action": [action],
                           "Resource": sorted(methods[action])})
    for prefix in sorted(others):
        statements.append({"Sid": f"Called{_sid(prefix)}", "Effect": "Allow", "Action": sorted(others[prefix]),
                           "Resource": "*"})
    return Policy({"Version": "2012-10-17", "Statement": statements + implied(set(operations), region)})


def called_pairs(policy: dict) -> set[tuple[str, str]]:
    """The (action, resource) pairs the ``Called...`` statements of ``policy`` allow."""
    pairs = set()
    for statement in policy["Statement"]:
        if statement["Sid"].startswith("Called"):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            pairs |= {(a, r) for a in statement["Action"] for r in resources}
    return pairs


def missing(policy: dict, operations: set[str], region: str) -> set[str]:
    """The operations whose required (action, resource) pairs ``policy``'s Called statements do not allow."""
    allowed = called_pairs(policy)
    return {o for o in operations if not required(o, region) <= allowed}
