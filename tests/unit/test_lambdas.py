"""The Lambda functions, run in-process against the embedded AWS.

The tests create the load balancers' ENIs themselves (description ``ELB <arn path>``)
unless the embedded AWS already made them, so they hold with or without that fidelity rule.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apigw_kit.lambdas import nlb_ingress, target_sync
from test_local_rules import until

REGION = "eu-west-1"
READS = ("Describe", "List", "Get")
PORT = 80


# -- helpers ---------------------------------------------------------------

def record_calls(client) -> list[str]:
    """Operation names the client calls, in order (a botocore before-call hook)."""
    calls: list[str] = []
    client.meta.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))
    return calls


def mutating(calls: list[str]) -> list[str]:
    return [name for name in calls if not name.startswith(READS)]


def eni_description(arn: str) -> str:
    return "ELB " + arn.split(":loadbalancer/", 1)[1]


def lb_enis(ec2, arn: str) -> dict[str, str]:
    """ENI id -> private address of the load balancer's ENIs."""
    found = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [eni_description(arn)]}])["NetworkInterfaces"]
    return {e["NetworkInterfaceId"]: e["PrivateIpAddress"] for e in found}


def add_enis(ec2, arn: str, subnets: list[str], count: int) -> dict[str, str]:
    """Adds ``count`` ENIs to the load balancer (a scale-out); returns id -> address."""
    made = [ec2.create_network_interface(SubnetId=subnets[i % len(subnets)], Description=eni_description(arn))
            for i in range(count)]
    return {e["NetworkInterface"]["NetworkInterfaceId"]: e["NetworkInterface"]["PrivateIpAddress"] for e in made}


def ensure_enis(ec2, arn: str, subnets: list[str]) -> dict[str, str]:
    """The load balancer's ENIs, one per subnet created when the embedded AWS made none."""
    return lb_enis(ec2, arn) or add_enis(ec2, arn, subnets, len(subnets))


def targets(elbv2, tg_arn: str) -> set[str]:
    """Registered targets; deregistered ones stay listed as draining for the deregistration delay."""
    health = elbv2.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
    return {d["Target"]["Id"] for d in health if d["TargetHealth"]["State"] != "draining"}


# -- fixtures --------------------------------------------------------------

@pytest.fixture
def ec2(client):
    return client("ec2", REGION)


@pytest.fixture
def elbv2(client):
    return client("elbv2", REGION)


