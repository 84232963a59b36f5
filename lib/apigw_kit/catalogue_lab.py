"""The lab actions of the misconfiguration catalogue: how each entry breaks a lab, repairs it, and what request shows it.

``apigw_kit.catalogue`` holds the entries as data (symptom, cause, fix, how to
observe it, reference) and names these functions. A break finds the lab's
resources by tag, role and what points at what (the target group a listener
forwards to, the groups guarding an NLB's targets), never by one builder's
records, so the pattern notebooks play the entries as workshop exercises on
their own labs. A fix is plain boto3 and changes only what differs, so a fix
run on a healthy lab (a runbook run, where exercises are off) makes no
mutating call. A request returns the ``trace()`` arguments of the request that
shows the symptom.
"""
from __future__ import annotations

import ipaddress
import json

from . import local
from .checks import load_balancer_ips
from .errors import ParameterError
from .lambdas import target_sync
from .steps import dns, functions, network
from .steps import elb as steps_elb  # functions here name their elbv2 client 'elb'
from .steps.apigw_http import VpcLink, wait_vpc_link
from .steps.apigw_http import _items as _v2_items
from .waits import wait_for


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


def _ensure_ingress(lab, group_id: str, port: int, source_group: str | None = None, cidr: str | None = None) -> None:
    """Authorize TCP ``port`` into ``group_id`` from a group or a CIDR, unless a rule already does."""
    ec2 = lab.cloud.client("ec2")
    for rule in ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroupRules"]:
        if (not rule["IsEgress"] and rule["IpProtocol"] == "tcp" and rule["FromPort"] == port == rule["ToPort"]
                and (rule.get("ReferencedGroupInfo", {}).get("GroupId"), rule.get("CidrIpv4")) == (source_group, cidr)):
            return
    source = {"UserIdGroupPairs": [{"GroupId": source_group}]} if source_group else {"IpRanges": [{"CidrIp": cidr}]}
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **source}])


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


# Custom domain of an HTTP API (http-alb-domain) and the default execute-api endpoints ------------------------
def domain_name(lab) -> str:
    """The public custom domain of the ``http-alb-domain`` pattern, in the zone ``<lab>.example.com``."""
    return f"api.{lab.name}.example.com"


def domain_request(lab) -> dict:
    return {"url": f"https://{domain_name(lab)}/orders", "source": "internet"}


def _domain_zone_and_record(lab) -> tuple[str, dict | None]:
    """The hosted zone holding the custom domain's name, and its A/AAAA/CNAME record there (None if gone)."""
    r53, name = lab.cloud.client("route53"), domain_name(lab) + "."
    zone = next(z for page in r53.get_paginator("list_hosted_zones").paginate() for z in page["HostedZones"]
                if name.endswith("." + z["Name"]))
    records = r53.list_resource_record_sets(HostedZoneId=zone["Id"], StartRecordName=name, MaxItems="5")["ResourceRecordSets"]
    return zone["Id"], next((r for r in records if r["Name"] == name and r["Type"] in ("A", "AAAA", "CNAME")), None)


def break_record_target(lab) -> None:
    """The domain's record becomes a CNAME to the API's own execute-api name (copied from its invoke URL)."""
    zone_id, record = _domain_zone_and_record(lab)
    invoke_host = _http_api(lab)["ApiEndpoint"].split("://")[1]
    lab.cloud.client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": record},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": domain_name(lab), "Type": "CNAME", "TTL": 300,
                                                   "ResourceRecords": [{"Value": invoke_host}]}}]})


def break_api_mapping(lab) -> None:
    v2 = lab.cloud.client("apigatewayv2")
    for mapping in _v2_items(v2.get_api_mappings, DomainName=domain_name(lab)):
        v2.delete_api_mapping(DomainName=domain_name(lab), ApiMappingId=mapping["ApiMappingId"])


CALLER_CIDR = "10.97.0.0/16"


