"""The labs present in an account and region, found by their apigw-kit:lab tag.

Lab names are collected from every kind the steps register: EC2 resources
through one DescribeTags call (their finds filter by tag on the server, so they
cannot report tags they did not ask for), every other kind by running its find
with a lab that accepts any apigw-kit:lab tag and notes the value. Each lab is
then listed like teardown lists it. A lab's age is that of its oldest resource
with a creation time (instances, load balancers, APIs, VPC links; VPCs, subnets
and security groups have none).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from .errors import ParameterError
from .lab import LAB_TAG, REGION_TAG, Lab
from .steps import all_kinds

COLUMNS = ["lab", "resources", "kinds", "created", "age"]


class _AnyLab:
    """Stands in for a Lab in a kind's find: owns every resource carrying an apigw-kit:lab tag, notes its value."""

    name = ""

    def __init__(self, cloud):
        self.cloud = cloud
        self.seen: set[str] = set()

    def ec2_filters(self, role: str | None = None) -> list[dict]:
        return [{"Name": "tag-key", "Values": [LAB_TAG]}]

    def owns(self, tags) -> bool:
        if isinstance(tags, list):
            tags = {t["Key"]: t["Value"] for t in tags}
        value = (tags or {}).get(LAB_TAG)
        if value:
            self.seen.add(value)
        return bool(value)

    def global_name(self, role: str) -> str:
        return role  # what follows "<lab>-<region>-" in any lab's name: as a prefix, every name

    def owns_global(self, tags) -> bool:
        """An account-wide resource (IAM role, hosted zone) of a lab in this region."""
        if isinstance(tags, list):
            tags = {t["Key"]: t["Value"] for t in tags}
        return (tags or {}).get(REGION_TAG) == self.cloud.region and self.owns(tags)


def lab_names(cloud) -> list[str]:
    pages = cloud.client("ec2").get_paginator("describe_tags").paginate(Filters=[{"Name": "key", "Values": [LAB_TAG]}])
    names = {tag["Value"] for page in pages for tag in page["Tags"]}
    sniffer = _AnyLab(cloud)
    for kind in all_kinds():
        if not kind.type.startswith("ec2:"):
            kind.find(sniffer)
    return sorted(names | sniffer.seen)


def _created(cloud, type_: str, id_: str):
    """Creation time of a resource, for the kinds that have one (else None)."""
    if type_ == "ec2:instance":
        return cloud.client("ec2").describe_instances(InstanceIds=[id_])["Reservations"][0]["Instances"][0]["LaunchTime"]
    if type_ == "elbv2:load-balancer":
        return cloud.client("elbv2").describe_load_balancers(LoadBalancerArns=[id_])["LoadBalancers"][0]["CreatedTime"]
    if type_ == "apigatewayv2:api":
        return cloud.client("apigatewayv2").get_api(ApiId=id_).get("CreatedDate")
    if type_ == "apigatewayv2:vpc-link":
        return cloud.client("apigatewayv2").get_vpc_link(VpcLinkId=id_).get("CreatedDate")
    return None


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "unknown"
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return f"{days}d {hours}h" if days else f"{hours}h {minutes}m"


def labs(cloud, now: datetime | None = None) -> pd.DataFrame:
    """One row per lab: resource count, kinds, creation time of its oldest dated resource, age."""
    now = now or datetime.now(timezone.utc)
    rows = []
    for name in lab_names(cloud):
        try:
            lab = Lab(cloud, name)
        except ParameterError:  # a tag value the kit would not have written: not a lab of this kit
            continue
        resources = lab.resources()
        times = [t for r in resources.itertuples() if (t := _created(cloud, r.type, r.id)) is not None]
        created = min(times) if times else None
        rows.append({"lab": name, "resources": len(resources), "kinds": ", ".join(sorted(set(resources["type"]))),
                     "created": created.isoformat(timespec="seconds") if created else "",
                     "age": _age(created, now)})
    return pd.DataFrame(rows, columns=COLUMNS)
