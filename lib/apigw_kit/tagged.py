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


def lab_tag_values(cloud) -> set[str]:
    """Every apigw-kit:lab value in the region (and on hosted zones, which are global)."""
    values = set()
    for where in {cloud, _where(cloud, GLOBAL_TYPES[0])}:
        pages = where.client("resourcegroupstaggingapi").get_paginator("get_tag_values").paginate(Key=LAB_TAG)
        values |= {value for page in pages for value in page["TagValues"]}
    return values
