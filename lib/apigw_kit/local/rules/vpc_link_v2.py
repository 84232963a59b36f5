"""HTTP API (v2) VPC links: existing subnets only, and one managed ENI per subnet."""
from __future__ import annotations

from moto.apigatewayv2.exceptions import BadRequestException
from moto.apigatewayv2.models import ApiGatewayV2Backend
from moto.moto_api._internal import mock_random

from . import Rule
from ._aws import ec2_of, missing_security_groups, missing_subnets
from ._enis import create_managed_eni, release
from ._patch import wrap


def _create_vpc_link(original, self: ApiGatewayV2Backend, name, sg_ids, subnet_ids, tags):
    ec2 = ec2_of(self)
    for kind, missing in (("Subnet", missing_subnets(ec2, subnet_ids)),
                          ("SecurityGroup", missing_security_groups(ec2, sg_ids or []))):
        if missing:
            raise BadRequestException(f"{kind} ID(s) {', '.join(missing)} do not exist or are not in this account.")
    link = original(self, name, sg_ids, subnet_ids, tags)
    # API Gateway builds the link on a PrivateLink endpoint of its own; its ENIs carry that endpoint's id.
    endpoint_id = f"vpce-{mock_random.get_random_hex(17)}"
    link.apigw_kit_enis = [
        create_managed_eni(ec2, subnet_id, f"VPC Endpoint Interface {endpoint_id}", sg_ids or None).id
        for subnet_id in subnet_ids
    ]
    return link


def _delete_vpc_link(original, self: ApiGatewayV2Backend, vpc_link_id: str) -> None:
    link = self.vpc_links.get(vpc_link_id)
    original(self, vpc_link_id)
    if link is not None:
        release(ec2_of(self), getattr(link, "apigw_kit_enis", []))


def install() -> None:
    wrap(ApiGatewayV2Backend, "create_vpc_link", _create_vpc_link)
    wrap(ApiGatewayV2Backend, "delete_vpc_link", _delete_vpc_link)


RULE = Rule(
    name="vpc_link_v2",
    mirrors="HTTP API VPC links refuse unknown subnets and own a requester-managed ENI per subnet, "
            "described 'VPC Endpoint Interface vpce-<id>'.",
    install=install,
)
