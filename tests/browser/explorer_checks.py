"""Shared steps of the explorer tests: open a lesson's tab, and drag every slider to both ends."""

import pytest

from .labdriver import notebook_named


def lesson(tabs, prefix):
    """The tab of lesson ``prefix`` (e.g. '02_'), run; skip naming the notebook if it is missing."""
    name = notebook_named(prefix)
    if name is None:
        pytest.skip(f"no notebook notebooks/{prefix}*.ipynb yet")
    nb = tabs.get(name)
    assert getattr(nb, "run_failure", None) is None, nb.run_failure
    return nb


def sliders_to_both_ends(ex, names, timeout=60):
    """Drag each slider to its left and right end with the mouse; no error may show at any end.

    Where the explorer also shows the slider's own number (a cell with the same data-name), that
    number must follow the slider to each end. It is waited for before the quiet period: on a
    busy machine an explorer's coalesced redraw can land after the kernel reports idle.
    """
    shown = set(ex.names())
    for name in names:
        s = ex.slider(name)
        for frac in (0.0, 1.0):
            s.drag_to(frac)
            end = "min" if frac == 0 else "max"
            if name in shown:
                ex.wait_until(lambda: ex.number(name) == pytest.approx(s.value(), rel=1e-3, abs=1e-3),
                              timeout=timeout, what=f"{name} at {end} to show the slider's value")
            ex.settle()
            assert ex.error() == "", f"{name} at {end}: {ex.error()}"
            assert ex.page.locator(".jp-OutputArea-output").filter(has_text="Traceback").count() == 0
            if name in shown:
                assert ex.number(name) == pytest.approx(s.value(), rel=1e-3, abs=1e-3), (
                    f"{name} at {end}: the page shows {ex.text(name)}, the slider {s.value()}")
        lo, hi = s.bounds()
        assert s.value() == pytest.approx(hi, rel=1e-6, abs=1e-9) or s.value() == pytest.approx(
            10 ** hi, rel=1e-2), f"{name}: the drag did not reach the end ({s.value()} vs {hi})"
