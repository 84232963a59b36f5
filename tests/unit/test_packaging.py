"""pyproject.toml and environment.yml describe the same installation."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))

    assert "conda-forge" in environment["channels"]
    assert any(d.startswith("graphviz") for d in conda), "diagrams needs Graphviz's dot"
    # The Python floor is the same in both files.
    floor = re.search(r">=\s*([\d.]+)", project["requires-python"]).group(1)
    python = next(d for d in conda if d.startswith("python"))
    assert f">={floor}" in python
    # Python packages come from pyproject through pip, with the dev extra, and are not listed twice.
    assert pip == ["-e .[dev]"] and "dev" in project["optional-dependencies"]
    names = {re.split(r"[<>=\[ ]", d)[0].lower() for d in project["dependencies"]}
    assert not names & {re.split(r"[<>= ]", d)[0].lower() for d in conda}


def test_every_dependency_has_a_tested_range_and_a_reason():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    section = (ROOT / "README.md").read_text().split("## Dependencies and why", 1)[1]
    explained = {name.strip().split(" ")[0].split("[")[0].lower()
                 for row in section.splitlines() if row.startswith("| ") for name in row.split("|")[1].split(",")}
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name = re.split(r"[<>=\[ ]", requirement)[0].lower()
        assert ">=" in requirement and "<" in requirement, f"{requirement}: pin a tested range"
        assert name in explained, f"README does not say why {name} is there"
