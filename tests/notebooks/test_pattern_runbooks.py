"""Each pattern notebook runs headless through papermill with non-default parameters."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from apigw_kit import runbook

REGION = "us-east-1"  # not the notebooks' default, on purpose


@pytest.mark.parametrize("pattern", [p for p in runbook.patterns() if p != "http-alb"])
def test_every_pattern_runs_headless_in_another_region(endpoint, tmp_path, pattern):
    result = runbook.run(pattern, {"lab_name": "rb-other", "region": REGION}, tmp_path)
    assert (result["lab"], result["region"], result["pattern"]) == ("rb-other", REGION, pattern)
    assert result["checks"] and all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["teardown"] == {"done": True, "left": 0}
    assert result["exercises"] == {"enabled": False, "played": []}  # a runbook's default: nothing broken on purpose
    assert (tmp_path / f"{runbook.load(pattern).NOTEBOOK}.png").stat().st_size > 0  # its diagram, beside it


def test_http_alb_runbook_with_other_region_and_lab(endpoint, tmp_path, client):
    result = runbook.run("http-alb", {"lab_name": "rb-east", "region": REGION, "vpc_cidr": "10.77.0.0/16"}, tmp_path)

    assert (result["lab"], result["region"], result["backend"], result["pattern"]) == ("rb-east", REGION, "local", "http-alb")
    assert [c["passed"] for c in result["checks"]] == [True] * 10, result["checks"]
    assert result["teardown"] == {"done": True, "left": 0}
    assert result["exercises"] == {"enabled": False, "played": []}
    assert result["api_calls"]["mutating"] > 0 and set(result["timings"]) >= {"network", "http_api", "teardown"}
    assert {"ec2:vpc", "elbv2:load-balancer", "apigatewayv2:api"} <= set(result["resources"])
    # The executed notebook and its JSON sit side by side, and the run touched the region it was given.
    notebook = Path(result["notebook"])
    assert notebook.exists() and json.loads(notebook.with_suffix(".json").read_text())["lab"] == "rb-east"
    assert client("ec2", REGION).describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.77.0.0/16"]}])["Vpcs"] == []


def test_exercises_run_only_when_asked(endpoint, tmp_path):
    """-p exercises true plays the notebook's exercises (stopping the instance, a second VPC...); by default none."""
    skipped = runbook.run("http-alb", {"lab_name": "rb-quiet", "region": REGION}, tmp_path)
    played = runbook.run("http-alb", {"lab_name": "rb-play", "region": REGION, "exercises": "true"}, tmp_path)
    assert skipped["exercises"] == {"enabled": False, "played": []}
    assert played["exercises"] == {"enabled": True, "played": [
        "alb-sg-excludes-vpc-link", "no-healthy-targets", "vpc-link-subnets-elsewhere"]}
    assert all(c["passed"] for c in played["checks"]) and played["teardown"] == {"done": True, "left": 0}
    # The breaks and fixes are the only difference between the two runs' mutating calls.
    assert skipped["api_calls"]["mutating"] < played["api_calls"]["mutating"]
    assert "ec2:StopInstances" not in Path(skipped["notebook"]).read_text()
    assert "Exercise no-healthy-targets skipped: exercises=False" in Path(skipped["notebook"]).read_text()


def test_failing_runbook_names_the_cell_and_keeps_the_notebook(endpoint, tmp_path):
    with pytest.raises(runbook.RunFailed) as error:
        runbook.run("http-alb", {"lab_name": "rb-bad", "vpc_cidr": "10.77.0.0/8"}, tmp_path)
    assert "ParameterError" in error.value.error and "vpc_cidr" in error.value.error
    assert error.value.notebook.exists()  # the partial notebook is the audit trail
