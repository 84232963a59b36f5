"""docs/build_pages.py: the pages generated from notebooks and the catalogue."""
from __future__ import annotations

import dataclasses
import importlib.util
import types
from pathlib import Path

import pytest

from apigw_kit import catalogue

SPEC = importlib.util.spec_from_file_location("build_pages", Path(__file__).resolve().parents[2] / "docs" / "build_pages.py")
build_pages = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(build_pages)


def markdown(*sources: str) -> dict:
    return {"cells": [{"cell_type": "markdown", "source": s} if not s.startswith("run.")
                      else {"cell_type": "code", "source": s, "outputs": []} for s in sources]}


def test_what_changed_spans_cells_and_stops_at_the_next_section():
    notebook = markdown("# Title\n\n## Verify\n\nchecks",
                        "## What changed since the article\n\n- first",
                        "run.diagram()",
                        "### Detail\n\n- second ![d](../diagrams/x.png) [next](02_next.ipynb) [web](https://aws.amazon.com)",
                        "## Clean up\n\n- not this")
    assert build_pages.what_changed(notebook) == [
        "- first", "", "### Detail", "", "- second ![d](../diagrams/x.png) [next](02_next.ipynb) [web](https://aws.amazon.com)"]
    assert build_pages.what_changed(markdown("# Title", "## Clean up")) == []
    page = build_pages.what_changed_page({"01_x": ("Title", notebook)})
    assert "#### Detail" in page
    assert "![d](diagrams/x.png) [next](patterns/02_next.ipynb) [web](https://aws.amazon.com)" in page
    assert "not this" not in page


def test_troubleshooting_page_has_every_entry():
    page = build_pages.troubleshooting_page({})
    for entry in catalogue.CATALOGUE:
        assert f"({entry.id})=" in page
        assert build_pages.escape(entry.title) in page
        assert f"- **Observe it on AWS:** {build_pages.escape(entry.observe)}" in page
    assert "Try it" not in page  # no pages given: nothing to link an exercise to
    served = page.split("(health-matcher-without-403)=")[1].split("\n(")[0]  # a 200 while every target is unhealthy
    assert "**Where the trace warns:** health check" in served and "(HTTP 200)" in served


def test_troubleshooting_page_links_each_exercise_to_the_labs_it_plays_on():
    from apigw_kit.patterns import MODULES, load
    runs = [load(name) for name in MODULES]
    page = build_pages.troubleshooting_page({run.NOTEBOOK: (run.TITLE, None) for run in runs})
    for run in runs:
        for entry_id in run.EXERCISES:
            section = page.split(f"({entry_id})=")[1].split("\n(")[0]
            assert f'`run.exercise("{entry_id}")`' in section and f"<patterns/{run.NOTEBOOK}>" in section, entry_id


def test_a_change_in_the_catalogue_shape_stops_the_build():
    build_pages.check_catalogue_shape(catalogue)

    @dataclasses.dataclass(frozen=True)
    class Grown(catalogue.Misconfiguration):
        severity: str = "high"

    grown = types.SimpleNamespace(CATALOGUE=catalogue.CATALOGUE, Misconfiguration=Grown)
    with pytest.raises(build_pages.CatalogueShapeChanged, match="new \\['severity'\\]"):
        build_pages.check_catalogue_shape(grown)
    Shrunk = dataclasses.make_dataclass("Shrunk", [f.name for f in dataclasses.fields(catalogue.Misconfiguration)
                                                   if f.name != "cause"])
    with pytest.raises(build_pages.CatalogueShapeChanged, match="gone \\['cause'\\]"):
        build_pages.check_catalogue_shape(types.SimpleNamespace(CATALOGUE=catalogue.CATALOGUE, Misconfiguration=Shrunk))
    with pytest.raises(build_pages.CatalogueShapeChanged, match="no longer defines CATALOGUE"):
        build_pages.check_catalogue_shape(types.SimpleNamespace(entries=[]))
    with pytest.raises(build_pages.CatalogueShapeChanged, match="empty"):
        build_pages.check_catalogue_shape(types.SimpleNamespace(CATALOGUE=[], Misconfiguration=catalogue.Misconfiguration))


def test_catalogue_text_is_literal_markdown():
    assert build_pages.escape("arn:...:listener/app/<name>/*") == "arn:...:listener/app/\\<name\\>/\\*"
    assert build_pages.symptom('503 {"message":"x"} on every route') == '503 `{"message":"x"}` on every route'


def test_gallery_alt_text_says_what_the_diagram_shows(tmp_path):
    drawn, bare = tmp_path / "01_x.png", tmp_path / "02_y.png"
    drawn.with_suffix(".txt").write_text("Architecture diagram: X. requests from client enter at api;\napi -> link.\n")
    page = build_pages.gallery({"01_x": ("Title X", {})}, [drawn, bare])
    assert ":alt: Architecture diagram: X. requests from client enter at api; api -> link." in page
    assert ":alt: 02_y" in page  # no description drawn yet: the title stands in


def test_api_page_documents_the_probe():
    """run.request() and doctor --probe return apigw_kit.probe's Observation: readers find it in the reference."""
    assert ".. automodule:: apigw_kit.probe\n" in build_pages.api_page()
