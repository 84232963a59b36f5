"""A REST API VPC link (v1) makes a VPC endpoint service in front of its NLB, gone with the link; while it
exists the NLB cannot be deleted (DeleteLoadBalancer answers ResourceInUse, "A specified resource is in use").

AWS documentation: https://docs.aws.amazon.com/apigateway/latest/developerguide/grant-permissions-to-create-vpclink.html ;
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html
"""
from __future__ import annotations

from moto.apigateway.models import APIGatewayBackend
from moto.elbv2.exceptions import ResourceInUseError
from moto.elbv2.models import ELBv2Backend

from . import Rule
from ._aws import ec2_of
from ._patch import wrap

_SERVICE = "apigw_kit_endpoint_service"  # kept on the link object: a reset forgets it


def _create_vpc_link(original, self: APIGatewayBackend, name, description, target_arns, tags):
    link = original(self, name, description, target_arns, tags)
    # API Gateway's own account is the consumer; its connection is accepted automatically.
    service = ec2_of(self).create_vpc_endpoint_service_configuration(
        lb_arns=list(target_arns), acceptance_required=False, private_dns_name=None, tags=[], supported_regions=[])
    setattr(link, _SERVICE, service.id)
    return link


def _delete_vpc_link(original, self: APIGatewayBackend, vpc_link_id: str) -> None:
    link = self.vpc_links.get(vpc_link_id)
    service = getattr(link, _SERVICE, None)
    original(self, vpc_link_id)
    if service:
        ec2_of(self).delete_vpc_endpoint_service_configurations([service])


def _delete_load_balancer(original, self: ELBv2Backend, arn: str) -> None:
    if any(arn in service.network_load_balancer_arns for service in self.ec2_backend.configurations.values()):
        raise ResourceInUseError(f"Load balancer '{arn}' cannot be deleted because it is currently associated "
                                 "with another service")
    original(self, arn)


def install() -> None:
    wrap(APIGatewayBackend, "create_vpc_link", _create_vpc_link)
    wrap(APIGatewayBackend, "delete_vpc_link", _delete_vpc_link)
    wrap(ELBv2Backend, "delete_load_balancer", _delete_load_balancer)


RULE = Rule(
    name="rest_vpc_link_endpoint_service",
    mirrors="Creating a REST API VPC link creates a VPC endpoint service (no acceptance) for its NLB in your "
            "account; deleting the link removes it; until then DeleteLoadBalancer refuses the NLB (ResourceInUse).",
    install=install,
)
