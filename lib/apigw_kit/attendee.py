"""Attendees' copies of the notebooks, without outputs (make lab).

The committed notebooks keep the outputs of a seeded run: the docs site shows them and
nbval compares against them. An attendee working from those would see every answer
before running a cell, so a workshop works in copies stripped by nbstripout (outputs,
execution counts and run metadata go; sources, tags and the workshop cell stay).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


def copy_notebooks(source: Path, target: Path) -> list[Path]:
    """Copy the notebooks of ``source`` that ``target`` lacks, stripped; return the copies made.

    A copy already there is an attendee's work in progress: it is left as it is (delete it to start over).
    """
    target.mkdir(parents=True, exist_ok=True)
    made = [target / n.name for n in sorted(source.glob(NOTEBOOK_GLOB)) if not (target / n.name).exists()]
    for copy in made:
        shutil.copyfile(source / copy.name, copy)
    if made:
        subprocess.run([sys.executable, "-m", "nbstripout", *map(str, made)], check=True)
    return made


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m apigw_kit.attendee NOTEBOOKS_DIR WORKING_DIR", file=sys.stderr)
        return 2
    made = copy_notebooks(Path(argv[0]), Path(argv[1]))
    print(f"attendee copies in {argv[1]}: {len(made)} new, existing copies kept")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
