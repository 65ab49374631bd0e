"""The learner's edition in the browser tests: open a lesson's blanks, type an answer, read its check."""

import json

import nbformat
import pytest

from backprop_lab.edition import learner_notebook, solutions_of

from .labdriver import NOTEBOOKS, notebook_named

CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell"


def learners_edition(tabs, lab, prefix):
    """A lesson's learner's edition (blanks; solutions.json beside it) in my_lessons/, opened and run.

    Returns (the tab, the lesson's solutions by exercise id, the my_lessons folder)."""
    name = notebook_named(prefix)
    if name is None:
        pytest.skip(f"no notebook notebooks/{prefix}*.ipynb")
    folder = lab.root_dir / "my_lessons"
    folder.mkdir(exist_ok=True)
    solved = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.write(learner_notebook(solved), folder / name)
    sol = folder / "solutions.json"
    answers = json.loads(sol.read_text()) if sol.exists() else {}
    sol.write_text(json.dumps({**answers, **solutions_of(solved)}), encoding="utf-8")
    return tabs.get(f"my_lessons/{name}"), solutions_of(solved), folder


def cell_of(nb, first_line):
    """(index, cells locator) of the cell whose source starts with ``first_line``."""
    cells = nb.page.locator(CELLS)
    for i in range(cells.count()):
        src = cells.nth(i).locator(".cm-content")
        if src.count() and src.inner_text().startswith(first_line):
            return i, cells
    raise AssertionError(f"{nb.name}: no cell starts with {first_line!r}")


def type_and_check(nb, first_line, source, expect, then_check=True, timeout=60_000):
    """Type ``source`` (None: leave it) into the cell starting with ``first_line``, run it and its check.

    Returns the text of the first output (of the check cell, or of the cell itself) that has ``expect``."""
    i, cells = cell_of(nb, first_line)
    cells.nth(i).locator(".cm-content").click()
    if source is not None:
        nb.page.keyboard.press("Control+a")
        nb.page.keyboard.insert_text(source)
    nb.page.keyboard.press("Shift+Enter")
    if then_check:
        nb.page.keyboard.press("Shift+Enter")
    out = cells.nth(i + int(then_check)).locator(".jp-OutputArea-output").filter(has_text=expect)
    out.first.wait_for(timeout=timeout)
    return out.first.inner_text()
