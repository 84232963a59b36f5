"""API Gateway HTTP APIs (v2): VPC links, APIs, private integrations, routes, stages."""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from ..waits import wait_deleted, wait_for
from ..lab import AUTH_WAIVER_TAG
from . import STAGE_BURST_LIMIT, STAGE_RATE_LIMIT, Found, register

THROTTLING = {"ThrottlingBurstLimit": STAGE_BURST_LIMIT, "ThrottlingRateLimit": STAGE_RATE_LIMIT}


@dataclass(frozen=True)
class VpcLink:
    id: str
    name: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]


@dataclass(frozen=True)
class HttpApi:
    id: str
    name: str
    endpoint: str


@dataclass(frozen=True)
class Integration:
    id: str
    uri: str
    connection_id: str


def _v2(lab_or_cloud):
    return getattr(lab_or_cloud, "cloud", lab_or_cloud).client("apigatewayv2")


def _items(call, **kwargs) -> list[dict]:
    """All items of an apigatewayv2 Get* call (NextToken pagination)."""
    items, token = [], None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items += page["Items"]
        token = page.get("NextToken")
        if not token:
            return items


def _lab_vpc_links(lab) -> list[dict]:
    return [link for link in _items(_v2(lab).get_vpc_links) if lab.owns(link.get("Tags"))]


def _lab_apis(lab) -> list[dict]:
    return [api for api in _items(_v2(lab).get_apis) if lab.owns(api.get("Tags"))]


def ensure_vpc_link(lab, subnets, security_groups, role: str = "vpc-link") -> VpcLink:
    """Create the VPC link (v2) if missing; do not wait for it."""
    name = lab.resource_name(role)
    for link in _lab_vpc_links(lab):
        if link["Name"] == name:
            return VpcLink(link["VpcLinkId"], name, tuple(link["SubnetIds"]), tuple(link["SecurityGroupIds"]))
    link = _v2(lab).create_vpc_link(Name=name, SubnetIds=[s.id for s in subnets],
                                   SecurityGroupIds=[g.id for g in security_groups], Tags=lab.tags(role))
    return VpcLink(link["VpcLinkId"], name, tuple(link["SubnetIds"]), tuple(link["SecurityGroupIds"]))


def vpc_link_status(cloud, link_id: str) -> str:
    return _v2(cloud).get_vpc_link(VpcLinkId=link_id)["VpcLinkStatus"]


def wait_vpc_link(lab, link: VpcLink) -> None:
    def status() -> str:
        return vpc_link_status(lab.cloud, link.id)
    wait_for(lab.cloud, f"VPC link {link.name}", status, {"AVAILABLE"}, failed=frozenset({"FAILED"}), timeout=900,
             poll=15, cause="VPC links usually take 2-3 minutes; FAILED usually means a subnet has no free IPs "
                            "or the security group was deleted.")


def ensure_http_api(lab, role: str = "http-api", description: str = "", *, auth_waiver: str | None = None) -> HttpApi:
    """The lab's HTTP API; ``auth_waiver``: why its routes have no authorizer, recorded as its AUTH_WAIVER_TAG."""
    name = lab.resource_name(role)
    for api in _lab_apis(lab):
        if api["Name"] == name:
            return HttpApi(api["ApiId"], name, api["ApiEndpoint"])
    tags = lab.tags(role) | ({AUTH_WAIVER_TAG: auth_waiver} if auth_waiver else {})
    api = _v2(lab).create_api(Name=name, ProtocolType="HTTP", Description=description, Tags=tags)
    return HttpApi(api["ApiId"], name, api["ApiEndpoint"])


def ensure_private_integration(lab, api: HttpApi, listener_arn: str, link: VpcLink,
                               server_name: str | None = None) -> Integration:
    """An HTTP_PROXY integration to ``listener_arn`` through ``link`` (TLS when ``server_name``)."""
    v2 = _v2(lab)
    for item in _items(v2.get_integrations, ApiId=api.id):
        if item.get("IntegrationUri") == listener_arn and item.get("ConnectionId") == link.id:
            return Integration(item["IntegrationId"], listener_arn, link.id)
    kwargs = {"TlsConfig": {"ServerNameToVerify": server_name}} if server_name else {}
    item = v2.create_integration(ApiId=api.id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                 IntegrationUri=listener_arn, ConnectionType="VPC_LINK", ConnectionId=link.id,
                                 PayloadFormatVersion="1.0", **kwargs)
    return Integration(item["IntegrationId"], listener_arn, link.id)


def ensure_routes(lab, api: HttpApi, integration: Integration, route_keys=("ANY /", "ANY /{proxy+}")) -> list[str]:
    """Routes sending ``route_keys`` to the integration; returns the keys added."""
    v2 = _v2(lab)
    present = {r["RouteKey"] for r in _items(v2.get_routes, ApiId=api.id)}
    added = [key for key in route_keys if key not in present]
    for key in added:
        v2.create_route(ApiId=api.id, RouteKey=key, Target=f"integrations/{integration.id}")
    return added


def ensure_default_stage(lab, api: HttpApi) -> str:
    """The auto-deployed ``$default`` stage, throttled stage-wide (its default route settings)."""
    v2 = _v2(lab)
    try:
        stage = v2.get_stage(ApiId=api.id, StageName="$default")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        v2.create_stage(ApiId=api.id, StageName="$default", AutoDeploy=True, DefaultRouteSettings=THROTTLING,
                        Tags=lab.tags("stage"))
        return api.endpoint
    if any(stage.get("DefaultRouteSettings", {}).get(k) != v for k, v in THROTTLING.items()):
        v2.update_stage(ApiId=api.id, StageName="$default", DefaultRouteSettings=THROTTLING)
    return api.endpoint


# Teardown ------------------------------------------------------------------------
def _find_apis(lab) -> list[Found]:
    return [Found("apigatewayv2:api", a["ApiId"], a["Name"]) for a in _lab_apis(lab)]


def _delete_api(lab, found: Found) -> None:
    _v2(lab).delete_api(ApiId=found.id)


def _find_vpc_links(lab) -> list[Found]:
    return [Found("apigatewayv2:vpc-link", v["VpcLinkId"], v["Name"], v.get("VpcLinkStatus", ""))
            for v in _lab_vpc_links(lab)]


def _delete_vpc_link(lab, found: Found) -> None:
    _v2(lab).delete_vpc_link(VpcLinkId=found.id)
    # DELETING first; its ENIs are released only after it is gone (then its groups and subnets can go).
    wait_deleted(lab.cloud, f"VPC link {found.name}", lambda: vpc_link_status(lab.cloud, found.id),
                 {"NotFoundException"}, timeout=600, poll=10,
                 cause="a VPC link v2 usually takes a minute or two to delete its network interfaces.")


register("apigatewayv2:api", 10, _find_apis, _delete_api)
register("apigatewayv2:vpc-link", 40, _find_vpc_links, _delete_vpc_link)
