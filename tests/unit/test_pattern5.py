"""Pattern 5: the bridge converges through scale-out/in, the sync is safe, every check fails when broken."""
from __future__ import annotations

import pytest

from apigw_kit import checks, connect
from apigw_kit.inventory import enis_in
from apigw_kit.lambdas import nlb_ingress, target_sync
from apigw_kit.local import admin
from apigw_kit.patterns.nlb_alb_bridge import Run
from apigw_kit.steps import elb

from lab_checks import failing

REGION = "eu-west-1"


@pytest.fixture
def run(endpoint):
    return Run(cloud=connect("local", REGION), lab_name="p5").apply()


def nlb_targets(run) -> set[str]:
    """The NLB's registered targets; deregistered ones stay listed as draining for the deregistration delay."""
    return set(run.convergence().query("health not in ('not registered', 'draining')")["target"])


def test_all_checks_pass_and_rerun_changes_nothing(run):
    assert run.verify()["passed"].all(), run.verify()
    before = run.cloud.calls.snapshot()
    run.apply()
    assert run.cloud.calls.since(before)["mutating"] == 1  # the sync's run (Invoke), as on AWS
    assert run.syncs[-1]["write_calls"] == 0  # the scheduled run found nothing to change


def test_scale_out_then_in_converges_after_each_sync(run):
    for enis in (3, 1, 2):
        run.scale(enis)
        assert "NLB targets are the ALB's current addresses" in failing(run)  # stale until the next run
        run.sync()
        assert nlb_targets(run) == set(checks.load_balancer_ips(run.cloud, run.alb.arn))
        assert len(nlb_targets(run)) == 2 * enis


def test_prefix_named_alb_is_not_picked_up(run):
    # "p5-alb2" contains "p5-alb": the article's *name* wildcard would register its addresses too.
    other = elb.ensure_load_balancer(run.lab, "alb2", "application", run.subnets, [run.alb_sg.id])
    run.sync()
    assert not nlb_targets(run) & set(checks.load_balancer_ips(run.cloud, other.arn))


def test_more_enis_than_one_page(run, client):
    run.scale(4)
    ec2 = client("ec2")
    summary = target_sync.sync(ec2, client("elbv2"), load_balancer_arn=run.alb.arn,
                               target_group_arn=run.bridge_tg.arn, port=80, page_size=5)
    assert summary["read_calls"] >= 3 and nlb_targets(run) == set(checks.load_balancer_ips(run.cloud, run.alb.arn))


def test_empty_lookup_keeps_the_targets(run):
    before = nlb_targets(run)
    gone = run.alb.arn.rsplit("/", 1)[0] + "/0123456789abcdef"  # an ALB ARN with no ENIs
    with pytest.raises(target_sync.NoInterfacesFound):
        target_sync.sync(run.cloud.client("ec2"), run.cloud.client("elbv2"), load_balancer_arn=gone,
                         target_group_arn=run.bridge_tg.arn, port=80)
    assert nlb_targets(run) == before


def test_alb_not_admitting_the_nlb(run, client):
    ec2 = client("ec2")
    group = ec2.describe_security_groups(GroupIds=[run.alb_sg.id])["SecurityGroups"][0]
    ec2.revoke_security_group_ingress(GroupId=run.alb_sg.id, IpPermissions=[
        {"IpProtocol": p["IpProtocol"], "FromPort": p["FromPort"], "ToPort": p["ToPort"], "IpRanges": p["IpRanges"]}
        for p in group["IpPermissions"] if p.get("IpRanges")])
    assert "not admitted" in failing(run)["ALB admits the NLB's addresses on the listener port"]
    traced = run.trace()
    assert traced.status == 500 and traced.failure.hop == "target ingress", traced.frame


def test_trace_crosses_the_nlb_into_the_alb_and_its_instance(run):
    traced = run.trace()
    assert traced.ok, traced.frame
    balancers = traced.frame.query("component == 'load balancer'")["id"].tolist()
    assert balancers == ["p5-nlb", "p5-alb"]  # the link's NLB, then the ALB its IP targets belong to
    assert traced.frame["reason"].str.contains("i-").any()  # down to the instance behind the ALB


def test_trace_of_the_rest_api_on_vpc_link_v2_reaches_the_alb(run, client):
    """The 2025 replacement: REST API -> VPC link v2 -> ALB is traced through the v2 link and integrationTarget."""
    url = f"https://{run.api_v2.id}.execute-api.{run.cloud.region}.amazonaws.com/{run.STAGE}/"
    traced = run.trace(url)
    assert traced.ok, traced.frame
    assert "p5-alb" in traced.frame.query("component == 'load balancer'")["id"].tolist()
    ec2 = client("ec2")
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [run.alb_sg.id]}])["SecurityGroupRules"]
    from_link = [r for r in rules if r.get("ReferencedGroupInfo", {}).get("GroupId") == run.link_sg.id]
    ec2.revoke_security_group_ingress(GroupId=run.alb_sg.id, SecurityGroupRuleIds=[r["SecurityGroupRuleId"] for r in from_link])
    try:
        broken = run.trace(url)
        assert broken.status == 500 and broken.failure.hop == "ALB ingress", broken.frame
    finally:
        run.apply()  # puts the rule back for the module's later tests


def test_schedule_disabled(run, client):
    client("events").disable_rule(Name=run.schedule.name)
    assert "DISABLED" in failing(run)["sync runs every minute"]


def test_role_widened(run, client):
    client("iam").put_role_policy(RoleName=run.function.role_arn.rsplit("/", 1)[1], PolicyName="least-privilege",
                                  PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Sid": "All", "Effect": "Allow", '
                                                 '"Action": ["elasticloadbalancing:*"], "Resource": "*"}]}')
    assert "wildcard action" in failing(run)["sync role changes only the bridge's target group"]


def test_scale_cells_are_skipped_on_a_real_account_without_a_call(run):
    run.cloud.backend = "aws"  # the notebook's scale-out/in cells, run against a real account
    before = run.cloud.calls.snapshot()
    try:
        shown = [run.scale(3), run.convergence_after_scaling(), run.sync_after_scaling(), run.scale(1)]
    finally:
        run.cloud.backend = "local"
    assert run.cloud.calls.since(before) == {"mutating": 0, "read": 0}
    assert [s.step for s in shown] == ["scale", "convergence_after_scaling", "sync_after_scaling", "scale"]
    assert all(str(s).startswith("embedded AWS only: skipped") for s in shown)


def test_scale_cells_run_on_the_embedded_aws(run):
    run.scale(3)
    assert (run.convergence_after_scaling()["health"] == "not registered").any()  # the new addresses, until the next run
    run.sync_after_scaling()
    assert nlb_targets(run) == set(checks.load_balancer_ips(run.cloud, run.alb.arn))


def test_teardown_leaves_nothing(run):
    assert run.teardown().empty


def test_the_bridge_reads_enis_in_pages_in_a_large_account(run, endpoint):
    """Rule eni_paging: EC2 refuses unpaginated description-filtered listings in a large account;
    the sync, the NLB ingress answer, the checks and the inventory all page."""
    admin(endpoint, "eni-paging", {"unpaginated_limit": 1})
    try:
        run.sync()
        assert nlb_targets(run) == set(checks.load_balancer_ips(run.cloud, run.alb.arn))
        assert nlb_ingress.ingress(run.cloud.client("ec2"), run.cloud.client("elbv2"), {"nlbArn": run.nlb.arn})["PrivateIps"]
        assert not enis_in(run.cloud, [run.vpc.id]).empty
    finally:
        admin(endpoint, "eni-paging", {"unpaginated_limit": None})

