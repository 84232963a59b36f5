"""What every pattern run shares: validation first, timed steps, checks, result, teardown.

A notebook makes one ``Run`` from its parameters (which validates them with
read-only calls before anything is created), then calls one step method per
section. The same class drives headless runs (``run.apply()``).
"""
from __future__ import annotations

import functools
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError

from ..cloud import connect
from ..errors import KitError, ParameterError, StepFailed
from ..shown import shown, shows

CHECK_COLUMNS = ["check", "passed", "detail"]
DIAGRAM_DIR_VARIABLE = "APIGW_KIT_DIAGRAM_DIR"


@dataclass
class CommonParameters:
    """Parameters every pattern takes (the notebook's parameters cell mirrors them)."""
    backend: str = "local"
    region: str = "eu-west-1"
    lab_name: str = "demo"
    teardown: bool = True
    confirm_account: str = ""
    result_path: str = ""
    exercises: bool = False  # break-and-fix exercises change the lab: a workshop turns them on, a runbook leaves them off

    @classmethod
    def from_dict(cls, values: dict):
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(unknown[0], "is not a parameter of this pattern", f"use only {', '.join(sorted(known))}")
        return cls(**values)


def step(name: str):
    """Time a step, show its table with the AWS calls it made, and turn AWS errors into StepFailed naming the step and the call."""
    def decorate(method):
        shown_method = shows(method)

        @functools.wraps(method)
        def run(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return shown_method(self, *args, **kwargs)
            except KitError:
                raise
            except (ClientError, BotoCoreError) as exc:
                service, operation = self.cloud.last_call or ("", "")
                raise StepFailed(name, f"{service}:{operation} in lab {self.lab.name}", exc) from exc
            finally:
                self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - started, 3)
        return run
    return decorate


@dataclass(frozen=True)
class Skipped:
    """What a step shows instead of its result where it cannot run: the step and why."""
    step: str
    why: str

    def __str__(self) -> str:
        return f"embedded AWS only: skipped {self.step} ({self.why})"

    __repr__ = __str__


