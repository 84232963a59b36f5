"""Misconfigurations users actually hit, as data: symptom, cause, fix, reference, and how to cause it.

Each entry names the lab pattern it applies to, a ``break_lab(lab)`` that
breaks a healthy lab of that pattern in exactly that way (found by the lab's
tags and names, so it works on a lab built by any code), and ``request(lab)``,
the ``trace()`` arguments of the request that shows the symptom. The tests
build each broken lab and assert the tracer names the cause; workshop
break-and-fix exercises and the docs' troubleshooting page read the same list.

Patterns: ``http-alb`` (HTTP API -> VPC link v2 -> internal ALB:80 -> instance),
``http-alb-tls`` (the same through an HTTPS:443 listener with TlsConfig),
``rest-private-alb`` (client -> internal ALB:443 -> execute-api endpoint ->
private REST API, custom domain ``api.<lab>.internal``), ``rest-nlb``
(regional REST API -> VPC link v1 -> NLB with security groups -> instance),
``rest-nlb-alb`` (REST API -> VPC link v1 -> NLB whose IP targets a scheduled
sync function keeps on the ALB's addresses -> internal ALB -> instance).

Entries find resources by role and by what points at what (the target group a
listener forwards to, the groups guarding an NLB's targets), not by one
builder's names, so the pattern notebooks play them as workshop exercises on
their own labs.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from . import local
from .checks import load_balancer_ips
from .lambdas import target_sync
from .errors import ParameterError
from .steps import dns, functions, network
from .steps import elb as steps_elb  # functions here name their elbv2 client 'elb'
from .steps.apigw_http import VpcLink, wait_vpc_link
from .steps.apigw_http import _items as _v2_items
from .tracer import DOC_ALB_ERRORS, DOC_HTTP_PRIVATE, DOC_TARGET_HEALTH  # one place for the pages the verdicts and entries cite
from .tracer.network import DOC_EPHEMERAL, DOC_NACL_RULES, DOC_PEERING_LIMITS, DOC_PEERING_ROUTES

KC_500_VPC = "https://repost.aws/knowledge-center/api-gateway-500-error-vpc"
KC_5XX = "https://repost.aws/knowledge-center/api-gateway-5xx-error"
KC_403_VPC = "https://repost.aws/knowledge-center/api-gateway-vpc-connections"
KC_ACCESS_DENIED = "https://repost.aws/knowledge-center/api-gateway-access-denied"
DOC_HTTP_VPC_LINKS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html"
DOC_TLS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigatewayv2-integration-tlsconfig.html"
DOC_NLB_SG = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetSecurityGroups.html"
DOC_ALB_SCHEME = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-scheme"
DOC_TG_HEALTH = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"
DOC_NLB_HEALTH = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html"
DOC_ALB_TARGET = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/application-load-balancer-target.html"
DOC_PRIVATE_API = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html"


@dataclass(frozen=True)
class Misconfiguration:
    id: str
    title: str
    pattern: str
    symptom: str  # what the caller sees
    status: int | None  # predicted HTTP status; None = no response (timeout)
    hop: str  # the hop the trace names as failing (or warning, for ``status`` 2xx)
    cause: str
    fix: str
    reference: str
    break_lab: Callable
    request: Callable
    local_only: bool = False  # AWS reaches the state on its own; only the embedded AWS can force it
    fix_lab: Callable | None = None  # repairs a lab broken by break_lab (workshop solutions); None: nothing in the lab to fix


# Finding a lab's resources by tag and name (live state, never the builder's records) ------------
def _ec2_id(lab, role: str, kind: str) -> str:
    ec2 = lab.cloud.client("ec2")
    found = {
        "security-group": lambda: [g["GroupId"] for g in ec2.describe_security_groups(Filters=lab.ec2_filters(role))["SecurityGroups"]],
        "vpc": lambda: [v["VpcId"] for v in ec2.describe_vpcs(Filters=lab.ec2_filters(role))["Vpcs"]],
        "instance": lambda: [i["InstanceId"] for r in ec2.describe_instances(Filters=lab.ec2_filters(role))["Reservations"]
                             for i in r["Instances"] if i["State"]["Name"] != "terminated"],
        "vpc-endpoint": lambda: [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=lab.ec2_filters(role))["VpcEndpoints"]],
    }[kind]()
    if not found:
        raise ParameterError("lab", f"lab {lab.name!r} has no {kind} with role {role!r}", "build the healthy lab of this pattern first")
    return found[0]


def _load_balancer(lab, role: str) -> dict:
    return lab.cloud.client("elbv2").describe_load_balancers(Names=[lab.resource_name(role)])["LoadBalancers"][0]


def _listener(lab, role: str, port: int) -> dict:
    listeners = lab.cloud.client("elbv2").describe_listeners(LoadBalancerArn=_load_balancer(lab, role)["LoadBalancerArn"])
    return next(l for l in listeners["Listeners"] if l["Port"] == port)


def _http_api(lab) -> dict:
    v2 = lab.cloud.client("apigatewayv2")
    return next(a for a in _v2_items(v2.get_apis) if a["Name"] == lab.resource_name("http-api"))


def _private_integration(lab) -> tuple[str, dict]:
    v2, api = lab.cloud.client("apigatewayv2"), _http_api(lab)
    return api["ApiId"], next(i for i in _v2_items(v2.get_integrations, ApiId=api["ApiId"]) if i.get("ConnectionType") == "VPC_LINK")


def _update_integration(lab, **changes) -> None:
    """Change the private integration where it differs (so a fix run on a healthy lab changes nothing)."""
    api_id, integration = _private_integration(lab)
    if any(integration.get(key) != value for key, value in changes.items()):
        lab.cloud.client("apigatewayv2").update_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"], **changes)


def _rest_api(lab, role: str) -> dict:
    apis = lab.cloud.client("apigateway").get_rest_apis(limit=500)["items"]
    return next(a for a in apis if a["name"] == lab.resource_name(role))


def custom_domain(lab) -> str:
    """The private custom domain name of the ``rest-private-alb`` pattern."""
    return f"api.{lab.name}.internal"


def _revoke_sources(lab, group_id: str, groups=(), cidrs=()) -> None:
    """Revoke the ingress of ``group_id`` from these source groups and CIDRs, and nothing else."""
    ec2 = lab.cloud.client("ec2")
    for rule in ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]:
        pairs = [p for p in rule.get("UserIdGroupPairs", []) if p["GroupId"] in groups]
        ranges = [r for r in rule.get("IpRanges", []) if r["CidrIp"] in cidrs]
        if pairs or ranges:
            ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[{
                **rule, "UserIdGroupPairs": pairs, "IpRanges": ranges, "Ipv6Ranges": [], "PrefixListIds": []}])


# Requests ----------------------------------------------------------------------------------------
def api_request(lab, source: str = "internet") -> dict:
    return {"url": _http_api(lab)["ApiEndpoint"] + "/orders", "source": source}


def private_alb_request(lab) -> dict:
    vpc = _ec2_id(lab, "vpc", "vpc")
    return {"url": f"https://{custom_domain(lab)}/", "source": f"vpc:{vpc}"}


def rest_nlb_request(lab) -> dict:
    api = _rest_api(lab, "rest-api")
    return {"url": f"https://{api['id']}.execute-api.{lab.cloud.region}.amazonaws.com/prod/orders", "source": "internet"}


def public_name(lab) -> str:
    return f"app.{lab.name}.example.com"


# Breaks ------------------------------------------------------------------------------------------
def break_alb_sg(lab) -> None:
    _revoke_sources(lab, _ec2_id(lab, "alb", "security-group"), groups=[_ec2_id(lab, "vpc-link", "security-group")])


def break_integration_uri(lab) -> None:
    """Recreate the listener: the integration keeps the old listener's ARN."""
    elb = lab.cloud.client("elbv2")
    listener = _listener(lab, "alb", 80)
    elb.delete_listener(ListenerArn=listener["ListenerArn"])
    elb.create_listener(LoadBalancerArn=listener["LoadBalancerArn"], Port=80, Protocol="HTTP",
                        DefaultActions=listener["DefaultActions"], Tags=lab.tag_list("listener-80"))


