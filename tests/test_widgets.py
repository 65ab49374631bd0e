"""The explorers, driven through their controls, buttons and methods as a learner (or the browser) would."""

import asyncio
import html
import math
import re

import pytest

W = pytest.importorskip("ipywidgets", reason="needs ipywidgets")
pytest.importorskip("graphviz", reason="needs the graphviz Python package")

from backprop_lab import graph  # noqa: E402
from backprop_lab.datasets import xor  # noqa: E402
from helpers import run_async  # noqa: E402
from backprop_lab.engine import Value  # noqa: E402
from backprop_lab.style import number_text  # noqa: E402
from backprop_lab.widgets import (  # noqa: E402
    chain_rule_explorer, expression_explorer, graph_stepper, neuron_explorer, nudge_explorer,
    slope_explorer, vanishing_explorer, xor_explorer,
)
from backprop_lab.widgets._base import FloatLogSlider, FloatSlider  # noqa: E402

ALL = {
    "slope": slope_explorer, "nudge": nudge_explorer, "chain": chain_rule_explorer,
    "stepper": graph_stepper, "expression": lambda: expression_explorer(lambda a, b: a * b + a, a=1.0, b=-2.0),
    "neuron": neuron_explorer, "xor": xor_explorer, "vanishing": vanishing_explorer,
}


# ---- one set of helpers ----

@pytest.fixture(autouse=True)
def fresh_layouts(monkeypatch):
    """Each test starts with no laid-out drawings kept (a kept layout would skip `dot` and its errors)."""
    monkeypatch.setattr(graph, "_LAYOUTS", graph._Layouts())


@pytest.fixture(autouse=True)
def fresh_xor_runs(monkeypatch):
    """Each test starts with no XOR run or figure kept from another test."""
    from backprop_lab.widgets import xor
    monkeypatch.setattr(xor, "TRAINED", xor._Kept(32))
    monkeypatch.setattr(xor, "FIGURES", xor._Kept(64))


@pytest.fixture
def dot_runs(monkeypatch):
    """A list that gets one entry per `dot` process started."""
    runs, real = [], graph.subprocess.run

    def counting(args, *rest, **kw):
        runs.append(args)
        return real(args, *rest, **kw)

    monkeypatch.setattr(graph.subprocess, "run", counting)
    return runs


