"""make lab's attendee copies: no outputs, the same cells, the committed notebooks untouched."""
from __future__ import annotations

from pathlib import Path

import nbformat

from apigw_kit.attendee import NOTEBOOK_GLOB, copy_notebooks

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_copies_have_no_outputs_and_the_committed_notebooks_stay(tmp_path):
    committed = {p.name: p.read_bytes() for p in NOTEBOOKS.glob(NOTEBOOK_GLOB)}
    assert any(c.get("outputs") for c in nbformat.read(NOTEBOOKS / sorted(committed)[0], 4).cells)  # what is stripped
    made = copy_notebooks(NOTEBOOKS, tmp_path / "workshop")
    assert sorted(p.name for p in made) == sorted(committed)
    for copy in made:
        original, stripped = nbformat.read(NOTEBOOKS / copy.name, 4), nbformat.read(copy, 4)
        code = [c for c in stripped.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code)
        assert [c.source for c in stripped.cells] == [c.source for c in original.cells]
        assert [c.metadata.get("tags") for c in stripped.cells] == [c.metadata.get("tags") for c in original.cells]
    assert {p.name: p.read_bytes() for p in NOTEBOOKS.glob(NOTEBOOK_GLOB)} == committed


def test_an_attendees_work_is_kept(tmp_path):
    first = copy_notebooks(NOTEBOOKS, tmp_path)[0]
    first.write_text(first.read_text().replace("run.plan()", "run.plan()  # my note"))
    assert copy_notebooks(NOTEBOOKS, tmp_path) == []
    assert "# my note" in first.read_text()