def break_link_subnets(lab) -> None:
    """Move the integration to a VPC link whose subnets are in another VPC."""
    ec2, v2 = lab.cloud.client("ec2"), lab.cloud.client("apigatewayv2")
    vpc = ec2.create_vpc(CidrBlock="10.251.0.0/16", TagSpecifications=lab.tag_specs("vpc", "other-vpc"))["Vpc"]["VpcId"]
    zones = [z["ZoneId"] for z in network.vpc_link_zones(lab.cloud, 2)]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.251.{i}.0/24", AvailabilityZoneId=zone,
                                 TagSpecifications=lab.tag_specs("subnet", f"other-{i}"))["Subnet"]["SubnetId"]
               for i, zone in enumerate(zones)]
    group = ec2.create_security_group(GroupName=lab.resource_name("other-link-sg"), Description="other VPC link",
                                      VpcId=vpc, TagSpecifications=lab.tag_specs("security-group", "other-link-sg"))["GroupId"]
    link = v2.create_vpc_link(Name=lab.resource_name("other-link"), SubnetIds=subnets, SecurityGroupIds=[group],
                              Tags=lab.tags("other-link"))
    wait_vpc_link(lab, VpcLink(link["VpcLinkId"], link["Name"], tuple(subnets), (group,)))
    _update_integration(lab, ConnectionId=link["VpcLinkId"])


def break_targets(lab) -> None:
    """Stop the web instance and wait until it is stopped: the target is registered but unused (Target.InvalidState)."""
    instance = _ec2_id(lab, "web", "instance")
    lab.cloud.client("ec2").stop_instances(InstanceIds=[instance])
    network.wait_instance(lab, instance, "stopped")


def break_link_inactive(lab) -> None:
    if lab.cloud.backend != "local":
        raise ParameterError("backend", "a VPC link cannot be made INACTIVE through the AWS API",
                             "AWS sets it after 60 days without traffic; run this exercise on the embedded AWS")
    _, integration = _private_integration(lab)
    local.admin(lab.cloud.endpoint_url, "vpc-link-state", {"id": integration["ConnectionId"], "state": "INACTIVE"})


def break_tls_name(lab) -> None:
    _update_integration(lab, TlsConfig={"ServerNameToVerify": f"backend.{lab.name}.other.example"})


def break_tls_config(lab) -> None:
    """Recreate the private integration without TlsConfig (a console wizard or template that left the secure server
    name out), moving its routes to the new one: UpdateIntegration documents no way to remove a TlsConfig."""
    v2 = lab.cloud.client("apigatewayv2")
    api_id, old = _private_integration(lab)
    new = v2.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                IntegrationUri=old["IntegrationUri"], ConnectionType="VPC_LINK",
                                ConnectionId=old["ConnectionId"], PayloadFormatVersion="1.0")
    for route in _v2_items(v2.get_routes, ApiId=api_id):
        if route.get("Target") == f"integrations/{old['IntegrationId']}":
            v2.update_route(ApiId=api_id, RouteId=route["RouteId"], Target=f"integrations/{new['IntegrationId']}")
    v2.delete_integration(ApiId=api_id, IntegrationId=old["IntegrationId"])


def break_internet_facing(lab) -> None:
    """Put an internet-facing ALB (in subnets routed to an internet gateway) behind the VPC link."""
    ec2, elb = lab.cloud.client("ec2"), lab.cloud.client("elbv2")
    vpc = _ec2_id(lab, "vpc", "vpc")
    gateway = ec2.create_internet_gateway(TagSpecifications=lab.tag_specs("internet-gateway", "igw"))["InternetGateway"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc)
    table = ec2.describe_route_tables(Filters=lab.ec2_filters("private-routes"))["RouteTables"][0]
    ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway["InternetGatewayId"])
    alb_sg = _ec2_id(lab, "alb", "security-group")
    ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    internal = _load_balancer(lab, "alb")
    public = elb.create_load_balancer(Name=lab.resource_name("public-alb"), Scheme="internet-facing", Type="application",
                                      Subnets=[z["SubnetId"] for z in internal["AvailabilityZones"]],
                                      SecurityGroups=[alb_sg], Tags=lab.tag_list("public-alb"))["LoadBalancers"][0]
    target_group = _listener(lab, "alb", 80)["DefaultActions"][0]["TargetGroupArn"]
    listener = elb.create_listener(LoadBalancerArn=public["LoadBalancerArn"], Port=80, Protocol="HTTP",
                                   DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}])["Listeners"][0]
    _update_integration(lab, IntegrationUri=listener["ListenerArn"])


