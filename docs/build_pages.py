"""Build-time pages of the docs site, written from the repository on every build.

conf.py calls ``main()``. It copies the committed, executed notebooks and their
diagrams into the site (``patterns/``, ``diagrams/``: a notebook's
``../diagrams/X.png`` then resolves the same way it does in the repository) and
writes the gallery, the "what changed since the articles" page, the
troubleshooting page (from ``apigw_kit.catalogue``) and the API reference.
Everything here is picked up by glob, so a new notebook or diagram appears
without an edit. All outputs are listed in docs/.gitignore.
"""
from __future__ import annotations

import dataclasses
import json
import pkgutil
import posixpath
import re
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
NOTEBOOKS = ROOT / "notebooks"
DIAGRAMS = ROOT / "diagrams"

WHAT_CHANGED = re.compile(r"^##\s+What changed since the articles?\s*$", re.IGNORECASE)
SECTION = re.compile(r"^#{1,2}\s")  # the heading that ends a "##" section
LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)")

# Modules of the API reference; the families under steps/ and patterns/ are found by listing the packages.
API_MODULES = ["cloud", "errors", "lab", "inventory", "drawing", "checks", "probe", "runbook"]
API_PACKAGES = ["steps", "patterns", "tracer"]

# Every field of catalogue.Misconfiguration is either shown on the troubleshooting page or
# deliberately left off it; a field the catalogue gains or loses stops the build here.
CATALOGUE_SHOWN = ("id", "title", "pattern", "symptom", "status", "hop", "cause", "fix", "observe", "reference",
                   "local_only")
CATALOGUE_LEFT_OFF = ("break_lab", "request", "fix_lab")  # code for the tests and workshop exercises, not for readers


class CatalogueShapeChanged(RuntimeError):
    """apigw_kit.catalogue no longer has the shape this generator renders."""


def write_if_changed(path: Path, content: str | bytes) -> None:
    """Write only real changes, so Sphinx's incremental build rebuilds only what changed."""
    data = content.encode() if isinstance(content, str) else content
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def mirror(sources: list[Path], folder: Path) -> None:
    """Make ``folder`` hold exactly ``sources`` (a deleted notebook or diagram leaves the site too)."""
    folder.mkdir(exist_ok=True)
    for stale in set(p.name for p in folder.iterdir()) - set(s.name for s in sources):
        (folder / stale).unlink()
    for source in sources:
        write_if_changed(folder / source.name, source.read_bytes())


def markdown_lines(notebook: dict) -> list[str]:
    """The notebook's markdown, a blank line between cells (each cell is its own block)."""
    return [line for cell in notebook["cells"] if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines() + [""]]


def title_of(notebook: dict, stem: str) -> str:
    return next((line[2:].strip() for line in markdown_lines(notebook) if line.startswith("# ")), stem)


def what_changed(notebook: dict) -> list[str]:
    """The body of the notebook's "## What changed since the article" section (markdown cells only)."""
    lines, inside = [], False
    for line in markdown_lines(notebook):
        if WHAT_CHANGED.match(line):
            inside = True
        elif inside and SECTION.match(line):
            break
        elif inside:
            lines.append(line)
    return "\n".join(lines).strip().splitlines()


def rebase_links(line: str, folder: str) -> str:
    """Relative links and images of a notebook in ``folder`` made relative to the docs root."""
    def rebase(match: re.Match) -> str:
        target = match.group(2)
        if re.match(r"^([a-z]+:|#|/)", target):
            return match.group(0)
        return match.group(1) + posixpath.normpath(posixpath.join(folder, target))
    return LINK.sub(rebase, line)


def escape(text: str) -> str:
    """Catalogue text as literal markdown (``<name>`` is not HTML, ``*`` not emphasis)."""
    return re.sub(r"([\\`*_\[\]<>{}|])", r"\\\1", text)


def symptom(text: str) -> str:
    """A symptom with the response body it quotes (``{"message": ...}``) shown as code."""
    body = re.search(r"\{.*\}", text)
    if not body:
        return escape(text)
    return f"{escape(text[:body.start()])}`{body.group(0)}`{escape(text[body.end():])}"


