"""The walk: one request through every layer, from the URL to the targets."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from ..errors import ParameterError
from .apigw import ApiGatewayLayer
from .dns import DnsLayer
from .load_balancing import LoadBalancingLayer
from .model import Trace, _Source, _Stop
from .network import ANYWHERE, NetworkLayer
from .tls import TlsLayer


class _Walk(DnsLayer, ApiGatewayLayer, NetworkLayer, LoadBalancingLayer, TlsLayer):
    """The layers, composed: each hop method calls the next layer's, and a failing hop stops the walk."""

    def __init__(self, cloud, trace: Trace, source: _Source, path: str, port: int, scheme: str):
        self.cloud, self.trace, self.source = cloud, trace, source
        self.path, self.port, self.scheme = path, port, scheme
        self.ec2, self.elb = cloud.client("ec2"), cloud.client("elbv2")
        self.v1, self.v2 = cloud.client("apigateway"), cloud.client("apigatewayv2")


def _parse_source(cloud, source: str) -> _Source:
    if source == "internet":
        return _Source("internet", "internet", network=ANYWHERE)
    if source.startswith("vpc:"):
        vpc_id = source[4:]
        try:
            vpc = cloud.client("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
        except ClientError:
            raise ParameterError("source", f"VPC {vpc_id!r} was not found", "pass vpc:<id of a VPC in this region>") from None
        return _Source(source, "vpc", vpc_id, ipaddress.ip_network(vpc["CidrBlock"]))
    try:
        return _Source(source, "network", network=ipaddress.ip_network(source.removeprefix("cidr:"), strict=False))
    except ValueError:
        raise ParameterError("source", f"{source!r} is not a source", "use 'internet', 'vpc:<vpc-id>' or a client "
                             "network CIDR such as 10.99.0.0/16 (a peered VPC or a VPN)") from None


def trace(cloud, url: str, method: str = "GET", source: str = "internet", host: str | None = None) -> Trace:
    """Follow ``method url`` from ``source`` through the live configuration; read-only.

    ``source``: ``internet``, ``vpc:<vpc-id>`` or a client network CIDR.
    ``host``: the Host header when it differs from the URL's host (e.g. a VPC endpoint name).
    """
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ParameterError("url", f"{url!r} is not an http(s) URL", "pass a URL such as https://abc123defg.execute-api.eu-west-1.amazonaws.com/")
    method = method.upper()
    result = Trace(url, method, source, (host or parts.hostname).lower())
    walk = _Walk(cloud, result, _parse_source(cloud, source), parts.path or "/",
                 parts.port or (443 if parts.scheme == "https" else 80), parts.scheme)
    try:
        walk.entry(parts.hostname.lower(), result.host)
    except _Stop:
        pass
    return result
