"""The network a pattern stands on: a lab VPC with two private subnets, or the user's own VPC and subnets.

A given VPC and its subnets are checked with read-only calls (they exist, the
subnets are in two Availability Zones, in zone IDs where API Gateway builds VPC
links v2 when the pattern uses one, and have no route to an internet gateway)
and are used but never changed or deleted: they carry no lab tag.
"""
from __future__ import annotations

import ipaddress

import pandas as pd

from ..errors import ParameterError
from ..plan import Planned
from ..steps import network


def as_list(value) -> list[str]:
    """A list parameter given as a list or as comma-separated text (papermill and -p pass text)."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value or [])


def validate_cidr(parameter: str, cidr: str) -> ipaddress.IPv4Network:
    try:
        block = ipaddress.ip_network(cidr)
    except ValueError as exc:
        raise ParameterError(parameter, f"{cidr!r} is not a CIDR block ({exc})", "use a block such as '10.20.0.0/16'") from None
    if block.version != 4 or not 16 <= block.prefixlen <= 24 or not block.is_private:
        raise ParameterError(parameter, f"{cidr} is not a private IPv4 block from /16 to /24",
                             "use an RFC 1918 block such as '10.20.0.0/16'")
    return block


def check_given_network(cloud, vpc_id: str, subnet_ids: list[str],
                        vpc_link_v2: bool = True) -> tuple[network.Vpc, list[network.Subnet]]:
    """An existing VPC and two or more of its private subnets in different AZs, or ParameterError.

    With ``vpc_link_v2`` the subnets must also be in zones where API Gateway can build a VPC link v2.
    """
    vpc = network.describe_vpc(cloud, vpc_id)
    if len(subnet_ids) < 2:
        raise ParameterError("subnet_ids", f"{len(subnet_ids)} subnet(s) given",
                             "pass at least two private subnets of vpc_id in different Availability Zones")
    subnets = network.describe_subnets(cloud, subnet_ids, vpc_id)
    if len({s.az for s in subnets}) < 2:
        raise ParameterError("subnet_ids", "all subnets are in one Availability Zone",
                             "a load balancer needs subnets in at least two Availability Zones")
    if vpc_link_v2:
        network.require_vpc_link_zones(cloud, subnets)
    for subnet in subnets:
        gateways = network.routes_to_internet(cloud, subnet)
        if gateways:
            raise ParameterError("subnet_ids", f"{subnet.id} routes to internet gateway {gateways[0]}",
                                 "pass private subnets (no 0.0.0.0/0 route to an internet gateway)")
    return vpc, subnets


class LabNetwork:
    """Mixin for a PatternRun whose parameters have vpc_cidr, vpc_id and subnet_ids."""
    VPC_LINK_V2 = True  # the pattern builds a VPC link v2 in these subnets

    def validate_network(self) -> None:
        p = self.params
        p.subnet_ids = as_list(p.subnet_ids)
        if p.vpc_id:
            self.vpc, self.subnets = check_given_network(self.cloud, p.vpc_id, p.subnet_ids, self.VPC_LINK_V2)
        elif p.subnet_ids:
            raise ParameterError("vpc_id", "subnet_ids given without vpc_id",
                                 "pass the VPC they belong to as vpc_id, or neither to build a lab VPC")
        else:
            validate_cidr("vpc_cidr", p.vpc_cidr)
            network.vpc_link_zones(self.cloud, 2)  # the Region has the zones build_network will pick

    def planned_network(self) -> list[Planned]:
        if self.params.vpc_id:
            return []
        return [Planned("ec2:vpc", "vpc", f"lab VPC {self.params.vpc_cidr}"),
                Planned("ec2:route-table", "private-routes", "route table with no internet route"),
                Planned("ec2:subnet", "private-a", "private subnet, first AZ"),
                Planned("ec2:subnet", "private-b", "private subnet, second AZ")]

    def given_network(self) -> dict[str, str]:
        p = self.params
        return {"vpc_id": p.vpc_id, "subnet_ids": ", ".join(p.subnet_ids)} if p.vpc_id else {}

    def build_network(self) -> None:
        """The lab VPC and two private subnets, created (given ones were read by validate_network)."""
        if not self.params.vpc_id:
            self.vpc = network.ensure_vpc(self.lab, self.params.vpc_cidr)
            self.subnets = network.ensure_private_subnets(self.lab, self.vpc, count=2)

    def ensure_network(self) -> pd.DataFrame:
        """build_network(), then the subnets as a table."""
        self.build_network()
        return pd.DataFrame([subnet_row(self.cloud, s) for s in self.subnets])


def subnet_row(cloud, subnet: network.Subnet) -> dict:
    return {"subnet": subnet.id, "az": subnet.az, "cidr": subnet.cidr,
            "internet_gateway": ", ".join(network.routes_to_internet(cloud, subnet)) or "none"}
