"""Labs: idempotent steps, inventory tables, teardown that spares everything it did not create."""
from __future__ import annotations

import pytest

from apigw_kit import ParameterError, connect
from apigw_kit.patterns.http_alb import Run

REGION = "eu-west-1"


@pytest.fixture
def built(endpoint):
    return Run(cloud=connect("local", REGION), lab_name="lab1").apply()


@pytest.mark.parametrize("name", ["", "Demo", "1lab", "lab_1", "a" * 21, "lab--x", "lab-"])
def test_bad_lab_names_are_refused(endpoint, name):
    with pytest.raises(ParameterError) as error:
        connect("local", REGION).lab(name)
    assert error.value.parameter == "lab_name"


def test_second_apply_makes_no_mutating_call_and_keeps_ids(built):
    before = built.resources()
    snapshot = built.cloud.calls.snapshot()
    again = Run(cloud=built.cloud, lab_name="lab1").apply()
    assert built.cloud.calls.since(snapshot)["mutating"] == 0
    assert again.resources() == before


def test_inventory_tables(built):
    inventory = built.lab.inventory()
    kinds = set(inventory.resources["type"])
    assert {"ec2:vpc", "ec2:subnet", "ec2:security-group", "elbv2:load-balancer", "elbv2:target-group",
            "ec2:instance", "apigatewayv2:vpc-link", "apigatewayv2:api"} <= kinds
    owners = set(inventory.enis["owner"])
    assert any(o.startswith("ALB lab1-alb") for o in owners), owners
    assert len(inventory.enis[inventory.enis["owner"].str.startswith("ALB")]) == 2  # one per subnet
    assert inventory.targets["health"].tolist() == ["healthy"]
    assert set(inventory.routes["route"]) == {"ANY /", "ANY /{proxy+}"}
    alb_rules = inventory.rules[(inventory.rules["group_name"] == "lab1-alb") & (inventory.rules["direction"] == "ingress")]
    assert alb_rules["peer"].tolist() == [built.link_sg.id]
    # request flow: API -> VPC link -> ALB (rule link->alb) -> instance (rule alb->web)
    assert len(inventory.links) == 3 and (inventory.links["security_groups"] != "").sum() == 2


def test_teardown_spares_foreign_resources(built, client):
    ec2, elbv2 = client("ec2"), client("elbv2")
    # Foreign resources: a VPC elsewhere, and a security group and ALB inside the lab's own VPC.
    other_vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    foreign_sg = ec2.create_security_group(GroupName="foreign", Description="not the lab's", VpcId=built.vpc.id)["GroupId"]
    foreign_alb = elbv2.create_load_balancer(Name="foreign-alb", Subnets=[s.id for s in built.subnets],
                                             Scheme="internal", SecurityGroups=[foreign_sg])["LoadBalancers"][0]

    left = built.teardown()

    assert ec2.describe_vpcs(VpcIds=[other_vpc])["Vpcs"]
    assert ec2.describe_security_groups(GroupIds=[foreign_sg])["SecurityGroups"]
    assert elbv2.describe_load_balancers(LoadBalancerArns=[foreign_alb["LoadBalancerArn"]])["LoadBalancers"]
    # The foreign ALB's interfaces keep the lab's subnets (and so its VPC) in use: teardown reports
    # them with the reason instead of deleting the user's ALB to get its way.
    assert set(left["type"]) == {"ec2:subnet", "ec2:vpc"}
    assert all("DependencyViolation" in reason for reason in left["reason"])

    elbv2.delete_load_balancer(LoadBalancerArn=foreign_alb["LoadBalancerArn"])
    ec2.delete_security_group(GroupId=foreign_sg)
    assert built.teardown().empty  # a second teardown finishes the job


def test_teardown_leaves_nothing_of_the_lab(built, client):
    assert built.teardown().empty
    ec2 = client("ec2")
    assert ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [built.vpc.id]}])["NetworkInterfaces"] == []
    assert client("apigatewayv2").get_apis()["Items"] == []
    assert client("elbv2").describe_load_balancers()["LoadBalancers"] == []
