"""Rule vpc_link_v2_zones: VPC links v2 only in supported zone IDs; Local Zones listed as AWS lists them."""
import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"


def _subnet_in(ec2, vpc_id: str, zone_id: str, cidr: str) -> str:
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZoneId=zone_id)["Subnet"]["SubnetId"]


def test_vpc_link_refused_in_an_unsupported_zone_id(client):
    ec2, v2 = client("ec2", REGION), client("apigatewayv2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    good = _subnet_in(ec2, vpc, "use1-az1", "10.40.1.0/24")
    bad = _subnet_in(ec2, vpc, "use1-az3", "10.40.2.0/24")  # not in API Gateway's table for us-east-1
    with pytest.raises(ClientError) as refused:
        v2.create_vpc_link(Name="link", SubnetIds=[good, bad])
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    assert refused.value.response["Error"]["Message"] == (
        f"Subnet '{bad}' is in Availability Zone 'use1-az3' where service is not available")
    assert v2.get_vpc_links()["Items"] == []
    assert not ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkInterfaces"]
    link = v2.create_vpc_link(Name="link", SubnetIds=[good, _subnet_in(ec2, vpc, "use1-az2", "10.40.3.0/24")])
    assert link["VpcLinkId"]


def test_opted_in_local_zone_is_listed_beside_the_availability_zones(client):
    ec2 = client("ec2", REGION)
    listed = {z["ZoneName"]: z for z in ec2.describe_availability_zones()["AvailabilityZones"]}
    local = listed["us-east-1-atl-2a"]
    assert (local["ZoneType"], local["ZoneId"], local["OptInStatus"], local["ParentZoneId"]) == (
        "local-zone", "use1-atl2-az1", "opted-in", "use1-az5")
    assert listed["us-east-1a"]["OptInStatus"] == "opt-in-not-required"
    assert "us-east-1-qro-1a" not in listed  # not opted in: only AllAvailabilityZones shows it
    everything = ec2.describe_availability_zones(AllAvailabilityZones=True)["AvailabilityZones"]
    assert {"us-east-1-atl-2a", "us-east-1-qro-1a"} <= {z["ZoneName"] for z in everything}
    only_azs = ec2.describe_availability_zones(Filters=[{"Name": "zone-type", "Values": ["availability-zone"]}])
    assert {z["ZoneType"] for z in only_azs["AvailabilityZones"]} == {"availability-zone"}
    assert len(only_azs["AvailabilityZones"]) == 6
