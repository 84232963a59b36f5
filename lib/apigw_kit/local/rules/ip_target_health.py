"""IP targets that no network interface holds fail their health checks."""
from __future__ import annotations

import ipaddress

from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

from . import Rule
from ._enis import held_addresses
from ._patch import wrap


def _health_for(original, self: FakeTargetGroup, target: dict, ec2_backend) -> FakeHealthStatus:
    status = original(self, target, ec2_backend)
    if self.target_type != "ip" or status.status != "healthy":
        return status
    # Only addresses inside the target group's VPC: others are reached over peering or VPN, out of view.
    vpc = ec2_backend.vpcs.get(self.vpc_id)
    address = ipaddress.ip_address(target["Id"])
    if vpc is None or address not in ipaddress.ip_network(vpc.cidr_block) or target["Id"] in held_addresses(ec2_backend):
        return status
    return FakeHealthStatus(target["Id"], status.port, self.health_check_port, "unhealthy", "Target.Timeout",
                            "Request timed out")


def install() -> None:
    wrap(FakeTargetGroup, "health_for", _health_for)


RULE = Rule(
    name="ip_target_health",
    mirrors="An IP target at an address of the target group's VPC that no network interface holds "
            "(a load balancer or endpoint node that went away) times out its health checks: unhealthy, Target.Timeout.",
    install=install,
)
