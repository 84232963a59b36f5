"""Everything in the embedded account, of every kind the kit creates, counted without the kit's help.

Teardown is judged by this listing, not by the lab's own tag search: a
resource the kit failed to tag, or a kind teardown does not know, still
shows here. Each resource is keyed ``(kind, id)`` and labelled by its name
(ids differ between runs, names do not), so two runs can be compared.
Defaults moto creates per region (the default VPC, its subnets, main route
tables, default groups and network ACLs) are left out.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache

import boto3
from botocore.exceptions import ClientError

from apigw_kit.local import transport
from apigw_kit.steps.apigw_http import _items  # NextToken pagination of apigatewayv2

GLOBAL_REGION = "us-east-1"  # IAM, Route 53, and ACM certificates for edge endpoints
# Fields that change on their own (provisioning, health), not by anyone's call.
VOLATILE = {"State", "Status", "VpcLinkStatus", "VpcLinkStatusMessage", "status", "statusMessage",
            "LastModified", "LastUpdateTime", "LastUpdateStatus", "AvailabilityZones"}
_ID = re.compile(r"\b(vpc|subnet|sg|rtb|eni|i|igw|nat|vpce|acl|eipalloc)-[0-9a-f]{8,17}\b|/[0-9a-f]{16}\b")


def _tags(item: dict) -> dict:
    tags = item.get("Tags") or item.get("TagSet") or item.get("tags") or {}
    if isinstance(tags, list):
        return {t["Key"]: t["Value"] for t in tags}
    return dict(tags)


def _name(item: dict, *keys: str) -> str:
    for key in keys:
        if item.get(key):
            return str(item[key])
    return _tags(item).get("Name", "")


@lru_cache(maxsize=None)
def _client(endpoint: str, service: str, region: str):
    client = boto3.client(service, region_name=region, endpoint_url=endpoint,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    transport.attach(client, endpoint)  # the test session's own embedded AWS: no socket
    return client


def _paged(client, operation: str, key: str, **kwargs) -> list[dict]:
    if client.can_paginate(operation):
        return [i for page in client.get_paginator(operation).paginate(**kwargs) for i in page[key]]
    return getattr(client, operation)(**kwargs)[key]


def _ec2(c) -> list[tuple[str, str, dict, str]]:
    """(kind, id, description, label) of the region's EC2 resources, defaults excluded."""
    rows = []
    for v in _paged(c, "describe_vpcs", "Vpcs"):
        if not v.get("IsDefault"):
            dns = [c.describe_vpc_attribute(VpcId=v["VpcId"], Attribute=a)
                   for a in ("enableDnsSupport", "enableDnsHostnames")]
            label = f"{_name(v)} dns={dns[0]['EnableDnsSupport']['Value']}/{dns[1]['EnableDnsHostnames']['Value']}"
            rows.append(("ec2:vpc", v["VpcId"], v, label))
    for s in _paged(c, "describe_subnets", "Subnets"):
        if not s.get("DefaultForAz"):
            rows.append(("ec2:subnet", s["SubnetId"], s, f"{_name(s)} {s['CidrBlock']}"))
    for g in _paged(c, "describe_security_groups", "SecurityGroups"):
        if g["GroupName"] != "default":
            rules = sorted((p.get("FromPort"), len(p.get("UserIdGroupPairs", [])), len(p.get("IpRanges", [])))
                           for p in g["IpPermissions"])
            rows.append(("ec2:security-group", g["GroupId"], g, f"{g['GroupName']} in={rules}"))
    for t in _paged(c, "describe_route_tables", "RouteTables"):
        if not any(a.get("Main") for a in t["Associations"]):
            rows.append(("ec2:route-table", t["RouteTableId"], t,
                         f"{_name(t)} subnets={sum(1 for a in t['Associations'] if a.get('SubnetId'))}"))
    for r in _paged(c, "describe_instances", "Reservations"):
        for i in r["Instances"]:
            if i["State"]["Name"] not in ("terminated", "shutting-down"):
                rows.append(("ec2:instance", i["InstanceId"], i, _name(i)))
    for e in _paged(c, "describe_network_interfaces", "NetworkInterfaces"):
        rows.append(("ec2:network-interface", e["NetworkInterfaceId"], e, _ID.sub("<id>", e.get("Description", ""))))
    for g in _paged(c, "describe_internet_gateways", "InternetGateways"):
        if not any(_is_default_vpc(c, a["VpcId"]) for a in g.get("Attachments", [])):
            rows.append(("ec2:internet-gateway", g["InternetGatewayId"], g, _name(g)))
    for n in _paged(c, "describe_nat_gateways", "NatGateways"):
        if n["State"] not in ("deleted", "deleting"):
            rows.append(("ec2:nat-gateway", n["NatGatewayId"], n, _name(n)))
    for a in c.describe_addresses()["Addresses"]:
        rows.append(("ec2:address", a.get("AllocationId", a.get("PublicIp")), a, _name(a)))
    for e in _paged(c, "describe_vpc_endpoints", "VpcEndpoints"):
        if e["State"].lower() not in ("deleted", "deleting"):
            rows.append(("ec2:vpc-endpoint", e["VpcEndpointId"], e, e["ServiceName"]))
    for p in _paged(c, "describe_vpc_peering_connections", "VpcPeeringConnections"):
        if p["Status"]["Code"] not in ("deleted", "rejected", "failed"):
            rows.append(("ec2:vpc-peering", p["VpcPeeringConnectionId"], p, _name(p)))
    for a in _paged(c, "describe_network_acls", "NetworkAcls"):
        if not a.get("IsDefault"):
            rows.append(("ec2:network-acl", a["NetworkAclId"], a, _name(a)))
    return rows


