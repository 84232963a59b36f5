"""NLBs report (and SetSecurityGroups sets) security-group enforcement on PrivateLink traffic; an NLB created
without security groups cannot be given any later ("If you create a Network Load Balancer without associating any
security groups, you can't associate them with the load balancer later on", the NLB security groups page).

AWS documentation: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html ; https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetSecurityGroups.html
"""
from __future__ import annotations

from moto.elbv2.exceptions import InvalidConfigurationRequest
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
    balancer = self.elbv2_backend.load_balancers.get(self._get_param("LoadBalancerArn"))
    if balancer is not None and balancer.type == "network" and not balancer.security_groups:
        raise InvalidConfigurationRequest(f"Load balancer '{balancer.arn}' was created without security groups: "
                                          "security groups can be associated with a Network Load Balancer only when it is created")
    result = original(self)
    setting = self._get_param("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic")
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
            "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic is set to off (default on); an NLB created without "
            "security groups refuses SetSecurityGroups (InvalidConfigurationRequest).",
    install=install,
)
