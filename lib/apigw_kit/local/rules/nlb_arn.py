"""NLB ARNs say ``net/`` (moto writes ``app/`` for every load balancer type).

AWS documentation: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html
"""
from __future__ import annotations

from moto.elbv2.models import ELBv2Backend

from . import Rule
from ._patch import wrap


def _create_load_balancer(original, self: ELBv2Backend, *args, **kwargs):
    balancer = original(self, *args, **kwargs)
    if balancer.type == "network":
        old = balancer.arn
        balancer.arn = old.replace(":loadbalancer/app/", ":loadbalancer/net/")
        # Listeners copy the load balancer ARN when created, so re-keying here keeps them consistent.
        self.load_balancers[balancer.arn] = self.load_balancers.pop(old)
        if old in self.tagging_service.tags:
            self.tagging_service.tags[balancer.arn] = self.tagging_service.tags.pop(old)
    return balancer


def install() -> None:
    wrap(ELBv2Backend, "create_load_balancer", _create_load_balancer)


RULE = Rule(
    name="nlb_arn",
    mirrors="Network Load Balancer ARNs (and their listeners') read loadbalancer/net/<name>/<id>.",
    install=install,
)
