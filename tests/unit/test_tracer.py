"""The request tracer: healthy labs trace to 200, each catalogued misconfiguration is named.

Healthy labs are built with the library's steps (pattern 1) and plain boto3
for what has no step yet (ACM, execute-api endpoints, REST APIs, Route 53).
Every trace is asserted to make zero mutating calls.
"""
from __future__ import annotations

import ipaddress
import json

import pytest

import apigw_kit
from apigw_kit import catalogue, catalogue_lab, tracer
from apigw_kit.errors import ParameterError
from apigw_kit.local import admin
from apigw_kit.patterns import nlb_alb_bridge
from apigw_kit.steps import apigw_http as h
from apigw_kit.steps import elb as e
from apigw_kit.steps import network as n
from apigw_kit.waits import wait_for

CLIENT_VPN = "10.99.0.0/16"


# Healthy labs ------------------------------------------------------------------------------------
def _network(lab):
    vpc = n.ensure_vpc(lab, "10.20.0.0/16")
    return vpc, n.ensure_private_subnets(lab, vpc)


def _certificate(cloud, name: str) -> str:
    arn = cloud.client("acm").request_certificate(DomainName=name, ValidationMethod="DNS")["CertificateArn"]
    return arn


def build_http_alb(lab, tls: bool = False):
    vpc, subnets = _network(lab)
    link_sg = n.ensure_security_group(lab, vpc, "vpc-link", "VPC link")
    alb_sg = n.ensure_security_group(lab, vpc, "alb", "ALB")
    web_sg = n.ensure_security_group(lab, vpc, "web", "web")
    port = 443 if tls else 80
    n.ensure_ingress(lab, alb_sg, port, source_group=link_sg.id)
    n.ensure_ingress(lab, web_sg, 80, source_group=alb_sg.id)
    alb = e.ensure_load_balancer(lab, "alb", "application", subnets, [alb_sg.id])
    link = h.ensure_vpc_link(lab, subnets, [link_sg])
    instance = n.ensure_instance(lab, subnets[0], web_sg, 80)
    tg = e.ensure_target_group(lab, "web-tg", vpc.id, protocol="HTTP", port=80, target_type="instance")
    e.ensure_targets(lab, tg, [instance])
    e.wait_load_balancer(lab, alb)
    server_name = None
    if tls:
        server_name = f"app.{lab.name}.internal"
        listener = e.ensure_listener(lab, alb, port=443, protocol="HTTPS", target_group=tg,
                                     certificate_arn=_certificate(lab.cloud, f"*.{lab.name}.internal"))
    else:
        listener = e.ensure_listener(lab, alb, port=80, protocol="HTTP", target_group=tg)
    api = h.ensure_http_api(lab)
    h.wait_vpc_link(lab, link)
    integration = h.ensure_private_integration(lab, api, listener.arn, link, server_name=server_name)
    h.ensure_routes(lab, api, integration)
    h.ensure_default_stage(lab, api)
    e.wait_targets_in_service(lab, tg)  # health checks begin once the listener forwards on an active ALB
    return vpc


def _wait_endpoint(cloud, endpoint_id: str) -> dict:
    ec2 = cloud.client("ec2")
    def state():
        return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["State"].lower()
    wait_for(cloud, f"endpoint {endpoint_id}", state, {"available"}, timeout=600, poll=10)
    return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]


