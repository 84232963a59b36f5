"""The live state of a lab as pandas DataFrames: what was built, read back from the account."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from botocore.exceptions import ClientError

from .steps import apigw_http, elb
from .steps.network import network_interfaces
from .tracer.network import rule_ports

ENI_COLUMNS = ["eni", "subnet", "az", "private_ip", "description", "owner", "owner_id", "security_groups"]
TARGET_COLUMNS = ["target_group", "target", "port", "health", "reason"]
RULE_COLUMNS = ["group", "group_name", "direction", "protocol", "ports", "peer"]
ROUTE_COLUMNS = ["api", "route", "integration", "type", "connection", "uri", "tls_server_name"]
LINK_COLUMNS = ["source", "target", "port", "security_groups"]
CONTEXT_COLUMNS = ["source", "target", "label"]


@dataclass
class Inventory:
    resources: pd.DataFrame
    enis: pd.DataFrame
    targets: pd.DataFrame
    rules: pd.DataFrame
    routes: pd.DataFrame
    links: pd.DataFrame  # how a request flows: source -> target, with the rules that admit it
    vpc_of: dict[str, str]  # subnet, load balancer and endpoint id -> the VPC it is in (a lab may have several VPCs)
    context: pd.DataFrame  # what the lesson is about beside the flow (names, certificates, schedules): source -> target, label

    @classmethod
    def of(cls, lab) -> "Inventory":
        resources = lab.resources()
        vpc_ids = resources.loc[resources["type"] == "ec2:vpc", "id"].tolist()
        routes = routes_of(lab.cloud, resources.loc[resources["type"] == "apigatewayv2:api", "id"].tolist())
        target_groups = resources.loc[resources["type"] == "elbv2:target-group", "id"].tolist()
        rest_apis = resources.loc[resources["type"] == "apigateway:rest-api", "id"].tolist()
        enis = enis_in(lab.cloud, vpc_ids, resources)
        return cls(
            resources=resources,
            enis=enis,
            targets=targets_of(lab.cloud, target_groups),
            rules=rules_of(lab.cloud, resources.loc[resources["type"] == "ec2:security-group", "id"].tolist()),
            routes=routes,
            links=links_of(lab.cloud, routes, target_groups, rest_apis, enis),
            vpc_of=placement(lab.cloud, resources),
            context=context_of(lab.cloud, resources),
        )


def placement(cloud, resources: pd.DataFrame) -> dict[str, str]:
    """The VPC of each subnet, load balancer and VPC endpoint of ``resources``."""
    subnets = resources.loc[resources["type"] == "ec2:subnet", "id"].tolist()
    balancers = resources.loc[resources["type"] == "elbv2:load-balancer", "id"].tolist()
    endpoints = resources.loc[resources["type"] == "ec2:vpc-endpoint", "id"].tolist()
    found = {s["SubnetId"]: s["VpcId"] for s in cloud.client("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]} if subnets else {}
    if balancers:
        found |= {lb["LoadBalancerArn"]: lb["VpcId"] for lb in cloud.client("elbv2").describe_load_balancers(
            LoadBalancerArns=balancers)["LoadBalancers"]}
    if endpoints:
        found |= {e["VpcEndpointId"]: e["VpcId"] for e in cloud.client("ec2").describe_vpc_endpoints(
            VpcEndpointIds=endpoints)["VpcEndpoints"]}
    return found


def _of_type(resources: pd.DataFrame, kind: str) -> pd.DataFrame:
    return resources[resources["type"] == kind]


def _domain_edges(cloud, resources: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Certificate -> custom domain -> the API it maps to, for HTTP (v2) and REST (v1) domains."""
    edges = []
    for name in _of_type(resources, "apigatewayv2:domain-name")["id"]:
        v2 = cloud.client("apigatewayv2")
        domain = v2.get_domain_name(DomainName=name)
        edges += [(c["CertificateArn"], name, "TLS certificate") for c in domain.get("DomainNameConfigurations", [])
                  if c.get("CertificateArn")]
        edges += [(name, m["ApiId"], f"API mapping /{m.get('ApiMappingKey', '')}")
                  for m in v2.get_api_mappings(DomainName=name).get("Items", [])]
    rest_domains = set(_of_type(resources, "apigateway:domain-name")["id"])
    if not rest_domains:
        return edges
    rest = cloud.client("apigateway")
    for domain in (d for d in rest.get_domain_names().get("items", []) if d["domainName"] in rest_domains):
        by_id = {"domainNameId": domain["domainNameId"]} if domain.get("domainNameId") else {}
        certificate = domain.get("certificateArn") or domain.get("regionalCertificateArn")
        edges += [(certificate, domain["domainName"], "TLS certificate")] if certificate else []
        mappings = rest.get_base_path_mappings(domainName=domain["domainName"], **by_id).get("items", [])
        edges += [(domain["domainName"], m["restApiId"], f"base path /{m.get('basePath', '').replace('(none)', '')}")
                  for m in mappings]  # API Gateway names the empty base path "(none)" (GetBasePathMapping, basePath)
    return edges


