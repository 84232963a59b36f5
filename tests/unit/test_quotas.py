"""Preflight quotas: read from Service Quotas (embedded AWS and Stubber), refused before anything is created."""
from __future__ import annotations

from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from apigw_kit import connect
from apigw_kit.cloud import Cloud
from apigw_kit.patterns import private_api_vpn
from apigw_kit.plan import Planned
from apigw_kit.quotas import ALBS, NLBS, VPCS, QuotaExceeded, QuotaNotRead, limit_of, preflight

from lab_checks import own_network

REGION = "eu-west-1"


def test_the_embedded_aws_answers_the_documented_defaults(endpoint):
    cloud = connect("local", REGION)
    assert (limit_of(cloud, VPCS), limit_of(cloud, ALBS), limit_of(cloud, NLBS)) == (5, 50, 50)
    quotas = cloud.client("service-quotas")
    default = quotas.get_aws_default_service_quota(ServiceCode="apigateway", QuotaCode="L-A4C7274F")["Quota"]
    assert default["Value"] == 20 and "REST" in default["QuotaName"]
    with pytest.raises(ClientError) as error:
        quotas.get_aws_default_service_quota(ServiceCode="apigateway", QuotaCode="L-00000000")
    assert error.value.response["Error"]["Code"] == "NoSuchResourceException"


def test_create_vpc_past_the_quota_is_refused(client):
    ec2 = client("ec2")  # the default VPC counts: four more reach five
    for i in range(4):
        ec2.create_vpc(CidrBlock=f"10.{90 + i}.0.0/16")
    with pytest.raises(ClientError) as error:
        ec2.create_vpc(CidrBlock="10.99.0.0/16")
    assert error.value.response["Error"]["Code"] == "VpcLimitExceeded"


def test_a_run_that_would_exceed_vpcs_per_region_is_refused_before_anything_is_created(client):
    ec2 = client("ec2")
    for i in range(3):  # 1 default + 3: pattern 3's two VPCs would make six
        ec2.create_vpc(CidrBlock=f"10.{90 + i}.0.0/16")
    cloud = connect("local", REGION)
    with pytest.raises(QuotaExceeded) as error:
        private_api_vpn.Run(cloud=cloud, lab_name="p3-quota")
    assert (error.value.quota, error.value.limit, error.value.in_use, error.value.creates) == (VPCS, 5, 4, 2)
    assert "L-F678F1CE" in str(error.value) and "request-service-quota-increase" in str(error.value)
    assert cloud.calls.totals()["mutating"] == 0
    # One VPC fewer and the run passes: one Service Quotas read per quota it draws on.
    ec2.delete_vpc(VpcId=ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.90.0.0/16"]}])["Vpcs"][0]["VpcId"])
    cloud = connect("local", REGION)
    run = private_api_vpn.Run(cloud=cloud, lab_name="p3-quota")
    assert {(u.quota.code, u.in_use, u.creates) for u in run.quotas} == {("L-F678F1CE", 3, 2), ("L-53DA6B97", 0, 1)}
    assert cloud.calls.snapshot()[("service-quotas", "GetServiceQuota")] == 2


def test_bring_your_own_vpc_consumes_no_vpc_quota(client):
    ec2 = client("ec2")
    vpc, subnets = own_network(ec2, 70, REGION)
    for i in range(3):  # five VPCs: the quota is full, yet a run in a given VPC creates none
        ec2.create_vpc(CidrBlock=f"10.{90 + i}.0.0/16")
    run = private_api_vpn.Run(cloud=connect("local", REGION), lab_name="p3-byo", vpc_id=vpc, subnet_ids=subnets,
                              client_cidr="192.168.0.0/16")
    assert {u.quota.code for u in run.quotas} == {"L-53DA6B97", "L-29B6F2EB"}


# Real account: Stubber ------------------------------------------------------------------------
def _aws_cloud(stubs: dict[str, list[tuple]]):
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example", region_name=REGION)
    cloud = Cloud("aws", REGION, session, None, None)
    for service, answers in stubs.items():
        stub = Stubber(cloud.client(service))
        for operation, kind, body in answers:
            if kind == "error":
                stub.add_client_error(operation, service_error_code=body, http_status_code=400)
            else:
                stub.add_response(operation, body)
        stub.activate()
    return cloud


def _run(cloud, *planned: Planned):
    lab = SimpleNamespace(resource_name=lambda role: f"lab-{role}")
    return SimpleNamespace(cloud=cloud, lab=lab, params=SimpleNamespace(vpc_id=""), planned=lambda: list(planned))


def _quota(value: float) -> dict:
    return {"Quota": {"ServiceCode": "elasticloadbalancing", "QuotaCode": "L-53DA6B97", "Value": value}}


ALB = Planned("elbv2:load-balancer", "alb", "ALB", price="alb")
IN_USE = {"LoadBalancers": [{"LoadBalancerName": f"other-{i}", "Type": "application"} for i in range(3)]
          + [{"LoadBalancerName": "an-nlb", "Type": "network"}]}


def test_real_account_falls_back_to_the_default_when_no_value_is_applied():
    cloud = _aws_cloud({"elbv2": [("describe_load_balancers", "ok", IN_USE)],
                        "service-quotas": [("get_service_quota", "error", "NoSuchResourceException"),
                                           ("get_aws_default_service_quota", "ok", _quota(3))]})
    with pytest.raises(QuotaExceeded) as error:
        preflight(_run(cloud, ALB))
    assert (error.value.limit, error.value.in_use, error.value.creates) == (3, 3, 1)


def test_real_account_applied_value_is_used():
    cloud = _aws_cloud({"elbv2": [("describe_load_balancers", "ok", IN_USE)],
                        "service-quotas": [("get_service_quota", "ok", _quota(100))]})
    [usage] = preflight(_run(cloud, ALB))
    assert (usage.limit, usage.in_use, usage.creates) == (100, 3, 1)


def test_real_account_without_service_quotas_permission_warns_and_goes_on():
    cloud = _aws_cloud({"elbv2": [("describe_load_balancers", "ok", IN_USE)],
                        "service-quotas": [("get_service_quota", "error", "AccessDeniedException")]})
    with pytest.warns(QuotaNotRead, match="could not read quota Application Load Balancers per Region"):
        assert preflight(_run(cloud, ALB)) == []


def test_nothing_new_to_create_reads_no_quota():
    existing = {"LoadBalancers": [{"LoadBalancerName": "lab-alb", "Type": "application"}]}
    cloud = _aws_cloud({"elbv2": [("describe_load_balancers", "ok", existing)], "service-quotas": []})
    [usage] = preflight(_run(cloud, ALB))
    assert usage.creates == 0 and usage.limit is None
    assert "service-quotas:GetServiceQuota" not in cloud.calls.operations()