def build_rest_private_alb(lab):
    """Client -> internal ALB:443 -> execute-api endpoint ENIs -> private REST API (custom domain)."""
    cloud, ec2, v1 = lab.cloud, lab.cloud.client("ec2"), lab.cloud.client("apigateway")
    vpc, subnets = _network(lab)
    alb_sg = n.ensure_security_group(lab, vpc, "front-alb-sg", "ALB in front of the endpoint")
    endpoint_sg = n.ensure_security_group(lab, vpc, "endpoint-sg", "execute-api endpoint")
    n.ensure_ingress(lab, alb_sg, 443, cidr=vpc.cidr)
    n.ensure_ingress(lab, alb_sg, 443, cidr=CLIENT_VPN)
    n.ensure_ingress(lab, endpoint_sg, 443, source_group=alb_sg.id)
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc.id, ServiceName=f"com.amazonaws.{cloud.region}.execute-api", VpcEndpointType="Interface",
        SubnetIds=[s.id for s in subnets], SecurityGroupIds=[endpoint_sg.id], PrivateDnsEnabled=True,
        TagSpecifications=lab.tag_specs("vpc-endpoint", "endpoint"))["VpcEndpoint"]
    alb = e.ensure_load_balancer(lab, "alb", "application", subnets, [alb_sg.id])
    endpoint = _wait_endpoint(cloud, endpoint["VpcEndpointId"])
    ips = [eni["PrivateIpAddress"] for eni in ec2.describe_network_interfaces(
        NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])["NetworkInterfaces"]]
    tg = e.ensure_target_group(lab, "endpoint-tg", vpc.id, protocol="HTTPS", port=443, target_type="ip", matcher="200,403")
    e.ensure_targets(lab, tg, ips)
    domain = catalogue_lab.custom_domain(lab)
    certificate = _certificate(cloud, domain)
    e.wait_load_balancer(lab, alb)
    e.ensure_listener(lab, alb, port=443, protocol="HTTPS", target_group=tg, certificate_arn=certificate)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyThroughTheLabEndpoint", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*", "Condition": {"StringEquals": {"aws:SourceVpce": endpoint["VpcEndpointId"]}}}]}
    api = v1.create_rest_api(name=lab.resource_name("private-api"), policy=json.dumps(policy),
                             endpointConfiguration={"types": ["PRIVATE"]}, tags=lab.tags("private-api"))
    v1.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
    v1.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK",
                       requestTemplates={"application/json": '{"statusCode": 200}'})
    v1.create_deployment(restApiId=api["id"], stageName="prod")
    v1.create_domain_name(domainName=domain, regionalCertificateArn=certificate, endpointConfiguration={"types": ["REGIONAL"]})
    v1.create_base_path_mapping(domainName=domain, restApiId=api["id"], stage="prod")
    r53 = cloud.client("route53")
    zone = r53.create_hosted_zone(Name=f"{lab.name}.internal", CallerReference=lab.name,
                                  HostedZoneConfig={"PrivateZone": True, "Comment": lab.name},
                                  VPC={"VPCRegion": cloud.region, "VPCId": vpc.id})["HostedZone"]
    r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": domain, "Type": "A", "AliasTarget": {"HostedZoneId": "Z32O12XQLNTSW2", "DNSName": alb.dns_name, "EvaluateTargetHealth": False}}}]})
    e.wait_targets_in_service(lab, tg)
    return vpc


def build_rest_nlb(lab):
    """Regional REST API -> VPC link v1 -> NLB (security groups, not enforced on PrivateLink) -> instance."""
    cloud, v1, elb = lab.cloud, lab.cloud.client("apigateway"), lab.cloud.client("elbv2")
    vpc, subnets = _network(lab)
    nlb_sg = n.ensure_security_group(lab, vpc, "nlb-sg", "NLB")
    web_sg = n.ensure_security_group(lab, vpc, "web", "web")
    n.ensure_ingress(lab, nlb_sg, 80, cidr=vpc.cidr)
    n.ensure_ingress(lab, web_sg, 80, source_group=nlb_sg.id)
    nlb = e.ensure_load_balancer(lab, "nlb", "network", subnets, [nlb_sg.id])
    elb.set_security_groups(LoadBalancerArn=nlb.arn, SecurityGroups=[nlb_sg.id],
                            EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="off")
    instance = n.ensure_instance(lab, subnets[0], web_sg, 80)
    tg = e.ensure_target_group(lab, "web-tg", vpc.id, protocol="TCP", port=80, target_type="instance")
    e.ensure_targets(lab, tg, [instance])
    e.wait_load_balancer(lab, nlb)
    e.ensure_listener(lab, nlb, port=80, protocol="TCP", target_group=tg)
    link = v1.create_vpc_link(name=lab.resource_name("rest-link"), targetArns=[nlb.arn], tags=lab.tags("rest-link"))
    wait_for(cloud, "REST VPC link", lambda: v1.get_vpc_link(vpcLinkId=link["id"])["status"], {"AVAILABLE"}, timeout=900, poll=15)
    api = v1.create_rest_api(name=lab.resource_name("rest-api"), endpointConfiguration={"types": ["REGIONAL"]},
                             tags=lab.tags("rest-api"))
    proxy = v1.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
    v1.put_method(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY", authorizationType="NONE")
    v1.put_integration(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY", type="HTTP_PROXY",
                       integrationHttpMethod="ANY", uri=f"http://{nlb.dns_name}:80/{{proxy}}",
                       connectionType="VPC_LINK", connectionId=link["id"])
    v1.create_deployment(restApiId=api["id"], stageName="prod")
    e.wait_targets_in_service(lab, tg)
    return vpc


def build_http_alb_domain(lab):
    """The TLS lab behind a regional custom domain: alias A record in a public zone -> the domain's API Gateway name."""
    cloud, v2, r53 = lab.cloud, lab.cloud.client("apigatewayv2"), lab.cloud.client("route53")
    build_http_alb(lab, tls=True)
    name = catalogue_lab.domain_name(lab)
    config = v2.create_domain_name(DomainName=name, DomainNameConfigurations=[{
        "CertificateArn": _certificate(cloud, name), "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}])[
        "DomainNameConfigurations"][0]
    v2.create_api_mapping(DomainName=name, ApiId=catalogue_lab._http_api(lab)["ApiId"], Stage="$default")
    zone = r53.create_hosted_zone(Name=f"{lab.name}.example.com", CallerReference=f"{lab.name}-domain")["HostedZone"]
    r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": name, "Type": "A", "AliasTarget": {"HostedZoneId": config["HostedZoneId"],
                                                   "DNSName": config["ApiGatewayDomainName"], "EvaluateTargetHealth": False}}}]})
    return zone["Id"]