def _schedule_edges(cloud, resources: pd.DataFrame) -> list[tuple[str, str, str]]:
    """EventBridge rule -> the Lambda function it invokes, labelled with its schedule."""
    rules = _of_type(resources, "events:rule")
    if rules.empty:
        return []  # no client made for a service the lab does not use
    events, edges = cloud.client("events"), []
    functions = set(_of_type(resources, "lambda:function")["id"])
    for rule in rules.itertuples():
        schedule = events.describe_rule(Name=rule.name).get("ScheduleExpression", "event pattern")
        edges += [(rule.id, t["Arn"], schedule) for t in events.list_targets_by_rule(Rule=rule.name)["Targets"]
                  if t["Arn"] in functions]
    return edges


def _peering_edges(cloud, resources: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Peering -> each of the two VPCs it joins."""
    ids = _of_type(resources, "ec2:vpc-peering")["id"].tolist()
    if not ids:
        return []
    found = cloud.client("ec2").describe_vpc_peering_connections(VpcPeeringConnectionIds=ids)["VpcPeeringConnections"]
    return [(p["VpcPeeringConnectionId"], p[side]["VpcId"], "peers")
            for p in found for side in ("RequesterVpcInfo", "AccepterVpcInfo")]


def _endpoint_service_edges(cloud, resources: pd.DataFrame) -> list[tuple[str, str, str]]:
    """A VPC link v1's endpoint service (AWS creates it in your account) -> the NLB behind it.

    Creating a v1 link creates a VPC endpoint service configuration on the NLB, which is why it needs
    ec2:CreateVpcEndpointServiceConfiguration:
    https://docs.aws.amazon.com/apigateway/latest/developerguide/grant-permissions-to-create-vpclink.html
    """
    balancers = set(_of_type(resources, "elbv2:load-balancer")["id"])
    if _of_type(resources, "apigateway:vpc-link").empty:
        return []
    services = cloud.client("ec2").describe_vpc_endpoint_service_configurations().get("ServiceConfigurations", [])
    return [(s["ServiceId"], arn, "endpoint service of") for s in services
            for arn in s.get("NetworkLoadBalancerArns", []) if arn in balancers]


def _records(resources: pd.DataFrame, domains: set[str]) -> list[tuple[str, str, str]]:
    """A Route 53 record -> the custom domain of the same name (the alias that makes the name resolve):
    https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-api-gateway.html"""
    edges = []
    for record in _of_type(resources, "route53:record")["id"]:
        kind, _, name = record.partition(" ")
        if name in domains:
            edges.append((record, name, f"{kind} alias" if kind in ("A", "AAAA") else kind))
    return edges


def context_of(cloud, resources: pd.DataFrame) -> pd.DataFrame:
    """What a lesson is about beside the request flow: names, certificates, schedules, peering, endpoint services.

    Reads the embedded AWS's gaps as absence: a diagram must not fail for a relation the backend cannot report.
    """
    domains = set(resources.loc[resources["type"].isin(["apigatewayv2:domain-name", "apigateway:domain-name"]), "id"])
    edges = _records(resources, domains)
    for reader in (_domain_edges, _schedule_edges, _peering_edges, _endpoint_service_edges):
        try:
            edges += reader(cloud, resources)
        except ClientError:
            continue
    return pd.DataFrame(list(dict.fromkeys(edges)), columns=CONTEXT_COLUMNS)


def lab_enis(lab) -> pd.DataFrame:
    """The network interfaces in the lab's VPCs, each with the lab resource that owns it."""
    resources = lab.resources()
    return enis_in(lab.cloud, resources.loc[resources["type"] == "ec2:vpc", "id"].tolist(), resources)


class _Owners:
    """Tells who owns an ENI. AWS puts no tag on managed ENIs, so this reads what it does give:
    the instance attachment, the ``ELB app|net/<name>/<id>`` description of load balancer ENIs,
    and for the ``VPC Endpoint Interface vpce-...`` ENIs, whether that endpoint exists in the
    account (an interface endpoint) or not (the hidden endpoint of an HTTP API VPC link, recognised
    by the link's subnets and security groups)."""

    def __init__(self, cloud, resources: pd.DataFrame | None):
        resources = resources if resources is not None else pd.DataFrame(columns=["type", "id", "name"])
        self.names = {row.id: f"{row.type} {row.name}".strip() for row in resources.itertuples()}
        self.links = []
        for link_id in resources.loc[resources["type"] == "apigatewayv2:vpc-link", "id"]:
            link = cloud.client("apigatewayv2").get_vpc_link(VpcLinkId=link_id)
            self.links.append((link_id, set(link["SubnetIds"]), set(link["SecurityGroupIds"])))
        self.endpoints = {e["VpcEndpointId"] for e in cloud.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]}

    def __call__(self, eni: dict) -> tuple[str, str]:
        """(readable owner, owner id or "")."""
        description = eni.get("Description", "")
        instance = (eni.get("Attachment") or {}).get("InstanceId")
        if instance:
            return self.names.get(instance, f"ec2:instance {instance}"), instance
        if description.startswith(("ELB app/", "ELB net/")):
            arn = next((i for i in self.names if i.endswith(":loadbalancer/" + description[4:])), "")
            return f"{'ALB' if description.startswith('ELB app/') else 'NLB'} {description.split('/')[1]}", arn
        if description.startswith("VPC Endpoint Interface"):
            endpoint = description.split()[-1]
            if endpoint in self.endpoints:
                return f"VPC endpoint {endpoint}", endpoint
            groups = {g["GroupId"] for g in eni.get("Groups", [])}
            for link_id, subnets, link_groups in self.links:
                if eni["SubnetId"] in subnets and groups == link_groups:
                    return self.names.get(link_id, f"VPC link {link_id}").replace("apigatewayv2:vpc-link", "VPC link"), link_id
        return description or eni.get("InterfaceType", ""), ""


