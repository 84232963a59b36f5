"""connect(): argument validation, the call counter, the account guard (Stubber, no network)."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from apigw_kit import AccountNotConfirmed, ParameterError, connect
from apigw_kit.cloud import Cloud, is_mutating

REGION = "eu-west-1"


@pytest.mark.parametrize("kwargs, parameter", [
    ({"backend": "azure"}, "backend"),
    ({"region": "eu_west_1"}, "region"),
    ({"region": "xx-nowhere-9"}, "region"),
    ({"confirm_account": "12345"}, "confirm_account"),
    ({"profile": "dev"}, "profile"),  # profiles belong to backend aws
])
def test_bad_arguments_name_the_parameter(kwargs, parameter):
    with pytest.raises(ParameterError) as error:
        connect(**kwargs)
    assert error.value.parameter == parameter
    assert "Fix:" in str(error.value)


def test_unreachable_endpoint_is_named(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(ParameterError) as error:
        connect()
    assert error.value.parameter == "AWS_ENDPOINT_URL"
    assert "apigw-kit local serve" in error.value.fix


def test_calls_are_counted_per_operation_and_kind(endpoint):
    cloud = connect("local", REGION)
    ec2 = cloud.client("ec2")
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    assert cloud.calls.totals() == {"mutating": 1, "read": 2}
    frame = cloud.calls.frame().set_index("operation")
    assert frame.loc["DescribeVpcs", "calls"] == 2 and frame.loc["CreateVpc", "kind"] == "mutating"
    assert cloud.calls.operations(mutating=True) == {"ec2:CreateVpc"}


def test_clients_retry_throttling(endpoint):
    config = connect("local", REGION).client("elbv2").meta.config
    assert config.retries["mode"] == "legacy" and config.retries["total_max_attempts"] >= 8


def test_event_handlers_stay_on_their_own_cloud(endpoint):
    """Local Clouds share one boto3 session; a handler on one must not reach the next (it once throttled a whole run)."""
    seen: list[str] = []
    hooked = connect("local", REGION)
    hooked.client("ec2")  # a client made before the handler gets it too
    hooked.on_event("before-send", lambda request, **_: seen.append(request.url))
    hooked.client("ec2").describe_vpcs()
    hooked.client("elbv2").describe_load_balancers()  # made after: gets it as well
    assert len(seen) == 2
    other = connect("local", REGION)
    other.client("ec2").describe_vpcs()
    other.client("elbv2").describe_load_balancers()
    assert len(seen) == 2


@pytest.mark.parametrize("operation, mutating", [
    ("DescribeVpcs", False), ("GetApis", False), ("ListTagsForResource", False),
    ("CreateVpcLink", True), ("DeleteLoadBalancer", True), ("TagResource", True), ("ModifyVpcAttribute", True),
])
def test_mutating_operations_are_told_apart(operation, mutating):
    assert is_mutating(operation) is mutating


def _aws_cloud(confirm_account):
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example", region_name=REGION)
    cloud = Cloud("aws", REGION, session, None, confirm_account)
    sts, ec2 = Stubber(cloud.client("sts")), Stubber(cloud.client("ec2"))
    sts.add_response("get_caller_identity", {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/x",
                                             "UserId": "AIDEXAMPLE"})
    sts.activate()
    ec2.activate()
    return cloud, ec2


def test_guard_refuses_a_mutating_call_without_confirmation():
    cloud, ec2 = _aws_cloud(None)
    ec2.add_response("create_vpc", {"Vpc": {"VpcId": "vpc-1"}}, {"CidrBlock": "10.0.0.0/16"})
    with pytest.raises(AccountNotConfirmed, match="confirm_account='111122223333'"):
        cloud.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")
    with pytest.raises(AssertionError):  # the stubbed CreateVpc was never consumed: nothing was sent
        ec2.assert_no_pending_responses()


def test_guard_refuses_a_mismatched_account():
    cloud, ec2 = _aws_cloud("999999999999")
    ec2.add_response("create_vpc", {"Vpc": {"VpcId": "vpc-1"}}, {"CidrBlock": "10.0.0.0/16"})
    with pytest.raises(AccountNotConfirmed, match="belong to account 111122223333"):
        cloud.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")
    with pytest.raises(AssertionError):
        ec2.assert_no_pending_responses()


def test_guard_lets_reads_through_and_confirmed_writes_pass():
    cloud, ec2 = _aws_cloud("111122223333")
    ec2.add_response("describe_vpcs", {"Vpcs": []})
    ec2.add_response("create_vpc", {"Vpc": {"VpcId": "vpc-1"}}, {"CidrBlock": "10.0.0.0/16"})
    cloud.client("ec2").describe_vpcs()
    assert cloud.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"] == "vpc-1"
    ec2.assert_no_pending_responses()
    assert cloud.calls.totals() == {"mutating": 1, "read": 2}  # GetCallerIdentity counts as a read


def test_a_scaled_down_wait_outlasts_a_slow_server(endpoint):
    """Ten simulated minutes are 0.6 s at the default scale; a loaded machine can answer slower than that."""
    import time

    from apigw_kit.waits import wait_for
    cloud = connect("local", REGION)
    assert 600 * cloud.time_scale < 1.0
    ready_at = time.monotonic() + 1.5  # one slow answer's worth past the scaled timeout
    state = wait_for(cloud, "slow resource", lambda: "available" if time.monotonic() >= ready_at else "pending",
                     {"available"}, timeout=600, poll=10)
    assert state == "available"
