"""Each public hosted zone answers on its own four Route 53 name servers.

Route 53 gives every new public hosted zone a delegation set of four name servers and lists them in the
zone's apex NS record (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/SOA-NSrecords.html); only a
reusable delegation set shares them between zones
(https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateReusableDelegationSet.html). moto gives every
zone the same four, so a parent's NS record could not tell two zones of one name apart: the delegation
checks (rule acm_dns_validation, the kit's validate_delegation) need the distinct sets.
"""
from __future__ import annotations

from moto.moto_api._internal import mock_random
from moto.route53.models import FakeZone, Route53Backend

from . import Rule
from ._patch import wrap

_TOP_LEVEL_DOMAINS = ("com", "net", "org", "co.uk")  # one server under each, as Route 53 spreads them


def _name_servers() -> list[str]:
    return [f"ns-{mock_random.randint(0, 2047)}.awsdns-{mock_random.randint(0, 63):02d}.{tld}"
            for tld in _TOP_LEVEL_DOMAINS]


def _create_hosted_zone(original, self: Route53Backend, *args, **kwargs) -> FakeZone:
    zone = original(self, *args, **kwargs)
    if zone.private_zone or zone.delegation_set is None or zone.delegation_set.id:
        return zone  # private zones have no name servers; a reusable set is shared on purpose
    servers = _name_servers()
    zone.delegation_set.name_servers = servers
    for record in zone.rrsets:
        if record.type == "NS" and record.name.rstrip(".") == zone.name.rstrip("."):
            record.records = list(servers)
    return zone


def install() -> None:
    wrap(Route53Backend, "create_hosted_zone", _create_hosted_zone)


RULE = Rule(
    name="route53_name_servers",
    mirrors="Each new public hosted zone gets its own four name servers (GetHostedZone DelegationSet and the apex "
            "NS record), not one set shared by every zone.",
    install=install,
)
