"""Service Quotas answers for the quotas a lab draws on, and the VPCs-per-Region quota enforced on CreateVpc.

moto's Service Quotas knows only the VPC service and lacks GetAWSDefaultServiceQuota; the kit's preflight
(apigw_kit.quotas) reads the limits with GetServiceQuota and, where an account has no applied value,
GetAWSDefaultServiceQuota
(https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html,
https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetAWSDefaultServiceQuota.html).
This rule answers both for the kit's quotas with the defaults AWS documents: VPCs per Region 5
(https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html), interface endpoints per VPC 50
(https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html), Application and Network Load
Balancers per Region 50 each
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html,
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-limits.html), VPC links 20 for
REST APIs and 10 for HTTP APIs
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). An account of the
embedded AWS has applied no increase, so GetServiceQuota answers the default as the value in effect.

CreateVpc past the quota (the default VPC counts) is refused with VpcLimitExceeded, as EC2 does
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html); moto creates any number.
"""
from __future__ import annotations

import json

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.vpcs import VPCBackend
from moto.servicequotas.exceptions import NoSuchResource
from moto.servicequotas.models import ServiceQuotasBackend
from moto.servicequotas.resources.default_quotas.vpc import VPC_DEFAULT_QUOTAS
from moto.servicequotas.responses import ServiceQuotasResponse

from ...quotas import QUOTAS, VPCS
from . import Rule
from ._patch import wrap


def _quota(backend: ServiceQuotasBackend, service: str, code: str) -> dict:
    for quota in QUOTAS:
        if (quota.service, quota.code) == (service, code):
            return {"ServiceCode": quota.service, "QuotaCode": quota.code, "QuotaName": quota.name,
                    "Value": float(quota.default), "Unit": "None", "Adjustable": True, "GlobalQuota": False,
                    "QuotaArn": f"arn:aws:servicequotas:{backend.region_name}:{backend.account_id}:{service}/{code}"}
    for quota in VPC_DEFAULT_QUOTAS if service == "vpc" else ():
        if quota["QuotaCode"] == code:
            return quota
    raise NoSuchResource


def _get_service_quota(original, self: ServiceQuotasBackend, service_code: str, quota_code: str) -> dict:
    return _quota(self, service_code, quota_code)


def get_aws_default_service_quota(self: ServiceQuotasResponse) -> str:
    params = json.loads(self.body)
    return json.dumps({"Quota": _quota(self.backend, str(params.get("ServiceCode")), str(params.get("QuotaCode")))})


def _create_vpc(original, self: VPCBackend, *args, **kwargs):
    if len(self.vpcs) >= VPCS.default and not kwargs.get("is_default"):
        raise EC2ClientError("VpcLimitExceeded", "The maximum number of VPCs has been reached.")
    return original(self, *args, **kwargs)


def install() -> None:
    wrap(ServiceQuotasBackend, "get_service_quota", _get_service_quota)
    ServiceQuotasResponse.get_aws_default_service_quota = get_aws_default_service_quota
    wrap(VPCBackend, "create_vpc", _create_vpc)


RULE = Rule(
    name="service_quotas",
    mirrors="GetServiceQuota and GetAWSDefaultServiceQuota answer AWS's documented defaults for VPCs, interface "
            "endpoints, load balancers and VPC links; CreateVpc past 5 VPCs per Region is refused (VpcLimitExceeded).",
    install=install,
)
