"""The command line: list, refusals before anything runs, plan, labs."""
from __future__ import annotations

from apigw_kit import connect
from apigw_kit.cli import main
from apigw_kit.steps import network


def test_list_shows_parameters_with_types_defaults_and_help(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "http-alb: notebooks/01_http_api_vpc_link_alb.ipynb" in out
    line = next(l for l in out.splitlines() if l.strip().startswith("target_port"))
    assert "int" in line and "80" in line and "port" in line


def test_unknown_parameter_is_refused_before_a_notebook_runs(tmp_path, capsys):
    assert main(["run", "http-alb", "-p", "listner_arn", "x", "--output-dir", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert "listner_arn" in err and "is not a parameter" in err
    assert not (tmp_path / "runs").exists()


def test_aws_run_without_confirm_account_says_how_to_confirm(tmp_path, capsys):
    assert main(["run", "http-alb", "--backend", "aws", "--output-dir", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert "confirm_account" in err and "sts get-caller-identity" in err and "-p confirm_account" in err
    assert not (tmp_path / "runs").exists()


def test_plan_prints_actions_cost_and_zero_mutating_calls(endpoint, capsys):
    assert main(["plan", "http-alb", "-p", "lab_name", "cli-plan", "-p", "listener_arn", ""]) == 0
    out = capsys.readouterr().out
    assert "12 to create, 0 to change, 0 to keep, 0 to leave alone" in out
    assert "cost while running: ~$0.0366/hour" in out
    assert out.rstrip().endswith("0 mutating")


def test_labs_lists_the_labs_in_the_account(endpoint, capsys):
    network.ensure_vpc(connect("local", "eu-west-1").lab("listed"), "10.41.0.0/16")
    assert main(["labs"]) == 0
    out = capsys.readouterr().out
    assert "listed" in out and "ec2:vpc" in out


def test_doctor_is_wired_and_exits_non_zero_on_a_failing_trace(endpoint, capsys):
    assert main(["doctor", "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/"]) == 1
    assert "predicted: 403" in capsys.readouterr().out
