"""`make bench`: ratios measured in one run, written to benchmarks/results.md.

Absolute times vary between machines (and on a loaded one, between minutes), so
every figure is a ratio against a floor measured in the same run, interleaved
(floor, subject, floor, subject ...) and taken as a median. See README.md here
for what each measure means and where the realistic delays come from.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results.md"
BIN = Path(sys.executable).parent
REGION = "eu-west-1"
# Real seconds per simulated second for the critical-path measure: a 3-minute ALB takes 3.6 s.
BENCH_SCALE = 0.02
# Slow resources: the call that starts each one's clock (a create, or RegisterTargets for health checks).
SLOW_CREATES = {("elbv2", "CreateLoadBalancer"): "load_balancer",
                ("apigatewayv2", "CreateVpcLink"): "vpc_link", ("apigateway", "CreateVpcLink"): "vpc_link",
                ("ec2", "CreateVpcEndpoint"): "vpc_endpoint", ("acm", "RequestCertificate"): "certificate",
                ("ec2", "RunInstances"): "instance_start", ("elbv2", "RegisterTargets"): "health_check",
                ("iam", "CreateRole"): "iam_propagation", ("lambda", "CreateFunction"): "lambda_function"}
# A new target is in service after one passing check: one HealthCheckIntervalSeconds and one
# HealthCheckTimeoutSeconds, 30 + 5 s with the defaults of the target groups the kit creates ("After your
# target is registered, it must pass one health check to be considered healthy", ELB guide).
HEALTH_CHECK = 30.0 + 5.0
# Per pattern, the chains of waits that must follow one another (what AWS requires, not what
# the code happens to do); independent chains overlap. Health checks start once the load balancer is
# active and the target registered (an instance once running, an address once its owner holds it).
CHAINS = {
    "http-alb": [["load_balancer", "health_check"], ["instance_start", "health_check"], ["vpc_link"]],
    "https-domain": [["load_balancer", "health_check"], ["instance_start", "health_check"], ["vpc_link"],
                     ["certificate"]],
    # the ALB's targets are the endpoint's addresses; its HTTPS listener needs the certificate
    "private-vpn": [["vpc_endpoint", "health_check"], ["load_balancer", "health_check"], ["certificate"]],
    # a REST VPC link (v1) makes a PrivateLink endpoint service of its NLB: the NLB must be active first
    "vpc-link-types": [["load_balancer", "vpc_link"], ["load_balancer", "health_check"],
                       ["instance_start", "health_check"], ["vpc_link"]],
    # the NLB's targets are the ALB (its addresses, or type alb): the ALB must be active before they are checked
    "nlb-alb-bridge": [["load_balancer", "vpc_link"], ["load_balancer", "health_check"],
                       ["instance_start", "health_check"], ["iam_propagation", "lambda_function"], ["vpc_link"]],
}
# Deletions that take time, and what follows each on AWS: the owner's deletion, then its ENIs' release
# (security groups and subnets answer DependencyViolation until then).
SLOW_DELETES = {("elbv2", "DeleteLoadBalancer"): ["eni_release"],
                ("apigatewayv2", "DeleteVpcLink"): ["vpc_link_deletion", "eni_release"],
                ("apigateway", "DeleteVpcLink"): ["vpc_link_deletion"],
                ("ec2", "DeleteVpcEndpoints"): ["vpc_endpoint_deletion", "eni_release"]}
# Teardown chains AWS imposes beyond SLOW_DELETES: an NLB behind a VPC link v1 is deleted only once the link
# (and its endpoint service) is gone, then its ENIs are released.
TEARDOWN_CHAINS = {
    "vpc-link-types": [["vpc_link_deletion", "eni_release"]],
    "nlb-alb-bridge": [["vpc_link_deletion", "eni_release"]],
}
# What each figure must be, collected as the sections run: (figure, target, measured, met). Printed first.
TARGETS: list[tuple[str, str, str, bool]] = []


def check(figure: str, measured: float, limit: float, unit: str = "x", digits: int = 2) -> str:
    """Record ``measured`` against its upper ``limit``; return it formatted for the section's own table."""
    met = measured == measured and measured <= limit
    TARGETS.append((figure, f"at most {fmt(limit, digits)}{unit}", f"{fmt(measured, digits)}{unit}", met))
    return fmt(measured, digits)


