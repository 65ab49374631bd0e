"""Training loops and XOR: one neuron stalls at 0.125, an MLP solves it; hand backprop equals autograd."""

import numpy as np
import pytest

from backprop_lab.datasets import xor
from backprop_lab.nn import MLP, half_mse_loss, mse_loss
from backprop_lab.training import (
    CONVERGED_LOSS, XOR_DEFAULTS, accuracy, decision_grid, mlp_params, predict, train,
    train_two_layer_numpy, train_xor, two_layer_backprop, xor_model, xor_seed_sweep,
    xor_single_neuron,
)


def test_train_returns_losses_and_calls_back_every_step():
    X, y = xor()
    model = xor_model(seed=1)
    seen = []
    losses = train(model, X, y, lr=1.0, steps=30, callback=lambda s, L: seen.append((s, L)))
    assert len(losses) == 30
    assert seen == list(enumerate(losses))
    assert losses[-1] < losses[0]


def model_fresh(X, seed):
    m = xor_model(seed=seed)
    return [m([float(a) for a in row]) for row in X]


def test_train_first_loss_is_the_untrained_models_loss():
    X, y = xor()
    preds = model_fresh(X, seed=2)
    want = half_mse_loss(preds, list(y)).data
    assert train(xor_model(seed=2), X, y, steps=1)[0] == pytest.approx(want, rel=1e-15)
    want_mse = mse_loss(model_fresh(X, seed=2), list(y)).data
    assert train(xor_model(seed=2), X, y, loss="mse", steps=1)[0] == pytest.approx(want_mse, rel=1e-15)


def test_train_bad_input_errors():
    X, y = xor()
    with pytest.raises(ValueError, match="loss must be one of"):
        train(xor_model(), X, y, loss="l1")
    with pytest.raises(ValueError, match="4 examples but y has 3"):
        train(xor_model(), X, y[:3])
    with pytest.raises(ValueError, match="'MLP' or 'single neuron'"):
        xor_model("deep")


def test_single_neuron_is_stuck_at_predicting_one_half():
    r = xor_single_neuron()
    assert r.loss == pytest.approx(0.125, abs=1e-6)  # half-MSE; plain MSE is 0.25
    assert min(r.losses) >= 0.125 - 1e-12  # it never beats guessing 0.5
    assert np.allclose(r.preds, 0.5, atol=1e-4)
    assert r.accuracy <= 0.75
    for seed in range(3):
        assert train_xor("single neuron", seed=seed).accuracy < 1.0


def test_default_mlp_solves_xor():
    r = train_xor(**XOR_DEFAULTS)
    assert r.accuracy == 1.0
    assert r.loss < CONVERGED_LOSS
    assert len(r.losses) == XOR_DEFAULTS["steps"]
    X, y = xor()
    assert accuracy(r.model, X, y) == 1.0
    assert np.array_equal(predict(r.model, X) > 0.5, y > 0.5)


def test_seed_sweep_counts():
    sweep = xor_seed_sweep()
    counts = {act: sum(solved) for act, solved in sweep.items()}
    assert counts == {"tanh": 20, "relu": 8, "sigmoid": 0}


def test_seed_sweep_engines_agree():
    for act in ("tanh", "relu"):
        fast = xor_seed_sweep((act,), seeds=range(4), engine="numpy")
        slow = xor_seed_sweep((act,), seeds=range(4), engine="value")
        assert fast == slow
    with pytest.raises(ValueError, match="engine"):
        xor_seed_sweep(("tanh",), seeds=[0], engine="jax")


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
def test_hand_written_two_layer_backprop_equals_autograd(act):
    X, y = xor()
    model = MLP(2, [3, 1], activation=act, out_activation="sigmoid", seed=7)
    p = mlp_params(model)
    out, loss, g = two_layer_backprop(p, X, y)
    value_loss = half_mse_loss([model([float(a) for a in r]) for r in X], list(y))
    model.zero_grad()
    value_loss.backward()
    assert loss == pytest.approx(value_loss.data, rel=1e-14)
    assert out == pytest.approx(predict(model, X), rel=1e-14)
    hid, top = model.layers
    assert g["W1"] == pytest.approx(np.array([[w.grad for w in n.w] for n in hid.neurons]), abs=1e-15)
    assert g["b1"] == pytest.approx(np.array([n.b.grad for n in hid.neurons]), abs=1e-15)
    assert g["W2"] == pytest.approx(np.array([[w.grad for w in n.w] for n in top.neurons]), abs=1e-15)
    assert g["b2"] == pytest.approx(np.array([n.b.grad for n in top.neurons]), abs=1e-15)


def test_two_layer_backprop_matches_finite_differences():
    X, y = xor()
    p = mlp_params(MLP(2, [2, 1], activation="tanh", out_activation="sigmoid", seed=3))
    _, _, g = two_layer_backprop(p, X, y)
    h = 1e-6
    for key in ("W1", "b1", "W2", "b2"):
        for idx in np.ndindex(p[key].shape):
            up = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in p.items()}
            down = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in p.items()}
            up[key][idx] += h
            down[key][idx] -= h
            num = (two_layer_backprop(up, X, y)[1] - two_layer_backprop(down, X, y)[1]) / (2 * h)
            assert g[key][idx] == pytest.approx(num, rel=1e-6, abs=1e-10), (key, idx)


def test_numpy_training_follows_value_training():
    X, y = xor()
    model = xor_model(seed=5)
    _, np_losses = train_two_layer_numpy(mlp_params(model), X, y, lr=2.0, steps=100)
    value_losses = train(model, X, y, lr=2.0, steps=100)
    assert np_losses == pytest.approx(value_losses, rel=1e-10)


def test_mlp_params_needs_one_hidden_layer():
    with pytest.raises(ValueError, match="exactly one hidden layer"):
        mlp_params(MLP(2, [3, 3, 1]))


def test_decision_grid_matches_the_model():
    r = train_xor()
    xs, ys, Z = decision_grid(r.model, lo=0.0, hi=1.0, n=3)
    assert Z.shape == (3, 3)
    X, _ = xor()
    preds = predict(r.model, X)
    assert [Z[0, 0], Z[2, 0], Z[0, 2], Z[2, 2]] == pytest.approx(list(preds), rel=1e-14)
    _, _, Z2 = decision_grid(lambda x: r.model(x), lo=0.0, hi=1.0, n=3)  # through Values
    assert Z2 == pytest.approx(Z, rel=1e-13)
    single = train_xor("single neuron", steps=20)
    _, _, Z3 = decision_grid(single.model, lo=0.0, hi=1.0, n=3)
    assert [Z3[0, 0], Z3[2, 0], Z3[0, 2], Z3[2, 2]] == pytest.approx(list(single.preds), rel=1e-14)


def test_one_hidden_unit_still_runs():
    r = train_xor(hidden=1, steps=20)  # MLP(2, [1, 1]): the hidden layer returns a bare Value
    assert len(r.losses) == 20 and r.accuracy <= 0.75
