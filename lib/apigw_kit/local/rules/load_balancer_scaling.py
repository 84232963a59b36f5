"""ALB scale-out/in: managed ENIs come and go per subnet (admin route ``scale``).

AWS documentation: https://repost.aws/knowledge-center/alb-ip-change-notifications-eventbridge ; https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html
"""
from __future__ import annotations

from moto.elbv2.models import elbv2_backends

from . import Rule
from ._enis import release, settle
from ._patch import provisioned
from .load_balancer_enis import add_eni


def scale(body: dict) -> dict:
    arn, count = body["load_balancer_arn"], int(body["enis_per_subnet"])
    if count < 1:
        raise ValueError("enis_per_subnet must be at least 1")
    region, account = arn.split(":")[3:5]
    backend = elbv2_backends[account][region]
    balancer = backend.load_balancers.get(arn)
    if balancer is None:
        raise LookupError(f"no load balancer {arn}")
    if balancer.type != "application":
        raise ValueError(f"only ALBs scale; an NLB keeps one static IP per Availability Zone ({arn})")
    ec2 = backend.ec2_backend
    settle(ec2)
    if not provisioned(balancer, "load_balancer"):
        raise ValueError(f"the load balancer is still provisioning: it scales once active ({arn})")
    for subnet in balancer.subnets:
        in_subnet = [eni_id for eni_id in balancer.apigw_kit_enis if ec2.enis[eni_id].subnet.id == subnet.id]
        for _ in range(count - len(in_subnet)):
            add_eni(backend, balancer, subnet.id)
        newest = in_subnet[count:]
        release(ec2, newest)
        balancer.apigw_kit_enis = [e for e in balancer.apigw_kit_enis if e not in newest]
    enis = [ec2.enis[eni_id] for eni_id in balancer.apigw_kit_enis]
    return {"enis": [{"id": e.id, "subnet_id": e.subnet.id, "private_ip": e.private_ip_address} for e in enis]}


def install() -> None:
    from ..server import admin_route  # server.py imports the rules package first

    admin_route("scale")(scale)


RULE = Rule(
    name="load_balancer_scaling",
    mirrors="An ALB adds and removes ENIs (new IPs) per subnet as it scales; an NLB keeps one static IP per AZ.",
    install=install,
)