def break_public_dns_to_internal(lab) -> None:
    """Publish the internal ALB's name in a public zone, for internet clients."""
    r53 = lab.cloud.client("route53")
    with lab.idempotency_token("public-zone") as token:
        zone = r53.create_hosted_zone(Name=f"{lab.name}.example.com", CallerReference=token)["HostedZone"]
    lb = _load_balancer(lab, "alb")
    r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": public_name(lab), "Type": "A", "AliasTarget": {
            "HostedZoneId": lb["CanonicalHostedZoneId"], "DNSName": lb["DNSName"], "EvaluateTargetHealth": False}}}]})


def internal_alb_request(lab) -> dict:
    return {"url": f"http://{public_name(lab)}/", "source": "internet"}


def break_custom_domain(lab) -> None:
    """Remove the custom domain: the ALB forwards a Host no API claims (the 2019 recipe before its last step)."""
    v1 = lab.cloud.client("apigateway")
    for mapping in v1.get_base_path_mappings(domainName=custom_domain(lab)).get("items", []):
        v1.delete_base_path_mapping(domainName=custom_domain(lab), basePath=mapping["basePath"])
    v1.delete_domain_name(domainName=custom_domain(lab))


def _forwarded_group(lab, role: str, port: int) -> str:
    """The target group a listener of the lab's load balancer ``role`` forwards to."""
    return _listener(lab, role, port)["DefaultActions"][0]["TargetGroupArn"]


def break_health_matcher(lab) -> None:
    lab.cloud.client("elbv2").modify_target_group(TargetGroupArn=_forwarded_group(lab, "alb", 443), Matcher={"HttpCode": "200"})


def _set_source_vpce(lab, endpoint_id: str) -> bool:
    """Make every aws:SourceVpce condition of the private API's policy name ``endpoint_id``; True if it changed."""
    api = _rest_api(lab, "private-api")
    policy = json.loads(api["policy"].replace('\\"', '"')) if isinstance(api["policy"], str) else api["policy"]
    changed = False
    for statement in policy["Statement"]:
        for test in statement.get("Condition", {}).values():
            if "aws:SourceVpce" in test and test["aws:SourceVpce"] != endpoint_id:
                test["aws:SourceVpce"], changed = endpoint_id, True
    if changed:
        lab.cloud.client("apigateway").update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "replace", "path": "/policy", "value": json.dumps(policy)}])
    return changed


def break_private_policy(lab) -> None:
    _set_source_vpce(lab, "vpce-0123456789abcdef0")  # an endpoint of another VPC


def break_nlb_enforcement(lab) -> None:
    nlb = _load_balancer(lab, "nlb")
    lab.cloud.client("elbv2").set_security_groups(LoadBalancerArn=nlb["LoadBalancerArn"], SecurityGroups=nlb["SecurityGroups"],
                                                  EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="on")


def _nlb_sources(lab) -> tuple[list[str], list[str]]:
    """What the NLB's traffic comes from at its targets: its security groups, or (without any) its addresses."""
    nlb = _load_balancer(lab, "nlb")
    groups = nlb.get("SecurityGroups", [])
    return groups, [] if groups else [f"{ip}/32" for ip in load_balancer_ips(lab.cloud, nlb["LoadBalancerArn"])]


def _nlb_target_groups(lab) -> list[dict]:
    return lab.cloud.client("elbv2").describe_target_groups(LoadBalancerArn=_load_balancer(lab, "nlb")["LoadBalancerArn"])["TargetGroups"]


def _nlb_target_guards(lab) -> list[tuple[str, int]]:
    """(security group, port) guarding each target of the NLB: an instance's groups, or those of the ENI holding an IP."""
    ec2, elb = lab.cloud.client("ec2"), lab.cloud.client("elbv2")
    guards = []
    for group in _nlb_target_groups(lab):
        ids = [t["Target"]["Id"] for t in elb.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]]
        if not ids:
            continue
        if group["TargetType"] == "instance":
            found = [g["GroupId"] for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
                     for i in r["Instances"] for g in i["SecurityGroups"]]
        else:
            found = [g["GroupId"] for e in network.network_interfaces(
                ec2, [{"Name": "addresses.private-ip-address", "Values": ids}]) for g in e["Groups"]]
        guards += [(group_id, group["Port"]) for group_id in dict.fromkeys(found)]
    return guards


def break_target_sg_for_nlb(lab) -> None:
    """Revoke the rules that admit the NLB at its targets (and only those)."""
    groups, cidrs = _nlb_sources(lab)
    for group_id, _ in _nlb_target_guards(lab):
        _revoke_sources(lab, group_id, groups, cidrs)


def _bridge_schedule(lab) -> tuple[str, dict, str]:
    """The sync function's schedule rule, the event it sends and the ARN of the function it runs."""
    name = lab.resource_name("target-sync")
    target = lab.cloud.client("events").list_targets_by_rule(Rule=name)["Targets"][0]
    return name, json.loads(target["Input"]), target["Arn"]


def break_target_sync(lab) -> None:
    """The sync schedule is disabled and the ALB's nodes move: the NLB keeps addresses nobody holds."""
    ec2, elb = lab.cloud.client("ec2"), lab.cloud.client("elbv2")
    rule, event, _ = _bridge_schedule(lab)
    lab.cloud.client("events").disable_rule(Name=rule)
    current = elb.describe_target_health(TargetGroupArn=event["targetGroupArn"])["TargetHealthDescriptions"]
    elb.deregister_targets(TargetGroupArn=event["targetGroupArn"], Targets=[t["Target"] for t in current])
    held = {a["PrivateIpAddress"] for e in network.network_interfaces(ec2, [
        {"Name": "vpc-id", "Values": [_ec2_id(lab, "vpc", "vpc")]}]) for a in e["PrivateIpAddresses"]}
    stale = []
    for zone in _load_balancer(lab, "alb")["AvailabilityZones"]:
        subnet = ec2.describe_subnets(SubnetIds=[zone["SubnetId"]])["Subnets"][0]
        free = (str(ip) for ip in reversed(list(ipaddress.ip_network(subnet["CidrBlock"]).hosts())) if str(ip) not in held)
        stale.append({"Id": next(free), "Port": event["targetPort"]})
    elb.register_targets(TargetGroupArn=event["targetGroupArn"], Targets=stale)
    group = steps_elb.describe_target_group(lab.cloud, event["targetGroupArn"])
    steps_elb.wait_targets_judged(lab, group)
    steps_elb.wait_drained(lab, group)  # the ALB's old addresses gone: the group holds only the stale ones


