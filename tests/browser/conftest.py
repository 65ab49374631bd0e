"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per session.

The server serves a temporary copy of notebooks/ (plus two tiny harness notebooks that check the
tooling itself). Each notebook is opened in its own tab and run once; the run-all test and the
explorer tests of that notebook share the tab (tests are grouped by notebook so at most two tabs
and kernels are alive at a time).
"""

import importlib.util
import shutil
import tempfile
from collections import OrderedDict

import pytest

from .labdriver import (
    ARTIFACTS, CHROMIUM_ARGS, HARNESS, HARNESS_ERROR, ROUNDTRIPS, LabServer, chromium_path,
    copy_notebooks, notebook_named,
)
from .labpage import NotebookPage


def pytest_collection_modifyitems(session, config, items):
    """Run the browser tests last, grouped by notebook (run-all first), so each notebook is opened once.

    Last, because Playwright's sync API keeps an event loop running in the test process until the
    session ends, and an explorer driven by a unit test would take that loop for a kernel's.
    """
    browser = [item for item in items if item.get_closest_marker("browser")]
    items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser
    slots = [i for i, item in enumerate(items) if item.get_closest_marker("browser")]

    def key(item):
        mark = item.get_closest_marker("notebook")
        if mark:
            name = notebook_named(mark.args[0]) or mark.args[0]
        else:
            name = item.callspec.params.get("nb_name", "") if hasattr(item, "callspec") else ""
        first = 0 if item.originalname == "test_notebook_runs_clean" else 1
        return (name, first)

    ordered = sorted((items[i] for i in slots), key=key)
    for i, item in zip(slots, ordered):
        items[i] = item


def pytest_configure(config):
    config.addinivalue_line("markers", "notebook(prefix): the lesson notebook a browser test acts on")


def pytest_terminal_summary(terminalreporter):
    """Print the measured slider round trips (browser key press → changed number on the page)."""
    if not ROUNDTRIPS:
        return
    lines = ["slider round trip, key press → changed number on the page (ms):"]
    for name, ms in ROUNDTRIPS.items():
        s = sorted(ms)
        p90 = s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]
        lines.append(f"  {name:<22} n={len(s):>3}  median={s[len(s) // 2]:7.1f}  p90={p90:7.1f}  "
                     f"min={s[0]:7.1f}  max={s[-1]:7.1f}")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "roundtrip.txt").write_text("\n".join(lines) + "\n")
    terminalreporter.write_sep("-", "browser round trips")
    for line in lines:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def chromium():
    """Path of the Chromium to drive; skips (naming what is missing) when there is none."""
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is missing (looked at $CHROMIUM_PATH, else /usr/bin/chromium): "
                    "run `make test` (it installs it) or `sudo apt-get install -y chromium`")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("the python package playwright is missing: run `make setup`")
    return path


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory):
    """A JupyterLab server on a temporary copy of notebooks/ (plus the harness notebooks)."""
    base = tmp_path_factory.mktemp("lab")
    root = copy_notebooks(base / "notebooks")
    write_harness_notebooks(root / HARNESS, root / HARNESS_ERROR)
    server = LabServer(root, base / "home")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def playwright(chromium):
    """Playwright's sync API, started once for the session (a second start in one process fails)."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(chromium, lab, playwright):
    """A headless Chromium context with a fresh profile."""
    profile = tempfile.mkdtemp(prefix="bl-chromium-")
    try:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
        try:
            yield context
        finally:
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class NotebookTabs:
    """Opens and runs each notebook once; keeps the last two tabs (and kernels), closes older ones."""

    keep = 2

    def __init__(self, context, server):
        self.context = context
        self.server = server
        self.tabs = OrderedDict()

    def get(self, name):
        """The tab of notebook ``name``, opened and run (Run All) on first use."""
        if name in self.tabs:
            self.tabs.move_to_end(name)
            self.tabs[name].page.bring_to_front()  # a background tab is throttled
            return self.tabs[name]
        while len(self.tabs) >= self.keep:
            old_name, old = self.tabs.popitem(last=False)
            old.close()
            self._shutdown(old_name)
        nb = NotebookPage(self.context, self.server, name).open()
        self.tabs[name] = nb
        try:
            nb.run_seconds = nb.run_all()
        except Exception as exc:  # keep the tab; the tests report what they see
            nb.run_seconds = None
            nb.run_failure = exc
        return nb

    def _shutdown(self, name):
        """Shut down the kernel of a closed notebook."""
        try:
            for s in self.server.api("sessions"):
                if s.get("path", "").endswith(name):
                    self.server.api(f"sessions/{s['id']}", method="DELETE")
        except Exception:  # noqa: BLE001 - cleanup only
            pass


@pytest.fixture(scope="session")
def tabs(browser, lab):
    """The session's notebook tabs."""
    return NotebookTabs(browser, lab)


def write_harness_notebooks(ok_path, error_path):
    """Two tiny notebooks that check the tooling: a slider driving a number, and a failing cell."""
    import nbformat

    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    code = (
        "import ipywidgets as W\n"
        "s = W.FloatSlider(value=2.0, min=-4.0, max=4.0, step=0.1, description='x')\n"
        "n = W.IntSlider(value=3, min=0, max=10, description='n')\n"
        "out = W.HTML()\n"
        "def upd(change=None):\n"
        "    out.value = ('<table><tr><td class=\"bl-value\" data-name=\"x^2\">%.4f</td>'\n"
        "                 '<td class=\"bl-value\" data-name=\"n\">%d</td></tr></table>'\n"
        "                 '<svg width=\"40\" height=\"20\"><text x=\"1\" y=\"15\">%.1f</text></svg>'\n"
        "                 % (s.value ** 2, n.value, s.value))\n"
        "s.observe(upd, names='value'); n.observe(upd, names='value'); upd()\n"
        "b = W.Button(description='reset')\n"
        "b.on_click(lambda _: setattr(s, 'value', 2.0))\n"
        "box = W.VBox([W.HTML('<b>Square explorer</b>'), s, n, b, out])\n"
        "box.add_class('backprop-lab-explorer')\n"
        "box"
    )
    ok = nbformat.v4.new_notebook(metadata=meta)
    ok.cells = [nbformat.v4.new_markdown_cell("# Harness"), nbformat.v4.new_code_cell(code),
                nbformat.v4.new_code_cell(""), nbformat.v4.new_code_cell("print('done')")]
    nbformat.write(ok, ok_path)
    bad = nbformat.v4.new_notebook(metadata=meta)
    bad.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0"),
                 nbformat.v4.new_code_cell("print('never runs')")]
    nbformat.write(bad, error_path)
