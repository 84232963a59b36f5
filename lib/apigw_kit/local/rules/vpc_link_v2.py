"""HTTP API (v2) VPC links: existing subnets only, and one managed ENI per subnet.

"When you create a VPC link, API Gateway creates and manages elastic network interfaces for the VPC
link in your account. This process can take a few minutes. When a VPC link is ready to use, its state
transitions from PENDING to AVAILABLE."
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html). When inside
PENDING they appear is not documented: the harder case is emulated, none before AVAILABLE. Once the
link is deleted (rule deletion_clock) its ENIs linger for the "eni_release" delay.
"""
from __future__ import annotations

from moto.apigatewayv2.exceptions import BadRequestException
from moto.apigatewayv2.models import ApiGatewayV2Backend
from moto.moto_api._internal import mock_random

from ..clock import CLOCK
from . import Rule
from ._aws import ec2_of, missing_security_groups, missing_subnets
from ._enis import Deferred, create_managed_eni, defer, install_settling, release
from ._patch import created_at, wrap


def _create_vpc_link(original, self: ApiGatewayV2Backend, name, sg_ids, subnet_ids, tags):
    ec2 = ec2_of(self)
    for kind, missing in (("Subnet", missing_subnets(ec2, subnet_ids)),
                          ("SecurityGroup", missing_security_groups(ec2, sg_ids or []))):
        if missing:
            raise BadRequestException(f"{kind} ID(s) {', '.join(missing)} do not exist or are not in this account.")
    link = original(self, name, sg_ids, subnet_ids, tags)
    link.apigw_kit_enis = []
    # Same stamp and delay as the link's PENDING -> AVAILABLE (rule provisioning_clock).
    defer(ec2, Deferred(("vpc_link",), created_at(link), lambda: _provision_enis(self, link, sg_ids)))
    return link


def _provision_enis(backend: ApiGatewayV2Backend, link, sg_ids) -> None:
    if backend.vpc_links.get(link.id) is not link:
        return  # deleted while it provisioned
    # API Gateway builds the link on a PrivateLink endpoint of its own; its ENIs carry that endpoint's id.
    endpoint_id = f"vpce-{mock_random.get_random_hex(17)}"
    link.apigw_kit_enis = [
        create_managed_eni(ec2_of(backend), subnet_id, f"VPC Endpoint Interface {endpoint_id}", sg_ids or None).id
        for subnet_id in link.subnet_ids
    ]


def _delete_vpc_link(original, self: ApiGatewayV2Backend, vpc_link_id: str) -> None:
    link = self.vpc_links.get(vpc_link_id)
    original(self, vpc_link_id)
    if link is not None:
        ec2 = ec2_of(self)
        defer(ec2, Deferred(("eni_release",), CLOCK.now(), lambda: release(ec2, link.apigw_kit_enis)))


def install() -> None:
    install_settling()
    wrap(ApiGatewayV2Backend, "create_vpc_link", _create_vpc_link)
    wrap(ApiGatewayV2Backend, "delete_vpc_link", _delete_vpc_link)


RULE = Rule(
    name="vpc_link_v2",
    mirrors="HTTP API VPC links refuse unknown subnets and own a requester-managed ENI per subnet, "
            "described 'VPC Endpoint Interface vpce-<id>', created by the time the link is AVAILABLE and "
            "released on the clock after it is deleted.",
    install=install,
)
