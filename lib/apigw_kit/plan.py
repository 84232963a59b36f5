"""What a run would create, change and leave alone, found without changing anything.

Why a declared plan rather than running the steps with mutating calls held
back: on a fresh lab the first create (the VPC) would return nothing, and
every later step needs the ids it would have returned, so an intercepted run
cannot get past step one honestly. Instead each pattern declares what apply()
builds for its parameters (``PatternRun.planned()``: one ``Planned`` per
resource, named ``<lab>-<role>`` exactly as the steps name it), and the plan
compares that with what the lab already holds, listed by the kinds the steps
register. A test runs apply() and checks the declaration matches what was built.

Changes to resources that already exist (a revoked rule put back, a stopped
target re-registered) are found by running the steps only when nothing is left
to create: then every id is available, the steps run on a copy of the
connection that records each mutating call and answers it locally instead of
sending it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from botocore.awsrequest import AWSResponse

from .cloud import Cloud, is_mutating
from .lab import Lab
from .steps.functions import log_group_name

# Kinds not named <lab>-<role>: a role's name carries the region (IAM names are account-wide, see
# apigw_kit.lab), a log group takes Lambda's prefix before its function's name.
NAMES = {"iam:role": Lab.global_name, "logs:log-group": lambda lab, role: log_group_name(lab.resource_name(role))}

COLUMNS = ["action", "type", "name", "id", "why"]


@dataclass(frozen=True)
class Planned:
    """One resource a pattern's apply() creates (or keeps, when the lab has it already)."""
    type: str          # a registered kind, e.g. "elbv2:load-balancer"
    role: str          # the resource is named <lab>-<role>
    why: str           # a few words for the plan table
    price: str = ""    # a key of costs.PRICES / costs.MONTHLY_PRICES when the resource carries a standing charge
    units: int = 1     # how many priced units (e.g. Availability Zones of an endpoint)


class RecordingCloud(Cloud):
    """A copy of a connection whose reads go to the account and whose mutating calls are recorded, never sent."""

    def __init__(self, cloud: Cloud):
        super().__init__(cloud.backend, cloud.region, cloud.session, cloud.endpoint_url, None)
        self.held: list[tuple[str, str, dict]] = []

    def client(self, service: str):
        new = service not in self._clients
        client = super().client(service)
        if new:
            client.meta.events.register_first(f"before-call.{client.meta.service_model.service_id.hyphenize()}",
                                              self._answer_locally)
        return client

    def _before_call(self, model, params=None, **kwargs):
        if is_mutating(model.name):  # held back: not counted, not guarded, since it is never sent
            self.held.append((model.service_model.service_name, model.name, dict(params or {})))
            return
        super()._before_call(model, params, **kwargs)

    @staticmethod
    def _answer_locally(model, **_):
        if is_mutating(model.name):
            return AWSResponse(None, 200, {}, None), {}
        return None


def _subject(params: dict) -> str:
    """The id a held-back call acts on (its first *Id/*Arn/*Name parameter)."""
    for key, value in params.items():
        if key.endswith(("Id", "Arn", "Name")) and isinstance(value, str):
            return value
    return ""


def plan_of(run) -> pd.DataFrame:
    """The plan of ``run`` (a PatternRun, validated): one row per resource with its action."""
    existing = run.lab.resources()
    ids = {(r.type, r.name): r.id for r in existing.itertuples()}
    rows = [{"action": "leave alone", "type": f"parameter {name}", "name": "", "id": value,
             "why": "given by parameter: used, never changed or deleted"} for name, value in run.given().items()]
    planned = run.planned()
    keys = set()
    for p in planned:
        name = NAMES.get(p.type, Lab.resource_name)(run.lab, p.role)
        keys.add((p.type, name))
        found = ids.get((p.type, name), "")
        rows.append({"action": "keep" if found else "create", "type": p.type, "name": name, "id": found, "why": p.why})
    for r in existing.itertuples():
        if (r.type, r.name) not in keys:
            rows.append({"action": "leave alone", "type": r.type, "name": r.name, "id": r.id,
                         "why": "in the lab but not built by this plan (teardown deletes it)"})
    if planned and all(row["action"] != "create" for row in rows):
        rows += _changes(run)
    return pd.DataFrame(rows, columns=COLUMNS)


def _changes(run) -> list[dict]:
    """Run the steps on a recording connection: the mutating calls they would make on the existing lab."""
    recording = RecordingCloud(run.cloud)
    try:
        type(run)(run.params, cloud=recording).apply()
        stopped = None
    except Exception as exc:  # an answer held back locally can stop a step: report where, do not guess past it
        stopped = exc
    rows = [{"action": "change", "type": f"{service}:{operation}", "name": "", "id": _subject(params),
             "why": "the step would make this call to bring the lab back to its plan"}
            for service, operation, params in recording.held]
    if stopped is not None:
        rows.append({"action": "unknown", "type": type(stopped).__name__, "name": "", "id": "",
                     "why": f"the steps stopped after the calls above: {stopped}"})
    for (service, operation), count in recording.calls.snapshot().items():
        for _ in range(count):  # the reads were made: count them on the run's connection too
            run.cloud.calls.record(service, operation)
    return rows