# Fixes (the solutions of the workshop exercises): each repairs what its break did, found the same way, and
# changes only what differs: on a healthy lab (a runbook run, where exercises are off) a fix makes no mutating call.
def _wait_in_service(lab, target_group_arn: str) -> None:
    steps_elb.wait_targets_in_service(lab, steps_elb.describe_target_group(lab.cloud, target_group_arn))


def _ensure_ingress(lab, group_id: str, port: int, **source) -> None:
    network.ensure_ingress(lab, network.SecurityGroup(group_id, "", ""), port, **source)


def admit_vpc_link(lab) -> None:
    """The ALB's security group admits the VPC link's group on every listener port."""
    link_sg = _ec2_id(lab, "vpc-link", "security-group")
    elb = lab.cloud.client("elbv2")
    for listener in elb.describe_listeners(LoadBalancerArn=_load_balancer(lab, "alb")["LoadBalancerArn"])["Listeners"]:
        _ensure_ingress(lab, _ec2_id(lab, "alb", "security-group"), listener["Port"], source_group=link_sg)


def point_integration_at_listener(lab) -> None:
    """The integration targets the listener the internal ALB has now (a new listener: its targets checked anew)."""
    listener = _listener(lab, "alb", 80)
    _update_integration(lab, IntegrationUri=listener["ListenerArn"])
    _wait_in_service(lab, listener["DefaultActions"][0]["TargetGroupArn"])


def use_link_in_alb_vpc(lab) -> None:
    """The integration goes through the lab's VPC link in the ALB's subnets (the stray link is left to Clean up)."""
    subnets = {z["SubnetId"] for z in _load_balancer(lab, "alb")["AvailabilityZones"]}
    links = _v2_items(lab.cloud.client("apigatewayv2").get_vpc_links)
    link = next(l for l in links if lab.owns(l.get("Tags")) and set(l["SubnetIds"]) & subnets)
    _update_integration(lab, ConnectionId=link["VpcLinkId"])


def start_targets(lab) -> None:
    """Start the lab's web instance once it is stopped (StartInstances fails while it is stopping), wait until it
    runs and its target is in service again (initial until it passes its health checks)."""
    instance = _ec2_id(lab, "web", "instance")
    if network.instance_state(lab.cloud, instance) in ("stopping", "stopped"):
        network.wait_instance(lab, instance, "stopped")
        lab.cloud.client("ec2").start_instances(InstanceIds=[instance])
    network.wait_instance(lab, instance, "running")
    _wait_in_service(lab, _forwarded_group(lab, "alb", 80))


def reactivate_vpc_link(lab) -> None:
    """On AWS traffic wakes an INACTIVE link; the embedded AWS is told to, then the link is waited for."""
    if lab.cloud.backend != "local":
        raise ParameterError("backend", "a VPC link is reactivated by AWS, not through the API",
                             "send a request through the API and wait for the link to become AVAILABLE")
    _, integration = _private_integration(lab)
    link = lab.cloud.client("apigatewayv2").get_vpc_link(VpcLinkId=integration["ConnectionId"])
    local.admin(lab.cloud.endpoint_url, "vpc-link-state", {"id": link["VpcLinkId"], "state": "AVAILABLE"})
    wait_vpc_link(lab, VpcLink(link["VpcLinkId"], link["Name"], tuple(link["SubnetIds"]), tuple(link["SecurityGroupIds"])))


def verify_name_on_certificate(lab) -> None:
    """ServerNameToVerify becomes a name the HTTPS listener's certificate covers: the API's custom domain if it has one."""
    v2, api_id = lab.cloud.client("apigatewayv2"), _http_api(lab)["ApiId"]
    listener = _listener(lab, "alb", 443)
    certificate = lab.cloud.client("acm").describe_certificate(
        CertificateArn=listener["Certificates"][0]["CertificateArn"])["Certificate"]["DomainName"]
    domains = [d["DomainName"] for d in _v2_items(v2.get_domain_names)
               if dns.name_covered(certificate, d["DomainName"])
               and any(m["ApiId"] == api_id for m in _v2_items(v2.get_api_mappings, DomainName=d["DomainName"]))]
    _update_integration(lab, TlsConfig={"ServerNameToVerify": domains[0] if domains else certificate.replace("*", "app", 1)})


def use_internal_alb(lab) -> None:
    """The integration goes back to the internal ALB; the public ALB, its open rule and the internet route go."""
    ec2, elb = lab.cloud.client("ec2"), lab.cloud.client("elbv2")
    point_integration_at_listener(lab)
    public = _load_balancer(lab, "public-alb")
    elb.delete_load_balancer(LoadBalancerArn=public["LoadBalancerArn"])
    ec2.revoke_security_group_ingress(GroupId=_ec2_id(lab, "alb", "security-group"), IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    table = ec2.describe_route_tables(Filters=lab.ec2_filters("private-routes"))["RouteTables"][0]
    ec2.delete_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
    for gateway in ec2.describe_internet_gateways(Filters=lab.ec2_filters("igw"))["InternetGateways"]:
        for attachment in gateway["Attachments"]:
            ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=attachment["VpcId"])
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])


def map_custom_domain(lab) -> None:
    """A custom domain for the Host clients use, mapped to the private API's first stage."""
    v1 = lab.cloud.client("apigateway")
    domain, api = custom_domain(lab), _rest_api(lab, "private-api")
    certificate = next(c["CertificateArn"] for c in lab.cloud.client("acm").list_certificates()["CertificateSummaryList"]
                       if c["DomainName"] == domain)
    stage = v1.get_stages(restApiId=api["id"])["item"][0]["stageName"]
    v1.create_domain_name(domainName=domain, regionalCertificateArn=certificate, endpointConfiguration={"types": ["REGIONAL"]})
    v1.create_base_path_mapping(domainName=domain, restApiId=api["id"], stage=stage)


