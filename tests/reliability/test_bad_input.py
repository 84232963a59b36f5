"""A catalogue of bad inputs: each refused with the parameter and the fix, before any mutating call, nothing created.

Each case applies to every registered pattern that declares the parameters it
needs, so new patterns are covered by the cases that fit them. Resources a
case needs (a foreign VPC, a zone, a certificate elsewhere) are made with
plain boto3 before the run, outside the kit's call counter.
"""
from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Callable

import boto3
import pytest
from conftest import LAB, PATTERNS, REGION, count, listing, make_run, new_cloud
from test_foreign import build_foreign, wait_established

from apigw_kit import AccountNotConfirmed, ParameterError
from apigw_kit.cloud import Cloud
from apigw_kit.patterns import load


@dataclass(frozen=True)
class Case:
    name: str
    needs: frozenset  # parameters the pattern must declare for the case to apply
    build: Callable  # client -> the run's parameters
    expect: frozenset  # the parameter the error may name
    connects: bool = False  # the run makes its own connection (region, backend, account checks happen there)


def case(name, needs, build, expect=None, connects=False) -> Case:
    needs = frozenset(needs)
    return Case(name, needs, build, frozenset(expect or needs), connects)


def _public_subnets(client) -> dict:
    f = build_foreign(client)
    ec2 = client("ec2")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=f["vpc_id"])
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [f["vpc_id"]]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    return {"vpc_id": f["vpc_id"], "subnet_ids": f["subnet_ids"]}


