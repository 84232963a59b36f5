"""The data plane: requests sent for real through the embedded AWS, answered as AWS answers where they stop.

Labs come from the tracer's tests (``test_tracer.BUILDERS``) and the pattern runs; every request goes to
127.0.0.1 (the data plane of the session's embedded AWS, and the instance stand-ins it starts).
"""
from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import types

import pytest

import apigw_kit
from apigw_kit import catalogue, catalogue_lab, local, patterns
from apigw_kit.local.data_plane import DROPPED_AFTER, alb_answer
from apigw_kit.local.stand_ins import lambda_proxy, mock
from apigw_kit.patterns.http_alb import Run as HttpAlbRun
from apigw_kit.probe import addressed, fetch, send

from test_tracer import BUILDERS, HEALTHY_REQUEST, build_http_alb, build_rest_nlb, build_rest_private_alb


@pytest.fixture
def cloud(endpoint):
    return apigw_kit.connect("local", region="eu-west-1")


def sent(cloud, **request):
    return send(cloud, apigw_kit.trace(cloud, **request))


# A healthy lab answers from its instance --------------------------------------------------------------
def test_pattern_1_is_answered_by_its_instance(cloud):
    run = HttpAlbRun(cloud=cloud, lab_name="p1").apply()
    observed = run.request("/orders", headers={"X-Forwarded-For": "198.51.100.7"})
    assert observed.status == 200 and observed.agrees, observed
    instance = cloud.client("ec2").describe_instances(InstanceIds=[observed.json["instance"]])["Reservations"][0]["Instances"][0]
    assert observed.json["private_ip"] == instance["PrivateIpAddress"]
    assert observed.json["saw"] == {"method": "GET", "path": "/orders", "host": observed.trace.host,
                                    "x_forwarded_for": "203.0.113.10"}
    assert observed.hop == f"targets: instance {instance['InstanceId']}" and observed.headers["apigw-requestid"]
    assert "200 OK" in repr(observed) and "differs" not in observed._repr_html_()
    line = run.curl("/orders")
    assert line.startswith("curl -i --max-time 10 -X GET -H 'Host: ") and "http://127.0.0.1:" in line


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")
def test_curl_reaches_pattern_1s_instance_then_gets_the_503_of_a_broken_alb_security_group(cloud):
    """The workshop's terminal check: the line run.curl() prints, run by curl itself."""
    run = HttpAlbRun(cloud=cloud, lab_name="p1").apply()
    healthy = subprocess.run(shlex.split(run.curl("/orders")), capture_output=True, text=True, timeout=30).stdout
    assert healthy.startswith("HTTP/1.1 200") and '"instance": "i-' in healthy
    catalogue_lab.break_alb_sg(run.lab)
    broken = subprocess.run(shlex.split(run.curl("/orders")), capture_output=True, text=True, timeout=30).stdout
    assert broken.startswith("HTTP/1.1 503") and broken.endswith('{"message":"Service Unavailable"}')


# API Gateway's error bodies --------------------------------------------------------------------------
def test_http_api_answers_503_500_404_403_with_its_messages(cloud):
    lab = cloud.lab("dp")
    build_http_alb(lab)
    request = catalogue_lab.api_request(lab)
    catalogue_lab.break_alb_sg(lab)
    unavailable = sent(cloud, **request)
    assert (unavailable.status, unavailable.body) == (503, '{"message":"Service Unavailable"}')
    assert unavailable.hop.startswith("ALB ingress") and unavailable.headers["apigw-requestid"]
    assert "x-amzn-ErrorType" not in unavailable.headers
    catalogue_lab.admit_vpc_link(lab)
    catalogue_lab.break_integration_uri(lab)
    failing = sent(cloud, **request)
    assert (failing.status, failing.body) == (500, '{"message":"Internal Server Error"}'), failing
    v2, api = cloud.client("apigatewayv2"), catalogue_lab._http_api(lab)
    for route in v2.get_routes(ApiId=api["ApiId"])["Items"]:
        v2.delete_route(ApiId=api["ApiId"], RouteId=route["RouteId"])
    missing = sent(cloud, **request)
    assert (missing.status, missing.body, missing.hop.split(":")[0]) == (404, '{"message":"Not Found"}', "route")
    v2.update_api(ApiId=api["ApiId"], DisableExecuteApiEndpoint=True)
    forbidden = sent(cloud, **request)
    assert (forbidden.status, forbidden.body) == (403, '{"message":"Forbidden"}'), forbidden


