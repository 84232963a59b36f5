"""Zones for VPC links v2: lab subnets picked by zone ID from API Gateway's table, given subnets checked first."""
from __future__ import annotations

import pytest

from apigw_kit import ParameterError, connect
from apigw_kit.patterns.http_alb import Run
from apigw_kit.steps import network
from apigw_kit.zones import VPC_LINK_V2_ZONE_IDS


def test_lab_builds_where_the_first_zones_by_name_include_an_unsupported_id(endpoint):
    # eu-west-3b is euw3-az2 on the embedded AWS: no VPC link v2 there.
    run = Run(cloud=connect("local", "eu-west-3"), lab_name="paris").apply()
    assert {s.az_id for s in run.subnets} <= VPC_LINK_V2_ZONE_IDS["eu-west-3"]
    assert run.verify()["passed"].all()


def test_lab_subnets_skip_local_zones(endpoint):
    cloud = connect("local", "us-east-1")
    lab = cloud.lab("virginia")
    subnets = network.ensure_private_subnets(lab, network.ensure_vpc(lab, "10.30.0.0/16"))
    assert [s.az for s in subnets] == ["us-east-1a", "us-east-1b"]  # not the opted-in Local Zone us-east-1-atl-2a
    assert {s.az_id for s in subnets} <= VPC_LINK_V2_ZONE_IDS["us-east-1"]


def test_given_subnet_in_an_unsupported_zone_is_refused_before_any_change(endpoint, client):
    ec2 = client("ec2", "us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.70.{i}.0/24", AvailabilityZoneId=zone)["Subnet"]["SubnetId"]
               for i, zone in enumerate(["use1-az1", "use1-az3"])]
    cloud = connect("local", "us-east-1")
    with pytest.raises(ParameterError) as error:
        Run(cloud=cloud, vpc_id=vpc, subnet_ids=subnets)
    assert error.value.parameter == "subnet_ids"
    message = str(error.value)
    assert subnets[1] in message and "us-east-1e" in message and "use1-az3" in message
    assert "use1-az1, use1-az2, use1-az4, use1-az5, use1-az6" in message and "apigateway-vpc-links-v2" in message
    assert cloud.calls.totals()["mutating"] == 0