def enis_in(cloud, vpc_ids: list[str], resources: pd.DataFrame | None = None) -> pd.DataFrame:
    if not vpc_ids:
        return pd.DataFrame(columns=ENI_COLUMNS)
    owner_of = _Owners(cloud, resources)
    rows = []
    for eni in network_interfaces(cloud.client("ec2"), [{"Name": "vpc-id", "Values": vpc_ids}]):
        owner, owner_id = owner_of(eni)
        rows.append({"eni": eni["NetworkInterfaceId"], "subnet": eni["SubnetId"], "az": eni["AvailabilityZone"],
                     "private_ip": eni["PrivateIpAddress"], "description": eni.get("Description", ""),
                     "owner": owner, "owner_id": owner_id,
                     "security_groups": ",".join(g["GroupId"] for g in eni.get("Groups", []))})
    return pd.DataFrame(rows, columns=ENI_COLUMNS).sort_values(["owner", "az", "private_ip"], ignore_index=True)


def targets_of(cloud, target_group_arns: list[str]) -> pd.DataFrame:
    rows = []
    for arn in target_group_arns:
        name = arn.split(":")[-1].split("/")[1]
        for t in elb.target_health(cloud, arn):
            rows.append({"target_group": name, "target": t["Target"]["Id"], "port": t["Target"].get("Port"),
                         "health": t["TargetHealth"]["State"], "reason": t["TargetHealth"].get("Reason", "")})
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def _peer(permission: dict) -> list[str]:
    peers = [p["GroupId"] for p in permission.get("UserIdGroupPairs", [])]
    peers += [r["CidrIp"] for r in permission.get("IpRanges", [])]
    peers += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", [])]
    peers += [p["PrefixListId"] for p in permission.get("PrefixListIds", [])]
    return peers


def _ports(permission: dict) -> str:
    if permission.get("IpProtocol") == "-1":
        return "all"
    low, high = permission.get("FromPort"), permission.get("ToPort")
    return str(low) if low == high else f"{low}-{high}"


