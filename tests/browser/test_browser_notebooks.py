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


UNRUN = "_unrun_placeholder.ipynb"


def _executed_elsewhere(path):
    """A notebook run outside the browser (as nbconvert or nbval would), saved with outputs, no widget state."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("from backprop_lab import chain_rule_explorer\nchain_rule_explorer()"),
                nbformat.v4.new_code_cell("from backprop_lab import graph_stepper\ngraph_stepper()")]
    NotebookClient(nb, kernel_name="python3", store_widget_state=False, timeout=120).execute()
    nbformat.write(nb, path)


@pytest.mark.notebook(UNRUN)
def test_unrun_notebook_shows_a_placeholder_not_a_widget_repr(browser, lab):
    from .labpage import NotebookPage

    _executed_elsewhere(lab.root_dir / UNRUN)
    nb = NotebookPage(browser, lab, UNRUN).open()  # opened, never run in this kernel
    try:
        outputs = nb.page.locator(".jp-OutputArea-output")
        nb.page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output')]"
                                  ".filter(o => o.textContent.trim()).length >= 2")
        nb.page.wait_for_timeout(1000)  # let the widget renderer settle on its fallback
        texts = [outputs.nth(i).inner_text() for i in range(outputs.count())]
        shot = nb.screenshot(ARTIFACTS / "unrun_placeholder.png")
        page_text = "\n".join(texts)
        assert "▶ Run this cell to use the live chain rule explorer." in page_text, (texts, shot)
        assert "▶ Run this cell to use the live graph stepper." in page_text, (texts, shot)
        assert "VBox(" not in page_text and "HTML(value" not in page_text, (texts, shot)
    finally:
        nb.close()
