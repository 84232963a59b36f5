"""Lambda deployment steps (zip, least-privilege role, schedule, in-process invoke) and Cloud Map steps."""
from __future__ import annotations

import io
import json
import zipfile
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from apigw_kit import ParameterError, connect
from apigw_kit.cloud import known_regions
from apigw_kit.errors import WaitTimeout
from apigw_kit.lab import Lab
from apigw_kit.local import admin
from apigw_kit.steps import cloudmap, functions, network

REGION = "eu-west-1"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x-tg/0123456789abcdef"
EC2_READ = {"Effect": "Allow", "Action": ["ec2:DescribeNetworkInterfaces"], "Resource": "*"}


@pytest.fixture
def lab(endpoint):
    return connect("local", REGION).lab("fn")


def test_package_is_the_module_alone_and_repeatable():
    first, second = functions.package("target_sync"), functions.package("target_sync")
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert names == ["target_sync.py"]


def test_package_unknown_module_is_a_parameter_error():
    with pytest.raises(ParameterError, match="module"):
        functions.package("nope")


def test_role_allows_only_the_statements_and_its_own_logs(lab):
    arn = functions.ensure_function_role(lab, "sync", [EC2_READ])
    policy = functions.role_policy(lab.cloud, arn)
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert actions == {"ec2:DescribeNetworkInterfaces", "logs:CreateLogStream", "logs:PutLogEvents"}  # the kit makes the group
    assert all("*" not in a for a in actions)
    logs = next(s for s in policy["Statement"] if s["Sid"] == "OwnLogs")
    assert all(r.split(":log-group:")[1].startswith("/aws/lambda/fn-sync") for r in logs["Resource"])


def test_function_schedule_and_rerun_without_changes(lab):
    arn = functions.ensure_function_role(lab, "sync", [EC2_READ])
    function = functions.ensure_function(lab, "sync", "target_sync", arn, {"TARGET_PORT": "80"})
    event = {"targetGroupArn": TG, "targetPort": 80}
    schedule = functions.ensure_schedule(lab, "sync-schedule", function, event)
    events = lab.cloud.client("events")
    assert events.describe_rule(Name=schedule.name)["ScheduleExpression"] == "rate(1 minute)"
    target = events.list_targets_by_rule(Rule=schedule.name)["Targets"][0]
    assert target["Arn"] == function.arn and json.loads(target["Input"]) == event
    policy = json.loads(lab.cloud.client("lambda").get_policy(FunctionName=function.name)["Policy"])
    assert policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] == schedule.arn
    before = lab.cloud.calls.snapshot()
    functions.ensure_function_role(lab, "sync", [EC2_READ])
    functions.ensure_function(lab, "sync", "target_sync", arn, {"TARGET_PORT": "80"})
    functions.ensure_schedule(lab, "sync-schedule", function, event)
    assert lab.cloud.calls.since(before)["mutating"] == 0


def test_changed_environment_is_updated(lab):
    arn = functions.ensure_function_role(lab, "sync", [EC2_READ])
    function = functions.ensure_function(lab, "sync", "target_sync", arn, {"TARGET_PORT": "80"})
    functions.ensure_function(lab, "sync", "target_sync", arn, {"TARGET_PORT": "8080"})
    config = lab.cloud.client("lambda").get_function_configuration(FunctionName=function.name)
    assert config["Environment"]["Variables"] == {"TARGET_PORT": "8080"}


def test_invoke_on_the_embedded_aws_runs_in_process_and_says_so(lab):
    arn = functions.ensure_function_role(lab, "sync", [EC2_READ])
    function = functions.ensure_function(lab, "sync", "target_sync", arn)
    with pytest.raises(functions.FunctionFailed, match="fn-sync failed: ValueError: loadBalancerArn"):
        functions.invoke(lab, function, {})
    assert "in-process" in functions.IN_PROCESS


def test_teardown_removes_rule_function_and_role(lab):
    arn = functions.ensure_function_role(lab, "sync", [EC2_READ])
    function = functions.ensure_function(lab, "sync", "target_sync", arn)
    functions.ensure_schedule(lab, "sync-schedule", function, {})
    assert {"events:rule", "lambda:function", "logs:log-group", "iam:role"} <= set(lab.resources()["type"])
    assert lab.teardown().empty


def test_cloud_map_service_with_an_instance(lab):
    vpc = network.ensure_vpc(lab, "10.40.0.0/16")
    namespace = cloudmap.ensure_namespace(lab, vpc)
    service = cloudmap.ensure_service(lab, namespace)
    assert cloudmap.ensure_instance(lab, service, "web-1", "10.40.0.10", 80)
    before = lab.cloud.calls.snapshot()
    assert cloudmap.ensure_namespace(lab, vpc) == namespace and cloudmap.ensure_service(lab, namespace) == service
    assert not cloudmap.ensure_instance(lab, service, "web-1", "10.40.0.10", 80)
    assert lab.cloud.calls.since(before)["mutating"] == 0
    assert [i["Id"] for i in cloudmap.instances(lab.cloud, service.id)] == ["web-1"]
    assert lab.teardown().empty


# Lambda and IAM on the clock (rules lambda_states and iam_propagation) ----------------------------------
ALB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef"
SYNC_EVENT = {"loadBalancerArn": ALB, "targetGroupArn": TG, "targetPort": 80}


