"""Pattern 1: every posture check passes on the lab and fails on a lab broken the way users break it."""
from __future__ import annotations

import pytest

from apigw_kit import ParameterError, connect
from apigw_kit.patterns.http_alb import Run
from apigw_kit.steps import elb

from lab_checks import failing

REGION = "eu-west-1"


@pytest.fixture
def run(endpoint):
    return Run(cloud=connect("local", REGION), lab_name="p1").apply()


def test_all_checks_pass_on_the_lab(run):
    checks = run.verify()
    assert len(checks) == 10 and checks["passed"].all(), checks


def test_network_acl_denying_the_vpc_link(run, client):
    """The check judges the path with the tracer's reachability function: a deny entry before the allow-all."""
    ec2 = client("ec2")
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [run.vpc.id]},
                                             {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    ec2.create_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=90, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock=run.vpc.cidr, PortRange={"From": 80, "To": 80})
    assert "rule 90 denies TCP 80" in failing(run)["network ACLs and routes let the VPC link reach the ALB and back"]


def test_alb_open_to_the_world(run, client):
    client("ec2").authorize_security_group_ingress(GroupId=run.alb_sg.id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert "0.0.0.0/0" in failing(run)["ALB admits only the VPC link, on the listener port"]


def test_targets_open_beyond_the_alb(run, client):
    client("ec2").authorize_security_group_ingress(GroupId=run.web_sg.id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert "10.0.0.0/8" in failing(run)["targets admit only the ALB, on the target port"]


def test_internet_facing_alb(run):
    run.alb = elb.ensure_load_balancer(run.lab, "public", "application", run.subnets, [run.alb_sg.id],
                                       scheme="internet-facing")
    assert "internet-facing" in failing(run)["load balancer is internal"]


def test_subnet_routing_to_an_internet_gateway(run, client):
    ec2 = client("ec2")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=run.vpc.id)
    table = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [run.subnets[0].id]}])
    ec2.create_route(RouteTableId=table["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=gateway)
    assert gateway in failing(run)["load balancer subnets are private"]


def test_integration_bypassing_the_vpc_link(run, client):
    # The article's starting point: an HTTP integration to the load balancer's DNS name over the internet.
    client("apigatewayv2").update_integration(ApiId=run.api.id, IntegrationId=run.integration.id,
                                              ConnectionType="INTERNET", IntegrationUri=f"http://{run.alb.dns_name}/")
    detail = failing(run)["integration is the listener through the VPC link"]
    assert "INTERNET" in detail and run.alb.dns_name in detail


def test_integration_to_the_load_balancer_arn_is_refused(run, client):
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as error:
        client("apigatewayv2").create_integration(
            ApiId=run.api.id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", IntegrationUri=run.alb.arn,
            ConnectionType="VPC_LINK", ConnectionId=run.link.id, PayloadFormatVersion="1.0")
    assert error.value.response["Error"]["Code"] == "BadRequestException"


def test_unhealthy_target(run, client):
    instance = run.lab.inventory().targets["target"].iloc[0]
    client("ec2").stop_instances(InstanceIds=[instance])
    assert instance in failing(run)["all targets healthy"]


def test_vpc_link_outside_the_alb_subnets(run, client):
    v2 = client("apigatewayv2")
    narrow = v2.create_vpc_link(Name="narrow", SubnetIds=[run.subnets[0].id], SecurityGroupIds=[run.link_sg.id])
    run.link = type(run.link)(narrow["VpcLinkId"], "narrow", (run.subnets[0].id,), (run.link_sg.id,))
    assert run.subnets[1].id in failing(run)["VPC link is available in the load balancer's subnets"]


# Validation: bad input is refused before any mutating call --------------------------------------
@pytest.mark.parametrize("values, parameter", [
    ({"vpc_cidr": "10.20.0.0/33"}, "vpc_cidr"),
    ({"vpc_cidr": "8.8.0.0/16"}, "vpc_cidr"),
    ({"target_port": 0}, "target_port"),
    ({"target_port": 70000}, "target_port"),
    ({"lab_name": "Bad_Name"}, "lab_name"),
    ({"subnet_ids": ["subnet-1"]}, "vpc_id"),
    ({"vpc_id": "vpc-0123456789abcdef0"}, "vpc_id"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_parameters_are_refused_before_any_change(endpoint, values, parameter):
    cloud = connect("local", REGION)
    with pytest.raises(ParameterError) as error:
        Run(cloud=cloud, **values)
    assert error.value.parameter == parameter
    assert cloud.calls.totals()["mutating"] == 0


def test_bring_your_own_network_is_validated_and_never_deleted(endpoint, client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for i, zone in enumerate(zones)]
    cloud = connect("local", REGION)
    with pytest.raises(ParameterError) as error:  # two subnets required
        Run(cloud=cloud, vpc_id=vpc, subnet_ids=subnets[:1])
    assert error.value.parameter == "subnet_ids" and cloud.calls.totals()["mutating"] == 0

    run = Run(cloud=cloud, lab_name="byo", vpc_id=vpc, subnet_ids=",".join(subnets)).apply()
    assert run.verify()["passed"].all()
    assert run.teardown().empty
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"] and len(ec2.describe_subnets(SubnetIds=subnets)["Subnets"]) == 2


def test_bring_your_own_public_subnet_is_refused(endpoint, client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.60.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for i, zone in enumerate(zones)]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    with pytest.raises(ParameterError, match="internet gateway") as error:
        Run(cloud=connect("local", REGION), vpc_id=vpc, subnet_ids=subnets)
    assert error.value.parameter == "subnet_ids"


def test_api_without_its_waiver(run, client):
    """The lab's routes are open by design and the API says so; an open API that does not say so fails."""
    v2 = client("apigatewayv2")
    arn = f"arn:aws:apigateway:{REGION}::/apis/{run.api.id}"
    v2.untag_resource(ResourceArn=arn, TagKeys=["apigw-kit:auth-waiver"])
    assert "authorization NONE" in failing(run)["HTTP API requires authorization, or records a waiver"]


def test_stage_without_throttling(run, client):
    v2 = client("apigatewayv2")
    v2.delete_stage(ApiId=run.api.id, StageName="$default")
    v2.create_stage(ApiId=run.api.id, StageName="$default", AutoDeploy=True)
    assert "only the account-level limits apply" in failing(run)["HTTP API stage $default is throttled"]
