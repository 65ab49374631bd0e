"""Depth and gradients: the 0.25 ceiling, vanishing with sigmoid, fixes, dead ReLU, clipping, stability."""

import math
import warnings

import numpy as np
import pytest

from backprop_lab.depth import (
    deep_net, deep_net_grads, dead_relu, exploding_chain, clip_grads_np, gradient_samples,
    layer_grad_norms, layer_gradients, naive_sigmoid_derivative, sigmoid_chain_bound,
    sigmoid_chain_product, sigmoid_derivative, sigmoid_stability_table,
)
from backprop_lab.engine import Value
from backprop_lab.nn import clip_grad_norm


def ratio(norms):
    return norms[-1] / norms[0]


def test_sigmoid_derivative_peaks_at_one_quarter():
    z = np.linspace(-10, 10, 2001)
    d = sigmoid_derivative(z)
    assert sigmoid_derivative(0.0) == 0.25
    assert d.max() == 0.25 and z[d.argmax()] == 0.0


def test_twelve_sigmoid_layers_scale_the_gradient_by_at_most_6e_8():
    assert sigmoid_chain_bound(12) == 0.25**12
    assert sigmoid_chain_bound(12) == pytest.approx(5.96e-8, rel=1e-3)
    assert sigmoid_chain_product([0.0] * 12) == pytest.approx(0.25**12, rel=1e-15)
    zs = np.random.default_rng(0).normal(scale=0.5, size=12)
    assert 1e-9 < sigmoid_chain_product(zs) < 0.25**12


def test_deep_net_backward_matches_finite_differences():
    net = deep_net(depth=4, activation="tanh", seed=1, width=3, batch=5)
    for residual in (False, True):
        _, grads = deep_net_grads(net, "tanh", residual)
        h = 1e-6
        for layer in range(4):
            for idx in np.ndindex(3, 3):
                Ws = net["Ws"]
                old = Ws[layer][idx]
                Ws[layer][idx] = old + h
                up = deep_net_grads(net, "tanh", residual)[0]
                Ws[layer][idx] = old - h
                down = deep_net_grads(net, "tanh", residual)[0]
                Ws[layer][idx] = old
                assert grads[layer][idx] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-11)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("residual", [False, True])
def test_deep_net_backward_matches_torch(act, residual):
    torch = pytest.importorskip("torch", reason="torch is not installed, so there is no PyTorch reference")
    net = deep_net(depth=6, activation=act, seed=2)
    loss, grads = deep_net_grads(net, act, residual)
    Ws = [torch.tensor(W, requires_grad=True) for W in net["Ws"]]
    h = torch.tensor(net["x"])
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[act]
    for W in Ws:
        a = f(h @ W.T)
        h = a + h if residual else a
    t_loss = 0.5 * ((h @ torch.tensor(net["v"]) - torch.tensor(net["y"])) ** 2).mean()
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    for g, W in zip(grads, Ws):
        assert g == pytest.approx(W.grad.numpy(), rel=1e-9, abs=1e-18)


def test_sigmoid_depth_10_first_layer_gets_100x_less_gradient():
    norms = layer_grad_norms(depth=10, activation="sigmoid")
    assert len(norms) == 10
    assert ratio(norms) >= 100
    assert ratio(norms) > 1e5  # seed 0: 1.87e6
    for seed in range(20):
        assert ratio(layer_grad_norms(10, "sigmoid", seed=seed)) >= 100, seed


def test_relu_and_residual_keep_the_gradient_flowing():
    for seed in range(20):
        assert 0.01 < ratio(layer_grad_norms(10, "relu", seed=seed)) < 100, seed
        assert ratio(layer_grad_norms(10, "sigmoid", seed=seed, residual=True)) < 100, seed
        assert 0.01 < ratio(layer_grad_norms(10, "tanh", seed=seed)) < 100, seed


def test_big_init_explodes_and_every_setting_stays_quiet():
    norms = layer_grad_norms(30, "relu", init_scale=2.0)
    assert norms[0] > 1e10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for act in ("sigmoid", "tanh", "relu"):
            for depth in (1, 30):
                for scale in (0.0, 5.0):
                    for residual in (False, True):
                        assert len(layer_grad_norms(depth, act, scale, residual=residual)) == depth


