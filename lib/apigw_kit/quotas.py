"""Preflight: the account quotas a run would consume, checked before anything is created.

For each quota the plan draws on (``PatternRun.planned()``), the run lists what
is in use with one cheap read and asks Service Quotas for the limit only when
the plan creates something new: GetServiceQuota gives the account's applied
value; where there is none (NoSuchResourceException) GetAWSDefaultServiceQuota
gives AWS's default
(https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html,
https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetAWSDefaultServiceQuota.html).
Resources the lab already has count once (they are in use and planned), and
bring-your-own resources are not planned, so they consume nothing new.

A quota that cannot be read (no ``servicequotas:GetServiceQuota`` permission,
say) does not block the run: it is reported as a QuotaNotRead warning, and
the create that would exceed it still fails with AWS's own LimitExceeded error.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

from botocore.exceptions import ClientError

from .errors import KitError
from .steps.apigw_http import _items
from .steps.apigw_rest import _paged

VPC_PAGE = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html"
PRIVATELINK_PAGE = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html"
ALB_PAGE = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html"
NLB_PAGE = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-limits.html"
REST_PAGE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html"
HTTP_PAGE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html"
INCREASE_PAGE = "https://docs.aws.amazon.com/servicequotas/latest/userguide/request-quota-increase.html"


@dataclass(frozen=True)
class Quota:
    """A Service Quotas quota and the AWS default its page documents."""
    service: str  # Service Quotas service code
    code: str
    name: str
    default: float
    page: str


VPCS = Quota("vpc", "L-F678F1CE", "VPCs per Region", 5, VPC_PAGE)
ENDPOINTS_PER_VPC = Quota("vpc", "L-29B6F2EB", "Interface and Gateway Load Balancer endpoints per VPC", 50,
                          PRIVATELINK_PAGE)
ALBS = Quota("elasticloadbalancing", "L-53DA6B97", "Application Load Balancers per Region", 50, ALB_PAGE)
NLBS = Quota("elasticloadbalancing", "L-69A177A2", "Network Load Balancers per Region", 50, NLB_PAGE)
REST_VPC_LINKS = Quota("apigateway", "L-A4C7274F", "VPC links per account per Region (REST APIs, v1)", 20, REST_PAGE)
HTTP_VPC_LINKS = Quota("apigateway", "L-608BDCD4", "VPC links per account per Region (HTTP APIs, v2)", 10, HTTP_PAGE)
QUOTAS = (VPCS, ENDPOINTS_PER_VPC, ALBS, NLBS, REST_VPC_LINKS, HTTP_VPC_LINKS)


class QuotaExceeded(KitError):
    """The run would create more of something than the account's quota allows; raised before any change."""

    def __init__(self, quota: Quota, limit: float, in_use: int, creates: int):
        self.quota, self.limit, self.in_use, self.creates = quota, limit, in_use, creates
        super().__init__(
            f"quota {quota.name} ({quota.service} {quota.code}) is {limit:g}: {in_use} in use, this run creates "
            f"{creates}. Fix: delete unused ones, or request an increase (Service Quotas console, or `aws "
            f"service-quotas request-service-quota-increase --service-code {quota.service} --quota-code {quota.code} "
            f"--desired-value {in_use + creates}`; {INCREASE_PAGE}); the quota: {quota.page}")


class QuotaNotRead(UserWarning):
    """A quota or its usage could not be read: the run goes on unchecked for it."""


@dataclass(frozen=True)
class Usage:
    """One quota as the preflight found it."""
    quota: Quota
    limit: float | None  # None: not read
    in_use: int
    creates: int


def limit_of(cloud, quota: Quota) -> float:
    """The applied value of ``quota``, or AWS's default where the account has none."""
    client = cloud.client("service-quotas")
    try:
        return client.get_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)["Quota"]["Value"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchResourceException":
            raise
    return client.get_aws_default_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)["Quota"]["Value"]


# What is in use: the names of the resources counted against each quota ---------------------
def _vpcs(cloud, _run) -> list[str]:
    pages = cloud.client("ec2").get_paginator("describe_vpcs").paginate()
    return [next((t["Value"] for t in v.get("Tags", []) if t["Key"] == "Name"), v["VpcId"]) for page in pages for v in page["Vpcs"]]


def _load_balancers(kind: str) -> Callable:
    def names(cloud, _run) -> list[str]:
        pages = cloud.client("elbv2").get_paginator("describe_load_balancers").paginate()
        return [lb["LoadBalancerName"] for page in pages for lb in page["LoadBalancers"] if lb["Type"] == kind]
    return names


def _rest_vpc_links(cloud, _run) -> list[str]:
    return [link["name"] for link in _paged(cloud.client("apigateway"), "get_vpc_links")]


def _http_vpc_links(cloud, _run) -> list[str]:
    return [link["Name"] for link in _items(cloud.client("apigatewayv2").get_vpc_links)]


def _endpoints_in_vpc(cloud, run) -> list[str]:
    pages = cloud.client("ec2").get_paginator("describe_vpc_endpoints").paginate(Filters=[
        {"Name": "vpc-id", "Values": [run.params.vpc_id]}, {"Name": "vpc-endpoint-type", "Values": ["Interface", "GatewayLoadBalancer"]},
        {"Name": "vpc-endpoint-state", "Values": ["pendingAcceptance", "pending", "available"]}])
    return [next((t["Value"] for t in e.get("Tags", []) if t["Key"] == "Name"), e["VpcEndpointId"])
            for page in pages for e in page["VpcEndpoints"]]


# Which planned resources draw on which quota: (quota, in use) for a Planned row, or None.
def _counted(run, planned) -> tuple[Quota, Callable] | None:
    if planned.type == "ec2:vpc":
        return VPCS, _vpcs
    if planned.type == "elbv2:load-balancer":  # the price key says which kind (costs.PRICES)
        return (NLBS, _load_balancers("network")) if planned.price == "nlb" else (ALBS, _load_balancers("application"))
    if planned.type == "apigateway:vpc-link":
        return REST_VPC_LINKS, _rest_vpc_links
    if planned.type == "apigatewayv2:vpc-link":
        return HTTP_VPC_LINKS, _http_vpc_links
    if planned.type == "ec2:vpc-endpoint" and getattr(run.params, "vpc_id", ""):
        # In a VPC the lab creates, one endpoint is far below the quota: only a given VPC is counted.
        return ENDPOINTS_PER_VPC, _endpoints_in_vpc
    return None


def preflight(run) -> list[Usage]:
    """Check every quota ``run``'s plan draws on; QuotaExceeded names the first one it would exceed."""
    wanted: dict[Quota, tuple[Callable, set[str]]] = {}
    for planned in run.planned():
        counted = _counted(run, planned)
        if counted is not None:
            quota, listing = counted
            wanted.setdefault(quota, (listing, set()))[1].add(run.lab.resource_name(planned.role))
    found = []
    for quota, (listing, names) in wanted.items():
        try:
            in_use = listing(run.cloud, run)
            creates = len(names - set(in_use))
            limit = limit_of(run.cloud, quota) if creates else None
        except ClientError as exc:
            warnings.warn(QuotaNotRead(f"could not read quota {quota.name} ({quota.service} {quota.code}) or its usage: "
                                       f"{exc.response['Error']['Code']}; the run goes on without checking it"),
                          stacklevel=2)
            continue
        if limit is not None and len(in_use) + creates > limit:
            raise QuotaExceeded(quota, limit, len(in_use), creates)
        found.append(Usage(quota, limit, len(in_use), creates))
    return found
