"""Posture checks: each reads the live configuration and returns a pass/fail row with its reason.

Checks never trust the lab's own records: they describe the resources again,
so a change made behind the kit's back (a rule opened to the world, a target
stopped) shows up. Each has a test on a deliberately broken lab.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .errors import ParameterError
from .lab import AUTH_WAIVER_TAG
from .steps.apigw_http import _items as _v2_items
from .steps.elb import client_ip_preserved
from .steps.elb import load_balancer_ips  # noqa: F401  (the checks and the catalogue read it from here)
from .steps.network import Subnet, routes_to_internet
from .tracer.network import Side, View, admits, reachable


@dataclass(frozen=True)
class Check:
    check: str
    passed: bool
    detail: str


def _lb(cloud, arn: str) -> dict:
    return cloud.client("elbv2").describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]


def _groups(cloud, group_ids) -> list[dict]:
    return cloud.client("ec2").describe_security_groups(GroupIds=list(group_ids))["SecurityGroups"] if group_ids else []


def _ingress_peers(group: dict) -> list[tuple[str, str]]:
    """(peer, ports) for each ingress grant of ``group``."""
    peers = []
    for p in group["IpPermissions"]:
        ports = "all" if p["IpProtocol"] == "-1" else f"{p.get('FromPort')}-{p.get('ToPort')}"
        peers += [(g["GroupId"], ports) for g in p.get("UserIdGroupPairs", [])]
        peers += [(r["CidrIp"], ports) for r in p.get("IpRanges", [])]
        peers += [(r["CidrIpv6"], ports) for r in p.get("Ipv6Ranges", [])]
        peers += [(r["PrefixListId"], ports) for r in p.get("PrefixListIds", [])]
    return peers


def load_balancer_subnets(cloud, lb_arn: str) -> list[str]:
    return [z["SubnetId"] for z in _lb(cloud, lb_arn)["AvailabilityZones"]]


def load_balancer_internal(cloud, lb_arn: str, what: str = "load balancer is internal") -> Check:
    lb = _lb(cloud, lb_arn)
    return Check(what, lb["Scheme"] == "internal",
                 f"{lb['LoadBalancerName']} scheme is {lb['Scheme']}"
                 + ("" if lb["Scheme"] == "internal" else ": anyone can reach it without the API; recreate it internal"))


def subnets_private(cloud, lb_arn: str) -> Check:
    lb = _lb(cloud, lb_arn)
    public = {}
    for zone in lb["AvailabilityZones"]:
        subnet = Subnet(zone["SubnetId"], zone["ZoneName"], "", lb["VpcId"])
        gateways = routes_to_internet(cloud, subnet)
        if gateways:
            public[subnet.id] = gateways
    detail = (f"none of {len(lb['AvailabilityZones'])} subnets routes to an internet gateway" if not public else
              "; ".join(f"{s} routes to {', '.join(g)}" for s, g in public.items()) + ": use private subnets")
    return Check("load balancer subnets are private", not public, detail)


def group_admits_only(cloud, group_ids, allowed: set[str], port: int, what: str) -> Check:
    """Every ingress grant of ``group_ids`` is from one of ``allowed`` and only on ``port``."""
    groups = _groups(cloud, group_ids)
    wanted = f"{port}-{port}"
    extra = [f"{g['GroupName']} admits {peer} on {ports}" for g in groups
             for peer, ports in _ingress_peers(g) if peer not in allowed or ports != wanted]
    admitted = any(peer in allowed and ports == wanted for g in groups for peer, ports in _ingress_peers(g))
    if not admitted:
        extra.append(f"no group of {', '.join(group_ids) or '(none)'} admits {', '.join(sorted(allowed))} on {port}")
    return Check(what, not extra, "; ".join(extra) or f"only {', '.join(sorted(allowed))} on port {port}")


def integration_private(cloud, api_id: str, listener_arn: str, link_id: str) -> Check:
    v2 = cloud.client("apigatewayv2")
    problems = []
    integrations = v2.get_integrations(ApiId=api_id)["Items"]
    for item in integrations:
        if item.get("IntegrationUri") != listener_arn:
            problems.append(f"{item['IntegrationId']} points at {item.get('IntegrationUri')}, not the listener {listener_arn}")
        if item.get("ConnectionType") != "VPC_LINK" or item.get("ConnectionId") != link_id:
            problems.append(f"{item['IntegrationId']} connects via {item.get('ConnectionType')} "
                            f"{item.get('ConnectionId', '')}, not the VPC link {link_id}")
    if not integrations:
        problems.append(f"API {api_id} has no integration")
    return Check("integration is the listener through the VPC link", not problems,
                 "; ".join(problems) or f"{len(integrations)} integration(s) via {link_id} to the listener")


def vpc_link_ready(cloud, link_id: str, lb_arn: str) -> Check:
    link = cloud.client("apigatewayv2").get_vpc_link(VpcLinkId=link_id)
    lb_subnets = {z["SubnetId"] for z in _lb(cloud, lb_arn)["AvailabilityZones"]}
    problems = []
    if link["VpcLinkStatus"] != "AVAILABLE":
        problems.append(f"status {link['VpcLinkStatus']}: {link.get('VpcLinkStatusMessage', '')}".strip())
    missing = lb_subnets - set(link["SubnetIds"])
    if missing:
        problems.append(f"not in the load balancer's subnets {', '.join(sorted(missing))}")
    return Check("VPC link is available in the load balancer's subnets", not problems,
                 "; ".join(problems) or f"AVAILABLE in {len(link['SubnetIds'])} subnets")


def targets_healthy(cloud, target_group_arn: str) -> Check:
    health = cloud.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]
    bad = [f"{t['Target']['Id']} {t['TargetHealth']['State']} ({t['TargetHealth'].get('Reason', '')})"
           for t in health if t["TargetHealth"]["State"] != "healthy"]
    if not health:
        bad.append("no targets registered")
    return Check("all targets healthy", not bad, "; ".join(bad) or f"{len(health)} healthy")


def target_groups_of_instances(cloud, target_group_arn: str) -> list[str]:
    """Security groups of the instances registered in a target group."""
    health = cloud.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]
    ids = [t["Target"]["Id"] for t in health if t["Target"]["Id"].startswith("i-")]
    if not ids:
        return []
    reservations = cloud.client("ec2").describe_instances(InstanceIds=ids)["Reservations"]
    return sorted({g["GroupId"] for r in reservations for i in r["Instances"] for g in i["SecurityGroups"]})


# VPC links v1 and the NLB -> ALB bridge (patterns 4 and 5) ------------------------------------
def rest_vpc_link_ready(cloud, link_id: str) -> Check:
    """A VPC link v1 is AVAILABLE and targets exactly one NLB."""
    link = cloud.client("apigateway").get_vpc_link(vpcLinkId=link_id)
    problems = []
    if link["status"] != "AVAILABLE":
        problems.append(f"status {link['status']}: {link.get('statusMessage', '')}".strip())
    targets = link.get("targetArns", [])
    if len(targets) != 1 or ":loadbalancer/net/" not in targets[0]:
        problems.append(f"targets {targets}: a VPC link v1 needs exactly one NLB")
    return Check("VPC link v1 is available and targets one NLB", not problems,
                 "; ".join(problems) or f"AVAILABLE, target {targets[0].split('/')[-2]}")


def nlb_admits_privatelink(cloud, nlb_arn: str) -> Check:
    """An NLB with security groups must not enforce them on PrivateLink traffic, or the v1 link is dropped."""
    lb = _lb(cloud, nlb_arn)
    groups = lb.get("SecurityGroups") or []
    enforced = lb.get("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "on")
    passed = not groups or enforced == "off"
    detail = ("no security groups on the NLB: PrivateLink traffic is not filtered (and none can be added: an NLB "
              "gets security groups only when it is created)" if not groups else
              f"security groups {', '.join(groups)}, enforcement on PrivateLink traffic {enforced}"
              + ("" if passed else ": the VPC link's traffic is dropped; set it off with SetSecurityGroups"))
    return Check("NLB does not filter the VPC link's PrivateLink traffic", passed, detail)


def group_admits_addresses(cloud, group_ids, addresses: list[str], port: int, what: str) -> Check:
    """Every address in ``addresses`` is admitted on ``port`` by a CIDR rule (a /32 or a block such as the VPC's),
    judged as the tracer judges a hop (``tracer.network.admits``)."""
    groups = _groups(cloud, group_ids)
    missing = [a for a in addresses if admits(groups, "IpPermissions", port, peer_nets=[ipaddress.ip_network(a)]) is None]
    if not addresses:
        missing = ["(no addresses found)"]
    return Check(what, not missing, f"not admitted on {port}: {', '.join(missing)}" if missing
                 else f"{len(addresses)} address(es) admitted on {port}")


def targets_match_addresses(cloud, target_group_arn: str, addresses: list[str], what: str) -> Check:
    """The IP targets of a group (draining ones excluded) are exactly ``addresses``."""
    health = cloud.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]
    registered = {t["Target"]["Id"] for t in health if t["TargetHealth"]["State"] != "draining"}
    missing, stale = sorted(set(addresses) - registered), sorted(registered - set(addresses))
    problems = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"stale {', '.join(stale)}"] if stale else [])
    return Check(what, not problems and bool(addresses), "; ".join(problems) or f"{len(registered)} target(s), all current")


def targets_admit_nlb_clients(cloud, target_group_arn: str, group_ids, client_addresses: list[str], port: int,
                              what: str) -> Check:
    """Targets behind an NLB without security groups admit the clients it forwards, by address.

    With client IP preservation on, the targets see each client's own address, and no rule can name the client's
    security group through the NLB: the targets must admit the clients' CIDRs. With it off, they see the NLB's
    addresses, which the caller checks separately.
    https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-register-targets.html#target-security-groups
    """
    if not client_ip_preserved(cloud, target_group_arn):
        return Check(what, True, "client IP preservation off: requests arrive from the NLB's own addresses")
    found = group_admits_addresses(cloud, group_ids, client_addresses, port, what)
    return Check(what, found.passed, found.detail if found.passed else
                 f"client IP preservation on, so the targets see the clients' addresses; {found.detail} (a rule naming "
                 "the clients' security group does not match through an NLB without security groups): admit their "
                 "CIDRs, or turn preserve_client_ip.enabled off")


def network_path_open(cloud, client_subnets: list[str], server_subnets: list[str], port: int, what: str,
                      client_addresses: list[str] = (), server_addresses: list[str] = ()) -> Check:
    """Route tables and network ACLs let a TCP connection from the client's subnets to the server's on ``port``
    and its answer back, judged by the tracer's ``reachable()`` (addresses default to the subnets' CIDRs)."""
    client = Side("client", tuple(map(ipaddress.ip_network, client_addresses)), tuple(client_subnets))
    server = Side("server", tuple(map(ipaddress.ip_network, server_addresses)), tuple(server_subnets))
    findings = reachable(View(cloud.client("ec2")), client, server, port)
    failed = next((f for f in findings if f.verdict == "fail"), None)
    return Check(what, failed is None, failed.reason if failed else
                 "; ".join(f.reason for f in findings) or "client and server share their subnets: nothing to cross")


# API protection: authorization, throttling, access logs (seed 001: never leave an API unprotected) -----------
DOC_AUTH = {"http": "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html",
            "rest": "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html"}
DOC_THROTTLING = {"http": "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html",
                  "rest": "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html"}
DOC_ACCESS_LOGS = {"http": "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html",
                   "rest": "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html"}
# Why an integration failed (a VPC link that cannot connect, a TLS name that does not match) is only in this variable
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
INTEGRATION_ERROR = "$context.integrationErrorMessage"
API_KINDS = ("http", "rest")


@dataclass(frozen=True)
class _Stage:
    burst: int | None
    rate: float | None
    log_destination: str | None
    log_format: str | None


def _kind(kind: str) -> str:
    if kind not in API_KINDS:
        raise ParameterError("kind", f"{kind!r} is not an API kind", f"use one of {', '.join(API_KINDS)}")
    return kind


def _stage(cloud, api_id: str, stage: str, kind: str) -> _Stage:
    """Stage-wide throttling (an HTTP API's default route settings, a REST API's ``*/*`` method settings) and
    access log settings, as GetStage returns them."""
    if _kind(kind) == "http":
        found = cloud.client("apigatewayv2").get_stage(ApiId=api_id, StageName=stage)
        limits, logs = found.get("DefaultRouteSettings") or {}, found.get("AccessLogSettings") or {}
        return _Stage(limits.get("ThrottlingBurstLimit"), limits.get("ThrottlingRateLimit"),
                      logs.get("DestinationArn"), logs.get("Format"))
    found = cloud.client("apigateway").get_stage(restApiId=api_id, stageName=stage)
    limits, logs = (found.get("methodSettings") or {}).get("*/*", {}), found.get("accessLogSettings") or {}
    return _Stage(limits.get("throttlingBurstLimit"), limits.get("throttlingRateLimit"),
                  logs.get("destinationArn"), logs.get("format"))


def _unauthorized(cloud, api_id: str, kind: str) -> tuple[list[str], int, dict]:
    """(routes or methods without authorization, how many there are, the API's tags). CORS preflights (OPTIONS)
    are left out: browsers send them without credentials."""
    if _kind(kind) == "http":
        v2 = cloud.client("apigatewayv2")
        routes = [r for r in _v2_items(v2.get_routes, ApiId=api_id) if not r["RouteKey"].startswith("OPTIONS ")]
        return ([r["RouteKey"] for r in routes if r.get("AuthorizationType", "NONE") == "NONE"], len(routes),
                v2.get_api(ApiId=api_id).get("Tags") or {})
    v1 = cloud.client("apigateway")
    pages = v1.get_paginator("get_resources").paginate(restApiId=api_id, embed=["methods"])
    methods = [(verb, r["path"], m) for page in pages for r in page["items"]
               for verb, m in (r.get("resourceMethods") or {}).items() if verb != "OPTIONS"]
    return ([f"{verb} {path}" for verb, path, m in methods if m.get("authorizationType", "NONE") == "NONE"],
            len(methods), v1.get_rest_api(restApiId=api_id).get("tags") or {})


def api_authorized(cloud, api_id: str, kind: str, what: str = "") -> Check:
    """Every route (HTTP API) or method (REST API) has an authorizer (IAM, JWT or Cognito, Lambda), unless the API
    records why not in its ``apigw-kit:auth-waiver`` tag: then the check passes and says what is open."""
    unit = "route" if kind == "http" else "method"
    open_, total, tags = _unauthorized(cloud, api_id, kind)
    waiver = (tags.get(AUTH_WAIVER_TAG) or "").strip()
    name = what or f"{kind.upper()} API requires authorization, or records a waiver"
    if not total:
        return Check(name, False, f"API {api_id} has no {unit}: nothing to authorize yet")
    if not open_:
        return Check(name, True, f"{total} {unit}(s), each with an authorizer")
    listed = ", ".join(open_[:5]) + (f" and {len(open_) - 5} more" if len(open_) > 5 else "")
    if waiver:
        return Check(name, True, f"waived ({AUTH_WAIVER_TAG}={waiver}): {len(open_)} of {total} {unit}(s) "
                                 f"have no authorization: {listed}")
    return Check(name, False, f"{len(open_)} of {total} {unit}(s) have authorization NONE ({listed}): anyone who reaches "
                              f"the API calls the backend; add an authorizer ({DOC_AUTH[kind]}), or tag the API "
                              f"{AUTH_WAIVER_TAG}=<why it stays open>")


def stage_throttled(cloud, api_id: str, stage: str, kind: str, what: str = "") -> Check:
    """The stage sets its own burst and rate limits; without them only the account's per-Region limits apply,
    shared by every API of the account, so one noisy API can starve the others."""
    found = _stage(cloud, api_id, stage, kind)
    name = what or f"{kind.upper()} API stage {stage} is throttled"
    if found.burst is None or found.rate is None:
        where = "default route settings" if kind == "http" else "method settings */*"
        return Check(name, False, f"stage {stage} sets no burst and rate limit in its {where}: only the account-level "
                                  f"limits apply ({DOC_THROTTLING[kind]})")
    return Check(name, True, f"stage {stage}: burst {found.burst}, rate {found.rate:g}/s")


def stage_access_logged(cloud, api_id: str, stage: str, kind: str, what: str = "") -> Check:
    """The stage writes access logs (a destination and a format); a format without $context.integrationErrorMessage
    passes, with a note, since it hides why an integration failed."""
    found = _stage(cloud, api_id, stage, kind)
    name = what or f"{kind.upper()} API stage {stage} writes access logs"
    if not found.log_destination or not found.log_format:
        return Check(name, False, f"stage {stage} has no access log settings: a failed request leaves no trace of who "
                                  f"called and what API Gateway answered ({DOC_ACCESS_LOGS[kind]})")
    note = "" if INTEGRATION_ERROR in found.log_format else f"; add {INTEGRATION_ERROR} to the format to see why an integration failed"
    return Check(name, True, f"to {found.log_destination}{note}")
