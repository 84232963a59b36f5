"""Pattern 2: custom domain -> HTTP API -> VPC link -> HTTPS listener of an internal ALB.

Source: seed 001 (protecting an ALB with a private integration, 2022). It
builds on pattern 1 (same network, security-group chain, VPC link) and adds
what that article assumed already existed: an ACM certificate validated through
Route 53 records the run writes and waits for, an HTTPS listener, the custom
domain with its API mapping and alias record, and TLS from API Gateway to the
ALB verified against the custom domain name. What the kit does differently: the
default execute-api endpoint is switched off (parameter), so the custom domain
is the only way in, and "the ALB is invisible from the internet" is checked by
tracing a request to it rather than taken on trust.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from ..checks import Check
from ..errors import ParameterError
from ..plan import Planned
from ..steps import apigw_domains, apigw_http, dns, elb
from ..tracer import trace
from . import http_alb
from .base import checks_frame, step
from .certified_domain import CertifiedDomain, normalise_hostname

NO_CONNECTION = ("dns", "entry", "listener")  # tracer hops that leave a client without a connection


@dataclass
class Parameters(http_alb.Parameters):
    lab_name: str = "https-domain"
    vpc_cidr: str = "10.30.0.0/16"
    domain_name: str = "private-integration.example.com"
    hosted_zone_id: str = ""
    certificate_arn: str = ""
    disable_execute_api_endpoint: bool = True


class Run(CertifiedDomain, http_alb.Run):
    PATTERN = "https-domain"
    EXERCISES = ("tls-name-not-on-certificate", "alb-sg-excludes-vpc-link", "tls-config-removed")
    NOTEBOOK = "02_https_alb_custom_domain"
    TITLE = "Custom domain -> HTTP API -> VPC link (TLS) -> internal ALB"
    Parameters = Parameters
    STEPS = ("network", "security_groups", "certificate", "load_balancer", "vpc_link", "http_api", "custom_domain")
    LISTENER_PORT = 443

    @property
    def server_name(self) -> str:
        return self.params.domain_name

    # Validation (read-only) ---------------------------------------------------------
    def validate(self) -> None:
        p = self.params
        p.domain_name = normalise_hostname("domain_name", p.domain_name)
        super().validate()
        self.validate_domain()
        if p.listener_arn:
            if self.listener.protocol != "HTTPS":
                raise ParameterError("listener_arn", f"the listener speaks {self.listener.protocol}",
                                     "pass an HTTPS listener: API Gateway verifies the ALB's certificate against domain_name")
            names = [n for arn in self.listener_certificates() for n in dns.describe_certificate(self.cloud, arn).names]
            self.require_cover("listener_arn", names, "ISSUED", p.domain_name)
        apigw_domains.check_domain_free(self.lab, p.domain_name)

    def listener_certificates(self) -> list[str]:
        listener = self.cloud.client("elbv2").describe_listeners(ListenerArns=[self.listener.arn])["Listeners"][0]
        return [c["CertificateArn"] for c in listener.get("Certificates", [])]

    def planned(self) -> list[Planned]:
        p = self.params
        rows = [replace(r, why="internal ALB, HTTPS:443 listener with the ACM certificate")
                if r.type == "elbv2:load-balancer" else r for r in super().planned()]
        rows += self.planned_certificate()
        rows += [Planned("apigatewayv2:domain-name", "domain", f"{p.domain_name}, regional, mapped to the API"),
                 Planned("route53:record", "alias", f"A alias {p.domain_name} -> the API Gateway domain name")]
        return rows

    def given(self) -> dict[str, str]:
        return {**super().given(), **self.given_certificate()}

    # Steps -----------------------------------------------------------------------------
    @step("certificate")
    def certificate(self) -> pd.DataFrame:
        """The hosted zone, the certificate, and its validation records written (waited for at the listener)."""
        return self.ensure_certificate()

    def ensure_listener(self) -> elb.Listener:
        # The VPC link provisions for minutes: start it before waiting for the certificate (the vpc_link step waits for it).
        apigw_http.ensure_vpc_link(self.lab, self.subnets, [self.link_sg])
        dns.wait_certificate(self.lab, self.cert, self.zone)
        return elb.ensure_listener(self.lab, self.alb, port=self.LISTENER_PORT, protocol="HTTPS",
                                   target_group=self.target_group, certificate_arn=self.cert.arn)

    @step("custom_domain")
    def custom_domain(self) -> pd.DataFrame:
        """The custom domain, its API mapping, the alias record; the default endpoint off if asked."""
        p = self.params
        self.domain = apigw_domains.ensure_domain_name(self.lab, p.domain_name, self.cert.arn)
        apigw_domains.ensure_api_mapping(self.lab, self.domain, self.api.id)
        dns.ensure_alias_record(self.lab, self.zone, p.domain_name, self.domain.target, self.domain.hosted_zone_id)
        apigw_domains.ensure_execute_api_endpoint(self.lab, self.api.id, disabled=p.disable_execute_api_endpoint)
        return dns.records_of(self.cloud, self.zone, self.lab.name)

    # Verify --------------------------------------------------------------------------
    @step("verify")
    def verify(self) -> pd.DataFrame:
        rows = [
            listener_certificate_covers(self.cloud, self.listener.arn, self.server_name),
            integration_verifies_tls(self.cloud, self.api.id, self.server_name),
            alias_targets_domain(self.cloud, self.zone.id, self.params.domain_name),
            domain_maps_api(self.cloud, self.params.domain_name, self.api.id),
            unreachable_from_internet(self.cloud, self.alb.dns_name, self.listener.port),
        ]
        if self.params.disable_execute_api_endpoint:
            rows.append(default_endpoint_disabled(self.cloud, self.api.id))
        inherited = [Check(**row) for row in super().verify().to_dict("records")]
        return checks_frame(inherited + rows)

    @property
    def entry_url(self) -> str:
        return f"https://{self.params.domain_name}/"


# Checks -----------------------------------------------------------------------------------
def listener_certificate_covers(cloud, listener_arn: str, server_name: str) -> Check:
    """The listener speaks HTTPS with an issued certificate whose names cover the name API Gateway verifies."""
    listener = cloud.client("elbv2").describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]
    arns = [c["CertificateArn"] for c in listener.get("Certificates", [])]
    problems = [] if listener["Protocol"] == "HTTPS" else [f"the listener speaks {listener['Protocol']}"]
    covering = [(arn, status) for arn in arns
                for names, status in [(dns.describe_certificate(cloud, arn).names, dns.certificate_status(cloud, arn))]
                if any(dns.name_covered(n, server_name) for n in names)]
    if not covering:
        problems.append(f"no certificate on the listener ({len(arns)} attached) covers {server_name}: the TLS "
                        "handshake from API Gateway fails (500)")
    elif covering[0][1] != "ISSUED":
        problems.append(f"the covering certificate is {covering[0][1]}")
    return Check("listener certificate covers the server name to verify", not problems,
                 "; ".join(problems) or f"{covering[0][0].split('/')[-1]} on HTTPS:{listener['Port']} covers {server_name}")


def integration_verifies_tls(cloud, api_id: str, server_name: str) -> Check:
    """Every integration sends TLS to the listener and verifies ``server_name`` there."""
    from ..steps.apigw_http import _items
    integrations = _items(cloud.client("apigatewayv2").get_integrations, ApiId=api_id)
    wrong = [f"{i['IntegrationId']} verifies {(i.get('TlsConfig') or {}).get('ServerNameToVerify') or 'nothing (plain HTTP)'}"
             for i in integrations if (i.get("TlsConfig") or {}).get("ServerNameToVerify") != server_name]
    if not integrations:
        wrong.append(f"API {api_id} has no integration")
    return Check("integration uses TLS to the ALB and verifies the domain", not wrong,
                 "; ".join(wrong) or f"{len(integrations)} integration(s) verify {server_name}")


def _domain(cloud, name: str) -> dict | None:
    try:
        return cloud.client("apigatewayv2").get_domain_name(DomainName=name)
    except cloud.client("apigatewayv2").exceptions.NotFoundException:
        return None


def alias_targets_domain(cloud, zone_id: str, name: str) -> Check:
    """``name`` is an alias A record to the custom domain's API Gateway name and zone (not the invoke URL)."""
    domain = _domain(cloud, name)
    config = (domain or {}).get("DomainNameConfigurations", [{}])[0]
    sets = cloud.client("route53").list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=name,
                                                             MaxItems="5")["ResourceRecordSets"]
    record = next((r for r in sets if r["Name"].rstrip(".") == name and r["Type"] in ("A", "CNAME")), None)
    if domain is None:
        return Check("DNS alias points at the API Gateway domain name", False, f"no custom domain {name}")
    if record is None:
        return Check("DNS alias points at the API Gateway domain name", False, f"no A record {name} in zone {zone_id}")
    alias = record.get("AliasTarget") or {}
    points = (alias.get("DNSName", "") or ", ".join(v["Value"] for v in record.get("ResourceRecords", []))).rstrip(".")
    passed = (record["Type"] == "A" and points == config.get("ApiGatewayDomainName")
              and alias.get("HostedZoneId") == config.get("HostedZoneId"))
    detail = (f"A alias -> {points} in {alias.get('HostedZoneId')}" if passed else
              f"{record['Type']} {name} -> {points}{' (alias in ' + alias['HostedZoneId'] + ')' if alias else ''}, but the "
              f"domain is served at {config.get('ApiGatewayDomainName')} in {config.get('HostedZoneId')}"
              + (": an invoke URL does not answer for the custom domain" if ".execute-api." in points and not points.startswith("d-") else ""))
    return Check("DNS alias points at the API Gateway domain name", passed, detail)