def _is_default_vpc(c, vpc_id: str) -> bool:
    try:
        return c.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0].get("IsDefault", False)
    except ClientError:
        return False


def _elbv2(c) -> list[tuple[str, str, dict, str]]:
    rows = []
    for lb in _paged(c, "describe_load_balancers", "LoadBalancers"):
        rows.append(("elbv2:load-balancer", lb["LoadBalancerArn"], lb, lb["LoadBalancerName"]))
        for listener in _paged(c, "describe_listeners", "Listeners", LoadBalancerArn=lb["LoadBalancerArn"]):
            rows.append(("elbv2:listener", listener["ListenerArn"], listener,
                         f"{lb['LoadBalancerName']}:{listener['Protocol']}:{listener['Port']}"))
    for tg in _paged(c, "describe_target_groups", "TargetGroups"):
        targets = c.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        rows.append(("elbv2:target-group", tg["TargetGroupArn"], tg, f"{tg['TargetGroupName']} targets={len(targets)}"))
    return rows


def _apigatewayv2(c) -> list[tuple[str, str, dict, str]]:
    rows = []
    for api in _items(c.get_apis):
        routes = sorted(r["RouteKey"] for r in _items(c.get_routes, ApiId=api["ApiId"]))
        integrations = len(_items(c.get_integrations, ApiId=api["ApiId"]))
        stages = sorted(s["StageName"] for s in _items(c.get_stages, ApiId=api["ApiId"]))
        rows.append(("apigatewayv2:api", api["ApiId"], api,
                     f"{api['Name']} routes={routes} integrations={integrations} stages={stages}"))
    for link in _items(c.get_vpc_links):
        rows.append(("apigatewayv2:vpc-link", link["VpcLinkId"], link, link["Name"]))
    for domain in _items(c.get_domain_names):
        rows.append(("apigatewayv2:domain-name", domain["DomainName"], domain, domain["DomainName"]))
    return rows


def _apigateway(c) -> list[tuple[str, str, dict, str]]:
    rows = []
    for api in _paged(c, "get_rest_apis", "items"):
        resources = len(_paged(c, "get_resources", "items", restApiId=api["id"]))
        stages = sorted(s["stageName"] for s in c.get_stages(restApiId=api["id"]).get("item", []))
        rows.append(("apigateway:rest-api", api["id"], api, f"{api['name']} resources={resources} stages={stages}"))
    for link in _paged(c, "get_vpc_links", "items"):
        rows.append(("apigateway:vpc-link", link["id"], link, link["name"]))
    for domain in _paged(c, "get_domain_names", "items"):
        rows.append(("apigateway:domain-name", domain["domainName"], domain, domain["domainName"]))
    for plan in _paged(c, "get_usage_plans", "items"):
        rows.append(("apigateway:usage-plan", plan["id"], plan, plan["name"]))
    for key in _paged(c, "get_api_keys", "items"):
        rows.append(("apigateway:api-key", key["id"], key, key.get("name", "")))
    return rows


