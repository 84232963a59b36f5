"""Re-execute the committed notebooks in place on a fresh embedded AWS (make golden).

Each notebook runs in its own kernel, which starts its own seeded embedded AWS,
so the outputs repeat from run to run and nbval can compare them. Papermill's
timing metadata is stripped so that a re-run with the same outputs leaves git clean.

The committed notebooks are the workshop copy: a cell tagged
``injected-parameters`` right after the ``parameters`` cell turns the
exercises on. Papermill replaces that cell whenever it is given parameters
(``apigw-kit run`` always gives some), so a runbook run keeps the parameters
cell's ``exercises = False``; golden gives none, so the exercises run here.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import papermill

from apigw_kit.local import CLOCK_SCALE_VARIABLE
from apigw_kit.patterns.base import DIAGRAM_DIR_VARIABLE

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# Golden is the one run allowed to refresh the committed drawings; any other run draws elsewhere.
DIAGRAMS = NOTEBOOKS.parent / "diagrams"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
WORKSHOP_TAG = "injected-parameters"  # papermill's tag for the cell it replaces with a run's parameters
WORKSHOP_CELL = ("# Workshop copy: exercises on. A runbook run (apigw-kit run, papermill -p ...) replaces this\n"
                 "# cell with its own parameters, where exercises defaults to False.\n"
                 "exercises = True")


def ensure_workshop_cell(path: Path) -> None:
    """Put the cell that turns the exercises on right after the parameters cell (replacing any misplaced one)."""
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells if WORKSHOP_TAG not in c.metadata.get("tags", [])]
    index = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    present = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
    if present is not None and WORKSHOP_TAG in present.metadata.get("tags", []) and present.source == WORKSHOP_CELL:
        return
    cell = nbformat.v4.new_code_cell(WORKSHOP_CELL)
    cell.metadata["tags"] = [WORKSHOP_TAG]
    notebook.cells = cells[:index + 1] + [cell] + cells[index + 1:]
    nbformat.write(notebook, path)


def strip_run_metadata(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("papermill", None)
    notebook.metadata["kernelspec"] = KERNELSPEC
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


def main(names: list[str]) -> int:
    os.environ[DIAGRAM_DIR_VARIABLE] = str(DIAGRAMS)  # the kernels inherit it
    os.environ[CLOCK_SCALE_VARIABLE] = "0"  # outputs that depend on the calls made, not on the machine's speed
    paths = [NOTEBOOKS / n for n in names] if names else sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        print(f"golden: {path.name}", flush=True)
        ensure_workshop_cell(path)
        papermill.execute_notebook(str(path), str(path), kernel_name="python3", cwd=str(NOTEBOOKS),
                                   progress_bar=False)
        strip_run_metadata(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
