"""Managed ENIs for ALBs and NLBs: one per subnet, created while the load balancer provisions and
released some time after it is deleted.

AWS: a load balancer starts ``provisioning`` and is ``active`` once "fully set up and ready to route
traffic" (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html,
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-state);
for each enabled Availability Zone ELB creates a node and a network interface in the chosen subnet
(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/availability-zones.html).
The docs do not say when inside ``provisioning`` they appear, so the harder case is emulated: none
until the load balancer is ``active``. Addresses pinned with SubnetMappings are reserved meanwhile.
DescribeLoadBalancers has no deleting state (active | provisioning | active_impaired | failed): a
deleted load balancer is gone at once, but its ENIs linger ("eni_release" on the clock), and the
security groups and subnets they use answer DependencyViolation until then.
"""
from __future__ import annotations

from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer

from ..clock import CLOCK
from . import Rule
from ._enis import Deferred, create_managed_eni, defer, install_settling, release
from ._patch import created_at, wrap

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


def _provision_enis(backend: ELBv2Backend, balancer: FakeLoadBalancer, pinned: dict[str, str | None]) -> None:
    if backend.load_balancers.get(balancer.arn) is not balancer:
        return  # deleted (or renamed away) while it provisioned: nothing to create
    for subnet in balancer.subnets:
        add_eni(backend, balancer, subnet.id, pinned.get(subnet.id))


def _create_load_balancer(original, self: ELBv2Backend, *args, **kwargs):
    balancer = original(self, *args, **kwargs)
    if balancer.type not in _PREFIX:
        return balancer
    pinned = {m["SubnetId"]: m.get("PrivateIPv4Address") for m in kwargs.get("subnet_mappings") or []}
    balancer.apigw_kit_enis = []
    # Same stamp and delay as the load balancer's own provisioning (rule provisioning_clock).
    defer(self.ec2_backend, Deferred(("load_balancer",), created_at(balancer),
                                     lambda: _provision_enis(self, balancer, pinned),
                                     frozenset((subnet, ip) for subnet, ip in pinned.items() if ip)))
    return balancer


def _delete_load_balancer(original, self: ELBv2Backend, arn: str) -> None:
    balancer = self.load_balancers.get(arn)
    original(self, arn)
    if balancer is not None:
        ec2 = self.ec2_backend
        defer(ec2, Deferred(("eni_release",), CLOCK.now(), lambda: release(ec2, balancer.apigw_kit_enis)))


def install() -> None:
    install_settling()
    wrap(ELBv2Backend, "create_load_balancer", _create_load_balancer)
    wrap(ELBv2Backend, "delete_load_balancer", _delete_load_balancer)


RULE = Rule(
    name="load_balancer_enis",
    mirrors="ALBs/NLBs own one requester-managed ENI per subnet, described 'ELB app|net/<name>/<id>', created while "
            "the LB provisions (none before it is active) and released on the clock after it is deleted.",
    install=install,
)