def build_rest_nlb_alb(lab):
    """Pattern 5's lab, built by its own run: its NLB -> ALB bridge is the pattern's whole point."""
    return nlb_alb_bridge.Run(cloud=lab.cloud, lab_name=lab.name).apply().vpc


BUILDERS = {"http-alb": build_http_alb, "http-alb-tls": lambda lab: build_http_alb(lab, tls=True),
            "http-alb-domain": build_http_alb_domain,
            "rest-private-alb": build_rest_private_alb, "rest-nlb": build_rest_nlb, "rest-nlb-alb": build_rest_nlb_alb}
HEALTHY_REQUEST = {"http-alb": catalogue_lab.api_request, "http-alb-tls": catalogue_lab.api_request,
                   "http-alb-domain": catalogue_lab.domain_request,
                   "rest-private-alb": catalogue_lab.private_alb_request, "rest-nlb": catalogue_lab.rest_nlb_request,
                   "rest-nlb-alb": catalogue_lab.rest_nlb_request}


@pytest.fixture
def cloud(endpoint):
    return apigw_kit.connect("local", region="eu-west-1")


def traced(cloud, **request) -> tracer.Trace:
    """Trace and assert the tracer only read."""
    before = cloud.calls.snapshot()
    result = apigw_kit.trace(cloud, **request)
    assert cloud.calls.since(before)["mutating"] == 0
    return result


# Healthy labs trace to 200 -----------------------------------------------------------------------
@pytest.mark.parametrize("pattern", sorted(BUILDERS))
def test_healthy_lab_traces_to_200(cloud, pattern):
    lab = cloud.lab("tr")
    BUILDERS[pattern](lab)
    result = traced(cloud, **HEALTHY_REQUEST[pattern](lab))
    assert result.status == 200, result.frame.to_string()
    assert result.failure is None
    assert list(result.frame.columns) == tracer.HOP_COLUMNS
    assert set(result.frame["verdict"]) <= {"ok", "warn", "skip"}


@pytest.mark.parametrize("pattern", ["rest-private-alb", "rest-nlb-alb"])
def test_tracing_pages_network_interfaces_in_a_large_account(cloud, endpoint, pattern):
    """Rule eni_paging: past a size, EC2 refuses to list interfaces by description or address unpaginated."""
    lab = cloud.lab("tr")
    BUILDERS[pattern](lab)
    admin(endpoint, "eni-paging", {"unpaginated_limit": 1})
    try:
        assert traced(cloud, **HEALTHY_REQUEST[pattern](lab)).status == 200
    finally:
        admin(endpoint, "eni-paging", {"unpaginated_limit": None})


def test_http_api_path_names_every_hop(cloud):
    lab = cloud.lab("tr")
    build_http_alb(lab)
    hops = list(traced(cloud, **catalogue_lab.api_request(lab)).frame["hop"])
    for hop in ("dns", "entry", "route", "integration", "vpc link", "vpc link egress", "ALB ingress", "tls",
                "listener", "target group", "target ingress", "targets"):
        assert hop in hops


def test_alb_traced_from_its_vpc_and_from_a_client_network(cloud):
    lab = cloud.lab("tr")
    vpc = build_rest_private_alb(lab)
    alb = cloud.client("elbv2").describe_load_balancers(Names=[lab.resource_name("alb")])["LoadBalancers"][0]
    from_vpc = traced(cloud, url=f"https://{alb['DNSName']}/", source=f"vpc:{vpc.id}", host=catalogue_lab.custom_domain(lab))
    assert from_vpc.status == 200, from_vpc.frame.to_string()
    from_vpn = traced(cloud, url=f"https://{catalogue_lab.custom_domain(lab)}/", source=CLIENT_VPN)
    assert from_vpn.status == 200, from_vpn.frame.to_string()
    # A private zone and a VPN route are not visible in the configuration: said, not assumed silently.
    assert {"dns", "source -> load balancer"} <= {h.hop for h in from_vpn.warnings}
    elsewhere = traced(cloud, url=f"https://{catalogue_lab.custom_domain(lab)}/", source="10.77.0.0/16")
    assert elsewhere.failure.hop == "source -> load balancer" and elsewhere.status is None


def test_private_zone_is_not_visible_from_the_internet(cloud):
    lab = cloud.lab("tr")
    build_rest_private_alb(lab)
    result = traced(cloud, url=f"https://{catalogue_lab.custom_domain(lab)}/", source="internet")
    assert result.failure.hop == "dns" and "private" in result.failure.reason
    assert result.outcome == tracer.UNREACHABLE


def test_private_api_by_invoke_url_from_its_vpc_uses_the_endpoint_private_dns(cloud):
    lab = cloud.lab("tr")
    vpc = build_rest_private_alb(lab)
    api = cloud.client("apigateway").get_rest_apis()["items"][0]
    url = f"https://{api['id']}.execute-api.eu-west-1.amazonaws.com/prod/"
    assert traced(cloud, url=url, source=f"vpc:{vpc.id}").status == 200
    from_internet = traced(cloud, url=url, source="internet")
    assert from_internet.status == 403 and from_internet.failure.hop == "entry"


