"""Headless runs of the pattern notebooks through papermill, with a JSON result.

A run executes ``notebooks/<NOTEBOOK>.ipynb`` with the given parameters,
writes the executed notebook (the audit trail, kept even when a cell fails)
and the JSON result the notebook writes beside it, and raises RunFailed naming
the failing cell when a cell fails.

A run that stops part-way leaves its lab up, billing on a real account: this
process then tears the lab down (unless the run's ``teardown`` parameter is
false) with the same ``confirm_account`` guard, and always prints the
``apigw-kit teardown`` command that finishes the job. A lab on the embedded AWS
a kernel starts for itself ends with that kernel; one on a shared embedded AWS
(``AWS_ENDPOINT_URL``) outlives it and is torn down like a real account's.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import papermill
import yaml
from papermill.exceptions import PapermillExecutionError

from .cloud import connect
from .errors import KitError, ParameterError
from .patterns import MODULES, load
from .patterns.base import DIAGRAM_DIR_VARIABLE

TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list}
CELL_TIMEOUT = 1800  # seconds; the slowest real-account step (a certificate) takes ~10 min


class RunFailed(KitError, RuntimeError):
    def __init__(self, notebook: Path, cell: int, error: str, source: str = "", clean_up: str = ""):
        self.notebook, self.cell, self.error, self.clean_up = notebook, cell, error, clean_up
        first_line = source.strip().splitlines()[0] if source.strip() else ""
        super().__init__(f"cell {cell} ({first_line}) failed: {error}\n"
                         f"the executed notebook, up to the failing cell, is {notebook}"
                         + (f"\n{clean_up}" if clean_up else ""))


def notebooks_dir() -> Path:
    """The notebooks folder of the checkout the kit runs from (APIGW_KIT_NOTEBOOKS overrides)."""
    return Path(os.environ.get("APIGW_KIT_NOTEBOOKS") or Path(__file__).resolve().parents[2] / "notebooks")


def notebook_of(pattern: str) -> Path:
    return notebooks_dir() / f"{load(pattern).NOTEBOOK}.ipynb"


def parameters_of(pattern: str) -> dict[str, dict]:
    """The notebook's parameters: name -> {type, default, help}, read by papermill."""
    notebook = notebook_of(pattern)
    if not notebook.exists():
        raise ParameterError("pattern", f"the notebook of {pattern} ({notebook.name}) is not written yet",
                             "use a pattern that `apigw-kit list` shows with its parameters")
    declared = papermill.inspect_notebook(str(notebook))
    return {name: {"type": p["inferred_type_name"], "default": p["default"], "help": p["help"]}
            for name, p in declared.items()}


def coerce(pattern: str, values: dict) -> dict:
    """Refuse unknown parameters and convert values to the types the notebook declares."""
    declared = parameters_of(pattern)
    result = {}
    for name, value in values.items():
        if name not in declared:
            raise ParameterError(name, f"is not a parameter of pattern {pattern}",
                                 f"use one of {', '.join(declared)} (see `apigw-kit list`)")
        result[name] = coerce_value(name, value, TYPES.get(declared[name]["type"]))
    return result


def coerce_value(name: str, value, wanted: type | None):
    """``value`` as ``wanted``; a string (a -p value on the command line) is parsed for non-str types only.

    A str parameter takes strings as written: an account id 012345670123 stays those twelve digits. A YAML
    file's value arrives typed, and YAML 1.1 has already read unquoted digits as a number (leading zeros lost,
    or octal): that is refused, naming the parameter, rather than passed on mangled.
    """
    if wanted is str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ParameterError(name, f"is a str parameter but was given the {type(value).__name__} {value!r} "
                                 "(YAML reads unquoted digits, true/false and dates as other types, and drops "
                                 "leading zeros)", f"quote the value in the YAML file, e.g. {name}: \"...\"")
        return value
    if wanted is list and isinstance(value, str):
        parsed = yaml.safe_load(value) if value.lstrip().startswith("[") else None
        return parsed if isinstance(parsed, list) else [v.strip() for v in value.split(",") if v.strip()]
    if wanted is bool and isinstance(value, str):
        parsed = yaml.safe_load(value) if value.strip() else None
        if isinstance(parsed, bool) or parsed in (0, 1):  # true/false, yes/no, on/off, 1/0
            return bool(parsed)
        raise ParameterError(name, f"{value!r} is not a bool", "pass true or false")
    if wanted in (int, float):
        try:
            return wanted(value)
        except (TypeError, ValueError):
            raise ParameterError(name, f"{value!r} is not a {wanted.__name__}", f"pass a {wanted.__name__}") from None
    return value


def parse_cli_values(pairs: list[tuple[str, str]], files: list[str]) -> dict:
    """-p NAME VALUE pairs (kept as written: coerce() parses them by the declared type) over -f YAML files,
    later ones winning."""
    values: dict = {}
    for file in files:
        values.update(yaml.safe_load(Path(file).read_text()) or {})
    values.update(pairs)
    return values


