"""Workshop exercises: each breaks a pattern's lab, the check names what is wrong until the solution repairs it.

One lab at a time lives in the embedded AWS (``lab_of`` resets it when another
pattern is asked for); every test leaves its lab healthy (an exercise refuses
to start otherwise, which is itself tested).
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import papermill
import pytest

from apigw_kit import ParameterError, catalogue, catalogue_lab, connect
from apigw_kit.local import reset
from apigw_kit.patterns import MODULES, load
from apigw_kit.patterns.base import checks_frame
from apigw_kit.patterns.http_alb import Run

REGION = "eu-west-1"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXERCISE_CELL = re.compile(r'^exercise = run\.exercise\("(?P<id>[a-z0-9-]+)"\)\nexercise$')


@pytest.fixture(scope="module")
def lab_of(embedded_server):
    """``lab_of(pattern)``: that pattern's applied run, the only lab in the embedded AWS."""
    current: dict = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", embedded_server.url)

        def build(pattern: str):
            if pattern not in current:
                current.clear()
                reset(embedded_server.url)
                current[pattern] = load(pattern)(cloud=connect("local", REGION), lab_name="ws", exercises=True).apply()
            return current[pattern]
        yield build


@pytest.fixture
def run(lab_of):
    return lab_of(Run.PATTERN)


