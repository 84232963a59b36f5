"""`apigw-kit run` end to end through papermill (a kernel per run: kept to two runs)."""
from __future__ import annotations

import json
from pathlib import Path

from apigw_kit.cli import main


def test_run_with_non_default_parameters_writes_notebook_and_result(endpoint, tmp_path, capsys):
    runs = tmp_path / "runs"
    assert main(["run", "http-alb", "-p", "lab_name", "rb-port", "-p", "target_port", "8080",
                 "-p", "vpc_cidr", "10.60.0.0/20", "--output-dir", str(runs)]) == 0
    out = capsys.readouterr().out
    notebook = Path(next(l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("notebook:")).strip())
    assert notebook.parent == runs and notebook.name.startswith("rb-port-") and notebook.exists()
    result = json.loads(notebook.with_suffix(".json").read_text())
    assert result["lab"] == "rb-port" and all(c["passed"] for c in result["checks"])
    assert result["teardown"] == {"done": True, "left": 0} and result["api_calls"]["mutating"] > 0
    assert "$0.0366/hour" in notebook.read_text()  # the cost line printed before anything was created


def test_failing_run_names_the_cell_and_keeps_the_partial_notebook(endpoint, tmp_path, capsys):
    runs = tmp_path / "runs"
    assert main(["run", "http-alb", "-p", "lab_name", "rb-bad", "-p", "vpc_cidr", "8.8.0.0/16",
                 "--output-dir", str(runs)]) == 2
    err = capsys.readouterr().err
    assert "from apigw_kit.patterns.http_alb import Run" in err and "ParameterError" in err and "vpc_cidr" in err
    [partial] = runs.glob("rb-bad-*.ipynb")
    assert str(partial) in err and "ParameterError" in partial.read_text()
