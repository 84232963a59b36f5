"""What the pattern tests ask of a run's Verify checks."""
from __future__ import annotations


def failing(run) -> dict[str, str]:
    """The checks that fail now: name -> detail."""
    checks = run.verify()
    return dict(zip(checks.loc[~checks["passed"], "check"], checks.loc[~checks["passed"], "detail"]))
