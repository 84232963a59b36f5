"""REST API steps: idempotent ensure_*, VPC link v1 rules, v1/v2 private integrations, teardown."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from apigw_kit import ParameterError, connect
from apigw_kit.steps import apigw_rest, elb, network

REGION = "eu-west-1"


@pytest.fixture
def lab(endpoint):
    return connect("local", REGION).lab("rest")


@pytest.fixture
def net(lab):
    vpc = network.ensure_vpc(lab, "10.30.0.0/16")
    subnets = network.ensure_private_subnets(lab, vpc)
    nlb = elb.ensure_load_balancer(lab, "nlb", "network", subnets)
    alb_sg = network.ensure_security_group(lab, vpc, "alb", "ALB")
    alb = elb.ensure_load_balancer(lab, "alb", "application", subnets, [alb_sg.id])
    return vpc, subnets, nlb, alb


def test_rest_api_is_created_once_with_its_endpoint_type(lab):
    api = apigw_rest.ensure_rest_api(lab, endpoint_type="REGIONAL", description="t")
    before = lab.cloud.calls.snapshot()
    again = apigw_rest.ensure_rest_api(lab, endpoint_type="REGIONAL")
    assert again == api and api.endpoint_type == "REGIONAL"
    assert lab.cloud.calls.since(before)["mutating"] == 0


def test_private_api_takes_a_policy(lab):
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                      "Action": "execute-api:Invoke", "Resource": "*"}]}
    api = apigw_rest.ensure_rest_api(lab, "private-api", endpoint_type="PRIVATE", policy=policy)
    stored = lab.cloud.client("apigateway").get_rest_api(restApiId=api.id)
    assert stored["endpointConfiguration"]["types"] == ["PRIVATE"] and "execute-api:Invoke" in stored["policy"]


def test_bad_endpoint_type_fails_before_any_change(lab):
    before = lab.cloud.calls.snapshot()
    with pytest.raises(ParameterError, match="endpoint_type"):
        apigw_rest.ensure_rest_api(lab, endpoint_type="PUBLIC")
    with pytest.raises(ParameterError, match="vpc_endpoint_ids"):
        apigw_rest.ensure_rest_api(lab, vpc_endpoint_ids=["vpce-1"])
    assert lab.cloud.calls.since(before) == {"mutating": 0, "read": 0}


def test_vpc_link_v1_refuses_an_alb_before_any_call(lab, net):
    _, _, _, alb = net
    before = lab.cloud.calls.snapshot()
    with pytest.raises(ParameterError, match="exactly one NLB"):
        apigw_rest.ensure_rest_vpc_link(lab, alb.arn)
    assert lab.cloud.calls.since(before)["mutating"] == 0


def test_embedded_aws_refuses_an_alb_link_too(lab, net, client):
    # The same rule enforced by the (embedded) service, for callers that skip the kit's check.
    with pytest.raises(ClientError) as error:
        client("apigateway").create_vpc_link(name="x", targetArns=[net[3].arn])
    assert error.value.response["Error"]["Code"] == "BadRequestException"


def test_vpc_link_v1_goes_pending_then_available_and_is_found_again(lab, net):
    link = apigw_rest.ensure_rest_vpc_link(lab, net[2].arn)
    assert apigw_rest.rest_vpc_link_status(lab.cloud, link.id) == "PENDING"
    apigw_rest.wait_rest_vpc_link(lab, link)
    assert apigw_rest.rest_vpc_link_status(lab.cloud, link.id) == "AVAILABLE"
    before = lab.cloud.calls.snapshot()
    assert apigw_rest.ensure_rest_vpc_link(lab, net[2].arn) == link
    assert lab.cloud.calls.since(before)["mutating"] == 0


def test_v1_proxy_integration_keeps_its_connection_and_is_idempotent(lab, net):
    link = apigw_rest.ensure_rest_vpc_link(lab, net[2].arn)
    api = apigw_rest.ensure_rest_api(lab)
    integrations = apigw_rest.ensure_proxy_integration(lab, api, f"http://{net[2].dns_name}", connection_id=link.id)
    assert all(i.changed for i in integrations)
    stored = lab.cloud.client("apigateway").get_integration(restApiId=api.id, resourceId=integrations[1].resource_id,
                                                            httpMethod="ANY")
    assert stored["connectionType"] == "VPC_LINK" and stored["connectionId"] == link.id
    assert stored["uri"].endswith("/{proxy}")
    before = lab.cloud.calls.snapshot()
    again = apigw_rest.ensure_proxy_integration(lab, api, f"http://{net[2].dns_name}", connection_id=link.id)
    assert not any(i.changed for i in again) and lab.cloud.calls.since(before)["mutating"] == 0


def test_changed_integration_is_replaced_and_reported(lab, net):
    link = apigw_rest.ensure_rest_vpc_link(lab, net[2].arn)
    api = apigw_rest.ensure_rest_api(lab)
    apigw_rest.ensure_proxy_integration(lab, api, "http://old.example", connection_id=link.id)
    changed = apigw_rest.ensure_proxy_integration(lab, api, "http://new.example", connection_id=link.id)
    assert all(i.changed for i in changed)


def test_v2_integration_needs_a_load_balancer_target(lab):
    api = apigw_rest.ensure_rest_api(lab)
    before = lab.cloud.calls.snapshot()
    listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/a/0123abcd/4567ef"
    with pytest.raises(ParameterError, match="integration_target"):
        apigw_rest.ensure_proxy_integration(lab, api, "http://a", connection_id="abc123", integration_target=listener)
    with pytest.raises(ParameterError, match="connection_id"):
        apigw_rest.ensure_proxy_integration(lab, api, "http://a")
    assert lab.cloud.calls.since(before)["mutating"] == 0


def test_stage_deploys_once_and_again_on_request(lab):
    api = apigw_rest.ensure_rest_api(lab)
    apigw_rest.ensure_method(lab, api, api.root_id)
    apigw_rest.ensure_integration(lab, api, api.root_id, "ANY", uri="http://example.com/")
    stage = apigw_rest.ensure_stage(lab, api, "prod")
    assert stage.invoke_url == f"https://{api.id}.execute-api.{REGION}.amazonaws.com/prod"
    assert apigw_rest.ensure_stage(lab, api, "prod") == stage
    assert apigw_rest.ensure_stage(lab, api, "prod", redeploy=True).deployment_id != stage.deployment_id


def test_resources_are_created_along_the_path(lab):
    api = apigw_rest.ensure_rest_api(lab)
    leaf = apigw_rest.ensure_resource(lab, api, "/orders/{id}")
    paths = {r["path"]: r["id"] for r in lab.cloud.client("apigateway").get_resources(restApiId=api.id)["items"]}
    assert paths["/orders/{id}"] == leaf and "/orders" in paths
    assert apigw_rest.ensure_resource(lab, api, "/orders/{id}") == leaf


def test_teardown_removes_api_and_link_but_not_foreign_ones(lab, net, client):
    foreign = client("apigateway").create_rest_api(name="someone-else")["id"]
    link = apigw_rest.ensure_rest_vpc_link(lab, net[2].arn)
    apigw_rest.ensure_rest_api(lab)
    kinds = set(lab.resources()["type"])
    assert {"apigateway:rest-api", "apigateway:vpc-link"} <= kinds
    assert lab.teardown().empty
    assert [a["id"] for a in client("apigateway").get_rest_apis()["items"]] == [foreign]
    with pytest.raises(ClientError):
        client("apigateway").get_vpc_link(vpcLinkId=link.id)