def test_rest_api_answers_403_and_500_with_its_messages_and_error_types(cloud):
    lab = cloud.lab("dp")
    build_rest_nlb(lab)
    request = catalogue_lab.rest_nlb_request(lab)
    no_stage = sent(cloud, **{**request, "url": request["url"].replace("/prod/", "/nostage/")})
    assert (no_stage.status, no_stage.json) == (403, {"message": "Missing Authentication Token"})
    assert no_stage.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert no_stage.headers["x-amzn-RequestId"] and no_stage.headers["x-amz-apigw-id"]
    catalogue_lab.break_nlb_enforcement(lab)
    failing = sent(cloud, **request)
    assert (failing.status, failing.json) == (500, {"message": "Internal server error"})
    assert failing.headers["x-amzn-ErrorType"] == "InternalServerErrorException" and failing.hop.startswith("NLB ingress")


def test_an_endpoint_name_with_the_api_host_reaches_the_private_api(cloud):
    """The client connects to the execute-api endpoint's own name and names the API in Host (curl --connect-to)."""
    lab = cloud.lab("dp")
    source = f"vpc:{build_rest_private_alb(lab).id}"
    (endpoint,) = cloud.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]
    (api,) = cloud.client("apigateway").get_rest_apis()["items"]
    request = {"url": f"https://{endpoint['VpcEndpointId']}-0a1b2c3d.execute-api.eu-west-1.vpce.amazonaws.com/prod/",
               "source": source}
    without = sent(cloud, **request)
    assert (without.status, without.json, without.headers["x-amzn-ErrorType"]) == (403, {"message": "Forbidden"}, "ForbiddenException")
    with_host = sent(cloud, **request, host=f"{api['id']}.execute-api.eu-west-1.amazonaws.com")
    assert with_host.status == 200 and with_host.agrees and with_host.hop.startswith("integration: MOCK"), with_host


# The load balancer's own answers -----------------------------------------------------------------------
def test_alb_answers_503_and_504_itself_and_the_http_api_passes_them_on(cloud):
    lab = cloud.lab("dp")
    build_http_alb(lab)
    request = catalogue_lab.api_request(lab)
    catalogue_lab.break_targets(lab)  # the only instance stopped: no routable target
    unavailable = sent(cloud, **request)
    assert (unavailable.status, unavailable.reason) == (503, "Service Temporarily Unavailable")
    assert "<h1>503 Service Temporarily Unavailable</h1>" in unavailable.body
    assert unavailable.headers["Server"] == "awselb/2.0" and unavailable.headers["apigw-requestid"]
    catalogue_lab.start_targets(lab)
    web = catalogue_lab._ec2_id(lab, "web", "security-group")
    catalogue_lab._revoke_sources(lab, web, groups=[catalogue_lab._ec2_id(lab, "alb", "security-group")])
    timed_out = sent(cloud, **request)
    assert (timed_out.status, timed_out.reason, timed_out.hop.split(":")[0]) == (504, "Gateway Time-out", "target ingress")
    assert "<title>504 Gateway Time-out</title>" in timed_out.body


def test_alb_page_for_502():
    page = alb_answer(502)
    assert page.status == 502 and page.headers["Server"] == "awselb/2.0" and b"<h1>502 Bad Gateway</h1>" in page.body


def test_mock_integration_answers_from_its_templates():
    integration = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                   "integrationResponses": {"200": {"responseTemplates": {"application/json": '{"ok": true}'}}}}
    assert (mock(integration).status, mock(integration).body) == (200, b'{"ok": true}')


