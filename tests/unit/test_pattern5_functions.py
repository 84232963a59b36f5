"""Lambda deployment steps (zip, least-privilege role, schedule, in-process invoke) and Cloud Map steps."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from apigw_kit import ParameterError, connect
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
    assert actions == {"ec2:DescribeNetworkInterfaces", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
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
    with pytest.raises(ValueError, match="loadBalancerArn"):
        functions.invoke(lab, function, {})
    assert "in-process" in functions.IN_PROCESS


def test_teardown_removes_rule_function_and_role(lab):
    arn = functions.ensure_function_role(lab, "sync", [EC2_READ])
    function = functions.ensure_function(lab, "sync", "target_sync", arn)
    functions.ensure_schedule(lab, "sync-schedule", function, {})
    assert {"events:rule", "lambda:function", "iam:role"} <= set(lab.resources()["type"])
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
