"""IAM policy from the call counter: the right action per operation, exactly the operations called."""
from __future__ import annotations

import pytest

from apigw_kit import iam
from apigw_kit.patterns.http_alb import Run

REGION = "eu-west-1"
APIGW = f"arn:aws:apigateway:{REGION}::"


@pytest.mark.parametrize("operation, expected", [
    ("apigatewayv2:CreateVpcLink", {("apigateway:POST", f"{APIGW}/vpclinks")}),
    ("apigatewayv2:DeleteApi", {("apigateway:DELETE", f"{APIGW}/apis/*")}),
    ("apigatewayv2:GetIntegrations", {("apigateway:GET", f"{APIGW}/apis/*/integrations")}),
    ("apigateway:PutIntegration", {("apigateway:PUT", f"{APIGW}/restapis/*/resources/*/methods/*/integration")}),
    ("apigateway:ImportRestApi", {("apigateway:POST", f"{APIGW}/restapis")}),  # ?mode=import is not part of the path
    ("apigateway:UpdateRestApi", {("apigateway:PATCH", f"{APIGW}/restapis/*")}),
    ("elbv2:CreateLoadBalancer", {("elasticloadbalancing:CreateLoadBalancer", "*")}),
    ("ec2:CreateVpc", {("ec2:CreateVpc", "*")}),
    ("ssm:GetParameter", {("ssm:GetParameter", "*")}),
    ("sts:GetCallerIdentity", set()),  # needs no permission
])
def test_operations_map_to_iam_actions(operation, expected):
    assert iam.required(operation, REGION) == expected


@pytest.fixture(scope="module")
def pattern_one_operations(embedded_server):
    from apigw_kit.local import reset
    reset(embedded_server.url)
    mp = pytest.MonkeyPatch()
    mp.setenv("AWS_ENDPOINT_URL", embedded_server.url)
    run = Run(region=REGION, lab_name="iam").apply()
    run.verify()
    run.teardown()
    mp.undo()
    return run.cloud.calls.operations(), run.iam_policy()


def test_policy_covers_exactly_the_called_operations(pattern_one_operations):
    operations, policy = pattern_one_operations
    wanted = set().union(*(iam.required(o, REGION) for o in operations))
    assert iam.called_pairs(policy) == wanted
    assert iam.missing(policy, operations, REGION) == set()


def test_a_policy_missing_an_operation_is_caught(pattern_one_operations):
    operations, policy = pattern_one_operations
    broken = {"Version": policy["Version"], "Statement": [
        {**s, "Action": [a for a in s["Action"] if a != "elasticloadbalancing:CreateLoadBalancer"]}
        for s in policy["Statement"]]}
    assert iam.missing(broken, operations, REGION) == {"elbv2:CreateLoadBalancer"}


def test_implied_permissions_name_their_operations(pattern_one_operations):
    _, policy = pattern_one_operations
    implied = {s["Sid"]: s for s in policy["Statement"] if s["Sid"].startswith("Implied")}
    ec2_creates = implied["ImpliedTagOnCreateEc2"]["Condition"]["StringEquals"]["ec2:CreateAction"]
    assert {"CreateVpc", "CreateSubnet", "CreateSecurityGroup", "CreateRouteTable", "RunInstances"} <= set(ec2_creates)
    elb_creates = implied["ImpliedTagOnCreateElb"]["Condition"]["StringEquals"]["elasticloadbalancing:CreateAction"]
    assert set(elb_creates) == {"CreateLoadBalancer", "CreateTargetGroup", "CreateListener"}
    assert implied["ImpliedServiceLinkedRoleForVpcLinkV2"]["Action"] == ["iam:CreateServiceLinkedRole"]
    assert "ImpliedEndpointServiceForRestVpcLink" not in implied  # no REST VPC link in pattern 1
