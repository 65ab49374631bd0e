"""The learner's first look: `make lab` itself, and an explorer in Jupyter Notebook 7.

These start their own servers (the README's `make lab`, and `jupyter notebook`) on free loopback
ports, so they do not share the JupyterLab session the lesson tests use.
"""

import json
import math
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from .labdriver import ARTIFACTS, CHROMIUM_ARGS, free_port, http_status, notebook7_server, stop_process_group

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _sessions(base, token):
    """The server's sessions (notebook ↔ kernel), from its REST API."""
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=5) as r:
        return json.loads(r.read())


@pytest.fixture
def page(chromium, playwright, tmp_path):
    """A fresh headless Chromium page, in a browser with a profile of its own."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def checkout(tmp_path):
    """What `make lab` reads, copied with its times (so make rebuilds nothing), beside the repo's .venv."""
    where = tmp_path / "checkout"
    for name in ("notebooks", "jupyter-config", "docs"):
        shutil.copytree(ROOT / name, where / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "my_engine.py"))
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, where / name)
    (where / ".venv").symlink_to(ROOT / ".venv")
    return where


@pytest.fixture
def make_lab(checkout, tmp_path):
    """`make lab` exactly as the README gives it, in a copy of the checkout, on a free port; yields (url, port)."""
    port = free_port()
    log = open(tmp_path / "make-lab.log", "w+")
    env = dict(os.environ, PORT=str(port), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    proc = subprocess.Popen(["make", "-s", "lab"], cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        url, deadline = None, time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            log.seek(0)
            found = re.search(r"Open (http://127\.0\.0\.1:\d+/\S+\?token=\S+)", log.read())
            if found and http_status(f"http://127.0.0.1:{port}/api/status") in (200, 403):
                url = found.group(1)
                break
            time.sleep(0.5)
        log.seek(0)
        assert url, f"make lab printed no URL or did not answer:\n{log.read()[-3000:]}"
        yield url, port
    finally:
        stop_process_group(proc)
        log.close()


def test_make_lab_opens_on_the_lessons_with_no_prompts(checkout, make_lab, page):
    url, port = make_lab
    token = url.split("token=")[1]
    base = f"http://127.0.0.1:{port}"
    # Security: loopback with a token; without the token the API refuses.
    assert http_status(f"{base}/api/contents/notebooks") == 403
    assert http_status(f"{base}/api/contents/notebooks?token={token}") == 200  # the solved edition, to read
    # The lessons' relative links resolve: lesson 3 links ../README.md, and the root is the repo.
    assert http_status(f"{base}/api/contents/README.md?token={token}") == 200
    # It opens the learner's edition (my_lessons/, made by this first run) on lesson 1, not the Launcher.
    assert "/lab/tree/my_lessons/01_derivatives.ipynb?token=" in url
    assert http_status(f"{base}/api/contents/my_lessons/01_derivatives.ipynb?token={token}") == 200
    assert (checkout / "my_lessons" / "solutions.json").is_file()
    page.goto(url)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    assert page.locator(".lm-TabBar-tab.lm-mod-current", has_text="01_derivatives.ipynb").count() >= 1
    assert page.locator(".jp-Launcher").count() == 0
    listing = page.locator(".jp-DirListing-content")
    listing.get_by_text("01_derivatives.ipynb").wait_for(timeout=60_000)
    assert page.locator(".jp-BreadCrumbs").inner_text().strip().strip("/").endswith("my_lessons")
    lesson1 = (checkout / "my_lessons" / "01_derivatives.ipynb").read_text()
    assert 'raise NotImplementedError(\\"Exercise 1.1:' in lesson1
    time.sleep(4)  # the news question, when enabled, appears a moment after start-up
    body = page.locator("body").inner_text()
    assert "Jupyter news" not in body and "check for updates" not in body.lower(), body[-500:]
    assert page.locator(".jp-Dialog").count() == 0


@pytest.fixture
def notebook7(tmp_path):
    """A Jupyter Notebook 7 server on a notebook with the chain-rule explorer; yields (base, token)."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("from backprop_lab import chain_rule_explorer\nchain_rule_explorer()")]
    (tmp_path / "root").mkdir()
    nbformat.write(nb, tmp_path / "root" / "chain.ipynb")
    with notebook7_server(tmp_path / "root", tmp_path / "home") as server:
        yield server


def test_an_explorer_slider_works_in_notebook_7(notebook7, page):
    base, token = notebook7
    page.goto(f"{base}/notebooks/chain.ipynb?token={token}")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=60_000)
    deadline = time.monotonic() + 90  # wait for the page's kernel to be up before running the cell
    while not any(s["kernel"]["execution_state"] == "idle" for s in _sessions(base, token)):
        assert time.monotonic() < deadline, "Notebook 7 started no kernel"
        time.sleep(0.5)
    prompt = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first
    for _ in range(4):  # the page may still be connecting to the kernel: run again until it runs
        page.locator(".jp-Notebook .jp-CodeCell .cm-content").first.click()
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function("el => /\\[(\\d+|\\*)\\]/.test(el.textContent)", arg=prompt.element_handle(),
                                   timeout=15_000)
            break
        except Exception:  # noqa: BLE001 - not run yet; try again
            continue
    box = page.locator(".backprop-lab-explorer").first
    try:
        box.wait_for(timeout=60_000)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "notebook7_chain_rule.png"))
    grad = box.locator('td.bl-value[data-name="dL/dx"]').first
    grad.wait_for(timeout=30_000)
    before = grad.inner_text().strip()
    handle, track = box.locator(".noUi-handle").first.bounding_box(), box.locator(".noUi-base").first.bounding_box()
    y = handle["y"] + handle["height"] / 2
    page.mouse.move(handle["x"] + handle["width"] / 2, y)  # drag x to the right end, as a learner would
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] + 20, y, steps=8)
    page.mouse.up()
    deadline = time.monotonic() + 20  # the explorer redraws its table, so poll the locator, not an element
    while grad.inner_text().strip() == before:
        assert time.monotonic() < deadline, "dL/dx did not change after the slider moved"
        time.sleep(0.2)
    time.sleep(0.5)  # let the last redraw land
    x = float(box.locator('td.bl-value[data-name="x"]').first.inner_text().replace("\u2212", "-"))
    u = 3 * x + 2  # L = sin((3x+2)^2), so dL/dx = cos(u^2)·2u·3
    want = math.cos(u * u) * 2 * u * 3
    got = float(grad.inner_text().strip().replace("\u2212", "-"))
    assert got == pytest.approx(want, rel=1e-4, abs=1e-4), (x, got, want)
