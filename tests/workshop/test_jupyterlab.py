"""A workshop attendee's view: JupyterLab on 127.0.0.1, pattern 1 opened, Run > Run All Cells, in headless Chromium.

JupyterLab runs as `make lab` runs it (the kit's venv as kernel, AWS_ENDPOINT_URL
set to the embedded AWS), with a token, on a free port, over a copy of the
notebook with its outputs cleared, so everything shown was produced in this
run and the committed notebook is never autosaved over. The test asserts that
every cell ran, that no cell shows a traceback, and that the diagram is
displayed; the page is saved as build/workshop/01_http_api_vpc_link_alb.png.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "site"))
from test_docs_site import CHROMIUM_ARGS, browser  # noqa: E402,F401  the docs site's Chromium launch (a module fixture)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "01_http_api_vpc_link_alb"
SCREENSHOTS = ROOT / "build" / "workshop"
# JupyterLab settings for a machine without network: no news or update checks; every cell in the DOM
# (windowing would detach the cells scrolled out of view, hiding their outputs from the assertions).
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}
PROMPTS_JS = "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim())"
TRACEBACK_JS = """() => [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(o => o.textContent).filter(t => t.includes('Traceback') || /\\w+Error\\b/.test(t))"""
# Collapsed (solution) cells show an empty prompt; every other code cell must show its execution count.
DONE_JS = f"""(expected) => {{
    const prompts = ({PROMPTS_JS})().filter(p => p !== '');
    const failed = ({TRACEBACK_JS})().length > 0;
    return !prompts.some(p => p.includes('*')) && (failed || prompts.filter(p => /^\\[\\d+\\]:$/.test(p)).length === expected);
}}"""
IMAGES_JS = """(selector) => [...document.querySelectorAll(selector)].map(img => img.naturalWidth)"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def workshop_copy(folder: Path) -> Path:
    """notebooks/<pattern>.ipynb without outputs, beside the diagrams folder its cells read and write."""
    (folder / "notebooks").mkdir()
    shutil.copytree(ROOT / "diagrams", folder / "diagrams")
    notebook = nbformat.read(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, folder / "notebooks" / f"{NOTEBOOK}.ipynb")
    for name, values in SETTINGS.items():
        path = folder / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return folder


@pytest.fixture
def jupyterlab(endpoint, tmp_path):
    """JupyterLab over a workshop copy: yields (base URL, token)."""
    folder, port, token = workshop_copy(tmp_path), free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--ip", "127.0.0.1", "--port", str(port), "--no-browser", "--allow-root",
         f"--ServerApp.root_dir={folder}", f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0",
         f"--LabApp.user_settings_dir={folder / 'settings'}", f"--LabApp.workspaces_dir={folder / 'workspaces'}",
         "--LabApp.news_url=", "--LabApp.extension_manager=readonly"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.1)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_pattern1_runs_in_jupyterlab(browser, jupyterlab):
    base, token = jupyterlab
    other_hosts: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def only_this_machine(route):
        if urlsplit(route.request.url).hostname != "127.0.0.1":
            other_hosts.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.goto(f"{base}/lab/tree/notebooks/{NOTEBOOK}.ipynb?token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=60_000)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=60_000)  # the kernel has started

    cells = [c for c in nbformat.read(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4).cells if c.cell_type == "code"]
    shown = sum(not c.metadata.get("jupyter", {}).get("source_hidden") for c in cells)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.wait_for_function(DONE_JS, arg=shown, timeout=300_000, polling=500)  # generous: CI runs it beside the fault sweep
    except PlaywrightTimeout:
        page.screenshot(path=str(SCREENSHOTS / f"{NOTEBOOK}-timeout.png"))
        pytest.fail(f"cells still running or never run: {page.evaluate(PROMPTS_JS)}")

    tracebacks = page.evaluate(TRACEBACK_JS)
    prompts = [p for p in page.evaluate(PROMPTS_JS) if p]
    diagram = page.locator('.jp-OutputArea-output[data-mime-type="image/png"] img').last
    diagram.scroll_into_view_if_needed(timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / f"{NOTEBOOK}.png"))
    drawn = page.evaluate(IMAGES_JS, '.jp-OutputArea-output[data-mime-type="image/png"] img')
    heading = page.evaluate(IMAGES_JS, ".jp-MarkdownOutput img")
    context.close()

    assert tracebacks == []
    assert len(prompts) == shown and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), prompts
    assert drawn and all(width > 0 for width in drawn), drawn  # run.diagram() output
    assert heading and all(width > 0 for width in heading), heading  # the diagram at the top of the notebook
    assert other_hosts == []
