"""Lesson 1–3 explorers: the lesson's numbers, every slider at both ends, errors shown in place."""

import html
import math

import pytest

pytest.importorskip("ipywidgets", reason="needs ipywidgets")
pytest.importorskip("graphviz", reason="needs the graphviz Python package")

import ipywidgets as W  # noqa: E402

from backprop_lab.engine import Value  # noqa: E402
from backprop_lab.widgets import (  # noqa: E402
    chain_rule_explorer, expression_explorer, graph_stepper, nudge_explorer, slope_explorer,
)


def ends(control):
    """The smallest and largest value a slider can take (a log slider's min/max are exponents)."""
    if isinstance(control, W.FloatLogSlider):
        return control.base ** control.min, control.base ** control.max
    return control.min, control.max


def sliders(explorer):
    return {name: c for name, c in explorer.controls.items() if hasattr(c, "min")}


def all_html(widget):
    """Every HTML string in a widget tree."""
    if isinstance(widget, W.HTML):
        return [widget.value]
    return [text for child in getattr(widget, "children", ()) for text in all_html(child)]


def shown(explorer, name):
    """The text of the bl-value cell named ``name`` (what the browser tests read)."""
    needle = f'data-name="{html.escape(name)}"'
    for text in all_html(explorer.widget):
        at = text.find(needle)
        if at >= 0:
            start = text.index(">", at) + 1
            return html.unescape(text[start:text.index("<", start)])
    raise AssertionError(f"no bl-value cell named {name!r}")


def assert_every_number_is_shown(explorer, skip=("step", "done", "phase", "node")):
    for key, value in explorer.values.items():
        if key in skip:
            continue
        text = shown(explorer, key)
        if value is None:
            assert text == "?"
        else:
            assert math.isclose(float(text), value, rel_tol=1e-3, abs_tol=1e-3), (key, text, value)


def check_extremes(explorer, finite=True):
    """Each slider at its min and max: no exception escapes; no error; numbers finite."""
    for name, control in sliders(explorer).items():
        start = control.value
        for end in ends(control):
            control.value = end
            assert control.value == pytest.approx(end)
            assert explorer.error is None, (name, end, explorer.error)
            if finite:
                numbers = [v for v in explorer.values.values()
                           if isinstance(v, float) and not isinstance(v, bool)]
                assert all(math.isfinite(v) for v in numbers), (name, end, explorer.values)
        control.value = start


# ---- slope_explorer ----

def test_slope_at_3_is_about_14():
    ex = slope_explorer()
    assert ex.error is None
    assert ex.values["x"] == 3.0 and ex.values["f"] == 20.0
    assert ex.values["exact"] == 14.0
    assert ex.values["slope"] == pytest.approx(14.0, abs=0.01)
    ex.set(h=1e-6)
    assert ex.values["slope"] == pytest.approx(14.0, abs=1e-4)
    ex.set(x=-1.0)
    assert ex.values["exact"] == -10.0
    assert "<svg" in ex._plot.value
    assert_every_number_is_shown(ex)


def test_slope_breaks_down_at_tiny_h_without_erroring():
    ex = slope_explorer()
    ex.set(h=1e-15)
    assert ex.error is None and math.isfinite(ex.values["slope"])
    assert abs(ex.values["slope"] - ex.values["exact"]) > 1e-3  # floating-point cancellation shows
    check_extremes(ex)


def test_slope_explorer_custom_functions():
    def f(x):
        return x.tanh() if isinstance(x, Value) else math.tanh(x)

    auto = slope_explorer(f, x=0.5)
    assert auto.method == "autograd"
    assert auto.values["exact"] == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-12)
    numeric = slope_explorer(math.sin, x=0.5)
    assert numeric.method == "central difference"
    assert numeric.values["exact"] == pytest.approx(math.cos(0.5), abs=1e-8)
    analytic = slope_explorer(math.sin, df=math.cos, x=0.5)
    assert analytic.method == "analytic" and analytic.values["exact"] == math.cos(0.5)
    check_extremes(auto)


def test_slope_explorer_shows_a_domain_error_in_place():
    ex = slope_explorer(math.log, x=1.0, x_range=(-1.0, 3.0))
    ex.set(x=-0.5)
    assert ex.error is not None and "math domain error" in ex.error
    assert "backprop-lab-error" in ex._error_box.value
    ex.set(x=2.0)
    assert ex.error is None and ex._error_box.value == ""


# ---- nudge_explorer ----