def targets_table() -> str:
    met = sum(1 for *_, ok in TARGETS if ok)
    return "\n\n".join([
        f"## Targets: {met} of {len(TARGETS)} met",
        table(["figure", "target", "measured", "met"], [[f, t, m, "yes" if ok else "**no**"] for f, t, m, ok in TARGETS]),
    ])


SYNC_SIZES = (2, 20, 200, 2000)
SYNC_PAGE = 100  # DescribeNetworkInterfaces page size the sync asks for


def median(values):
    return statistics.median(values) if values else float("nan")


def fmt(x: float, digits: int = 2) -> str:
    return "n/a" if x is None or x != x else f"{x:.{digits}f}"


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, load average at start {load}"


def patterns() -> list[str]:
    from apigw_kit.patterns import MODULES
    return list(MODULES)


def failure(exc: Exception) -> str:
    """One line for a table cell: a pattern still being written may fail; the bench goes on."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"failed: {type(exc).__name__}: {first[:120]}".replace("|", "/")


# 1. Embedded runs -------------------------------------------------------------------------

def floor_notebook(folder: Path) -> Path:
    """The floor: one empty cell, run by the same papermill path and kernel as a pattern."""
    path = folder / "floor.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def kit_floor_notebook(folder: Path, pattern: str) -> Path:
    """The fixed costs a pattern notebook pays before its first AWS call: the kit's imports (pandas,
    boto3), connecting, and one client per service its plan uses (botocore loads each service model)."""
    from apigw_kit.cloud import connect
    from apigw_kit.patterns import load
    services = sorted({p.type.split(":")[0] for p in load(pattern)(cloud=connect("local", REGION)).planned()})
    path = folder / f"kit-floor-{pattern}.ipynb"
    source = (f"from apigw_kit import connect\nfrom apigw_kit.patterns import load\n\nload({pattern!r})\n"
              f"cloud = connect('local', {REGION!r})\nfor service in {services!r}:\n    cloud.client(service)")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def cell_times(executed: Path) -> dict[str, float]:
    """Seconds per code cell (first line of its source), from papermill's metadata."""
    notebook = nbformat.read(executed, as_version=4)
    times = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            label = (cell.source.strip().splitlines() or [""])[0][:60]
            times[label] = cell.metadata.get("papermill", {}).get("duration") or 0.0
    return times


@contextmanager
def own_embedded_aws():
    """Kernels started in the block start their own embedded AWS, as `make demo` and `apigw-kit run` do."""
    saved = os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["AWS_ENDPOINT_URL"] = saved


