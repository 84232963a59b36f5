"""`apigw-kit doctor --reachability`: the tracer's network hops as Reachability Analyzer paths, and its verdicts.

The hops are mapped on the embedded AWS (reads only). The analyzer itself exists only on AWS (moto implements
no Network Insights call), so its calls are answered by botocore's Stubber with the shapes of the EC2 API
reference (CreateNetworkInsightsPath, StartNetworkInsightsAnalysis, DescribeNetworkInsightsAnalyses,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInsightsAnalysis.html and API_Explanation.html).
"""
from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from apigw_kit import connect, doctor_cli
from apigw_kit import reachability_analyzer as ra
from apigw_kit.cloud import Cloud
from apigw_kit.errors import AccountNotConfirmed
from apigw_kit.patterns.http_alb import Run

REGION = "eu-west-1"
ACCOUNT = "111122223333"
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def run(endpoint):
    return Run(cloud=connect("local", REGION), lab_name="ra").apply()


def test_the_http_api_lab_maps_to_link_and_target_paths(run):
    trace = run.trace()
    before = run.cloud.calls.snapshot()
    planned = ra.segments(run.cloud, trace)
    assert run.cloud.calls.since(before)["mutating"] == 0
    enis = run.cloud.client("ec2").describe_network_interfaces()["NetworkInterfaces"]
    alb_enis = {e["NetworkInterfaceId"] for e in enis if e.get("Description", "").startswith("ELB app/")}
    link = [s for s in planned if s.hop == "vpc link -> load balancer"]
    targets = [s for s in planned if s.hop == "target ingress"]
    assert {s.destination for s in link} == alb_enis and all(s.port == 80 and s.source.startswith("eni-") for s in link)
    assert targets and all(s.destination.startswith("i-") and s.source in alb_enis for s in targets)
    assert {s.tracer for s in planned} == {ra.REACHABLE} and len(planned) == len(link) + len(targets)


def test_a_target_closed_to_the_alb_is_judged_not_reachable(run, client):
    port = run.params.target_port
    ec2 = client("ec2")
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [run.web_sg.id]}])
    ec2.revoke_security_group_ingress(GroupId=run.web_sg.id, SecurityGroupRuleIds=[
        r["SecurityGroupRuleId"] for r in rules["SecurityGroupRules"] if not r["IsEgress"]])
    targets = [s for s in ra.segments(run.cloud, run.trace()) if s.hop == "target ingress"]
    assert [(s.tracer, s.port) for s in targets] == [(ra.NOT_REACHABLE, port)]


def test_the_embedded_aws_is_refused_rather_than_faked(endpoint, capsys):
    assert doctor_cli.doctor(["https://abcdef1234.execute-api.eu-west-1.amazonaws.com/", "--reachability"]) == 2
    err = capsys.readouterr().err
    assert "--reachability" in err and "needs a real account" in err and "--backend aws" in err


# Real account: Stubber ---------------------------------------------------------------------------------
def _aws(confirm_account: str | None = ACCOUNT) -> Cloud:
    """A real-account Cloud whose STS answers from a Stubber: the guard asks it who the caller is."""
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example", region_name=REGION)
    cloud = Cloud("aws", REGION, session, None, confirm_account)
    sts = Stubber(cloud.client("sts"))
    sts.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "UserId": "AID"})
    sts.activate()
    return cloud


OPEN = ra.Segment("vpc link -> load balancer", "VPC link -> alb", "eni-0aaa", "eni-0bbb", 80, ra.REACHABLE)
NACL = ra.Segment("target ingress", "alb -> web target i-0ccc", "eni-0bbb", "i-0ccc", 80, ra.REACHABLE)
PEER = ra.Segment("source -> load balancer", "10.99.0.0/16 -> alb", "", "eni-0bbb", 80, ra.REACHABLE, "no resource")


def _path(n: int, seg: ra.Segment) -> dict:
    return {"NetworkInsightsPath": {"NetworkInsightsPathId": f"nip-0{n}", "CreatedDate": NOW, "Source": seg.source,
                                    "Destination": seg.destination, "Protocol": "tcp", "DestinationPort": seg.port}}


def _analysis(n: int, status: str, found: bool | None = None, explanations: list | None = None) -> dict:
    analysis = {"NetworkInsightsAnalysisId": f"nia-0{n}", "NetworkInsightsPathId": f"nip-0{n}", "StartDate": NOW,
                "Status": status}
    if found is not None:
        analysis["NetworkPathFound"] = found
    if explanations is not None:
        analysis["Explanations"] = explanations
    return analysis


# A network ACL of the target's subnet denies the ALB's traffic: the shape of API_Explanation (Acl, AclRule, Direction).
ACL_DENIES = [{"ExplanationCode": "ENI_ACL_RESTRICTS_INBOUND", "Direction": "ingress",
               "Component": {"Id": "eni-0ccc", "Arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/eni-0ccc"},
               "Acl": {"Id": "acl-0ddd", "Arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-acl/acl-0ddd"},
               "AclRule": {"Cidr": "0.0.0.0/0", "Egress": False, "Protocol": "-1", "RuleAction": "deny",
                           "RuleNumber": 32767}}]