@pytest.fixture
def network(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab", start=1)]
    return {"vpc": vpc, "subnets": subnets}


@pytest.fixture
def make_lb(elbv2, ec2, network):
    def make(name: str, kind: str = "application") -> str:
        arn = elbv2.create_load_balancer(Name=name, Subnets=network["subnets"], Type=kind,
                                         Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
        until(lambda: elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"]
              == "active")  # its ENIs appear while it provisions
        ensure_enis(ec2, arn, network["subnets"])
        return arn
    return make


@pytest.fixture
def nlb_group(elbv2, network):
    return elbv2.create_target_group(Name="nlb-to-alb", Protocol="TCP", Port=PORT, VpcId=network["vpc"],
                                     TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]


@pytest.fixture
def sync(ec2, elbv2, nlb_group):
    """sync(alb_arn, **kw) -> (summary, calls made by this sync)."""
    calls = record_calls(ec2)
    elb_calls = record_calls(elbv2)

    def run(alb_arn: str, **kw):
        calls.clear(), elb_calls.clear()
        summary = target_sync.sync(ec2, elbv2, load_balancer_arn=alb_arn, target_group_arn=nlb_group,
                                   port=PORT, **kw)
        return summary, calls + elb_calls
    return run


# -- target_sync -------------------------------------------------------------

def test_eni_description_is_exact_and_validated():
    arn = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
    assert target_sync.eni_description(arn) == "ELB app/web/50dc6c495c0c9188"
    with pytest.raises(ValueError, match="loadBalancerArn"):
        target_sync.eni_description(arn.replace("/app/", "/net/"))


def test_sync_ignores_alb_whose_name_starts_the_same(make_lb, sync, ec2, elbv2, nlb_group):
    web, web2 = make_lb("web"), make_lb("web2")
    summary, _ = sync(web)
    assert summary["registered"] == sorted(lb_enis(ec2, web).values())
    assert targets(elbv2, nlb_group) == set(lb_enis(ec2, web).values())
    assert not targets(elbv2, nlb_group) & set(lb_enis(ec2, web2).values())


def test_sync_reads_every_page_of_interfaces(make_lb, sync, ec2, elbv2, nlb_group, network):
    alb = make_lb("paged")
    add_enis(ec2, alb, network["subnets"], 12)
    summary, calls = sync(alb, page_size=5)
    everything = set(lb_enis(ec2, alb).values())
    assert len(everything) >= 12
    assert calls.count("DescribeNetworkInterfaces") == -(-len(everything) // 5) >= 3
    assert summary["registered"] == sorted(everything)
    assert targets(elbv2, nlb_group) == everything


def test_sync_refuses_to_empty_the_group_when_no_interface_matches(ec2, elbv2, nlb_group):
    elbv2.register_targets(TargetGroupArn=nlb_group, Targets=[{"Id": "10.20.1.9", "Port": PORT}])
    ec2_calls, elb_calls = record_calls(ec2), record_calls(elbv2)
    gone = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/app/gone/0123456789abcdef"
    with pytest.raises(target_sync.NoInterfacesFound, match="ELB app/gone/0123456789abcdef"):
        target_sync.sync(ec2, elbv2, load_balancer_arn=gone, target_group_arn=nlb_group, port=PORT)
    assert ec2_calls == ["DescribeNetworkInterfaces"] and elb_calls == []
    assert targets(elbv2, nlb_group) == {"10.20.1.9"}


def test_sync_follows_scale_out_and_scale_in(make_lb, sync, ec2, elbv2, nlb_group, network):
    alb = make_lb("churn")
    before = set(lb_enis(ec2, alb).values())
    sync(alb)

    added = add_enis(ec2, alb, network["subnets"], 2)  # scale-out
    summary, calls = sync(alb)
    assert summary["registered"] == sorted(added.values())
    assert summary["deregistered"] == [] and summary["unchanged"] == sorted(before)
    assert mutating(calls) == ["RegisterTargets"]

    for eni in added:  # scale-in
        ec2.delete_network_interface(NetworkInterfaceId=eni)
    summary, calls = sync(alb)
    assert summary["registered"] == [] and summary["deregistered"] == sorted(added.values())
    assert mutating(calls) == ["DeregisterTargets"]
    assert targets(elbv2, nlb_group) == before


def test_sync_registers_replacements_before_deregistering(make_lb, sync, ec2, elbv2, nlb_group, network):
    alb = make_lb("swap")
    extra = add_enis(ec2, alb, network["subnets"], 1)
    sync(alb)
    ec2.delete_network_interface(NetworkInterfaceId=next(iter(extra)))
    replacement = add_enis(ec2, alb, network["subnets"], 1)
    summary, calls = sync(alb)
    assert mutating(calls) == ["RegisterTargets", "DeregisterTargets"]
    assert summary["registered"] == sorted(replacement.values())
    assert summary["deregistered"] == sorted(extra.values())
    assert summary["write_calls"] == 2
    assert targets(elbv2, nlb_group) == set(lb_enis(ec2, alb).values())


def test_sync_rerun_makes_no_mutating_call(make_lb, sync):
    alb = make_lb("steady")
    first, _ = sync(alb)
    again, calls = sync(alb)
    assert mutating(calls) == []
    assert again["registered"] == again["deregistered"] == []
    assert again["unchanged"] == first["registered"]
    assert (again["read_calls"], again["write_calls"]) == (2, 0)


def test_handler_runs_in_process_from_the_event(make_lb, nlb_group, ec2, elbv2):
    alb = make_lb("lambda")
    event = {"loadBalancerArn": alb, "targetGroupArn": nlb_group, "targetPort": str(PORT)}
    summary = target_sync.handler(event, None)
    assert summary["registered"] == sorted(lb_enis(ec2, alb).values())
    assert target_sync.handler(event, None)["write_calls"] == 0


def test_handler_falls_back_to_the_environment(make_lb, nlb_group, elbv2, monkeypatch):
    alb = make_lb("scheduled")
    monkeypatch.setenv("LOAD_BALANCER_ARN", alb)
    monkeypatch.setenv("TARGET_GROUP_ARN", nlb_group)
    monkeypatch.setenv("TARGET_PORT", "80")
    # An EventBridge schedule without Input sends its own event: none of our keys.
    summary = target_sync.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None)
    assert targets(elbv2, nlb_group) == set(summary["registered"])


ALB = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
TG = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:targetgroup/nlb-to-alb/73e2d6bc24d8a067"


@pytest.mark.parametrize("change, key", [
    ({"loadBalancerArn": None}, "loadBalancerArn: missing"),
    ({"targetGroupArn": ""}, "targetGroupArn: missing"),
    ({"targetPort": None}, "targetPort: missing"),
    ({"loadBalancerArn": "web"}, "loadBalancerArn: 'web' is not an ALB ARN"),
    ({"loadBalancerArn": ALB.replace("/app/", "/net/")}, "loadBalancerArn"),
    ({"targetGroupArn": ALB}, "targetGroupArn"),
    ({"targetPort": "http"}, "targetPort: 'http'"),
    ({"targetPort": 0}, "targetPort: '0'"),
    ({"targetPort": "70000"}, "targetPort: '70000'"),
])
def test_handler_names_the_bad_parameter(change, key, monkeypatch):
    for env in target_sync.PARAMETERS.values():
        monkeypatch.delenv(env, raising=False)
    event = {"loadBalancerArn": ALB, "targetGroupArn": TG, "targetPort": 80, **change}
    with pytest.raises(ValueError, match=key):
        target_sync.handler(event, None)


def test_missing_parameter_error_names_the_environment_variable(monkeypatch):
    monkeypatch.delenv("TARGET_PORT", raising=False)
    with pytest.raises(ValueError, match="TARGET_PORT"):
        target_sync.parameters({"loadBalancerArn": ALB, "targetGroupArn": TG}, environ={})


# -- nlb_ingress -------------------------------------------------------------

class Received(list):
    answer: dict


@pytest.fixture
def cloudformation():
    """A stand-in for CloudFormation's pre-signed response URL on 127.0.0.1: records each PUT."""
    received = Received()
    answer = {"status": 200}  # a test may make the URL refuse (an expired pre-signed URL: 403)

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                             "body": json.loads(body)})
            self.send_response(answer["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    received.answer = answer
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def cfn_event(url: str, request_type: str, properties: dict, **extra) -> dict:
    return {"RequestType": request_type, "ResponseURL": f"{url}/response?signature=x",
            "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/bridge/1",
            "RequestId": "req-1", "LogicalResourceId": "NlbPrivateIps", "ResourceType": "Custom::PrivateIps",
            "ResourceProperties": {"ServiceToken": "arn:aws:lambda:x", **properties}, **extra}


@pytest.fixture
def recorded_clients(client):
    """make_client for nlb_ingress.handler that records every call."""
    calls: list[str] = []

    def make(service, region):
        made = client(service, region)
        made.meta.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))
        return made
    return make, calls


