"""The docs site in Debian's headless Chromium, served on 127.0.0.1 and nowhere else.

The site is built as `make docs` builds it (warnings are errors); every page is
loaded, every internal link (and its #fragment) must resolve, every image must
load with a non-zero size, and each pattern page is saved as a screenshot under
docs/_build/screenshots/. Any request to another host is refused and reported:
the site must work offline.
"""
from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import sync_playwright

from apigw_kit.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "docs" / "_build" / "html"
SCREENSHOTS = ROOT / "docs" / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; `make test` installs it (Playwright's own download cannot run here)
# The machine has no network: without these Chromium keeps trying to reach update, sync and field-trial
# servers. Debian's wrapper still has it look up update.googleapis.com and accounts.google.com, so the
# resolver answers "not found" for every name but 127.0.0.1 without asking DNS. Playwright already gives
# each launch a fresh --user-data-dir.
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

# reStructuredText or MyST that reached the page as text instead of being rendered (e.g. autodoc output in MyST)
UNRENDERED = re.compile(r"^\.\. [a-z]+(:[a-z]+)?::|\{[a-z][a-z:-]*\}`", re.MULTILINE)
IMAGES_JS = """async () => Promise.all([...document.images].map(async (img) => {
    img.loading = "eager";
    try { await img.decode(); } catch (e) {}
    return {src: img.currentSrc || img.src, width: img.naturalWidth, height: img.naturalHeight};
}))"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def page_url(url: str) -> str:
    """A link's document: no fragment, a folder meaning its index.html."""
    url = urldefrag(url).url
    return url + "index.html" if url.endswith("/") else url


def audit(browser, base: str, paths: list[str], screenshots: dict[str, Path] | None = None) -> dict:
    """Load ``paths`` under ``base``; return the problems found and what each page showed."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def only_this_machine(route):
        if urlsplit(route.request.url).hostname != "127.0.0.1":
            problems.append(f"request to another host: {route.request.url}")
            return route.abort()
        return route.continue_()

    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{page.url}: {r.url} answered {r.status}"))
    ids: dict[str, set[str]] = {}
    images: dict[str, list[dict]] = {}
    links: list[tuple[str, str]] = []
    for path in paths:
        url = base + path
        response = page.goto(url, wait_until="load")
        if response is None or not response.ok:
            problems.append(f"{path}: page did not load ({response and response.status})")
            continue
        ids[url] = set(page.eval_on_selector_all("[id], a[name]", "els => els.map(e => e.id || e.name)"))
        images[path] = page.evaluate(IMAGES_JS)
        problems += [f"{path}: image {i['src']} has no size ({i['width']}x{i['height']})"
                     for i in images[path] if not (i["width"] > 0 and i["height"] > 0)]
        problems += [f"{path}: unrendered markup {m.group(0)!r}" for m in UNRENDERED.finditer(page.inner_text("body"))]
        links += [(path, href) for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
                  if href.startswith(base)]
        if screenshots and path in screenshots:
            page.screenshot(path=str(screenshots[path]), full_page=True)
    for path, href in links:
        target, fragment = page_url(href), urldefrag(href).fragment
        if target not in ids:
            status = context.request.get(target).status
            if status != 200:
                problems.append(f"{path}: link {href} answered {status}")
        elif fragment and fragment not in ids[target]:
            problems.append(f"{path}: link {href} names no element on its page")
    context.close()
    return {"problems": problems, "images": images, "ids": ids, "links": links}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site():
    """The site, built as `make docs` builds it."""
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "docs", str(SITE)],
                           cwd=ROOT, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    return SITE


def test_every_page_loads_with_its_links_and_images(browser, site):
    built = (p.relative_to(site) for p in site.rglob("*.html"))
    pages = sorted(p.as_posix() for p in built if p.parts[0] != "_static")  # _static holds theme templates, not pages
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    diagrams = sorted(p.name for p in (ROOT / "diagrams").glob("*.png"))
    pattern_pages = {f"patterns/{stem}.html": SCREENSHOTS / f"{stem}.png" for stem in notebooks}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(site) as base:
        seen = audit(browser, base, pages, screenshots=pattern_pages)

    assert seen["problems"] == []
    assert sorted(p for p in pages if p.startswith("patterns/")) == sorted(pattern_pages)
    for path, shot in pattern_pages.items():
        assert shot.stat().st_size > 0, path
    gallery = {Path(urlsplit(i["src"]).path).name for i in seen["images"]["gallery.html"]}
    assert set(diagrams) <= gallery
    for diagram in diagrams:
        page = f"patterns/{Path(diagram).stem}.html"
        if page in pattern_pages:  # the notebook shows its own diagram at the top
            assert diagram in {Path(urlsplit(i["src"]).path).name for i in seen["images"][page]}
    troubleshooting = seen["ids"][base + "troubleshooting.html"]
    assert {entry.id for entry in CATALOGUE} <= troubleshooting
    assert len(seen["links"]) > len(pages)  # the navigation was read, not an empty page


def test_audit_reports_broken_links_images_and_other_hosts(browser, tmp_path):
    (tmp_path / "index.html").write_text(
        '<a href="missing.html">gone</a> <a href="other.html#nowhere">bad anchor</a> '
        '<a href="other.html#here">good</a> <img src="absent.png"> <img src="corrupt.png"> '
        '<img src="good.png"> <p>{doc}`api`</p> <pre>.. automodule:: apigw_kit</pre> <link rel="stylesheet" href="https://example.invalid/theme.css">')
    (tmp_path / "other.html").write_text('<h1 id="here">here</h1>')
    (tmp_path / "corrupt.png").write_bytes(b"not a png")
    (tmp_path / "good.png").write_bytes(ONE_PIXEL_PNG)
    with serve(tmp_path) as base:
        problems = "\n".join(audit(browser, base, ["index.html", "other.html"])["problems"])

    assert "link " + base + "missing.html answered 404" in problems
    assert "other.html#nowhere names no element" in problems
    assert "#here" not in problems
    assert "absent.png has no size" in problems and "corrupt.png has no size" in problems
    assert "good.png" not in problems
    assert "unrendered markup '{doc}`'" in problems and "unrendered markup '.. automodule::'" in problems
    assert "request to another host: https://example.invalid/theme.css" in problems


ONE_PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082")
