"""Teardown survives what a real account does: ENIs released late, refusals, deletions that take time."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from apigw_kit import connect, waits
from apigw_kit.local import admin
from apigw_kit.steps import all_kinds, apigw_http, apigw_rest, endpoints, network
from apigw_kit.teardown import ENI_RELEASE_DEADLINE

REGION = "eu-west-1"


@pytest.fixture
def lab(endpoint):
    return connect("local", REGION).lab("td")


@pytest.fixture
def net(lab):
    vpc = network.ensure_vpc(lab, "10.40.0.0/16")
    subnets = network.ensure_private_subnets(lab, vpc)
    groups = [network.ensure_security_group(lab, vpc, role, role) for role in ("first", "second")]
    return SimpleNamespace(vpc=vpc, subnets=subnets, groups=groups)


class FakeTime:
    """Stands in for the ``time`` module inside apigw_kit.waits: sleeping only moves this clock."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def refuse(lab, service: str, operation: str, answer) -> None:
    """Make ``operation`` answer ``answer(params)`` without reaching the embedded AWS."""
    client = lab.cloud.client(service)
    client.meta.events.register(f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}",
                                lambda params, **_: answer(params))


def test_eni_release_phase_has_one_deadline_for_the_whole_lab(lab, net, client, monkeypatch):
    # Someone else's interface holds both lab groups and one lab subnet: it is never released.
    foreign = client("ec2").create_network_interface(SubnetId=net.subnets[0].id, Groups=[g.id for g in net.groups])
    fake = FakeTime()
    monkeypatch.setattr(waits, "time", fake)

    left = lab.teardown()

    waited = fake.now / lab.cloud.time_scale
    print(f"simulated seconds waited for ENI release: {waited:.0f}")
    assert waited <= ENI_RELEASE_DEADLINE + 10  # one poll past the deadline at most, not 900 s per group
    blocked = left.set_index("id")["reason"]
    assert all(blocked[i].startswith("DependencyViolation") for i in [g.id for g in net.groups] + [net.subnets[0].id])
    assert net.subnets[1].id not in blocked.index  # the free subnet went
    assert client("ec2").describe_network_interfaces(
        NetworkInterfaceIds=[foreign["NetworkInterface"]["NetworkInterfaceId"]])["NetworkInterfaces"]


def test_the_eni_release_budget_counts_waiting_not_the_calls(monkeypatch):
    """Calls that take longer than the budget (a loaded machine at a small clock scale: 900 simulated seconds
    were 0.9 real ones) leave the waiting budget whole: the group is deleted once its ENIs are released."""
    fake = FakeTime()
    monkeypatch.setattr(waits, "time", fake)
    answers = iter([ClientError({"Error": {"Code": "DependencyViolation"}}, "DeleteSecurityGroup")] * 2 + ["deleted"])

    def slow_delete():
        fake.now += 2 * ENI_RELEASE_DEADLINE  # the call itself, not waiting
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with waits.shared_deadline(ENI_RELEASE_DEADLINE) as deadline:
        assert waits.retry_while(SimpleNamespace(time_scale=1.0), "security group sg-1", slow_delete,
                                 {"DependencyViolation"}, timeout=ENI_RELEASE_DEADLINE, shared=True) == "deleted"
    assert deadline.remaining() == ENI_RELEASE_DEADLINE - 2 * 5  # two polls of 5 s waited


def test_teardown_goes_on_past_an_unexpected_error_and_reports_it(lab, net, client):
    foreign = client("apigateway").create_rest_api(name="someone-else")["id"]
    api = apigw_rest.ensure_rest_api(lab)

    def denied(params):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "DeleteRestApi")
    refuse(lab, "apigateway", "DeleteRestApi", denied)

    left = lab.teardown()

    assert left[["type", "id"]].values.tolist() == [["apigateway:rest-api", api.id]]  # the rest went on
    assert left["reason"].iloc[0] == "unexpected error AccessDeniedException: not allowed"
    assert {a["id"] for a in client("apigateway").get_rest_apis()["items"]} == {foreign, api.id}


