"""`apigw-kit doctor URL`: trace a request through the live configuration and print the verdict.

With ``--probe`` the request is also sent (through the data plane on the embedded
AWS, to the URL on a real account, with a bounded timeout) and the observed outcome
is printed beside the predicted one.

With ``--reachability`` (real accounts only) VPC Reachability Analyzer checks each
network hop the tracer judged; its price is printed first, and it runs only with
``--confirm-account`` (it creates, then deletes, paths and analyses).
"""
from __future__ import annotations

import argparse
import sys

from . import reachability_analyzer
from .cli import _table
from .cloud import connect
from .errors import KitError, ParameterError
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
    parser.add_argument("--reachability", action="store_true",
                        help="also run VPC Reachability Analyzer on the network hops (backend aws only; billed per analysis)")
    parser.add_argument("--confirm-account", help="the account id, to allow --reachability to create its paths")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.reachability and args.backend != "aws":
        raise ParameterError("--reachability", "VPC Reachability Analyzer needs a real account: the embedded AWS "
                             "implements none of its API, and the doctor does not make up its verdicts",
                             "use --backend aws --confirm-account <account id>")
    cloud = connect(args.backend, args.region, profile=args.profile, confirm_account=args.confirm_account)
    result = trace(cloud, args.url, method=args.method, source=args.source, host=args.host)
    print(_table(result.frame))
    print(f"\npredicted: {result.outcome}\nreason:    {result.reason}")
    if args.probe:
        observed = send(cloud, result)
        print(f"observed:  {observed.outcome}" + (f" (answered at {observed.hop})" if observed.hop else ""))
    if args.reachability:
        reachability(cloud, result)
    return 0 if result.ok else 1


def reachability(cloud, result) -> None:
    """Print the analyzer's verdict per network hop beside the tracer's, then the disagreements."""
    planned = reachability_analyzer.segments(cloud, result)
    print(f"\n{reachability_analyzer.cost_line(planned)}")
    if not planned:
        print("no network hop to analyse")
        return
    if any(s.source for s in planned):
        cloud.check_account()  # before the first path is created
    verdicts = reachability_analyzer.analyse(cloud, planned)
    print(_table(reachability_analyzer.frame(verdicts)))
    disagreements = reachability_analyzer.disagreements(verdicts)
    print("\ndisagreements:" if disagreements else "\nno disagreement", *disagreements, sep="\n  ")


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
