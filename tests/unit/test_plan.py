"""Plan mode: declared plans match what apply() builds, drift shows as changes, nothing is ever sent."""
from __future__ import annotations

import time

from apigw_kit.patterns import load
from apigw_kit.patterns.http_alb import Run

REGION = "eu-west-1"


def test_fresh_lab_plan_creates_everything_and_sends_nothing(endpoint, client):
    run = Run(region=REGION, lab_name="fresh")
    before = run.cloud.calls.snapshot()
    plan = run.plan()
    assert set(plan["action"]) == {"create"} and len(plan) == len(run.planned())
    assert run.cloud.calls.since(before)["mutating"] == 0
    assert client("ec2").describe_vpcs(Filters=[{"Name": "tag:apigw-kit:lab", "Values": ["fresh"]}])["Vpcs"] == []


def test_declared_plan_is_what_apply_builds_and_drift_is_a_change(endpoint, client):
    run = Run(region=REGION, lab_name="built").apply()
    built = {(r.type, r.name) for r in run.lab.resources().itertuples()}
    assert built == {(p.type, run.lab.resource_name(p.role)) for p in run.planned()}

    before = run.cloud.calls.snapshot()
    assert set(run.plan()["action"]) == {"keep"}  # a complete lab: nothing to create, nothing to change
    assert run.cloud.calls.since(before)["mutating"] == 0

    ec2 = client("ec2")
    rules = [r["SecurityGroupRuleId"] for r in ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [run.web_sg.id]}])["SecurityGroupRules"] if not r["IsEgress"]]
    ec2.revoke_security_group_ingress(GroupId=run.web_sg.id, SecurityGroupRuleIds=rules)
    before = run.cloud.calls.snapshot()
    plan = run.plan()
    changes = plan[plan["action"] == "change"]
    assert changes[["type", "id"]].values.tolist() == [["ec2:AuthorizeSecurityGroupIngress", run.web_sg.id]]
    assert run.cloud.calls.since(before)["mutating"] == 0
    still = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [run.web_sg.id]}])
    assert not [r for r in still["SecurityGroupRules"] if not r["IsEgress"]]  # held back, not made


def _foreign_network(client):
    """A VPC, two private subnets and an internal ALB with a listener, none tagged for a lab."""
    ec2, elb = client("ec2"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    group = ec2.create_security_group(GroupName="theirs", Description="their ALB", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name="their-alb", Subnets=subnets, SecurityGroups=[group], Scheme="internal",
                                  Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="their-tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(LoadBalancerArn=lb, Port=80, Protocol="HTTP",
                                   DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
    # Settled before anyone looks: its ENIs (and so its subnets' free addresses) appear once it is active.
    deadline = time.monotonic() + 30
    while elb.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"][0]["State"]["Code"] != "active":
        assert time.monotonic() < deadline, "their ALB never became active"
        time.sleep(0.05)
    return vpc, subnets, group, lb, listener


def _state(client, vpc, subnets, group, lb):
    ec2, elb = client("ec2"), client("elbv2")
    return (ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"], ec2.describe_subnets(SubnetIds=subnets)["Subnets"],
            ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"],
            # its State moves from provisioning to active on its own clock: not a change anyone made
            [{k: v for k, v in b.items() if k != "State"} for b in elb.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"]],
            elb.describe_listeners(LoadBalancerArn=lb)["Listeners"],
            elb.describe_tags(ResourceArns=[lb])["TagDescriptions"])


def test_bring_your_own_network_and_listener_is_used_never_changed(endpoint, client):
    vpc, subnets, group, lb, listener = _foreign_network(client)
    before = _state(client, vpc, subnets, group, lb)
    run = Run(region=REGION, lab_name="byo", vpc_id=vpc, subnet_ids=subnets, listener_arn=listener)
    plan = run.plan()
    left_alone = plan[plan["action"] == "leave alone"]
    assert set(left_alone["type"]) == {"parameter vpc_id", "parameter subnet_ids", "parameter listener_arn"}
    created = plan[plan["action"] == "create"]
    assert sorted(created["name"]) == sorted(f"byo-{p.role}" for p in run.planned())
    assert "elbv2:load-balancer" not in set(created["type"])  # the listener's ALB is theirs

    mutations = []
    run.cloud.on_call(lambda service, operation, params: mutations.append((operation, str(params))))
    run.apply()
    left = run.teardown()
    assert left.empty
    foreign = [vpc, group, lb, listener, *subnets]
    # Creating in their VPC names it; no other mutating call may name anything of theirs.
    touched = [(op, fid) for op, params in mutations if not op.startswith(("Describe", "Get", "List", "Create"))
               for fid in foreign if fid in params]
    assert touched == []
    assert _state(client, vpc, subnets, group, lb) == before


def test_a_built_bridge_lab_keeps_its_execution_role_named_with_the_region(endpoint):
    run = load("nlb-alb-bridge")(region=REGION, lab_name="bridge").apply()
    plan = run.plan()
    resources = plan[~plan["action"].eq("change")]  # (a second apply runs the sync function again, as its schedule does)
    assert set(resources["action"]) == {"keep"}, plan.to_string()
    assert {f"bridge-{REGION}-target-sync-role", "/aws/lambda/bridge-target-sync"} <= set(plan["name"])