def test_bad_settings_get_clear_errors():
    with pytest.raises(ValueError, match="activation must be one of"):
        layer_grad_norms(5, "gelu")
    with pytest.raises(ValueError, match="depth must be"):
        layer_grad_norms(0)
    with pytest.raises(ValueError, match="init_scale"):
        layer_grad_norms(5, init_scale=-1.0)


def test_gradient_samples_for_a_histogram():
    near_out, near_in = gradient_samples(depth=10, seeds=range(5))
    assert near_out.shape == near_in.shape == (5 * 12 * 12,)
    assert near_out.mean() > 100 * near_in.mean()
    assert np.array_equal(near_in[:144], np.abs(layer_gradients(10)[0]).ravel())


def test_dead_relu_passes_no_gradient():
    dead = dead_relu()
    assert dead["z"] < 0 and dead["out"] == 0.0 and dead["loss"] == 0.5
    assert dead["dL/dw1"] == dead["dL/dw2"] == dead["dL/db"] == 0.0
    alive = dead_relu(b=0.5)  # z = 0.1 > 0: the same neuron, now learning
    assert alive["z"] > 0 and alive["dL/dw1"] != 0.0 and alive["dL/db"] != 0.0


def test_clip_grad_norm_on_an_exploding_chain():
    ws = exploding_chain(depth=10, weight=3.0)
    before = [w.grad for w in ws]
    assert before == [3.0**19] * 10
    norm = clip_grad_norm(ws, 1.0)
    assert norm == pytest.approx(math.sqrt(10) * 3.0**19, rel=1e-12)
    after = np.array([w.grad for w in ws])
    assert np.linalg.norm(after) == pytest.approx(1.0, rel=1e-12)
    assert after / np.linalg.norm(after) == pytest.approx(np.array(before) / np.linalg.norm(before), rel=1e-12)


def test_clip_grad_norm_is_a_no_op_below_max_norm():
    ws = exploding_chain(depth=3, weight=0.5)
    before = [w.grad for w in ws]
    norm = clip_grad_norm(ws, 10.0)
    assert norm < 10.0
    assert [w.grad for w in ws] == before


def test_numpy_clipping_matches_nn_clip_grad_norm():
    grads = layer_gradients(8, "relu", init_scale=2.0, width=4, batch=8, seed=1)
    clipped, norm = clip_grads_np(grads, 5.0)
    assert norm > 5.0
    assert norm == pytest.approx(np.sqrt(sum((g**2).sum() for g in grads)), rel=1e-12)
    assert np.sqrt(sum((g**2).sum() for g in clipped)) == pytest.approx(5.0, rel=1e-12)
    params = [Value(0.0) for g in grads for _ in g.ravel()]
    for p, g in zip(params, np.concatenate([g.ravel() for g in grads])):
        p.grad = float(g)
    assert clip_grad_norm(params, 5.0) == pytest.approx(norm, rel=1e-12)
    assert [p.grad for p in params] == pytest.approx(list(np.concatenate([c.ravel() for c in clipped])),
                                                     rel=1e-12, abs=1e-300)
    small, n2 = clip_grads_np([np.array([0.3, 0.4])], 1.0)
    assert n2 == pytest.approx(0.5) and small[0] == pytest.approx([0.3, 0.4], rel=0)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        clip_grads_np(grads, 0.0)


def test_sigmoid_is_stable_at_plus_minus_1000():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = sigmoid_derivative(np.array([-1000.0, 50.0, 1000.0]))
        rows = sigmoid_stability_table()
    assert d[0] == 0.0 and d[2] == 0.0
    assert d[1] == pytest.approx(math.exp(-50), rel=1e-12)  # the tail, not rounded to 0
    with pytest.warns(RuntimeWarning):
        assert math.isnan(naive_sigmoid_derivative(-1000.0))
    first = rows[0]
    assert first["z"] == -1000.0 and first["overflow"] and math.isnan(first["naive σ'"])
    assert first["stable σ"] == 0.0 and first["stable σ'"] == 0.0
    assert all(math.isfinite(r["stable σ"]) and math.isfinite(r["stable σ'"]) for r in rows)
