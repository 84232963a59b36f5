"""`apigw-kit doctor URL`: trace a request through the live configuration and print the verdict.

With ``--probe`` the request is also sent (through the data plane on the embedded
AWS, to the URL on a real account, with a bounded timeout) and the observed outcome
is printed beside the predicted one.
"""
from __future__ import annotations

import argparse
import sys

from .cli import _table
from .cloud import connect
from .errors import KitError
from .probe import send
from .tracer import trace


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("url", help="the URL a client calls (invoke URL, custom domain, load balancer, VPC endpoint name)")
    parser.add_argument("--from", dest="source", default="internet",
                        help="where the request starts: internet, vpc:<vpc-id>, or a client network CIDR (peered VPC, VPN)")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--host", help="Host header, when it differs from the URL's host")
    parser.add_argument("--backend", default="local", choices=["local", "aws"])
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--profile")
    parser.add_argument("--probe", action="store_true", help="also send the request (through the data plane on the embedded AWS)")
    return parser


def run(args: argparse.Namespace) -> int:
    cloud = connect(args.backend, args.region, profile=args.profile)
    result = trace(cloud, args.url, method=args.method, source=args.source, host=args.host)
    print(_table(result.frame))
    print(f"\npredicted: {result.outcome}\nreason:    {result.reason}")
    if args.probe:
        observed = send(cloud, result)
        print(f"observed:  {observed.outcome}" + (f" (answered at {observed.hop})" if observed.hop else ""))
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