def notebook_exercises() -> list[tuple[str, str]]:
    """(notebook, catalogue id) of every exercise in the committed notebooks."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            match = EXERCISE_CELL.match(cell.source) if cell.cell_type == "code" else None
            if match:
                found.append((path.name, match["id"]))
    return found


def pattern_exercises() -> list[tuple[str, str]]:
    """(pattern, catalogue id) of every exercise a pattern offers, patterns in order."""
    return [(pattern, entry_id) for pattern in MODULES for entry_id in load(pattern).EXERCISES]



def test_a_fix_that_opens_the_alb_to_the_world_is_still_wrong(run):
    exercise = run.exercise("alb-sg-excludes-vpc-link")
    ec2 = run.cloud.client("ec2")
    world = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=run.alb_sg.id, IpPermissions=world)
    row = exercise.check().iloc[0]
    assert row["outcome"] == "200 OK" and not row["passed"]  # the request passes, the posture does not
    assert "check failed: ALB admits only the VPC link" in row["still wrong"] and "0.0.0.0/0" in row["still wrong"]
    ec2.revoke_security_group_ingress(GroupId=run.alb_sg.id, IpPermissions=world)
    catalogue_lab.admit_vpc_link(run.lab)
    assert exercise.check().iloc[0]["passed"]


def test_an_exercise_starts_only_from_a_healthy_lab(run):
    catalogue_lab.break_targets(run.lab)
    with pytest.raises(ParameterError, match="not healthy before this exercise"):
        run.exercise("alb-sg-excludes-vpc-link")
    catalogue_lab.start_targets(run.lab)
    with pytest.raises(ParameterError, match="nothing in the lab to fix"):
        run.exercise("internal-alb-from-internet")
    with pytest.raises(ParameterError, match="does not play on a http-alb lab.*alb-sg-excludes-vpc-link"):
        run.exercise("nlb-targets-stale")
    assert run.verify()["passed"].all()


def test_exercises_skip_resources_passed_in(run):
    """A run given an existing VPC and listener never has them broken."""
    byo = Run(cloud=run.cloud, lab_name="ws-byo", vpc_id=run.vpc.id, subnet_ids=[s.id for s in run.subnets],
              listener_arn=run.listener.arn, exercises=True)
    before = run.cloud.calls.snapshot()
    exercise = byo.exercise("alb-sg-excludes-vpc-link")
    assert run.cloud.calls.since(before)["mutating"] == 0
    assert "skipped" in repr(exercise)
    row = exercise.check().iloc[0]
    assert row["passed"] is None and "passed in by parameter" in row["still wrong"]


def test_an_exercise_shows_the_response_sent_for_real_and_its_check_sends_it_again(run):
    """The symptom is what the request gets through the data plane (the ALB's 503 passed on by the API), shown
    beside the prediction but without the hop that answered; the check after the fix observes the 200."""
    exercise = run.exercise("alb-sg-excludes-vpc-link")
    assert exercise.observed.status == 503 and exercise.observed.agrees
    assert exercise.observed.hop.startswith("ALB ingress")
    for shown in (repr(exercise), exercise._repr_html_()):
        assert "Sent for real, it gets: " in shown and "503 Service Unavailable" in shown
        assert "Service Unavailable" in shown.split("it gets")[1] and exercise.observed.hop not in shown
    again = exercise.request()
    assert again.status == 503 and again.trace.failure.hop == "ALB ingress"
    assert exercise.check().iloc[0]["observed"] == "503 Service Unavailable"
    catalogue_lab.admit_vpc_link(run.lab)
    row = exercise.check().iloc[0]
    assert row["passed"] and row["outcome"] == row["observed"] == "200 OK"


def test_exercises_off_are_skipped_without_a_call(run, monkeypatch):
    """exercises=False (a runbook's default): showing, tracing, sending and checking an exercise make no API call
    and send no request."""
    def no_request(*args, **kwargs):
        raise AssertionError("a skipped exercise sent a request")
    monkeypatch.setattr("apigw_kit.probe.fetch", no_request)
    off = Run(cloud=run.cloud, lab_name=run.lab.name)
    before = run.cloud.calls.snapshot()
    exercise = off.exercise("no-healthy-targets")
    shown = [repr(exercise), exercise._repr_html_(), repr(exercise.trace()), repr(exercise.request())]
    row = exercise.check().iloc[0]
    assert run.cloud.calls.since(before) == {"mutating": 0, "read": 0}
    assert all("skipped: exercises=False (set it to True in Parameters to do the exercises)" in s for s in shown)
    assert row["passed"] is None and row["outcome"] == row["observed"] == "skipped" and "exercises=False" in row["still wrong"]
    assert off.result(checks_frame([]))["exercises"] == {"enabled": False, "played": []}
    assert run.verify()["passed"].all()  # the instance was not stopped


def test_notebooks_turn_exercises_on_in_the_cell_papermill_replaces(tmp_path):
    """The committed copy runs its exercises (golden and nbval give no parameters); a run given any parameters
    (runbook.run always gives result_path) has that cell replaced, so the parameters cell's False holds."""
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        index = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
        assert "exercises: bool = False  # " in cells[index].source, path.name
        for parameters, last_line in (({}, "exercises = True"), ({"result_path": "r.json"}, 'result_path = "r.json"')):
            papermill.execute_notebook(str(path), str(tmp_path / path.name), parameters=parameters, prepare_only=True,
                                       kernel_name="python3")
            cell = nbformat.read(tmp_path / path.name, as_version=4).cells[index + 1]
            assert cell.metadata.get("tags") == ["injected-parameters"], path.name
            assert cell.source.splitlines()[-1] == last_line, (path.name, cell.source)


def test_notebook_exercises_follow_the_house_pattern():
    """Every exercise: a catalogue entry with a fix, then trace, a collapsed solution in plain boto3 (the fix a
    learner could type, not the library's fix_lab), then check."""
    exercises = notebook_exercises()
    for pattern in MODULES:
        played = [entry_id for name, entry_id in exercises if name == f"{load(pattern).NOTEBOOK}.ipynb"]
        assert len(played) >= 2 and set(played) <= set(load(pattern).EXERCISES), (pattern, played)
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        heads = [c.source.splitlines()[0] for c in cells if c.cell_type == "markdown" and c.source.startswith("## ")]
        for index, cell in enumerate(cells):
            if not (cell.cell_type == "code" and EXERCISE_CELL.match(cell.source)):
                continue
            entry = catalogue.by_id(EXERCISE_CELL.match(cell.source)["id"])
            assert entry.fix_lab is not None, (path.name, entry.id)
            code = [c for c in cells[index + 1:] if c.cell_type == "code"][:3]
            trace, solution, check = (c.source for c in code)
            assert trace == "exercise.trace()" and check == "exercise.check()", path.name
            tags = code[1].metadata.get("tags", [])
            assert "solution" in tags and code[1].metadata.get("jupyter", {}).get("source_hidden"), path.name
            assert "run.cloud.client(" in solution, (path.name, entry.id)
            assert entry.fix_lab.__name__ not in solution, (path.name, entry.id)
        if any(name == path.name for name, _ in exercises):
            assert heads.index("## Exercises: break it, trace it, fix it") + 1 == heads.index("## Clean up"), path.name


@pytest.mark.parametrize("pattern, entry_id", pattern_exercises())
def test_each_exercise_is_wrong_until_its_solution(lab_of, pattern, entry_id):
    run, entry = lab_of(pattern), catalogue.by_id(entry_id)
    before = run.cloud.calls.snapshot()
    entry.fix_lab(run.lab)  # the solution cell of a runbook run, where the exercise was skipped: nothing to change
    assert run.cloud.calls.since(before)["mutating"] == 0, entry_id
    exercise = run.exercise(entry_id)
    shown = repr(exercise)
    assert entry.symptom in shown and entry.cause not in shown  # the symptom, never the cause
    assert exercise.broken.status == entry.status
    assert exercise.observed.agrees and f"Sent for real, it gets: {exercise.observed.outcome}\n" in shown, shown
    traced = exercise.trace()
    if exercise.broken.ok:  # a request that succeeds while the lab is wrong: the hop warns (a bypass, fail-open)
        assert entry.hop in {hop.hop for hop in traced.warnings}, traced.frame.to_string()
    else:
        assert traced.failure.hop == entry.hop, traced.frame.to_string()
    before = exercise.check().iloc[0]
    assert not before["passed"] and before["still wrong"].startswith(entry.hop)
    assert before["observed"] == exercise.observed.outcome
    entry.fix_lab(run.lab)
    after = exercise.check().iloc[0]
    assert after["passed"] and after["still wrong"] == "" and after["outcome"] == after["observed"] == "200 OK", after["still wrong"]
    assert run.verify()["passed"].all()


def test_the_stopped_instance_exercise_waits_for_each_state(run, embedded_server):
    """break waits for 'stopped'; the fix starts the instance only once stopped (StartInstances fails while it is
    stopping), then waits for it to run and for its target to be in service (initial meanwhile)."""
    from apigw_kit.local import admin
    from apigw_kit.steps import network
    saved = admin(embedded_server.url, "clock")
    admin(embedded_server.url, "clock", {"scale": 0.01})  # stopping 0.6 s, pending 0.3 s, health checks 1.5 s
    try:
        instance = catalogue_lab._ec2_id(run.lab, "web", "instance")
        catalogue_lab.break_targets(run.lab)
        assert network.instance_state(run.cloud, instance) == "stopped"
        catalogue_lab.start_targets(run.lab)
        health = run.cloud.client("elbv2").describe_target_health(TargetGroupArn=run.target_group.arn)
        assert [t["TargetHealth"]["State"] for t in health["TargetHealthDescriptions"]] == ["healthy"]
    finally:
        admin(embedded_server.url, "clock", saved)
    assert run.verify()["passed"].all()