def rules_of(cloud, group_ids: list[str]) -> pd.DataFrame:
    if not group_ids:
        return pd.DataFrame(columns=RULE_COLUMNS)
    groups = cloud.client("ec2").describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
    rows = []
    for group in groups:
        for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
            for permission in group[key]:
                for peer in _peer(permission):
                    rows.append({"group": group["GroupId"], "group_name": group["GroupName"], "direction": direction,
                                 "protocol": "all" if permission["IpProtocol"] == "-1" else permission["IpProtocol"],
                                 "ports": _ports(permission), "peer": peer})
    return pd.DataFrame(rows, columns=RULE_COLUMNS).sort_values(["group_name", "direction", "peer"], ignore_index=True)


def routes_of(cloud, api_ids: list[str]) -> pd.DataFrame:
    v2 = cloud.client("apigatewayv2")
    rows = []
    for api_id in api_ids:
        integrations = {i["IntegrationId"]: i for i in apigw_http._items(v2.get_integrations, ApiId=api_id)}
        for route in apigw_http._items(v2.get_routes, ApiId=api_id):
            integration = integrations.get(route.get("Target", "").removeprefix("integrations/"), {})
            rows.append({"api": api_id, "route": route["RouteKey"], "integration": integration.get("IntegrationId", ""),
                         "type": integration.get("IntegrationType", ""), "connection": integration.get("ConnectionId", ""),
                         "uri": integration.get("IntegrationUri", ""),
                         "tls_server_name": (integration.get("TlsConfig") or {}).get("ServerNameToVerify", "")})
    return pd.DataFrame(rows, columns=ROUTE_COLUMNS).sort_values(["api", "route"], ignore_index=True)


def listener_load_balancer(listener_arn: str) -> str:
    """The load balancer ARN a listener ARN belongs to (same account, region, name and id)."""
    prefix, _, path = listener_arn.partition(":listener/")
    return f"{prefix}:loadbalancer/{path.rsplit('/', 1)[0]}"


def _groups_of(cloud, kind: str, node: str) -> list[str]:
    """Security groups of a flow node; APIs and other managed services have none."""
    if kind == "load-balancer":
        return cloud.client("elbv2").describe_load_balancers(LoadBalancerArns=[node])["LoadBalancers"][0].get("SecurityGroups") or []
    if kind == "instance":
        reservations = cloud.client("ec2").describe_instances(InstanceIds=[node])["Reservations"]
        return [g["GroupId"] for r in reservations for i in r["Instances"] for g in i["SecurityGroups"]]
    if kind == "vpc-link":
        return cloud.client("apigatewayv2").get_vpc_link(VpcLinkId=node).get("SecurityGroupIds", [])
    if kind == "vpc-endpoint":
        endpoint = cloud.client("ec2").describe_vpc_endpoints(VpcEndpointIds=[node])["VpcEndpoints"][0]
        return [g["GroupId"] for g in endpoint.get("Groups", [])]
    return []


def _admitting(cloud, source: tuple[str, str], target: tuple[str, str], port: int | None) -> str:
    """"sg-a -> sg-b" for the target's ingress rules that admit the source's groups on ``port``."""
    sources, targets = set(_groups_of(cloud, *source)), _groups_of(cloud, *target)
    if not sources or not targets:
        return ""
    pairs = []
    for group in cloud.client("ec2").describe_security_groups(GroupIds=targets)["SecurityGroups"]:
        for permission in group["IpPermissions"]:
            if port is not None and not rule_ports(permission, port):  # judged as the tracer judges a hop
                continue
            for pair in permission.get("UserIdGroupPairs", []):
                if pair["GroupId"] in sources:
                    pairs.append(f"{pair['GroupId']} -> {group['GroupId']}")
    return ", ".join(sorted(set(pairs)))


def _listener_port(cloud, listener_arn: str) -> int:
    return cloud.client("elbv2").describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]["Port"]


def _to_load_balancer(cloud, source, target_arn: str):
    """The edge from ``source`` to the load balancer a listener or load balancer ARN names."""
    if ":listener/" in target_arn:
        return (source, ("load-balancer", listener_load_balancer(target_arn)), _listener_port(cloud, target_arn))
    return (source, ("load-balancer", target_arn), None)


