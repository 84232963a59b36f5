"""The target_health rule: DescribeTargetHealth as AWS reports it, on the clock (fails with the rule disabled)."""
from __future__ import annotations

import time

import pytest

from apigw_kit.local import admin
from apigw_kit.steps.network import WEB_SERVER

PORT = 80
FILE_SERVER = "#!/bin/bash\ncd /srv/www && nohup python3 -m http.server %d >/dev/null 2>&1 &\n"


@pytest.fixture
def clock(endpoint):
    """clock(scale): set the embedded AWS's clock scale (0: every delay over at once); restored after the test."""
    saved = admin(endpoint, "clock")
    yield lambda scale: admin(endpoint, "clock", {"scale": scale})
    admin(endpoint, "clock", saved)


@pytest.fixture
def lab(client, clock):
    """A VPC, an internal ALB (its own group) with an HTTP listener, and a web group; every delay over at once."""
    clock(0)
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=f"eu-west-1{zone}")["Subnet"]["SubnetId"]
               for i, zone in ((1, "a"), (2, "b"))]
    alb_sg = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    web_sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    alb = client("elbv2").create_load_balancer(Name="alb", Type="application", Scheme="internal", Subnets=subnets,
                                               SecurityGroups=[alb_sg])["LoadBalancers"][0]["LoadBalancerArn"]
    return {"vpc": vpc, "subnets": subnets, "alb_sg": alb_sg, "web_sg": web_sg, "alb": alb}


def admit(client, group: str, port: int = PORT, *, source_group: str | None = None, cidr: str | None = None) -> None:
    source = {"UserIdGroupPairs": [{"GroupId": source_group}]} if source_group else {"IpRanges": [{"CidrIp": cidr}]}
    client("ec2").authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **source}])


def instance(client, lab, user_data: str | None = WEB_SERVER % PORT) -> str:
    ec2 = client("ec2")
    image = client("ssm").get_parameter(Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")[
        "Parameter"]["Value"]
    extra = {"UserData": user_data} if user_data else {}
    return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=lab["subnets"][0],
                             SecurityGroupIds=[lab["web_sg"]], **extra)["Instances"][0]["InstanceId"]