def accept_403_health(lab) -> None:
    """The matcher accepts 403; the targets are in service once they pass their health checks again."""
    elb, target_group, matcher = lab.cloud.client("elbv2"), _forwarded_group(lab, "alb", 443), {"HttpCode": "200,403"}
    if elb.describe_target_groups(TargetGroupArns=[target_group])["TargetGroups"][0].get("Matcher") != matcher:
        elb.modify_target_group(TargetGroupArn=target_group, Matcher=matcher)
    _wait_in_service(lab, target_group)


def admit_endpoint_in_policy(lab) -> None:
    """The policy's aws:SourceVpce conditions name the lab's execute-api endpoint; each stage is redeployed to apply it."""
    if not _set_source_vpce(lab, _ec2_id(lab, "endpoint", "vpc-endpoint")):
        return
    v1, api = lab.cloud.client("apigateway"), _rest_api(lab, "private-api")
    for stage in v1.get_stages(restApiId=api["id"])["item"]:
        v1.create_deployment(restApiId=api["id"], stageName=stage["stageName"], description="resource policy changed")


def stop_enforcing_on_privatelink(lab) -> None:
    nlb = _load_balancer(lab, "nlb")
    lab.cloud.client("elbv2").set_security_groups(LoadBalancerArn=nlb["LoadBalancerArn"], SecurityGroups=nlb["SecurityGroups"],
                                                  EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="off")


def admit_nlb_at_targets(lab) -> None:
    """The groups guarding the NLB's targets admit its security groups (or, without any, its addresses) on the target port."""
    groups, cidrs = _nlb_sources(lab)
    for group_id, port in _nlb_target_guards(lab):
        for source in groups:
            _ensure_ingress(lab, group_id, port, source_group=source)
        for cidr in cidrs:
            _ensure_ingress(lab, group_id, port, cidr=cidr)
    for group in _nlb_target_groups(lab):
        _wait_in_service(lab, group["TargetGroupArn"])


def resume_target_sync(lab) -> None:
    """Enable the sync schedule again and, if the NLB's targets are not the ALB's addresses, run the function once
    now, as the schedule would."""
    rule, event, function_arn = _bridge_schedule(lab)
    events = lab.cloud.client("events")
    if events.describe_rule(Name=rule)["State"] != "ENABLED":
        events.enable_rule(Name=rule)
    registered = {ip for ip, _ in target_sync.registered_targets(lab.cloud.client("elbv2"), event["targetGroupArn"])}
    if registered != set(load_balancer_ips(lab.cloud, event["loadBalancerArn"])):
        function = lab.cloud.client("lambda").get_function(FunctionName=function_arn)["Configuration"]
        functions.invoke(lab, functions.Function(function["FunctionName"], function["FunctionArn"], "target_sync",
                                                 function["Role"]), event)
    _wait_in_service(lab, event["targetGroupArn"])


# Network ACLs and route tables (the tracer's network layer) ---------------------------------------
ACL_RULE = 90  # before the default network ACL's allow-all rule 100: evaluated first, so it decides


def _default_acl(lab) -> str:
    """The lab VPC's default network ACL, which every subnet of the lab uses."""
    vpc = _ec2_id(lab, "vpc", "vpc")
    return lab.cloud.client("ec2").describe_network_acls(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]["NetworkAclId"]