def test_vpc_endpoint_name_needs_the_api_host_header(cloud):
    lab = cloud.lab("tr")
    vpc = build_rest_private_alb(lab)
    api = cloud.client("apigateway").get_rest_apis()["items"][0]
    endpoint = cloud.client("ec2").describe_vpc_endpoints()["VpcEndpoints"][0]["VpcEndpointId"]
    url = f"https://{endpoint}-abcd1234.execute-api.eu-west-1.vpce.amazonaws.com/prod/"
    without = traced(cloud, url=url, source=f"vpc:{vpc.id}")
    assert without.status == 403 and without.failure.hop == "host header"
    with_host = traced(cloud, url=url, source=f"vpc:{vpc.id}", host=f"{api['id']}.execute-api.eu-west-1.amazonaws.com")
    assert with_host.status == 200, with_host.frame.to_string()


def test_http_api_called_from_a_vpc_with_execute_api_private_dns_is_forbidden(cloud):
    lab = cloud.lab("tr")
    build_http_alb(lab)
    other = cloud.lab("tr2")
    vpc = build_rest_private_alb(other)
    result = traced(cloud, **catalogue_lab.api_request(lab, source=f"vpc:{vpc.id}"))
    assert result.status == 403 and "private DNS" in result.failure.component


def _domain_record(cloud, zone_id: str, name: str, record: dict) -> None:
    """Replace the A/CNAME record of ``name`` by ``record`` (plain Route 53 calls)."""
    r53 = cloud.client("route53")
    old = [r for r in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
           if r["Name"] == name + "." and r["Type"] in ("A", "CNAME")]
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        *({"Action": "DELETE", "ResourceRecordSet": r} for r in old),
        {"Action": "CREATE", "ResourceRecordSet": {"Name": name, **record}}]})


def test_a_custom_domain_record_is_followed_to_what_it_points_at(cloud):
    lab = cloud.lab("tr")
    zone_id = build_http_alb_domain(lab)
    name, request = catalogue_lab.domain_name(lab), catalogue_lab.domain_request(lab)
    healthy = traced(cloud, **request)
    assert healthy.status == 200 and healthy.warnings == [], healthy.frame.to_string()  # no "no Route 53 record" warning
    assert "points at the domain's API Gateway name d-" in healthy.frame.set_index("component").loc["custom domain name", "reason"]
    invoke = catalogue_lab._http_api(lab)["ApiEndpoint"].split("://")[1]
    _domain_record(cloud, zone_id, name, {"Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": invoke}]})
    wrong = traced(cloud, **request)
    assert wrong.status is None and wrong.failure.hop == "dns", wrong.frame.to_string()
    assert "*.execute-api.eu-west-1.amazonaws.com certificate" in wrong.failure.reason
    other = cloud.client("apigatewayv2").create_domain_name(DomainName=f"other.{lab.name}.example.com", DomainNameConfigurations=[
        {"CertificateArn": _certificate(cloud, f"other.{lab.name}.example.com"), "EndpointType": "REGIONAL"}])
    _domain_record(cloud, zone_id, name, {"Type": "CNAME", "TTL": 60, "ResourceRecords": [
        {"Value": other["DomainNameConfigurations"][0]["ApiGatewayDomainName"]}]})
    elsewhere = traced(cloud, **request)
    assert elsewhere.status is None and "is served at d-" in elsewhere.failure.reason, elsewhere.frame.to_string()


def test_a_rest_api_custom_domain_is_followed_through_its_base_path_mapping(cloud):
    lab = cloud.lab("tr")
    build_rest_nlb(lab)
    v1, r53, name = cloud.client("apigateway"), cloud.client("route53"), f"orders.{lab.name}.example.com"
    api = v1.get_rest_apis()["items"][0]
    domain = v1.create_domain_name(domainName=name, regionalCertificateArn=_certificate(cloud, name),
                                   endpointConfiguration={"types": ["REGIONAL"]})
    v1.create_base_path_mapping(domainName=name, restApiId=api["id"], stage="prod", basePath="v1")
    zone = r53.create_hosted_zone(Name=f"{lab.name}.example.com", CallerReference=f"{lab.name}-rest")["HostedZone"]
    _domain_record(cloud, zone["Id"], name, {"Type": "A", "AliasTarget": {
        "HostedZoneId": domain["regionalHostedZoneId"], "DNSName": domain["regionalDomainName"], "EvaluateTargetHealth": False}})
    result = traced(cloud, url=f"https://{name}/v1/orders")
    assert result.status == 200 and result.warnings == [], result.frame.to_string()
    unmapped = traced(cloud, url=f"https://{name}/v2/orders")
    assert unmapped.status == 403 and "Missing Authentication Token" in unmapped.failure.reason, unmapped.frame.to_string()


