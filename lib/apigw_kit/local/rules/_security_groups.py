"""Whether security groups let a source in: the one reading of ingress rules the rules share."""
from __future__ import annotations

import ipaddress
from typing import Iterable


def _covers(rule, port: int) -> bool:
    if rule.ip_protocol == "-1":
        return True
    return rule.ip_protocol in ("tcp", "6") and rule.from_port is not None and rule.from_port <= port <= rule.to_port


def admits(groups: Iterable, port: int, source_groups: Iterable[str] = (), addresses: Iterable[str] = ()) -> bool:
    """An ingress rule of ``groups`` (moto SecurityGroup objects) lets TCP ``port`` in from one of ``source_groups``
    (ids), or from CIDRs covering every one of ``addresses`` (none given: no CIDR admits).

    https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    """
    rules = [rule for group in groups for rule in group.ingress_rules if _covers(rule, port)]
    sources = set(source_groups)
    if any(rule.source_group.get("GroupId") in sources for rule in rules):
        return True
    networks = [ipaddress.ip_network(rule.ip_range["CidrIp"]) for rule in rules if rule.ip_range.get("CidrIp")]
    wanted = [ipaddress.ip_address(a) for a in addresses]
    return bool(wanted) and all(any(a in net for net in networks) for a in wanted)