def run(pattern: str, parameters: dict | None = None, output_dir: str | Path = "runs",
        log_output: bool = False, progress_bar: bool = False) -> dict:
    """Execute a pattern's notebook; return its JSON result (and where the files are)."""
    values = coerce(pattern, dict(parameters or {}))
    lab = values.get("lab_name") or parameters_of(pattern)["lab_name"]["default"].strip("'\"")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    executed = output_dir / f"{lab}-{stamp}.ipynb"
    values["result_path"] = str(executed.with_suffix(".json"))
    source = notebook_of(pattern)
    # The kernel inherits this: the run's diagram goes beside its notebook, not over the committed one.
    previous = os.environ.get(DIAGRAM_DIR_VARIABLE)
    os.environ[DIAGRAM_DIR_VARIABLE] = str(output_dir)
    try:
        # A real-account run takes minutes: its notebook is rewritten after every cell so progress can be
        # watched. An embedded run takes seconds, and those ~200 rewrites of a notebook full of tables and
        # diagrams cost it 2-3 s: it is written once, at the end or at the failing cell.
        papermill.execute_notebook(str(source), str(executed), parameters=values, kernel_name="python3",
                                   cwd=str(source.parent), log_output=log_output, progress_bar=progress_bar,
                                   execution_timeout=CELL_TIMEOUT,
                                   request_save_on_cell_execute=values.get("backend", "local") != "local")
    except PapermillExecutionError as exc:
        raise RunFailed(executed, exc.cell_index, f"{exc.ename}: {exc.evalue}", exc.source,
                        clean_up_failed_run(pattern, values, lab)) from None
    except BaseException:  # a cell timeout, an interrupt: the lab is left just the same
        print(clean_up_failed_run(pattern, values, lab), flush=True)
        raise
    finally:
        if previous is None:
            os.environ.pop(DIAGRAM_DIR_VARIABLE)
        else:
            os.environ[DIAGRAM_DIR_VARIABLE] = previous
    result = json.loads(Path(values["result_path"]).read_text())
    result["notebook"] = str(executed)
    return result


def teardown_command(lab: str, backend: str, region: str, confirm_account: str = "") -> str:
    """The `apigw-kit teardown` command line that deletes ``lab`` (see cli.py)."""
    command = f"apigw-kit teardown {lab} --backend {backend} --region {region}"
    return command + (f" --confirm-account {confirm_account}" if backend == "aws" else "")


def clean_up_failed_run(pattern: str, values: dict, lab: str) -> str:
    """Tear down what a failed run left (unless its teardown parameter is false); say what happened and the command."""
    declared = parameters_of(pattern)
    def value(name: str) -> str:
        return str(values[name]) if name in values else declared[name]["default"].strip("'\"")
    backend, region = value("backend"), value("region")
    command = teardown_command(lab, backend, region, value("confirm_account") or "<account id>")
    if backend == "local" and not os.environ.get("AWS_ENDPOINT_URL"):
        return f"lab {lab} was on the embedded AWS the kernel started, and ended with it: nothing to tear down"
    print(f"the run failed part-way; lab {lab} ({backend}, {region}) may hold resources. To delete them: {command}",
          flush=True)
    if not values.get("teardown", True):
        return f"teardown=False: lab {lab} is left as the run stopped; delete it with: {command}"
    try:
        left = connect(backend, region, confirm_account=value("confirm_account") or None).lab(lab).teardown()
    except Exception as exc:  # the run's own error matters more: report this one beside it
        return f"tearing lab {lab} down failed ({type(exc).__name__}: {exc}); finish with: {command}"
    if left.empty:
        return f"lab {lab} was torn down: nothing is left (command, had it been needed: {command})"
    return f"lab {lab} was torn down but {len(left)} resource(s) are left ({', '.join(left['id'])}); retry with: {command}"


def confirm_hint() -> str:
    return ("find the account id with `aws sts get-caller-identity --query Account --output text` "
            "and pass it: -p confirm_account <account id>")


def prepare(pattern: str, parameters: dict, cloud=None):
    """The pattern's Run built in this process: parameters validated with read-only calls, nothing created.

    With backend aws, confirm_account must be given and match the credentials' account,
    checked here, before papermill starts a kernel that could change anything.
    """
    values = {k: v for k, v in coerce(pattern, dict(parameters)).items() if k != "result_path"}
    if values.get("backend") == "aws":
        if not values.get("confirm_account"):
            raise ParameterError("confirm_account", "is required with backend aws: nothing is changed in an account "
                                 "that was not named", confirm_hint())
    run = load(pattern)(cloud=cloud, **values)
    if run.cloud.backend == "aws" and str(run.params.confirm_account) != run.cloud.account_id:
        raise ParameterError("confirm_account", f"{run.params.confirm_account} is not the account of these "
                             f"credentials ({run.cloud.account_id})", confirm_hint())
    return run


def patterns() -> list[str]:
    return list(MODULES)