def test_endpoint_deletion_refused_in_unsuccessful_is_reported(lab, net):
    endpoint = endpoints.ensure_interface_endpoint(lab, net.vpc, net.subnets, [net.groups[0].id])
    refusal = {"ResourceId": endpoint.id, "Error": {"Code": "OperationNotPermitted", "Message": "requester-managed"}}
    refuse(lab, "ec2", "DeleteVpcEndpoints", lambda params: (SimpleNamespace(status_code=200), {"Unsuccessful": [refusal]}))

    left = lab.teardown()  # its ENIs stay, so its group and subnets wait out the deadline too

    reasons = left.set_index("id")["reason"]
    assert reasons[endpoint.id] == "unexpected error OperationNotPermitted: requester-managed"


def link_gone(lab, found) -> bool:
    with pytest.raises(ClientError) as error:
        apigw_http.vpc_link_status(lab.cloud, found.id)
    return error.value.response["Error"]["Code"] == "NotFoundException"


def endpoint_gone(lab, found) -> bool:
    return endpoints.describe_endpoint(lab.cloud, found.id)["State"].lower() == "deleted"


@pytest.mark.parametrize("kind, make, gone", [
    ("apigatewayv2:vpc-link", lambda lab, net: apigw_http.ensure_vpc_link(lab, net.subnets, [net.groups[0]]), link_gone),
    ("ec2:vpc-endpoint", lambda lab, net: endpoints.ensure_interface_endpoint(lab, net.vpc, net.subnets, [net.groups[0].id]),
     endpoint_gone),
])
def test_delete_returns_once_the_resource_is_gone(lab, net, endpoint, kind, make, gone):
    admin(endpoint, "clock", {"scale": 0.01})  # a deletion lasts about a real second
    make(lab, net)
    registered = next(k for k in all_kinds() if k.type == kind)
    found = registered.find(lab)
    assert len(found) == 1

    registered.delete(lab, found[0])

    assert gone(lab, found[0])  # neither DELETING nor deleting any more


def test_a_lab_of_the_same_name_in_another_region_keeps_its_role_and_zones(endpoint):
    """IAM and Route 53 are account-wide: the Ireland lab's teardown leaves the Virginia lab's role, zone and records."""
    from apigw_kit.steps import dns, functions
    labs = {region: connect("local", region).lab("twin") for region in ("us-east-1", REGION)}
    for region, lab in labs.items():
        functions.ensure_function_role(lab, "sync", [{"Effect": "Allow", "Action": ["ec2:DescribeNetworkInterfaces"],
                                                      "Resource": "*"}])
        zone = dns.ensure_hosted_zone(lab, "twin.example")
        dns.ensure_records(lab, zone, [dns.Record("api.twin.example", "TXT", f'"{region}"')])
    kinds = {"iam:role", "route53:hosted-zone", "route53:record"}
    east = labs["us-east-1"].resources()
    assert set(east["type"]) == kinds and len(east) == 3, east  # only its own: one role, one zone, one record
    assert all("us-east-1" in name for name in east.loc[east["type"] == "iam:role", "id"])
    assert labs[REGION].teardown().empty
    assert labs["us-east-1"].resources().equals(east)
    assert labs["us-east-1"].teardown().empty


def test_a_pattern_run_tears_down_without_clients_for_services_it_never_used(endpoint):
    """The process that built the lab knows the services it used and planned: its teardown asks those, what the
    Tagging API reports, and IAM. Any other caller (the command line, a runbook cleaning up after a failed
    kernel a moment later) asks every service: the Tagging API may not report a resource made seconds ago."""
    from apigw_kit.patterns import load
    run = load("http-alb")(cloud=connect("local", REGION), lab_name="gated").apply()
    assert run.teardown().empty
    assert not {"events", "lambda", "logs", "servicediscovery", "acm"} & run.cloud.services_used()

    elsewhere = connect("local", REGION)
    assert elsewhere.lab("gated").teardown().empty
    assert {"events", "logs", "route53", "apigateway"} <= elsewhere.services_used()  # every kind asked
