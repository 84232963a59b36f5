"""Managed ENIs for ALBs and NLBs, one per subnet, released with the load balancer."""
from __future__ import annotations

from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer

from . import Rule
from ._enis import create_managed_eni, release
from ._patch import wrap

_PREFIX = {"application": "app", "network": "net"}
# ELB's ENIs show this requester; NLB ENIs carry their own interface type.
REQUESTER = "amazon-elb"
_INTERFACE_TYPE = {"application": "interface", "network": "network_load_balancer"}


def description(balancer: FakeLoadBalancer) -> str:
    return f"ELB {_PREFIX[balancer.type]}/{balancer.name}/{balancer.arn.rsplit('/', 1)[1]}"


def add_eni(backend: ELBv2Backend, balancer: FakeLoadBalancer, subnet_id: str, ip: str | None = None):
    # An ALB always has security groups (the VPC default if none given); an NLB only if given.
    groups = balancer.security_groups or (None if balancer.type == "application" else [])
    eni = create_managed_eni(
        backend.ec2_backend, subnet_id, description(balancer), groups,
        requester_id=REQUESTER, interface_type=_INTERFACE_TYPE[balancer.type], ip=ip,
    )
    balancer.apigw_kit_enis.append(eni.id)
    return eni


def _create_load_balancer(original, self: ELBv2Backend, *args, **kwargs):
    balancer = original(self, *args, **kwargs)
    if balancer.type not in _PREFIX:
        return balancer
    pinned = {m["SubnetId"]: m.get("PrivateIPv4Address") for m in kwargs.get("subnet_mappings") or []}
    balancer.apigw_kit_enis = []
    for subnet in balancer.subnets:
        add_eni(self, balancer, subnet.id, pinned.get(subnet.id))
    return balancer


def _delete_load_balancer(original, self: ELBv2Backend, arn: str) -> None:
    balancer = self.load_balancers.get(arn)
    original(self, arn)
    if balancer is not None:
        release(self.ec2_backend, getattr(balancer, "apigw_kit_enis", []))


def install() -> None:
    wrap(ELBv2Backend, "create_load_balancer", _create_load_balancer)
    wrap(ELBv2Backend, "delete_load_balancer", _delete_load_balancer)


RULE = Rule(
    name="load_balancer_enis",
    mirrors="ALBs/NLBs own one requester-managed ENI per subnet, described 'ELB app|net/<name>/<id>', gone with the LB.",
    install=install,
)
