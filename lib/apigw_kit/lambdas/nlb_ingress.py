"""CloudFormation custom resource: an NLB's private addresses as security-group ingress.

An NLB (without security groups of its own) forwards to an ALB; the ALB's security group
must admit the NLB's addresses, which CloudFormation does not export. This function
returns them as ``SecurityGroupIngress`` entries for ``Fn::GetAtt``.

Resource properties: ``nlbArn`` (required), ``listenerPort`` (the ALB listener's port,
default 80). Data returned: ``SecurityGroupIngress`` (a list of ``{IpProtocol: tcp,
CidrIp: <ip>/32, FromPort, ToPort}``, sorted) and ``PrivateIps`` (sorted list).

Fixes to the article's recipe (seed 004, "nlb_private_ips_finder"):

- Exactly one response per event. The article calls ``cfnresponse.send`` in ``try`` and
  again in ``finally``, so every success is answered twice.
- A FAILED response says why (the article sent an empty reason), and a failure to build
  the answer never escapes without one.
- ENIs are matched on the exact description ``ELB net/<name>/<id>`` taken from the NLB's
  ARN (validated, and checked to be a network load balancer), not on ``*<name>*``, which
  also matches every load balancer whose name contains this one's.
- Every page of DescribeNetworkInterfaces is read with a page size, not only the first (an
  unpaginated call filtered by description fails in an account with many interfaces); an NLB
  with no interface yet is a failure, not an empty (useless) ingress list.
- ``listenerPort`` is validated and converted to a number (CloudFormation passes strings);
  the article raised KeyError when it was omitted instead of using its default.
- Delete succeeds without touching anything or reading the properties, so a stack whose
  Create failed on bad properties can still roll back.
- No ``cfnresponse`` dependency: the response is a plain HTTP PUT with ``urllib``.
"""
from __future__ import annotations

import json
import re
import urllib.request

import boto3

NLB_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:loadbalancer/((?:net|app)/[^/]+/[^/]+)$")
DEFAULT_LISTENER_PORT = 80
MAX_REASON = 1000  # the whole response must stay under CloudFormation's 4 KiB
PAGE_SIZE = 1000  # the largest page DescribeNetworkInterfaces returns


def _nlb_arn(properties: dict) -> re.Match:
    arn = properties.get("nlbArn")
    match = NLB_ARN.match(arn) if isinstance(arn, str) else None
    if not match:
        raise ValueError(f"nlbArn: {arn!r} is not a load balancer ARN "
                         "(arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/net/<name>/<id>)")
    return match


def _listener_port(properties: dict) -> int:
    port = str(properties.get("listenerPort", DEFAULT_LISTENER_PORT)).strip()
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"listenerPort: {port!r} is not a port number between 1 and 65535")
    return int(port)


def _require_network_lb(elbv2, arn: str) -> None:
    try:
        found = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        found = []
    if not found:
        raise LookupError(f"nlbArn: no load balancer {arn} in this account and region")
    if found[0]["Type"] != "network":
        raise ValueError(f"nlbArn: {arn} is a {found[0]['Type']} load balancer, not a network one")


def nlb_ips(ec2, description: str, page_size: int = PAGE_SIZE) -> list[str]:
    """Sorted primary addresses of the ENIs whose description is exactly ``description``."""
    pages = ec2.get_paginator("describe_network_interfaces").paginate(
        Filters=[{"Name": "description", "Values": [description]}], PaginationConfig={"PageSize": page_size})
    return sorted({eni["PrivateIpAddress"] for page in pages for eni in page["NetworkInterfaces"]
                   if eni.get("Description") == description and eni.get("PrivateIpAddress")})


def ingress(ec2, elbv2, properties: dict, page_size: int = PAGE_SIZE) -> dict:
    """The response Data for Create/Update: the NLB's addresses as ingress on the listener port."""
    match, port = _nlb_arn(properties), _listener_port(properties)
    _require_network_lb(elbv2, match.group(0))
    # AWS names an ENI of a load balancer "ELB " + the ARN's resource path: "ELB net/<name>/<id>".
    description = f"ELB {match.group(2)}"
    ips = nlb_ips(ec2, description, page_size)
    if not ips:
        raise LookupError(f"no network interface has the description {description!r}; "
                          "is the NLB still provisioning?")
    rules = [{"IpProtocol": "tcp", "CidrIp": f"{ip}/32", "FromPort": port, "ToPort": port} for ip in ips]
    return {"SecurityGroupIngress": rules, "PrivateIps": ips}


def response_body(event: dict, context, status: str, reason: str, data: dict) -> bytes:
    log = getattr(context, "log_stream_name", None)
    if log:
        reason = f"{reason} (CloudWatch log stream {log})"
    return json.dumps({
        "Status": status,
        "Reason": reason[:MAX_REASON],
        "PhysicalResourceId": event.get("PhysicalResourceId") or f"nlb-ingress-{event.get('RequestId', 'none')}",
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "NoEcho": False,
        "Data": data,
    }).encode()


def send(url: str, body: bytes, timeout: float = 10.0) -> int:
    """PUT the response to CloudFormation's pre-signed URL, once. Returns the HTTP status."""
    # An empty Content-Type, as the pre-signed S3 URL was signed without one.
    request = urllib.request.Request(url, data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def _client(service: str, region: str):
    return boto3.client(service, region_name=region)


def handler(event, context=None, *, make_client=_client, page_size: int = PAGE_SIZE) -> dict:
    """Lambda entry point. Answers CloudFormation exactly once and returns what it sent.
    ``make_client(service, region)`` and ``page_size`` are for in-process use and tests."""
    url = event.get("ResponseURL") if isinstance(event, dict) else None
    if not url:
        raise ValueError("ResponseURL: missing; this function answers CloudFormation custom resource events")
    status, reason, data = "SUCCESS", "nothing to delete", {}
    try:
        request_type = event.get("RequestType")
        if request_type in ("Create", "Update"):
            properties = event.get("ResourceProperties") or {}
            region = _nlb_arn(properties).group(1)
            data = ingress(make_client("ec2", region), make_client("elbv2", region), properties, page_size)
            reason = f"{len(data['PrivateIps'])} NLB address(es) on port {_listener_port(properties)}"
        elif request_type != "Delete":
            raise ValueError(f"RequestType: {request_type!r} is not Create, Update or Delete")
    except Exception as error:  # answer FAILED with the reason rather than let CloudFormation time out
        status, reason, data = "FAILED", f"{type(error).__name__}: {error}", {}
    print(f"custom resource {event.get('LogicalResourceId')} {event.get('RequestType')}: {status} {reason}")
    http_status = send(url, response_body(event, context, status, reason, data))
    return {"Status": status, "Reason": reason, "Data": data, "HttpStatus": http_status}
