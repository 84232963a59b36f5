"""Real-account paths with botocore's Stubber (no network): confirm_account before anything changes."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from apigw_kit import AccountNotConfirmed, ParameterError, runbook
from apigw_kit.cloud import Cloud
from apigw_kit.patterns.http_alb import Run
from apigw_kit.steps import network

REGION = "eu-west-1"
ACCOUNT = "111122223333"


@pytest.fixture(autouse=True)
def _no_quota_preflight(monkeypatch):
    """The guard is under test here; the quota preflight's calls are stubbed in test_quotas.py."""
    monkeypatch.setattr("apigw_kit.patterns.base.PatternRun.check_quotas", lambda self: [])


def _aws(confirm_account=None):
    """A Cloud on backend aws with fake credentials; STS answers ACCOUNT, EC2 is stubbed."""
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example", region_name=REGION)
    cloud = Cloud("aws", REGION, session, None, confirm_account)
    sts, ec2 = Stubber(cloud.client("sts")), Stubber(cloud.client("ec2"))
    sts.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "UserId": "AID"})
    sts.activate()
    ec2.activate()
    ec2.add_response("describe_availability_zones", {"AvailabilityZones": [  # validation: zones for VPC links v2
        {"ZoneName": f"{REGION}{z}", "ZoneId": f"euw1-az{i}", "ZoneType": "availability-zone", "State": "available"}
        for i, z in ((1, "a"), (2, "b"), (3, "c"))]})
    ec2.add_response("describe_vpcs", {"Vpcs": []})
    ec2.add_response("create_vpc", {"Vpc": {"VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.20.0.0/16"}})
    return cloud, ec2


@pytest.mark.parametrize("confirm, refusal", [(None, "pass confirm_account='111122223333'"),
                                              ("999999999999", "belong to account 111122223333")])
def test_a_step_is_refused_before_its_first_create_is_sent(confirm, refusal):
    cloud, ec2 = _aws(confirm)
    run = Run(cloud=cloud, backend="aws", region=REGION, lab_name="guarded")
    with pytest.raises(AccountNotConfirmed, match=refusal):
        network.ensure_vpc(run.lab, "10.20.0.0/16")
    with pytest.raises(AssertionError):  # CreateVpc is still waiting in the stub: it was never sent
        ec2.assert_no_pending_responses()
    assert cloud.calls.totals()["mutating"] == 0


def test_the_matching_account_lets_the_create_through():
    cloud, ec2 = _aws(ACCOUNT)
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.add_response("modify_vpc_attribute", {}, {"VpcId": "vpc-0a1b2c3d4e5f60718", attribute: {"Value": True}})
    run = Run(cloud=cloud, backend="aws", region=REGION, lab_name="guarded", confirm_account=ACCOUNT)
    assert network.ensure_vpc(run.lab, "10.20.0.0/16").id == "vpc-0a1b2c3d4e5f60718"
    ec2.assert_no_pending_responses()


def test_runbook_preflight_refuses_another_account_before_papermill():
    cloud, _ = _aws("999999999999")
    with pytest.raises(ParameterError) as error:
        runbook.prepare("http-alb", {"backend": "aws", "confirm_account": "999999999999"}, cloud=cloud)
    assert error.value.parameter == "confirm_account" and ACCOUNT in error.value.problem


def test_runbook_preflight_accepts_the_account_and_plans_from_reads_only():
    cloud, _ = _aws(ACCOUNT)
    run = runbook.prepare("http-alb", {"backend": "aws", "confirm_account": ACCOUNT, "lab_name": "ci"}, cloud=cloud)
    assert [p.price for p in run.planned() if p.price] == ["alb", "t3.micro"]
    assert cloud.calls.totals()["mutating"] == 0
