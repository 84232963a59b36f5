"""Fidelity rules of the embedded AWS: each test fails when its rule is not installed."""
from __future__ import annotations

import ipaddress

import pytest
from botocore.exceptions import ClientError

from apigw_kit.local import admin, rules


@pytest.fixture
def net(client):
    """A VPC with two subnets in two AZs and one security group."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]
        for cidr, az in (("10.20.1.0/24", "eu-west-1a"), ("10.20.2.0/24", "eu-west-1b"))
    ]
    sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnets": subnets, "subnet_ids": [s["SubnetId"] for s in subnets], "sg": sg}


@pytest.fixture
def slow_clock(endpoint):
    """Make every provisioning delay far longer than a test; restore the clock after."""
    saved = admin(endpoint, "clock")
    admin(endpoint, "clock", {"scale": 1000.0})
    yield lambda: admin(endpoint, "clock", {"scale": 0})
    admin(endpoint, "clock", saved)


def load_balancer(client, net, name, kind="application", **extra):
    elbv2 = client("elbv2")
    if kind == "application":
        extra.setdefault("SecurityGroups", [net["sg"]])
    return elbv2.create_load_balancer(Name=name, Type=kind, Subnets=net["subnet_ids"], Scheme="internal", **extra)[
        "LoadBalancers"
    ][0]


def enis_described(client, description):
    return client("ec2").describe_network_interfaces(Filters=[{"Name": "description", "Values": [description]}])[
        "NetworkInterfaces"
    ]


def in_subnet(eni, net):
    cidr = next(s["CidrBlock"] for s in net["subnets"] if s["SubnetId"] == eni["SubnetId"])
    return ipaddress.ip_address(eni["PrivateIpAddress"]) in ipaddress.ip_network(cidr)


def test_rules_are_listed_with_what_they_mirror(endpoint):
    listed = admin(endpoint, "rules")["rules"]
    assert [r["name"] for r in listed] == [r.name for r in rules.RULES]
    assert all(r["mirrors"] for r in listed)


def test_installing_rules_twice_patches_once(client, net):
    for rule in rules.RULES:
        rule.install()
    lb = load_balancer(client, net, "twice")
    assert len(enis_described(client, "ELB app/twice/" + lb["LoadBalancerArn"].rsplit("/", 1)[1])) == 2


# load_balancer_enis

def test_alb_gets_one_managed_eni_per_subnet_inside_its_cidr(client, net):
    lb = load_balancer(client, net, "web")
    load_balancer(client, net, "web2")
    description = "ELB app/web/" + lb["LoadBalancerArn"].rsplit("/", 1)[1]

    enis = enis_described(client, description)

    assert sorted(e["SubnetId"] for e in enis) == sorted(net["subnet_ids"])
    for eni in enis:
        assert in_subnet(eni, net)
        assert [g["GroupId"] for g in eni["Groups"]] == [net["sg"]]
        assert eni["RequesterManaged"] is True
        assert eni["RequesterId"] == "amazon-elb"
        assert eni["Status"] == "in-use"
        assert eni["InterfaceType"] == "interface"


def test_nlb_enis_say_net_and_have_no_groups_unless_given(client, net):
    lb = load_balancer(client, net, "nlb", kind="network")
    enis = enis_described(client, "ELB net/nlb/" + lb["LoadBalancerArn"].rsplit("/", 1)[1])
    assert len(enis) == 2
    assert all(e["Groups"] == [] and e["InterfaceType"] == "network_load_balancer" for e in enis)


def test_load_balancer_enis_are_released_on_delete(client, net):
    lb = load_balancer(client, net, "gone")
    description = "ELB app/gone/" + lb["LoadBalancerArn"].rsplit("/", 1)[1]
    assert len(enis_described(client, description)) == 2
    client("elbv2").delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    assert enis_described(client, description) == []


# nlb_arn

def test_nlb_and_its_listener_arns_say_net(client, net):
    elbv2 = client("elbv2")
    lb = load_balancer(client, net, "nlb", kind="network", Tags=[{"Key": "k", "Value": "v"}])
    tg = elbv2.create_target_group(Name="tg", Protocol="TCP", Port=80, VpcId=net["vpc"], TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
    )["Listeners"][0]

    assert ":loadbalancer/net/nlb/" in lb["LoadBalancerArn"]
    assert ":listener/net/nlb/" in listener["ListenerArn"]
    assert elbv2.describe_load_balancers(LoadBalancerArns=[lb["LoadBalancerArn"]])["LoadBalancers"]
    assert elbv2.describe_target_groups(TargetGroupArns=[tg_arn])["TargetGroups"][0]["LoadBalancerArns"] == [
        lb["LoadBalancerArn"]
    ]
    tags = elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
    assert tags == [{"Key": "k", "Value": "v"}]


# provisioning_clock

def lb_state(client, arn):
    return client("elbv2").describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"]


def test_load_balancer_is_provisioning_until_the_clock_says_active(client, net, slow_clock):
    arn = load_balancer(client, net, "slow")["LoadBalancerArn"]
    assert lb_state(client, arn) == "provisioning"
    slow_clock()
    assert lb_state(client, arn) == "active"


def test_acm_certificate_is_pending_validation_until_the_clock_issues_it(client, slow_clock):
    acm = client("acm")
    arn = acm.request_certificate(DomainName="api.example.com", ValidationMethod="DNS")["CertificateArn"]
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "PENDING_VALIDATION"
    slow_clock()
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
