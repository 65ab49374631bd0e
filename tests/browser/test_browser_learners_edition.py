"""The learner's edition in JupyterLab, used as a learner would: one blank, typed wrong twice, then right.

The edition is made by the generator `make lab` runs (python -m backprop_lab.edition) into
my_lessons/ beside the copied lessons. A wrong answer shows the hint; a second wrong one offers the
solution (from solutions.json beside the lesson); the right one passes.
"""

import subprocess
import sys

import pytest

from .labdriver import ARTIFACTS
from .labpage import NotebookPage

pytestmark = pytest.mark.browser

LESSON = "01_derivatives.ipynb"
CENTRAL = "return (f(x + h) - f(x - h)) / (2 * h)"  # a central difference, where 1.1 asks for x and x + h
HEIGHT = "return f(x)"  # not a slope at all
RIGHT = "return (f(x + h) - f(x)) / h"


@pytest.fixture(scope="module")
def learners_lesson(browser, lab):
    """Lesson 1 of the learner's edition, opened and run top to bottom with its blanks."""
    root = lab.root_dir
    subprocess.run([sys.executable, "-m", "backprop_lab.edition", str(root), str(root / "my_lessons")],
                   check=True, capture_output=True)
    nb = NotebookPage(browser, lab, f"my_lessons/{LESSON}").open()
    try:
        nb.run_all()
        yield nb
    finally:
        nb.close()


def _cell_with(nb, text):
    cells = nb.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").filter(
        has=nb.page.locator(".jp-InputArea", has_text=text))
    assert cells.count() == 1, f"expected one cell with {text!r}, found {cells.count()}"
    return cells.first


def _answer(nb, body):
    """Type ``body`` as the blank's one line (in place of the raise line), run the cell and its check."""
    cell = _cell_with(nb, "# Exercise 1.1:")
    editor = cell.locator(".cm-content")
    editor.click()
    nb.page.keyboard.press("Control+a")
    nb.page.keyboard.insert_text(
        "# Exercise 1.1: return the slope of f at x from the points x and x + h\n"
        "def numeric_derivative(f, x, h=1e-5):\n"
        '    "The slope of f at x, from the points x and x + h."\n'
        f"    {body}\n")
    check = cell.locator("xpath=following-sibling::div[contains(@class, 'jp-CodeCell')][1]")
    old = check.locator(".jp-InputPrompt").inner_text()
    nb.page.keyboard.press("Shift+Enter")  # run the answer; the check cell below is selected
    nb.page.keyboard.press("Shift+Enter")  # run the check
    nb.page.wait_for_function(
        "([el, old]) => { const p = el.textContent.trim(); return p !== old && /\\[\\d+\\]/.test(p); }",
        arg=[check.locator(".jp-InputPrompt").element_handle(), old.strip()])
    verdict = check.locator(".backprop-lab-verdict")
    verdict.wait_for()
    return verdict


def test_a_blank_gives_a_hint_then_the_solution_then_passes(learners_lesson):
    nb = learners_lesson
    assert nb.errors() == [], "lesson 1's blanks only raise when called, so Run All shows no error"
    blank = _cell_with(nb, "# Exercise 1.1:")
    assert 'raise NotImplementedError("Exercise 1.1:' in blank.inner_text()
    assert RIGHT not in blank.inner_text()
    first = _cell_with(nb, 'exercise("1.1"').locator(".backprop-lab-verdict").inner_text()
    assert "NOT YET" in first and "not written yet" in first and "hint" not in first

    verdict = _answer(nb, CENTRAL)
    text = verdict.inner_text()
    assert "NOT YET" in text and "that is the central difference" in text and "hint:" in text
    assert "Show the solution" not in text

    verdict = _answer(nb, HEIGHT)
    text = verdict.inner_text()
    assert "f(x) itself" in text and "Show the solution" in text
    verdict.locator("summary", has_text="Show the solution").click()
    solution = verdict.locator("details pre")
    solution.wait_for()
    assert RIGHT in solution.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    verdict.screenshot(path=str(ARTIFACTS / "learners_edition_solution.png"))

    verdict = _answer(nb, RIGHT)
    text = verdict.inner_text()
    assert text.startswith("PASS") and "✗" not in text, text
    assert nb.errors() == []