def pattern_pages(notebooks: list[Path]) -> dict[str, tuple[str, dict]]:
    return {nb.stem: (title_of(content := json.loads(nb.read_text()), nb.stem), content) for nb in notebooks}


def alt_text(diagram: Path, title: str) -> str:
    """What the drawing shows in words: the ``.txt`` apigw_kit.drawing writes beside it, else the title."""
    described = diagram.with_suffix(".txt")
    return " ".join(described.read_text().split()) if described.exists() else title


def gallery(pages: dict, diagrams: list[Path]) -> str:
    out = ["# Diagram gallery", "",
           "Each diagram is drawn by `apigw_kit.drawing` from the live inventory of a lab at the end of its "
           "notebook's run: the network interfaces with their addresses and, on each hop, the security-group "
           "rule that admits the traffic. Select a caption to open the walkthrough.", ""]
    for diagram in diagrams:
        title = pages[diagram.stem][0] if diagram.stem in pages else diagram.stem
        caption = f"{{doc}}`{escape(title)} <patterns/{diagram.stem}>`" if diagram.stem in pages else escape(title)
        out += [f":::{{figure}} diagrams/{diagram.name}", f":alt: {alt_text(diagram, title)}", ":width: 100%", "",
                caption, ":::", ""]
    if not diagrams:
        out.append("No diagram has been rendered yet (`make golden` draws them).")
    return "\n".join(out) + "\n"


def what_changed_page(pages: dict) -> str:
    out = ["# What changed since the articles", "",
           "The patterns come from articles written when API Gateway and Elastic Load Balancing offered less. "
           "Each walkthrough ends with what AWS has added since and where the kit departs from the original "
           "recipe; this page collects those sections, copied from the notebooks at build time.", ""]
    for stem, (title, notebook) in pages.items():
        body = what_changed(notebook)
        if not body:
            continue
        out += [f"## {title}", "", f"From {{doc}}`the walkthrough <patterns/{stem}>`.", ""]
        out += [rebase_links("#" + line if line.startswith("###") else line, "patterns") for line in body]
        out.append("")
    return "\n".join(out) + "\n"


def check_catalogue_shape(catalogue) -> None:
    if not hasattr(catalogue, "CATALOGUE") or not hasattr(catalogue, "Misconfiguration"):
        raise CatalogueShapeChanged("apigw_kit.catalogue no longer defines CATALOGUE and Misconfiguration; "
                                    "update docs/build_pages.py:troubleshooting_page to its new shape")
    fields = {f.name for f in dataclasses.fields(catalogue.Misconfiguration)}
    new, gone = fields - set(CATALOGUE_SHOWN) - set(CATALOGUE_LEFT_OFF), set(CATALOGUE_SHOWN) - fields
    if new or gone:  # a left-off field going away changes nothing on the page
        raise CatalogueShapeChanged(
            f"catalogue.Misconfiguration fields changed: new {sorted(new)}, gone {sorted(gone)}; "
            "render or leave off each one in docs/build_pages.py (CATALOGUE_SHOWN / CATALOGUE_LEFT_OFF)")
    if not catalogue.CATALOGUE:
        raise CatalogueShapeChanged("apigw_kit.catalogue.CATALOGUE is empty")


def notebook_of(pattern: str, pages: dict) -> str | None:
    """The page of a catalogue pattern id, when that pattern has a module and a committed notebook."""
    from apigw_kit import patterns
    if pattern not in patterns.MODULES:
        return None
    stem = patterns.load(pattern).NOTEBOOK
    return stem if stem in pages else None