def _rest_edges(cloud, api_id: str) -> list:
    """REST API -> VPC link v1 -> NLB, or REST API -> VPC link v2 -> ALB (integrationTarget)."""
    rest, edges = cloud.client("apigateway"), []
    resources = [r for page in rest.get_paginator("get_resources").paginate(restApiId=api_id) for r in page["items"]]
    for resource in resources:
        for method in resource.get("resourceMethods", {}):
            try:
                integration = rest.get_integration(restApiId=api_id, resourceId=resource["id"], httpMethod=method)
            except rest.exceptions.NotFoundException:
                continue
            if integration.get("connectionType") != "VPC_LINK":
                continue
            link = integration["connectionId"]
            if integration.get("integrationTarget"):
                edges += [(("rest-api", api_id), ("vpc-link", link), None),
                          _to_load_balancer(cloud, ("vpc-link", link), integration["integrationTarget"])]
            else:
                edges.append((("rest-api", api_id), ("rest-vpc-link", link), None))
                edges += [_to_load_balancer(cloud, ("rest-vpc-link", link), arn)
                          for arn in rest.get_vpc_link(vpcLinkId=link).get("targetArns", [])]
    return edges


def _private_api_edges(cloud, rest_api_ids, endpoint_ids: set[str]) -> list:
    """Endpoint -> private REST API, for each endpoint the API's resource policy lets in."""
    from .tracer import evaluate_resource_policy
    edges = []
    for api_id in rest_api_ids:
        api = cloud.client("apigateway").get_rest_api(restApiId=api_id)
        if "PRIVATE" not in api.get("endpointConfiguration", {}).get("types", []):
            continue
        edges += [(("vpc-endpoint", e), ("rest-api", api_id), 443) for e in sorted(endpoint_ids)
                  if evaluate_resource_policy(api.get("policy"), {"aws:sourcevpce": e})[0] == "allow"]
    return edges


def links_of(cloud, routes: pd.DataFrame, target_group_arns: list[str], rest_api_ids: list[str] = (),
             enis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Request flow edges read from the configuration: API -> VPC link -> load balancer -> targets."""
    edges = []  # ((kind, id), (kind, id), port)
    for row in routes.drop_duplicates(["api", "connection", "uri"]).itertuples():
        entry = ("api", row.api)
        if row.connection:
            entry = ("vpc-link", row.connection)
            edges.append((("api", row.api), entry, None))
        if row.uri.startswith("arn:") and ":listener/" in row.uri:
            edges.append(_to_load_balancer(cloud, entry, row.uri))
        elif row.uri.startswith("arn:") and ":servicediscovery:" in row.uri:  # a Cloud Map service, by its id
            edges.append((entry, ("cloudmap-service", row.uri.rsplit("/", 1)[-1]), None))
    for api_id in rest_api_ids:
        edges += _rest_edges(cloud, api_id)
    # An IP target that is another load balancer's ENI (the NLB -> ALB bridge) points at that load balancer.
    ip_owner = {} if enis is None else dict(zip(enis["private_ip"], enis["owner_id"]))
    for arn in target_group_arns:
        group = cloud.client("elbv2").describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
        for lb_arn in group.get("LoadBalancerArns", []):
            for target in elb.target_health(cloud, arn):
                target_id, port = target["Target"]["Id"], target["Target"].get("Port")
                if group["TargetType"] == "instance":
                    edges.append((("load-balancer", lb_arn), ("instance", target_id), port))
                elif group["TargetType"] == "alb" or ":loadbalancer/" in ip_owner.get(target_id, ""):
                    edges.append((("load-balancer", lb_arn), ("load-balancer", ip_owner.get(target_id, target_id)), port))
                elif ip_owner.get(target_id, "").startswith("vpce-"):  # an ALB in front of an interface endpoint
                    edges.append((("load-balancer", lb_arn), ("vpc-endpoint", ip_owner[target_id]), port))
                else:
                    edges.append((("load-balancer", lb_arn), ("ip", target_id), port))
    edges += _private_api_edges(cloud, rest_api_ids, {t[1] for _, t, _ in edges if t[0] == "vpc-endpoint"})
    unique = list(dict.fromkeys(edges))
    rows = [{"source": s[1], "target": t[1], "port": port, "security_groups": _admitting(cloud, s, t, port)}
            for s, t, port in unique]
    return pd.DataFrame(rows, columns=LINK_COLUMNS)
