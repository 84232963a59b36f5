"""Loaded for every run from here, notebooks alone too: the kernels' clock, and how pytest-xdist shares the suite out
(`make test` runs `-n auto`).

Each test goes to whichever worker is free, except where tests must share one
process and run in order: the cells of a notebook (nbval runs them in one
kernel) and the modules whose module-scoped fixture is the expensive part.
xdist's own grouping marks (``--dist loadgroup``) do not take effect with
pytest 9 (xdist 3.8 renames ``item._nodeid``, which pytest 9 no longer reads),
so the scopes are told from the node ids here.
"""
from __future__ import annotations

import os

import pytest

from apigw_kit.local import CLOCK_SCALE_VARIABLE

# Kernels that nbval and papermill start run their embedded AWS at clock scale 0, as make golden does, so the
# committed outputs compare equal however busy the machine is (see apigw_kit.local); set here, where a run of
# notebooks/ alone also reads it.
os.environ[CLOCK_SCALE_VARIABLE] = "0"

# Module fixtures worth building once: one Chromium and one site build; one applied lab at a time; every
# pattern applied to learn its calls (18 s); pattern 1 applied, verified and torn down.
SERIAL_MODULES = {"tests/site/test_docs_site.py", "tests/workshop/test_exercises.py",
                  "tests/unit/test_iam_validation.py", "tests/unit/test_iam.py"}


def scope_of(nodeid: str) -> str:
    """The unit xdist hands to one worker: a notebook or a serial module whole, any other test alone."""
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".ipynb") or path in SERIAL_MODULES else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)
    return Scheduling(config, log)
