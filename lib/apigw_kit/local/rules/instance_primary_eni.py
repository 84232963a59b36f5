"""A terminated instance releases the primary network interface it was launched with.

AWS documentation: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html
"""
from __future__ import annotations

from moto.ec2.models.instances import Instance

from . import Rule
from ._patch import wrap

# moto's name for the interface run_instances creates (one passed in by id keeps its own setting).
CREATED_AT_LAUNCH = "Primary network interface"


def _terminate(original, self: Instance):
    for nic in self.nics.values():
        if nic.description == CREATED_AT_LAUNCH:
            nic.delete_on_termination = True
    return original(self)


def install() -> None:
    wrap(Instance, "terminate", _terminate)


RULE = Rule(
    name="instance_primary_eni",
    mirrors="RunInstances creates the primary ENI with DeleteOnTermination=true, so terminating the instance deletes it.",
    install=install,
)