def group_behind(client, lb: str, *, protocol="HTTP", target_type="instance", port=PORT, **health) -> str:
    """A target group that ``lb`` forwards to from a listener on ``port``."""
    elbv2 = client("elbv2")
    vpc = elbv2.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"][0]["VpcId"]
    group = elbv2.create_target_group(Name=f"tg-{target_type}-{protocol.lower()}", Protocol=protocol, Port=port, VpcId=vpc,
                                      TargetType=target_type, **health)["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=lb, Port=port, Protocol="HTTP" if protocol == "HTTP" else "TCP",
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    return group


def health(client, group: str) -> dict[str, tuple[str, str | None]]:
    found = client("elbv2").describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    return {t["Target"]["Id"]: (t["TargetHealth"]["State"], t["TargetHealth"].get("Reason")) for t in found}


def register(client, group: str, *ids: str) -> None:
    client("elbv2").register_targets(TargetGroupArn=group, Targets=[{"Id": i} for i in ids])


def enis_of(client, lb: str) -> list[str]:
    name = lb.split(":loadbalancer/")[1]
    enis = client("ec2").describe_network_interfaces(Filters=[{"Name": "description", "Values": [f"ELB {name}"]}])
    return [e["PrivateIpAddress"] for e in enis["NetworkInterfaces"]]


def test_a_new_target_is_initial_until_it_has_passed_its_health_checks(client, lab, clock):
    admit(client, lab["web_sg"], source_group=lab["alb_sg"])
    web = instance(client, lab)
    # A 5 s interval x 10 checks at a scale of 0.2: RegistrationInProgress for 1 s, InitialHealthChecking until 10 s.
    group = group_behind(client, lab["alb"], HealthCheckIntervalSeconds=5, HealthyThresholdCount=10)
    clock(0.2)
    register(client, group, web)
    assert health(client, group)[web] == ("initial", "Elb.RegistrationInProgress")  # the first describe sees it
    time.sleep(1.2)
    assert health(client, group)[web] == ("initial", "Elb.InitialHealthChecking")
    clock(0)
    assert health(client, group)[web] == ("healthy", None)


def test_one_passing_check_makes_a_new_target_healthy_and_thresholds_change_a_judged_one(client, lab, clock):
    admit(client, lab["web_sg"], source_group=lab["alb_sg"])
    web = instance(client, lab)
    # at a scale of 0.1: checks every 0.5 s (time out after 0.2 s); 2 failures make it unhealthy, 4 passes healthy again
    group = group_behind(client, lab["alb"], HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                         HealthyThresholdCount=4, UnhealthyThresholdCount=2)
    clock(0.1)
    register(client, group, web)
    time.sleep(1.0)  # one interval and one check: not the 2 s that HealthyThresholdCount checks would take
    assert health(client, group)[web] == ("healthy", None)
    rule = {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "UserIdGroupPairs": [{"GroupId": lab["alb_sg"]}]}
    client("ec2").revoke_security_group_ingress(GroupId=lab["web_sg"], IpPermissions=[rule])
    assert health(client, group)[web] == ("healthy", None)  # one failed check is not enough
    time.sleep(1.2)
    assert health(client, group)[web] == ("unhealthy", "Target.Timeout")
    client("ec2").authorize_security_group_ingress(GroupId=lab["web_sg"], IpPermissions=[rule])
    assert health(client, group)[web] == ("unhealthy", "Target.Timeout")  # back only after 4 passing checks
    time.sleep(2.3)
    assert health(client, group)[web] == ("healthy", None)


def test_a_deregistered_target_drains_for_the_delay_then_is_gone(client, lab, clock):
    admit(client, lab["web_sg"], source_group=lab["alb_sg"])
    web = instance(client, lab)
    group = group_behind(client, lab["alb"])
    register(client, group, web)
    clock(1000.0)
    client("elbv2").deregister_targets(TargetGroupArn=group, Targets=[{"Id": web}])
    assert health(client, group) == {web: ("draining", "Target.DeregistrationInProgress")}
    clock(0)
    assert health(client, group) == {}


def test_a_stopping_or_stopped_instance_is_unused(client, lab, clock):
    admit(client, lab["web_sg"], source_group=lab["alb_sg"])
    web = instance(client, lab)
    group = group_behind(client, lab["alb"])
    register(client, group, web)
    clock(1000.0)
    client("ec2").stop_instances(InstanceIds=[web])
    assert health(client, group)[web] == ("unused", "Target.InvalidState")  # stopping
    clock(0)
    assert health(client, group)[web] == ("unused", "Target.InvalidState")  # stopped


def test_a_group_no_load_balancer_uses_leaves_its_targets_unused(client, lab):
    web = instance(client, lab)
    group = client("elbv2").create_target_group(Name="idle", Protocol="HTTP", Port=PORT, VpcId=lab["vpc"],
                                                TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    register(client, group, web)
    assert health(client, group)[web] == ("unused", "Target.NotInUse")


def test_alb_reasons_when_nothing_answers(client, lab):
    group = group_behind(client, lab["alb"], HealthCheckPath="/orders")
    web, bare, files = instance(client, lab), instance(client, lab, None), instance(client, lab, FILE_SERVER % PORT)
    register(client, group, web, bare, files)
    assert set(health(client, group).values()) == {("unhealthy", "Target.Timeout")}  # the web group admits no ALB
    admit(client, lab["web_sg"], source_group=lab["alb_sg"])
    assert health(client, group) == {web: ("healthy", None),
                                     bare: ("unhealthy", "Target.FailedHealthChecks"),  # nothing listens
                                     files: ("unhealthy", "Target.ResponseCodeMismatch")}  # 404 on /orders


def test_an_nlb_without_groups_is_admitted_by_its_addresses_and_reports_failed_checks(client, lab):
    nlb = client("elbv2").create_load_balancer(Name="nlb", Type="network", Scheme="internal",
                                               Subnets=lab["subnets"])["LoadBalancers"][0]["LoadBalancerArn"]
    group = group_behind(client, nlb, protocol="TCP")
    web = instance(client, lab)
    register(client, group, web)
    assert health(client, group)[web] == ("unhealthy", "Target.FailedHealthChecks")  # NLBs never say Timeout
    addresses = enis_of(client, nlb)
    admit(client, lab["web_sg"], cidr=f"{addresses[0]}/32")
    assert health(client, group)[web][0] == "unhealthy"  # every node health-checks: one address is not enough
    admit(client, lab["web_sg"], cidr=lab_cidr(client, lab))
    assert health(client, group)[web] == ("healthy", None)


def lab_cidr(client, lab) -> str:
    return client("ec2").describe_vpcs(VpcIds=[lab["vpc"]])["Vpcs"][0]["CidrBlock"]


def test_ip_targets_no_interface_holds_time_out(client, lab):
    ec2 = client("ec2")
    group = group_behind(client, lab["alb"], target_type="ip", protocol="HTTP")
    held = ec2.create_network_interface(SubnetId=lab["subnets"][0], Groups=[lab["web_sg"]])["NetworkInterface"]["PrivateIpAddress"]
    nobody, elsewhere = "10.30.1.250", "192.168.7.7"  # in the VPC, no ENI; outside it (reached over a VPN)
    client("elbv2").register_targets(TargetGroupArn=group, Targets=[{"Id": held}, {"Id": nobody},
                                                                    {"Id": elsewhere, "AvailabilityZone": "all"}])
    admit(client, lab["web_sg"], source_group=lab["alb_sg"])
    assert health(client, group) == {held: ("unhealthy", "Target.FailedHealthChecks"),  # an ENI nothing listens behind
                                     nobody: ("unhealthy", "Target.Timeout"), elsewhere: ("healthy", None)}


def test_execute_api_endpoint_enis_answer_403(client, lab):
    ec2, elbv2 = client("ec2"), client("elbv2")
    endpoint = ec2.create_vpc_endpoint(VpcId=lab["vpc"], ServiceName="com.amazonaws.eu-west-1.execute-api",
                                       VpcEndpointType="Interface", SubnetIds=lab["subnets"],
                                       SecurityGroupIds=[lab["web_sg"]])["VpcEndpoint"]
    # its ENIs exist once it is available (every delay is over at once here): read them from a describe
    endpoint = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["VpcEndpoints"][0]
    assert endpoint["State"].lower() == "available" and len(endpoint["NetworkInterfaceIds"]) == 2
    ips = [e["PrivateIpAddress"] for e in ec2.describe_network_interfaces(
        NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])["NetworkInterfaces"]]
    admit(client, lab["web_sg"], 443, source_group=lab["alb_sg"])
    group = group_behind(client, lab["alb"], target_type="ip", protocol="HTTP", port=443)
    register(client, group, *ips)
    assert set(health(client, group).values()) == {("unhealthy", "Target.ResponseCodeMismatch")}
    elbv2.modify_target_group(TargetGroupArn=group, Matcher={"HttpCode": "200,403"})
    assert set(health(client, group).values()) == {("healthy", None)}


def test_an_alb_behind_an_nlb_answers_on_its_listener_ports_when_it_admits_the_nlb(client, lab):
    elbv2 = client("elbv2")
    nlb = elbv2.create_load_balancer(Name="nlb", Type="network", Scheme="internal",
                                     Subnets=lab["subnets"])["LoadBalancers"][0]["LoadBalancerArn"]
    by_type = group_behind(client, nlb, protocol="TCP", target_type="alb", HealthCheckProtocol="HTTP")
    by_ips = group_behind(client, nlb, protocol="TCP", target_type="ip", port=8080, HealthCheckProtocol="HTTP")
    register(client, by_type, lab["alb"])
    elbv2.register_targets(TargetGroupArn=by_ips, Targets=[{"Id": ip, "Port": PORT} for ip in enis_of(client, lab["alb"])])
    assert set(health(client, by_type).values()) | set(health(client, by_ips).values()) == {
        ("unhealthy", "Target.FailedHealthChecks")}  # the ALB's group admits nothing
    admit(client, lab["alb_sg"], cidr=lab_cidr(client, lab))
    group_behind(client, lab["alb"])  # the ALB's listener on 80
    assert set(health(client, by_type).values()) | set(health(client, by_ips).values()) == {("healthy", None)}


def test_health_checks_begin_when_a_listener_forwards_to_the_group(client, lab, clock):
    admit(client, lab["web_sg"], source_group=lab["alb_sg"])
    web = instance(client, lab)
    elbv2 = client("elbv2")
    group = elbv2.create_target_group(Name="tg-later", Protocol="HTTP", Port=PORT, VpcId=lab["vpc"], TargetType="instance",
                                      HealthCheckIntervalSeconds=5, HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    clock(0.2)  # 5 s x 2 checks: 2 real seconds
    register(client, group, web)
    time.sleep(2.2)  # long enough to pass its checks, had anything checked it
    assert health(client, group)[web] == ("unused", "Target.NotInUse")
    listener = elbv2.create_listener(LoadBalancerArn=lab["alb"], Port=PORT, Protocol="HTTP",
                                     DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])["Listeners"][0]
    assert health(client, group)[web] == ("initial", "Elb.RegistrationInProgress")
    # ModifyListener moves the listener elsewhere: the group serves no load balancer any more, as DescribeTargetGroups says.
    other = elbv2.create_target_group(Name="tg-other", Protocol="HTTP", Port=PORT, VpcId=lab["vpc"],
                                      TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": other}])
    described = {g["TargetGroupArn"]: g["LoadBalancerArns"] for g in elbv2.describe_target_groups()["TargetGroups"]}
    assert described[group] == [] and described[other] == [lab["alb"]]
    assert health(client, group)[web] == ("unused", "Target.NotInUse")
