"""Pattern 2: every check passes on the lab and fails on a lab broken the way users break it."""
from __future__ import annotations

import pytest

from apigw_kit import ParameterError, connect
from apigw_kit.patterns.https_custom_domain import Run
from apigw_kit.steps import elb

from lab_checks import failing

REGION = "eu-west-1"
DOMAIN = "private-integration.example.com"


@pytest.fixture
def run(endpoint):
    return Run(cloud=connect("local", REGION), lab_name="p2").apply()


def test_all_checks_pass_and_the_request_reaches_the_targets_only_through_the_domain(run):
    checks = run.verify()
    assert len(checks) == 16 and checks["passed"].all(), checks
    traced = run.trace()
    assert traced.ok and not [h for h in traced.warnings if h.hop == "dns"], traced.frame  # the record is followed
    default = run.trace(run.api.endpoint + "/")
    assert default.status == 403 and "disabled" in default.reason


def test_declared_plan_is_what_apply_builds(run):
    built = {(r.type, r.name) for r in run.lab.resources().itertuples()}
    assert built == {(p.type, run.lab.resource_name(p.role)) for p in run.planned()}
    snapshot = run.cloud.calls.snapshot()
    assert set(run.plan()["action"]) == {"keep"}
    run.apply()
    assert run.cloud.calls.since(snapshot)["mutating"] == 0  # a second run changes nothing


def test_certificate_that_does_not_cover_the_server_name(run, client):
    other = client("acm").request_certificate(DomainName="other.example.org", ValidationMethod="DNS")["CertificateArn"]
    client("elbv2").modify_listener(ListenerArn=run.listener.arn, Certificates=[{"CertificateArn": other}])
    assert DOMAIN in failing(run)["listener certificate covers the server name to verify"]
    assert run.trace().status == 500  # the TLS name check fails at API Gateway


def test_integration_without_tls_verification(run, client):
    client("apigatewayv2").update_integration(ApiId=run.api.id, IntegrationId=run.integration.id,
                                              TlsConfig={"ServerNameToVerify": "alb.internal"})
    assert "alb.internal" in failing(run)["integration uses TLS to the ALB and verifies the domain"]


def test_record_pointing_at_the_invoke_url(run, client):
    # The article's warning: the alias must target the API Gateway domain name, not the invoke URL.
    host = run.api.endpoint.removeprefix("https://")
    client("route53").change_resource_record_sets(HostedZoneId=run.zone.id, ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": DOMAIN, "Type": "A", "AliasTarget": {
            "DNSName": host, "HostedZoneId": run.domain.hosted_zone_id, "EvaluateTargetHealth": False}}}]})
    assert "invoke URL" in failing(run)["DNS alias points at the API Gateway domain name"]
    traced = run.trace()  # the client's TLS check fails: the invoke name's endpoint serves *.execute-api's certificate
    assert traced.status is None and traced.failure.hop == "dns" and "certificate" in traced.failure.reason, traced.frame


def test_domain_without_mapping(run, client):
    v2 = client("apigatewayv2")
    for mapping in v2.get_api_mappings(DomainName=DOMAIN)["Items"]:
        v2.delete_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping["ApiMappingId"])
    assert "no API mapping" in failing(run)["custom domain is mapped to the API"]


def test_default_endpoint_left_on(run, client):
    client("apigatewayv2").update_api(ApiId=run.api.id, DisableExecuteApiEndpoint=False)
    assert "also serves" in failing(run)["only the custom domain serves the API"]


def test_load_balancer_reachable_from_the_internet(run, client):
    ec2 = client("ec2")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=run.vpc.id)
    table = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [run.subnets[0].id]}])
    ec2.create_route(RouteTableId=table["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.authorize_security_group_ingress(GroupId=run.alb_sg.id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    run.alb = elb.ensure_load_balancer(run.lab, "public", "application", run.subnets, [run.alb_sg.id], scheme="internet-facing")
    elb.wait_load_balancer(run.lab, run.alb)
    run.listener = elb.ensure_listener(run.lab, run.alb, port=443, protocol="HTTPS", target_group=run.target_group,
                                       certificate_arn=run.cert.arn)
    assert "connects" in failing(run)["load balancer is unreachable from the internet"]


# Validation and bring-your-own ------------------------------------------------------------------
@pytest.mark.parametrize("values, parameter", [
    ({"domain_name": "example.com"}, "domain_name"),
    ({"domain_name": "bad_name.example.com"}, "domain_name"),
    ({"hosted_zone_id": "ZNOTTHERE"}, "hosted_zone_id"),
    ({"certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/nope"}, "certificate_arn"),
])
def test_bad_parameters_are_refused_before_any_change(endpoint, values, parameter):
    cloud = connect("local", REGION)
    with pytest.raises(ParameterError) as error:
        Run(cloud=cloud, **values)
    assert error.value.parameter == parameter and cloud.calls.totals()["mutating"] == 0


def test_certificate_not_covering_the_domain_is_refused(endpoint, client):
    cert = client("acm").request_certificate(DomainName="*.other.example", ValidationMethod="DNS")["CertificateArn"]
    with pytest.raises(ParameterError) as error:
        Run(cloud=connect("local", REGION), certificate_arn=cert)
    assert error.value.parameter == "certificate_arn" and "do not cover" in error.value.problem


def test_real_account_needs_the_delegated_zone(endpoint):
    cloud = connect("local", REGION)
    cloud.backend = "aws"  # validation only: no call is made before the refusal
    with pytest.raises(ParameterError) as error:
        Run(cloud=cloud)
    assert error.value.parameter == "hosted_zone_id"


def test_bring_your_own_zone_keeps_its_records(endpoint, client):
    r53 = client("route53")
    zone = r53.create_hosted_zone(Name="example.com", CallerReference="mine")["HostedZone"]["Id"].split("/")[-1]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "www.example.com", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "elsewhere.example.net"}]}}]})
    run = Run(cloud=connect("local", REGION), lab_name="byo-zone", hosted_zone_id=zone).apply()
    assert run.verify()["passed"].all()
    assert run.teardown().empty
    left = {(r["Name"], r["Type"]) for r in r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]}
    assert left == {("example.com.", "NS"), ("example.com.", "SOA"), ("www.example.com.", "CNAME")}
