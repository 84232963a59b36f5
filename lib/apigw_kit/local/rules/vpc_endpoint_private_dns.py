"""ModifyVpcEndpoint turns an interface endpoint's private DNS on or off (PrivateDnsEnabled).

AWS documentation: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html
"""
from __future__ import annotations

from moto.ec2.responses.vpcs import VPCs

from . import Rule
from ._patch import wrap


def _modify_vpc_endpoint(original, self: VPCs):
    result = original(self)
    enabled = self._get_bool_param("PrivateDnsEnabled")
    if enabled is not None:
        self.ec2_backend.describe_vpc_endpoints(vpc_end_point_ids=[self._get_param("VpcEndpointId")])[0].private_dns_enabled = enabled
    return result


def install() -> None:
    wrap(VPCs, "modify_vpc_endpoint", _modify_vpc_endpoint)


RULE = Rule(
    name="vpc_endpoint_private_dns",
    mirrors="ModifyVpcEndpoint's PrivateDnsEnabled turns an interface endpoint's private DNS on or off.",
    install=install,
)
