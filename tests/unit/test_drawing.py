"""Diagrams: a legend, the elements each lesson is about, and alt text beside the picture."""
from __future__ import annotations

import diagrams
import pytest

from apigw_kit import connect
from apigw_kit.drawing import LEGEND
from apigw_kit.patterns import https_custom_domain


@pytest.fixture
def drawn(monkeypatch):
    """The Graphviz source of every diagram rendered during the test."""
    sources: list[str] = []
    render = diagrams.Diagram.render

    def keep(self):
        sources.append(self.dot.source)
        return render(self)
    monkeypatch.setattr(diagrams.Diagram, "render", keep)
    return sources


def test_the_custom_domain_lesson_is_drawn_with_a_legend_and_alt_text(endpoint, drawn, tmp_path, monkeypatch):
    monkeypatch.setenv("APIGW_KIT_DIAGRAM_DIR", str(tmp_path))
    run = https_custom_domain.Run(cloud=connect("local", "eu-west-1"), lab_name="drawn").apply()
    image = run.diagram("02.png", trace=run.trace())
    source = drawn[-1]
    assert "cluster_Legend" in source and all(meaning in source for _, meaning in LEGEND)
    for element in ("custom domain", "A alias", "TLS certificate", "API mapping /",
                    "TLS, verifies private-integration.example.com"):
        assert element in source, element
    alt = (tmp_path / "02.txt").read_text()
    assert image.filename == str(tmp_path / "02.png")
    assert alt.startswith("Architecture diagram: ") and "enter at custom domain drawn-domain" in alt
    assert "record drawn-alias -> custom domain drawn-domain (A alias)" in alt and "\n" not in alt.strip()
