"""API Gateway: names, custom domains, HTTP and REST APIs, resource policies, routes, VPC links and endpoints."""
from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from ..steps.apigw_http import _items as _v2_items
from ..steps.elb import matcher_codes
from .load_balancing import ANSWERS, DOC_HEALTH_CHECKS
from .model import _Hops
from .network import Side

EXECUTE_API = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com$")
VPCE_HOST = re.compile(r"^(?P<id>vpce-[0-9a-f]+)-[a-z0-9]+(\.[a-z0-9-]+)?\.execute-api\.[a-z0-9-]+\.vpce\.amazonaws\.com$")
EXECUTE_API_SERVICE = re.compile(r"^com\.amazonaws\.[a-z0-9-]+\.execute-api$")
# A path no mapping of a custom domain matches: 403 "Missing Authentication Token".
KC_403_CUSTOM_DOMAIN = "https://repost.aws/knowledge-center/api-gateway-403-custom-domain"
# An execute-api interface endpoint forwards only to private APIs: a public API reached through one answers 403.
KC_403_VPC = "https://repost.aws/knowledge-center/api-gateway-vpc-connections"
# A stage or resource the invoke URL names that does not exist: 403 "Missing Authentication Token".
KC_MISSING_TOKEN = "https://repost.aws/knowledge-center/api-gateway-authentication-token-errors"
DOC_DISABLE_REST_ENDPOINT = "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html"
DOC_DISABLE_HTTP_ENDPOINT = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-disable-default-endpoint.html"
DOC_REST_PRIVATE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html"
KC_500_VPC = "https://repost.aws/knowledge-center/api-gateway-500-error-vpc"


# Policies --------------------------------------------------------------------
def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _condition_holds(condition: dict, context: dict[str, str]) -> bool | None:
    """Evaluate the condition block against ``context``; None when it uses keys we cannot know."""
    for operator, tests in condition.items():
        for key, values in tests.items():
            actual = context.get(key.lower())
            if actual is None:
                return None
            wanted = [v.lower() for v in _as_list(values)]
            if operator in ("StringEquals", "StringEqualsIgnoreCase", "ForAnyValue:StringEquals"):
                holds = actual.lower() in wanted
            elif operator in ("StringNotEquals", "StringNotEqualsIgnoreCase"):
                holds = actual.lower() not in wanted
            elif operator == "StringLike":
                holds = any(fnmatchcase(actual.lower(), w) for w in wanted)
            elif operator == "StringNotLike":
                holds = not any(fnmatchcase(actual.lower(), w) for w in wanted)
            else:
                return None
            if not holds:
                return False
    return True


def evaluate_resource_policy(policy: str | None, context: dict[str, str]) -> tuple[str, str]:
    """('allow'|'deny'|'unknown', why) for execute-api:Invoke under ``context`` (aws:sourcevpce, aws:sourcevpc)."""
    if not policy:
        return "deny", "the API has no resource policy; a private API denies every request without one"
    document = json.loads(policy.replace('\\"', '"')) if isinstance(policy, str) else policy
    allowed, unknown = None, None
    for statement in _as_list(document.get("Statement", [])):
        actions = [a.lower() for a in _as_list(statement.get("Action", []))]
        if not any(a in ("*", "execute-api:*", "execute-api:invoke") for a in actions):
            continue
        holds = _condition_holds(statement.get("Condition", {}), context)
        sid = statement.get("Sid", "a statement")
        if holds is None:
            unknown = f"{sid} uses condition keys the tracer cannot evaluate"
        elif holds and statement.get("Effect") == "Deny":
            return "deny", f"{sid} denies it explicitly (context {context})"
        elif holds and statement.get("Effect") == "Allow":
            allowed = f"{sid} allows it"
    if allowed:
        return "allow", allowed
    if unknown:
        return "unknown", unknown
    return "deny", f"no statement allows execute-api:Invoke for {context}"


# HTTP API route matching -----------------------------------------------------------
def _path_matches(template: str, path: str) -> int | None:
    """A specificity score when ``template`` (/a/{b}/{proxy+}) matches ``path``, else None."""
    want = [s for s in template.split("/") if s]
    have = [s for s in path.split("/") if s]
    score = 0
    for index, segment in enumerate(want):
        if segment.endswith("+}"):
            return score if len(have) > index else None
        if index >= len(have):
            return None
        if segment.startswith("{"):
            score += 1
        elif segment == have[index]:
            score += 2
        else:
            return None
    return score + 1 if len(have) == len(want) else None