def _deny_in_acl(lab, egress: bool, ports: tuple[int, int]) -> None:
    ec2 = lab.cloud.client("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[_ec2_id(lab, "vpc", "vpc")])["Vpcs"][0]["CidrBlock"]
    ec2.create_network_acl_entry(NetworkAclId=_default_acl(lab), RuleNumber=ACL_RULE, Protocol="6", RuleAction="deny",
                                 Egress=egress, CidrBlock=vpc, PortRange={"From": ports[0], "To": ports[1]})


def break_acl_listener_port(lab) -> None:
    """A 'hardening' entry: deny TCP 80 from the VPC into the subnets, ahead of the allow-all rule."""
    _deny_in_acl(lab, egress=False, ports=(80, 80))


def break_acl_ephemeral_return(lab) -> None:
    """Outbound traffic to the VPC on the high ports denied: every answer to a connection is dropped."""
    _deny_in_acl(lab, egress=True, ports=(1024, 65535))


def _closed_client(lab, role: str, cidr: str) -> tuple[str, str, str]:
    """A client VPC with one subnet and its own route table, nothing but the local route: (vpc, subnet, table)."""
    ec2 = lab.cloud.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=lab.tag_specs("vpc", f"{role}-vpc"))["Vpc"]["VpcId"]
    block = str(next(ipaddress.ip_network(cidr).subnets(new_prefix=24)))
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=block, TagSpecifications=lab.tag_specs("subnet", f"{role}-a"))["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=lab.tag_specs("route-table", f"{role}-routes"))["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return vpc, subnet, table


def _alb_client_cidr(lab) -> str:
    """A client network the ALB's security group admits on 443, other than the lab's own VPC."""
    ec2 = lab.cloud.client("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[_ec2_id(lab, "vpc", "vpc")])["Vpcs"][0]["CidrBlock"]
    group = ec2.describe_security_groups(GroupIds=_load_balancer(lab, "alb")["SecurityGroups"])["SecurityGroups"][0]
    return next(r["CidrIp"] for p in group["IpPermissions"] if p.get("FromPort") == 443 for r in p.get("IpRanges", [])
                if r["CidrIp"] != vpc)


def break_peering_return_route(lab) -> None:
    """A client VPC on a network the ALB admits, peered with the lab's VPC and routed to it, sharing the private
    zone: everything but the lab's route back to the client."""
    ec2, r53 = lab.cloud.client("ec2"), lab.cloud.client("route53")
    client, _, table = _closed_client(lab, "peer", _alb_client_cidr(lab))
    pcx = ec2.create_vpc_peering_connection(VpcId=client, PeerVpcId=_ec2_id(lab, "vpc", "vpc"), TagSpecifications=lab.tag_specs(
        "vpc-peering-connection", "peer-peering"))["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    lab_cidr = ec2.describe_vpcs(VpcIds=[_ec2_id(lab, "vpc", "vpc")])["Vpcs"][0]["CidrBlock"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=lab_cidr, VpcPeeringConnectionId=pcx)
    zone = r53.list_hosted_zones_by_name(DNSName=custom_domain(lab).partition(".")[2])["HostedZones"][0]
    r53.associate_vpc_with_hosted_zone(HostedZoneId=zone["Id"], VPC={"VPCRegion": lab.cloud.region, "VPCId": client})


def peered_client_request(lab) -> dict:
    return {"url": f"https://{custom_domain(lab)}/", "source": f"vpc:{_ec2_id(lab, 'peer-vpc', 'vpc')}"}


def break_no_route_out(lab) -> None:
    """A client VPC whose only route is the local one (no internet gateway, NAT or transit gateway)."""
    _closed_client(lab, "closed", "10.98.0.0/16")


def closed_client_request(lab) -> dict:
    return api_request(lab, source=f"vpc:{_ec2_id(lab, 'closed-vpc', 'vpc')}")


def remove_acl_deny(lab) -> None:
    """Delete the deny entries the breaks add (rule 90, either direction); the allow-all rule 100 decides again."""
    ec2, acl = lab.cloud.client("ec2"), _default_acl(lab)
    entries = ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Entries"]
    for entry in entries:
        if entry["RuleNumber"] == ACL_RULE and entry["RuleAction"] == "deny":
            ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=ACL_RULE, Egress=entry["Egress"])


def route_back_to_peer(lab) -> None:
    """The lab's subnets' route table gets the route to the client VPC through the peering."""
    ec2 = lab.cloud.client("ec2")
    client = ec2.describe_vpcs(VpcIds=[_ec2_id(lab, "peer-vpc", "vpc")])["Vpcs"][0]["CidrBlock"]
    pcx = ec2.describe_vpc_peering_connections(Filters=lab.ec2_filters("peer-peering"))["VpcPeeringConnections"][0]
    table = ec2.describe_route_tables(Filters=lab.ec2_filters("private-routes"))["RouteTables"][0]
    if not any(r.get("DestinationCidrBlock") == client for r in table["Routes"]):
        ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock=client,
                         VpcPeeringConnectionId=pcx["VpcPeeringConnectionId"])


def open_way_out(lab) -> None:
    """An internet gateway for the client VPC and a default route to it."""
    ec2 = lab.cloud.client("ec2")
    vpc = _ec2_id(lab, "closed-vpc", "vpc")
    found = ec2.describe_internet_gateways(Filters=lab.ec2_filters("closed-igw"))["InternetGateways"]
    gateway = found[0] if found else ec2.create_internet_gateway(
        TagSpecifications=lab.tag_specs("internet-gateway", "closed-igw"))["InternetGateway"]
    if not gateway.get("Attachments"):
        ec2.attach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc)
    table = ec2.describe_route_tables(Filters=lab.ec2_filters("closed-routes"))["RouteTables"][0]
    if not any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in table["Routes"]):
        ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                         GatewayId=gateway["InternetGatewayId"])


