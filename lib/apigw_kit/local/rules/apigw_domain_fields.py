"""Custom domain names report the API Gateway target (d-....execute-api...) and its regional hosted zone.

AWS documentation: https://docs.aws.amazon.com/general/latest/gr/apigateway.html ; https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html
"""
from __future__ import annotations

from moto.apigateway.models import DomainName as RestDomainName
from moto.apigatewayv2.models import ApiGatewayV2Backend
from moto.moto_api._internal import mock_random

from . import Rule
from ._patch import wrap

# API Gateway's regional endpoint hosted zones, as AWS lists them in its endpoints reference.
REGIONAL_HOSTED_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
}


def _create_domain_name(original, self: ApiGatewayV2Backend, domain_name, domain_name_configurations, *args, **kwargs):
    domain = original(self, domain_name, domain_name_configurations, *args, **kwargs)
    for config in domain.domain_name_configurations or []:
        target = f"d-{mock_random.get_random_string(10, lower_case=True)}.execute-api.{self.region_name}.amazonaws.com"
        config.setdefault("apiGatewayDomainName", target)
        config.setdefault("domainNameStatus", "AVAILABLE")
        if self.region_name in REGIONAL_HOSTED_ZONES:
            config.setdefault("hostedZoneId", REGIONAL_HOSTED_ZONES[self.region_name])
    return domain


def _rest_domain_init(original, self: RestDomainName, domain_name: str, **kwargs) -> None:
    original(self, domain_name, **kwargs)
    # moto reports CloudFront's zone (Z2FDTNDATAQYW2) for the regional endpoint too.
    self.regional_hosted_zone_id = REGIONAL_HOSTED_ZONES.get(kwargs.get("region_name"), self.regional_hosted_zone_id)


def install() -> None:
    wrap(ApiGatewayV2Backend, "create_domain_name", _create_domain_name)
    wrap(RestDomainName, "__init__", _rest_domain_init)


RULE = Rule(
    name="apigw_domain_fields",
    mirrors="Custom domains return ApiGatewayDomainName (d-<id>.execute-api.<region>.amazonaws.com) and the "
            "regional API Gateway HostedZoneId (eu-west-1: ZLY8HYME6SFDD).",
    install=install,
)
