"""The Resource Groups Tagging API reports Route 53 hosted zones, Cloud Map namespaces and services, and API
Gateway's APIs, VPC links and domain names (moto 5.2 reports none of them in GetResources, GetTagKeys or
GetTagValues). IAM roles stay out, as on AWS.

AWS documentation: https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html
(GetResources, GetTagKeys and GetTagValues support all resource types of the listed services, IAM users and roles
excepted) and https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html.
Hosted zones are global resources: the Tagging API reports them only in us-east-1 (in aws-us-gov us-gov-west-1,
in aws-cn cn-northwest-1), as users report (https://github.com/cloud-custodian/cloud-custodian/pull/2729); the
documentation is silent, so the harder behaviour is modelled.
"""
from __future__ import annotations

from moto.apigateway.models import apigateway_backends
from moto.apigatewayv2.models import apigatewayv2_backends
from moto.core.resource_tagging import TaggedResource, make_tag_matcher, match_resource_type
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend
from moto.route53.models import route53_backends
from moto.servicediscovery.models import servicediscovery_backends
from moto.utilities.utils import get_partition

from . import Rule
from ._patch import wrap

GLOBAL_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-northwest-1"}


def _missing(self: ResourceGroupsTaggingAPIBackend):
    """The tagged resources moto's Tagging API leaves out, in this backend's account and region."""
    account, region = self.account_id, self.region_name
    partition = get_partition(region)
    if region == GLOBAL_REGION.get(partition):
        zones = route53_backends[account][partition]
        for zone_id in zones.zones:
            yield TaggedResource(f"arn:{partition}:route53:::hostedzone/{zone_id}",
                                 dict(zones.resource_tags.get(zone_id, {})), "route53:hostedzone")
    cloudmap = servicediscovery_backends[account][region]
    for type_, items in (("namespace", cloudmap.namespaces), ("service", cloudmap.services)):
        for item in items.values():
            yield TaggedResource(item.arn, cloudmap.tagger.get_tag_dict_for_resource(item.arn), f"servicediscovery:{type_}")
    rest, base = apigateway_backends[account][region], f"arn:{partition}:apigateway:{region}::"
    for path, items in (("restapis", rest.apis), ("vpclinks", rest.vpc_links)):
        for item in items.values():
            yield TaggedResource(f"{base}/{path}/{item.id}", dict(item.tags or {}), f"apigateway:{path}")
    for name, domain in rest.domain_names.items():
        yield TaggedResource(f"{base}/domainnames/{name}", dict(domain.tags or {}), "apigateway:domainnames")
    http = apigatewayv2_backends[account][region]
    for path, items in (("apis", http.apis), ("vpclinks", http.vpc_links)):
        for item in items.values():
            yield TaggedResource(item.arn, http.get_tags(item.arn), f"apigateway:{path}")
    for domain in http.domain_names.values():
        yield TaggedResource(domain.domain_name_arn, dict(domain.tags or {}), "apigateway:domainnames")


def _tagged(self) -> list[TaggedResource]:
    return [r for r in _missing(self) if r.tags]  # as moto does: never-tagged resources are not reported


def _resources(original, self, tag_filters=None, resource_type_filters=None, resource_arn_list=None):
    yield from original(self, tag_filters=tag_filters, resource_type_filters=resource_type_filters,
                        resource_arn_list=resource_arn_list)
    matches = make_tag_matcher(tag_filters)
    for resource in _tagged(self):
        if (match_resource_type(resource.resource_type, resource_type_filters) and matches(resource.tags)
                and (not resource_arn_list or resource.arn in resource_arn_list)):
            yield resource


def _keys(original, self):
    yield from original(self)
    for resource in _tagged(self):
        yield from resource.tags


def _values(original, self, tag_key: str):
    yield from original(self, tag_key)
    for resource in _tagged(self):
        if tag_key in resource.tags:
            yield resource.tags[tag_key]


def install() -> None:
    wrap(ResourceGroupsTaggingAPIBackend, "_get_resources_generator", _resources)
    wrap(ResourceGroupsTaggingAPIBackend, "_get_tag_keys_generator", _keys)
    wrap(ResourceGroupsTaggingAPIBackend, "_get_tag_values_generator", _values)


RULE = Rule(
    name="tagging_api_coverage",
    mirrors="The Resource Groups Tagging API also reports Route 53 hosted zones (in us-east-1 only), Cloud Map "
            "namespaces and services, API Gateway APIs, VPC links and domain names.",
    install=install,
)
