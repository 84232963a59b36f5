"""The `apigw-kit` command line: list, run, plan, policy, doctor, demo, labs, inventory, teardown, local serve/reset.

Output is plain text that reads the same in a terminal and a CI log: tables,
one line per fact, progress bars only when stderr is a terminal.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import datetime, timezone

import pandas as pd

from . import runbook
from .cloud import connect
from .costs import estimate
from .errors import KitError, ParameterError


def _table(frame: pd.DataFrame) -> str:
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.max_colwidth", 70):
        return frame.to_string(index=False) if len(frame) else "(none)"


def cmd_list(args) -> int:
    for pattern in runbook.patterns():
        notebook = runbook.notebook_of(pattern)
        print(f"{pattern}: notebooks/{notebook.name}" + ("" if notebook.exists() else " (not written yet)"))
        if not notebook.exists():
            continue
        for name, p in runbook.parameters_of(pattern).items():
            print(f"  {name:<16} {p['type']:<5} default {p['default']:<16} {p['help']}")
    return 0


def _values(args) -> dict:
    values = runbook.parse_cli_values(args.p or [], args.f or [])
    if args.backend:
        values["backend"] = args.backend
    return values


def cmd_run(args) -> int:
    values = _values(args)
    if values.get("backend") == "aws":  # account and parameters checked before a kernel starts
        prepared = runbook.prepare(args.pattern, values)
        print(estimate(prepared.planned(), prepared.cloud.region).line, flush=True)
    print(f"running {runbook.notebook_of(args.pattern).name} ...", flush=True)
    result = runbook.run(args.pattern, values, args.output_dir, log_output=args.log, progress_bar=sys.stderr.isatty())
    print(_table(pd.DataFrame(result["checks"])))
    print(f"notebook: {result['notebook']}\nresult:   {result['notebook'][:-6]}.json")
    return 0 if all(c["passed"] for c in result["checks"]) else 1


def cmd_plan(args) -> int:
    run = runbook.prepare(args.pattern, _values(args))
    before = run.cloud.calls.snapshot()
    plan = run.plan()
    print(_table(plan))
    counts = plan["action"].value_counts()
    print(", ".join(f"{counts.get(a, 0)} to {a}" for a in ("create", "change", "keep", "leave alone")))
    print(estimate(run.planned(), run.cloud.region).line)
    made = run.cloud.calls.since(before)
    print(f"API calls made by the plan: {made['read']} read, {made['mutating']} mutating")
    return 0 if made["mutating"] == 0 else 1


def cmd_policy(args) -> int:
    """Print the IAM policy a run of the pattern needs; replays it on a private embedded AWS (no account)."""
    from .iam import split
    from .iam_replay import policy_of
    values = runbook.parse_cli_values(args.p or [], args.f or [])
    region = args.region or values.get("region") or "eu-west-1"  # --region, else -p region, else the default
    policy, notes = policy_of(args.pattern, values, region, args.backend)
    for note in notes if not args.split else [n for n in notes if "--split" not in n]:
        print(f"note: {note}", file=sys.stderr)
    print(json.dumps(split(policy), indent=2) if args.split else policy.json())
    return 0


def cmd_labs(args) -> int:
    from .labs import labs
    table = labs(connect(args.backend, args.region))
    print(_table(table))
    if len(table):
        print(f"together: ~${table['usd_per_hour'].sum():.4f}/hour, ~${table['usd_per_month'].sum():,.2f}/month if forgotten"
              + (" (and the labs whose cost is unknown)" if table["usd_per_hour"].isna().any() else ""))
    return 0


def cmd_demo(args) -> int:
    rows = []
    for pattern in runbook.patterns():
        result = runbook.run(pattern, {}, args.output_dir)
        passed = sum(c["passed"] for c in result["checks"])
        rows.append({"pattern": pattern, "checks": f"{passed}/{len(result['checks'])}",
                     "mutating calls": result["api_calls"]["mutating"],
                     "left after teardown": result["teardown"]["left"], "notebook": result["notebook"]})
    summary = pd.DataFrame(rows)
    print(_table(summary))
    ok = all(r["checks"].split("/")[0] == r["checks"].split("/")[1] and r["left after teardown"] == 0 for r in rows)
    return 0 if ok else 1


def _lab(args):
    return connect(args.backend, args.region, confirm_account=args.confirm_account).lab(args.lab)


def cmd_inventory(args) -> int:
    inventory = _lab(args).inventory()
    for name in ("resources", "enis", "targets", "rules", "routes"):
        print(f"\n{name}:\n{_table(getattr(inventory, name))}")
    return 0


def cmd_teardown(args) -> int:
    if (args.lab is None) == (args.older_than is None):
        raise ParameterError("--older-than", "give either a lab name or --older-than, not " +
                             ("both" if args.lab else "neither"),
                             "`apigw-kit teardown LAB` deletes one lab; `apigw-kit teardown --older-than 2h` every lab "
                             "older than two hours")
    if args.older_than is not None:
        return _teardown_older_than(args)
    lab = _lab(args)
    if args.dry_run:
        print(f"would delete lab {lab.name}:\n{_table(lab.resources())}")
        return 0
    left = lab.teardown()
    print(f"left: {len(left)}\n{_table(left)}" if len(left) else "left: 0")
    return 0 if left.empty else 1


def _teardown_older_than(args) -> int:
    """The janitor: every lab older than --older-than, oldest first; labs of unknown age are kept."""
    from .labs import labs, older_than, parse_duration
    age = parse_duration(args.older_than)
    cloud = connect(args.backend, args.region, confirm_account=args.confirm_account)
    if not args.dry_run:
        cloud.check_account()  # refused here, before the account's labs are listed, not at the first delete
    now = datetime.now(timezone.utc)
    old, unknown = older_than(labs(cloud, now), age, now)
    if len(unknown):
        print(f"kept, age unknown (none of their resources has a creation time): {', '.join(unknown['lab'])}")
    print(f"{'would delete' if args.dry_run else 'deleting'} {len(old)} lab(s) older than {args.older_than}:")
    print(_table(old[["lab", "resources", "age", "usd_per_hour"]]))
    if args.dry_run:
        return 0
    failed = 0
    for name in old["lab"]:
        left = cloud.lab(name).teardown()
        failed += not left.empty
        print(f"{name}: left {len(left)}" + (f"\n{_table(left)}" if len(left) else ""))
    return 0 if not failed else 1


def cmd_local_serve(args) -> int:
    from .local import EmbeddedAWS
    server = EmbeddedAWS(port=args.port, data_plane_port=args.data_plane_port).start()
    print(f"embedded AWS listening on {server.url}\nexport AWS_ENDPOINT_URL={server.url}\n"
          f"data plane (API traffic, Host header names the API) on {server.data_plane.url}\n(Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()
    print("stopped")
    return 0


def cmd_local_reset(args) -> int:
    from . import local
    local.reset(local.endpoint())
    print(f"reset {local.endpoint()}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="apigw-kit", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="patterns, notebooks and their parameters").set_defaults(func=cmd_list)

    run = sub.add_parser("run", help="execute a pattern notebook with papermill")
    run.add_argument("pattern", choices=runbook.patterns())
    run.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"), help="a parameter (repeatable)")
    run.add_argument("-f", action="append", metavar="PARAMS.yaml", help="parameters from a YAML file")
    run.add_argument("--backend", choices=["local", "aws"])
    run.add_argument("--output-dir", default="runs")
    run.add_argument("--log", action="store_true", help="stream cell output to the log")
    run.set_defaults(func=cmd_run)

    plan = sub.add_parser("plan", help="what a run would create, change and leave alone (no mutating call)")
    plan.add_argument("pattern", choices=runbook.patterns())
    plan.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"), help="a parameter (repeatable)")
    plan.add_argument("-f", action="append", metavar="PARAMS.yaml", help="parameters from a YAML file")
    plan.add_argument("--backend", choices=["local", "aws"])
    plan.set_defaults(func=cmd_plan)

    policy = sub.add_parser("policy", help="the least-privilege IAM policy a run needs (replayed locally, no account)")
    policy.add_argument("pattern", choices=runbook.patterns())
    policy.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"), help="a parameter (repeatable)")
    policy.add_argument("-f", action="append", metavar="PARAMS.yaml", help="parameters from a YAML file")
    policy.add_argument("--region", help="the region the policy is for (sets the partition); default: -p region, else eu-west-1")
    policy.add_argument("--backend", default="aws", choices=["aws", "local"],
                        help="aws adds the calls only a real account's run makes")
    policy.add_argument("--split", action="store_true",
                        help="a JSON list of policies, each small enough to be a managed policy (attach them all)")
    policy.set_defaults(func=cmd_policy)

    labs = sub.add_parser("labs", help="labs found in the account by tag, with age, resource count and cost per hour")
    labs.add_argument("--backend", default="local", choices=["local", "aws"])
    labs.add_argument("--region", default="eu-west-1")
    labs.set_defaults(func=cmd_labs)

    from . import doctor_cli  # imported here: it uses this module's _table
    doctor_cli.add_arguments(sub.add_parser("doctor", help="trace a request through the live configuration")
                             ).set_defaults(func=doctor_cli.run)

    demo = sub.add_parser("demo", help="run every pattern on the embedded AWS and summarise")
    demo.add_argument("--output-dir", default="runs")
    demo.set_defaults(func=cmd_demo)

    inventory = sub.add_parser("inventory", help="tables of a lab's live state")
    inventory.add_argument("lab")
    teardown = sub.add_parser("teardown", help="delete a lab's resources (or every lab past an age), report what is left")
    teardown.add_argument("lab", nargs="?", help="the lab to delete (or use --older-than)")
    teardown.add_argument("--older-than", metavar="DURATION",
                          help="delete every lab older than this (90m, 2h, 3d); labs of unknown age are kept")
    teardown.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    for cmd, func in ((inventory, cmd_inventory), (teardown, cmd_teardown)):
        cmd.add_argument("--backend", default="local", choices=["local", "aws"])
        cmd.add_argument("--region", default="eu-west-1")
        cmd.add_argument("--confirm-account")
        cmd.set_defaults(func=func)

    local = sub.add_parser("local", help="the embedded AWS").add_subparsers(dest="action", required=True)
    serve = local.add_parser("serve", help="run a standalone embedded AWS on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--data-plane-port", type=int, default=0, help="where API traffic is served (0: any free port)")
    serve.set_defaults(func=cmd_local_serve)
    local.add_parser("reset", help="wipe the embedded AWS at AWS_ENDPOINT_URL").set_defaults(func=cmd_local_reset)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
