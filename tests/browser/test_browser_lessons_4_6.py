"""The explorer of lesson 6 (vanishing gradients), used as a person would: drag, key presses, typing, clicks.

Lessons 4 and 5 moved to test_browser_lessons_4_5.py.

Each test reads back the numbers the page shows (``td.bl-value[data-name=...]``) and the drawn
SVGs, so a slider that stopped updating its numbers, or a drawing that stopped following, fails.
Tests are grouped by notebook (see conftest); each notebook is opened and run once.
"""


import pytest

from .explorer_checks import lesson, sliders_to_both_ends

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------- 06: vanishing gradients

@pytest.fixture(scope="module")
def vanishing(tabs):
    return lesson(tabs, "06_").explorer(title="Vanishing").scroll()


@pytest.mark.notebook("06_")
def test_vanishing_sigmoid_depth_10_drops_over_100x(vanishing):
    assert vanishing.number("depth") == 10
    assert vanishing.number("ratio") >= 100
    assert vanishing.number("last") / vanishing.number("first") >= 100
    assert "100×" in vanishing.root.inner_text()


@pytest.mark.notebook("06_")
def test_vanishing_depth_and_activation_redraw(vanishing):
    svg, ratio10 = vanishing.svg(), vanishing.number("ratio")
    vanishing.slider("depth").press("ArrowLeft", times=5)
    vanishing.wait_until(lambda: vanishing.number("depth") == 5, what="depth = 5")
    svg = vanishing.wait_svg_changed(svg)
    vanishing.settle()
    assert 1 < vanishing.number("ratio") < ratio10  # fewer sigmoid layers, a smaller drop
    svg, old = vanishing.svg(), vanishing.text("ratio")
    vanishing.select("activation", "relu")
    vanishing.wait_changed("ratio", old)
    vanishing.wait_svg_changed(svg)
    vanishing.settle()
    vanishing.select("activation", "sigmoid")
    svg, old = vanishing.svg(), vanishing.text("ratio")
    residual = vanishing.root.get_by_role("checkbox", name="residual")
    residual.check()  # a skip path around each layer: the gradient reaches layer 1 again
    vanishing.wait_changed("ratio", old)
    vanishing.wait_svg_changed(svg)
    vanishing.settle()
    assert vanishing.number("ratio") < 100 and vanishing.error() == ""
    residual.uncheck()
    vanishing.slider("depth").type_value("10")
    vanishing.wait_until(lambda: vanishing.number("depth") == 10 and vanishing.text("ratio") == f"{ratio10:.3e}"
                         or vanishing.number("ratio") == ratio10, what="back at sigmoid, depth 10")


@pytest.mark.notebook("06_")
def test_vanishing_sliders_at_both_ends_show_no_error(vanishing):
    sliders_to_both_ends(vanishing, ["depth", "init_scale", "seed"])
