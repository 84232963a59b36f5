"""Running a pattern never rewrites a committed file: its diagram goes to a run folder, not diagrams/."""
from __future__ import annotations

import subprocess
from pathlib import Path

from apigw_kit import connect
from apigw_kit.patterns.base import DIAGRAM_DIR_VARIABLE
from apigw_kit.patterns.http_alb import Run

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "diagrams" / "01_http_api_vpc_link_alb.png"


def status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def test_a_run_leaves_the_checkout_as_it_was(endpoint, monkeypatch):
    monkeypatch.delenv(DIAGRAM_DIR_VARIABLE, raising=False)  # as in a workshop kernel: nothing configured
    monkeypatch.chdir(ROOT / "notebooks")  # where the notebook runs, so "../diagrams/..." is the committed file
    before, committed = status(), COMMITTED.read_bytes()
    run = Run(cloud=connect("local", "eu-west-1"), lab_name="untouched").apply()
    image = run.diagram("../diagrams/01_http_api_vpc_link_alb.png", trace=run.trace())
    run.write_result(run.verify())
    run.teardown()
    assert image.data and image.data != committed  # it drew, somewhere else
    assert COMMITTED.read_bytes() == committed
    assert status() == before
