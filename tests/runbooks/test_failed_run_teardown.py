"""A run that fails part-way tears its lab down from the runbook process and prints the teardown command."""
from __future__ import annotations

import nbformat
import pytest

from apigw_kit import connect, runbook
from apigw_kit.cloud import Cloud, _local_session
from apigw_kit.steps import network

PATTERN, REGION, ACCOUNT = "http-alb", "eu-west-1", "123456789012"  # the embedded AWS's account id
COMMAND = f"apigw-kit teardown rb-fail --backend aws --region {REGION} --confirm-account {ACCOUNT}"


@pytest.fixture
def as_real_account(endpoint, monkeypatch):
    """The runbook's own connections reach the embedded AWS as backend aws, guarded by confirm_account."""
    monkeypatch.setattr(runbook, "connect", lambda backend, region, confirm_account=None:
                        Cloud(backend, region, _local_session(), endpoint, confirm_account))


def _lab_with_a_vpc(name: str):
    lab = connect("local", REGION).lab(name)
    network.ensure_vpc(lab, "10.80.0.0/16")
    return lab


@pytest.fixture
def failing_notebooks(tmp_path, monkeypatch):
    """Pattern 1's parameters cell, a cell that builds part of the lab, a cell that fails."""
    real = nbformat.read(runbook.notebook_of(PATTERN), as_version=4)
    parameters = next(c for c in real.cells if "parameters" in c.metadata.get("tags", []))
    notebook = nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell(
        "from apigw_kit import connect\nfrom apigw_kit.steps import network\n\n"
        "network.ensure_vpc(connect('local', region).lab(lab_name), '10.80.0.0/16')"),
        nbformat.v4.new_code_cell("raise RuntimeError('cell made to fail')")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / runbook.notebook_of(PATTERN).name)
    monkeypatch.setenv("APIGW_KIT_NOTEBOOKS", str(tmp_path))


def test_failed_real_account_run_is_torn_down_and_the_command_printed(as_real_account, failing_notebooks, tmp_path,
                                                                       capsys):
    with pytest.raises(runbook.RunFailed) as failed:
        runbook.run(PATTERN, {"backend": "aws", "confirm_account": ACCOUNT, "lab_name": "rb-fail"}, tmp_path / "runs")
    assert "cell made to fail" in str(failed.value) and "nothing is left" in failed.value.clean_up
    assert COMMAND in capsys.readouterr().out and COMMAND in str(failed.value)
    assert connect("local", REGION).lab("rb-fail").resources().empty
    [partial] = (tmp_path / "runs").glob("rb-fail-*.ipynb")  # the audit trail stays
    assert "cell made to fail" in partial.read_text()


def test_teardown_false_leaves_the_lab_and_prints_the_command(as_real_account, capsys):
    lab = _lab_with_a_vpc("rb-fail")
    report = runbook.clean_up_failed_run(PATTERN, {"backend": "aws", "confirm_account": ACCOUNT, "teardown": False},
                                         "rb-fail")
    assert "teardown=False" in report and COMMAND in report and COMMAND in capsys.readouterr().out
    assert not lab.resources().empty


def test_teardown_under_another_account_is_refused_and_the_command_printed(as_real_account, capsys):
    lab = _lab_with_a_vpc("rb-fail")
    report = runbook.clean_up_failed_run(PATTERN, {"backend": "aws", "confirm_account": "111122223333"}, "rb-fail")
    assert "--confirm-account 111122223333" in report and "--confirm-account 111122223333" in capsys.readouterr().out
    assert not lab.resources().empty  # the guard refused every deletion


def test_shared_embedded_aws_is_torn_down_too(endpoint, capsys):
    lab = _lab_with_a_vpc("rb-fail")
    report = runbook.clean_up_failed_run(PATTERN, {"lab_name": "rb-fail"}, "rb-fail")
    assert "nothing is left" in report and f"apigw-kit teardown rb-fail --backend local --region {REGION}" in report
    assert lab.resources().empty


def test_kernel_own_embedded_aws_needs_no_teardown(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(runbook, "connect", lambda *a, **k: pytest.fail("nothing to connect to"))
    assert "ended with it" in runbook.clean_up_failed_run(PATTERN, {}, "rb-fail")