def _tagged(kind: str) -> list[dict]:
    return [{"ResourceType": f"network-insights-{kind}", "Tags": [
        {"Key": "apigw-kit:lab", "Value": "doctor"}, {"Key": "apigw-kit:role", "Value": f"reachability-{kind}"},
        {"Key": "Name", "Value": f"doctor-reachability-{kind}"}]}]


def test_verdicts_beside_the_tracer_with_a_disagreement_and_everything_deleted():
    cloud = _aws()
    ec2 = Stubber(cloud.client("ec2"))
    for n, seg in enumerate([OPEN, NACL], 1):
        ec2.add_response("create_network_insights_path", _path(n, seg), {
            "Source": seg.source, "Destination": seg.destination, "Protocol": "tcp", "DestinationPort": 80,
            "TagSpecifications": _tagged("path"), "ClientToken": ANY})
        ec2.add_response("start_network_insights_analysis", {"NetworkInsightsAnalysis": _analysis(n, "running")}, {
            "NetworkInsightsPathId": f"nip-0{n}", "TagSpecifications": _tagged("analysis"), "ClientToken": ANY})
    ids = {"NetworkInsightsAnalysisIds": ["nia-01", "nia-02"]}
    # not listed yet, then running, then done: the wait goes on until every analysis has finished
    ec2.add_response("describe_network_insights_analyses", {"NetworkInsightsAnalyses": [
        _analysis(1, "succeeded", True)]}, ids)
    ec2.add_response("describe_network_insights_analyses", {"NetworkInsightsAnalyses": [
        _analysis(1, "succeeded", True), _analysis(2, "running")]}, ids)
    ec2.add_response("describe_network_insights_analyses", {"NetworkInsightsAnalyses": [
        _analysis(1, "succeeded", True), _analysis(2, "succeeded", False, ACL_DENIES)]}, ids)
    for n in (1, 2):
        ec2.add_response("delete_network_insights_analysis", {"NetworkInsightsAnalysisId": f"nia-0{n}"},
                         {"NetworkInsightsAnalysisId": f"nia-0{n}"})
    for n in (1, 2):
        ec2.add_response("delete_network_insights_path", {"NetworkInsightsPathId": f"nip-0{n}"},
                         {"NetworkInsightsPathId": f"nip-0{n}"})
    ec2.activate()
    verdicts = ra.analyse(cloud, [OPEN, NACL, PEER], poll=0)
    ec2.assert_no_pending_responses()
    assert [v.analyzer for v in verdicts] == [ra.REACHABLE, ra.NOT_REACHABLE, ra.NOT_ANALYSED]
    assert verdicts[1].detail.startswith("ENI_ACL_RESTRICTS_INBOUND at eni-0ccc (ingress) via acl-0ddd")
    assert verdicts[2].detail == "no resource"
    [disagreement] = ra.disagreements(verdicts)
    assert "alb -> web target i-0ccc: the tracer says reachable, Reachability Analyzer says not reachable" in disagreement
    assert list(ra.frame(verdicts)["analyzer"]) == ["reachable", "not reachable", "not analysed"]


def test_paths_are_deleted_when_an_analysis_cannot_start():
    cloud = _aws()
    ec2 = Stubber(cloud.client("ec2"))
    ec2.add_response("create_network_insights_path", _path(1, OPEN))
    ec2.add_client_error("start_network_insights_analysis", "InvalidParameterValue", "unsupported source")
    ec2.add_response("delete_network_insights_path", {"NetworkInsightsPathId": "nip-01"}, {"NetworkInsightsPathId": "nip-01"})
    ec2.activate()
    [verdict] = ra.analyse(cloud, [OPEN], poll=0)
    ec2.assert_no_pending_responses()
    assert verdict.analyzer == ra.NOT_ANALYSED and "unsupported source" in verdict.detail and not verdict.disagrees


def test_the_price_is_said_and_the_account_confirmed_before_any_path(monkeypatch, capsys):
    cloud = _aws(confirm_account=None)
    ec2 = Stubber(cloud.client("ec2"))
    ec2.activate()  # nothing queued: creating a path would fail the test
    monkeypatch.setattr(ra, "segments", lambda cloud, result: [OPEN, NACL, PEER])
    with pytest.raises(AccountNotConfirmed, match=f"confirm_account='{ACCOUNT}'"):
        doctor_cli.reachability(cloud, None)
    assert "2 analyses at $0.10 each = $0.20 (price of 2026-12-01, https://aws.amazon.com/vpc/pricing/)" in \
        capsys.readouterr().out
    assert cloud.calls.operations() == {"sts:GetCallerIdentity"}


def test_the_policy_allows_the_analyzer_calls_on_the_doctors_tagged_paths_only():
    from apigw_kit import iam
    policy = ra.iam_policy(REGION)
    assert iam.missing(policy, ra.OPERATIONS, REGION, ra.LAB) == set()
    deletes = [s for s in policy["Statement"] if any(a.startswith("ec2:Delete") for a in s["Action"])]
    assert deletes and all(s["Condition"] == {"StringEquals": {"aws:ResourceTag/apigw-kit:lab": "doctor"}} for s in deletes)