def embedded_only(why: str):
    """A step that runs on the embedded AWS only; elsewhere it makes no call and returns Skipped saying ``why``."""
    def decorate(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            if self.cloud.backend != "local":
                return Skipped(method.__name__, why)
            return method(self, *args, **kwargs)
        return run
    return decorate


def run_drawings() -> Path:
    """Where a run's diagrams go: APIGW_KIT_DIAGRAM_DIR, or this process's own temporary folder."""
    configured = os.environ.get(DIAGRAM_DIR_VARIABLE)
    return Path(configured) if configured else _own_drawings()


@functools.lru_cache(maxsize=1)
def _own_drawings() -> Path:
    # One folder per process: two kernels drawing the same pattern must not overwrite each other's file.
    return Path(tempfile.mkdtemp(prefix="apigw-kit-diagrams-"))


class PatternRun:
    """Base class of a pattern's run; subclasses set the class attributes and steps."""
    PATTERN: str = ""
    NOTEBOOK: str = ""
    TITLE: str = ""
    CLIENT: str = "client"  # who sends the requests, as the diagram labels them
    Parameters: type = CommonParameters
    STEPS: tuple[str, ...] = ()  # method names, in order, that apply() runs
    EXERCISES: tuple[str, ...] = ()  # catalogue entries that play on this lab (each tested in tests/workshop)

    def __init__(self, params=None, *, cloud=None, **values):
        """Connect, validate the parameters and check the quotas (read-only calls); ``cloud`` reuses a connection."""
        self.params = params if params is not None else self.Parameters.from_dict(values)
        self.cloud = cloud or connect(self.params.backend, self.params.region,
                                      confirm_account=self.params.confirm_account or None)
        self.lab = self.cloud.lab(self.params.lab_name)
        self.timings: dict[str, float] = {}
        self.left: pd.DataFrame | None = None
        self.built: dict[str, list[str]] = {}  # resources as listed just before teardown
        self.played: list[str] = []  # catalogue entries whose exercise broke this lab
        self.validate()
        self.quotas = self.check_quotas()

    def validate(self) -> None:
        """Read-only checks of the parameters; raise ParameterError before anything is created."""

    def check_quotas(self) -> list:
        """Read-only: the account quotas the plan draws on (quotas.Usage each); QuotaExceeded before anything is created."""
        from ..quotas import preflight
        return preflight(self)

    def apply(self) -> "PatternRun":
        for name in self.STEPS:
            getattr(self, name)()
        return self

    def verify(self) -> pd.DataFrame:
        raise NotImplementedError

    # Plan, cost, permissions ---------------------------------------------------------
    def planned(self) -> list:
        """What apply() creates for these parameters: plan.Planned per resource (declared by each pattern)."""
        raise NotImplementedError(f"pattern {self.PATTERN} declares no plan: define planned() in its module")

    def given(self) -> dict[str, str]:
        """Existing resources passed by parameter (name -> id): used, never changed or deleted."""
        return {}

    @shows
    def plan(self) -> pd.DataFrame:
        """What a run would create, change and leave alone; makes no mutating call."""
        from ..plan import plan_of
        return plan_of(self)

    def cost(self) -> pd.DataFrame:
        """Print what the lab costs per hour while it runs; return the priced resources."""
        from ..costs import estimate
        found = estimate(self.planned(), self.cloud.region)
        print(found.line)
        return shown(found.table)

    def iam_policy(self):
        """The least-privilege IAM policy for the API operations this run has called so far, scoped to its lab
        (see apigw_kit.iam; ``apigw-kit policy`` prints the one a real account needs)."""
        from ..iam import policy_for
        account = self.cloud.account_id if self.cloud.backend == "aws" else "*"
        return policy_for(self.cloud.calls.operations(), self.cloud.region, self.lab.name, account,
                          self.cloud.calls.tagged())

    @property
    def entry_url(self) -> str:
        """Where a client sends requests to this pattern (its API's invoke URL or custom domain)."""
        raise NotImplementedError

    def trace(self, url: str | None = None, **kwargs):
        """Follow a request hop by hop through the live configuration (see apigw_kit.tracer)."""
        from ..tracer import trace
        return trace(self.cloud, url or self.entry_url, **kwargs)

    def request(self, path: str = "/", method: str = "GET", headers: dict[str, str] | None = None,
                body: bytes | None = None, url: str | None = None, **trace_kwargs):
        """Send a real HTTP request to this lab and show what came back beside the trace's prediction.

        ``path`` is joined to ``url`` (default: the entry URL); ``source`` and ``host`` are as for ``trace()``.
        On the embedded AWS the request goes through its data plane, which answers as AWS does at the hop where
        the request stops; on a real account it goes to the URL from this machine (bounded timeout).
        """
        from ..probe import send
        return send(self.cloud, self.trace(self._url_for(path, url), method=method, **trace_kwargs), headers, body)

    def curl(self, path: str = "/", method: str = "GET", url: str | None = None, **trace_kwargs) -> str:
        """The curl command line sending the request ``request()`` sends (for a terminal)."""
        from ..probe import curl
        return curl(self.cloud, self.trace(self._url_for(path, url), method=method, **trace_kwargs))

    def _url_for(self, path: str, url: str | None) -> str:
        return (url or self.entry_url).rstrip("/") + "/" + path.lstrip("/")

    def exercise(self, entry_id: str):
        """Break this lab as catalogue entry ``entry_id`` says; a workshop exercise (see apigw_kit.exercises)."""
        from ..exercises import Exercise
        return Exercise.start(self, entry_id)

    def exercise_request(self, entry) -> dict:
        """``trace()`` arguments of the request that catalogue ``entry`` breaks: by default this pattern's own."""
        return {}

    def diagram(self, path: str, trace=None):
        """Draw the lab from its live inventory and return it for display.

        ``trace`` (from ``run.trace()``) draws the path that request took over it, and where it stopped.

        Only the file name of ``path`` is used: a run never rewrites a committed file, so the drawing
        goes to APIGW_KIT_DIAGRAM_DIR (a headless run sets it beside its executed notebook; make golden
        sets it to diagrams/ to refresh the committed drawings on purpose), else to a temporary folder of
        this process (run_drawings()).
        """
        from IPython.display import Image

        from ..drawing import draw
        target = run_drawings() / Path(path).name
        return Image(filename=str(draw(self.lab.inventory(), target, self.TITLE, self.CLIENT, trace)))

    def resources(self) -> dict[str, list[str]]:
        frame = self.lab.resources()
        return {kind: sorted(group["id"]) for kind, group in frame.groupby("type")}

    def teardown(self) -> pd.DataFrame:
        """Delete what this lab created; return what is left (empty on success)."""
        started = time.perf_counter()
        # This process built the lab: the services it used and planned are known (see apigw_kit.teardown)
        self.left = self.lab.teardown(expected={p.type.split(":", 1)[0] for p in self.planned()})
        self.built = self.left.attrs["found"]
        self.timings["teardown"] = round(time.perf_counter() - started, 3)
        return self.left

    @shows
    def clean_up(self) -> pd.DataFrame:
        """Teardown when the ``teardown`` parameter is true; either way, what the lab still holds (and the calls made)."""
        return self.teardown() if self.params.teardown else self.lab.resources()

    def summary(self, result: dict) -> pd.DataFrame:
        """The figures of a result that repeat from run to run (no timings, no polling reads)."""
        checks = result["checks"]
        rows = [("lab", result["lab"]), ("pattern", result["pattern"]), ("backend", result["backend"]),
                ("checks passed", f"{sum(c['passed'] for c in checks)} of {len(checks)}"),
                ("mutating API calls", result["api_calls"]["mutating"]),
                ("resources built", sum(len(ids) for ids in result["resources"].values())),
                ("left after teardown", "not torn down" if result["teardown"]["left"] is None else result["teardown"]["left"])]
        return shown(pd.DataFrame(rows, columns=["figure", "value"]).set_index("figure"))

    def result(self, checks: pd.DataFrame) -> dict:
        return {
            "lab": self.lab.name, "pattern": self.PATTERN, "backend": self.cloud.backend, "region": self.cloud.region,
            "resources": self.built if self.left is not None else self.resources(),
            "checks": checks[CHECK_COLUMNS].to_dict("records"),
            "api_calls": self.cloud.calls.totals(),
            "timings": dict(self.timings),
            "teardown": {"done": self.left is not None,
                         "left": None if self.left is None else len(self.left)},
            "exercises": {"enabled": self.params.exercises, "played": list(self.played)},
        }

    def write_result(self, checks: pd.DataFrame, path: str | None = None) -> dict:
        """The run's JSON result, written to ``path`` (default: the result_path parameter) when given."""
        result = self.result(checks)
        target = path or self.params.result_path
        if target:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_text(json.dumps(result, indent=2, default=str) + "\n")
        return result


def checks_frame(rows) -> pd.DataFrame:
    """The checks as a table; their names must be unique, since tests, results and readers look a check up by name."""
    frame = pd.DataFrame([asdict(r) for r in rows], columns=CHECK_COLUMNS)
    repeated = sorted(set(frame.loc[frame["check"].duplicated(), "check"]))
    if repeated:
        raise ValueError(f"check names repeat: {', '.join(repeated)}; give each check its own name")
    return frame
