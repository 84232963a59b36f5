"""A lab's resources found through the Resource Groups Tagging API, in calls that grow with the lab, not the account.

Listing every certificate, hosted zone or Cloud Map resource of a region and reading
each one's tags costs a call per resource the account holds; GetResources with a
TagFilter on apigw-kit:lab returns only the lab's, 100 to a page
(https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html).
It covers every resource type of the services the kit uses except IAM roles
(https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html).

Used for listing (labs, a lab's resources, what teardown deletes and what is left),
never by an ensure_* step: the Tagging API is eventually consistent, so a resource
created a moment ago may not be listed yet, and a deleted one may still be. Each
listed resource is therefore confirmed with its service's own Describe/Get call.
Route 53 hosted zones are global: the Tagging API reports them from the partition's
first region only (us-east-1 for aws).
"""
from __future__ import annotations

from .iam import partition_of
from .lab import LAB_TAG

GLOBAL_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-northwest-1"}
GLOBAL_TYPES = ("route53:",)


def _where(cloud, resource_type: str):
    """The connection whose region the Tagging API reports ``resource_type`` in."""
    if resource_type.startswith(GLOBAL_TYPES):
        return cloud.in_region(GLOBAL_REGION[partition_of(cloud.region)])
    return cloud


def tagged(lab, resource_type: str) -> dict[str, dict[str, str]]:
    """ARN -> tags of the lab's resources of ``resource_type`` (e.g. "acm:certificate"), as the Tagging API lists them."""
    client = _where(lab.cloud, resource_type).client("resourcegroupstaggingapi")
    pages = client.get_paginator("get_resources").paginate(
        TagFilters=[{"Key": LAB_TAG, "Values": [lab.name]}], ResourceTypeFilters=[resource_type])
    return {m["ResourceARN"]: {t["Key"]: t["Value"] for t in m["Tags"]}
            for page in pages for m in page["ResourceTagMappingList"]}


def _lab_mappings(lab) -> list[dict]:
    """Every resource the Tagging API reports tagged for ``lab``: in its region, and in the partition's global
    region (hosted zones)."""
    mappings = []
    for where in {lab.cloud, _where(lab.cloud, GLOBAL_TYPES[0])}:
        pages = where.client("resourcegroupstaggingapi").get_paginator("get_resources").paginate(
            TagFilters=[{"Key": LAB_TAG, "Values": [lab.name]}])
        mappings += [m for page in pages for m in page["ResourceTagMappingList"]]
    return mappings


def lab_names(lab) -> dict[str, str]:
    """id -> Name tag of the lab's tagged resources (ARN and, for an ARN ending in ``type/id``, the id too): what a
    table needs to name its ids, in one or two calls. For display only: a resource created a moment ago may be
    missing (eventual consistency, above), and IAM roles are never listed (their id is their name)."""
    names = {}
    for mapping in _lab_mappings(lab):
        name = next((t["Value"] for t in mapping["Tags"] if t["Key"] == "Name"), "")
        arn = mapping["ResourceARN"]
        names[arn] = names[arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]] = name
    return {key: name for key, name in names.items() if name}


# A kind's client -> the service its ARNs name (arn:<partition>:<service>:...), where the two differ.
ARN_SERVICE = {"elbv2": "elasticloadbalancing", "apigatewayv2": "apigateway"}
NOT_REPORTED = {"iam"}  # roles: never in the Tagging API


def services_to_ask(lab, services: set[str]) -> set[str]:
    """Of ``services`` (clients that list some kind), those a listing of ``lab`` must ask: services the Tagging API
    reports the lab has resources in (one call, however many services), services this connection has already
    used (what it created a moment ago may not be reported yet), and IAM. The rest hold nothing of the lab: a
    listing need not create their clients."""
    reported = {m["ResourceARN"].split(":")[2] for m in _lab_mappings(lab)}
    used = lab.cloud.services_used()
    return {s for s in services if s in NOT_REPORTED or s in used or ARN_SERVICE.get(s, s) in reported}


def lab_tag_values(cloud) -> set[str]:
    """Every apigw-kit:lab value in the region (and on hosted zones, which are global)."""
    values = set()
    for where in {cloud, _where(cloud, GLOBAL_TYPES[0])}:
        pages = where.client("resourcegroupstaggingapi").get_paginator("get_tag_values").paginate(Key=LAB_TAG)
        values |= {value for page in pages for value in page["TagValues"]}
    return values