def _same_az_subnets(client) -> dict:
    f = build_foreign(client)
    ec2 = client("ec2")
    zone = ec2.describe_subnets(SubnetIds=[f["subnet_ids"][0]])["Subnets"][0]["AvailabilityZone"]
    other = ec2.create_subnet(VpcId=f["vpc_id"], CidrBlock="10.99.9.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
    return {"vpc_id": f["vpc_id"], "subnet_ids": [f["subnet_ids"][0], other]}


def _subnet_of_another_vpc(client) -> dict:
    mine, theirs = build_foreign(client), build_foreign(client, cidr="10.98.0.0/16")
    return {"vpc_id": mine["vpc_id"], "subnet_ids": [mine["subnet_ids"][0], theirs["subnet_ids"][1]]}


def _listener_of_another_vpc(client) -> dict:
    mine, theirs = build_foreign(client), build_foreign(client, cidr="10.98.0.0/16")
    return {"vpc_id": mine["vpc_id"], "subnet_ids": mine["subnet_ids"], "listener_arn": theirs["listener_arn"]}


def _internet_facing_listener(client) -> dict:
    f = build_foreign(client)
    elbv2 = client("elbv2")
    lb = elbv2.create_load_balancer(Name="public-web", Subnets=f["subnet_ids"], Scheme="internet-facing",
                                    SecurityGroups=[f["group"]])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.describe_target_groups()["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                                     DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]
    wait_established(client, lb, f["vpc_link"])  # its ENIs appear once it is active, not during the run
    return {"vpc_id": f["vpc_id"], "subnet_ids": f["subnet_ids"], "listener_arn": listener["ListenerArn"]}


def _load_balancer_not_listener(client) -> dict:
    f = build_foreign(client)
    return {"vpc_id": f["vpc_id"], "subnet_ids": f["subnet_ids"], "listener_arn": f["load_balancer"]}


def _zone(client, name: str) -> str:
    return client("route53").create_hosted_zone(Name=name, CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"]


def _private_zone(client, name: str) -> str:
    vpc = client("ec2").create_vpc(CidrBlock="10.97.0.0/16")["Vpc"]["VpcId"]
    return client("route53").create_hosted_zone(Name=name, CallerReference=str(uuid.uuid4()), VPC={
        "VPCRegion": REGION, "VPCId": vpc}, HostedZoneConfig={"PrivateZone": True, "Comment": "inside"})["HostedZone"]["Id"]


def _undelegated_zone(client) -> dict:
    _zone(client, "com")  # the parent, in this account, holds no NS record for example.com
    return {"domain_name": "api.example.com", "hosted_zone_id": _zone(client, "example.com")}


def _certificate(client, domain: str, region: str = REGION) -> str:
    return client("acm", region).request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]


BYO = ("vpc_id", "subnet_ids")
CASES = [
    case("cidr that does not parse", ["vpc_cidr"], lambda c: {"vpc_cidr": "10.20.0.0/33"}),
    case("cidr that is not an address", ["vpc_cidr"], lambda c: {"vpc_cidr": "ten.twenty/16"}),
    case("public cidr", ["vpc_cidr"], lambda c: {"vpc_cidr": "8.8.0.0/16"}),
    case("cidr too large for a VPC", ["vpc_cidr"], lambda c: {"vpc_cidr": "10.0.0.0/8"}),
    case("port zero", ["target_port"], lambda c: {"target_port": 0}),
    case("port out of range", ["target_port"], lambda c: {"target_port": 70000}),
    case("port as text", ["target_port"], lambda c: {"target_port": "eighty"}),
    case("region that is not a name", ["region"], lambda c: {"region": "mars-north-1"}, connects=True),
    case("region that does not exist", ["region"], lambda c: {"region": "eu-west-9"}, connects=True),
    case("unknown backend", ["backend"], lambda c: {"backend": "azure"}, connects=True),
    case("confirm_account that is not an id", ["confirm_account"], lambda c: {"confirm_account": "12345"},
         connects=True),
    case("lab name with invalid load balancer characters", ["lab_name"], lambda c: {"lab_name": "my_lab"}),
    case("lab name too long for load balancer names", ["lab_name"], lambda c: {"lab_name": "a" * 25}),
    case("unknown parameter", [], lambda c: {"vpc_cider": "10.20.0.0/16"}, expect=["vpc_cider"]),
    case("vpc that does not exist", BYO, lambda c: {"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": ["subnet-1", "subnet-2"]},
         expect=["vpc_id"]),
    case("subnets without their vpc", BYO, lambda c: {"subnet_ids": build_foreign(c)["subnet_ids"]}, expect=["vpc_id"]),
    case("one subnet where two AZs are needed", BYO,
         lambda c: {"vpc_id": (f := build_foreign(c))["vpc_id"], "subnet_ids": f["subnet_ids"][:1]}, expect=["subnet_ids"]),
    case("the same subnet twice", BYO,
         lambda c: {"vpc_id": (f := build_foreign(c))["vpc_id"], "subnet_ids": f["subnet_ids"][:1] * 2}, expect=["subnet_ids"]),
    case("two subnets in one AZ", BYO, _same_az_subnets, expect=["subnet_ids"]),
    case("a subnet of another VPC", BYO, _subnet_of_another_vpc, expect=["subnet_ids"]),
    case("public subnets", BYO, _public_subnets, expect=["subnet_ids"]),
    case("subnets that do not exist", BYO,
         lambda c: {"vpc_id": build_foreign(c)["vpc_id"], "subnet_ids": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]},
         expect=["subnet_ids"]),
    case("a listener of a load balancer in another VPC", BYO + ("listener_arn",), _listener_of_another_vpc,
         expect=["listener_arn"]),
    case("a load balancer ARN instead of a listener", BYO + ("listener_arn",),
         _load_balancer_not_listener, expect=["listener_arn"]),
    case("a listener of an internet-facing load balancer", BYO + ("listener_arn",), _internet_facing_listener,
         expect=["listener_arn"]),
    case("client network overlapping the API's VPC", ["client_cidr"], lambda c: {"client_cidr": "10.50.128.0/17"}),
    case("public client network", ["client_cidr"], lambda c: {"client_cidr": "100.64.0.0/10"}),
    case("private domain that is not a name", ["private_domain_name"], lambda c: {"private_domain_name": "internal"}),
    case("domain that is not a name", ["domain_name"], lambda c: {"domain_name": "not a domain"}),
    case("hosted zone that does not exist", ["hosted_zone_id"], lambda c: {"hosted_zone_id": "Z0000000NOTAZONE"}),
    case("hosted zone that does not match the domain", ["domain_name", "hosted_zone_id"],
         lambda c: {"domain_name": "api.example.com", "hosted_zone_id": _zone(c, "example.org")}),
    case("private hosted zone", ["domain_name", "hosted_zone_id"],
         lambda c: {"domain_name": "api.example.com", "hosted_zone_id": _private_zone(c, "example.com")},
         expect=["hosted_zone_id"]),
    case("hosted zone its parent does not delegate to", ["domain_name", "hosted_zone_id"], _undelegated_zone,
         expect=["hosted_zone_id"]),
    case("certificate that does not exist", ["certificate_arn"],
         lambda c: {"certificate_arn": f"arn:aws:acm:{REGION}:123456789012:certificate/00000000-0000-0000-0000-000000000000"}),
    case("certificate in another region", ["domain_name", "certificate_arn"],
         lambda c: {"domain_name": "api.example.com", "certificate_arn": _certificate(c, "api.example.com", "us-east-1")},
         expect=["certificate_arn"]),
    case("certificate not covering the domain", ["domain_name", "certificate_arn"],
         lambda c: {"domain_name": "api.example.com", "certificate_arn": _certificate(c, "www.example.org")},
         expect=["certificate_arn"]),
]


def _declared(pattern: str) -> set[str]:
    return {f.name for f in dataclasses.fields(load(pattern).Parameters)}


MATRIX = [pytest.param(p, c, id=f"{p}: {c.name}") for p in PATTERNS for c in CASES if c.needs <= _declared(p)]


@pytest.mark.parametrize("pattern, bad", MATRIX)
def test_bad_input_is_refused_before_any_change(pattern, bad, endpoint, client):
    parameters = bad.build(client)
    before = listing(endpoint)
    cloud = new_cloud()

    with pytest.raises(ParameterError) as refused:
        if bad.connects:
            load(pattern)(lab_name=LAB, **parameters).apply()
        else:
            make_run(pattern, cloud, **parameters).apply()

    error = refused.value
    assert error.parameter in bad.expect, str(error)
    assert str(error).startswith(f"{error.parameter}: ") and error.fix and "Fix: " in str(error)
    assert cloud.calls.totals()["mutating"] == 0
    assert listing(endpoint) - before == {}
    count("bad inputs rejected")


def test_catalogue_covers_every_pattern_with_twenty_cases():
    assert len(MATRIX) >= 20
    assert {p for p in PATTERNS} == {param.values[0] for param in MATRIX}


def test_a_mismatched_confirm_account_changes_nothing(pattern, endpoint):
    """The real-account guard, run against the embedded AWS: its account id is moto's, not the one confirmed."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    cloud = Cloud("aws", REGION, session, endpoint, confirm_account="9" * 12)  # any id but moto's
    before = listing(endpoint)

    with pytest.raises((AccountNotConfirmed, ParameterError)) as refused:  # validation may refuse first
        make_run(pattern, cloud).apply()

    if isinstance(refused.value, AccountNotConfirmed):
        assert "confirm_account" in str(refused.value) and "123456789012" in str(refused.value)
    assert cloud.calls.totals()["mutating"] == 0
    assert listing(endpoint) - before == {}


def test_an_unknown_papermill_parameter_is_refused_before_the_notebook_runs(pattern, endpoint, tmp_path):
    from apigw_kit import runbook
    if not runbook.notebook_of(pattern).exists():
        pytest.skip(f"{pattern} has no notebook yet")
    before = listing(endpoint)
    with pytest.raises(ParameterError) as refused:
        runbook.run(pattern, {"lab_nmae": "typo"}, tmp_path)
    assert refused.value.parameter == "lab_nmae" and "lab_name" in refused.value.fix
    assert list(tmp_path.iterdir()) == []
    assert listing(endpoint) - before == {}