def match_route(keys: list[str], method: str, path: str) -> str | None:
    """The route key API Gateway picks for ``method path``: most specific path, exact method over ANY."""
    best, best_score = None, -1
    for key in keys:
        if key == "$default":
            continue
        verb, _, template = key.partition(" ")
        if verb not in (method, "ANY"):
            continue
        score = _path_matches(template, path)
        if score is not None and (score * 2 + (verb == method)) > best_score:
            best, best_score = key, score * 2 + (verb == method)
    return best or ("$default" if "$default" in keys else None)


def _uri_port(uri: str) -> int:
    """The port a private integration's URI names, or its scheme's default."""
    return urlsplit(uri).port or (443 if uri.startswith("https") else 80)


class ApiGatewayLayer(_Hops):
    def endpoint_side(self, endpoint: dict) -> Side:
        return Side(endpoint["VpcEndpointId"], (), tuple(endpoint.get("SubnetIds", [])),
                    tuple(g["GroupId"] for g in endpoint.get("Groups", [])))

    def execute_api_endpoints(self, vpc_id: str | None = None) -> list[dict]:
        filters = [{"Name": "vpc-endpoint-type", "Values": ["Interface"]}]
        if vpc_id:
            filters.append({"Name": "vpc-id", "Values": [vpc_id]})
        pages = self.ec2.get_paginator("describe_vpc_endpoints").paginate(Filters=filters)
        return [e for page in pages for e in page["VpcEndpoints"]
                if EXECUTE_API_SERVICE.match(e["ServiceName"]) and e.get("State", "").lower() == "available"]

    def domain_mapping(self, domain: str) -> None:
        """Follow the custom domain's API mapping (HTTP API domain) or base path mapping (REST API domain)."""
        try:
            self.v2.get_domain_name(DomainName=domain)
        except ClientError:  # a REST API domain only the v1 API knows (on AWS the v2 API lists them too)
            mapping = self.base_path_mapping(domain, "custom domain")
            self.add("custom domain", "base path mapping", domain, "ok",
                     f"mapped to API {mapping['restApiId']} stage {mapping.get('stage')}")
            return self.rest_api(self.v1.get_rest_api(restApiId=mapping["restApiId"]), None, mapping.get("stage"))
        mapping = self.select_mapping(_v2_items(self.v2.get_api_mappings, DomainName=domain), "ApiMappingKey",
                                      "custom domain", "API mapping", domain)
        self.add("custom domain", "API mapping", mapping["ApiMappingId"], "ok",
                 f"{domain}/{mapping.get('ApiMappingKey', '')} -> API {mapping['ApiId']} stage {mapping['Stage']}")
        self.api_by_id(mapping["ApiId"], None, via_endpoint=None, stage=mapping["Stage"])

    def base_path_mapping(self, domain: str, hop: str) -> dict:
        return self.select_mapping(self.v1.get_base_path_mappings(domainName=domain).get("items", []), "basePath",
                                   hop, "base path mapping", domain)

    def select_mapping(self, mappings: list[dict], key: str, hop: str, component: str, domain: str) -> dict:
        """The mapping whose path is the request's first segment (which it strips), else the one with the empty path."""
        segment = self.path.strip("/").split("/")[0]
        empty = ("", "(none)", None)
        mapping = next((m for m in mappings if segment and m.get(key) == segment), None) or \
            next((m for m in mappings if m.get(key) in empty), None)
        if mapping is None:
            self.fail(hop, component, domain, f"no {component} of {domain} matches {self.path}: API Gateway answers 403 "
                      f'{{"message":"Missing Authentication Token"}} ({KC_403_CUSTOM_DOMAIN})', 403)
        if mapping.get(key) not in empty:
            self.path = "/" + self.path.strip("/").partition("/")[2]
        return mapping

    # APIs ----------------------------------------------------------------------------
    def api_by_id(self, api_id: str, host_header: str | None, via_endpoint: dict | None, stage: str | None = None) -> None:
        """The API named by its execute-api name (``stage`` None) or by a custom domain's mapping (``stage`` given)."""
        try:
            api = self.v2.get_api(ApiId=api_id)
        except ClientError:
            api = None
        if api is not None and api.get("ProtocolType") == "HTTP":
            if stage is None:
                self.default_endpoint("HTTP API", api_id, via_endpoint, api.get("DisableExecuteApiEndpoint"))
            return self.http_api(api, stage)
        try:
            rest = self.v1.get_rest_api(restApiId=api_id)
        except ClientError:
            self.fail("entry", "API", api_id, f"no HTTP or REST API {api_id} in {self.cloud.region}", 403)
        if stage is None and "PRIVATE" not in rest.get("endpointConfiguration", {}).get("types", []):
            self.default_endpoint("REST API", api_id, via_endpoint, rest.get("disableExecuteApiEndpoint"))
        return self.rest_api(rest, via_endpoint, stage)

    def default_endpoint(self, kind: str, api_id: str, via_endpoint: dict | None, disabled: bool | None) -> None:
        """A public (regional or edge) API called by its execute-api name: not through an execute-api VPC endpoint,
        and not with its default endpoint disabled; either answers 403."""
        only_private = (f"an interface endpoint forwards only to private APIs, so this public {kind} answers 403 "
                        f"Forbidden ({KC_403_VPC})")
        if via_endpoint is not None:
            self.fail("entry", "VPC endpoint", via_endpoint["VpcEndpointId"], f"the request goes through execute-api "
                      f"endpoint {via_endpoint['VpcEndpointId']}: {only_private}", 403)
        if self.source.kind == "vpc":
            captured = next((e for e in self.execute_api_endpoints(self.source.vpc_id) if e.get("PrivateDnsEnabled")), None)
            if captured is not None:
                self.fail("entry", "VPC endpoint private DNS", captured["VpcEndpointId"], f"{self.source.vpc_id} has an "
                          f"execute-api endpoint with private DNS: every *.execute-api.{self.cloud.region}.amazonaws.com "
                          f"name resolves to it there, and {only_private}", 403)
        if disabled:
            doc = DOC_DISABLE_REST_ENDPOINT if kind == "REST API" else DOC_DISABLE_HTTP_ENDPOINT
            self.fail("entry", kind, api_id, f"the default execute-api endpoint is disabled: it answers 403 Forbidden; "
                      f"call the custom domain ({doc})", 403)

    def http_api(self, api: dict, stage: str | None) -> None:
        api_id = api["ApiId"]
        stages = {s["StageName"] for s in _v2_items(self.v2.get_stages, ApiId=api_id)}
        if stage is None:
            first = self.path.strip("/").split("/")[0]
            if first in stages and first != "$default":
                stage, self.path = first, "/" + self.path.strip("/").partition("/")[2]
            elif "$default" in stages:
                stage = "$default"
            else:
                self.fail("entry", "HTTP API stage", api_id, f"no $default stage and {first!r} is not a stage", 404)
        self.add("entry", "HTTP API", api_id, "ok", f"{api['Name']} stage {stage}, public endpoint")
        self.public_way_out("API Gateway", api_id)
        routes = {r["RouteKey"]: r for r in _v2_items(self.v2.get_routes, ApiId=api_id)}
        key = match_route(list(routes), self.trace.method, self.path)
        if key is None:
            self.fail("route", "HTTP API route", api_id, f"no route matches {self.trace.method} {self.path}", 404)
        route = routes[key]
        target = route.get("Target", "")
        if not target.startswith("integrations/"):
            self.fail("route", "HTTP API route", route["RouteId"], f"{key} has no integration target", 404)
        self.add("route", "HTTP API route", route["RouteId"], "ok", f"{self.trace.method} {self.path} matches {key}")
        integration = self.v2.get_integration(ApiId=api_id, IntegrationId=target.removeprefix("integrations/"))
        self.http_integration(integration)

    def http_integration(self, integration: dict) -> None:
        iid, uri = integration["IntegrationId"], integration.get("IntegrationUri", "")
        if integration.get("ConnectionType") != "VPC_LINK":
            self.add("integration", "integration", iid, "skip", f"{integration['IntegrationType']} to {uri}: not a private integration")
            return
        if ":loadbalancer/" in uri:
            self.fail("integration", "integration", iid, f"the URI is a load balancer ARN ({uri}); a private "
                      "integration needs the ARN of one of its listeners", 500)
        if ":listener/" not in uri:
            self.add("integration", "integration", iid, "skip", f"URI {uri} is not a load balancer listener (Cloud Map is not traced)")
            return
        self.add("integration", "integration", iid, "ok", f"HTTP_PROXY through VPC link {integration['ConnectionId']} to listener")
        link = self.vpc_link_v2(integration["ConnectionId"])
        listener = self.listener(uri, 500)
        lb = self.elb.describe_load_balancers(LoadBalancerArns=[listener["LoadBalancerArn"]])["LoadBalancers"][0]
        self.link_reaches(link, lb, listener["Port"])
        self.add("load balancer", "load balancer", lb["LoadBalancerName"], "ok", f"{lb['Type']} {lb['Scheme']}, the link's target")
        self.tls_check(integration, listener)
        self.behind_listener(lb, listener, self.trace.host, unreachable=503)
        if lb["Scheme"] == "internet-facing":
            self.add("bypass", "load balancer", lb["LoadBalancerName"], "warn", "the load balancer behind the VPC link is "
                     "internet-facing: clients can call it directly and bypass the API's authorization and throttling")

    def vpc_link_v2(self, link_id: str) -> dict:
        try:
            link = self.v2.get_vpc_link(VpcLinkId=link_id)
        except ClientError:
            self.fail("vpc link", "VPC link (v2)", link_id, "the integration names a VPC link that does not exist", 500)
        status = link.get("VpcLinkStatus")
        if status == "INACTIVE":
            self.fail("vpc link", "VPC link (v2)", link_id, "INACTIVE (no traffic for 60 days): API Gateway deleted its "
                      "ENIs and reprovisions them on the next requests, which fail meanwhile", 503)
        if status == "PENDING":
            self.fail("vpc link", "VPC link (v2)", link_id, "PENDING: its ENIs are still being created", 503)
        if status != "AVAILABLE":
            self.fail("vpc link", "VPC link (v2)", link_id, f"status {status}: {link.get('VpcLinkStatusMessage', '')} "
                      "(a FAILED link must be recreated)", 500)
        self.add("vpc link", "VPC link (v2)", link_id, "ok", f"AVAILABLE in {', '.join(link['SubnetIds'])}")
        return link

    # Private REST APIs and their VPC endpoint -------------------------------------------------
    def endpoint_of_targets(self, tg: dict, health: list[dict]) -> dict | None:
        if tg["TargetType"] != "ip":
            return None
        ips = {t["Target"]["Id"] for t in health}
        for endpoint in self.execute_api_endpoints(tg["VpcId"]):
            if not endpoint["NetworkInterfaceIds"]:  # still pending; an empty ID list would list the whole account
                continue
            enis = self.ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])["NetworkInterfaces"]
            if ips & {e["PrivateIpAddress"] for e in enis}:
                return endpoint
        return None

    def endpoint_health_matcher(self, tg: dict, endpoint: dict, states: dict[str, dict]) -> dict[str, dict]:
        """The target health the matcher predicts: an execute-api endpoint answers a health check with 403.

        A health check carries no API Host header, so the endpoint answers 403 ``Forbidden``; a matcher without
        403 marks every endpoint ENI unhealthy (Target.ResponseCodeMismatch) whatever the account reports yet.
        """
        codes = tg.get("Matcher", {}).get("HttpCode", "")
        if 403 in matcher_codes(codes):
            self.add("health check", "target group", tg["TargetGroupName"], "ok", f"matcher {codes} accepts the endpoint's 403")
            return states
        guide = DOC_HEALTH_CHECKS["application"]
        self.add("health check", "target group", tg["TargetGroupName"], "warn", f"targets are the execute-api endpoint "
                 f"{endpoint['VpcEndpointId']}, which answers a health check (no API Host header) with 403; the matcher "
                 f"{codes!r} does not accept 403, so every target is unhealthy (Target.ResponseCodeMismatch). The ALB "
                 f"fails open and still forwards requests, which carry the API's Host and get its answer ({guide})")
        predicted = {"State": "unhealthy", "Reason": ANSWERS, "Description": f"the endpoint answers 403, matcher {codes}"}
        return {target: predicted if health["State"] == "healthy" else health for target, health in states.items()}

    def vpc_endpoint_entry(self, endpoint_id: str, host: str, host_header: str) -> None:
        endpoints = self.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"]
        if not endpoints:
            self.fail("dns", "VPC endpoint", endpoint_id, "no such endpoint: the name does not resolve", None)
        endpoint = endpoints[0]
        self.add("dns", "VPC endpoint name", host, "ok", f"endpoint-specific name of {endpoint_id}")
        self.source_reaches(endpoint["VpcId"], self.port, [g["GroupId"] for g in endpoint.get("Groups", [])],
                            "VPC endpoint", endpoint_id, internet_facing=False, server=self.endpoint_side(endpoint))
        self.host_to_private_api(host_header, endpoint)

    def host_to_private_api(self, host_header: str, endpoint: dict) -> None:
        """An execute-api endpoint routes on the Host header: an API's own name or a mapped custom domain."""
        match = EXECUTE_API.match(host_header)
        if match:
            self.add("host header", "Host", host_header, "ok", f"names API {match['api']}")
            return self.api_by_id(match["api"], host_header, via_endpoint=endpoint)
        # AWS's own names are never custom domain names: no need to ask API Gateway about them.
        if host_header.endswith(".amazonaws.com") or not self.rest_domain_exists(host_header):
            self.fail("host header", "Host", host_header, "the execute-api endpoint receives a Host that is neither an "
                      "API's execute-api name nor a custom domain name of a private API: API Gateway answers "
                      '{"message":"Forbidden"}', 403)
        mapping = self.base_path_mapping(host_header, "host header")
        self.add("host header", "custom domain", host_header, "ok", f"mapped to API {mapping['restApiId']} stage {mapping.get('stage')}")
        rest = self.v1.get_rest_api(restApiId=mapping["restApiId"])
        self.rest_api(rest, endpoint, mapping.get("stage"))

    def rest_domain_exists(self, name: str) -> bool:
        try:
            self.v1.get_domain_name(domainName=name)
            return True
        except ClientError:
            return False

    def rest_api(self, rest: dict, via_endpoint: dict | None, stage: str | None) -> None:
        api_id = rest["id"]
        private = "PRIVATE" in rest.get("endpointConfiguration", {}).get("types", [])
        if private:
            via_endpoint = via_endpoint or self.private_dns_endpoint(api_id)
            self.add("entry", "private REST API", api_id, "ok", f"{rest['name']} through endpoint {via_endpoint['VpcEndpointId']}")
            context = {"aws:sourcevpce": via_endpoint["VpcEndpointId"], "aws:sourcevpc": via_endpoint["VpcId"]}
            decision, why = evaluate_resource_policy(rest.get("policy"), context)
            if decision == "deny":
                self.fail("resource policy", "private REST API", api_id, why, 403)
            self.add("resource policy", "private REST API", api_id, "ok" if decision == "allow" else "warn", why)
        else:
            self.add("entry", "REST API", api_id, "ok", f"{rest['name']} ({', '.join(rest.get('endpointConfiguration', {}).get('types', []))})")
            self.public_way_out("API Gateway", api_id)
        if stage is None:
            stage, _, rest_path = self.path.strip("/").partition("/")
            self.path = "/" + rest_path
        try:
            self.v1.get_stage(restApiId=api_id, stageName=stage)
        except ClientError:
            self.fail("stage", "REST API stage", api_id, f"no stage {stage!r}: API Gateway answers 403 "
                      f'{{"message":"Missing Authentication Token"}} ({KC_MISSING_TOKEN})', 403)
        self.add("stage", "REST API stage", f"{api_id}/{stage}", "ok", "deployed")
        self.rest_method(api_id)

    def private_dns_endpoint(self, api_id: str) -> dict:
        if self.source.kind == "internet":
            self.fail("entry", "private REST API", api_id, "a private API is reachable only through an execute-api "
                      "VPC endpoint; from the internet API Gateway answers 403 Forbidden", 403)
        vpc_id = self.source.vpc_id
        endpoints = [e for e in self.execute_api_endpoints(vpc_id) if e.get("PrivateDnsEnabled")] if vpc_id else []
        if not endpoints:
            self.fail("dns", "VPC endpoint private DNS", vpc_id or self.source.label, "no execute-api endpoint with "
                      f"private DNS in {self.source.label}: the name resolves to the public API Gateway, which answers 403 "
                      "for a private API (use the endpoint's own DNS name with a Host header)", 403)
        endpoint = endpoints[0]
        self.add("dns", "VPC endpoint private DNS", endpoint["VpcEndpointId"], "ok", f"*.execute-api resolves to it in {vpc_id}")
        self.source_reaches(endpoint["VpcId"], 443, [g["GroupId"] for g in endpoint.get("Groups", [])],
                            "VPC endpoint", endpoint["VpcEndpointId"], internet_facing=False, server=self.endpoint_side(endpoint))
        return endpoint

    def rest_method(self, api_id: str) -> None:
        resources = [r for page in self.v1.get_paginator("get_resources").paginate(restApiId=api_id) for r in page["items"]]
        scored = [(score, r) for r in resources if (score := _path_matches(r["path"], self.path)) is not None]
        best = max(scored, key=lambda pair: pair[0], default=(None, None))[1]
        methods = (best or {}).get("resourceMethods", {})
        verb = self.trace.method if self.trace.method in methods else "ANY" if "ANY" in methods else None
        if best is None or verb is None:
            self.fail("route", "REST API resource", api_id, f"no resource method for {self.trace.method} {self.path}: "
                      'API Gateway answers 403 {"message":"Missing Authentication Token"}', 403)
        self.add("route", "REST API resource", best["id"], "ok", f"{self.trace.method} {self.path} matches {verb} {best['path']}")
        integration = self.v1.get_integration(restApiId=api_id, resourceId=best["id"], httpMethod=verb)
        if integration.get("connectionType") != "VPC_LINK":
            self.add("integration", "integration", best["id"], "skip",
                     f"{' '.join(filter(None, (integration.get('type'), integration.get('uri'))))}: not a private integration")
            return
        self.rest_vpc_link(integration)

    def rest_vpc_link(self, integration: dict) -> None:
        if integration.get("integrationTarget"):
            return self.rest_vpc_link_v2(integration)
        link_id = integration.get("connectionId", "")
        try:
            link = self.v1.get_vpc_link(vpcLinkId=link_id)
        except ClientError:
            self.fail("vpc link", "VPC link (v1)", link_id, "the integration names a VPC link that does not exist", 500)
        if link.get("status") != "AVAILABLE":
            self.fail("vpc link", "VPC link (v1)", link_id, f"status {link.get('status')}: {link.get('statusMessage', '')}", 500)
        self.add("integration", "integration", link_id, "ok", f"{integration.get('type')} {integration.get('uri', '')} through VPC link {link_id}")
        self.add("vpc link", "VPC link (v1)", link_id, "ok", "AVAILABLE (PrivateLink endpoint service to the NLB)")
        lb = self.elb.describe_load_balancers(LoadBalancerArns=link["targetArns"][:1])["LoadBalancers"][0]
        self.privatelink = True  # the NLB's targets see its own addresses, whatever client IP preservation says
        port = _uri_port(integration.get("uri", ""))
        if lb.get("SecurityGroups"):
            enforced = lb.get("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "on")
            if enforced == "on":
                self.fail("NLB ingress", "load balancer", lb["LoadBalancerName"], "the NLB has security groups and "
                          "evaluates them on PrivateLink traffic (EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic=on, "
                          "the default); API Gateway's VPC link traffic comes from addresses no rule can name, so it is "
                          "dropped: turn enforcement off for PrivateLink traffic", 500)
            self.add("NLB ingress", "load balancer", lb["LoadBalancerName"], "ok", "security groups not enforced on PrivateLink traffic")
        self.add("load balancer", "load balancer", lb["LoadBalancerName"], "ok", f"{lb['Type']} {lb['Scheme']}, the link's target")
        listener = self.listener_on_port(lb, port)
        self.behind_listener(lb, listener, urlsplit(integration.get("uri", "")).hostname or "", unreachable=500)

    def listener_on_port(self, lb: dict, port: int) -> dict:
        """The load balancer's listener on the port a REST integration's URI names."""
        listener = next((l for l in self.elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
                         if l["Port"] == port), None)
        if listener is None:
            self.fail("listener", "load balancer", lb["LoadBalancerName"], f"no listener on port {port} (from the integration URI)", 500)
        return listener

    def rest_vpc_link_v2(self, integration: dict) -> None:
        """A REST API on a VPC link v2 (2025): the link is an API Gateway v2 resource and ``integrationTarget`` names
        the ALB or NLB; the listener is the one on the URI's port, and the backend path starts with the stage name
        (DOC_REST_PRIVATE). A link that cannot connect gives REST's 500 (KC_500_VPC)."""
        uri = integration.get("uri", "")
        link = self.vpc_link_v2(integration.get("connectionId", ""))
        lb = self.elb.describe_load_balancers(LoadBalancerArns=[integration["integrationTarget"]])["LoadBalancers"][0]
        port = _uri_port(uri)
        self.add("integration", "integration", link["VpcLinkId"], "ok", f"{integration.get('type')} {uri} through VPC "
                 f"link (v2) {link['VpcLinkId']} to {lb['LoadBalancerName']}; the stage name leads the backend path "
                 f"({DOC_REST_PRIVATE})")
        self.link_reaches(link, lb, port, status=500)
        self.add("load balancer", "load balancer", lb["LoadBalancerName"], "ok", f"{lb['Type']} {lb['Scheme']}, the link's target")
        listener = self.listener_on_port(lb, port)
        self.behind_listener(lb, listener, urlsplit(uri).hostname or "", unreachable=500)