def embedded_runs(url: str, repeats: int, work: Path) -> str:
    from apigw_kit import local, runbook
    floor = floor_notebook(work)
    rows, profiles, floors = [], [], []

    def papermill_run(notebook: Path) -> float:
        return timed(lambda: papermill.execute_notebook(
            str(notebook), str(work / "floor-out.ipynb"), kernel_name="python3", cwd=str(work),
            progress_bar=False, request_save_on_cell_execute=False))

    def notebook_run(pattern: str) -> tuple[float, dict[str, float]]:
        """Seconds of a runbook run of ``pattern``, and its seconds per cell."""
        result = {}
        seconds = timed(lambda: result.update(runbook.run(pattern, {}, work / pattern)))
        return seconds, cell_times(Path(result["notebook"]))

    for pattern in patterns():
        if not runbook.notebook_of(pattern).exists():
            rows.append([pattern, "no notebook yet", *[""] * 7])
            continue
        shared, own, cells, kit_floors, own_kit_floors = [], [], [], [], []
        try:
            kit_floor = kit_floor_notebook(work, pattern)
            for i in range(repeats):
                floors.append(papermill_run(floor))
                kit_floors.append(papermill_run(kit_floor))
                local.reset(url)
                seconds, timings = notebook_run(pattern)
                shared.append(seconds)
                cells.append(timings)  # where the time goes is shown for the shared runs only
                with own_embedded_aws():
                    own_kit_floors.append(papermill_run(kit_floor))
                    own.append(notebook_run(pattern)[0])
        except Exception as exc:  # noqa: BLE001 (reported in the table)
            rows.append([pattern, failure(exc), *[""] * 7])
            continue
        ratio = median(shared) / median(floors)
        to_kit_floor = check(f"`{pattern}` notebook / kit floor, shared embedded AWS (HTTP)",
                             median(shared) / median(kit_floors), 2.5)
        own_to_kit_floor = check(f"`{pattern}` notebook / kit floor, its own embedded AWS (in-process, as `make demo`)",
                                 median(own) / median(own_kit_floors), 2.5)
        rows.append([pattern, fmt(median(shared)), fmt(median(floors)), f"**{fmt(ratio)}**",
                     fmt(median(kit_floors)), f"**{to_kit_floor}**",
                     fmt(median(own)), fmt(median(own_kit_floors)), f"**{own_to_kit_floor}**"])
        per_cell = {label: median([c.get(label, 0.0) for c in cells]) for label in cells[0]}
        if "run.plan()" in per_cell:
            check(f"`{pattern}` notebook: `run.plan()` (shared embedded AWS)", per_cell["run.plan()"], 0.5, " s")
        top = sorted(per_cell.items(), key=lambda kv: -kv[1])[:6]
        outside = median(shared) - sum(per_cell.values())
        profiles.append(f"- `{pattern}`: kernel start, papermill and result I/O {fmt(outside)} s; "
                        + "; ".join(f"`{label}` {fmt(t)} s" for label, t in top))
    demo, code = demo_wall(work)
    n = len(patterns())
    demo_row = (f"`make demo` ({n} pattern(s), as a user runs it: no AWS_ENDPOINT_URL): {fmt(demo)} s wall, "
                f"**{fmt(demo / (n * median(floors)))}** x one floor per pattern"
                + ("." if code == 0 else f"; it exited {code} (a pattern without its notebook yet fails it)."))
    return "\n\n".join([
        "## 1. Embedded runs (papermill, embedded AWS) vs an empty notebook and the kit floor",
        f"Median of {repeats} interleaved runs each. The floor is an empty notebook through the same papermill call "
        "and kernel (ratio to it: no target since issue 20). The kit floor is a one-cell notebook through the same "
        "path that pays what every pattern notebook pays before its first AWS call: importing the kit (pandas, "
        "boto3), connecting, and creating one client per service the pattern's plan uses. Each is measured two "
        "ways: with the bench's shared embedded AWS (`AWS_ENDPOINT_URL`: the kernel's calls go over HTTP, as with "
        "`make lab`), and with the kernel starting its own (calls in-process, as `make demo` and `apigw-kit run` "
        "do; its kit floor then includes starting the embedded AWS, about 3 s of moto imports). Default clock "
        "scale: provisioning waits included. Target: at most 2.5 x the kit floor.",
        table(["pattern", "notebook s (shared)", "floor s", "ratio to floor", "kit floor s (shared)",
               "ratio to kit floor (shared)", "notebook s (own)", "kit floor s (own)", "ratio to kit floor (own)"],
              rows),
        demo_row,
        "Where a pattern notebook's time goes, shared embedded AWS (median seconds per cell, largest first):",
        "\n".join(profiles) or "(no notebook ran)",
    ])


