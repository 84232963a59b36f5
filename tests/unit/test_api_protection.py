"""Posture checks for API protection (seed 001: never leave an API unprotected): an authorizer on every route or
method, or a recorded waiver; stage-wide throttling; access logs. Each is shown failing on an API built with plain
boto3 the way it is usually left, and passing once fixed."""
from __future__ import annotations

import pytest

from apigw_kit import connect
from apigw_kit.checks import AUTH_WAIVER_TAG, api_authorized, stage_access_logged, stage_throttled
from apigw_kit.errors import ParameterError

REGION = "eu-west-1"
LOG_GROUP = f"arn:aws:logs:{REGION}:123456789012:log-group:api-access"


@pytest.fixture
def cloud(endpoint):
    return connect("local", REGION)


def _http_api(client, tags=None, authorization: str = "NONE") -> str:
    v2 = client("apigatewayv2")
    api_id = v2.create_api(Name="orders", ProtocolType="HTTP", Tags=tags or {})["ApiId"]
    v2.create_route(ApiId=api_id, RouteKey="GET /orders", AuthorizationType=authorization)
    v2.create_route(ApiId=api_id, RouteKey="OPTIONS /orders")  # a CORS preflight: never counted
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def _rest_api(client, tags=None, authorization: str = "NONE") -> str:
    v1 = client("apigateway")
    api = v1.create_rest_api(name="orders", tags=tags or {})
    v1.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType=authorization)
    v1.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK")
    v1.create_deployment(restApiId=api["id"], stageName="prod")
    return api["id"]


BUILD = {"http": _http_api, "rest": _rest_api}


@pytest.mark.parametrize("kind", ["http", "rest"])
def test_an_api_without_authorizer_or_waiver_fails(cloud, client, kind):
    check = api_authorized(cloud, BUILD[kind](client), kind)
    assert not check.passed
    assert ("GET /orders" if kind == "http" else "GET /") in check.detail and AUTH_WAIVER_TAG in check.detail
    assert "OPTIONS" not in check.detail and "1 of 1" in check.detail


@pytest.mark.parametrize("kind", ["http", "rest"])
def test_a_recorded_waiver_passes_and_says_what_is_open(cloud, client, kind):
    check = api_authorized(cloud, BUILD[kind](client, tags={AUTH_WAIVER_TAG: "public price list"}), kind)
    assert check.passed and check.detail.startswith(f"waived ({AUTH_WAIVER_TAG}=public price list)")


@pytest.mark.parametrize("kind", ["http", "rest"])
def test_an_empty_waiver_is_no_waiver(cloud, client, kind):
    assert not api_authorized(cloud, BUILD[kind](client, tags={AUTH_WAIVER_TAG: " "}), kind).passed


@pytest.mark.parametrize("kind", ["http", "rest"])
def test_iam_authorization_passes(cloud, client, kind):
    check = api_authorized(cloud, BUILD[kind](client, authorization="AWS_IAM"), kind)
    assert check.passed and "each with an authorizer" in check.detail


def test_a_stage_without_its_own_limits_fails_until_throttled(cloud, client):
    http_id, rest_id = _http_api(client), _rest_api(client)
    assert "default route settings" in stage_throttled(cloud, http_id, "$default", "http").detail
    assert not stage_throttled(cloud, rest_id, "prod", "rest").passed
    client("apigatewayv2").update_stage(ApiId=http_id, StageName="$default",
                                        DefaultRouteSettings={"ThrottlingBurstLimit": 20, "ThrottlingRateLimit": 10.0})
    client("apigateway").update_stage(restApiId=rest_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "20"},
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "10"}])
    assert stage_throttled(cloud, http_id, "$default", "http").detail == "stage $default: burst 20, rate 10/s"
    assert stage_throttled(cloud, rest_id, "prod", "rest").passed


def test_a_stage_without_access_logs_fails_and_a_format_without_the_integration_error_is_noted(cloud, client):
    http_id, rest_id = _http_api(client), _rest_api(client)
    for api_id, stage, kind in ((http_id, "$default", "http"), (rest_id, "prod", "rest")):
        assert "no access log settings" in stage_access_logged(cloud, api_id, stage, kind).detail
    client("apigatewayv2").update_stage(ApiId=http_id, StageName="$default", AccessLogSettings={
        "DestinationArn": LOG_GROUP, "Format": '{"id":"$context.requestId","error":"$context.integrationErrorMessage"}'})
    client("apigateway").update_stage(restApiId=rest_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": LOG_GROUP},
        {"op": "replace", "path": "/accessLogSettings/format", "value": '{"id":"$context.requestId"}'}])
    http, rest = stage_access_logged(cloud, http_id, "$default", "http"), stage_access_logged(cloud, rest_id, "prod", "rest")
    assert http.passed and http.detail == f"to {LOG_GROUP}"
    assert rest.passed and "add $context.integrationErrorMessage" in rest.detail


def test_an_unknown_kind_is_refused_naming_it(cloud):
    with pytest.raises(ParameterError, match="kind: 'websocket'"):
        api_authorized(cloud, "abc", "websocket")


def test_update_stage_keeps_the_settings_it_does_not_name(client):
    """The embedded AWS's UpdateStage (rule apigw_stage_update) changes only the members the request names."""
    v2 = client("apigatewayv2")
    api_id = _http_api(client)
    v2.update_stage(ApiId=api_id, StageName="$default", DefaultRouteSettings={"ThrottlingBurstLimit": 20})
    v2.update_stage(ApiId=api_id, StageName="$default", DefaultRouteSettings={"ThrottlingRateLimit": 10.0},
                    AccessLogSettings={"DestinationArn": LOG_GROUP, "Format": "$context.requestId"})
    stage = v2.get_stage(ApiId=api_id, StageName="$default")
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 20 and stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 10.0
    assert stage["AccessLogSettings"]["DestinationArn"] == LOG_GROUP