@pytest.fixture
def timed_lab(endpoint):
    """A lab whose clock runs at a tenth of real time: functions, updates and IAM take a visible moment."""
    def make(scale: float = 0.1, **delays):
        admin(endpoint, "clock", {"scale": scale, "delays": delays})
        return connect("local", REGION).lab("fn")
    saved = admin(endpoint, "clock")
    yield make
    admin(endpoint, "clock", saved)


def config(lab, function):
    return lab.cloud.client("lambda").get_function_configuration(FunctionName=function.name)


def test_function_is_active_when_ensure_returns_and_updates_have_finished(timed_lab):
    lab = timed_lab(lambda_function=3.0, lambda_update=3.0, iam_propagation=0)
    arn = functions.ensure_function_role(lab, "sync", [EC2_READ])
    function = functions.ensure_function(lab, "sync", "target_sync", arn, {"TARGET_PORT": "80"})
    assert config(lab, function)["State"] == "Active"
    functions.ensure_function(lab, "sync", "target_sync", arn, {"TARGET_PORT": "8080"}, timeout=60)
    assert (config(lab, function)["LastUpdateStatus"], config(lab, function)["Timeout"]) == ("Successful", 60)


def test_create_waits_for_a_new_role_and_gives_up_with_a_clear_error(timed_lab, monkeypatch):
    lab = timed_lab(iam_propagation=3.0, lambda_function=0, lambda_update=0)
    function = functions.ensure_function(lab, "sync", "target_sync", functions.ensure_function_role(lab, "sync", [EC2_READ]))
    assert config(lab, function)["State"] == "Active"
    lab = timed_lab(scale=1.0, iam_propagation=1e6)
    monkeypatch.setattr(functions, "PROPAGATION_TIMEOUT", 0.3)
    arn = functions.ensure_function_role(lab, "other", [EC2_READ])
    with pytest.raises(WaitTimeout, match="function fn-other still refused: The role defined for the function cannot be assumed"):
        functions.ensure_function(lab, "other", "target_sync", arn)


def test_first_run_is_retried_while_the_roles_policy_propagates(timed_lab):
    lab = timed_lab(iam_propagation=0, lambda_function=0, lambda_update=0)
    function = functions.ensure_function(lab, "sync", "target_sync", functions.ensure_function_role(lab, "sync", [EC2_READ]))
    lab = timed_lab(iam_propagation=50.0)  # five real seconds: ample for one run, even on a loaded machine
    functions.ensure_function_role(lab, "sync", [EC2_READ, {"Effect": "Allow", "Action": ["ec2:DescribeVpcs"], "Resource": "*"}])
    with pytest.raises(functions.FunctionFailed, match="UnauthorizedOperation") as denied:
        functions.invoke(lab, function, SYNC_EVENT)
    assert denied.value.denied
    # Once the policy is in effect the function gets as far as its own check: no ENI for that ALB.
    with pytest.raises(functions.FunctionFailed, match="NoInterfacesFound"):
        functions.invoke_first(lab, function, SYNC_EVENT)
    lab = timed_lab(scale=1.0, iam_propagation=1e6)
    functions.ensure_function_role(lab, "sync", [EC2_READ])
    with pytest.raises(functions.FunctionFailed, match=r"fn-sync failed: AccessDenied: first run of fn-sync still denied "
                                                        r"\(ClientError: An error occurred \(UnauthorizedOperation\)"):
        functions.invoke_first(lab, function, SYNC_EVENT, timeout=0.3)


def test_invoke_while_pending_fails_as_lambda_does(timed_lab):
    lab = timed_lab(scale=1000.0, iam_propagation=0, lambda_update=0)
    arn = functions.ensure_function_role(lab, "sync", [EC2_READ])
    lam = lab.cloud.client("lambda")
    lam.create_function(FunctionName="fn-raw", Runtime=functions.RUNTIME, Role=arn, Handler="target_sync.handler",
                        Code={"ZipFile": functions.package("target_sync")})
    with pytest.raises(ClientError) as error:
        functions.invoke(lab, functions.Function("fn-raw", "", "target_sync", arn), SYNC_EVENT)
    assert error.value.response["Error"]["Code"] == "ResourceConflictException"


def test_log_group_is_the_labs_with_a_retention_and_goes_with_teardown(lab):
    function = functions.ensure_function(lab, "sync", "target_sync", functions.ensure_function_role(lab, "sync", [EC2_READ]))
    logs = lab.cloud.client("logs")
    group = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{function.name}")["logGroups"][0]
    assert (group["logGroupName"], group["retentionInDays"]) == ("/aws/lambda/fn-sync", functions.LOG_RETENTION_DAYS)
    assert logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]["apigw-kit:lab"] == "fn"
    assert lab.teardown().empty
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/fn-")["logGroups"] == []


def test_the_longest_execution_role_name_fits_iams_64_characters():
    """<lab>-<region>-target-sync-role with a 20-character lab in the longest region name EC2 knows."""
    longest = Lab(SimpleNamespace(region=max(known_regions(), key=len)), "a" * 20).global_name("target-sync-role")
    assert longest.endswith("-target-sync-role") and len(longest) <= 64, longest
