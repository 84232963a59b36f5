"""Pattern 3: every check passes on the lab and fails on a lab broken the way users break it."""
from __future__ import annotations

import json
import time

import pytest

from apigw_kit import ParameterError, connect
from apigw_kit.patterns.private_api_vpn import Run
from apigw_kit.steps import apigw_rest, dns, network

from lab_checks import failing, own_network

REGION = "eu-west-1"
DOMAIN = "private-api.example.com"


@pytest.fixture
def run(endpoint):
    return Run(cloud=connect("local", REGION), lab_name="p3").apply()


def test_all_checks_pass_and_the_client_network_reaches_the_api_through_the_alb(run):
    checks = run.verify()
    assert len(checks) == 13 and checks["passed"].all(), checks
    traced = run.trace()
    assert traced.ok and traced.source == f"vpc:{run.client_vpc.id}", traced.frame
    assert {"load balancer", "VPC endpoint", "private REST API"} <= set(traced.frame["component"])
    # The endpoint's addresses were pinned, and are what the ALB targets.
    assert sorted(run.endpoint_ips()) == ["10.50.0.10", "10.50.16.10"]
    # The diagram's flow: ALB -> endpoint (through the security-group rule) -> the API its policy admits.
    links = run.lab.inventory().links
    assert [(s, t) for s, t in zip(links["source"], links["target"])] == [(run.alb.arn, run.vpce.id), (run.vpce.id, run.api.id)]
    assert links["security_groups"].iloc[0] == f"{run.alb_sg.id} -> {run.endpoint_sg.id}"


def test_the_alb_alone_is_forbidden_until_the_custom_domain_exists(endpoint):
    run = Run(cloud=connect("local", REGION), lab_name="p3-host")
    for name in run.STEPS[:run.STEPS.index("custom_domain")]:
        getattr(run, name)()
    before = run.trace()
    assert before.status == 403 and before.failure.hop == "host header" and "Forbidden" in before.reason
    run.custom_domain()
    assert run.trace().ok
    left = run.teardown()
    assert left.empty, left.to_dict("records")


def test_declared_plan_is_what_apply_builds(run):
    built = {(r.type, r.name) for r in run.lab.resources().itertuples()}
    assert built == {(p.type, run.lab.resource_name(p.role)) for p in run.planned()}
    snapshot = run.cloud.calls.snapshot()
    assert set(run.plan()["action"]) == {"keep"}
    run.apply()
    assert run.cloud.calls.since(snapshot)["mutating"] == 0  # a second run changes nothing


def test_health_check_matcher_without_403(run, client):
    client("elbv2").modify_target_group(TargetGroupArn=run.target_group.arn, Matcher={"HttpCode": "200"})
    assert "does not accept 200 and 403" in failing(run)["health checks speak HTTPS and accept the endpoint's 403"]


def test_target_addresses_drift_from_the_endpoint(run, client):
    # What happens when the endpoint is replaced and its ENIs get new addresses: the targets go stale.
    elbv2 = client("elbv2")
    elbv2.deregister_targets(TargetGroupArn=run.target_group.arn, Targets=[{"Id": "10.50.0.10", "Port": 443}])
    elbv2.register_targets(TargetGroupArn=run.target_group.arn, Targets=[{"Id": "10.50.0.99", "Port": 443}])
    detail = failing(run)["targets are the endpoint's current ENI addresses"]
    assert "missing 10.50.0.10" in detail and "stale 10.50.0.99" in detail


def test_endpoint_opened_to_the_client_network(run):
    network.ensure_ingress(run.lab, run.endpoint_sg, 443, cidr=run.params.client_cidr)
    failed = failing(run)
    assert "10.51.0.0/16" in failed["endpoint admits only the ALB, on 443"]
    assert "around the ALB" in failed["client network cannot reach the endpoint directly"]