def test_a_public_rest_api_from_a_vpc_with_execute_api_private_dns_is_forbidden(cloud):
    lab = cloud.lab("tr")
    build_rest_nlb(lab)
    other = cloud.lab("tr2")
    vpc = build_rest_private_alb(other)
    request = catalogue_lab.rest_nlb_request(lab)
    assert traced(cloud, **request).status == 200
    captured = traced(cloud, **{**request, "source": f"vpc:{vpc.id}"})
    assert captured.status == 403 and captured.failure.component == "VPC endpoint private DNS", captured.frame.to_string()
    # Through the endpoint's own name with the public API's Host: the endpoint forwards only to private APIs.
    endpoint = cloud.client("ec2").describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc.id]}])["VpcEndpoints"][0]
    through = traced(cloud, url=f"https://{endpoint['VpcEndpointId']}-abcd1234.execute-api.eu-west-1.vpce.amazonaws.com/prod/orders",
                     source=f"vpc:{vpc.id}", host=request["url"].split("/")[2])
    assert through.status == 403 and through.failure.component == "VPC endpoint", through.frame.to_string()


def test_a_rest_api_with_its_default_endpoint_disabled_is_forbidden(cloud):
    lab = cloud.lab("tr")
    build_rest_nlb(lab)
    v1 = cloud.client("apigateway")
    api = v1.get_rest_apis()["items"][0]
    v1.update_rest_api(restApiId=api["id"], patchOperations=[{"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "True"}])
    result = traced(cloud, **catalogue_lab.rest_nlb_request(lab))
    assert result.status == 403 and "default execute-api endpoint is disabled" in result.failure.reason


def test_unknown_route_is_404_and_bad_input_is_refused(cloud):
    lab = cloud.lab("tr")
    build_http_alb(lab)
    v2 = cloud.client("apigatewayv2")
    api = v2.get_apis()["Items"][0]
    for route in v2.get_routes(ApiId=api["ApiId"])["Items"]:
        if route["RouteKey"] == "ANY /{proxy+}":
            v2.delete_route(ApiId=api["ApiId"], RouteId=route["RouteId"])
    assert traced(cloud, url=api["ApiEndpoint"] + "/orders").status == 404
    with pytest.raises(ParameterError, match="source"):
        apigw_kit.trace(cloud, api["ApiEndpoint"], source="the moon")
    with pytest.raises(ParameterError, match="url"):
        apigw_kit.trace(cloud, "ftp://example.com/")


def test_unknown_name_does_not_resolve(cloud):
    result = traced(cloud, url="https://nowhere.example.org/")
    assert result.outcome == tracer.UNREACHABLE and result.failure.hop == "dns"


# Pure helpers ---------------------------------------------------------------------------------------
def test_route_matching_prefers_specific_paths_and_exact_methods():
    keys = ["ANY /{proxy+}", "GET /orders/{id}", "ANY /orders/{id}", "$default", "POST /orders"]
    assert tracer.match_route(keys, "GET", "/orders/7") == "GET /orders/{id}"
    assert tracer.match_route(keys, "PUT", "/orders/7") == "ANY /orders/{id}"
    assert tracer.match_route(keys, "POST", "/orders") == "POST /orders"
    assert tracer.match_route(keys, "GET", "/a/b/c") == "ANY /{proxy+}"
    assert tracer.match_route(["GET /x", "$default"], "GET", "/y") == "$default"
    assert tracer.match_route(["GET /x"], "GET", "/y") is None


def test_wildcards_cover_one_label():
    assert tracer._covers("*.example.com", "api.example.com")
    assert not tracer._covers("*.example.com", "a.b.example.com")
    assert not tracer._covers("*.example.com", "example.com")
    assert tracer._covers("API.example.com", "api.example.com.")


def test_resource_policy_evaluation():
    allow_vpce = json.dumps({"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Principal": "*",
                                            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]})
    deny_others = json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Principal": "*"},
        {"Effect": "Deny", "Action": "execute-api:Invoke", "Principal": "*",
         "Condition": {"StringNotEquals": {"aws:sourceVpc": "vpc-1"}}}]})
    ctx = {"aws:sourcevpce": "vpce-1", "aws:sourcevpc": "vpc-1"}
    other = {"aws:sourcevpce": "vpce-2", "aws:sourcevpc": "vpc-2"}
    assert tracer.evaluate_resource_policy(allow_vpce, ctx)[0] == "allow"
    assert tracer.evaluate_resource_policy(allow_vpce, other)[0] == "deny"
    assert tracer.evaluate_resource_policy(deny_others, ctx)[0] == "allow"
    assert tracer.evaluate_resource_policy(deny_others, other)[0] == "deny"
    assert tracer.evaluate_resource_policy(None, ctx)[0] == "deny"
    principal_tag = json.dumps({"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
                                               "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}}}]})
    assert tracer.evaluate_resource_policy(principal_tag, ctx)[0] == "unknown"


# The catalogue ----------------------------------------------------------------------------------------
def test_catalogue_entries_are_self_describing():
    frame = catalogue.frame()
    assert len(frame) >= 12 and frame["id"].is_unique
    assert set(frame["pattern"]) <= set(BUILDERS)
    for entry in catalogue.CATALOGUE:
        assert entry.cause and entry.fix and entry.symptom and entry.reference.startswith("https://")
    with pytest.raises(ParameterError):
        catalogue.by_id("no-such-entry")


@pytest.mark.parametrize("entry", catalogue.CATALOGUE, ids=lambda entry: entry.id)
def test_trace_names_the_cause(cloud, entry):
    lab = cloud.lab("tr")
    BUILDERS[entry.pattern](lab)
    assert traced(cloud, **HEALTHY_REQUEST[entry.pattern](lab)).status == 200
    entry.break_lab(lab)
    result = traced(cloud, **entry.request(lab))
    assert result.status == entry.status, result.frame.to_string()
    if entry.status is not None and 200 <= entry.status < 300:
        assert entry.hop in {h.hop for h in result.warnings}, result.frame.to_string()
    else:
        assert result.failure.hop == entry.hop, result.frame.to_string()
    if entry.fix_lab is not None:  # the workshop solution repairs exactly what the break did
        entry.fix_lab(lab)
        fixed = traced(cloud, **entry.request(lab))
        assert fixed.status == 200 and entry.hop not in {h.hop for h in fixed.warnings}, fixed.frame.to_string()


def test_a_load_balancer_arn_as_integration_uri_is_named(cloud, embedded_server):
    """AWS now refuses such a URI when saved; configurations made before that still carry it."""
    from moto.apigatewayv2.models import apigatewayv2_backends
    lab = cloud.lab("tr")
    build_http_alb(lab)
    lb_arn = cloud.client("elbv2").describe_load_balancers()["LoadBalancers"][0]["LoadBalancerArn"]
    api = apigatewayv2_backends["123456789012"]["eu-west-1"].apis[catalogue_lab._http_api(lab)["ApiId"]]
    next(iter(api.integrations.values())).integration_uri = lb_arn  # bypasses the API's validation on purpose
    result = traced(cloud, **catalogue_lab.api_request(lab))
    assert result.status == 500 and result.failure.hop == "integration" and "load balancer ARN" in result.failure.reason


# Target health as ELB routes it (fail-open) -------------------------------------------------------------
def _health(state: str, reason: str = "") -> dict:
    return {"State": state, **({"Reason": reason} if reason else {})}


def test_only_healthy_targets_get_requests_while_one_is_healthy():
    routing = tracer.route({"a": _health("healthy"), "b": _health("unhealthy", "Target.Timeout"),
                            "c": _health("unused", "Target.InvalidState")}, "application")
    assert routing.verdict == "ok" and routing.targets == ["a"] and "only to the healthy" in routing.reason
    assert tracer.route({"a": _health("unavailable", "Target.HealthCheckDisabled")}, "application").targets == ["a"]


def test_every_target_unhealthy_fails_open():
    answering = tracer.route({"a": _health("unhealthy", "Target.ResponseCodeMismatch"),
                              "b": _health("unhealthy", "Target.ResponseCodeMismatch")}, "application")
    assert answering.verdict == "warn" and answering.targets == ["a", "b"] and "fails open" in answering.reason
    assert tracer.DOC_HEALTH_CHECKS["application"] in answering.reason
    timing_out = tracer.route({"a": _health("unhealthy", "Target.Timeout")}, "application")
    assert (timing_out.verdict, timing_out.alb_status) == ("fail", 504) and "fails open" in timing_out.reason
    refusing = tracer.route({"a": _health("unhealthy", "Target.FailedHealthChecks")}, "application")
    assert (refusing.verdict, refusing.alb_status) == ("fail", 502) and tracer.DOC_ALB_ERRORS in refusing.reason
    behind_nlb = tracer.route({"a": _health("unhealthy", "Target.FailedHealthChecks")}, "network")
    assert behind_nlb.verdict == "fail" and "NLB forwards the connection" in behind_nlb.reason
    assert tracer.DOC_HEALTH_CHECKS["network"] in behind_nlb.reason
    # An unused (stopped) target beside the unhealthy ones gets nothing: fail-open covers the unhealthy ones.
    mixed = tracer.route({"a": _health("unhealthy", "Target.ResponseCodeMismatch"),
                          "b": _health("unused", "Target.InvalidState")}, "application")
    assert mixed.verdict == "warn" and mixed.targets == ["a"]


@pytest.mark.parametrize("state, reason", [("unused", "Target.InvalidState"), ("initial", "Elb.InitialHealthChecking"),
                                           ("draining", "Target.DeregistrationInProgress")])
def test_no_routable_target_is_503_from_an_alb(state, reason):
    routing = tracer.route({"a": _health(state, reason)}, "application")
    assert (routing.verdict, routing.alb_status, routing.targets) == ("fail", 503, [])
    assert reason in routing.reason and tracer.DOC_TARGET_HEALTH in routing.reason


def _alb_forwards_to_addresses(cloud, lab, vpc, addresses: list[str]) -> str:
    """Point the http-alb lab's listener at a new IP target group holding ``addresses``; wait for their first verdict."""
    elb = cloud.client("elbv2")
    group = e.ensure_target_group(lab, "ip-tg", vpc.id, protocol="HTTP", port=80, target_type="ip")
    elb.register_targets(TargetGroupArn=group.arn, Targets=[{"Id": a, "Port": 80} for a in addresses])
    alb = elb.describe_load_balancers(Names=[lab.resource_name("alb")])["LoadBalancers"][0]
    listener = elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"][0]
    elb.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": group.arn}])

    def checked() -> str:
        health = elb.describe_target_health(TargetGroupArn=group.arn)["TargetHealthDescriptions"]
        return "initial" if any(t["TargetHealth"]["State"] == "initial" for t in health) else "checked"
    wait_for(cloud, "the new targets' first health verdict", checked, {"checked"}, timeout=900, poll=5)
    return group.arn


def _addresses(cloud, vpc) -> tuple[str, str]:
    """The web instance's address (answers) and a free address of its subnet (nothing answers there)."""
    ec2 = cloud.client("ec2")
    instance = ec2.describe_instances()["Reservations"][0]["Instances"][0]
    subnet = ec2.describe_subnets(SubnetIds=[instance["SubnetId"]])["Subnets"][0]
    return instance["PrivateIpAddress"], str(list(ipaddress.ip_network(subnet["CidrBlock"]).hosts())[-1])


def test_alb_sends_requests_only_to_its_healthy_target(cloud):
    lab = cloud.lab("tr")
    vpc = build_http_alb(lab)
    answering, nobody = _addresses(cloud, vpc)
    _alb_forwards_to_addresses(cloud, lab, vpc, [answering, nobody])
    result = traced(cloud, **catalogue_lab.api_request(lab))
    targets = result.frame.set_index("hop").loc["targets"]
    assert result.status == 200 and targets["verdict"] == "ok" and "only to the healthy" in targets["reason"]


def test_a_draining_target_is_not_judged(cloud):
    """A deregistered target drains (listed, no new requests): a healthy lab with one has nothing to warn about."""
    lab = cloud.lab("tr")
    vpc = build_http_alb(lab)
    answering, nobody = _addresses(cloud, vpc)
    arn = _alb_forwards_to_addresses(cloud, lab, vpc, [answering, nobody])
    elb = cloud.client("elbv2")
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": nobody, "Port": 80}])
    assert {t["Target"]["Id"]: t["TargetHealth"]["State"] for t in elb.describe_target_health(TargetGroupArn=arn)[
        "TargetHealthDescriptions"]}[nobody] == "draining"
    result = traced(cloud, **catalogue_lab.api_request(lab))
    assert result.status == 200 and result.warnings == [], result.frame.to_string()


def test_alb_failing_open_to_a_target_that_does_not_answer_is_a_504(cloud):
    lab = cloud.lab("tr")
    vpc = build_http_alb(lab)
    _, nobody = _addresses(cloud, vpc)
    _alb_forwards_to_addresses(cloud, lab, vpc, [nobody])
    result = traced(cloud, **catalogue_lab.api_request(lab))
    assert result.status == 504 and result.failure.hop == "targets", result.frame.to_string()
    assert "fails open" in result.failure.reason and "Target.Timeout" in result.failure.reason


def _closed_address(cloud, lab, vpc) -> str:
    """An address held by an ENI whose security group admits nobody: it answers nothing from the ALB."""
    ec2 = cloud.client("ec2")
    closed = n.ensure_security_group(lab, vpc, "closed", "admits nobody")
    subnet = ec2.describe_instances()["Reservations"][0]["Instances"][0]["SubnetId"]
    return ec2.create_network_interface(SubnetId=subnet, Groups=[closed.id])["NetworkInterface"]["PrivateIpAddress"]


def test_a_target_closed_to_the_alb_gets_no_requests_while_another_is_healthy(cloud):
    lab = cloud.lab("tr")
    vpc = build_http_alb(lab)
    _alb_forwards_to_addresses(cloud, lab, vpc, [_addresses(cloud, vpc)[0], _closed_address(cloud, lab, vpc)])
    result = traced(cloud, **catalogue_lab.api_request(lab))
    assert result.status == 200, result.frame.to_string()
    assert any(h.hop == "target ingress" and "gets no requests" in h.reason for h in result.warnings)


def test_an_alb_failing_open_to_targets_closed_to_it_answers_504(cloud):
    lab = cloud.lab("tr")
    vpc = build_http_alb(lab)
    _alb_forwards_to_addresses(cloud, lab, vpc, [_closed_address(cloud, lab, vpc)])
    result = traced(cloud, **catalogue_lab.api_request(lab))
    assert result.status == 504 and result.failure.hop == "target ingress", result.frame.to_string()
    assert "fails open" in result.failure.reason


def test_alb_with_no_registered_target_answers_503(cloud):
    lab = cloud.lab("tr")
    vpc = build_http_alb(lab)
    arn = _alb_forwards_to_addresses(cloud, lab, vpc, [_addresses(cloud, vpc)[0]])
    elb = cloud.client("elbv2")
    elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "0"}])  # gone at once, not draining
    targets = [t["Target"] for t in elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]]
    elb.deregister_targets(TargetGroupArn=arn, Targets=targets)
    assert elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"] == []
    result = traced(cloud, **catalogue_lab.api_request(lab))
    assert result.status == 503 and result.failure.hop == "targets", result.frame.to_string()
    assert "no registered targets" in result.failure.reason


