"""IAM policy from the call counter: the right action and resources per operation, scoped to the lab."""
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
    # the account is part of a domain name access association's ARN
    ("apigateway:GetDomainNameAccessAssociations",
     {("apigateway:GET", f"arn:aws:apigateway:{REGION}:*:/domainnameaccessassociations")}),
    ("elbv2:CreateTargetGroup", {("elasticloadbalancing:CreateTargetGroup",
                                  f"arn:aws:elasticloadbalancing:{REGION}:*:targetgroup/*/*")}),
    ("ec2:DeleteVpc", {("ec2:DeleteVpc", f"arn:aws:ec2:{REGION}:*:vpc/*")}),
    ("ec2:DescribeVpcs", {("ec2:DescribeVpcs", "*")}),  # no resource type: "*"
    ("lambda:Invoke", {("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:*:function:*")}),
    ("sts:GetCallerIdentity", set()),  # needs no permission
])
def test_operations_map_to_iam_actions_and_resources(operation, expected):
    assert iam.required(operation, REGION) == expected


@pytest.mark.parametrize("region, partition", [("eu-west-1", "aws"), ("cn-north-1", "aws-cn"),
                                               ("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")])
def test_partition_comes_from_the_region(region, partition):
    assert iam.partition_of(region) == partition
    assert iam.required("ec2:DeleteVpc", region) == {("ec2:DeleteVpc", f"arn:{partition}:ec2:{region}:*:vpc/*")}


@pytest.fixture(scope="module")
def pattern_one(embedded_server):
    from apigw_kit.local import reset
    reset(embedded_server.url)
    mp = pytest.MonkeyPatch()
    mp.setenv("AWS_ENDPOINT_URL", embedded_server.url)
    run = Run(region=REGION, lab_name="iam").apply()
    run.verify()
    run.teardown()
    mp.undo()
    return run


def test_the_call_counter_knows_which_calls_carried_tags(pattern_one):
    tagged = pattern_one.cloud.calls.tagged()
    assert {"ec2:CreateVpc", "ec2:RunInstances", "elbv2:CreateLoadBalancer", "apigatewayv2:CreateApi"} <= tagged
    assert not {"ec2:DeleteVpc", "ec2:AuthorizeSecurityGroupIngress", "apigatewayv2:CreateIntegration"} & tagged


def test_run_policy_covers_the_called_operations_for_its_lab(pattern_one):
    policy = pattern_one.iam_policy()
    operations = pattern_one.cloud.calls.operations()
    assert iam.missing(policy, operations, REGION, "iam") == set()
    conditions = [s["Condition"] for s in policy["Statement"] if "Condition" in s and not s["Sid"].startswith("Dependent")]
    assert conditions and all("iam" in str(c) for c in conditions)  # the lab's tag, not another's


def test_a_policy_missing_an_operation_is_caught(pattern_one):
    policy = pattern_one.iam_policy()
    broken = {"Version": policy["Version"], "Statement": [
        {**s, "Action": [a for a in s["Action"] if a != "elasticloadbalancing:CreateLoadBalancer"]}
        for s in policy["Statement"]]}
    assert iam.missing(broken, pattern_one.cloud.calls.operations(), REGION, "iam") == {"elbv2:CreateLoadBalancer"}


def test_dependent_rows_name_their_trigger_and_page(pattern_one):
    policy = pattern_one.iam_policy()
    dependent = {s["Sid"]: s for s in policy["Statement"] if s["Sid"].startswith("Dependent")}
    ec2_creates = dependent["DependentTagOnCreateEc2"]["Condition"]["StringEquals"]["ec2:CreateAction"]
    assert {"CreateVpc", "CreateSubnet", "CreateSecurityGroup", "CreateRouteTable", "RunInstances"} <= set(ec2_creates)
    elb_creates = dependent["DependentTagOnCreateElb"]["Condition"]["StringEquals"]["elasticloadbalancing:CreateAction"]
    assert set(elb_creates) == {"CreateLoadBalancer", "CreateTargetGroup", "CreateListener"}
    assert dependent["DependentServiceLinkedRoleElb"]["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}
    assert not any(sid.startswith("DependentRestVpcLink") for sid in dependent)  # no REST VPC link in pattern 1
    assert all(row.doc.startswith("https://docs.aws.amazon.com/") for row in iam.DEPENDENT)


def test_the_policy_shows_collapsed_with_a_summary_line(pattern_one):
    from IPython.lib.pretty import pretty
    policy = pattern_one.iam_policy()
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    summary = f"IAM policy: {len(policy['Statement'])} statements, {len(actions)} actions, {iam.size(policy):,} characters"
    shown_html, text = policy._repr_html_(), pretty(policy)
    assert shown_html.startswith(f"<p>{summary}") and "<details><summary>" in shown_html
    assert text.startswith(summary) and len(text.splitlines()) == 1 + len(policy["Statement"])
    assert len(text.splitlines()) < policy.json().count("\n") / 3  # compact: not the indented document
