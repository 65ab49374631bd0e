"""Every lesson notebook, opened in JupyterLab in headless Chromium: Run All, no error, widgets drawn."""

import json
import re

import pytest

from .labdriver import ARTIFACTS, NOTEBOOKS, notebook_names

pytestmark = pytest.mark.browser

# A widget view is an output element without a data-mime-type (ipywidgets 8 in JupyterLab 4).
WIDGET_OUTPUTS = ".jp-OutputArea-output:not([data-mime-type])"
EXPLORER_CALL = re.compile(r"^[\w.]*(_explorer|graph_stepper)\(")


def explorers_called(nb_name):
    """How many code cells end by calling an explorer (so the page must show at least that many)."""
    cells = json.loads((NOTEBOOKS / nb_name).read_text())["cells"]
    count = 0
    for cell in cells:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = [ln for ln in src.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if cell["cell_type"] == "code" and lines and EXPLORER_CALL.match(lines[-1].strip()):
            count += 1
    return count


@pytest.mark.parametrize("nb_name", notebook_names())
def test_notebook_runs_clean(tabs, nb_name):
    nb = tabs.get(nb_name)
    # Widget views render after the kernel is idle; let every one draw before the screenshot.
    nb.page.wait_for_function(
        f"""() => [...document.querySelectorAll('{WIDGET_OUTPUTS}')]
                  .every(o => o.querySelector('.jupyter-widgets') || o.textContent.includes('Error'))""")
    shot = nb.screenshot(ARTIFACTS / f"{nb_name.removesuffix('.ipynb')}.png")
    failure = getattr(nb, "run_failure", None)
    assert failure is None, f"{failure}\nscreenshot: {shot}"
    state = nb.state()
    assert state["status"] == "idle" and state["star"] == 0 and state["pending"] == 0, (
        f"{nb_name}: cells not run: {state}; screenshot: {shot}")
    assert nb.errors() == [], f"{nb_name}: error output in the page (screenshot: {shot})"
    outputs = nb.page.locator(WIDGET_OUTPUTS)
    for i in range(outputs.count()):
        assert outputs.nth(i).locator(".jupyter-widgets").count() > 0, (
            f"{nb_name}: widget output {i} did not render: {outputs.nth(i).inner_text()[:300]!r}")
    assert nb.explorers().count() >= explorers_called(nb_name), f"{nb_name}: an explorer did not render"
    for i in range(nb.explorers().count()):  # one picture per explorer, as a learner first sees it
        box = nb.explorers().nth(i)
        box.scroll_into_view_if_needed()
        box.screenshot(path=str(ARTIFACTS / "explorers" / f"{nb_name.removesuffix('.ipynb')}_{i + 1}.png"))
    print(f"\n{nb_name}: Run All took {nb.run_seconds:.1f}s, {outputs.count()} widget outputs, "
          f"{nb.explorers().count()} explorers; screenshot {shot}")
