"""What the patterns with a custom domain share: the name, its hosted zone and its ACM certificate.

Patterns 2 and 3 both serve a subdomain with a DNS-validated certificate. The
run either takes a public hosted zone and an issued certificate by parameter
(read, never changed) or creates them; on a real account the zone must be the
one the domain is delegated to, or ACM could never validate the certificate.
"""
from __future__ import annotations

import re

import pandas as pd

from ..errors import ParameterError
from ..plan import Planned
from ..steps import dns

HOSTNAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.){2,}[a-z]{2,63}$")


def normalise_hostname(parameter: str, value: str) -> str:
    """``value`` lower-cased without a trailing dot; ParameterError unless it has three labels or more."""
    name = (value or "").strip().lower().rstrip(".")
    if not HOSTNAME.match(name):
        raise ParameterError(parameter, f"{name!r} is not a subdomain name",
                             "use a name with at least three labels, such as 'api.example.com'")
    return name


class CertifiedDomain:
    """Mixin for a PatternRun whose parameters have domain_name, hosted_zone_id and certificate_arn."""
    zone: dns.HostedZone | None = None
    cert: dns.Certificate | None = None
    delegation: dns.Delegation | None = None

    def validate_domain(self, *names: str) -> None:
        """Read-only: the zone and a given certificate exist and cover ``domain_name`` and ``names``."""
        p = self.params
        p.domain_name = normalise_hostname("domain_name", p.domain_name)
        if self.cloud.backend == "aws" and not p.hosted_zone_id:
            raise ParameterError("hosted_zone_id", "empty on a real account: a zone the lab creates is not delegated, "
                                 "so ACM could never validate the certificate and nobody could resolve the domain",
                                 "pass the id of the public hosted zone your domain is delegated to")
        if p.hosted_zone_id:
            self.zone = dns.describe_hosted_zone(self.cloud, p.hosted_zone_id)
            if self.zone.private:
                raise ParameterError("hosted_zone_id", f"{self.zone.id} ({self.zone.name}) is a private hosted zone: it "
                                     "answers only inside its VPCs, and ACM reads the validation record through public "
                                     "DNS, so the certificate would never be issued",
                                     "pass the public hosted zone your domain is delegated to "
                                     "(https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html)")
            for parameter, name in (("domain_name", p.domain_name), *names):
                if not name.endswith("." + self.zone.name):
                    raise ParameterError(parameter, f"{name} is not inside hosted zone {self.zone.name}",
                                         f"use a subdomain of {self.zone.name}, or the zone of {name}")
        self.validate_delegation()
        if p.certificate_arn:
            self.cert = dns.describe_certificate(self.cloud, p.certificate_arn)
            status = dns.certificate_status(self.cloud, self.cert.arn)
            for parameter, name in (("certificate_arn", p.domain_name), *(("certificate_arn", n) for _, n in names)):
                self.require_cover(parameter, self.cert.names, status, name)

    def validate_delegation(self) -> None:
        """The zone must be the one public DNS asks for the domain, or ACM never sees the validation record."""
        if self.zone is not None:
            name, servers = self.zone.name, dns.zone_name_servers(self.cloud, self.zone)
        else:  # the lab creates the zone: nothing can delegate to it yet if the account holds its parent
            name, servers = dns.parent_domain(self.params.domain_name), None
        self.delegation = dns.delegation(self.cloud, name, servers)
        if self.delegation.delegated is False:
            raise ParameterError("hosted_zone_id", f"public DNS would not ask this zone for {name}: "
                                 f"{self.delegation.detail}", "pass the zone the domain is delegated to, or add the "
                                 f"zone's name servers as an NS record in the parent (see {dns.DELEGATION_PAGE})")
        if self.delegation.delegated is None and self.cloud.backend == "aws":
            print(f"note: delegation not checked: {self.delegation.detail}")

    @staticmethod
    def require_cover(parameter: str, names, status: str, domain: str) -> None:
        if not any(dns.name_covered(n, domain) for n in names) or status != "ISSUED":
            raise ParameterError(parameter, f"its certificate ({status}) names {sorted(names)}, which do not cover "
                                 f"{domain}", "use an issued certificate whose names include the domain or a "
                                 "wildcard one label above it")

    @property
    def certificate_domain(self) -> str:
        """A wildcard one label above the domain: covers it and its siblings."""
        return "*." + dns.parent_domain(self.params.domain_name)

    def planned_certificate(self) -> list[Planned]:
        p = self.params
        rows = []
        if not p.hosted_zone_id:
            rows.append(Planned("route53:hosted-zone", "zone", f"public zone {dns.parent_domain(p.domain_name)}",
                                price="hosted-zone"))
        if not p.certificate_arn:
            rows += [Planned("acm:certificate", "certificate", f"{self.certificate_domain}, DNS-validated"),
                     Planned("route53:record", "validation", "CNAME that proves the domain to ACM")]
        return rows

    def given_certificate(self) -> dict[str, str]:
        p = self.params
        return {name: value for name, value in
                (("hosted_zone_id", p.hosted_zone_id), ("certificate_arn", p.certificate_arn)) if value}

    def ensure_certificate(self) -> pd.DataFrame:
        """The hosted zone, the certificate, and its validation records written (not waited for)."""
        p = self.params
        if self.zone is None:
            self.zone = dns.ensure_hosted_zone(self.lab, dns.parent_domain(p.domain_name))
        if not p.certificate_arn:
            self.cert = dns.ensure_certificate(self.lab, self.certificate_domain)
            dns.ensure_records(self.lab, self.zone, dns.validation_records(self.lab, self.cert))
        return dns.records_of(self.cloud, self.zone, self.lab.name)