def test_alb_closed_to_the_client_network(run, client):
    client("ec2").revoke_security_group_ingress(GroupId=run.alb_sg.id, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.51.0.0/16"}]}])
    failed = failing(run)
    assert "no group" in failed["ALB admits only the client network, on 443"]
    assert "timeout" in failed["client network reaches the API through the ALB"]


def test_policy_that_admits_another_endpoint(run, client):
    policy = json.dumps(apigw_rest.endpoint_only_policy("vpce-0123456789abcdef0"))
    client("apigateway").update_rest_api(restApiId=run.api.id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": policy}])
    failed = failing(run)
    assert run.vpce.id in failed["private API admits only its VPC endpoint"]
    assert "403" in failed["client network reaches the API through the ALB"]


def test_private_domain_without_access_association(run, client):
    v1 = client("apigateway")
    for association in v1.get_domain_name_access_associations(resourceOwner="SELF")["items"]:
        v1.delete_domain_name_access_association(domainNameAccessAssociationArn=association["domainNameAccessAssociationArn"])
    assert "no access association" in failing(run)["private custom domain admits the endpoint"]


def test_bring_your_own_network_is_used_and_kept(endpoint, client):
    ec2 = client("ec2")
    vpc, subnets = own_network(ec2, 70, REGION)
    run = Run(cloud=connect("local", REGION), lab_name="p3-byo", vpc_id=vpc, subnet_ids=subnets,
              client_cidr="192.168.0.0/16", private_domain_name="").apply()
    checks = run.verify()
    assert checks["passed"].all(), checks
    assert len(checks) == 11  # no private domain asked for
    assert run.trace().source == "192.168.0.0/16"
    assert "ec2:vpc" not in set(run.lab.resources()["type"])
    left = run.teardown()
    assert left.empty, left.to_dict("records")
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"] and len(ec2.describe_subnets(SubnetIds=subnets)["Subnets"]) == 2


@pytest.mark.parametrize("values, parameter", [
    ({"client_cidr": "10.50.128.0/17"}, "client_cidr"),
    ({"client_cidr": "8.8.8.0/24"}, "client_cidr"),
    ({"private_domain_name": "private-api.example.com"}, "private_domain_name"),
    ({"private_domain_name": "nodots"}, "private_domain_name"),
    ({"subnet_ids": ["subnet-0123456789abcdef0"]}, "vpc_id"),
    ({"vpc_id": "vpc-0123456789abcdef0"}, "vpc_id"),
])
def test_bad_parameters_are_refused_before_any_change(endpoint, values, parameter):
    cloud = connect("local", REGION)
    with pytest.raises(ParameterError) as error:
        Run(cloud=cloud, lab_name="p3-bad", **values)
    assert error.value.parameter == parameter
    assert cloud.calls.totals()["mutating"] == 0


def test_a_vpc_with_an_execute_api_endpoint_already_is_refused(endpoint, client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.80.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for i, z in ((1, "a"), (2, "b"))]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.execute-api", VpcEndpointType="Interface",
                            SubnetIds=subnets, PrivateDnsEnabled=True)
    with pytest.raises(ParameterError) as error:
        Run(cloud=connect("local", REGION), lab_name="p3-taken", vpc_id=vpc, subnet_ids=subnets)
    assert error.value.parameter == "vpc_id" and "private DNS" in str(error.value)


def test_diagram_draws_the_traced_path_and_where_it_stopped(run, client, tmp_path):
    from apigw_kit.drawing import on_path
    passed, stopped = on_path(run.trace(), run.lab.resources())
    assert {run.alb.arn, run.vpce.id, run.api.id} <= passed and stopped is None
    policy = json.dumps(apigw_rest.endpoint_only_policy("vpce-0123456789abcdef0"))
    client("apigateway").update_rest_api(restApiId=run.api.id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": policy}])
    passed, stopped = on_path(run.trace(), run.lab.resources())
    assert {run.alb.arn, run.vpce.id} <= passed and run.api.id not in passed and stopped == run.api.id
    image = run.diagram(str(tmp_path / "traced.png"), trace=run.trace())
    assert image.filename.endswith("traced.png") and image.data.startswith(b"\x89PNG")


# Real-account readiness: the private domain's name, and what a given VPC, certificate and subnets must offer ------
def test_private_domain_resolves_in_the_client_vpc_to_the_endpoint(run, client):
    zone = run.private_zone
    assert zone.private and zone.name == "internal-api.example.com"
    assert [v["VPCId"] for v in client("route53").get_hosted_zone(Id=zone.id)["VPCs"]] == [run.client_vpc.id]
    traced = run.trace("https://internal-api.example.com/")
    hop = traced.frame[traced.frame["component"] == "Route 53 private zone"].iloc[0]
    assert hop["verdict"] == "ok" and run.vpce.dns_name.lower() in hop["reason"], traced.frame
    # The record missing: the check names it, and the tracer finds no name.
    record = dns._record_set(run.cloud, zone.id, zone.name, "A")
    client("route53").change_resource_record_sets(HostedZoneId=zone.id, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": record}]})
    assert "no A alias internal-api.example.com" in failing(run)["private custom domain resolves to the endpoint"]
    run.private_domain_dns()  # puts it back
    assert run.verify()["passed"].all()
    left = run.teardown()
    assert left.empty, left.to_dict("records")
    assert not [z for z in client("route53").list_hosted_zones()["HostedZones"] if z["Config"]["PrivateZone"]]


def _issued_certificate(client, domain: str) -> str:
    acm, route53 = client("acm"), client("route53")
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="cert-zone")["HostedZone"]["Id"]
    arn = acm.request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]
    record = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"][0]["ResourceRecord"]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": record["Name"], "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": record["Value"]}]}}]})
    for _ in range(50):
        if acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED":
            return arn
        time.sleep(0.05)
    raise AssertionError(f"{domain}: certificate not issued")


