"""Re-execute the committed notebooks in place on a fresh embedded AWS (make golden).

Each notebook runs in its own kernel, which starts its own seeded embedded AWS,
so the outputs repeat from run to run and nbval can compare them. Papermill's
timing metadata is stripped so that a re-run with the same outputs leaves git clean.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import papermill

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def strip_run_metadata(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("papermill", None)
    notebook.metadata["kernelspec"] = KERNELSPEC
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


def main(names: list[str]) -> int:
    paths = [NOTEBOOKS / n for n in names] if names else sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        print(f"golden: {path.name}", flush=True)
        papermill.execute_notebook(str(path), str(path), kernel_name="python3", cwd=str(NOTEBOOKS),
                                   progress_bar=False)
        strip_run_metadata(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