def demo_wall(work: Path) -> tuple[float, int]:
    """Seconds and exit code of `apigw-kit demo`, run as a user runs it (no AWS_ENDPOINT_URL)."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "apigw-kit"), "demo", "--output-dir", str(work / "demo")], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, done.returncode


# 2. Critical path ---------------------------------------------------------------------------

def delay(kind: str) -> float:
    from apigw_kit.local.clock import REALISTIC_DELAYS
    return HEALTH_CHECK if kind == "health_check" else REALISTIC_DELAYS[kind]


def slow_calls(counts, table: dict) -> list:
    """What ``table`` says of each call in ``counts`` ((service, operation) -> calls), one entry per call."""
    return [table[call] for call, n in sorted(counts.items()) if call in table for _ in range(n)]


def apply_once(url: str, pattern: str, scale: float):
    """Apply the pattern on a fresh embedded account at clock ``scale``; (seconds, cloud, run)."""
    from apigw_kit import local
    from apigw_kit.cloud import connect
    from apigw_kit.patterns import load
    local.reset(url)
    local.admin(url, "clock", {"scale": scale})
    run = load(pattern)(cloud=connect("local", REGION))
    seconds = timed(run.apply)
    return seconds, run.cloud, run


def critical_path(url: str, repeats: int) -> str:
    from apigw_kit import local
    from apigw_kit.local.clock import DEFAULT_SCALE, REALISTIC_DELAYS
    rows = []
    try:
        for pattern in patterns():
            work, walls, kinds = [], [], []
            try:
                for _ in range(repeats):
                    seconds, cloud, run = apply_once(url, pattern, 0.0)  # floor: the calls alone, no provisioning
                    work.append(seconds)
                    run.teardown()
                    seconds, cloud, run = apply_once(url, pattern, BENCH_SCALE)
                    walls.append(seconds)
                    kinds = slow_calls(cloud.calls.snapshot(), SLOW_CREATES)
                    local.admin(url, "clock", {"scale": 0.0})  # teardown's waits are not this measure
                    run.teardown()
            except Exception as exc:  # noqa: BLE001 (reported in the table)
                rows.append([pattern, failure(exc)] + [""] * 7)
                continue
            chains = CHAINS.get(pattern) or [[k] for k in sorted(set(kinds))]
            chain = max((sum(delay(k) for k in c) for c in chains), default=0.0)
            sequential = sum(delay(k) for k in kinds)
            critical = median(work) + chain * BENCH_SCALE
            console = median(work) + sequential * BENCH_SCALE
            rows.append([pattern, ", ".join(kinds) or "none", fmt(chain, 0), fmt(sequential, 0),
                         "declared" if pattern in CHAINS else "assumed independent",
                         fmt(median(walls)), fmt(critical),
                         f"**{check(f'`{pattern}` apply wall / critical path', median(walls) / critical, 1.1)}**",
                         fmt(median(walls) / console)])
    finally:
        local.admin(url, "clock", {"scale": DEFAULT_SCALE})
    return "\n\n".join([
        "## 2. Apply wall time vs the critical path",
        f"Realistic delays (simulated seconds: {', '.join(f'{k} {v:.0f}' for k, v in REALISTIC_DELAYS.items())}, "
        f"health_check {HEALTH_CHECK:.0f}) "
        f"at clock scale {BENCH_SCALE} (real s per simulated s). Critical path = the apply's calls alone "
        "(same apply at scale 0, interleaved) + the longest chain of dependent waits x scale. The console "
        "flow of the articles waits for each slow resource in turn: calls + the sum of all waits x scale. "
        f"Median of {repeats}. Target: wall / critical at most 1.1.",
        table(["pattern", "slow resources", "longest chain (sim s)", "sequential sum (sim s)", "chains",
               "apply wall s", "critical path s", "wall / critical", "wall / console flow"], rows),
    ])


# 3. API calls ---------------------------------------------------------------------------------

def api_calls(url: str, repeats: int) -> str:
    rows, teardowns = [], []
    for pattern in patterns():
        try:
            rows.append(calls_of(url, pattern))
        except Exception as exc:  # noqa: BLE001 (reported in the table)
            rows.append([pattern, failure(exc)] + [""] * 10)
        try:
            teardowns.append(teardown_times(url, pattern, repeats))
        except Exception as exc:  # noqa: BLE001 (reported in the table)
            teardowns.append([pattern, failure(exc)] + [""] * 5)
    return "\n\n".join([
        "## 3. API calls per apply, re-apply and teardown",
        "Counted by the kit's call counter (`cloud.calls`). The minimum an apply needs is one create call "
        "per planned resource (`run.planned()`); teardown's is one delete per resource it found. "
        "Target: a re-apply makes zero mutating calls. Reads include polling while resources provision "
        "(default clock scale).",
        table(["pattern", "planned resources", "apply mutating", "per resource", "apply reads",
               "re-apply mutating", "re-apply reads", "resources built", "teardown mutating", "per resource",
               "teardown reads", "left"], rows),
        f"Teardown wall time vs its critical path, at clock scale {BENCH_SCALE}: the same teardown at scale 0 "
        "(its calls alone, interleaved) + the longest chain of deletions AWS makes wait on one another "
        "(a VPC link or endpoint deleting, then its ENIs released before their security groups and subnets "
        f"can go; `SLOW_DELETES`, `TEARDOWN_CHAINS` in run.py) x scale. Median of {repeats}. Target: at most 1.1.",
        table(["pattern", "slow deletions", "longest chain (sim s)", "teardown wall s", "critical path s",
               "wall / critical"], teardowns),
    ])


def teardown_times(url: str, pattern: str, repeats: int) -> list:
    """One table row: teardown wall time at BENCH_SCALE against its calls alone plus its longest deletion chain."""
    from apigw_kit import local
    from apigw_kit.local.clock import DEFAULT_SCALE
    work, walls, deletes = [], [], []
    try:
        for _ in range(repeats):
            # applied at the scale it is torn down at: a connection reads the clock's scale once
            for scale, times in ((0.0, work), (BENCH_SCALE, walls)):
                _, cloud, run = apply_once(url, pattern, scale)
                before = cloud.calls.snapshot()
                times.append(timed(run.teardown))
                if len(run.left):
                    raise RuntimeError(f"teardown left {len(run.left)} resource(s) at scale {scale}")
                if scale:
                    deletes = slow_calls(cloud.calls.snapshot() - before, SLOW_DELETES)
    finally:
        local.admin(url, "clock", {"scale": DEFAULT_SCALE})
    chains = TEARDOWN_CHAINS.get(pattern, []) + deletes
    chain = max((sum(delay(k) for k in c) for c in chains), default=0.0)
    critical = median(work) + chain * BENCH_SCALE
    ratio = check(f"`{pattern}` teardown wall / critical path", median(walls) / critical, 1.1)
    return [pattern, len(deletes), fmt(chain, 0), fmt(median(walls)), fmt(critical), f"**{ratio}**"]


def calls_of(url: str, pattern: str) -> list:
    """One table row: calls of apply, of a re-apply by a new Run on the same lab, of teardown."""
    from apigw_kit import local
    from apigw_kit.cloud import connect
    from apigw_kit.patterns import load
    local.reset(url)
    cloud = connect("local", REGION)
    run = load(pattern)(cloud=cloud)
    planned = len(run.planned())
    before = cloud.calls.snapshot()
    run.apply()
    applied = cloud.calls.since(before)
    before = cloud.calls.snapshot()
    load(pattern)(cloud=cloud).apply()
    reapplied = cloud.calls.since(before)
    built = sum(len(ids) for ids in run.resources().values())
    before = cloud.calls.snapshot()
    left = run.teardown()
    torn = cloud.calls.since(before)
    return [pattern, planned, applied["mutating"], fmt(applied["mutating"] / planned), applied["read"],
            f"**{check(f'`{pattern}` re-apply mutating calls', reapplied['mutating'], 0, '', 0)}**", reapplied["read"],
            built, torn["mutating"],
            fmt(torn["mutating"] / built if built else float("nan")), torn["read"], len(left)]


# 4. Target sync scaling -------------------------------------------------------------------------

def target_sync_scaling(url: str, repeats: int) -> str:
    from apigw_kit import local
    from apigw_kit.cloud import connect
    from apigw_kit.lambdas import target_sync
    local.reset(url)
    cloud = connect("local", REGION)
    ec2, elbv2 = cloud.client("ec2"), cloud.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.90.{16 * i}.0/20", AvailabilityZone=f"{REGION}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    alb = elbv2.create_load_balancer(Name="bench-alb", Subnets=subnets, Type="application",
                                     Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.get_waiter("load_balancer_available").wait(LoadBalancerArns=[alb], WaiterConfig={"Delay": 1})  # scaled only once active
    group = elbv2.create_target_group(Name="bench-nlb-ip", Protocol="TCP", Port=80, VpcId=vpc,
                                      TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    rows = []
    for size in SYNC_SIZES:
        local.scale_load_balancer(url, alb, size // len(subnets))
        stale = [{"Id": f"10.90.{32 + i // 250}.{1 + i % 250}", "Port": 80} for i in range(max(1, size // 10))]
        floor, changing, steady, calls = [], [], [], {}
        for _ in range(repeats if size < 1000 else 1):  # moto takes minutes over thousands of ENIs
            elbv2.register_targets(TargetGroupArn=group, Targets=stale)
            floor.append(timed(lambda: target_sync.interface_ips(ec2, target_sync.eni_description(alb))))
            before = cloud.calls.snapshot()
            summary = {}
            changing.append(timed(lambda: summary.update(target_sync.sync(
                ec2, elbv2, load_balancer_arn=alb, target_group_arn=group, port=80, page_size=SYNC_PAGE))))
            calls["changing"] = (cloud.calls.since(before), summary)
            before = cloud.calls.snapshot()
            again = {}
            steady.append(timed(lambda: again.update(target_sync.sync(
                ec2, elbv2, load_balancer_arn=alb, target_group_arn=group, port=80, page_size=SYNC_PAGE))))
            calls["steady"] = (cloud.calls.since(before), again)
            # every repeat starts from the stale addresses alone, and the next size from an empty group
            elbv2.deregister_targets(TargetGroupArn=group, Targets=[{"Id": ip, "Port": 80} for ip in again["unchanged"]])
        pages = math.ceil(size / SYNC_PAGE)
        for case, seconds in (("stale + new", changing), ("steady", steady)):
            counted, summary = calls["changing" if case == "stale + new" else "steady"]
            changes = bool(summary["registered"]) + bool(summary["deregistered"])
            expected = {"read": pages + 1, "mutating": changes}
            ratio = median(seconds) / median(floor)
            if size == max(SYNC_SIZES):
                check(f"target sync at {size} ENIs ({case}) / floor call", ratio, 3.0, digits=1)
                TARGETS.append((f"target sync at {size} ENIs ({case}): calls", "pages + 1 reads, a write per change",
                                f"{counted['read']} reads, {counted['mutating']} writes", counted == expected))
            rows.append([size, case, len(summary["registered"]), len(summary["deregistered"]), pages,
                         counted["read"], counted["mutating"],
                         "yes" if counted == expected else f"no (expected {expected})",
                         fmt(median(seconds) * 1000, 1), fmt(ratio, 1)])
    return "\n\n".join([
        "## 4. Target sync (pattern 5) per invocation",
        f"An ALB scaled to N ENIs (`scale` admin route) and an NLB IP target group holding N/10 stale "
        f"addresses; `target_sync.sync(page_size={SYNC_PAGE})`, then again with nothing to change. "
        "The embedded AWS pages DescribeNetworkInterfaces as AWS does (rule eni_paging). Expected: reads = "
        "pages + 1 (DescribeTargetHealth), writes = one per kind of change, nothing else. Time is per "
        f"invocation, against the floor of reading the same ENIs in the largest pages EC2 allows (1000; "
        "an unpaged call fails in an account of more than 1000 interfaces). "
        f"Median of {repeats} (1 at 2000 ENIs). Target at {max(SYNC_SIZES)} ENIs: at most 3 x the floor call.",
        table(["ENIs", "invocation", "registered", "deregistered", "pages", "reads", "writes",
               "as expected", "ms", "x floor call"], rows),
    ])


# 5. Test suite -----------------------------------------------------------------------------------

def test_suite() -> str:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    last = (done.stdout.strip().splitlines() or [""])[-1]
    check("`make test`'s pytest run", seconds / 60, 10.0, " min", 1)
    return "\n\n".join([
        "## 5. Test suite",
        f"`make test`'s pytest run (pytest-xdist, one worker per core): {fmt(seconds, 0)} s wall "
        f"({last.strip('= ')}); **{fmt(seconds / 5400)}** of CI's 90-minute budget (CI has 2 cores). "
        "Target: at most 10 minutes.",
    ])


# 6. Embedded AWS per call --------------------------------------------------------------------------

# Reads of the services the kit uses, one per protocol family (EC2 query, query, REST-JSON, JSON).
PER_CALL = (("ec2", "describe_vpcs"), ("ec2", "describe_availability_zones"), ("elbv2", "describe_load_balancers"),
            ("apigatewayv2", "get_apis"), ("apigateway", "get_rest_apis"), ("lambda", "list_functions"),
            ("sts", "get_caller_identity"))
TRANSPORTS = ("moto in-process", "embedded, HTTP", "embedded, in-process")


def per_call_child(repeats: int) -> None:
    """Seconds per call of each transport, interleaved; printed as JSON. Run in a process of its own: moto's
    mock and an embedded AWS of the same process share moto's backends, and the mock resets them."""
    import json
    import boto3
    from moto import mock_aws
    from apigw_kit.local import EmbeddedAWS, transport
    os.environ.pop("AWS_ENDPOINT_URL", None)  # the parent's embedded AWS: moto's mock must answer the floor's calls
    server = EmbeddedAWS().start()

    def clients(in_process: bool = False, **endpoint) -> list:
        made = [(boto3.client(service, region_name=REGION, **endpoint), operation) for service, operation in PER_CALL]
        if in_process:
            for client, _ in made:
                transport.attach(client, server.url)
        return made

    def per_call(made: list, rounds: int = 20) -> float:
        seconds = timed(lambda: [getattr(client, operation)() for _ in range(rounds) for client, operation in made])
        return seconds / (rounds * len(made))

    times: dict[str, list[float]] = {name: [] for name in TRANSPORTS}
    # One mock for the whole measure (it answers only AWS's own hosts; the embedded AWS's clients name 127.0.0.1)
    with mock_aws():
        subjects = {"moto in-process": clients(), "embedded, HTTP": clients(endpoint_url=server.url),
                    "embedded, in-process": clients(True, endpoint_url=server.url)}
        for i in range(repeats + 1):  # the first round warms each path up (moto builds its routes once): dropped
            for name, made in subjects.items():
                seconds = per_call(made)
                if i:
                    times[name].append(seconds)
    server.stop()
    print(json.dumps({name: median(values) for name, values in times.items()}))


