"""Nothing the kit did not create is touched: foreign resources, in other VPCs and in the lab's own, and BYO inputs.

"Untouched" is judged on the full description of each foreign resource
(tags, rules, attachments), before the lab exists and after its teardown,
not only on its still being there.
"""
from __future__ import annotations

import dataclasses
import time

import pytest
from conftest import REGION, listing, make_run, new_cloud

from apigw_kit.patterns import load


def wait_established(client, lb_arn: str, link_id: str, timeout: float = 60.0) -> None:
    """Wait until the other team's load balancer and link are ready, so their ENIs exist before any
    baseline is listed (they appear while each provisions)."""
    deadline = time.monotonic() + timeout
    while (client("elbv2").describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"][0]["State"]["Code"] != "active"
           or client("apigatewayv2").get_vpc_link(VpcLinkId=link_id)["VpcLinkStatus"] != "AVAILABLE"):
        assert time.monotonic() < deadline, "the foreign load balancer or VPC link never became ready"
        time.sleep(0.05)


def build_foreign(client, vpc_id: str | None = None, cidr: str = "10.99.0.0/16") -> dict:
    """What another team owns: a private VPC (or groups in ``vpc_id``), an internal ALB with a listener,
    an HTTP API and a VPC link; no apigw-kit tags anywhere."""
    ec2, elbv2, v2, rest = client("ec2"), client("elbv2"), client("apigatewayv2"), client("apigateway")
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    if vpc_id is None:
        vpc_id = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "payments"}]}])["Vpc"]["VpcId"]
        # A VPC that hosts interface endpoints with private DNS has both DNS attributes on (pattern 3 checks it).
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
        prefix = cidr.split(".")[:2]
        subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{prefix[0]}.{prefix[1]}.{i}.0/24",
                                     AvailabilityZone=zone)["Subnet"]["SubnetId"] for i, zone in enumerate(zones)]
    else:
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]][:2]
    group = ec2.create_security_group(GroupName=f"payments-{vpc_id[-6:]}", Description="owned by payments",
                                      VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    lb = elbv2.create_load_balancer(Name=f"payments-{vpc_id[-6:]}", Subnets=subnets, Scheme="internal",
                                    SecurityGroups=[group])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name=f"payments-{vpc_id[-6:]}", Protocol="HTTP", Port=80, VpcId=vpc_id,
                                   TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                                     DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]
    link = v2.create_vpc_link(Name=f"payments-{vpc_id[-6:]}", SubnetIds=subnets, SecurityGroupIds=[group])
    api = v2.create_api(Name=f"payments-{vpc_id[-6:]}", ProtocolType="HTTP")
    rest_api = rest.create_rest_api(name=f"payments-{vpc_id[-6:]}")
    wait_established(client, lb, link["VpcLinkId"])
    return {"vpc_id": vpc_id, "subnet_ids": subnets, "group": group, "load_balancer": lb,
            "listener_arn": listener["ListenerArn"], "vpc_link": link["VpcLinkId"], "api": api["ApiId"],
            "rest_api": rest_api["id"]}


def byo_parameters(pattern: str, foreign: dict) -> dict:
    """The pattern's bring-your-own parameters (those it declares) filled with foreign resources."""
    declared = {f.name for f in dataclasses.fields(load(pattern).Parameters)}
    if "certificate_arn" in declared:
        # The foreign listener is plain HTTP; an HTTPS pattern refuses it (its own tests cover an HTTPS one).
        declared.discard("listener_arn")
    return {name: foreign[name] for name in ("vpc_id", "subnet_ids", "listener_arn") if name in declared}


def test_teardown_spares_foreign_resources_elsewhere_and_in_the_lab_vpc(pattern, endpoint, client):
    baseline = listing(endpoint)
    build_foreign(client)
    outside = listing(endpoint)
    run = make_run(pattern, new_cloud()).apply()
    with_lab = listing(endpoint)
    build_foreign(client, vpc_id=run.resources()["ec2:vpc"][0])  # a team's ALB, group, link, APIs in the lab's VPC
    foreign = listing(endpoint)
    foreign_keys = set(outside - baseline) | set(foreign - with_lab)
    foreign.items = {key: value for key, value in foreign.items.items() if key in foreign_keys}

    left = run.teardown()

    assert listing(endpoint).touched(foreign) == {}
    # What AWS refuses to delete while the foreign resources use it stays, each with the reason.
    assert set(left["type"]) <= {"ec2:vpc", "ec2:subnet"} and left["reason"].str.contains("DependencyViolation").all(), \
        left.to_string()


def test_bring_your_own_resources_are_used_not_changed(pattern, endpoint, client):
    parameters = byo_parameters(pattern, build_foreign(client))
    if not parameters:
        pytest.skip(f"{pattern} takes no bring-your-own resources")
    foreign = listing(endpoint)
    run = make_run(pattern, new_cloud(), **parameters).apply()

    left = run.teardown()

    assert left.empty, left.to_string()
    assert listing(endpoint).touched(foreign) == {}
    assert listing(endpoint) - foreign == {}
    assert run.cloud.region == REGION
