"""Security groups, subnets and VPCs cannot be deleted while something still uses them.

AWS documentation: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html ; https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html
"""
from __future__ import annotations

from moto.ec2.exceptions import DependencyViolationError
from moto.ec2.models import EC2Backend

from . import Rule
from ._enis import settle
from ._patch import wrap


def _delete_security_group(original, self: EC2Backend, name=None, group_id=None):
    settle(self)  # ENIs released on the clock since the last call no longer count
    group = self.get_security_group_by_name_or_id(group_id or name)
    if group is not None and any(group in eni.group_set for eni in self.enis.values()):
        raise DependencyViolationError(f"resource {group.id} has a dependent object")
    if group is not None and any((rule.source_group or {}).get("GroupId") == group.id and other.id != group.id
                                 for groups in self.groups.values() for other in groups.values()
                                 for rule in other.ingress_rules + other.egress_rules):
        raise DependencyViolationError(f"resource {group.id} has a dependent object")  # another group's rule names it
    return original(self, name=name, group_id=group_id)


def _delete_subnet(original, self: EC2Backend, subnet_id: str):
    settle(self)
    if any(eni.subnet.id == subnet_id for eni in self.enis.values()):
        raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
    return original(self, subnet_id)


def _delete_vpc(original, self: EC2Backend, vpc_id: str):
    # moto deletes the default group itself but ignores any other group left in the VPC.
    if any(group.name != "default" for group in self.groups.get(vpc_id, {}).values()):
        raise DependencyViolationError(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
    return original(self, vpc_id)


def install() -> None:
    wrap(EC2Backend, "delete_security_group", _delete_security_group)
    wrap(EC2Backend, "delete_subnet", _delete_subnet)
    wrap(EC2Backend, "delete_vpc", _delete_vpc)


RULE = Rule(
    name="dependency_violation",
    mirrors="DeleteSecurityGroup/DeleteSubnet/DeleteVpc fail with DependencyViolation while ENIs, subnets or groups "
            "remain, or while another group's rule references the group.",
    install=install,
)