def test_ingress_create_answers_once_with_the_nlb_addresses(make_lb, ec2, cloudformation, recorded_clients):
    url, received = cloudformation
    nlb, neighbour = make_lb("edge", "network"), make_lb("edge2", "network")
    make_client, calls = recorded_clients
    result = nlb_ingress.handler(cfn_event(url, "Create", {"nlbArn": nlb, "listenerPort": "8080"}),
                                 None, make_client=make_client, page_size=5)
    assert len(received) == 1
    body = received[0]["body"]
    assert body["Status"] == "SUCCESS" and result["Status"] == "SUCCESS"
    ips = sorted(lb_enis(ec2, nlb).values())
    assert body["Data"]["PrivateIps"] == ips
    assert not set(ips) & set(lb_enis(ec2, neighbour).values())
    assert body["Data"]["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "CidrIp": f"{ip}/32", "FromPort": 8080, "ToPort": 8080} for ip in ips]
    assert {k: body[k] for k in ("StackId", "RequestId", "LogicalResourceId")} == {
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/bridge/1",
        "RequestId": "req-1", "LogicalResourceId": "NlbPrivateIps"}
    assert body["PhysicalResourceId"]
    assert received[0]["path"] == "/response?signature=x" and received[0]["content_type"] == ""
    assert mutating(calls) == []


def test_ingress_reads_every_page_and_keeps_the_physical_id(make_lb, ec2, network, cloudformation,
                                                           recorded_clients):
    url, received = cloudformation
    nlb = make_lb("wide", "network")
    add_enis(ec2, nlb, network["subnets"], 6)
    make_client, calls = recorded_clients
    event = cfn_event(url, "Update", {"nlbArn": nlb}, PhysicalResourceId="nlb-ingress-first")
    nlb_ingress.handler(event, None, make_client=make_client, page_size=5)
    body = received[0]["body"]
    assert len(received) == 1 and body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "nlb-ingress-first"
    assert body["Data"]["PrivateIps"] == sorted(lb_enis(ec2, nlb).values())
    assert {r["FromPort"] for r in body["Data"]["SecurityGroupIngress"]} == {nlb_ingress.DEFAULT_LISTENER_PORT}
    assert calls.count("DescribeNetworkInterfaces") >= 2


@pytest.mark.parametrize("properties, reason", [
    ({"nlbArn": f"arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/net/nope/0123456789abcdef"},
     "no load balancer"),
    ({}, "nlbArn: None is not a load balancer ARN"),
    ({"nlbArn": "edge"}, "nlbArn: 'edge'"),
])
def test_ingress_failure_answers_once_with_the_reason(properties, reason, endpoint, cloudformation):
    url, received = cloudformation
    result = nlb_ingress.handler(cfn_event(url, "Create", properties), None)
    assert len(received) == 1
    body = received[0]["body"]
    assert body["Status"] == "FAILED" == result["Status"]
    assert reason in body["Reason"]
    assert body["PhysicalResourceId"] and body["Data"] == {}


def test_ingress_rejects_an_application_load_balancer(make_lb, cloudformation):
    url, received = cloudformation
    alb = make_lb("not-an-nlb")
    nlb_ingress.handler(cfn_event(url, "Create", {"nlbArn": alb}), None)
    assert [r["body"]["Status"] for r in received] == ["FAILED"]
    assert "application load balancer, not a network one" in received[0]["body"]["Reason"]


def test_ingress_rejects_a_bad_listener_port(make_lb, cloudformation):
    url, received = cloudformation
    nlb = make_lb("porty", "network")
    nlb_ingress.handler(cfn_event(url, "Create", {"nlbArn": nlb, "listenerPort": "eighty"}), None)
    assert [r["body"]["Status"] for r in received] == ["FAILED"]
    assert "listenerPort: 'eighty'" in received[0]["body"]["Reason"]


def test_ingress_delete_answers_once_without_touching_aws(cloudformation, recorded_clients):
    url, received = cloudformation
    make_client, calls = recorded_clients
    # Even with the properties that made Create fail: the rollback must be able to delete.
    event = cfn_event(url, "Delete", {"nlbArn": "garbage"}, PhysicalResourceId="nlb-ingress-req-0")
    nlb_ingress.handler(event, None, make_client=make_client)
    assert [r["body"]["Status"] for r in received] == ["SUCCESS"]
    assert received[0]["body"]["PhysicalResourceId"] == "nlb-ingress-req-0"
    assert calls == []


def test_ingress_refused_response_is_not_retried_or_answered_twice(cloudformation):
    url, received = cloudformation
    received.answer["status"] = 403
    with pytest.raises(Exception, match="403"):
        nlb_ingress.handler(cfn_event(url, "Delete", {}), None)
    assert len(received) == 1


def test_ingress_without_response_url_raises():
    with pytest.raises(ValueError, match="ResponseURL"):
        nlb_ingress.handler({"RequestType": "Create"}, None)


# -- deployability and states moto does not model -----------------------------------

@pytest.mark.parametrize("module", [target_sync, nlb_ingress])
def test_module_imports_only_the_standard_library_and_boto3(module):
    """Each module is zipped on its own: no import of apigw_kit or other packages."""
    import ast
    import sys
    tree = ast.parse(open(module.__file__).read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
    assert imported - set(sys.stdlib_module_names) <= {"boto3", "botocore"}
    assert "article" in (module.__doc__ or "")


def test_sync_treats_draining_targets_as_gone():
    """A target that is draining gets registered again if its ENI is back, and is not
    deregistered twice (moto drops deregistered targets at once, so this uses Stubber)."""
    import boto3
    from botocore.stub import Stubber
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url="http://127.0.0.1:9")
    elbv2 = boto3.client("elbv2", region_name=REGION, endpoint_url="http://127.0.0.1:9")
    description = target_sync.eni_description(ALB)
    with Stubber(ec2) as ec2_stub, Stubber(elbv2) as elb_stub:
        ec2_stub.add_response("describe_network_interfaces", {"NetworkInterfaces": [
            {"Description": description, "PrivateIpAddress": "10.0.1.10"},
            {"Description": description, "PrivateIpAddress": "10.0.2.10"}]},
            {"Filters": [{"Name": "description", "Values": [description]}], "MaxResults": target_sync.PAGE_SIZE})
        elb_stub.add_response("describe_target_health", {"TargetHealthDescriptions": [
            {"Target": {"Id": "10.0.1.10", "Port": PORT}, "TargetHealth": {"State": "draining"}},
            {"Target": {"Id": "10.0.2.10", "Port": PORT}, "TargetHealth": {"State": "healthy"}},
            {"Target": {"Id": "10.0.3.10", "Port": PORT}, "TargetHealth": {"State": "draining"}}]},
            {"TargetGroupArn": TG})
        elb_stub.add_response("register_targets", {},
                              {"TargetGroupArn": TG, "Targets": [{"Id": "10.0.1.10", "Port": PORT}]})
        summary = target_sync.sync(ec2, elbv2, load_balancer_arn=ALB, target_group_arn=TG, port=PORT)
        elb_stub.assert_no_pending_responses()
    assert (summary["registered"], summary["deregistered"], summary["unchanged"]) == (
        ["10.0.1.10"], [], ["10.0.2.10"])