def test_a_stopped_instance_is_unused_and_not_failed_open_to(cloud):
    lab = cloud.lab("tr")
    build_http_alb(lab)
    catalogue_lab.break_targets(lab)
    reason = traced(cloud, **catalogue_lab.api_request(lab)).failure.reason
    assert "unused" in reason and "Target.InvalidState" in reason and "fail-open covers only unhealthy" in reason


def test_a_matcher_refusing_the_endpoint_403_is_predicted_and_fails_open(cloud):
    lab = cloud.lab("tr")
    build_rest_private_alb(lab)
    catalogue_lab.break_health_matcher(lab)
    result = traced(cloud, **catalogue_lab.private_alb_request(lab))
    assert result.status == 200 and result.failure is None
    warned = {h.hop: h.reason for h in result.warnings}
    assert "Target.ResponseCodeMismatch" in warned["health check"] and "fails open" in warned["targets"]


# The command line ---------------------------------------------------------------------------------------
def test_doctor_prints_the_hops_and_exits_by_the_verdict(cloud, capsys):
    from apigw_kit.doctor_cli import doctor
    lab = cloud.lab("tr")
    build_http_alb(lab)
    url = catalogue_lab.api_request(lab)["url"]
    assert doctor([url]) == 0
    printed = capsys.readouterr().out
    assert "predicted: 200 OK" in printed and "ALB ingress" in printed
    catalogue_lab.break_alb_sg(lab)
    assert doctor([url, "--method", "POST", "--from", "internet"]) == 1
    assert "predicted: 503 Service Unavailable" in capsys.readouterr().out
    assert doctor([url, "--probe"]) == 1  # on the embedded AWS the request goes through its data plane
    assert "observed:  503 Service Unavailable (answered at ALB ingress" in capsys.readouterr().out


