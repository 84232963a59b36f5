"""What a test suite counted as it went (the reliability figures), added up over xdist's workers.

Each worker counts its own cases; at its session's end it hands its figures to
the controller (``workeroutput``), which adds them up and prints them once.
"""
from __future__ import annotations

import pytest

FIGURES_KEY = "reliability figures"
_TOTALS = pytest.StashKey[dict]()


def add_figures(config: pytest.Config, figures: dict[str, int]) -> None:
    totals = config.stash.setdefault(_TOTALS, {})
    for figure, value in figures.items():
        totals[figure] = totals.get(figure, 0) + value


def print_figures(terminalreporter) -> None:
    totals = terminalreporter.config.stash.get(_TOTALS, {})
    if not any(totals.values()):
        return
    terminalreporter.section(FIGURES_KEY)
    width = max(map(len, totals))
    for figure, value in totals.items():
        terminalreporter.write_line(f"{figure:<{width}}  {value:>6}")
