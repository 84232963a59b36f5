"""VPC links v2 only in the Availability Zone IDs API Gateway supports; Local Zones in DescribeAvailabilityZones.

API Gateway lists, per Region, the zone IDs where a VPC link v2 can be built
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-vpc-links-v2.html; the table is
data in apigw_kit.zones). The guide does not say what happens elsewhere: AWS refuses CreateVpcLink with
400 BadRequestException "Subnet '<id>' is in Availability Zone '<zone id>' where service is not available"
(reported in aws/aws-cdk#13569 for euw3-az2 and snyk/driftctl#1329 for use1-az3), so no link is made.

DescribeAvailabilityZones lists the Local Zones the account has opted in to beside its Availability Zones
(ZoneType local-zone, OptInStatus opted-in), and the others too with AllAvailabilityZones
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AvailabilityZone.html). moto lists none: the
embedded account is opted in to one us-east-1 Local Zone (names and parents from
https://docs.aws.amazon.com/local-zones/latest/ug/available-local-zones.html). Its name sorts before
us-east-1a, as a naive "first two zones" pick finds out. Local Zones are listed, not usable for subnets here.
"""
from __future__ import annotations

from moto.apigatewayv2.exceptions import BadRequestException
from moto.apigatewayv2.models import ApiGatewayV2Backend
from moto.ec2.models.availability_zones_and_regions import Zone
from moto.ec2.responses.availability_zones_and_regions import AvailabilityZonesAndRegions
from moto.core.responses import ActionResult
from moto.utilities.utils import filter_resources

from ...zones import vpc_link_v2_supports
from . import Rule
from ._aws import ec2_of
from ._patch import wrap

# region -> (zone name, zone id, parent zone id, opt-in status of the embedded account)
LOCAL_ZONES = {
    "us-east-1": (("us-east-1-atl-2a", "use1-atl2-az1", "use1-az5", "opted-in"),
                  ("us-east-1-qro-1a", "use1-qro1-az1", "use1-az1", "not-opted-in")),
}
_FILTERS = (("zone-id", "zone_id"), ("zone-type", "zone_type"), ("zone-name", "name"), ("region-name", "region_name"),
            ("state", "state"), ("opt-in-status", "opt_in_status"), ("group-name", "group_name"),
            ("parent-zone-id", "parent_zone_id"))


def _unsupported_subnet(ec2, region: str, subnet_ids) -> tuple[str, str] | None:
    for subnets in ec2.subnets.values():
        for subnet in subnets.values():
            if subnet.id in subnet_ids and not vpc_link_v2_supports(region, subnet.availability_zone_id):
                return subnet.id, subnet.availability_zone_id
    return None


def _create_vpc_link(original, self: ApiGatewayV2Backend, name, sg_ids, subnet_ids, tags):
    found = _unsupported_subnet(ec2_of(self), self.region_name, subnet_ids or [])
    if found:
        raise BadRequestException(f"Subnet '{found[0]}' is in Availability Zone '{found[1]}' where service is not available")
    return original(self, name, sg_ids, subnet_ids, tags)


def _local_zone(region: str, zones: list[Zone], name: str, zone_id: str, parent_id: str, status: str) -> Zone:
    zone = Zone(name, region, zone_id, zone_type="local-zone")
    zone.opt_in_status, zone.group_name, zone.network_border_group = status, name[:-1], name[:-1]
    zone.parent_zone_id = parent_id
    zone.parent_zone_name = next((z.name for z in zones if z.zone_id == parent_id), None)
    return zone


def _describe_availability_zones(original, self: AvailabilityZonesAndRegions) -> ActionResult:
    self.error_on_dryrun()
    backend = self.ec2_backend
    zones = backend.describe_availability_zones()
    zones = zones + [_local_zone(backend.region_name, zones, *z) for z in LOCAL_ZONES.get(backend.region_name, ())]
    filters = self._filters_from_querystring()
    if not self._get_bool_param("AllAvailabilityZones", False) and "opt-in-status" not in filters:
        zones = [z for z in zones if z.opt_in_status != "not-opted-in"]
    zones = filter_resources(zones, filters, _FILTERS)
    names, ids = self._get_param("ZoneNames", []), self._get_param("ZoneIds", [])
    zones = [z for z in zones if (not names or z.name in names) and (not ids or z.zone_id in ids)]
    return ActionResult({"AvailabilityZones": zones})


def install() -> None:
    # What AWS reports for every Availability Zone; moto leaves these fields out.
    Zone.opt_in_status, Zone.group_name, Zone.parent_zone_id = "opt-in-not-required", None, None
    wrap(ApiGatewayV2Backend, "create_vpc_link", _create_vpc_link)
    wrap(AvailabilityZonesAndRegions, "describe_availability_zones", _describe_availability_zones)


RULE = Rule(
    name="vpc_link_v2_zones",
    mirrors="CreateVpcLink (v2) refuses a subnet whose Availability Zone ID API Gateway does not support "
            "(BadRequestException); DescribeAvailabilityZones lists opted-in Local Zones (all with AllAvailabilityZones).",
    install=install,
)
