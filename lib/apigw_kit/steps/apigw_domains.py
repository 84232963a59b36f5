"""API Gateway custom domain names for HTTP APIs (apigatewayv2): domains, API mappings, the default endpoint.

A regional custom domain is served by an API Gateway name of its own
(``d-<id>.execute-api.<region>.amazonaws.com``) in API Gateway's regional
hosted zone: that pair, not the API's invoke URL, is what a Route 53 alias
record for the domain points at.
"""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from ..errors import ParameterError
from . import Found, name_of, register
from .apigw_http import _items, _v2


@dataclass(frozen=True)
class DomainName:
    name: str
    target: str  # the API Gateway domain name an alias record points at
    hosted_zone_id: str  # API Gateway's regional zone that target lives in
    certificate_arn: str


def _record(domain: dict) -> DomainName:
    config = domain["DomainNameConfigurations"][0]
    return DomainName(domain["DomainName"], config.get("ApiGatewayDomainName", ""), config.get("HostedZoneId", ""),
                      config.get("CertificateArn", ""))


def _existing(lab, name: str) -> dict | None:
    try:
        return _v2(lab).get_domain_name(DomainName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        return None


def check_domain_free(lab, name: str) -> None:
    """Refuse (before any change) a domain name another lab or someone else already set up here."""
    domain = _existing(lab, name)
    if domain is not None and not lab.owns(domain.get("Tags")):
        raise ParameterError("domain_name", f"{name} is already a custom domain in {lab.cloud.region}, not made by lab {lab.name}",
                             "choose another subdomain, or delete that custom domain first")


def ensure_domain_name(lab, name: str, certificate_arn: str, role: str = "domain") -> DomainName:
    """A regional custom domain ``name`` with ``certificate_arn`` (TLS 1.2)."""
    check_domain_free(lab, name)
    domain = _existing(lab, name)
    if domain is None:
        domain = _v2(lab).create_domain_name(DomainName=name, Tags=lab.tags(role), DomainNameConfigurations=[
            {"CertificateArn": certificate_arn, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}])
    return _record(domain)


def ensure_api_mapping(lab, domain: DomainName, api_id: str, stage: str = "$default", key: str = "") -> str:
    """Map ``domain``/``key`` to the API's stage; returns the mapping id."""
    for mapping in _items(_v2(lab).get_api_mappings, DomainName=domain.name):
        if mapping.get("ApiMappingKey", "") == key:
            if (mapping["ApiId"], mapping["Stage"]) != (api_id, stage):
                _v2(lab).update_api_mapping(DomainName=domain.name, ApiMappingId=mapping["ApiMappingId"],
                                            ApiId=api_id, Stage=stage)
            return mapping["ApiMappingId"]
    kwargs = {"ApiMappingKey": key} if key else {}
    return _v2(lab).create_api_mapping(DomainName=domain.name, ApiId=api_id, Stage=stage, **kwargs)["ApiMappingId"]


def ensure_execute_api_endpoint(lab, api_id: str, disabled: bool) -> bool:
    """Turn the API's default ``execute-api`` endpoint off (or on); True if it changed.

    With it off, the custom domain is the only way in, so its TLS policy and
    mapping cannot be bypassed with the AWS-generated name.
    """
    if bool(_v2(lab).get_api(ApiId=api_id).get("DisableExecuteApiEndpoint")) == disabled:
        return False
    _v2(lab).update_api(ApiId=api_id, DisableExecuteApiEndpoint=disabled)
    return True


# Teardown ------------------------------------------------------------------------
def _find_domains(lab) -> list[Found]:
    return [Found("apigatewayv2:domain-name", d["DomainName"], name_of(d.get("Tags")))
            for d in _items(_v2(lab).get_domain_names) if lab.owns(d.get("Tags"))]


def _delete_domain(lab, found: Found) -> None:
    for mapping in _items(_v2(lab).get_api_mappings, DomainName=found.id):
        _v2(lab).delete_api_mapping(DomainName=found.id, ApiMappingId=mapping["ApiMappingId"])
    _v2(lab).delete_domain_name(DomainName=found.id)


# Before the APIs (10): an API still mapped from a domain is refused deletion.
register("apigatewayv2:domain-name", 9, _find_domains, _delete_domain)
