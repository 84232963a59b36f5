"""Embedded AWS rule behind pattern 4: a REST VPC link (v1) makes an endpoint service for its NLB."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from test_local_rules import until

REGION = "eu-west-1"


def _nlb(client) -> str:
    ec2, elb = client("ec2"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    return elb.create_load_balancer(Name="n", Subnets=[subnet], Scheme="internal", Type="network")["LoadBalancers"][0]["LoadBalancerArn"]


def _services(client) -> list[dict]:
    return client("ec2").describe_vpc_endpoint_service_configurations()["ServiceConfigurations"]


def test_rest_vpc_link_creates_and_removes_an_endpoint_service(client):
    nlb = _nlb(client)
    link = client("apigateway").create_vpc_link(name="l", targetArns=[nlb])["id"]
    services = _services(client)
    assert [s["NetworkLoadBalancerArns"] for s in services] == [[nlb]]
    assert services[0]["AcceptanceRequired"] is False
    with pytest.raises(ClientError) as in_use:  # its endpoint service holds the NLB
        client("elbv2").delete_load_balancer(LoadBalancerArn=nlb)
    assert in_use.value.response["Error"]["Code"] == "ResourceInUse"
    client("apigateway").delete_vpc_link(vpcLinkId=link)
    until(lambda: link_gone(client, link))  # DELETING first (rule deletion_clock); the service goes with the link
    assert _services(client) == []
    client("elbv2").delete_load_balancer(LoadBalancerArn=nlb)


def link_gone(client, link_id: str) -> bool:
    try:
        client("apigateway").get_vpc_link(vpcLinkId=link_id)
    except ClientError as error:
        return error.response["Error"]["Code"] == "NotFoundException"
    return False


def test_refused_link_leaves_no_endpoint_service(client):
    with pytest.raises(ClientError) as error:
        client("apigateway").create_vpc_link(name="l", targetArns=["arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/a/0123456789abcdef"])
    assert error.value.response["Error"]["Code"] == "BadRequestException"
    assert _services(client) == []
