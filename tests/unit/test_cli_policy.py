"""`apigw-kit policy`: the policy a run needs, printed without touching an account."""
from __future__ import annotations

import json

import pytest

from apigw_kit import iam
from apigw_kit.cli import main


@pytest.fixture
def no_account(monkeypatch, tmp_path):
    """No credentials anywhere: a call to a real account would fail with NoCredentialsError."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_policy_prints_the_policy_for_the_regions_partition(no_account, capsys):
    assert main(["policy", "nlb-alb-bridge", "--region", "cn-north-1", "-p", "lab_name", "ops",
                 "-p", "vpc_id", "vpc-0abc"]) == 0
    captured = capsys.readouterr()
    policy = json.loads(captured.out)  # stdout holds the policy alone
    text = json.dumps(policy)
    assert "arn:aws-cn:" in text and "arn:aws:" not in text
    passing = next(s for s in policy["Statement"] if s["Action"] == ["iam:PassRole"])
    assert passing["Resource"] == "arn:aws-cn:iam::*:role/ops-*"
    assert any("lambda:InvokeFunction" in s["Action"] for s in policy["Statement"])
    assert "vpc_id" in captured.err and "superset" in captured.err


def test_policy_refuses_a_bad_region_before_running(no_account, capsys):
    assert main(["policy", "http-alb", "--region", "mars"]) == 2
    assert "region" in capsys.readouterr().err
    assert main(["policy", "http-alb", "-p", "region", "mars"]) == 2  # -p region is the policy's region too


def test_split_policies_each_fit_a_managed_policy(no_account, capsys):
    assert main(["policy", "http-alb", "--split"]) == 0
    documents = json.loads(capsys.readouterr().out)
    assert len(documents) > 1  # the whole policy is over IAM's 6,144 characters
    assert all(iam.size(d) <= iam.MANAGED_POLICY_LIMIT for d in documents)
    assert main(["policy", "http-alb"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert [s for d in documents for s in d["Statement"]] == whole["Statement"]