def test_probe_reports_observed_status_and_silence():
    import http.server
    import threading
    from apigw_kit.probe import fetch

    def probe(url, method, host, timeout=10):
        status, reason, _, _ = fetch(url, method, {"Host": host} if host else {}, timeout=timeout)
        return tracer.UNREACHABLE if status is None else f"{status} {reason}"

    class Forbidden(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(403 if self.headers["Host"] == "api.example" else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Forbidden)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        assert probe(url, "GET", None) == "200 OK"
        assert probe(url, "GET", "api.example") == "403 Forbidden"
    finally:
        server.shutdown()
        server.server_close()
    assert probe(url, "GET", None, timeout=1) == tracer.UNREACHABLE


# Fidelity rules the tracer reads (nlb_privatelink_enforcement, vpc_link_states, rest_integration_connection) ----
def test_fidelity_rules_the_tracer_reads(cloud, client, endpoint):
    from apigw_kit import local
    lab = cloud.lab("tr")
    build_rest_nlb(lab)
    elb = client("elbv2")
    nlb = elb.describe_load_balancers(Names=["tr-nlb"])["LoadBalancers"][0]
    assert nlb["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] == "off"
    answer = elb.set_security_groups(LoadBalancerArn=nlb["LoadBalancerArn"], SecurityGroups=nlb["SecurityGroups"],
                                     EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="on")
    assert answer["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] == "on"
    v1 = client("apigateway")
    api = v1.get_rest_apis()["items"][0]
    proxy = next(r for r in v1.get_resources(restApiId=api["id"])["items"] if r["path"] == "/{proxy+}")
    link = v1.get_vpc_links()["items"][0]
    assert v1.get_integration(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY")["connectionId"] == link["id"]
    v2 = client("apigatewayv2")
    v2_link = v2.create_vpc_link(Name="x", SubnetIds=[s["SubnetId"] for s in client("ec2").describe_subnets()["Subnets"]])
    local.admin(endpoint, "vpc-link-state", {"id": v2_link["VpcLinkId"], "state": "FAILED"})
    assert v2.get_vpc_link(VpcLinkId=v2_link["VpcLinkId"])["VpcLinkStatus"] == "FAILED"
    local.admin(endpoint, "vpc-link-state", {"id": v2_link["VpcLinkId"], "state": "AVAILABLE"})
    assert v2.get_vpc_link(VpcLinkId=v2_link["VpcLinkId"])["VpcLinkStatus"] != "FAILED"