def test_lambda_proxy_runs_the_handler_in_process(monkeypatch):
    echo = types.SimpleNamespace(handler=lambda event, context: {"statusCode": 201, "body": event["rawPath"]})
    monkeypatch.setitem(sys.modules, "apigw_kit.lambdas.echo", echo)
    assert (lambda_proxy("echo", {"rawPath": "/orders"}).status, lambda_proxy("echo", {"rawPath": "/x"}).body) == (201, b"/x")
    echo.handler = lambda event, context: 1 / 0
    failed = lambda_proxy("echo", {})
    assert (failed.status, failed.body) == (502, b'{"message":"Internal server error"}')


def test_a_real_account_is_sent_the_url_itself():
    aws = types.SimpleNamespace(backend="aws")
    assert addressed(aws, "https://api.example.com/v1/orders?x=1") == ("https://api.example.com/v1/orders?x=1", {})
    assert addressed(aws, "https://vpce-1-ab.execute-api.eu-west-1.vpce.amazonaws.com/prod/",
                     host="abc.execute-api.eu-west-1.amazonaws.com")[1] == {"Host": "abc.execute-api.eu-west-1.amazonaws.com"}


# Dropped packets: no response, after a bounded wait on the clock ---------------------------------------------
def test_dropped_connection_is_held_on_the_clock_then_closed(cloud, endpoint):
    lab = cloud.lab("dp")
    build_http_alb(lab)
    catalogue_lab.break_public_dns_to_internal(lab)
    request = catalogue_lab.internal_alb_request(lab)
    local.admin(endpoint, "clock", {"scale": 0.01})  # 30 simulated seconds: 0.3 s
    started = time.perf_counter()
    observed = sent(cloud, **request)
    waited = time.perf_counter() - started
    assert observed.status is None and observed.outcome == apigw_kit.tracer.UNREACHABLE and observed.agrees
    assert DROPPED_AFTER * 0.01 <= waited < 5


def test_a_name_that_does_not_resolve_closes_at_once(cloud, endpoint):
    url, headers = local.data_plane_url(endpoint) + "/", {"Host": "nothing.example.org"}
    local.admin(endpoint, "clock", {"scale": 1.0})  # a hold would be 30 s (capped at 5): the test would notice
    started = time.perf_counter()
    assert fetch(url, "GET", headers, timeout=4)[0] is None
    assert time.perf_counter() - started < 3


def test_bad_source_is_a_400_naming_the_parameter(cloud, endpoint):
    lab = cloud.lab("dp")
    build_http_alb(lab)
    host = catalogue_lab.api_request(lab)["url"].split("/")[2]
    status, _, headers, body = fetch(local.data_plane_url(endpoint) + "/", "GET",
                                     {"Host": host, "x-apigw-kit-source": "nowhere"})
    assert status == 400 and "source" in body and headers["x-apigw-kit-hop"] == "kit"


# Prediction and observation agree -------------------------------------------------------------------------
@pytest.mark.parametrize("pattern", sorted(patterns.MODULES))
def test_every_pattern_lab_observed_as_predicted(cloud, pattern):
    run = patterns.load(pattern)(cloud=cloud, lab_name="agree").apply()
    observed = run.request()
    assert observed.status == observed.trace.status == 200, observed


@pytest.mark.parametrize("pattern", sorted(BUILDERS))
def test_every_healthy_lab_observed_as_predicted(cloud, pattern):
    lab = cloud.lab("agree")
    BUILDERS[pattern](lab)
    observed = sent(cloud, **HEALTHY_REQUEST[pattern](lab))
    assert observed.agrees and observed.status == 200, observed


@pytest.mark.parametrize("entry", catalogue.CATALOGUE, ids=lambda entry: entry.id)
def test_every_catalogue_entry_observed_as_predicted(cloud, endpoint, entry):
    lab = cloud.lab("agree")
    BUILDERS[entry.pattern](lab)
    entry.break_lab(lab)
    local.admin(endpoint, "clock", {"scale": 0.001})  # a dropped connection is held 30 ms
    observed = sent(cloud, **entry.request(lab))
    assert observed.agrees, (observed, observed.trace.frame.to_string())
