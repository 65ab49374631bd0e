"""The shared figures draw what they say."""

import numpy as np

from backprop_lab.datasets import xor
from backprop_lab.nn import MLP, Neuron
from backprop_lab.plots import decision_boundaries, gradient_histogram


def test_decision_boundaries_one_panel_per_model_plus_colour_bar():
    X, y = xor()
    fig = decision_boundaries({"neuron": Neuron(2, activation="sigmoid", seed=0),
                               "mlp": MLP(2, [3, 1], activation="tanh", out_activation="sigmoid", seed=0)}, X, y)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:2] == ["neuron", "mlp"] and len(fig.axes) == 3


def test_gradient_histogram_counts_every_sample():
    fig = gradient_histogram({"near output": np.full(10, 1e-2), "near input": np.full(7, 1e-9)})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["near output", "near input"]
    heights = [sum(p.get_height() for p in container) for container in ax.containers]
    assert heights == [10, 7]
