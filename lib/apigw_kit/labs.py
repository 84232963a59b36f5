"""The labs present in an account and region, found by their apigw-kit:lab tag, with age and cost.

Lab names are the values of the apigw-kit:lab tag: EC2's through one DescribeTags
call, every other service's through the Resource Groups Tagging API's GetTagValues,
so finding the labs costs a few calls however large the account. Each lab is then
listed like teardown lists it. A lab's age is that of its oldest resource
with a creation time (instances, load balancers, interface endpoints, HTTP APIs,
VPC links and Cloud Map namespaces are dated; VPCs, subnets, security groups and
hosted zones are not). Its cost is priced from what it
holds now (load balancers by type, interface endpoints by Availability Zone,
running instances by type, hosted zones, Cloud Map instances), with costs.estimate.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pandas as pd

from .costs import estimate
from .errors import ParameterError
from .lab import LAB_TAG, Lab
from .tagged import lab_tag_values

COLUMNS = ["lab", "resources", "kinds", "created", "age", "usd_per_hour", "usd_per_month", "cost"]
DURATION = re.compile(r"^(\d+)([mhd])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def lab_names(cloud) -> list[str]:
    """Every apigw-kit:lab value: EC2's from DescribeTags (filtered by key on the server), the rest from the Tagging API.

    IAM roles are not reported by the Tagging API: a lab whose only resource left is its role is not listed.
    """
    pages = cloud.client("ec2").get_paginator("describe_tags").paginate(Filters=[{"Name": "key", "Values": [LAB_TAG]}])
    return sorted({tag["Value"] for page in pages for tag in page["Tags"]} | lab_tag_values(cloud))


@dataclass(frozen=True)
class _Priced:
    """What costs.estimate reads of a plan.Planned: a price key, a role and units."""
    price: str
    role: str
    units: int = 1


def _load_balancers(cloud, ids):
    for lb in cloud.client("elbv2").describe_load_balancers(LoadBalancerArns=ids)["LoadBalancers"]:
        price = {"application": "alb", "network": "nlb"}.get(lb["Type"], f"{lb['Type']} load balancer")
        yield lb["CreatedTime"], _Priced(price, lb["LoadBalancerName"])


def _instances(cloud, ids):
    for reservation in cloud.client("ec2").describe_instances(InstanceIds=ids)["Reservations"]:
        for instance in reservation["Instances"]:  # a stopped instance bills its volumes only
            running = instance["State"]["Name"] in ("pending", "running")
            yield instance["LaunchTime"], _Priced(instance["InstanceType"], instance["InstanceId"]) if running else None


def _endpoints(cloud, ids):
    for endpoint in cloud.client("ec2").describe_vpc_endpoints(VpcEndpointIds=ids)["VpcEndpoints"]:
        interface = endpoint.get("VpcEndpointType", "Interface") == "Interface"
        priced = _Priced("interface-endpoint-az", endpoint["VpcEndpointId"], len(endpoint.get("SubnetIds", [])))
        yield endpoint.get("CreationTimestamp"), priced if interface else None


def _zones(cloud, ids):
    for id_ in ids:  # Route 53 gives no creation time
        yield None, _Priced("hosted-zone", id_)


def _namespaces(cloud, ids):
    for id_ in ids:
        namespace = cloud.client("servicediscovery").get_namespace(Id=id_)["Namespace"]
        dns = namespace.get("Type") in ("DNS_PRIVATE", "DNS_PUBLIC")  # Cloud Map made a hosted zone for it
        yield namespace.get("CreateDate"), _Priced("hosted-zone", id_) if dns else None


def _services(cloud, ids):
    for id_ in ids:
        count = len(cloud.client("servicediscovery").list_instances(ServiceId=id_)["Instances"])
        yield None, _Priced("cloudmap-instance", id_, count) if count else None


def _http_apis(cloud, ids):
    for id_ in ids:
        yield cloud.client("apigatewayv2").get_api(ApiId=id_).get("CreatedDate"), None


def _vpc_links(cloud, ids):
    for id_ in ids:
        yield cloud.client("apigatewayv2").get_vpc_link(VpcLinkId=id_).get("CreatedDate"), None


# Kind -> (creation time, priced item or None) of each of the lab's resources of that kind, batched where the
# API takes several ids (DescribeLoadBalancers takes 20).
FACTS = {"elbv2:load-balancer": _load_balancers, "ec2:instance": _instances, "ec2:vpc-endpoint": _endpoints,
         "route53:hosted-zone": _zones, "servicediscovery:namespace": _namespaces,
         "servicediscovery:service": _services, "apigatewayv2:api": _http_apis, "apigatewayv2:vpc-link": _vpc_links}


def _facts(cloud, resources: pd.DataFrame) -> tuple[list[datetime], list[_Priced]]:
    times, priced = [], []
    for type_, ids in resources.groupby("type")["id"]:
        if type_ not in FACTS:
            continue
        ids = list(ids)
        for start in range(0, len(ids), 20):
            for created, item in FACTS[type_](cloud, ids[start:start + 20]):
                times += [created] if created is not None else []
                priced += [item] if item is not None else []
    return times, priced


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "unknown"
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return f"{days}d {hours}h" if days else f"{hours}h {minutes}m"


def labs(cloud, now: datetime | None = None) -> pd.DataFrame:
    """One row per lab: resource count, kinds, creation time of its oldest dated resource, age, cost of what it holds."""
    now = now or datetime.now(timezone.utc)
    rows = []
    for name in lab_names(cloud):
        try:
            lab = Lab(cloud, name)
        except ParameterError:  # a tag value the kit would not have written: not a lab of this kit
            continue
        resources = lab.resources()
        times, priced = _facts(cloud, resources)
        created = min(times) if times else None
        cost = estimate(priced, cloud.region)
        rows.append({"lab": name, "resources": len(resources), "kinds": ", ".join(sorted(set(resources["type"]))),
                     "created": created.isoformat(timespec="seconds") if created else "",
                     "age": _age(created, now), "usd_per_hour": cost.hourly, "usd_per_month": cost.per_month,
                     "cost": "" if not cost.unpriced else f"unknown: no price for {cloud.region} of {', '.join(cost.unpriced)}"})
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({"usd_per_hour": float, "usd_per_month": float})


def parse_duration(text: str, parameter: str = "--older-than") -> timedelta:
    """``90m``, ``2h`` or ``3d`` as a timedelta."""
    found = DURATION.match(str(text).strip())
    if not found or int(found.group(1)) == 0:
        raise ParameterError(parameter, f"{text!r} is not a duration",
                             "give a whole number of minutes, hours or days, e.g. 90m, 2h or 3d")
    return timedelta(**{UNITS[found.group(2)]: int(found.group(1))})


def older_than(table: pd.DataFrame, age: timedelta, now: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The labs of ``table`` (from labs()) created more than ``age`` before ``now``, and those of unknown age."""
    unknown = table["created"] == ""
    created = pd.to_datetime(table.loc[~unknown, "created"], utc=True)
    old = created[created < pd.Timestamp(now - age)].sort_values().index  # oldest first
    return table.loc[old], table.loc[unknown]
