"""The shared figures draw what they say, and decision_grid agrees with the model it draws."""

import os
import subprocess
import sys

import numpy as np
import pytest

from backprop_lab.datasets import xor
from backprop_lab.nn import MLP, Neuron
from backprop_lab.plots import decision_boundaries, decision_grid, figure, figure_svg, gradient_histogram


def test_decision_boundaries_one_panel_per_model_plus_colour_bar():
    X, y = xor()
    fig = decision_boundaries({"neuron": Neuron(2, activation="sigmoid", seed=0),
                               "mlp": MLP(2, [3, 1], activation="tanh", out_activation="sigmoid", seed=0)}, X, y)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:2] == ["neuron", "mlp"] and len(fig.axes) == 3


@pytest.mark.parametrize("model", [
    Neuron(2, activation="sigmoid", seed=1),
    MLP(2, [4, 1], activation="tanh", out_activation="sigmoid", seed=0),
    MLP(2, [3, 3, 1], activation="relu", seed=2),
])
def test_decision_grid_matches_the_model_point_by_point(model):
    xs, ys, Z = decision_grid(model, lo=-1.0, hi=2.0, n=7)
    assert Z.shape == (7, 7)
    for i in (0, 3, 6):
        for j in (0, 2, 5):
            assert Z[i, j] == pytest.approx(model([xs[j], ys[i]]).data, rel=1e-12, abs=1e-12)


def test_decision_grid_takes_a_plain_function():
    xs, ys, Z = decision_grid(lambda p: p[0] - 2 * p[1], lo=0.0, hi=1.0, n=3)
    assert Z[2, 1] == pytest.approx(xs[1] - 2 * ys[2])


def test_gradient_histogram_counts_every_sample():
    fig = gradient_histogram({"near output": np.full(10, 1e-2), "near input": np.full(7, 1e-9)})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["near output", "near input"]
    assert [sum(p.get_height() for p in c) for c in ax.containers] == [10, 7]


def test_figure_helper_makes_an_svg():
    fig = figure((2.0, 1.5))
    fig.add_subplot().plot([0, 1], [1, 0])
    assert list(fig.get_size_inches()) == [2.0, 1.5]
    assert figure_svg(fig).lstrip().startswith("<?xml") and "<svg" in figure_svg(fig)


@pytest.mark.slow
def test_plots_and_explorers_do_not_import_the_lesson_modules():
    code = ("import sys; import backprop_lab.plots, backprop_lab.widgets; "
            "from backprop_lab.widgets import neuron_explorer, xor_explorer, vanishing_explorer; "
            "neuron_explorer(); xor_explorer(); vanishing_explorer(); "
            "print(sorted(m for m in sys.modules if m.startswith('backprop_lab.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(__file__))).stdout
    for gone in ("backprop_lab.training", "backprop_lab.neuron", "backprop_lab.depth"):
        assert gone not in out, out
    assert "backprop_lab.plots" in out


@pytest.mark.parametrize("number", [np.float64, np.float32, np.array])
def test_decision_grid_takes_numpy_numbers(number):
    xs, ys, Z = decision_grid(lambda p: number(p[0] - 2 * p[1]), lo=0.0, hi=1.0, n=3)
    assert Z[2, 1] == pytest.approx(xs[1] - 2 * ys[2])


def test_gradient_histogram_legend_sits_beside_the_bars_not_on_them():
    rng = np.random.default_rng(0)
    fig = gradient_histogram({"near output": rng.lognormal(-5, 1, 500), "near input": rng.lognormal(-15, 2, 500)},
                             title="depth 20")
    fig.draw_without_rendering()  # constrained layout places the axes and legend as a notebook would
    renderer = fig._get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))  # outside the axes: no bar under it
    bars = [p.get_window_extent(renderer) for c in ax.containers for p in c if p.get_height() > 0]
    assert bars and not any(legend.overlaps(b) for b in bars)
    assert legend.x1 <= fig.bbox.x1 and legend.y1 <= fig.bbox.y1  # and still inside the picture


def test_figure_svg_carries_its_text_alternative():
    fig = figure((2.0, 1.5))
    fig.add_subplot().plot([0, 1], [1, 0])
    svg = figure_svg(fig, alt='loss 0.5 < 1 & "done"')
    assert 'role="img" aria-label="loss 0.5 &lt; 1 &amp; &quot;done&quot;"' in svg
    assert "aria-label" not in figure_svg(fig)


def test_log_axes_label_their_ticks_at_full_size():
    """1e-12 in the tick font, not 10 with a superscript exponent at 70% of it (too small to read)."""
    import matplotlib
    matplotlib.use("Agg")
    from backprop_lab.plots import figure, plain_log_ticks
    fig = figure()
    ax = fig.add_subplot()
    ax.semilogy([1, 2, 3], [1e-12, 1e-4, 10])
    plain_log_ticks(ax.yaxis)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "1e-12" in labels and "1" in labels and not any("^" in t or "$" in t for t in labels), labels
