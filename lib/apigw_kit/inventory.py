"""The live state of a lab as pandas DataFrames: what was built, read back from the account."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .steps import apigw_http, elb

ENI_COLUMNS = ["eni", "subnet", "az", "private_ip", "description", "owner", "security_groups"]
TARGET_COLUMNS = ["target_group", "target", "port", "health", "reason"]
RULE_COLUMNS = ["group", "group_name", "direction", "protocol", "ports", "peer"]
ROUTE_COLUMNS = ["api", "route", "integration", "type", "connection", "uri", "tls_server_name"]


@dataclass
class Inventory:
    resources: pd.DataFrame
    enis: pd.DataFrame
    targets: pd.DataFrame
    rules: pd.DataFrame
    routes: pd.DataFrame

    @classmethod
    def of(cls, lab) -> "Inventory":
        resources = lab.resources()
        vpc_ids = resources.loc[resources["type"] == "ec2:vpc", "id"].tolist()
        return cls(
            resources=resources,
            enis=enis_in(lab.cloud, vpc_ids, owners=_owner_names(resources)),
            targets=targets_of(lab.cloud, resources.loc[resources["type"] == "elbv2:target-group", "id"].tolist()),
            rules=rules_of(lab.cloud, resources.loc[resources["type"] == "ec2:security-group", "id"].tolist()),
            routes=routes_of(lab.cloud, resources.loc[resources["type"] == "apigatewayv2:api", "id"].tolist()),
        )


def _owner_names(resources: pd.DataFrame) -> dict[str, str]:
    """id -> readable owner ("ec2:instance demo-web") for labelling ENIs."""
    return {row.id: f"{row.type} {row.name}".strip() for row in resources.itertuples()}


def eni_owner(eni: dict, owners: dict[str, str] | None = None) -> str:
    """Who an ENI belongs to, from its attachment or the description AWS gives managed ENIs."""
    owners = owners or {}
    description = eni.get("Description", "")
    instance = (eni.get("Attachment") or {}).get("InstanceId")
    if instance:
        return owners.get(instance, f"ec2:instance {instance}")
    if description.startswith("ELB app/") or description.startswith("ELB net/"):
        kind = "ALB" if description.startswith("ELB app/") else "NLB"
        return f"{kind} {description.split('/')[1]}"
    if description.startswith("VPC Endpoint Interface"):
        return f"VPC endpoint {description.split()[-1]}"
    if "VPC Link" in description or "vpc link" in description.lower():
        return f"VPC link {description}"
    return description or eni.get("InterfaceType", "")


def enis_in(cloud, vpc_ids: list[str], owners: dict[str, str] | None = None) -> pd.DataFrame:
    if not vpc_ids:
        return pd.DataFrame(columns=ENI_COLUMNS)
    pages = cloud.client("ec2").get_paginator("describe_network_interfaces").paginate(
        Filters=[{"Name": "vpc-id", "Values": vpc_ids}])
    rows = [{
        "eni": eni["NetworkInterfaceId"], "subnet": eni["SubnetId"], "az": eni["AvailabilityZone"],
        "private_ip": eni["PrivateIpAddress"], "description": eni.get("Description", ""),
        "owner": eni_owner(eni, owners), "security_groups": ",".join(g["GroupId"] for g in eni.get("Groups", [])),
    } for page in pages for eni in page["NetworkInterfaces"]]
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
