"""The explorers of lessons 1–2 (slope, nudge, chain rule, graph stepper), used as a person would:
drag, key presses, typing, clicks.

Each test reads back the numbers the page shows (``td.bl-value[data-name=...]``) and the drawn
SVGs, so a slider that stopped updating its numbers, or a drawing that stopped following, fails.
Tests are grouped by notebook (see conftest); each notebook is opened and run once.
"""

import math

import pytest

from .explorer_checks import lesson, sliders_to_both_ends
from .labdriver import ARTIFACTS, ROUNDTRIPS, publish_screenshot
from .labwidgets import round_trip, slider_round_trips

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------- 01: slope and nudge

@pytest.fixture(scope="module")
def slope(tabs):
    return lesson(tabs, "01_").explorer(title="Slope of f").scroll()


@pytest.mark.notebook("01_")
def test_slope_at_3_is_14_and_shrinking_h_closes_the_gap(slope):
    assert slope.number("x") == 3.0
    assert slope.number("exact") == pytest.approx(14.0, abs=1e-9)
    assert slope.number("slope") == pytest.approx(14.0, abs=0.01)
    h = slope.slider("h")
    h.drag_to(1.0)  # h = 1: the secant is far from the tangent (gap 3h = 3)
    slope.wait_until(lambda: slope.number("h") == 1.0, what="h = 1 after dragging to the right end")
    slope.settle()
    assert slope.number("slope") == pytest.approx(17.0, abs=1e-4)
    gaps, svg = [abs(slope.number("slope - exact"))], slope.svg()
    for _ in range(8):  # each ArrowLeft divides h by 10**0.25
        old = slope.text("slope")
        h.press("ArrowLeft")
        slope.wait_changed("slope", old)
        gaps.append(abs(slope.number("slope - exact")))
        svg = slope.wait_svg_changed(svg)  # the secant is redrawn at every press
    assert all(b < a for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[-1] == pytest.approx(3 * 10 ** -2, rel=1e-3), gaps
    assert slope.number("slope") == pytest.approx(slope.number("exact"), abs=0.05)


@pytest.mark.notebook("01_")
def test_slope_x_follows_typing_and_keys(slope):
    x = slope.slider("x")
    x.type_value("1")
    slope.wait_until(lambda: slope.number("x") == 1.0, what="x = 1 after typing")
    assert slope.number("exact") == pytest.approx(2.0, abs=1e-9)  # f'(x) = 6x - 4
    x.press("ArrowRight", times=10)  # +0.1
    slope.wait_until(lambda: slope.number("x") == pytest.approx(1.1), what="x = 1.1 after 10 key presses")
    slope.settle()
    assert slope.number("exact") == pytest.approx(2.6, abs=1e-9)


@pytest.mark.notebook("01_")
def test_slope_x_reaches_minus_3_as_the_lesson_asks(slope):
    slope.slider("x").press("Home")  # the left end of the x slider
    slope.wait_until(lambda: slope.number("x") == -3.0, what="x = -3 at the left end")
    slope.settle()
    assert slope.number("exact") == pytest.approx(-22.0, abs=1e-9)  # f'(-3) = 6·(-3) - 4
    assert slope.number("slope") < 0


@pytest.mark.notebook("01_")
def test_slope_sliders_at_both_ends_show_no_error(slope):
    sliders_to_both_ends(slope, ["x", "h"])


@pytest.fixture(scope="module")
def nudge(tabs):
    return lesson(tabs, "01_").explorer(title="nudge one input").scroll()


@pytest.mark.notebook("01_")
def test_nudge_partials_follow_the_sliders(nudge):
    assert nudge.number("d") == pytest.approx(4.0)
    assert nudge.number("dd/da") == -3.0 and nudge.number("dd/db") == 2.0 and nudge.number("dd/dc") == 1.0
    assert nudge.number("dd/da numeric") == pytest.approx(-3.0, abs=1e-5)
    nudge.slider("a").press("ArrowRight", times=5)  # a: 2.0 → 2.5
    nudge.wait_until(lambda: nudge.number("a") == 2.5, what="a = 2.5")
    nudge.settle()
    assert nudge.number("dd/db") == 2.5 and nudge.number("d") == pytest.approx(2.5)  # dd/db = a
    nudge.slider("b").drag_to(1.0)  # b → 5
    nudge.wait_until(lambda: nudge.number("b") == 5.0, what="b = 5 after the drag")
    nudge.settle()
    assert nudge.number("dd/da") == 5.0 and nudge.number("dd/da numeric") == pytest.approx(5.0, abs=1e-5)


@pytest.mark.notebook("01_")
def test_nudge_sliders_at_both_ends_show_no_error(nudge):
    sliders_to_both_ends(nudge, ["a", "b", "c", "h"])


# ---------------------------------------------------------------- 02: chain rule and stepper

def chain_dL_dx(x):
    """dL/dx of L = sin((3x+2)²), by hand."""
    u = 3 * x + 2
    return math.cos(u * u) * 2 * u * 3


@pytest.fixture(scope="module")
def chain(tabs):
    return lesson(tabs, "02_").explorer(title="Chain rule").scroll()


@pytest.mark.notebook("02_")
def test_chain_rule_x_04_shows_dL_dx(chain):
    x = chain.slider("x")
    x.press("End")  # move away from 0.4 first, so reaching 0.4 is a change
    chain.wait_until(lambda: chain.number("x") == 2.0, what="x = 2 after End")
    chain.settle()
    assert chain.number("dL/dx") == pytest.approx(chain_dL_dx(2.0), abs=1e-4)
    texts = chain.svg_texts()
    x.type_value("0.4")
    chain.wait_until(lambda: chain.text("dL/dx") == "-13.1656", what="dL/dx = -13.1656 at x = 0.4")
    chain.settle()
    assert chain.number("x") == 0.4 and x.value() == 0.4
    new_texts = chain.svg_texts()
    assert new_texts != texts  # the drawn graph's numbers changed
    assert "grad -13.1656" in [t.replace("\u2212", "-") for t in new_texts], new_texts


@pytest.mark.notebook("02_")
def test_chain_rule_drag_and_keys_redraw_the_graph(chain):
    x = chain.slider("x")
    texts = chain.svg_texts()
    x.drag_to(0.25)  # about x = -1
    chain.wait_changed("dL/dx", "-13.1656")
    chain.settle()
    shown = chain.number("x")
    assert -1.2 < shown < -0.8, shown
    assert chain.number("dL/dx") == pytest.approx(chain_dL_dx(shown), abs=1e-3)
    assert chain.svg_texts() != texts
    for key, delta in (("ArrowRight", 0.01), ("ArrowLeft", -0.01)):
        before, old = chain.number("x"), chain.text("dL/dx")
        x.press(key)
        chain.wait_changed("dL/dx", old)
        chain.settle()
        assert chain.number("x") == pytest.approx(before + delta, abs=1e-9)
        assert chain.number("dL/dx") == pytest.approx(chain_dL_dx(chain.number("x")), abs=1e-3)


@pytest.mark.notebook("02_")
def test_chain_rule_round_trip_and_screenshot(chain):
    x = chain.slider("x")
    x.type_value("0.4")
    chain.wait_until(lambda: chain.text("dL/dx") == "-13.1656", what="x back at 0.4")
    times = slider_round_trips(chain, x, "dL/dx", n=20)
    ROUNDTRIPS["chain_rule_explorer"] = times
    assert len(times) == 20
    x.type_value("0.4")
    chain.wait_until(lambda: chain.text("dL/dx") == "-13.1656", what="x back at 0.4")
    chain.settle()
    chain.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    shot = ARTIFACTS / "chain_rule_explorer.png"
    chain.root.screenshot(path=str(shot))
    publish_screenshot(shot, "chain_rule_explorer.png")


@pytest.mark.notebook("02_")
def test_chain_rule_slider_at_both_ends_shows_no_error(chain):
    sliders_to_both_ends(chain, ["x"])


@pytest.fixture(scope="module")
def stepper(tabs):
    return lesson(tabs, "02_").explorer(title="Step through the graph").scroll()


@pytest.mark.notebook("02_")
def test_stepper_walks_the_worked_example_then_prev_and_reset(stepper):
    """Lesson 2 passes its worked example, L = (a·b + c)·f with e = a·b, d = e + c."""
    assert stepper.text("L") == "?" and stepper.text("dL/da") == "?"
    assert [stepper.number(k) for k in "abcf"] == [2.0, -3.0, 10.0, -2.0]
    svgs = [stepper.svg()]
    for _ in range(7):  # 3 forward steps (e, d, L), the seed dL/dL = 1, 3 backward steps
        stepper.click("next")
        svgs.append(stepper.wait_svg_changed(svgs[-1]))  # the highlight moves at every step
    stepper.settle()
    assert len(set(svgs)) == 8
    assert stepper.number("e") == -6.0 and stepper.number("d") == 4.0 and stepper.number("L") == -8.0
    assert [stepper.number(f"dL/d{k}") for k in "abcdef"] == [6.0, -4.0, -2.0, -2.0, -2.0, 4.0]
    # done: `next` greys out at the end, with a note, and the drawing stays
    assert stepper.button("next").is_disabled() and "last step" in stepper.root.inner_text()
    assert stepper.svg() == svgs[-1] and stepper.number("dL/da") == 6.0
    stepper.click("prev")  # undo the last backward step (at e): dL/da is not known yet
    stepper.wait_changed("dL/da", "6.0000")
    assert stepper.text("dL/da") == "?" and stepper.number("dL/df") == 4.0
    assert stepper.svg() == svgs[-2]
    stepper.click("reset")
    stepper.wait_changed("L", "-8.0000")
    assert stepper.text("L") == "?" and stepper.svg() == svgs[0]


@pytest.mark.notebook("02_")
def test_stepper_leaf_slider_restarts_the_walk(stepper):
    stepper.slider("a").type_value("1")
    stepper.wait_until(lambda: stepper.number("a") == 1.0, what="a = 1 after typing")
    for _ in range(7):
        stepper.click("next")
    stepper.wait_until(lambda: stepper.text("dL/da") != "?", what="the walk to finish")
    stepper.settle()
    assert stepper.number("L") == -14.0 and stepper.number("dL/db") == -2.0  # (1·(−3) + 10)·(−2); dL/db = a·f


@pytest.mark.notebook("02_")
def test_stepper_round_trip(stepper):
    a = stepper.slider("a")
    ROUNDTRIPS["graph_stepper (slider)"] = slider_round_trips(stepper, a, "a", n=20)
    nxt = stepper.button("next")
    times = []
    for _ in range(7):
        nxt.focus()
        times.append(round_trip(stepper, _next_name(len(times)), lambda: nxt.press("Enter")))
    ROUNDTRIPS["graph_stepper (next key)"] = times
    stepper.settle()
    assert stepper.number("L") == pytest.approx((a.value() * -3 + 10) * -2, abs=1e-3)
    stepper.slider("a").type_value("2")  # the lesson's numbers for the picture: restarts the walk
    stepper.wait_until(lambda: stepper.number("a") == 2.0 and stepper.text("L") == "?", what="a = 2, step 0")
    shot = ARTIFACTS / "graph_stepper.png"
    for _ in range(5):
        stepper.click("next")
    stepper.wait_until(lambda: stepper.text("dL/df") != "?", what="the first backward step")
    stepper.settle()
    stepper.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    stepper.root.screenshot(path=str(shot))
    publish_screenshot(shot, "graph_stepper.png")


def _next_name(k):
    """The number cell that changes at step k+1 of the worked example's walk."""
    return ["e", "d", "L", "dL/dL", "dL/dd", "dL/de", "dL/da"][k]


@pytest.mark.notebook("02_")
def test_stepper_sliders_at_both_ends_show_no_error(stepper):
    sliders_to_both_ends(stepper, ["a", "b", "c", "f"])
    for _ in range(7):
        stepper.click("next")
    stepper.settle()
    assert stepper.error() == ""
