"""Pattern 4: every check passes on the lab and fails on a lab broken the way users break it."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from apigw_kit import ParameterError, checks, connect
from apigw_kit.patterns.base import checks_frame
from apigw_kit.patterns.vpc_link_types import Run
from apigw_kit.steps import apigw_rest
from apigw_kit.steps import elb as elb_steps

from lab_checks import failing

REGION = "eu-west-1"


@pytest.fixture
def run(endpoint):
    return Run(cloud=connect("local", REGION), lab_name="p4").apply()


def test_all_checks_pass_and_rerun_changes_nothing(run):
    assert run.verify()["passed"].all(), run.verify()
    before = run.cloud.calls.snapshot()
    run.apply()
    assert run.cloud.calls.since(before)["mutating"] == 0


def test_comparison_is_read_from_the_resources(run):
    table = run.compare()
    assert table.loc["VPC link v1", "targets on this link"] == 1
    assert table.loc["VPC link v2", "targets on this link"].startswith("3 (ALB, Cloud Map, NLB)")
    assert run.endpoint_services()["service"].str.startswith("vpce-svc-").all()
    assert table.loc["VPC link v2", "ENIs in your VPC"] == "2 in 2 subnets"
    assert run.lab.teardown().empty


def test_pending_v1_link_fails_its_check(endpoint):
    run = Run(cloud=connect("local", REGION), lab_name="p4")
    for name in ("network", "security_groups", "backends"):
        getattr(run, name)()
    link = apigw_rest.ensure_rest_vpc_link(run.lab, run.nlb.arn)
    check = checks.rest_vpc_link_ready(run.cloud, link.id)
    assert not check.passed and "PENDING" in check.detail


def test_nlb_created_without_security_groups_cannot_get_any(run, client):
    """AWS: an NLB created without security groups can't be associated with any later."""
    with pytest.raises(ClientError) as refused:
        client("elbv2").set_security_groups(LoadBalancerArn=run.nlb.arn, SecurityGroups=[run.web_sg.id])
    assert refused.value.response["Error"]["Code"] == "InvalidConfigurationRequest"
    assert "none can be added" in run.verify().set_index("check").loc["NLB does not filter the VPC link's PrivateLink traffic", "detail"]


def test_nlb_created_with_security_groups_enforced_on_privatelink(run, client):
    elb = client("elbv2")
    nlb = elb.create_load_balancer(Name="p4-nlb-sg", Subnets=[s.id for s in run.subnets], Scheme="internal",
                                   Type="network", SecurityGroups=[run.web_sg.id])["LoadBalancers"][0]["LoadBalancerArn"]
    check = checks.nlb_admits_privatelink(run.cloud, nlb)
    assert not check.passed and "enforcement on PrivateLink traffic on" in check.detail
    elb.set_security_groups(LoadBalancerArn=nlb, SecurityGroups=[run.web_sg.id],
                            EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="off")
    assert checks.nlb_admits_privatelink(run.cloud, nlb).passed
    elb.delete_load_balancer(LoadBalancerArn=nlb)


def test_client_ip_preserved_through_the_nlb_needs_the_links_addresses(run, client):
    """With client IP preservation on, the v2 link's requests reach the targets from the link's addresses: the rule
    naming the link's security group does not admit them through an NLB without security groups."""
    name = "targets admit the v2 link's requests through the NLB"
    elb, ec2 = client("elbv2"), client("ec2")
    assert not elb_steps.client_ip_preserved(run.cloud, run.nlb_tg.arn)
    elb.modify_target_group_attributes(TargetGroupArn=run.nlb_tg.arn,
                                       Attributes=[{"Key": "preserve_client_ip.enabled", "Value": "true"}])
    detail = failing(run)[name]
    assert "client IP preservation on" in detail and "CIDRs" in detail
    for ip in run._v2_link_ips():
        ec2.authorize_security_group_ingress(GroupId=run.web_sg.id, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": f"{ip}/32"}]}])
    assert name not in failing(run)


def test_check_names_are_unique(run):
    names = run.verify()["check"]
    assert names.is_unique, list(names)
    with pytest.raises(ValueError, match="repeat: NLB is internal"):
        checks_frame([checks.Check("NLB is internal", True, ""), checks.Check("NLB is internal", True, "")])


def test_targets_not_admitting_the_nlb(run, client):
    ec2 = client("ec2")
    group = ec2.describe_security_groups(GroupIds=[run.web_sg.id])["SecurityGroups"][0]
    cidr_rules = [{**p, "UserIdGroupPairs": []} for p in group["IpPermissions"] if p.get("IpRanges")]
    ec2.revoke_security_group_ingress(GroupId=run.web_sg.id, IpPermissions=[
        {"IpProtocol": p["IpProtocol"], "FromPort": p["FromPort"], "ToPort": p["ToPort"], "IpRanges": p["IpRanges"]} for p in cidr_rules])
    assert "not admitted" in failing(run)["targets admit the NLB's addresses (PrivateLink source)"]


def test_v2_route_through_another_link(run, client):
    v2 = client("apigatewayv2")
    other = v2.create_vpc_link(Name="other", SubnetIds=[s.id for s in run.subnets], SecurityGroupIds=[run.link_sg.id])
    integration = v2.get_integrations(ApiId=run.http_api.id)["Items"][0]
    v2.update_integration(ApiId=run.http_api.id, IntegrationId=integration["IntegrationId"], ConnectionId=other["VpcLinkId"])
    assert other["VpcLinkId"] in failing(run)["one v2 link reaches the ALB, the NLB and the Cloud Map service"]


def test_bad_parameters_fail_before_any_call(endpoint):
    with pytest.raises(ParameterError, match="vpc_cidr"):
        Run(cloud=connect("local", REGION), vpc_cidr="8.8.0.0/16")
    with pytest.raises(ParameterError, match="target_port"):
        Run(cloud=connect("local", REGION), target_port=70000)
