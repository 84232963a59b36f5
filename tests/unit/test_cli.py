"""The command line: list, refusals before anything runs, plan, labs, teardown by name or by age."""
from __future__ import annotations

from datetime import datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from apigw_kit import ParameterError, cli, connect, runbook
from apigw_kit.cli import main
from apigw_kit.cloud import Cloud
from apigw_kit.labs import labs
from apigw_kit.steps import apigw_http, network


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


def test_labs_lists_the_labs_in_the_account_with_their_cost(endpoint, capsys):
    network.ensure_vpc(connect("local", "eu-west-1").lab("listed"), "10.41.0.0/16")
    assert main(["labs"]) == 0
    out = capsys.readouterr().out
    assert "listed" in out and "ec2:vpc" in out
    assert "usd_per_hour" in out and "together: ~$0.0000/hour" in out


def test_doctor_is_wired_and_exits_non_zero_on_a_failing_trace(endpoint, capsys):
    assert main(["doctor", "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/"]) == 1
    assert "predicted: 403" in capsys.readouterr().out


class _Later:
    """Stands in for cli.datetime: now() is three hours on."""

    @staticmethod
    def now(tz=None):
        return datetime.now(tz) + timedelta(hours=3)


@pytest.fixture
def aged(endpoint, monkeypatch):
    """Labs "old" (an HTTP API, dated) and "undated" (a VPC only), three hours before the CLI's now."""
    cloud = connect("local", "eu-west-1")
    apigw_http.ensure_http_api(cloud.lab("old"))
    network.ensure_vpc(cloud.lab("undated"), "10.42.0.0/16")
    monkeypatch.setattr(cli, "datetime", _Later)
    return cloud


def test_teardown_older_than_dry_run_lists_and_deletes_nothing(aged, capsys):
    assert main(["teardown", "--older-than", "2h", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would delete 1 lab(s) older than 2h" in out and "old" in out
    assert "kept, age unknown (none of their resources has a creation time): undated" in out
    assert labs(aged).set_index("lab")["resources"].to_dict() == {"old": 1, "undated": 1}  # both still whole


def test_teardown_of_a_lab_dry_run_lists_its_resources_and_deletes_nothing(aged, capsys):
    assert main(["teardown", "old", "--dry-run"]) == 0
    assert "would delete lab old:" in capsys.readouterr().out
    assert labs(aged).set_index("lab").loc["old", "resources"] == 1


def test_teardown_older_than_deletes_old_labs_only(aged, capsys):
    assert main(["teardown", "--older-than", "2h"]) == 0
    assert "old: left 0" in capsys.readouterr().out
    assert labs(aged)["lab"].tolist() == ["undated"]
    assert main(["teardown", "--older-than", "4h"]) == 0  # nothing that old: nothing deleted
    assert "deleting 0 lab(s)" in capsys.readouterr().out


@pytest.mark.parametrize("argv, problem", [(["teardown", "old", "--older-than", "2h"], "not both"),
                                           (["teardown"], "not neither"),
                                           (["teardown", "--older-than", "soon"], "--older-than: 'soon' is not a duration")])
def test_teardown_refuses_a_lab_and_an_age_together_or_neither(endpoint, capsys, argv, problem):
    assert main(argv) == 2
    assert problem in capsys.readouterr().err


def test_teardown_older_than_on_aws_refuses_before_listing_without_the_account(monkeypatch, capsys):
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example", region_name="eu-west-1")
    cloud = Cloud("aws", "eu-west-1", session, None, None)
    sts, ec2 = Stubber(cloud.client("sts")), Stubber(cloud.client("ec2"))
    sts.add_response("get_caller_identity", {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/ci",
                                             "UserId": "AID"})
    sts.activate()
    ec2.activate()  # no answer queued: a listing call would fail the test
    monkeypatch.setattr(cli, "connect", lambda *args, **kwargs: cloud)
    assert main(["teardown", "--older-than", "2h", "--backend", "aws"]) == 2
    assert "pass confirm_account='111122223333'" in capsys.readouterr().err
    assert cloud.calls.operations() == {"sts:GetCallerIdentity"}


def test_p_values_of_str_parameters_stay_as_written(tmp_path):
    """An account id that looks octal stays twelve digits; other types are parsed by what the notebook declares."""
    values = runbook.parse_cli_values([("confirm_account", "012345670123"), ("lab_name", "007"),
                                       ("target_port", "8080"), ("subnet_ids", "subnet-a, subnet-b"),
                                       ("teardown", "false")], [])
    assert runbook.coerce("http-alb", values) == {
        "confirm_account": "012345670123", "lab_name": "007", "target_port": 8080,
        "subnet_ids": ["subnet-a", "subnet-b"], "teardown": False}
    with pytest.raises(ParameterError, match="teardown: 'ture' is not a bool"):
        runbook.coerce("http-alb", {"teardown": "ture"})


def test_a_yaml_file_number_for_a_str_parameter_is_refused_naming_it(tmp_path):
    """YAML 1.1 has read the unquoted id as an octal number before the kit sees it: quoting it is the fix."""
    unquoted, quoted = tmp_path / "unquoted.yaml", tmp_path / "quoted.yaml"
    unquoted.write_text("confirm_account: 012345670123\n")
    quoted.write_text("confirm_account: '012345670123'\ntarget_port: 8080\n")
    with pytest.raises(ParameterError) as error:
        runbook.coerce("http-alb", runbook.parse_cli_values([], [str(unquoted)]))
    assert error.value.parameter == "confirm_account" and "quote" in error.value.fix
    assert runbook.coerce("http-alb", runbook.parse_cli_values([], [str(quoted)])) == {
        "confirm_account": "012345670123", "target_port": 8080}
