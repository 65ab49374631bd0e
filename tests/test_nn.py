"""The NN library: micrograd compatibility, activations, seeding, losses, SGD, clipping, datasets."""

import math

import numpy as np
import pytest

from backprop_lab import Value
from backprop_lab.datasets import moons
from backprop_lab.nn import (MLP, Layer, Neuron, clip_grad_norm, half_mse_loss, hinge_loss,
                             l2_penalty, mse_loss, sgd_step)
from helpers import assert_close


def test_micrograd_mlp_shape():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 337
    acts = [n.activation for layer in model.layers for n in layer.neurons[:1]]
    assert acts == ["relu", "relu", "linear"]
    assert isinstance(model([1.0, 2.0]), Value)


def test_runs_micrograd_code_unchanged():
    """micrograd's README example, with micrograd's own results for its engine part."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert round(g.data, 4) == 24.7041
    assert round(a.grad, 4) == 138.8338 and round(b.grad, 4) == 645.5773


def test_micrograd_matches_side_by_side():
    pytest.importorskip("micrograd.engine", reason="micrograd is not installed (make test installs it)")
    import random

    random.seed(7)
    ours = MLP(3, [4, 1])
    random.seed(7)
    from micrograd.nn import MLP as MicroMLP
    theirs = MicroMLP(3, [4, 1])
    x = [0.5, -1.0, 2.0]
    out_ours, out_theirs = ours(x), theirs(x)
    out_ours.backward()
    out_theirs.backward()
    assert out_ours.data == pytest.approx(out_theirs.data, rel=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "linear"])
def test_activation_choice(act):
    n = Neuron(3, activation=act, seed=0)
    z = sum(w * x for w, x in zip(n.w, [0.1, 0.2, 0.3])) + n.b
    want = {"relu": max(z.data, 0.0), "tanh": math.tanh(z.data),
            "sigmoid": 1 / (1 + math.exp(-z.data)), "linear": z.data}[act]
    assert_close(n([0.1, 0.2, 0.3]).data, want, rel=1e-12)


def test_bad_activation_and_input_size():
    with pytest.raises(ValueError, match="activation must be one of"):
        Neuron(2, activation="softmax")
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        Neuron(2)([1, 2, 3])


def test_seeded_init_is_reproducible_and_private():
    import random

    random.seed(1)
    before = random.random()
    random.seed(1)
    a = [p.data for p in MLP(2, [4, 1], seed=3).parameters()]
    assert random.random() == before  # a seeded MLP leaves the global random state alone
    b = [p.data for p in MLP(2, [4, 1], seed=3).parameters()]
    c = [p.data for p in MLP(2, [4, 1], seed=4).parameters()]
    assert a == b and a != c


def test_zero_grad_and_layer():
    layer = Layer(2, 3, seed=0, activation="tanh")
    out = layer([1.0, -1.0])
    sum(out, Value(0.0)).backward()
    assert any(p.grad != 0 for p in layer.parameters())
    layer.zero_grad()
    assert all(p.grad == 0 for p in layer.parameters())


def test_losses_follow_their_stated_conventions():
    preds, ys = [Value(0.5), Value(2.0)], [1.0, 0.0]
    assert_close(mse_loss(preds, ys).data, (0.25 + 4.0) / 2)
    assert_close(half_mse_loss(preds, ys).data, (0.25 + 4.0) / 4)
    scores, labels = [Value(0.5), Value(-2.0), Value(3.0)], [1, 1, -1]
    assert_close(hinge_loss(scores, labels).data, (0.5 + 3.0 + 4.0) / 3)
    assert_close(l2_penalty([Value(1.0), Value(-2.0)], 1e-4).data, 5e-4)
    with pytest.raises(ValueError, match="as many predictions as targets"):
        mse_loss([Value(1.0)], [1.0, 2.0])


def test_half_mse_gradient_is_error_over_n():
    p = Value(0.3)
    half_mse_loss([p], [1.0]).backward()
    assert_close(p.grad, 0.3 - 1.0)


def test_sgd_step():
    p = Value(1.0)
    p.grad = 2.0
    sgd_step([p], lr=0.1)
    assert_close(p.data, 0.8)
    model = MLP(1, [1], seed=0)
    for q in model.parameters():
        q.grad = 1.0
    before = [q.data for q in model.parameters()]
    sgd_step(model, lr=0.5)
    assert [q.data for q in model.parameters()] == pytest.approx([b - 0.5 for b in before])


def test_clip_grad_norm():
    ps = [Value(0.0) for _ in range(3)]
    for p, g in zip(ps, (3.0, 4.0, 0.0)):
        p.grad = g
    norm = clip_grad_norm(ps, 1.0)
    assert norm == 5.0
    assert [p.grad for p in ps] == pytest.approx([0.6, 0.8, 0.0])  # same direction, norm 1
    assert clip_grad_norm(ps, 10.0) == pytest.approx(1.0)
    assert [p.grad for p in ps] == pytest.approx([0.6, 0.8, 0.0])  # below the limit: untouched
    with pytest.raises(ValueError, match="max_norm must be positive"):
        clip_grad_norm(ps, 0)


def test_training_moons_reduces_loss():
    X, y = moons(40, 0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    first = None
    for _ in range(15):
        scores = [model(list(row)) for row in X]
        loss = hinge_loss(scores, list(2 * y - 1)) + l2_penalty(model.parameters(), 1e-4)
        model.zero_grad()
        loss.backward()
        sgd_step(model, 0.5)
        first = first if first is not None else loss.data
    assert loss.data < 0.6 * first


def test_mlp_with_a_one_neuron_hidden_layer():
    model = MLP(2, [1, 3, 1], activation="tanh", seed=0)
    out = model([0.5, -0.5])
    out.backward()
    assert isinstance(out, Value) and any(p.grad != 0 for p in model.layers[0].parameters())


# ---- issue 10: sizes and loss inputs ----

@pytest.mark.parametrize("nin, nouts, words", [
    (2, [0, 1], r"nouts\[0\] must be a whole number >= 1, got 0"),
    (2, [4, -1], r"nouts\[1\] must be a whole number >= 1, got -1"),
    (2, [2.5, 1], r"nouts\[0\] must be a whole number >= 1, got 2.5"),
    (2, [True, 1], r"nouts\[0\] must be a whole number >= 1, got True"),
    (0, [1], "nin must be a whole number >= 1, got 0"),
    (2, 3, r"nouts must be a list of layer sizes such as \[16, 16, 1\], got 3"),
    (2, [], "nouts must be a list of layer sizes"),
])
def test_mlp_refuses_bad_sizes(nin, nouts, words):
    with pytest.raises(ValueError, match=words):
        MLP(nin, nouts)


def test_neuron_and_layer_refuse_bad_sizes():
    with pytest.raises(ValueError, match="number of inputs must be a whole number >= 1, got -2"):
        Neuron(-2)
    with pytest.raises(ValueError, match="number of neurons must be a whole number >= 1, got 0"):
        Layer(2, 0)


def test_losses_accept_numpy_arrays_of_values():
    preds = np.array([Value(0.5), Value(2.0)], dtype=object)
    loss = mse_loss(preds, np.array([1.0, 0.0]))
    loss.backward()
    assert_close(loss.data, (0.25 + 4.0) / 2)
    assert [p.grad for p in preds] == pytest.approx([-0.5, 2.0])
    assert_close(hinge_loss(np.array([Value(0.5)]), np.array([1])).data, 0.5)


def test_loss_count_error_counts_array_items():
    with pytest.raises(ValueError, match="got 3 and 2"):
        mse_loss(np.array([Value(1.0), Value(2.0), Value(3.0)]), [1.0, 2.0])


# ---- issue 19's nn gaps, each a regression test ----

@pytest.mark.parametrize("lr", [np.float32(0.01), np.float64(0.01), np.array(0.01), 0.01, 1])
def test_sgd_step_keeps_parameters_python_floats(lr):
    model = MLP(2, [3, 1], seed=0)
    model([1.5, -2.0]).backward()
    sgd_step(model, lr)
    assert all(type(p.data) is float for p in model.parameters())


@pytest.mark.parametrize("lr", [Value(0.1), "0.1", None, 1j, [0.1]])
def test_sgd_step_refuses_a_learning_rate_that_is_not_a_real_number(lr):
    model = MLP(2, [1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(TypeError, match="learning rate"):
        sgd_step(model, lr)
    assert [p.data for p in model.parameters()] == before  # nothing changed


@pytest.mark.parametrize("kwargs", [{"activation": "gelu"}, {"out_activation": "swish"}])
def test_mlp_checks_every_activation(kwargs):
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(2, [1], **kwargs)


@pytest.mark.parametrize("sizes", [(n for n in [3, 1]), iter([3, 1]), range(3, 0, -2), (3, 1)])
def test_mlp_sizes_can_be_any_iterable(sizes):
    model = MLP(2, sizes, seed=0)
    assert [len(layer.neurons) for layer in model.layers] == [3, 1]


def test_l2_penalty_accepts_a_model_like_its_siblings():
    model = MLP(2, [2, 1], seed=0)
    assert l2_penalty(model, 0.5).data == l2_penalty(model.parameters(), 0.5).data
    assert l2_penalty(model, 0.5).data == pytest.approx(0.5 * sum(p.data ** 2 for p in model.parameters()))