@pytest.mark.parametrize("certificate, private_name", [
    ("private-api.example.com", "internal-api.example.com"),  # names domain_name only
    ("*.example.com", "api.internal.example.com"),  # a wildcard covers one label, not two
])
def test_certificate_must_cover_the_private_domain(client, certificate, private_name):
    arn = _issued_certificate(client, certificate)
    cloud = connect("local", REGION)
    with pytest.raises(ParameterError) as error:
        Run(cloud=cloud, lab_name="p3-cert", certificate_arn=arn, private_domain_name=private_name)
    assert error.value.parameter == "certificate_arn" and private_name in error.value.problem
    assert cloud.calls.totals()["mutating"] == 0


@pytest.mark.parametrize("support, hostnames, missing", [
    (True, False, "enableDnsHostnames off"), (False, False, "enableDnsSupport and enableDnsHostnames off")])
def test_a_given_vpc_needs_dns_support_and_hostnames(client, support, hostnames, missing):
    ec2 = client("ec2")
    vpc, subnets = own_network(ec2, 71, REGION)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": hostnames})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": support})
    cloud = connect("local", REGION)
    with pytest.raises(ParameterError) as error:
        Run(cloud=cloud, lab_name="p3-dns", vpc_id=vpc, subnet_ids=subnets, client_cidr="192.168.0.0/16")
    assert error.value.parameter == "vpc_id" and missing in error.value.problem
    assert cloud.calls.totals()["mutating"] == 0


def test_pinned_addresses_must_be_free_in_a_given_subnet(client):
    ec2 = client("ec2")
    vpc, subnets = own_network(ec2, 72, REGION)
    eni = ec2.create_network_interface(SubnetId=subnets[0], PrivateIpAddress="10.72.1.10")["NetworkInterface"]
    cloud = connect("local", REGION)
    with pytest.raises(ParameterError) as error:
        Run(cloud=cloud, lab_name="p3-pin", vpc_id=vpc, subnet_ids=subnets, client_cidr="192.168.0.0/16")
    assert error.value.parameter == "pin_endpoint_ips" and eni["NetworkInterfaceId"] in error.value.problem
    assert "10.72.1.10" in error.value.problem and "pin_endpoint_ips=False" in error.value.fix
    assert cloud.calls.totals()["mutating"] == 0
    Run(cloud=cloud, lab_name="p3-pin", vpc_id=vpc, subnet_ids=subnets, client_cidr="192.168.0.0/16", pin_endpoint_ips=False)