def break_private_dns_capture(lab) -> None:
    """A workload VPC that reaches the internet through an internet gateway, where another team adds an execute-api
    endpoint with private DNS (for their private API), open to the VPC on 443."""
    ec2, zones = lab.cloud.client("ec2"), [z["ZoneName"] for z in network.vpc_link_zones(lab.cloud, 2)]
    vpc = ec2.create_vpc(CidrBlock=CALLER_CIDR, TagSpecifications=lab.tag_specs("vpc", "caller-vpc"))["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):  # private DNS needs both
        ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.97.{i}.0/24", AvailabilityZone=zone, TagSpecifications=
                                 lab.tag_specs("subnet", f"caller-{i}"))["Subnet"]["SubnetId"] for i, zone in enumerate(zones)]
    gateway = ec2.create_internet_gateway(TagSpecifications=lab.tag_specs("internet-gateway", "caller-igw"))[
        "InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=lab.tag_specs("route-table", "caller-routes"))[
        "RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    for subnet in subnets:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    group = ec2.create_security_group(GroupName=lab.resource_name("caller-endpoint-sg"), Description="execute-api endpoint",
                                      VpcId=vpc, TagSpecifications=lab.tag_specs("security-group", "caller-endpoint-sg"))
    ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": CALLER_CIDR}]}])
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{lab.cloud.region}.execute-api", VpcEndpointType="Interface",
        SubnetIds=subnets, SecurityGroupIds=[group["GroupId"]], PrivateDnsEnabled=True,
        TagSpecifications=lab.tag_specs("vpc-endpoint", "caller-endpoint"))["VpcEndpoint"]["VpcEndpointId"]
    wait_for(lab.cloud, f"VPC endpoint {endpoint}", lambda: ec2.describe_vpc_endpoints(
        VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["State"].lower(), {"available"}, timeout=600, poll=10)


def vpc_api_request(lab) -> dict:
    """The lab's public API (HTTP, else REST) called by its execute-api name from the workload VPC."""
    source = f"vpc:{_ec2_id(lab, 'caller-vpc', 'vpc')}"
    rest = [a for a in lab.cloud.client("apigateway").get_rest_apis(limit=500)["items"] if a["name"] == lab.resource_name("rest-api")]
    return {**(rest_nlb_request(lab) if rest else api_request(lab)), "source": source}


def break_rest_stage(lab) -> None:
    lab.cloud.client("apigateway").delete_stage(restApiId=_rest_api(lab, "rest-api")["id"], stageName="prod")


def break_default_endpoint(lab) -> None:
    """Turn the REST API's default endpoint off, and deploy so that it takes effect."""
    v1, api_id = lab.cloud.client("apigateway"), _rest_api(lab, "rest-api")["id"]
    v1.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "True"}])
    v1.create_deployment(restApiId=api_id, stageName="prod", description="default endpoint off")


# Their fixes ---------------------------------------------------------------------------------------------------
def alias_domain_record(lab) -> None:
    """The domain's record is an A alias to the custom domain's own API Gateway domain name, in its hosted zone."""
    config = lab.cloud.client("apigatewayv2").get_domain_name(DomainName=domain_name(lab))["DomainNameConfigurations"][0]
    zone_id, record = _domain_zone_and_record(lab)
    alias = (record or {}).get("AliasTarget", {})
    if record and record["Type"] == "A" and alias.get("DNSName", "").rstrip(".").lower() == config["ApiGatewayDomainName"].lower():
        return
    wanted = {"Name": domain_name(lab), "Type": "A", "AliasTarget": {
        "HostedZoneId": config["HostedZoneId"], "DNSName": config["ApiGatewayDomainName"], "EvaluateTargetHealth": False}}
    # UPSERT, not CREATE: valid on AWS once the CNAME is deleted in the same batch, and moto's CREATE check reads a
    # listing from the name on (the CNAME being replaced) as an A record that exists already.
    changes = ([{"Action": "DELETE", "ResourceRecordSet": record}] if record else []) + [{"Action": "UPSERT", "ResourceRecordSet": wanted}]
    lab.cloud.client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})


def map_domain_to_api(lab) -> None:
    """The custom domain's empty path is mapped to the HTTP API's $default stage."""
    v2 = lab.cloud.client("apigatewayv2")
    if not any(not m.get("ApiMappingKey") for m in _v2_items(v2.get_api_mappings, DomainName=domain_name(lab))):
        v2.create_api_mapping(DomainName=domain_name(lab), ApiId=_http_api(lab)["ApiId"], Stage="$default")


def private_dns_off(lab) -> None:
    """Private DNS off on the workload VPC's execute-api endpoints: public API names resolve publicly there again."""
    ec2 = lab.cloud.client("ec2")
    for endpoint in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [_ec2_id(lab, "caller-vpc", "vpc")]}])["VpcEndpoints"]:
        if endpoint["ServiceName"].endswith(".execute-api") and endpoint.get("PrivateDnsEnabled"):
            ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], PrivateDnsEnabled=False)


def deploy_rest_stage(lab) -> None:
    """The REST API's prod stage exists (a new deployment creates it)."""
    v1, api_id = lab.cloud.client("apigateway"), _rest_api(lab, "rest-api")["id"]
    if not any(s["stageName"] == "prod" for s in v1.get_stages(restApiId=api_id)["item"]):
        v1.create_deployment(restApiId=api_id, stageName="prod")


def enable_default_endpoint(lab) -> None:
    """The REST API's default endpoint on again, deployed."""
    v1, api = lab.cloud.client("apigateway"), _rest_api(lab, "rest-api")
    if api.get("disableExecuteApiEndpoint"):
        v1.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "False"}])
        v1.create_deployment(restApiId=api["id"], stageName="prod", description="default endpoint on")
