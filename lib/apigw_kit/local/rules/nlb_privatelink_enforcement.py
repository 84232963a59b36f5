"""NLBs report (and SetSecurityGroups sets) security-group enforcement on PrivateLink traffic.

AWS documentation: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html ; https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetSecurityGroups.html
"""
from __future__ import annotations

from moto.elbv2.models import FakeLoadBalancer
from moto.elbv2.responses import ELBV2Response

from . import Rule
from ._patch import wrap

_ATTRIBUTE = "enforce_security_group_inbound_rules_on_private_link_traffic"


def _enforcement(self: FakeLoadBalancer) -> str | None:
    # AWS reports the setting only for NLBs that have security groups; it defaults to "on".
    if self.type != "network" or not self.security_groups:
        return None
    return self.__dict__.get(_ATTRIBUTE, "on")


def _set_security_groups(original, self: ELBV2Response):
    result = original(self)
    setting = self._get_param("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic")
    balancer = self.elbv2_backend.load_balancers.get(self._get_param("LoadBalancerArn"))
    if setting in ("on", "off") and balancer is not None:
        balancer.__dict__[_ATTRIBUTE] = setting
    if balancer is not None:
        result.result["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] = _enforcement(balancer)
    return result


def install() -> None:
    FakeLoadBalancer.enforce_security_group_inbound_rules_on_private_link_traffic = property(_enforcement)
    wrap(ELBV2Response, "set_security_groups", _set_security_groups)


RULE = Rule(
    name="nlb_privatelink_enforcement",
    mirrors="NLBs with security groups evaluate them on PrivateLink traffic unless "
            "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic is set to off (default on).",
    install=install,
)