def svg_texts(explorer):
    """The text of every <text> element of the explorer's drawing, as the browser reads it."""
    return [html.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", explorer._graph.value)]


def html_texts(widget):
    """Every HTML string in a widget tree."""
    if isinstance(widget, W.HTML):
        return [widget.value]
    return [text for child in getattr(widget, "children", ()) for text in html_texts(child)]


def cells(explorer):
    """data-name → text of every bl-value cell the explorer shows (what the browser tests read)."""
    found = {}
    for text in html_texts(explorer.widget):
        for name, value in re.findall(r'class="bl-value" data-name="([^"]*)"[^>]*>([^<]*)<', text):
            found.setdefault(html.unescape(name), html.unescape(value))
    return found


def shown(explorer, name):
    table = cells(explorer)
    assert name in table, f"no bl-value cell named {name!r}"
    return table[name]


def sliders(explorer):
    return {n: c for n, c in explorer.controls.items() if isinstance(c, (W.FloatSlider, W.IntSlider, W.FloatLogSlider))}


def ends(control):
    """The smallest and largest value a slider can take (a log slider's min/max are exponents)."""
    if isinstance(control, W.FloatLogSlider):
        return control.base ** control.min, control.base ** control.max
    return control.min, control.max


def assert_every_number_is_shown(explorer, skip=("grad_norms",)):
    table = cells(explorer)
    for key, value in explorer.values.items():
        if key in skip:
            continue
        assert key in table, key
        if value is None:
            assert table[key] == "?"
        else:
            assert float(table[key]) == pytest.approx(value, rel=1e-3, abs=1e-3), (key, table[key], value)


def check_extremes(explorer):
    """Each slider at its min and max: no error, every number finite."""
    for name, control in sliders(explorer).items():
        start = control.value
        for end in ends(control):
            control.value = end
            assert control.value == pytest.approx(end)
            assert explorer.error is None, (name, end, explorer.error)
            numbers = [v for v in explorer.values.values() if isinstance(v, float)]
            assert all(math.isfinite(v) for v in numbers), (name, end, explorer.values)
        control.value = start


def run_to_end(stepper):
    while not stepper.state["done"]:
        stepper.next()
        assert stepper.error is None, stepper.error
    return stepper.values


# ---- slope_explorer ----

def test_slope_at_3_is_about_14():
    ex = slope_explorer()
    assert ex.error is None
    assert ex.values["x"] == 3.0 and ex.values["f"] == 20.0 and ex.values["exact"] == 14.0
    assert ex.values["slope"] == pytest.approx(14.0, abs=0.01)
    ex.set(h=1e-6)
    assert ex.values["slope"] == pytest.approx(14.0, abs=1e-4)
    ex.set(x=-1.0)
    assert ex.values["exact"] == -10.0 and "<svg" in ex._plot.value
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
    v = chain_rule_explorer().values
    assert v["x"] == 0.4
    assert v["u"] == pytest.approx(3.2) and v["v"] == pytest.approx(10.24)
    assert v["L"] == pytest.approx(-0.7279, abs=5e-5) and v["dL/dx"] == pytest.approx(-13.1656, abs=5e-5)
    assert v["du/dx"] == 3.0 and v["dv/du"] == pytest.approx(6.4) and v["dL/dv"] == pytest.approx(math.cos(10.24))
    assert v["dL/du"] == pytest.approx(v["dL/dv"] * v["dv/du"])
    assert v["dL/dx"] == pytest.approx(v["dL/du"] * v["du/dx"])


def test_chain_rule_gradient_matches_finite_differences_and_redraws():
    ex = chain_rule_explorer()
    assert_every_number_is_shown(ex)
    before = html.unescape(ex._graph.value)  # graphviz writes "-" as &#45;
    assert "grad -13.1656" in before
    for x in (-1.3, 0.0, 0.77, 1.9):
        ex.set(x=x)
        h = 1e-6
        assert ex.values["dL/dx"] == pytest.approx((L_of(x + h) - L_of(x - h)) / (2 * h), abs=1e-4)
    after = html.unescape(ex._graph.value)
    assert after != before and "-13.1656" not in after and f"data {ex.values['x']:.4f}" in after
    check_extremes(ex)


def test_chain_rule_redraw_after_an_x_change_runs_no_dot(dot_runs):
    ex = chain_rule_explorer()
    assert len(dot_runs) == 1 and "grad -13.1656" in svg_texts(ex) and "data 0.4000" in svg_texts(ex)
    ex.set(x=-1.3)
    ex.set(x=1.25)
    assert len(dot_runs) == 1  # the graph's structure did not change: its layout is reused
    texts = svg_texts(ex)
    assert "data 1.2500" in texts and "data 0.4000" not in texts and "grad -13.1656" not in texts
    assert f"grad {number_text(ex.values['dL/dx'])}" in texts and f"data {number_text(ex.values['L'])}" in texts
    assert f" {number_text(ex.values['dv/du'])} " in texts  # the edge u → v
    other = expression_explorer(lambda a, b: a * b + a, a=1.0, b=-2.0)  # another structure
    assert len(dot_runs) == 2 and "data -1.0000" in svg_texts(other)


# ---- graph_stepper ----

def test_stepper_default_is_lesson_2s_worked_example():
    st = graph_stepper()
    assert set(st.controls) == {"a", "b", "c", "f", "next", "prev", "reset"}
    assert st.state == {"step": 0, "done": False, "phase": "start", "node": None}
    assert st.values["a"] == 2.0 and st.values["f"] == -2.0 and st.values["e"] is None
    assert shown(st, "L") == "?"
    nodes, graphs = [], set()
    while not st.state["done"]:
        st.next()
        nodes.append(st.state["node"])
        graphs.add(st._graph.value)
    assert nodes == ["e", "d", "L", "L", "L", "d", "e"]  # e = a·b, d = e + c, L = d·f; seed; backward
    assert st.state["step"] == st.total == 7 and len(graphs) == 7
    v = st.values
    assert (v["e"], v["d"], v["L"]) == (-6.0, 4.0, -8.0)
    assert (v["dL/dd"], v["dL/df"], v["dL/dc"], v["dL/de"]) == (-2.0, 4.0, -2.0, -2.0)
    assert (v["dL/da"], v["dL/db"], v["dL/dL"]) == (6.0, -4.0, 1.0)
    assert_every_number_is_shown(st)
    st.next()  # stays at the end
    assert st.state["step"] == 7


def test_stepper_steps_reuse_one_layout_per_highlighted_node(dot_runs):
    st = graph_stepper()
    lit = f'fill="{graph.COLORS["highlight_fill"]}"'
    assert lit not in st._graph.value
    seen = {}
    while not st.state["done"]:
        st.next()
        assert st._graph.value.count(lit) == 2, st.state  # the node's table and its op
        seen.setdefault(st.state["node"], st._graph.value)
    assert len(dot_runs) == 4  # start, then e, d and L highlighted; the backward pass reuses them
    assert "grad -4.0000" in svg_texts(st) and "data -8.0000" in svg_texts(st)
    st.set(a=5.0)  # same structure, new numbers: no new layout
    assert len(dot_runs) == 4 and "data 5.0000" in svg_texts(st) and "data ?" in svg_texts(st)
    run_to_end(st)
    assert len(dot_runs) == 4 and "grad -5.0000" in svg_texts(st)


def test_stepper_prev_reset_and_buttons():
    st = graph_stepper()
    for _ in range(4):
        st.next()
    assert st.state["phase"] == "backward" and st.values["dL/dL"] == 1.0 and st.values["dL/dd"] is None
    st.prev()
    assert st.state["step"] == 3 and st.values["dL/dL"] is None and st.values["L"] == -8.0
    st.reset()
    assert st.state["step"] == 0 and st.values["e"] is None
    st.prev()
    assert st.state["step"] == 0
    st.controls["next"].click()
    st.controls["next"].click()
    assert st.state["step"] == 2 and st.values["d"] == 4.0
    st.controls["prev"].click()
    assert st.state["step"] == 1
    st.controls["reset"].click()
    assert st.state["step"] == 0


def test_stepper_leaf_slider_restarts_with_new_values():
    st = graph_stepper()
    st.next()
    st.next()
    st.set(a=5.0)
    assert st.state["step"] == 0 and st.values["a"] == 5.0
    v = run_to_end(st)
    assert v["L"] == (5 * -3 + 10) * -2 and v["dL/da"] == 6.0 and v["dL/df"] == -5.0
    check_extremes(st)


def test_stepper_recomputes_with_the_engines_ops_not_display_labels():
    x = Value(3.0, label="x")
    st = graph_stepper(x ** (1 / 3))
    st.set(x=2.0)
    st.set(x=3.0)  # a fresh copy, rebuilt op by op
    v = run_to_end(st)
    assert v["L"] == 3.0 ** (1 / 3)  # 1.4422495703..., not the 6-digit 1.4422490421 of "**0.333333"
    assert number_text(v["L"], 10) == "1.4422495703"
    assert v["dL/dx"] == pytest.approx((1 / 3) * 3.0 ** (-2 / 3), rel=1e-15)


def test_stepper_gives_every_leaf_its_own_slider_whatever_its_label():
    a1, a2, a3 = Value(1.0, label="a_2"), Value(2.0, label="a"), Value(3.0, label="a")
    L = (a1 + a2) * a3  # (1 + 2) · 3 = 9
    st = graph_stepper(L)
    leaf_sliders = [c for c in st.controls.values() if isinstance(c, W.FloatSlider)]
    assert len(leaf_sliders) == 3 and len({c.description for c in leaf_sliders}) == 3
    assert run_to_end(st)["L"] == 9.0
    third = leaf_sliders[2]
    third.value = 4.0  # only the third leaf changes: (1 + 2) · 4
    assert run_to_end(st)["L"] == 12.0
    assert sorted(st.values[c.description] for c in leaf_sliders) == [1.0, 2.0, 4.0]


def test_stepper_keys_never_collide_with_leaf_names():
    step, done = Value(2.0, label="step"), Value(3.0, label="done")
    st = graph_stepper(step * done)
    assert st.values["step"] == 2.0 and st.values["done"] == 3.0  # the leaves' numbers
    st.next()
    assert st.state["step"] == 1 and st.values["step"] == 2.0
    nxt = Value(1.0, label="next")  # a leaf named like a button gets its own slider name
    st2 = graph_stepper(nxt * 2.0)
    assert isinstance(st2.controls["next"], W.Button)
    assert [c.description for c in sliders(st2).values()] == ["next#2"]


def test_stepper_on_custom_graph_leaves_it_untouched():
    x = Value(0.5, label="x")
    w = Value(-1.5, label="w")
    y = (x * w + 1.0).tanh()  # unlabelled intermediates and root
    before = [(n.data, n.grad, n.label) for n in graph.topological_order(y)]
    st = graph_stepper(y)
    assert set(st.controls) == {"x", "w", "next", "prev", "reset"}  # the constant 1.0 keeps its value
    run_to_end(st)
    assert st._names[-1] == "L" and len(set(st._names)) == len(st._names)
    assert [(n.data, n.grad, n.label) for n in graph.topological_order(y)] == before  # grads still 0
    y.backward()
    assert st.values["dL/dx"] == pytest.approx(x.grad) and st.values["dL/dw"] == pytest.approx(w.grad)
    st.set(x=2.0)
    run_to_end(st)
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
    assert st.error is not None  # the graph cannot be rebuilt at this x: the error stays
    st.set(x=2.0)
    assert st.error is None and st.state["step"] == 0 and st.values["x"] == 2.0


def test_stepper_refuses_a_hand_made_node_clearly():
    x = Value(0.5, label="x")
    out = Value(math.exp(0.5), (x,), "exp")
    out._backward = lambda: None
    with pytest.raises(ValueError, match="hand-written _backward"):
        graph_stepper(out)
    with pytest.raises(TypeError, match="needs a Value"):
        graph_stepper(1.0)


# ---- expression_explorer ----

def test_expression_explorer_values_and_grads():
    ex = expression_explorer(lambda a, b, c: (a * b + c).tanh(), a=2.0, b=-3.0, c=(-5, 5, 1.0))
    assert ex.controls["c"].min == -5 and ex.controls["c"].max == 5
    t = math.tanh(2.0 * -3.0 + 1.0)
    assert ex.values["L"] == pytest.approx(t) and ex.values["dL/da"] == pytest.approx((1 - t * t) * -3.0)
    ex.set(a=0.5, b=1.0)
    h = 1e-6
    numeric = (math.tanh((0.5 + h) * 1.0 + 1.0) - math.tanh((0.5 - h) * 1.0 + 1.0)) / (2 * h)
    assert ex.values["dL/da"] == pytest.approx(numeric, abs=1e-6)
    assert f"{math.tanh(1.5):.4f}" in ex._graph.value
    assert_every_number_is_shown(ex)
    check_extremes(ex)


def test_expression_explorer_zeroes_captured_values_before_each_backward():
    w = Value(3.0, label="w")
    ex = expression_explorer(lambda a: a * w, a=1.0)
    ex.set(a=2.0)
    ex.set(a=1.0)  # two slider moves
    assert w.grad == 1.0  # dL/dw = a, not the sum over three passes
    assert "grad 1.0000" in html.unescape(ex._graph.value)
    assert ex.values["dL/da"] == 3.0


def test_expression_explorer_draws_a_reused_node_once():
    def diamond(a, b):
        s, p = a + b, a * b  # each built once, used twice
        return s + p + s * p

    ex = expression_explorer(diamond, a=2.0, b=3.0)
    titles = re.findall(r"<title>(v\d+)</title>", ex._graph.value)
    assert len(titles) == 7  # a, b, a+b, a·b, (a+b)+(a·b), (a+b)·(a·b), L
    s, p = 5.0, 6.0
    assert ex.values["L"] == s + p + s * p
    assert ex.values["dL/da"] == pytest.approx((1 + p) + (1 + s) * 3.0)  # ds/da = 1, dp/da = b


def test_expression_explorer_catches_errors():
    ex = expression_explorer(lambda x: (x + 1.0).log(), x=(-3, 3, 1.0))
    assert ex.error is None
    ex.set(x=-3.0)
    assert ex.error is not None and "log" in ex.error
    ex.set(x=1.0)
    assert ex.error is None

    def broken(a):
        raise RuntimeError("boom from the learner's fn")

    assert expression_explorer(broken, a=1.0).error == "RuntimeError: boom from the learner's fn"
    assert "must return a Value" in expression_explorer(lambda a: 3.0, a=1.0).error
    with pytest.raises(TypeError, match="tuple"):
        expression_explorer(lambda a: a, a="x")


def test_one_number_format_in_drawing_and_table():
    ex = expression_explorer(lambda a: a * 2.0, a=(0.0, 0.001, 0.0005))
    assert shown(ex, "a") == "5.000e-04"
    assert "data 5.000e-04" in html.unescape(ex._graph.value)


def test_a_slow_drawing_shows_a_message_and_keeps_the_numbers(monkeypatch):
    monkeypatch.setattr(graph, "DOT_TIMEOUT", 1e-6)
    ex = expression_explorer(lambda a, b: a * b, a=2.0, b=3.0)
    assert ex.error is None and "not drawn" in ex._graph.value and "<svg" not in ex._graph.value
    assert shown(ex, "L") == "6.0000" and ex.values["dL/da"] == 3.0
    ex.set(a=1.0)  # still responsive
    assert shown(ex, "L") == "3.0000"


def test_explorers_work_without_dot_and_say_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    ex = chain_rule_explorer()
    assert ex.error is None and ex.values["dL/dx"] == pytest.approx(-13.1656, abs=5e-5)
    assert "sudo apt-get install graphviz" in ex._graph.value and "digraph backprop_lab" in ex._graph.value
    st = graph_stepper().next()
    assert st.error is None and "brew install graphviz" in st._graph.value


# ---- neuron_explorer ----

def test_neuron_explorer_starts_at_the_lesson_numbers():
    e = neuron_explorer()
    v = e.values
    assert e.error is None
    assert round(v["z"], 4) == 0.66 and round(v["yhat"], 4) == 0.6593 and round(v["loss"], 4) == 0.0581
    assert [round(v[f"dL/dw{i}"], 4) for i in (1, 2, 3)] == [-0.0612, 0.0306, -0.0919]
    assert round(v["dL/db"], 4) == -0.0765 and v["step"] == 0
    table = cells(e)
    for name, text in {"z": "0.6600", "yhat": "0.6593", "loss": "0.0581", "dL/dw1": "-0.0612",
                       "dL/dw3": "-0.0919", "dL/db": "-0.0765", "step": "0"}.items():
        assert table[name] == text, name


@pytest.mark.slow
def test_neuron_step_lowers_loss_and_grows_the_plot():
    e = neuron_explorer()
    plot_before, loss_before = e._plot.value, e.values["loss"]
    e.controls["step"].click()
    assert e.error is None and e.values["step"] == 1 and e.values["loss"] < loss_before
    assert len(e.history) == 2 and e._plot.value != plot_before
    assert e.controls["w1"].value == pytest.approx(0.2 + 0.5 * 0.0612, abs=1e-4)
    for _ in range(19):
        e.step()
    assert e.values["step"] == 20 and len(e.history) == 21
    assert round(e.values["loss"], 4) == 0.0097  # the same as every trainer of lesson 4 after 20 steps
    assert e.history == sorted(e.history, reverse=True)


def test_neuron_reset_and_manual_change():
    e = neuron_explorer()
    e.step().step()
    e.controls["x1"].value = 1.5  # a manual change starts a new history
    assert e.values["step"] == 0 and len(e.history) == 1
    e.controls["reset"].click()
    assert e.values["step"] == 0 and round(e.values["loss"], 4) == 0.0581
    assert e.controls["x1"].value == 0.8 and e.controls["w1"].value == 0.2
    e.controls["lr"].value = 1.0  # lr does not change the loss, so the history stays
    e.step()
    assert e.values["step"] == 1


@pytest.mark.slow
def test_neuron_sliders_at_both_ends():
    e = neuron_explorer()
    for name, s in sliders(e).items():
        for end in (s.min, s.max):
            s.value = end
            assert e.error is None, (name, end, e.error)
            assert all(math.isfinite(v) for v in e.values.values()), (name, end)
            e.step()
            assert e.error is None or "slider's end" in e.error, (name, end, e.error)
        e.reset()


def test_neuron_step_past_the_slider_end_is_refused_clearly():
    e = neuron_explorer()
    e.set(x1=2.0, w1=4.9, x2=2.0, w2=-5.0, x3=0.0, b=-0.5, y=1.0, lr=2.0)  # z = -0.7: a big step
    before = e.controls["w1"].value
    e.step()
    assert e.error is not None and "lower lr or press reset" in e.error
    assert e.controls["w1"].value == before and "backprop-lab-error" in e._error_box.value
    e.reset()
    assert e.error is None


def test_neuron_browser_echo_keeps_history_but_a_real_move_resets_it():
    ex = neuron_explorer()
    ex.step()
    w1 = ex.controls["w1"]
    w1.value = round(w1.value / w1.step) * w1.step  # the browser snaps to the step grid and echoes it back
    assert ex.steps == 1 and len(ex.history) == 2
    w1.value = w1.value + 10 * w1.step  # a learner's own move starts a new history
    assert ex.steps == 0 and len(ex.history) == 1


# ---- xor_explorer ----

@pytest.mark.slow
def test_xor_mlp_defaults_reach_100_percent():
    e = xor_explorer()
    assert e.values["accuracy"] < 1.0 and e.values["step"] == 0  # untrained
    seen = []
    e.progress.observe(lambda ch: seen.append(ch["new"]), names="value")
    curve_before = e._curve.value
    e.controls["train"].click()
    assert e.error is None
    assert e.values["accuracy"] == 1.0 and e.values["loss"] < 0.01
    assert e.values["step"] == 500 and len(e.losses) == 500
    assert e.progress.value == e.progress.max == 500
    assert len(seen) >= 10 and seen == sorted(seen)  # the bar moved during training
    assert e._curve.value != curve_before and cells(e)["accuracy"] == "1.0000"


def test_xor_single_neuron_does_not_solve_it():
    e = xor_explorer(model="single neuron")
    e.train()
    assert e.error is None and e.values["accuracy"] < 1.0
    assert e.values["loss"] == pytest.approx(0.125, abs=1e-4)


@pytest.mark.slow
def test_xor_controls_at_both_ends():
    e = xor_explorer()
    for name, s in sliders(e).items():
        for end in (s.min, s.max):
            s.value = end
            assert e.error is None, (name, end, e.error)
            assert 0.0 <= e.values["accuracy"] <= 1.0
    for act in e.controls["activation"].options:
        e.controls["activation"].value = act
        assert e.error is None
    e.set(model="MLP", hidden=1, lr=0.01, steps=10, activation="relu")
    e.train()
    assert e.error is None and e.values["step"] == 10
    e.set(hidden=8, lr=5.0, steps=2000, activation="sigmoid", seed=19)
    e.train()
    assert e.error is None and math.isfinite(e.values["loss"])


def value_training(kind, hidden, activation, lr, steps, seed):
    """The XOR run on the package's Value engine, as the explorer trained before: losses and weights."""
    from backprop_lab.nn import half_mse_loss, sgd_step
    from backprop_lab.widgets.xor import xor_model
    model, (X, y), losses = xor_model(kind, hidden, activation, seed), xor(), []
    rows = [[float(v) for v in row] for row in X]
    for _ in range(steps):
        loss = half_mse_loss([model(r) for r in rows], [float(t) for t in y])
        model.zero_grad()
        loss.backward()
        sgd_step(model, lr)
        losses.append(loss.data)
    return losses, [p.data for p in model.parameters()]


@pytest.mark.parametrize("kind, hidden, activation, lr, steps, seed", [
    ("MLP", 4, "tanh", 2.0, 500, 0), ("MLP", 8, "relu", 5.0, 300, 7), ("MLP", 1, "sigmoid", 0.01, 100, 19),
    ("single neuron", 4, "tanh", 2.0, 300, 3), ("MLP", 3, "sigmoid", 5.0, 300, 11),
])
def test_xor_numpy_training_gives_the_value_engines_numbers_bit_for_bit(kind, hidden, activation, lr, steps, seed):
    from backprop_lab.widgets.xor import XorNet, train
    want_losses, want_weights = value_training(kind, hidden, activation, lr, steps, seed)
    net, (X, y), losses = XorNet(kind, hidden, activation, seed), xor(), []
    train(net, X, y, lr, steps, lambda step, loss: losses.append(loss))
    assert losses == want_losses
    assert [p.data for p in net.as_model().parameters()] == want_weights


def test_xor_slider_moves_never_train():
    from backprop_lab.widgets import xor
    e = xor_explorer()
    calls = []
    real = xor.train
    xor.train = lambda *a, **k: calls.append(1) or real(*a, **k)
    try:
        for name, value in (("seed", 5), ("hidden", 2), ("steps", 100), ("lr", 0.5), ("seed", 6)):
            e.controls[name].value = value
        e.controls["activation"].value = "relu"
        e.controls["model"].value = "single neuron"
        assert calls == [] and e.values["step"] == 0 and not e.losses
        e.controls["train"].click()
        assert calls == [1] and e.values["step"] == 100
    finally:
        xor.train = real


def test_xor_training_again_with_the_same_settings_reuses_the_run():
    from backprop_lab.widgets import xor
    e = xor_explorer(steps=200)
    e.train()
    first = (list(e.losses), dict(e.values), e._curve.value, e._boundary.value)
    trainings, draws = [], []
    real_train = xor.train
    xor.train = lambda *a, **k: trainings.append(1) or real_train(*a, **k)
    e._draw_curve = lambda: draws.append("curve")
    e._draw_boundary = lambda: draws.append("boundary")
    try:
        e.controls["seed"].value = 1  # another model, then back: the kept run and figures come back
        e.controls["seed"].value = 0
        assert e.values["step"] == 0 and draws == ["boundary"]  # seed 1's plane was new
        e.controls["train"].click()
    finally:
        xor.train = real_train
    assert trainings == [] and draws == ["boundary"] and e.error is None
    assert (e.losses, e.values, e._curve.value, e._boundary.value) == first
    assert e.progress.value == 200 and "after training, step 200" in e._ledger.value
    other = xor_explorer(steps=200)  # another explorer in the same kernel finds the run too
    other.train()
    assert other.values == first[1]


def test_xor_new_settings_train_again_and_show_their_own_numbers():
    e = xor_explorer(steps=100)
    e.train()
    before = dict(e.values)
    e.set(lr=0.5)
    e.train()
    assert e.values != before and e.values["step"] == 100
    e.set(lr=2.0)
    e.train()
    assert e.values == before


def test_xor_a_redraw_that_changes_nothing_draws_no_figure():
    e = xor_explorer()
    draws = []
    e._draw_curve = lambda: draws.append("curve")
    e._draw_boundary = lambda: draws.append("boundary")
    e.refresh()
    e.controls["hidden"].disabled = True
    assert draws == []
    e.controls["seed"].value = 4
    assert draws == ["boundary"]  # the untrained loss curve is the same for every seed


def test_xor_a_run_that_diverges_says_so_in_the_explorer(monkeypatch):
    from backprop_lab.widgets import xor
    e = xor_explorer(steps=10)
    monkeypatch.setitem(xor._ACT, "tanh", (lambda z: z * math.nan, lambda t: t))  # every number NaN
    e.controls["train"].click()  # no exception reaches the caller
    assert e.error and "FloatingPointError" in e.error and "lower lr" in e.error


# ---- vanishing_explorer ----

def test_vanishing_sigmoid_depth_10():
    e = vanishing_explorer()
    v = e.values
    assert e.error is None and len(v["grad_norms"]) == 10
    assert v["ratio"] >= 100 and v["ratio"] == pytest.approx(v["last"] / v["first"])
    assert float(shown(e, "ratio")) == pytest.approx(v["ratio"], rel=1e-3)


def test_vanishing_controls_redraw_in_place():
    e = vanishing_explorer()
    html0, plot0 = e._ledger.value, e._plot.value
    e.controls["depth"].value = 20
    assert len(e.values["grad_norms"]) == 20 and e._ledger.value != html0 and e._plot.value != plot0
    html1 = e._ledger.value
    e.controls["activation"].value = "relu"
    assert e._ledger.value != html1 and e.values["ratio"] < 100
    e.set(activation="sigmoid", depth=10, residual=True)
    assert e.values["ratio"] < 100


@pytest.mark.slow
def test_vanishing_controls_at_both_ends():
    e = vanishing_explorer()
    for act in e.controls["activation"].options:
        for residual in (False, True):
            e.set(activation=act, residual=residual)
            for name, end in (("depth", 1), ("depth", 30), ("init_scale", 0.1), ("init_scale", 3.0)):
                e.controls[name].value = end
                assert e.error is None, (act, residual, name, end, e.error)
                assert len(e.values["grad_norms"]) == e.controls["depth"].value
    e.set(activation="relu", depth=30, init_scale=3.0, residual=False, seed=19)
    assert e.error is None and e.values["first"] > 1e10 and "explode" in e._note.value


# ---- every explorer ----

@pytest.mark.parametrize("name", ["neuron", "xor", "vanishing", "chain", "nudge", "slope"])
def test_every_number_is_in_a_bl_value_cell(name):
    e = ALL[name]()
    if hasattr(e, "train"):
        e.train()
    assert_every_number_is_shown(e)


@pytest.mark.parametrize("name", sorted(ALL))
def test_float_controls_refuse_nan_and_inf_with_a_message(name):
    e = ALL[name]()
    floats = {n: c for n, c in e.controls.items() if isinstance(c, (W.FloatSlider, W.FloatLogSlider))}
    assert floats and all(isinstance(c, (FloatSlider, FloatLogSlider)) for c in floats.values())
    for control_name, control in floats.items():
        before, values = control.value, dict(e.values)
        for bad in (math.nan, math.inf, -math.inf):
            control.value = bad
            assert control.value == before, (control_name, bad)
            assert e.error is not None and "finite number" in e.error and control_name in e.error
            assert e.values == values
        lo, hi = ends(control)
        control.value = lo if before != lo else hi  # a real move clears it
        assert e.error is None, (control_name, e.error)


@pytest.mark.parametrize("make, message", [
    (lambda: chain_rule_explorer(x=5.0), r"x=5.0 is outside its slider's range \[-2.0000, 2.0000\]"),
    (lambda: slope_explorer(x=10.0), "x=10.0 is outside"),
    (lambda: nudge_explorer(c=100.0), "c=100.0 is outside"),
    (lambda: neuron_explorer(b=9.0), "b=9.0 is outside"),
    (lambda: neuron_explorer(y=math.nan), "y must be a finite number"),
    (lambda: xor_explorer(hidden=20), "hidden=20 is outside"),
    (lambda: xor_explorer(activation="swish"), "activation must be one of"),
    (lambda: vanishing_explorer(depth=0), "depth=0 is outside"),
    (lambda: expression_explorer(lambda a: a, a=(0.0, 1.0, 2.0)), "a=2.0 is outside"),
    (lambda: graph_stepper(Value(math.inf, label="x") * 2), "finite"),
])
def test_out_of_range_arguments_are_refused_not_clamped(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("name", sorted(ALL))
def test_unrun_notebook_shows_a_placeholder_line(name):
    e = ALL[name]()
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live view, when it can render
    assert bundle["text/plain"] == f"▶ Run this cell to use the live {e.kind}."
    assert "VBox" not in bundle["text/plain"] and "Run this cell" in bundle["text/html"]


@pytest.mark.slow
def test_nothing_piles_up_after_many_changes():
    for make in (chain_rule_explorer, slope_explorer, nudge_explorer, graph_stepper,
                 lambda: expression_explorer(lambda a: a * a, a=1.0)):
        ex = make()
        shape = [len(getattr(w, "children", ())) for w in ex.widget.children]
        first = next(iter(sliders(ex).values()))
        lo, hi = ends(first)
        sizes = set()
        for i in range(30):
            first.value = lo + (hi - lo) * (i % 5) / 4
            if hasattr(ex, "next"):
                ex.next()
            sizes.add(len(html_texts(ex.widget)))
        assert [len(getattr(w, "children", ())) for w in ex.widget.children] == shape
        assert len(sizes) == 1


# ---- queued browser changes draw only the newest value (issue 11) ----

def browser_sets(control, value):
    """What ipywidgets does when the browser sends a new value (comm message → set_state)."""
    control.set_state({"value": value})


def test_browser_changes_queued_in_the_kernel_draw_only_the_newest():
    ex = chain_rule_explorer()

    async def drag():
        start = ex.redraws
        for x in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):  # ten messages waiting in the kernel
            browser_sets(ex.controls["x"], x)
        assert ex.redraws == start  # nothing drawn yet: the observer only noted the newest value
        await asyncio.sleep(0.2)  # the event loop runs the one scheduled redraw
        return ex.redraws - start

    assert run_async(drag) == 1
    assert ex.values["x"] == 1.0 and ex.values["dL/dx"] == pytest.approx(30 * math.cos(25.0))
    assert shown(ex, "x") == "1.0000"


def test_code_sees_current_numbers_even_while_a_redraw_is_pending():
    ex = chain_rule_explorer()

    async def drag_then_read():
        browser_sets(ex.controls["x"], 1.0)
        return dict(ex.values)  # read before the loop ran the redraw

    values = run_async(drag_then_read)
    assert values["x"] == 1.0 and values["u"] == pytest.approx(5.0)
    assert shown(ex, "u") == "5.0000"


def test_without_an_event_loop_every_change_redraws_at_once():
    ex = chain_rule_explorer()
    start = ex.redraws
    for x in (0.1, 0.2, 0.3):
        browser_sets(ex.controls["x"], x)
        assert ex.values["x"] == x and shown(ex, "x") == f"{x:.4f}"
    ex.controls["x"].value = 0.5  # code inside a running kernel also redraws at once
    assert ex.redraws == start + 4


# ---- issue 18: explorers every learner can use at any pace ----

def spy_draws(explorer, name):
    """A list that gets controls[name].value each time the explorer redraws."""
    drawn, real = [], explorer.update

    def spying(*args, **kw):
        drawn.append(explorer.controls[name].value)
        return real(*args, **kw)

    explorer.update = spying
    return drawn


def test_expression_output_never_takes_a_leafs_name():
    ex = expression_explorer(lambda L, x: L * x, L=2.0, x=3.0)
    v = ex.values
    assert v["L"] == 2.0 and v["x"] == 3.0  # the leaves
    assert v["out"] == 6.0 and v["dout/dL"] == 3.0 and v["dout/dx"] == 2.0  # the output and its grads
    assert "dL/dL" not in v
    assert_every_number_is_shown(ex)
    assert expression_explorer(lambda a: a * 2.0, a=1.0).values["dL/da"] == 2.0  # unlabelled: still L


@pytest.mark.parametrize("name", sorted(ALL))
def test_values_outside_a_sliders_range_are_refused_with_a_message(name):
    e = ALL[name]()
    for control_name, control in sliders(e).items():
        before, values = control.value, dict(e.values)
        lo, hi = ends(control)
        for bad in (hi + abs(hi) + 1, lo - abs(lo) - 1):
            control.value = bad
            assert control.value == before, (control_name, bad)  # not clamped to the end
            assert e.error is not None and "outside" in e.error and control_name in e.error, e.error
            assert e.values == values
        lo, hi = ends(control)
        control.value = lo if before != lo else hi  # a real move clears it
        assert e.error is None, (control_name, e.error)


BURSTS = {  # a slider and the values a fast drag sends, newest last
    "slope": ("x", (0.5, 1.0, 1.5, 2.0)), "nudge": ("a", (1.0, 0.0, -1.0)),
    "stepper": ("a", (1.0, 3.0, 4.0)), "expression": ("a", (2.0, 3.0, 4.0)),
    "neuron": ("x1", (0.1, 0.5, 1.0, 1.5)), "xor": ("seed", (1, 2, 3)),
    "vanishing": ("init_scale", (0.5, 1.5, 2.0)),
}


@pytest.mark.parametrize("name", sorted(BURSTS))
def test_a_burst_of_browser_changes_draws_only_the_newest_value(name):
    ex = ALL[name]()
    control, burst = BURSTS[name]
    drawn = spy_draws(ex, control)

    async def drag():
        for value in burst:
            browser_sets(ex.controls[control], value)
        assert drawn == []  # nothing drawn while the changes queue up
        await asyncio.sleep(0.2)

    run_async(drag)
    assert drawn == [burst[-1]]  # the newest value once, and nothing older after it
    assert ex.controls[control].value == burst[-1] and ex.error is None


def test_neuron_counts_every_click_of_one_step():
    e = neuron_explorer()
    for _ in range(12):
        e.controls["step"].click()
    assert e.steps == 12 and len(e.history) == 13 and e.values["step"] == 12


def test_neuron_counts_clicks_that_arrive_while_one_is_handled():
    e = neuron_explorer()
    real, more = e._draw, []

    def draw_while_clicks_arrive():
        if not more:  # 11 more clicks come in while the first one is being drawn
            more.append(True)
            for _ in range(11):
                e.controls["step"].click()
        return real()

    e._draw = draw_while_clicks_arrive
    e.controls["step"].click()
    assert e.steps == 12 and len(e.history) == 13
    assert e.values["step"] == 12 and shown(e, "step") == "12"
    assert e.values["loss"] == e.history[-1] and shown(e, "loss") == number_text(e.history[-1])


def test_neuron_quick_clicks_in_the_browser_all_count_and_draw_once():
    ref = neuron_explorer()
    for _ in range(12):
        ref.step()
    e = neuron_explorer()
    w1 = e.controls["w1"]

    async def clicks():
        start, echo = e.redraws, None
        for _ in range(12):
            e.controls["step"].click()
            if echo is not None:  # the browser's echo of the step before arrives after this click
                browser_sets(w1, echo)
            echo = round(w1.value / w1.step) * w1.step
        await asyncio.sleep(0.2)
        return e.redraws - start

    assert run_async(clicks) == 1
    assert e.steps == 12 and len(e.history) == 13 and e.values["step"] == 12
    assert w1.value == ref.controls["w1"].value and e.values["loss"] == ref.values["loss"]


def test_neuron_lr_redraws_the_tables_but_not_the_loss_plot():
    e = neuron_explorer()
    plots = []
    real = e._draw
    e._draw = lambda: plots.append(1) or real()
    e.controls["lr"].value = 1.0
    assert plots == [] and e.values["new b"] == pytest.approx(0.1 + 1.0 * 0.0765, abs=1e-4)
    e.step()
    assert plots == [1]


def test_xor_lr_and_steps_do_not_redraw_the_decision_plot():
    e = xor_explorer()
    boundaries, real = [], e._draw_boundary
    e._draw_boundary = lambda: boundaries.append(1) or real()
    start = e.redraws
    e.controls["lr"].value = 0.5  # lr changes nothing shown until training runs
    assert e.redraws == start and boundaries == []
    e.controls["steps"].value = 100  # the loss axis changes, the untrained model does not
    assert boundaries == [] and e.progress.max == 100
    e.controls["seed"].value = 3  # a new model: a new picture
    assert boundaries == [1]


def test_a_change_that_arrives_during_a_redraw_is_drawn_after_it(monkeypatch):
    from backprop_lab.widgets import chain

    ex = chain_rule_explorer()
    real, arrived = chain.draw_graph, []

    def draw_while_x_moves(*args, **kw):
        if not arrived:  # the learner moves x while the drawing for x = 0.5 is being made
            arrived.append(True)
            ex.controls["x"].value = 1.0
        return real(*args, **kw)

    monkeypatch.setattr(chain, "draw_graph", draw_while_x_moves)
    ex.controls["x"].value = 0.5
    assert ex.values["x"] == 1.0 and shown(ex, "x") == "1.0000" and shown(ex, "u") == "5.0000"
    assert "data 1.0000" in svg_texts(ex)


# ---- readable by everyone: full-size drawings, text alternatives, names, contrast, layout ----

GRAPHS = ("chain", "stepper", "expression")


def walk(widget):
    """Every widget in a widget tree."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


@pytest.mark.parametrize("name", GRAPHS)
def test_explorer_drawings_are_full_size_in_a_scroll_box(name):
    ex = ALL[name]()
    page = ex._graph.value
    svg = re.search(r"<svg\b[^>]*>", page).group(0)
    width = float(re.search(r'\swidth="([\d.]+)px"', svg).group(1))
    view = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ', svg).group(1))
    sizes = [float(f) * width / view for f in re.findall(r'<text\b[^>]*font-size="([\d.]+)"', page)]
    assert sizes and min(sizes) >= 11  # CSS px, whatever the window width: nothing shrinks it
    assert "max-width:none" in svg and width == pytest.approx(view * 4 / 3, abs=1)
    box = re.match(r'<div class="backprop-lab-graph"[^>]*>', page).group(0)
    assert "overflow-x:auto" in box and "max-width:100%" in box and 'tabindex="0"' in box


@pytest.mark.parametrize("name", GRAPHS)
def test_explorer_drawings_list_their_numbers(name):
    ex = ALL[name]()
    if name == "stepper":
        run_to_end(ex)
    label = html.unescape(re.search(r'<svg\b[^>]*\baria-label="([^"]*)"', ex._graph.value).group(1))
    named = [k for k in ex.values if "/" not in k and isinstance(ex.values[k], float)]
    assert len(named) >= 3
    for key in named:
        entry = re.search(rf"(?:^|; |\. ){re.escape(key)}(?: = [^:]*)?: data ([^,;.]+\.?\d*), grad ([^,;]+)", label)
        assert entry, (key, label)
        assert entry.group(1) == number_text(ex.values[key])
        grad = 1.0 if key == "L" else ex.values[f"dL/d{key}"]
        assert entry.group(2).rstrip(".") == number_text(grad)
    assert "<details" in ex._graph.value


FIGURES = {"slope": ["_plot"], "neuron": ["_plot"], "xor": ["_curve", "_boundary"], "vanishing": ["_plot"]}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_explorer_figures_have_a_text_alternative(name):
    ex = ALL[name]()
    for part in FIGURES[name]:
        svg = re.search(r"<svg\b[^>]*>", getattr(ex, part).value).group(0)
        assert 'role="img"' in svg and re.search(r'aria-label="[^"]*\d', svg), (part, svg[:200])


def test_vanishing_figure_alt_lists_each_layers_number():
    ex = vanishing_explorer(depth=5)
    label = html.unescape(re.search(r'aria-label="([^"]*)"', ex._plot.value).group(1))
    assert all(number_text(v) in label for v in ex.values["grad_norms"])


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_control_is_a_named_widget_in_the_explorer(name):
    ex = ALL[name]()
    tree = list(walk(ex.widget))
    for key, control in ex.controls.items():
        assert isinstance(control, W.DOMWidget) and control in tree  # Tab reaches it
        assert control.description and control.tooltip, key
        if key in sliders(ex) or isinstance(control, (W.Dropdown, W.ToggleButtons, W.Checkbox)):
            assert control.description == key  # the name the lesson uses: x, w1, lr, depth
    if "lr" in ex.controls:
        assert "learning rate" in ex.controls["lr"].tooltip


# WCAG 2 relative luminance and contrast ratio
def luminance(colour):
    """Relative luminance of a #rgb or #rrggbb colour."""
    h = colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    """The WCAG contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


LIGHT, DARK = "#ffffff", "#111111"  # JupyterLab's light and dark page backgrounds (near enough)


def text_colours(page):
    """(text colour, background or None, text) for every run of text under a fixed style colour."""
    from html.parser import HTMLParser

    found, stack = [], []

    def style_of(attrs):
        style = dict(attrs).get("style") or ""
        pairs = [part.split(":", 1) for part in style.split(";") if ":" in part]
        props = {k.strip().lower(): v.strip() for k, v in pairs}
        return props.get("color"), props.get("background") or props.get("background-color")

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in ("br", "img", "input", "hr", "meta", "col"):
                stack.append(style_of(attrs))

        def handle_endtag(self, tag):
            if stack and tag not in ("br", "img", "input", "hr", "meta", "col"):
                stack.pop()

        def handle_data(self, data):
            if not data.strip():
                return
            colour = next((c for c, _ in reversed(stack) if c), None)
            back = next((b for _, b in reversed(stack) if b), None)
            if colour and not colour.startswith("var("):
                found.append((colour, back, data.strip()))

    Reader().feed(re.sub(r"<svg\b.*?</svg>", "", page, flags=re.S))  # drawings carry their own white ground
    return found


def assert_readable(page):
    for colour, back, text in text_colours(page):
        assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", colour), (colour, text)
        grounds = [back] if back else [LIGHT, DARK]  # no ground of its own: it sits on the theme's
        for ground in grounds:
            assert contrast(colour, ground) >= 4.5, (colour, ground, text)


@pytest.mark.parametrize("name", sorted(ALL))
def test_explorer_text_keeps_4_5_contrast_in_light_and_dark_themes(name):
    ex = ALL[name]()
    pages = html_texts(ex.widget) + [ex._repr_mimebundle_()["text/html"]]
    for page in pages:
        assert_readable(page)


def test_the_chain_legend_is_dark_on_its_own_white_box():
    legend = [p for p in html_texts(chain_rule_explorer().widget) if "backprop-lab-legend" in p][0]
    runs = text_colours(legend)
    assert {back for _, back, _ in runs} == {"#ffffff"} and len(runs) >= 4
    assert contrast("#333", DARK) < 4.5  # what the legend was: dark grey on the dark theme


def test_error_boxes_and_notes_keep_4_5_contrast():
    from backprop_lab.widgets._base import error_html

    assert_readable(error_html("x = nan refused"))
    assert_readable(graph._note("a note", "digraph {}"))


def test_drawing_colours_keep_4_5_contrast_on_their_fills():
    from backprop_lab.style import COLORS as c

    pairs = [(c["data"], c["data_fill"]), (c["grad"], c["grad_fill"]), (c["local"], "#ffffff"),
             (c["edge"], "#ffffff"), ("#000000", c["highlight_fill"]), ("#000000", c["op_fill"])]
    for colour, ground in pairs:
        assert contrast(colour, ground) >= 4.5, (colour, ground)


# ---- the stepper's box and its last step ----

def test_stepper_keeps_one_height_and_marks_the_last_step():
    ex = graph_stepper()
    heights = set()
    for _ in range(ex.total + 2):
        heights.add((ex._graph.layout.min_height, ex._status.layout.min_height))
        drawn = graph.svg_size(ex._graph.value)[1]
        assert drawn <= int(ex._graph.layout.min_height[:-2])
        assert not ex.controls["next"].disabled  # not at the end yet
        if ex.state["step"] == ex.total - 1:
            break
        ex.next()
    ex.next()
    heights.add((ex._graph.layout.min_height, ex._status.layout.min_height))
    assert len(heights) == 1  # reserved from the first drawing on: nothing jumps
    assert ex.state["done"] and ex.controls["next"].disabled
    assert "last step: every grad is filled in" in ex._status.value
    ex.next()  # from code it stays at the end
    assert ex.state["step"] == ex.total and ex.error is None
    ex.prev()
    assert not ex.controls["next"].disabled and "last step" not in ex._status.value


# ---- lesson 6: a fixed log axis ----

def test_vanishing_axis_range_is_fixed_across_settings():
    from backprop_lab.widgets.vanishing import Y_RANGE

    ex = vanishing_explorer()
    ranges = set()
    for depth, activation in ((30, "relu"), (10, "relu"), (10, "sigmoid"), (30, "tanh"), (5, "tanh")):
        ex.set(depth=depth, activation=activation)
        ax = ex.plot_figure(ex.values["grad_norms"]).axes[0]
        ranges.add(tuple(round(math.log10(v)) for v in ax.get_ylim()))
    assert ranges == {(round(math.log10(Y_RANGE[0])), round(math.log10(Y_RANGE[1])))} == {(-12, 2)}


def test_vanishing_axis_widens_by_whole_decades_for_values_outside():
    from backprop_lab.widgets.vanishing import y_range

    lo, hi = y_range([3e-21, 5.0, 4e7])
    assert (lo, hi) == (1e-21, 1e8)


# ---- lesson 5: a layout that wraps, and one step count ----

def test_xor_rows_wrap_instead_of_overflowing():
    ex = xor_explorer()
    rows = [w for w in ex.widget.children if isinstance(w, W.Box) and not isinstance(w, W.HTML)]
    assert rows and all(w.layout.flex_flow == "row wrap" for w in rows)
    for part in (ex._ledger, ex._curve, ex._boundary):
        assert part.layout.min_width and int(part.layout.min_width[:-2]) <= 340
    assert sum(int(p.layout.min_width[:-2]) for p in (ex._ledger, ex._curve, ex._boundary)) > 760  # wraps at 900 px


def step_cell(explorer):
    return int(re.search(r'data-name="step"[^>]*>(\d+)<', explorer._ledger.value).group(1))


def test_xor_table_step_matches_the_loss_curve_while_training():
    ex = xor_explorer(steps=100)
    seen = []
    ex._curve.observe(lambda change: seen.append((len(ex.losses), step_cell(ex), ex._ledger.value)), names="value")
    ex.train()
    assert len(seen) >= 4
    for drawn, shown, table in seen:
        assert drawn == shown and f"step {drawn}</b>" in table
    assert "after training, step 100" in ex._ledger.value


def test_the_slope_legend_does_not_cover_the_curve():
    ex = slope_explorer(x_range=(-3.0, 4.0))
    fig = ex._fig
    renderer = fig._get_renderer()
    ax = fig.axes[0]
    legend, plot = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
    assert not legend.overlaps(plot)
    assert [t.get_fontsize() >= 9 for t in ax.get_legend().get_texts()] == [True] * 3


def test_lab_settings_save_widget_state():
    import json
    from pathlib import Path

    path = Path(__file__).parents[1] / "jupyter-config/share/jupyter/lab/settings/overrides.json"
    assert json.loads(path.read_text())["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}


def test_every_explorer_carries_the_slider_keys_helper():
    """The invisible SliderKeys widget names each slider handle and keeps its arrow keys (browser side)."""
    import backprop_lab as bl
    from backprop_lab.widgets.keyboard import SliderKeys
    for make in (bl.slope_explorer, bl.nudge_explorer, bl.chain_rule_explorer, bl.neuron_explorer,
                 bl.xor_explorer, bl.vanishing_explorer):
        ex = make()
        assert sum(isinstance(w, SliderKeys) for w in ex.widget.children) == 1, make.__name__
    assert "aria-label" in SliderKeys._esm and "preventDefault" in SliderKeys._esm


def test_figure_explorers_redraw_on_release_and_graph_explorers_while_dragging():
    """A figure costs tens of ms: those explorers redraw once per release, so no older picture arrives after it."""
    import backprop_lab as bl
    for make, live in ((bl.slope_explorer, False), (bl.nudge_explorer, False), (bl.neuron_explorer, False),
                       (bl.xor_explorer, False), (bl.vanishing_explorer, False), (bl.chain_rule_explorer, True)):
        sliders = [c for c in make().controls.values() if hasattr(c, "continuous_update")]
        assert sliders and all(c.continuous_update is live for c in sliders), make.__name__
