"""A DNS-validated certificate is issued only once its validation CNAMEs resolve in Route 53."""
from __future__ import annotations

from moto.acm.models import CertBundle
from moto.route53.models import route53_backends

from . import Rule
from ._patch import wrap


def _published(cert: CertBundle) -> bool:
    """Every validation CNAME of ``cert`` exists, with ACM's value, in a hosted zone of its account."""
    account = cert.arn.split(":")[4]
    options = cert.describe()["Certificate"].get("DomainValidationOptions", [])
    wanted = {(o["ResourceRecord"]["Name"].rstrip(".").lower(), o["ResourceRecord"]["Value"].rstrip(".").lower())
              for o in options}
    present = {(r.name.rstrip(".").lower(), str(v).rstrip(".").lower())
               for zone in route53_backends[account]["aws"].zones.values() for r in zone.rrsets if r.type == "CNAME"
               for v in r.records}
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
            "exists in Route 53; then it is issued after the usual delay.",
    install=install,
)
