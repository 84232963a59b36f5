"""Cross-service lookups the rules need: the EC2 and ELBv2 backends beside another backend."""
from __future__ import annotations

from moto.ec2.models import EC2Backend, ec2_backends
from moto.elbv2.models import ELBv2Backend, elbv2_backends


def ec2_of(backend) -> EC2Backend:
    return ec2_backends[backend.account_id][backend.region_name]


def elbv2_of(backend) -> ELBv2Backend:
    return elbv2_backends[backend.account_id][backend.region_name]


def missing_subnets(ec2: EC2Backend, subnet_ids: list[str]) -> list[str]:
    known = {subnet.id for subnets in ec2.subnets.values() for subnet in subnets.values()}
    return [subnet_id for subnet_id in subnet_ids if subnet_id not in known]


def missing_security_groups(ec2: EC2Backend, group_ids: list[str]) -> list[str]:
    return [group_id for group_id in group_ids if ec2.get_security_group_from_id(group_id) is None]
