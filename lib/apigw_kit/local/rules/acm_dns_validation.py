"""A DNS-validated certificate is issued only once public DNS answers its validation CNAMEs.

ACM looks the validation record up in public DNS
(https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html). On the embedded AWS public DNS is
the account's Route 53 zones that the internet could reach:
- a private hosted zone answers only inside its VPCs
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zones-private.html): it never counts;
- a public zone counts only if the parent domain delegates to it: when the account also holds the parent's
  public zone, that zone must carry an NS record for it with its name servers
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/CreatingNewSubdomain.html). A zone with no parent
  in the account is taken as delegated by its registrar, which the embedded AWS cannot see.
"""
from __future__ import annotations

from moto.acm.models import CertBundle
from moto.route53.models import FakeZone, route53_backends

from . import Rule
from ._patch import wrap


def _bare(name: str) -> str:
    return name.rstrip(".").lower()


def _values(zone: FakeZone, name: str, type_: str) -> set[str]:
    return {_bare(str(v)) for r in zone.rrsets if r.type == type_ and _bare(r.name) == name for v in r.records}


def _reachable(zone: FakeZone, public: list[FakeZone]) -> bool:
    """Public DNS reaches ``zone``: each zone above it in the account delegates to the next one down."""
    name = _bare(zone.name)
    above = [z for z in public if name.endswith("." + _bare(z.name))]
    if not above:
        return True
    parent = max(above, key=lambda z: len(_bare(z.name)))
    delegated_to = _values(parent, name, "NS")
    return bool(delegated_to) and delegated_to == _values(zone, name, "NS") and _reachable(parent, public)


def _published(cert: CertBundle) -> bool:
    """Every validation CNAME of ``cert`` is answered, with ACM's value, by a zone public DNS reaches."""
    account = cert.arn.split(":")[4]
    options = cert.describe()["Certificate"].get("DomainValidationOptions", [])
    wanted = {(_bare(o["ResourceRecord"]["Name"]), _bare(o["ResourceRecord"]["Value"])) for o in options}
    public = [z for z in route53_backends[account]["aws"].zones.values() if not z.private_zone]
    present = {(_bare(r.name), _bare(str(v))) for zone in public if _reachable(zone, public)
               for r in zone.rrsets if r.type == "CNAME" for v in r.records}
    return bool(wanted) and wanted <= present


def _check(original, self: CertBundle) -> None:
    if self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION" and not _published(self):
        return  # moto (and the clock) would issue it after a delay whether or not anyone answered the challenge
    original(self)


def install() -> None:
    wrap(CertBundle, "check", _check)


RULE = Rule(
    name="acm_dns_validation",
    mirrors="An ACM certificate requested with DNS validation stays PENDING_VALIDATION until its validation CNAME "
            "is in a public hosted zone that public DNS reaches (not a private zone, not an undelegated subdomain "
            "zone); then it is issued after the usual delay.",
    install=install,
)
