"""The lesson 4-6 explorers, driven through their controls, buttons and methods."""

import math
import re

import ipywidgets as W
import pytest

from backprop_lab.widgets import neuron_explorer, vanishing_explorer, xor_explorer


def cells(html_text):
    """data-name → text of every bl-value cell in an HTML string."""
    return dict(re.findall(r'class="bl-value" data-name="([^"]*)"[^>]*>([^<]*)<', html_text))


def all_html(explorer):
    """Every HTML string inside the explorer's widget tree."""
    out, stack = [], [explorer.widget]
    while stack:
        w = stack.pop()
        if isinstance(w, W.HTML):
            out.append(w.value)
        stack.extend(getattr(w, "children", ()))
    return "".join(out)


def sliders(explorer):
    return {n: c for n, c in explorer.controls.items() if isinstance(c, (W.FloatSlider, W.IntSlider))}


# ---- neuron_explorer ----

def test_neuron_explorer_starts_at_the_lesson_numbers():
    e = neuron_explorer()
    v = e.values
    assert e.error is None
    assert round(v["z"], 4) == 0.66 and round(v["yhat"], 4) == 0.6593 and round(v["loss"], 4) == 0.0581
    assert [round(v[f"dL/dw{i}"], 4) for i in (1, 2, 3)] == [-0.0612, 0.0306, -0.0919]
    assert round(v["dL/db"], 4) == -0.0765 and v["step"] == 0
    shown = cells(all_html(e))
    for name, text in {"z": "0.6600", "yhat": "0.6593", "loss": "0.0581", "dL/dw1": "-0.0612",
                       "dL/dw3": "-0.0919", "dL/db": "-0.0765", "step": "0"}.items():
        assert shown[name] == text, name


def test_neuron_step_lowers_loss_and_grows_the_plot():
    e = neuron_explorer()
    plot_before, loss_before = e._plot.value, e.values["loss"]
    e.controls["step"].click()
    assert e.error is None
    assert e.values["step"] == 1 and e.values["loss"] < loss_before
    assert len(e.history) == 2 and e._plot.value != plot_before
    assert e.controls["w1"].value == pytest.approx(0.2 + 0.5 * 0.0612, abs=1e-4)
    assert cells(all_html(e))["step"] == "1"
    for _ in range(19):
        e.step()
    assert e.values["step"] == 20 and len(e.history) == 21
    assert round(e.values["loss"], 4) == 0.0097  # the same as every trainer after 20 steps
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


# ---- xor_explorer ----

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
    assert e._curve.value != curve_before
    assert cells(all_html(e))["accuracy"] == "1.0000"


def test_xor_single_neuron_does_not_solve_it():
    e = xor_explorer()
    e.controls["model"].value = "single neuron"
    e.train()
    assert e.error is None
    assert e.values["accuracy"] < 1.0
    assert e.values["loss"] == pytest.approx(0.125, abs=1e-4)


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


# ---- vanishing_explorer ----

def test_vanishing_sigmoid_depth_10():
    e = vanishing_explorer()
    v = e.values
    assert e.error is None and len(v["grad_norms"]) == 10
    assert v["ratio"] >= 100 and v["ratio"] == pytest.approx(v["last"] / v["first"])
    shown = cells(all_html(e))
    assert float(shown["ratio"]) == pytest.approx(v["ratio"], rel=1e-3)
    assert float(shown["first"]) == pytest.approx(v["first"], rel=1e-3)


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


def test_vanishing_controls_at_both_ends():
    e = vanishing_explorer()
    for act in e.controls["activation"].options:
        for residual in (False, True):
            e.set(activation=act, residual=residual)
            for name, end in (("depth", 1), ("depth", 30), ("init_scale", 0.1), ("init_scale", 3.0)):
                e.controls[name].value = end
                assert e.error is None, (act, residual, name, end, e.error)
                assert len(e.values["grad_norms"]) == e.controls["depth"].value
    for end in (e.controls["seed"].min, e.controls["seed"].max):
        e.controls["seed"].value = end
        assert e.error is None
    e.set(activation="relu", depth=30, init_scale=3.0, residual=False)
    assert e.error is None and e.values["first"] > 1e10  # exploding
    assert "explode" in e._note.value


@pytest.mark.parametrize("make", [neuron_explorer, xor_explorer, vanishing_explorer])
def test_every_number_is_in_a_bl_value_cell(make):
    e = make()
    if hasattr(e, "train"):
        e.train()
    shown = cells(all_html(e))
    for key, value in e.values.items():
        if key == "grad_norms":  # a list: shown through first / last / ratio
            continue
        assert key in shown, key
        assert float(shown[key]) == pytest.approx(value, rel=1e-3, abs=1e-4), (key, shown[key], value)


def test_neuron_browser_echo_keeps_history_but_a_real_move_resets_it():
    ex = neuron_explorer()
    ex.step()
    assert ex.steps == 1 and len(ex.history) == 2
    w1 = ex.controls["w1"]
    w1.value = round(w1.value / w1.step) * w1.step  # the browser snaps to the step grid and echoes it back
    assert ex.steps == 1 and len(ex.history) == 2
    w1.value = w1.value + 10 * w1.step  # a learner's own move starts a new history
    assert ex.steps == 0 and len(ex.history) == 1