def test_nudge_partials_at_lesson_point():
    ex = nudge_explorer()
    assert ex.values["d"] == 4.0
    for name, exact in (("a", -3.0), ("b", 2.0), ("c", 1.0)):
        assert ex.values[f"dd/d{name}"] == exact
        assert ex.values[f"dd/d{name} numeric"] == pytest.approx(exact, abs=1e-6)
    assert_every_number_is_shown(ex)
    ex.set(a=1.5, b=4.0)
    assert ex.values["dd/da"] == 4.0 and ex.values["dd/db"] == 1.5
    check_extremes(ex)


# ---- chain_rule_explorer ----

def L_of(x):
    return math.sin((3 * x + 2) ** 2)


def test_chain_rule_numbers_at_x_0_4():
    ex = chain_rule_explorer()
    v = ex.values
    assert v["x"] == 0.4
    assert v["u"] == pytest.approx(3.2) and v["v"] == pytest.approx(10.24)
    assert v["L"] == pytest.approx(-0.7279, abs=5e-5)
    assert v["dL/dx"] == pytest.approx(-13.1656, abs=5e-5)
    assert v["du/dx"] == 3.0 and v["dv/du"] == pytest.approx(6.4)
    assert v["dL/dv"] == pytest.approx(math.cos(10.24))
    assert v["dL/du"] == pytest.approx(v["dL/dv"] * v["dv/du"])
    assert v["dL/dx"] == pytest.approx(v["dL/du"] * v["du/dx"])
    assert_every_number_is_shown(ex)


def test_chain_rule_gradient_matches_finite_differences_and_redraws():
    ex = chain_rule_explorer()
    before = html.unescape(ex._graph.value)  # graphviz writes "-" as &#45;
    assert "grad -13.1656" in before
    for x in (-1.3, 0.0, 0.77, 1.9):
        ex.set(x=x)
        h = 1e-6
        assert ex.values["dL/dx"] == pytest.approx((L_of(x + h) - L_of(x - h)) / (2 * h), abs=1e-4)
    after = html.unescape(ex._graph.value)
    assert after != before and "-13.1656" not in after and f"data {ex.values['x']:.4f}" in after
    check_extremes(ex)


# ---- graph_stepper ----

def test_stepper_walks_forward_then_backward():
    st = graph_stepper()
    assert st.values["step"] == 0 and st.values["done"] is False
    assert st.values["a"] == 2.0 and st.values["e"] is None and st.values["L"] is None
    assert shown(st, "L") == "?"
    seen_nodes, graphs = [], set()
    while not st.values["done"]:
        st.next()
        assert st.error is None
        seen_nodes.append(st.values["node"])
        graphs.add(st._graph.value)
    assert st.values["step"] == st.total == 7
    assert seen_nodes == ["e", "f", "L", "L", "L", "f", "e"]  # forward, seed, backward
    assert len(graphs) == 7  # the highlight and numbers move every step
    v = st.values
    assert v["L"] == 20.0 and v["dL/da"] == 12.0 and v["dL/db"] == 8.0
    assert v["dL/dc"] == 4.0 and v["dL/dd"] == 5.0 and v["dL/dL"] == 1.0
    assert_every_number_is_shown(st)
    st.next()  # stays at the end
    assert st.values["step"] == 7


def test_stepper_prev_reset_and_buttons():
    st = graph_stepper()
    for _ in range(4):
        st.next()
    assert st.values["phase"] == "backward" and st.values["dL/dL"] == 1.0 and st.values["dL/df"] is None
    st.prev()
    assert st.values["step"] == 3 and st.values["dL/dL"] is None and st.values["L"] == 20.0
    st.reset()
    assert st.values["step"] == 0 and st.values["e"] is None
    st.prev()
    assert st.values["step"] == 0
    st.controls["next"].click()
    st.controls["next"].click()
    assert st.values["step"] == 2 and st.values["f"] == 5.0
    st.controls["prev"].click()
    assert st.values["step"] == 1
    st.controls["reset"].click()
    assert st.values["step"] == 0


def test_stepper_leaf_slider_restarts_with_new_values():
    st = graph_stepper()
    st.next()
    st.next()
    st.set(a=5.0)
    assert st.values["step"] == 0 and st.values["a"] == 5.0
    while not st.values["done"]:
        st.next()
    assert st.values["L"] == (5 * 3 - 1) * 4 and st.values["dL/da"] == 12.0
    assert st.values["dL/dd"] == 14.0
    check_extremes(st)


