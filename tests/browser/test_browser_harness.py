"""The browser tooling checks itself on two tiny notebooks, so a broken helper cannot pass silently."""

import pytest

from .labdriver import HARNESS, HARNESS_ERROR, ROUNDTRIPS
from .labwidgets import slider_round_trips

pytestmark = [pytest.mark.browser, pytest.mark.notebook(HARNESS)]


@pytest.fixture(scope="module")
def square(tabs):
    nb = tabs.get(HARNESS)
    assert nb.run_seconds is not None, getattr(nb, "run_failure", "Run All failed")
    return nb.explorer(title="Square explorer").scroll()


def test_run_all_numbers_every_cell_and_sees_no_error(tabs):
    nb = tabs.get(HARNESS)
    state = nb.state()
    assert state["status"] == "idle" and state["pending"] == 0 and state["star"] == 0, state
    assert state["code"] == 2  # the empty cell is not counted
    assert nb.errors() == []


def test_error_detector_sees_a_traceback(tabs):
    nb = tabs.get(HARNESS_ERROR)
    errors = nb.errors()
    assert len(errors) == 1 and "ZeroDivisionError" in errors[0], errors
    assert nb.state()["pending"] == 1  # Run All stopped at the error


def test_keyboard_moves_the_slider_and_the_number_follows(square):
    x = square.slider("x")
    x.press("Home")
    assert square.wait_changed("x^2", "4.0000") == "16.0000"
    assert x.value() == -4.0
    x.press("ArrowRight")
    assert square.wait_changed("x^2", "16.0000") == "15.2100"  # one step of 0.1
    x.press("End")
    square.wait_changed("x^2", "15.2100")
    assert x.value() == 4.0 and square.text("x^2") == "16.0000"


def test_mouse_drag_and_readout_typing_move_the_number(square):
    x = square.slider("x")
    x.type_value("0.5")
    square.wait_until(lambda: square.text("x^2") == "0.2500", what="x^2 = 0.2500 after typing 0.5")
    assert x.value() == 0.5
    svg = square.svg()
    x.drag_to(0.0)
    square.wait_changed("x^2", "0.2500")
    square.settle()
    assert x.value() == -4.0 and square.text("x^2") == "16.0000"
    assert square.svg() != svg and "-4.0" in square.svg_texts()
    x.drag_to(0.75)
    square.wait_changed("x^2", "16.0000")
    square.settle()  # a drag sends values on the way (continuous_update); wait for the last one
    assert 1.0 <= x.value() <= 3.0, x.value()
    assert square.number("x^2") == pytest.approx(x.value() ** 2, abs=1e-3)


def test_int_slider_and_button(square):
    n = square.slider("n")
    n.press("PageUp")  # noUiSlider pages by several steps
    square.wait_changed("n", "3")
    assert square.number("n") > 3
    square.slider("x").type_value("1")
    square.wait_until(lambda: square.text("x^2") == "1.0000", what="x^2 = 1 after typing 1")
    square.click("reset")
    square.wait_changed("x^2", "1.0000")
    assert square.text("x^2") == "4.0000"


def test_round_trip_harness(square):
    times = slider_round_trips(square, square.slider("x"), "x^2", n=10)
    ROUNDTRIPS["harness slider"] = times
    assert len(times) == 10 and all(t > 0 for t in times)
