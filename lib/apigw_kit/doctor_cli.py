"""`apigw-kit doctor URL`: trace a request through the live configuration and print the verdict.

With ``--probe`` (real accounts only) the request is also sent, with a bounded
timeout, and the observed outcome is printed beside the predicted one.
"""
from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request

from .cli import _table
from .cloud import connect
from .errors import KitError, ParameterError
from .tracer import UNREACHABLE, trace

PROBE_TIMEOUT = 10.0  # seconds; API Gateway gives up on an integration after 29-30 s, a client should not wait that long here


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("url", help="the URL a client calls (invoke URL, custom domain, load balancer, VPC endpoint name)")
    parser.add_argument("--from", dest="source", default="internet",
                        help="where the request starts: internet, vpc:<vpc-id>, or a client network CIDR (peered VPC, VPN)")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--host", help="Host header, when it differs from the URL's host")
    parser.add_argument("--backend", default="local", choices=["local", "aws"])
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--profile")
    parser.add_argument("--probe", action="store_true", help="also send the request (backend aws only)")
    return parser


def probe(url: str, method: str, host: str | None, timeout: float = PROBE_TIMEOUT) -> str:
    """Send the request once; the observed status line, or UNREACHABLE when no response came."""
    request = urllib.request.Request(url, method=method, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return f"{response.status} {response.reason}"
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError):
        return UNREACHABLE


def run(args: argparse.Namespace) -> int:
    if args.probe and args.backend != "aws":
        raise ParameterError("--probe", "the embedded AWS serves no API traffic", "use --backend aws to send the request")
    cloud = connect(args.backend, args.region, profile=args.profile)
    result = trace(cloud, args.url, method=args.method, source=args.source, host=args.host)
    print(_table(result.frame))
    print(f"\npredicted: {result.outcome}\nreason:    {result.reason}")
    if args.probe:
        print(f"observed:  {probe(args.url, result.method, args.host)}")
    return 0 if result.ok else 1


def doctor(argv: list[str] | None = None) -> int:
    """Entry point for ``apigw-kit doctor``: 0 when the predicted outcome is 2xx, 1 otherwise, 2 on bad input."""
    args = add_arguments(argparse.ArgumentParser(prog="apigw-kit doctor", description=__doc__)).parse_args(argv)
    try:
        return run(args)
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(doctor())