def test_stepper_on_custom_graph_leaves_it_untouched():
    x = Value(0.5, label="x")
    w = Value(-1.5, label="w")
    y = (x * w + 1.0).tanh()  # unlabelled intermediates and root
    before = [(n.data, n.grad, n.label) for n in y.topological_order()]
    st = graph_stepper(y)
    assert set(st.controls) == {"x", "w", "next", "prev", "reset"}
    while not st.values["done"]:
        st.next()
    assert st.error is None
    names = st._names
    assert names[-1] == "L" and len(set(names)) == len(names)  # unlabelled nodes named by order
    assert [(n.data, n.grad, n.label) for n in y.topological_order()] == before  # grads still 0
    y.backward()
    assert st.values["dL/dx"] == pytest.approx(x.grad) and st.values["dL/dw"] == pytest.approx(w.grad)
    st.set(x=2.0)
    while not st.values["done"]:
        st.next()
    t = math.tanh(2.0 * -1.5 + 1.0)
    assert st.values["L"] == pytest.approx(t) and st.values["dL/dx"] == pytest.approx((1 - t * t) * -1.5)
    assert x.data == 0.5  # the learner's graph did not move
    check_extremes(st)


def test_stepper_shows_math_errors_in_place():
    x = Value(1.0, label="x")
    st = graph_stepper((x + 0.5).log())
    st.set(x=st.controls["x"].min)  # log of a negative number
    assert st.error is not None and "log" in st.error
    st.next()  # still no exception escapes
    st.set(x=2.0)
    assert st.error is None and st.values["step"] == 0


# ---- expression_explorer ----

def test_expression_explorer_values_and_grads():
    ex = expression_explorer(lambda a, b, c: (a * b + c).tanh(), a=2.0, b=-3.0, c=(-5, 5, 1.0))
    assert ex.controls["c"].min == -5 and ex.controls["c"].max == 5
    t = math.tanh(2.0 * -3.0 + 1.0)
    assert ex.values["L"] == pytest.approx(t)
    assert ex.values["dL/da"] == pytest.approx((1 - t * t) * -3.0)
    ex.set(a=0.5, b=1.0)
    t = math.tanh(0.5 + 1.0)
    h = 1e-6
    numeric = (math.tanh((0.5 + h) * 1.0 + 1.0) - math.tanh((0.5 - h) * 1.0 + 1.0)) / (2 * h)
    assert ex.values["dL/da"] == pytest.approx(numeric, abs=1e-6)
    assert f"{t:.4f}" in ex._graph.value
    assert_every_number_is_shown(ex)
    check_extremes(ex)


def test_expression_explorer_catches_errors():
    ex = expression_explorer(lambda x: (x + 1.0).log(), x=(-3, 3, 1.0))
    assert ex.error is None
    ex.set(x=-3.0)
    assert ex.error is not None and "log" in ex.error and "positive" in ex.error
    ex.set(x=1.0)
    assert ex.error is None

    def broken(a):
        raise RuntimeError("boom from the learner's fn")

    bad = expression_explorer(broken, a=1.0)
    assert bad.error == "RuntimeError: boom from the learner's fn"
    not_value = expression_explorer(lambda a: 3.0, a=1.0)
    assert "must return a Value" in not_value.error
    with pytest.raises(TypeError, match="tuple"):
        expression_explorer(lambda a: a, a="x")


def test_nothing_piles_up_after_many_changes():
    explorers = [chain_rule_explorer(), slope_explorer(), nudge_explorer(), graph_stepper(),
                 expression_explorer(lambda a: a * a, a=1.0)]
    for ex in explorers:
        shape = [len(getattr(w, "children", ())) for w in ex.widget.children]
        first = sliders(ex)[next(iter(sliders(ex)))]
        lo, hi = ends(first)
        sizes = set()
        for i in range(30):
            first.value = lo + (hi - lo) * (i % 5) / 4
            if hasattr(ex, "next"):
                ex.next()
            sizes.add(len(all_html(ex.widget)))
        assert [len(getattr(w, "children", ())) for w in ex.widget.children] == shape
        assert len(sizes) == 1


def test_explorers_work_without_dot_and_say_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    ex = chain_rule_explorer()
    assert ex.error is None and ex.values["dL/dx"] == pytest.approx(-13.1656, abs=5e-5)
    assert "sudo apt-get install graphviz" in ex._graph.value and "<pre" in ex._graph.value
    assert "digraph backprop_lab" in ex._graph.value
    st = graph_stepper().next()
    assert st.error is None and "brew install graphviz" in st._graph.value
