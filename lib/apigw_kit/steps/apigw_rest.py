"""API Gateway REST APIs (v1): APIs, resources, methods, integrations, stages, VPC links v1.

A REST API reaches a VPC through a private integration (``connectionType=VPC_LINK``)
in one of two ways: a VPC link v1 (``connectionId``), which fronts exactly one NLB
through a PrivateLink endpoint service, or since 2025 a VPC link v2 (the HTTP API
kind) with ``integrationTarget`` naming an ALB or NLB. The functions here take the
endpoint type, the resource policy and the connection as parameters, so every REST
pattern (regional, private, behind a custom domain) builds on the same steps.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from botocore.exceptions import ClientError

from ..errors import ParameterError
from ..waits import wait_deleted, wait_for
from ..lab import AUTH_WAIVER_TAG
from . import STAGE_BURST_LIMIT, STAGE_RATE_LIMIT, Found, name_of, register

ENDPOINT_TYPES = ("REGIONAL", "PRIVATE", "EDGE")
NLB_ARN = re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/net/[^/]+/[0-9a-f]+$")
LB_ARN = re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/(app|net)/[^/]+/[0-9a-f]+$")
CONNECTION_TYPES = ("INTERNET", "VPC_LINK")


@dataclass(frozen=True)
class RestApi:
    id: str
    name: str
    endpoint_type: str
    root_id: str


@dataclass(frozen=True)
class RestVpcLink:
    """A VPC link v1: PrivateLink from API Gateway to one NLB."""
    id: str
    name: str
    target_arn: str


@dataclass(frozen=True)
class RestIntegration:
    api_id: str
    resource_id: str
    http_method: str
    uri: str
    connection_type: str
    connection_id: str
    integration_target: str
    changed: bool  # True when this call created or replaced it (the stage needs a new deployment)


@dataclass(frozen=True)
class Stage:
    api_id: str
    name: str
    deployment_id: str
    invoke_url: str


def _v1(lab_or_cloud):
    return getattr(lab_or_cloud, "cloud", lab_or_cloud).client("apigateway")


def _paged(client, operation: str, **kwargs) -> list[dict]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get("items", [])]


def _lab_rest_apis(lab) -> list[dict]:
    return [api for api in _paged(_v1(lab), "get_rest_apis") if lab.owns(api.get("tags"))]


def _lab_rest_vpc_links(lab) -> list[dict]:
    return [link for link in _paged(_v1(lab), "get_vpc_links") if lab.owns(link.get("tags"))]


def _policy_text(policy) -> str | None:
    if policy is None or isinstance(policy, str):
        return policy
    return json.dumps(policy)


def invoke_url(cloud, api_id: str, stage: str) -> str:
    return f"https://{api_id}.execute-api.{cloud.region}.amazonaws.com/{stage}"


# APIs -------------------------------------------------------------------------------
def ensure_rest_api(lab, role: str = "rest-api", *, endpoint_type: str = "REGIONAL", vpc_endpoint_ids=(),
                    policy=None, description: str = "", auth_waiver: str | None = None) -> RestApi:
    """The lab's REST API named ``<lab>-<role>``, created if missing.

    ``endpoint_type`` REGIONAL, PRIVATE (with ``vpc_endpoint_ids`` to associate) or EDGE;
    ``policy`` a resource policy (dict or JSON text) set at creation; ``auth_waiver`` why its methods have no
    authorizer, recorded as its AUTH_WAIVER_TAG.
    """
    if endpoint_type not in ENDPOINT_TYPES:
        raise ParameterError("endpoint_type", f"{endpoint_type!r} is not an endpoint type", f"use one of {', '.join(ENDPOINT_TYPES)}")
    if vpc_endpoint_ids and endpoint_type != "PRIVATE":
        raise ParameterError("vpc_endpoint_ids", f"given for a {endpoint_type} API", "associate VPC endpoints with PRIVATE APIs only")
    name = lab.resource_name(role)
    for api in _lab_rest_apis(lab):
        if api["name"] == name:
            return RestApi(api["id"], name, api["endpointConfiguration"]["types"][0], api["rootResourceId"])
    configuration = {"types": [endpoint_type]}
    if vpc_endpoint_ids:
        configuration["vpcEndpointIds"] = list(vpc_endpoint_ids)
    kwargs = {"policy": _policy_text(policy)} if policy is not None else {}
    tags = lab.tags(role) | ({AUTH_WAIVER_TAG: auth_waiver} if auth_waiver else {})
    api = _v1(lab).create_rest_api(name=name, description=description, endpointConfiguration=configuration,
                                   tags=tags, **kwargs)
    return RestApi(api["id"], name, endpoint_type, api["rootResourceId"])


# Resources, methods, integrations -------------------------------------------------------
def ensure_resource(lab, api: RestApi, path: str) -> str:
    """The id of resource ``path`` (e.g. ``/orders/{proxy+}``), creating missing parts."""
    if not path.startswith("/"):
        raise ParameterError("path", f"{path!r} does not start with /", "pass an absolute resource path such as /orders")
    by_path = {r["path"]: r["id"] for r in _paged(_v1(lab), "get_resources", restApiId=api.id)}
    current = "/"
    for part in [p for p in path.split("/") if p]:
        child = current.rstrip("/") + "/" + part
        if child not in by_path:
            by_path[child] = _v1(lab).create_resource(restApiId=api.id, parentId=by_path[current], pathPart=part)["id"]
        current = child
    return by_path[current]


def ensure_method(lab, api: RestApi, resource_id: str, http_method: str = "ANY", *,
                  authorization: str = "NONE", request_parameters: dict | None = None) -> bool:
    """Add the method if missing; True if added."""
    try:
        _v1(lab).get_method(restApiId=api.id, resourceId=resource_id, httpMethod=http_method)
        return False
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
    _v1(lab).put_method(restApiId=api.id, resourceId=resource_id, httpMethod=http_method,
                        authorizationType=authorization, requestParameters=request_parameters or {})
    return True


def _current_integration(lab, api: RestApi, resource_id: str, http_method: str) -> dict | None:
    try:
        return _v1(lab).get_integration(restApiId=api.id, resourceId=resource_id, httpMethod=http_method)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        return None


def validate_connection(connection_type: str, connection_id: str, integration_target: str) -> None:
    """AWS's rules for a private integration's connection, checked before any call."""
    if connection_type not in CONNECTION_TYPES:
        raise ParameterError("connection_type", f"{connection_type!r} is not a connection type", f"use one of {', '.join(CONNECTION_TYPES)}")
    if connection_type == "VPC_LINK" and not connection_id:
        raise ParameterError("connection_id", "missing for a VPC_LINK integration", "pass the id of a VPC link (v1, or v2 with integration_target)")
    if connection_type == "INTERNET" and (connection_id or integration_target):
        raise ParameterError("connection_type", "INTERNET with a VPC link or integration target", "use connection_type='VPC_LINK'")
    if integration_target and not LB_ARN.match(integration_target):
        raise ParameterError("integration_target", f"{integration_target!r} is not a load balancer ARN",
                             "pass the ARN of an ALB or NLB (loadbalancer/app/... or loadbalancer/net/...), not of a listener")


def ensure_integration(lab, api: RestApi, resource_id: str, http_method: str, *, uri: str,
                       integration_type: str = "HTTP_PROXY", integration_method: str = "ANY",
                       connection_type: str = "INTERNET", connection_id: str = "", integration_target: str = "",
                       request_parameters: dict | None = None) -> RestIntegration:
    """Put the integration of ``http_method`` on ``resource_id`` unless it already matches.

    A VPC link v1 integration passes ``connection_id`` only (the link fixes the NLB);
    a VPC link v2 integration also passes ``integration_target``, the load balancer ARN.
    """
    validate_connection(connection_type, connection_id, integration_target)
    wanted = {"type": integration_type, "uri": uri, "connectionType": connection_type,
              "connectionId": connection_id or None, "integrationTarget": integration_target or None}
    current = _current_integration(lab, api, resource_id, http_method) or {}
    changed = any(current.get(key) != value for key, value in wanted.items())
    if changed:
        kwargs = {"connectionId": connection_id} if connection_id else {}
        if integration_target:
            kwargs["integrationTarget"] = integration_target
        _v1(lab).put_integration(restApiId=api.id, resourceId=resource_id, httpMethod=http_method, type=integration_type,
                                 integrationHttpMethod=integration_method, uri=uri, connectionType=connection_type,
                                 requestParameters=request_parameters or {}, **kwargs)
    return RestIntegration(api.id, resource_id, http_method, uri, connection_type, connection_id, integration_target, changed)


def ensure_mock_integration(lab, api: RestApi, resource_id: str, http_method: str, body: dict) -> bool:
    """A MOCK integration answering 200 with ``body`` as JSON, for an API that needs no backend; True if put.

    A MOCK integration answers only what its templates say: the request template picks the
    status code, and a 200 method and integration response carry the body.
    """
    current = _current_integration(lab, api, resource_id, http_method) or {}
    if current.get("type") == "MOCK" and "200" in (current.get("integrationResponses") or {}):
        return False
    v1, ids = _v1(lab), dict(restApiId=api.id, resourceId=resource_id, httpMethod=http_method)
    v1.put_integration(**ids, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    v1.put_method_response(**ids, statusCode="200", responseModels={"application/json": "Empty"})
    v1.put_integration_response(**ids, statusCode="200", selectionPattern="",
                                responseTemplates={"application/json": json.dumps(body)})
    return True


def ensure_proxy_integration(lab, api: RestApi, base_uri: str, *, connection_type: str = "VPC_LINK",
                             connection_id: str = "", integration_target: str = "") -> list[RestIntegration]:
    """``ANY /`` and ``ANY /{proxy+}`` proxied to ``base_uri`` (``http://host:port``), the path passed on."""
    validate_connection(connection_type, connection_id, integration_target)
    base = base_uri.rstrip("/")
    connection = dict(connection_type=connection_type, connection_id=connection_id, integration_target=integration_target)
    ensure_method(lab, api, api.root_id)
    integrations = [ensure_integration(lab, api, api.root_id, "ANY", uri=base + "/", **connection)]
    proxy = ensure_resource(lab, api, "/{proxy+}")
    ensure_method(lab, api, proxy, request_parameters={"method.request.path.proxy": True})
    integrations.append(ensure_integration(lab, api, proxy, "ANY", uri=base + "/{proxy}", **connection,
                                           request_parameters={"integration.request.path.proxy": "method.request.path.proxy"}))
    return integrations


# Deployments and stages ------------------------------------------------------------------
def ensure_stage(lab, api: RestApi, name: str = "prod", *, redeploy: bool = False) -> Stage:
    """Deploy ``api`` to stage ``name`` if the stage is missing, or again when ``redeploy``; throttle it stage-wide.

    A REST API serves its last deployment, not its current configuration: after an
    integration changes (``RestIntegration.changed``) the stage must be redeployed.
    Stage-wide throttling is the ``*/*`` method setting, which only UpdateStage sets
    (https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html); it outlives redeployments.
    """
    v1 = _v1(lab)
    stages = {s["stageName"]: s for s in v1.get_stages(restApiId=api.id).get("item", [])}
    if name in stages and not redeploy:
        deployment_id = stages[name]["deploymentId"]
    else:
        deployment_id = v1.create_deployment(restApiId=api.id, stageName=name,
                                             description=f"apigw-kit lab {lab.name}")["id"]
    throttling = stages.get(name, {}).get("methodSettings", {}).get("*/*", {})
    wanted = {"burstLimit": (throttling.get("throttlingBurstLimit"), STAGE_BURST_LIMIT),
              "rateLimit": (throttling.get("throttlingRateLimit"), STAGE_RATE_LIMIT)}
    changes = [{"op": "replace", "path": f"/*/*/throttling/{key}", "value": str(want)}
               for key, (have, want) in wanted.items() if have != want]
    if changes:
        v1.update_stage(restApiId=api.id, stageName=name, patchOperations=changes)
    return Stage(api.id, name, deployment_id, invoke_url(lab.cloud, api.id, name))


# VPC links v1 -----------------------------------------------------------------------------
def ensure_rest_vpc_link(lab, target_arn: str, role: str = "rest-vpc-link") -> RestVpcLink:
    """A VPC link v1 to the NLB ``target_arn`` (exactly one, and only an NLB); not waited for."""
    if not NLB_ARN.match(target_arn or ""):
        raise ParameterError("target_arn", f"{target_arn!r} is not a Network Load Balancer ARN",
                             "a REST API VPC link (v1) targets exactly one NLB (loadbalancer/net/...); for an ALB "
                             "use a VPC link v2 with integration_target")
    name = lab.resource_name(role)
    for link in _lab_rest_vpc_links(lab):
        if link["name"] == name:
            return RestVpcLink(link["id"], name, link["targetArns"][0])
    link = _v1(lab).create_vpc_link(name=name, targetArns=[target_arn], tags=lab.tags(role),
                                    description=f"apigw-kit lab {lab.name}: PrivateLink to one NLB")
    return RestVpcLink(link["id"], name, target_arn)


def rest_vpc_link_status(cloud, link_id: str) -> str:
    return _v1(cloud).get_vpc_link(vpcLinkId=link_id)["status"]


def wait_rest_vpc_link(lab, link: RestVpcLink) -> None:
    wait_for(lab.cloud, f"VPC link (v1) {link.name}", lambda: rest_vpc_link_status(lab.cloud, link.id), {"AVAILABLE"},
             failed=frozenset({"FAILED"}), timeout=1200, poll=20,
             cause="REST VPC links usually take 5-10 minutes (an endpoint service is created behind the NLB); "
                   "FAILED usually means the NLB is not internal/active or belongs to another account.")


# Private APIs, custom domains, base path mappings, access associations -------------------------
@dataclass(frozen=True)
class RestDomain:
    name: str
    id: str  # domainNameId: private custom domains only ("" for public ones)
    arn: str
    regional_name: str  # regional domains: the d-... name a DNS alias points at
    regional_zone: str


def endpoint_only_policy(endpoint_id: str) -> dict:
    """A resource policy admitting execute-api:Invoke only through the VPC endpoint ``endpoint_id``."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "InvokeThroughTheEndpoint", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*"},
        {"Sid": "DenyAnyOtherPath", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoint_id}}}]}


def _rest_domain(domain: dict) -> RestDomain:
    return RestDomain(domain["domainName"], domain.get("domainNameId", ""), domain.get("domainNameArn", ""),
                      domain.get("regionalDomainName", ""), domain.get("regionalHostedZoneId", ""))


def _access_associations(lab) -> list[dict]:
    """Every access association of the account (the call has a position token but no paginator)."""
    items, position = [], None
    while True:
        page = _v1(lab).get_domain_name_access_associations(resourceOwner="SELF", **({"position": position} if position else {}))
        items += page.get("items", [])
        position = page.get("position")
        if not position:
            return items


def _lab_rest_domains(lab) -> list[dict]:
    return [d for d in _paged(_v1(lab), "get_domain_names") if lab.owns(d.get("tags"))]


def check_rest_domain_free(lab, name: str, parameter: str = "domain_name") -> None:
    """Refuse (before any change) a REST custom domain of that name that this lab did not make."""
    taken = [d for d in _paged(_v1(lab), "get_domain_names") if d["domainName"] == name and not lab.owns(d.get("tags"))]
    if taken:
        raise ParameterError(parameter, f"{name} is already a custom domain in {lab.cloud.region}, not made by lab {lab.name}",
                             "choose another subdomain, or delete that custom domain first")


def ensure_rest_domain(lab, name: str, certificate_arn: str, *, private: bool = False, policy=None,
                       role: str = "rest-domain") -> RestDomain:
    """A REST custom domain: regional, or private (2024) with an execute-api ``policy``."""
    wanted = "PRIVATE" if private else "REGIONAL"
    for domain in _lab_rest_domains(lab):
        if domain["domainName"] == name and wanted in domain.get("endpointConfiguration", {}).get("types", []):
            return _rest_domain(domain)
    kwargs = {"certificateArn": certificate_arn} if private else {"regionalCertificateArn": certificate_arn}
    if policy is not None:
        kwargs["policy"] = _policy_text(policy)
    domain = _v1(lab).create_domain_name(domainName=name, endpointConfiguration={"types": [wanted]},
                                         securityPolicy="TLS_1_2", tags=lab.tags(role), **kwargs)
    return _rest_domain(domain)


def ensure_base_path_mapping(lab, domain: RestDomain, api: RestApi, stage: str, base_path: str = "(none)") -> bool:
    """Map ``domain``/``base_path`` to the API's stage; True if created."""
    ids = {"domainNameId": domain.id} if domain.id else {}
    current = _v1(lab).get_base_path_mappings(domainName=domain.name, **ids).get("items", [])
    if any(m.get("basePath", "(none)") == base_path and m["restApiId"] == api.id for m in current):
        return False
    path = {} if base_path == "(none)" else {"basePath": base_path}
    _v1(lab).create_base_path_mapping(domainName=domain.name, restApiId=api.id, stage=stage, **ids, **path)
    return True


def ensure_access_association(lab, domain: RestDomain, endpoint_id: str, role: str = "access") -> str:
    """Admit the VPC endpoint to the private custom domain (a domain name access association); its ARN."""
    for association in _access_associations(lab):
        if association["domainNameArn"] == domain.arn and association["accessAssociationSource"] == endpoint_id:
            return association["domainNameAccessAssociationArn"]
    return _v1(lab).create_domain_name_access_association(
        domainNameArn=domain.arn, accessAssociationSourceType="VPCE", accessAssociationSource=endpoint_id,
        tags=lab.tags(role))["domainNameAccessAssociationArn"]


# Teardown -----------------------------------------------------------------------------------
def _find_rest_apis(lab) -> list[Found]:
    return [Found("apigateway:rest-api", a["id"], a["name"]) for a in _lab_rest_apis(lab)]


def _delete_rest_api(lab, found: Found) -> None:
    _v1(lab).delete_rest_api(restApiId=found.id)


def _find_rest_vpc_links(lab) -> list[Found]:
    return [Found("apigateway:vpc-link", v["id"], v["name"], v.get("status", "")) for v in _lab_rest_vpc_links(lab)]


def _delete_rest_vpc_link(lab, found: Found) -> None:
    _v1(lab).delete_vpc_link(vpcLinkId=found.id)
    # The NLB cannot be deleted while the link's endpoint service still uses it.
    wait_deleted(lab.cloud, f"VPC link (v1) {found.name}", lambda: rest_vpc_link_status(lab.cloud, found.id),
                 {"NotFoundException"}, timeout=900, poll=15,
                 cause="a VPC link v1 takes a few minutes to remove its endpoint service.")


def _find_rest_domains(lab) -> list[Found]:
    return [Found("apigateway:domain-name", d["domainName"], name_of(d.get("tags")),
                  ",".join(d.get("endpointConfiguration", {}).get("types", [])), extra=(("id", d.get("domainNameId", "")),))
            for d in _lab_rest_domains(lab)]


def _delete_rest_domain(lab, found: Found) -> None:
    _v1(lab).delete_domain_name(domainName=found.id, **({"domainNameId": dict(found.extra)["id"]} if dict(found.extra)["id"] else {}))


def _find_access_associations(lab) -> list[Found]:
    return [Found("apigateway:access-association", a["domainNameAccessAssociationArn"], name_of(a.get("tags")))
            for a in _access_associations(lab) if lab.owns(a.get("tags"))]


def _delete_access_association(lab, found: Found) -> None:
    _v1(lab).delete_domain_name_access_association(domainNameAccessAssociationArn=found.id)


register("apigateway:access-association", 8, _find_access_associations, _delete_access_association)
register("apigateway:domain-name", 9, _find_rest_domains, _delete_rest_domain)  # before the APIs it maps
register("apigateway:rest-api", 11, _find_rest_apis, _delete_rest_api)
register("apigateway:vpc-link", 41, _find_rest_vpc_links, _delete_rest_vpc_link)