def _regional(endpoint: str, region: str) -> list[tuple[str, str, dict, str]]:
    rows = _ec2(_client(endpoint, "ec2", region)) + _elbv2(_client(endpoint, "elbv2", region))
    rows += _apigatewayv2(_client(endpoint, "apigatewayv2", region))
    rows += _apigateway(_client(endpoint, "apigateway", region))
    rows += _certificates(endpoint, region)
    lam = _client(endpoint, "lambda", region)
    rows += [("lambda:function", f["FunctionArn"], f, f["FunctionName"]) for f in _paged(lam, "list_functions", "Functions")]
    events = _client(endpoint, "events", region)
    rows += [("events:rule", r["Arn"], r, r["Name"]) for r in _paged(events, "list_rules", "Rules")]
    logs = _client(endpoint, "logs", region)
    rows += [("logs:log-group", g["logGroupName"], g, g["logGroupName"])
             for g in _paged(logs, "describe_log_groups", "logGroups")]
    cloudmap = _client(endpoint, "servicediscovery", region)
    rows += [("servicediscovery:namespace", n["Id"], n, n["Name"]) for n in _paged(cloudmap, "list_namespaces", "Namespaces")]
    rows += [("servicediscovery:service", v["Id"], v, v["Name"]) for v in _paged(cloudmap, "list_services", "Services")]
    cfn = _client(endpoint, "cloudformation", region)
    rows += [("cloudformation:stack", s["StackId"], s, s["StackName"]) for s in _paged(cfn, "list_stacks", "StackSummaries")
             if s["StackStatus"] != "DELETE_COMPLETE"]
    return rows


def _certificates(endpoint: str, region: str) -> list[tuple[str, str, dict, str]]:
    acm = _client(endpoint, "acm", region)
    return [("acm:certificate", c["CertificateArn"], c, c["DomainName"])
            for c in _paged(acm, "list_certificates", "CertificateSummaryList")]


def _global(endpoint: str) -> list[tuple[str, str, dict, str]]:
    iam = _client(endpoint, "iam", GLOBAL_REGION)
    rows = [("iam:role", r["RoleName"], r, r["RoleName"]) for r in _paged(iam, "list_roles", "Roles")]
    rows += [("iam:policy", p["Arn"], p, p["PolicyName"]) for p in _paged(iam, "list_policies", "Policies", Scope="Local")]
    route53 = _client(endpoint, "route53", GLOBAL_REGION)
    for zone in _paged(route53, "list_hosted_zones", "HostedZones"):
        records = _paged(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone["Id"])
        rows.append(("route53:hosted-zone", zone["Id"], zone,
                     f"{zone['Name']} records={sorted((r['Name'], r['Type']) for r in records)}"))
    return rows


class Account:
    """Everything in the embedded account at one moment: ``{(kind, id): (label, description)}``.

    ``regions`` are listed in full; IAM, Route 53 and us-east-1 certificates always.
    """

    def __init__(self, endpoint: str, regions: tuple[str, ...]):
        rows = _global(endpoint)
        for region in regions:
            rows += _regional(endpoint, region)
        if GLOBAL_REGION not in regions:  # certificates for edge endpoints; EC2 there costs a second per listing
            rows += _certificates(endpoint, GLOBAL_REGION)
        self.items = {(kind, id_): (label, _stable(item)) for kind, id_, item, label in rows}

    def __sub__(self, other: "Account") -> dict:
        """What is here and not in ``other``: ``{(kind, id): label}``."""
        return {key: value[0] for key, value in self.items.items() if key not in other.items}

    def shape(self, since: "Account") -> Counter:
        """The resources added since ``since``, as a multiset of (kind, label): comparable across runs."""
        return Counter((kind, label) for (kind, _), label in (self - since).items())

    def touched(self, before: "Account") -> dict:
        """Resources of ``before`` that are gone or described differently now: ``{(kind, id): why}``."""
        found = {}
        for key, (label, description) in before.items.items():
            if key not in self.items:
                found[key] = f"{label}: deleted"
            elif self.items[key][1] != description:
                found[key] = f"{label}: changed from {description} to {self.items[key][1]}"
        return found


def _stable(item: dict) -> str:
    """A description without the fields that change by themselves, for 'untouched' comparisons."""
    return json.dumps({k: v for k, v in item.items() if k not in VOLATILE}, sort_keys=True, default=str)