def troubleshooting_page(pages: dict) -> str:
    from apigw_kit import catalogue
    check_catalogue_shape(catalogue)
    out = ["# Troubleshooting", "",
           "Misconfigurations people actually hit with private integrations: what the caller sees, why, and the "
           "fix. The list is `apigw_kit.catalogue.CATALOGUE`; the tests break a healthy lab in each of these ways "
           "and assert that the request tracer names the cause. To diagnose a live setup, trace one request "
           "through it with read-only calls:", "",
           "```python", "from apigw_kit import connect, trace", "",
           'cloud = connect("aws", "eu-west-1")', 'trace(cloud, "https://<api-id>.execute-api.eu-west-1.amazonaws.com/orders")',
           "```", "",
           "Each hop of the trace is a row with a verdict and a reason; the first failing hop predicts the status "
           "below. Some faults fail nothing: the request succeeds (a load balancer failing open to unhealthy targets, "
           "a bypass) and the hop that is wrong says so with a warning.", ""]
    from apigw_kit import patterns
    runs = [patterns.load(name) for name in patterns.MODULES]
    by_pattern: dict[str, list] = {}
    for entry in catalogue.CATALOGUE:
        by_pattern.setdefault(entry.pattern, []).append(entry)
    for pattern, entries in by_pattern.items():
        page = notebook_of(pattern, pages)
        out += [f"## Pattern `{pattern}`", ""]
        if page:
            out += [f"Built in {{doc}}`{escape(pages[page][0])} <patterns/{page}>`.", ""]
        for e in entries:
            status = "no HTTP response" if e.status is None else f"HTTP {e.status}"  # the symptom says why
            references = " ".join(f"<{url.strip()}>" for url in e.reference.split(";"))
            out += [f"({e.id})=", f"### {escape(e.title)}", "",
                    f"- **Symptom:** {symptom(e.symptom)} ({status})",
                    f"- **{'Where the trace warns' if e.status and 200 <= e.status < 300 else 'Where the trace stops'}:** "
                    f"{escape(e.hop)}",
                    f"- **Cause:** {escape(e.cause)}",
                    f"- **Fix:** {escape(e.fix)}",
                    f"- **Observe it on AWS:** {escape(e.observe)}",
                    f"- **Reference:** {references}",
                    f"- **Catalogue id:** `{e.id}`"]
            played = [run.NOTEBOOK for run in runs if e.id in run.EXERCISES and run.NOTEBOOK in pages]
            if played:
                out.append(f'- **Try it:** `run.exercise("{e.id}")` breaks the lab of '
                           + ", ".join(f"{{doc}}`{escape(pages[stem][0])} <patterns/{stem}>`" for stem in played)
                           + " this way, as a workshop exercise")
            if e.local_only:
                out.append("- AWS reaches this state on its own; only the embedded AWS can force it for an exercise.")
            out.append("")
    return "\n".join(out) + "\n"


def api_page() -> str:
    import apigw_kit
    out = ["# API reference", "",
           "The public modules of `apigw_kit` (source in `lib/apigw_kit/`). `connect`, `Cloud`, `trace` and the "
           "errors are also importable from the package itself.", ""]
    modules = [f"apigw_kit.{name}" for name in API_MODULES]
    for package in API_PACKAGES:
        modules.append(f"apigw_kit.{package}")
        path = Path(apigw_kit.__file__).parent / package
        modules += [f"apigw_kit.{package}.{m.name}" for m in sorted(pkgutil.iter_modules([str(path)]), key=lambda m: m.name)
                    if not m.name.startswith("_")]
    for module in modules:
        # autodoc writes reStructuredText, so the directive runs in an eval-rst block, not as MyST
        out += [f"## `{module}`", "", "```{eval-rst}", f".. automodule:: {module}", "   :members:", "```", ""]
    return "\n".join(out) + "\n"


def main() -> None:
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    diagrams = sorted(DIAGRAMS.glob("*.png"))
    mirror(notebooks, DOCS / "patterns")
    mirror(diagrams, DOCS / "diagrams")
    pages = pattern_pages(notebooks)
    write_if_changed(DOCS / "gallery.md", gallery(pages, diagrams))
    write_if_changed(DOCS / "what-changed.md", what_changed_page(pages))
    write_if_changed(DOCS / "troubleshooting.md", troubleshooting_page(pages))
    write_if_changed(DOCS / "api.md", api_page())


if __name__ == "__main__":
    main()