def per_call_cost(repeats: int) -> str:
    import json
    done = subprocess.run([sys.executable, __file__, "--per-call-child", str(max(repeats, 3))],
                          capture_output=True, text=True, check=True)
    seconds = json.loads(done.stdout.strip().splitlines()[-1])
    floor = seconds["moto in-process"]
    rows = []
    for name in TRANSPORTS:
        ratio = seconds[name] / floor
        if name == "embedded, in-process":
            check("embedded AWS per call, in-process / moto in-process", ratio, 2.0)
        rows.append([name, fmt(seconds[name] * 1000), f"**{fmt(ratio)}**"])
    return "\n\n".join([
        "## 6. Embedded AWS per call",
        f"The same reads ({', '.join(f'{s} {o}' for s, o in PER_CALL)}), each round through each transport in turn: "
        "moto's own in-process mock (`mock_aws`, the floor), the embedded AWS over HTTP (a kernel sharing an "
        "embedded AWS another process started), and the embedded AWS in-process (a process that started its own: "
        "`apigw_kit.local.transport`). Median ms per call. Target: in-process at most 2.0 x moto in-process.",
        table(["transport", "ms per call", "x moto in-process"], rows),
    ])


# -------------------------------------------------------------------------------------------------

MEASURES = ("embedded", "critical", "calls", "sync", "tests", "percall")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs per figure (median taken)")
    parser.add_argument("--only", nargs="*", choices=MEASURES, default=list(MEASURES))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--per-call-child", type=int, metavar="REPEATS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.per_call_child:
        per_call_child(args.per_call_child)
        return 0

    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    os.environ.pop("AWS_PROFILE", None)
    from apigw_kit.local import EmbeddedAWS
    server = EmbeddedAWS().start()
    os.environ["AWS_ENDPOINT_URL"] = server.url  # papermill kernels use this one (as the tests do)
    header = [f"# Benchmark results\n\nMeasured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.",
              f"Pattern(s): {', '.join(patterns())}. Command: `make bench` "
              f"(`benchmarks/run.py --repeats {args.repeats}`)."]
    sections = []
    try:
        with tempfile.TemporaryDirectory(prefix="apigw-bench-") as folder:
            work = Path(folder)
            steps = {"embedded": lambda: embedded_runs(server.url, args.repeats, work),
                     "critical": lambda: critical_path(server.url, args.repeats),
                     "calls": lambda: api_calls(server.url, args.repeats),
                     "sync": lambda: target_sync_scaling(server.url, args.repeats),
                     "tests": test_suite,
                     "percall": lambda: per_call_cost(args.repeats)}
            for name in args.only:
                print(f"bench: {name} ...", flush=True)
                sections.append(steps[name]())
                print(sections[-1] + "\n", flush=True)
    finally:
        server.stop()
    args.out.write_text("\n\n".join(header + [targets_table()] + sections) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