def domain_maps_api(cloud, name: str, api_id: str) -> Check:
    from ..steps.apigw_http import _items
    mappings = _items(cloud.client("apigatewayv2").get_api_mappings, DomainName=name) if _domain(cloud, name) else []
    mine = [m for m in mappings if m["ApiId"] == api_id]
    return Check("custom domain is mapped to the API", bool(mine),
                 f"{name}/{mine[0].get('ApiMappingKey', '')} -> {api_id} stage {mine[0]['Stage']}" if mine
                 else f"no API mapping of {name} to {api_id} ({len(mappings)} mapping(s) to other APIs)")


def unreachable_from_internet(cloud, dns_name: str, port: int) -> Check:
    """A request from the internet to the load balancer's own name gets no answer (traced, read-only)."""
    traced = trace(cloud, f"https://{dns_name}:{port}/", source="internet")
    # Stopped before a connection exists; a certificate mismatch later on stops no client that skips verification.
    failure = traced.failure
    blocked = failure is not None and (failure.hop in NO_CONNECTION or failure.hop.startswith("source ->"))
    return Check("load balancer is unreachable from the internet", blocked,
                 traced.reason if blocked else f"a client on the internet connects ({traced.reason}): the API can be bypassed")


def default_endpoint_disabled(cloud, api_id: str) -> Check:
    api = cloud.client("apigatewayv2").get_api(ApiId=api_id)
    disabled = bool(api.get("DisableExecuteApiEndpoint"))
    return Check("only the custom domain serves the API", disabled,
                 f"{api['ApiEndpoint']} is disabled" if disabled else
                 f"{api['ApiEndpoint']} also serves the API, bypassing the custom domain's TLS policy and mapping")