CATALOGUE: list[Misconfiguration] = [
    Misconfiguration(
        "alb-sg-excludes-vpc-link", "The ALB's security group does not admit the VPC link", "http-alb",
        '503 {"message":"Service Unavailable"} on every route to the ALB', 503, "ALB ingress",
        "API Gateway connects from the VPC link's ENIs; the ALB's security group has no ingress rule naming the "
        "link's security group (or a CIDR holding its subnets) on the listener port, so the connection is dropped.",
        "Add an ingress rule on the ALB's security group for the listener port whose source is the VPC link's security group.",
        DOC_HTTP_PRIVATE, break_alb_sg, api_request, fix_lab=admit_vpc_link),
    Misconfiguration(
        "integration-uri-not-a-listener", "The integration URI is not a live listener's ARN", "http-alb",
        '500 {"message":"Internal Server Error"}', 500, "listener",
        "A private integration of an HTTP API targets one listener by ARN. A load balancer's ARN is refused when the "
        "integration is saved (the tracer still flags it in older configurations); a listener deleted and recreated "
        "(new ARN) leaves the integration pointing at nothing.",
        "Set IntegrationUri to the ARN of the listener that exists now (arn:...:listener/app/<name>/<id>/<listener-id>).",
        DOC_HTTP_PRIVATE, break_integration_uri, api_request, fix_lab=point_integration_at_listener),
    Misconfiguration(
        "vpc-link-subnets-elsewhere", "The VPC link's subnets do not reach the ALB", "http-alb",
        '503 {"message":"Service Unavailable"}', 503, "vpc link -> load balancer",
        "The VPC link's ENIs are created in its subnets; those are in another VPC than the load balancer, with no path to it.",
        "Create the VPC link in subnets of the load balancer's VPC (ideally the same AZs) and point the integration at it.",
        DOC_HTTP_VPC_LINKS, break_link_subnets, api_request, fix_lab=use_link_in_alb_vpc),
    Misconfiguration(
        "no-healthy-targets", "The only target is a stopped instance", "http-alb",
        "503 Service Unavailable from the ALB, passed through by API Gateway", 503, "targets",
        "The target group's only instance is stopped. DescribeTargetHealth reports it unused (Target.InvalidState), a "
        "state the ALB never routes to: fail-open covers unhealthy targets only. With no routable target the ALB "
        "answers 503 itself and the HTTP API's proxy integration passes that on. (A running instance whose web server "
        "is down is unhealthy instead: the ALB fails open, sends it the request anyway and answers 502 or 504.)",
        "Start the instance (or register a running one) and wait until describe-target-health reports it healthy; "
        "its reason code says why it is not.",
        DOC_TARGET_HEALTH + " ; " + DOC_ALB_ERRORS, break_targets, api_request, fix_lab=start_targets),
    Misconfiguration(
        "vpc-link-inactive", "The VPC link is INACTIVE (or FAILED)", "http-alb",
        '503 while the link reprovisions its ENIs (500 if FAILED)', 503, "vpc link",
        "A VPC link with no traffic for 60 days becomes INACTIVE and loses its ENIs; a FAILED link never got them "
        "(no free IPs in a subnet, a deleted security group).",
        "INACTIVE: send traffic and wait for AVAILABLE. FAILED: fix the subnets/security groups and recreate the link.",
        DOC_HTTP_VPC_LINKS, break_link_inactive, api_request, local_only=True,
        fix_lab=reactivate_vpc_link),
    Misconfiguration(
        "tls-name-not-on-certificate", "TLS server name not covered by the listener's certificate", "http-alb-tls",
        '500 {"message":"Internal Server Error"}', 500, "tls",
        "TlsConfig.ServerNameToVerify is checked against the names of the HTTPS listener's certificate; none covers it "
        "(a wildcard covers exactly one label), so the handshake is rejected.",
        "Set ServerNameToVerify to a name on the certificate, or add that name to the certificate.",
        DOC_TLS + " ; " + KC_500_VPC, break_tls_name, api_request, fix_lab=verify_name_on_certificate),
    Misconfiguration(
        "internet-facing-alb-bypass", "An internet-facing ALB behind the VPC link lets clients bypass the API", "http-alb",
        "200, but the same backend also answers on the ALB's public name", 200, "bypass",
        "The load balancer behind the private integration is internet-facing: anyone can call it directly, skipping "
        "the API's authorizers, throttling and logging.",
        "Use an internal load balancer for private integrations and keep its security group limited to the VPC link.",
        DOC_ALB_SCHEME, break_internet_facing, api_request, fix_lab=use_internal_alb),
    Misconfiguration(
        "internal-alb-from-internet", "An internal ALB called from the internet", "http-alb",
        "the connection times out", None, "source -> load balancer",
        "An internal load balancer has private addresses only; its name resolves from anywhere, but a client on the "
        "internet has no route to those addresses.",
        "Call the API's endpoint instead, or reach the VPC over VPN/peering; do not publish internal names for internet clients.",
        DOC_ALB_SCHEME, break_public_dns_to_internal, internal_alb_request),
    Misconfiguration(
        "alb-host-not-custom-domain", "Through an ALB to a private API without a custom-domain Host", "rest-private-alb",
        '403 {"message":"Forbidden"}', 403, "host header",
        "The execute-api endpoint routes on the Host header; the ALB forwards the client's Host, which names no API "
        "and no custom domain mapped to one.",
        "Create a custom domain name for the Host clients use and map it to the private API and stage.",
        KC_403_VPC, break_custom_domain, private_alb_request, fix_lab=map_custom_domain),
    Misconfiguration(
        "health-matcher-without-403", "Health check matcher without 403 for execute-api targets", "rest-private-alb",
        "clients still get 200, but every target of the ALB is unhealthy and the unhealthy-host alarm fires", 200,
        "health check",
        "The ALB's health checks reach the execute-api endpoint without an API Host header, and the endpoint answers "
        "403; a matcher of 200 marks every target unhealthy (Target.ResponseCodeMismatch). With no healthy target the "
        "ALB fails open and sends requests to all of them; they carry the custom domain's Host, so the API answers as "
        "before. Nothing tells a real endpoint failure from this one any more.",
        "Set the target group's matcher to 200,403 (health checks over HTTPS) and wait until the targets report healthy.",
        DOC_TG_HEALTH + " ; " + DOC_TARGET_HEALTH, break_health_matcher, private_alb_request, fix_lab=accept_403_health),
    Misconfiguration(
        "private-policy-excludes-endpoint", "The private API's resource policy does not admit the endpoint", "rest-private-alb",
        '403 {"message":"User: anonymous is not authorized to perform: execute-api:Invoke ..."}', 403, "resource policy",
        "The resource policy allows (or stops denying) only other VPC endpoints (aws:SourceVpce) or VPCs; requests "
        "through this endpoint are denied.",
        "Add the endpoint id to the policy's aws:SourceVpce values and redeploy the stage.",
        KC_ACCESS_DENIED, break_private_policy, private_alb_request, fix_lab=admit_endpoint_in_policy),
    Misconfiguration(
        "nlb-sg-enforced-on-privatelink", "NLB security-group enforcement blocks the REST VPC link", "rest-nlb",
        '500 {"message":"Internal server error"}', 500, "NLB ingress",
        "A REST API's VPC link reaches the NLB through PrivateLink; with security groups on the NLB and "
        "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic on (the default) that traffic is filtered and dropped.",
        "Set EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic to off (SetSecurityGroups) for the NLB behind the VPC link.",
        DOC_NLB_SG + " ; " + KC_500_VPC, break_nlb_enforcement, rest_nlb_request, fix_lab=stop_enforcing_on_privatelink),
    Misconfiguration(
        "target-sg-excludes-nlb", "The targets' security group does not admit the NLB", "rest-nlb",
        '500 {"message":"Internal server error"}', 500, "target ingress",
        "Traffic through the VPC link reaches the targets from the NLB's private addresses (or its security group); "
        "the targets' security group admits neither, so health checks and requests are dropped.",
        "Admit the NLB's security group (or, when it has none, each of its private addresses) on the target port.",
        KC_500_VPC, break_target_sg_for_nlb, rest_nlb_request, fix_lab=admit_nlb_at_targets),
    Misconfiguration(
        "nlb-targets-stale", "The NLB's IP targets are addresses the ALB no longer holds", "rest-nlb-alb",
        '500 {"message":"Internal server error"}; called from inside the VPC, the ALB answers', 500, "targets",
        "An ALB's nodes change address when it scales or is maintained; an IP target group keeps the addresses it was "
        "given. The function that copies the ALB's addresses to the NLB's targets has stopped running (its schedule is "
        "disabled), so every target is an address nothing answers on, and unhealthy. The NLB fails open "
        "and forwards the connections to them anyway; they time out, and API Gateway answers 500.",
        "Enable the sync function's schedule and run it once now; or replace the IP target group by an ALB-type target "
        "group, which follows the ALB's addresses itself.",
        DOC_ALB_TARGET + " ; " + DOC_NLB_HEALTH + " ; " + KC_500_VPC, break_target_sync, rest_nlb_request,
        fix_lab=resume_target_sync),
    Misconfiguration(
        "alb-sg-excludes-nlb", "The ALB's security group does not admit the NLB in front of it", "rest-nlb-alb",
        '500 {"message":"Internal server error"} since a security-group clean-up', 500, "target ingress",
        "The NLB forwards to the ALB's addresses from its own private addresses (it has no security group); the ALB's "
        "security group has no rule for them on the listener port, so health checks and requests are dropped.",
        "Admit each of the NLB's private addresses (/32) on the ALB's listener port; the NLB keeps one fixed address per "
        "Availability Zone, so the rules do not go stale.",
        KC_500_VPC, break_target_sg_for_nlb, rest_nlb_request, fix_lab=admit_nlb_at_targets),
    Misconfiguration(
        "tls-config-removed", "The private integration has no TlsConfig in front of an HTTPS listener", "http-alb-tls",
        '500 {"message":"Internal Server Error"} on every route since the integration was recreated', 500, "tls",
        "Without TlsConfig a private integration sends plain HTTP. The listener behind the VPC link is HTTPS:443, so "
        "the ALB fails the TLS negotiation of every connection API Gateway opens (its ClientTLSNegotiationErrorCount "
        "metric rises) and no request reaches a target.",
        "Set TlsConfig.ServerNameToVerify on the integration (UpdateIntegration) to a name the listener's certificate "
        "covers: the custom domain.",
        DOC_HTTP_PRIVATE + " ; " + DOC_TLS + " ; " + KC_500_VPC, break_tls_config, api_request,
        fix_lab=verify_name_on_certificate),
    Misconfiguration(
        "nacl-blocks-alb-ingress", "A network ACL entry drops the VPC link at the ALB", "http-alb",
        '503 {"message":"Service Unavailable"} on every route to the ALB', 503, "vpc link -> load balancer",
        "The subnets' network ACL has a deny entry for TCP 80 from the VPC's CIDR numbered below the allow-all "
        "rule; entries are read lowest number first, so the VPC link's SYN is dropped whatever the security groups "
        "say, and the connection times out. VPC Flow Logs on the ALB's ENIs show the packets REJECTed; Reachability "
        "Analyzer names the entry.",
        "Delete the deny entry (DeleteNetworkAclEntry), or put an allow entry for the VPC link's subnets on the listener "
        "port ahead of it.",
        DOC_NACL_RULES + " ; " + KC_500_VPC, break_acl_listener_port, api_request, fix_lab=remove_acl_deny),
    Misconfiguration(
        "nacl-no-ephemeral-return", "A network ACL drops the answers on the ephemeral ports", "http-alb",
        '503 {"message":"Service Unavailable"}', 503, "vpc link -> load balancer",
        "Network ACLs are stateless: the answer to a connection leaves the server's subnet towards the client's "
        "ephemeral port (1024-65535 for Elastic Load Balancing and other AWS clients) and needs its own outbound rule. "
        "An outbound deny on those ports to the VPC drops every answer; the VPC link's connection to the ALB times out. "
        "Flow Logs show the ALB's outbound packets REJECTed.",
        "Allow outbound TCP 1024-65535 to the clients' CIDR (and inbound on the same ports into the clients' subnets) "
        "ahead of any deny entry.",
        DOC_EPHEMERAL + " ; " + DOC_NACL_RULES, break_acl_ephemeral_return, api_request, fix_lab=remove_acl_deny),
    Misconfiguration(
        "nacl-blocks-targets", "A network ACL entry drops the NLB at its targets", "rest-nlb",
        '500 {"message":"Internal server error"}', 500, "target ingress",
        "The targets' subnet network ACL denies TCP 80 from the VPC ahead of the allow-all rule: the NLB's health "
        "checks and forwarded connections are dropped (the security groups are never reached), the target turns "
        "unhealthy (Target.FailedHealthChecks), the NLB fails open and the connections time out; API Gateway answers 500.",
        "Delete the deny entry, or allow the NLB's addresses (or, with client IP preservation, the clients') on the target "
        "port and the answers on 1024-65535.",
        DOC_NACL_RULES + " ; " + KC_500_VPC, break_acl_listener_port, rest_nlb_request, fix_lab=remove_acl_deny),
    Misconfiguration(
        "peering-route-missing", "A peered client VPC without the route back", "rest-private-alb",
        "the connection times out from the peered VPC", None, "source -> load balancer",
        "The peering is active and the client's route table sends the lab's CIDR to it, but the lab's subnets have no "
        "route to the client's CIDR: the ALB's answers cannot leave. A peering needs a route in each VPC's route "
        "tables. Reachability Analyzer reports the missing route.",
        "Add a route to the client VPC's CIDR through the peering in the route table of the lab's subnets.",
        DOC_PEERING_ROUTES, break_peering_return_route, peered_client_request, fix_lab=route_back_to_peer),
    Misconfiguration(
        "no-route-out", "A client VPC with no way out calls a public API", "http-alb",
        "the connection times out from that VPC", None, "source -> API Gateway",
        "The API's endpoint is a public name. The client's VPC has only its local route (no internet gateway, NAT "
        "gateway or transit gateway route); a route to a peering would not do either, a peer's gateways are not "
        "shared. Flow Logs show nothing leaving; Reachability Analyzer finds no path.",
        "Give the client subnets a way out (a NAT gateway, or an internet gateway for public subnets), or reach the API "
        "through an execute-api interface endpoint (private APIs).",
        DOC_PEERING_LIMITS, break_no_route_out, closed_client_request, fix_lab=open_way_out),
]


def by_id(entry_id: str) -> Misconfiguration:
    for entry in CATALOGUE:
        if entry.id == entry_id:
            return entry
    raise ParameterError("id", f"{entry_id!r} is not in the catalogue", f"use one of {', '.join(e.id for e in CATALOGUE)}")


def frame() -> pd.DataFrame:
    """The catalogue as a table (the docs' troubleshooting page is generated from it)."""
    return pd.DataFrame([{"id": e.id, "pattern": e.pattern, "symptom": e.symptom,
                          "status": "timeout" if e.status is None else e.status, "hop": e.hop,
                          "cause": e.cause, "fix": e.fix, "reference": e.reference} for e in CATALOGUE])
