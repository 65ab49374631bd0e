"""What depth does to gradients: vanishing (sigmoid), exploding (big weights), dead ReLUs, and fixes.

Backprop multiplies one local derivative per layer. σ'(z) is at most 0.25, so twelve sigmoid layers
scale the gradient by at most 0.25**12 ≈ 6e-8 (before the weights are counted). ``layer_grad_norms``
measures it in a deep narrow network, written in NumPy with its backward pass by hand so an explorer
can recompute it on every slider move; ReLU with He init, or residual connections, keep it flowing.
"""

from collections import OrderedDict

import numpy as np

from .engine import Value
from .neuron import NP_ACTIVATIONS, sigmoid_np

__all__ = [
    "DEPTH_ACTIVATIONS", "GAIN", "sigmoid_derivative", "sigmoid_chain_bound", "sigmoid_chain_product",
    "deep_net", "deep_net_grads", "layer_gradients", "layer_grad_norms", "gradient_samples", "dead_relu", "exploding_chain",
    "clip_grads_np", "naive_sigmoid", "naive_sigmoid_derivative", "sigmoid_stability_table",
]

DEPTH_ACTIVATIONS = ("sigmoid", "tanh", "relu")
# The standard init for each activation multiplies 1/sqrt(fan_in) by this gain (PyTorch's
# calculate_gain): init_scale=1 is "the usual init"; relu's sqrt(2) is He init.
GAIN = {"sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": 2.0 ** 0.5}


def sigmoid_derivative(z):
    """σ'(z) = σ(z)(1 − σ(z)) = σ(z)σ(−z), elementwise, accurate even in the tails; peak 0.25 at z = 0."""
    z = np.asarray(z, dtype=float)
    return sigmoid_np(z) * sigmoid_np(-z)  # 1 − σ(z) would round to 0 for z > 37


def sigmoid_chain_bound(n_layers):
    """0.25 ** n: the largest the product of n sigmoid local derivatives can be (0.25**12 ≈ 5.96e-8)."""
    return 0.25 ** n_layers


def sigmoid_chain_product(zs):
    """Π σ'(zᵢ) over a list of pre-activations: the sigmoid part of a gradient through len(zs) layers."""
    return float(np.prod(sigmoid_derivative(np.asarray(zs, dtype=float))))


def _act(name, z):
    """An activation's output and its local derivative, elementwise."""
    f, df = NP_ACTIVATIONS[name]
    a = f(z)
    return a, df(a)


def _check(depth, activation, init_scale, width):
    if activation not in DEPTH_ACTIVATIONS:
        raise ValueError(f"activation must be one of {DEPTH_ACTIVATIONS}, got {activation!r}")
    if not (isinstance(depth, (int, np.integer)) and depth >= 1):
        raise ValueError(f"depth must be a whole number of layers, at least 1, got {depth!r}")
    if not init_scale >= 0:
        raise ValueError(f"init_scale must be 0 or more, got {init_scale!r}")
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width!r}")


def deep_net(depth=10, activation="sigmoid", init_scale=1.0, seed=0, width=12, batch=64):
    """The deep narrow net's random parts: dict Ws (depth width×width arrays), x (batch×width), v, y.

    Weights are normal with std init_scale · GAIN[activation] / sqrt(width) (biases are left out);
    x and the targets y are standard normal; v is a fixed linear readout.
    """
    _check(depth, activation, init_scale, width)
    rng = np.random.default_rng(seed)
    std = init_scale * GAIN[activation] / np.sqrt(width)
    Ws = [rng.normal(0.0, std, size=(width, width)) for _ in range(depth)]
    x = rng.normal(size=(batch, width))
    v = rng.normal(0.0, 1.0 / np.sqrt(width), size=width)
    return {"Ws": Ws, "x": x, "v": v, "y": rng.normal(size=batch)}


def deep_net_grads(net, activation="sigmoid", residual=False):
    """Loss ½ mean (ŷ − y)² of h ← act(h W.T) (+ h if residual) and its dL/dW per layer, backward by hand."""
    Ws, x, v, y = net["Ws"], net["x"], net["v"], net["y"]
    with np.errstate(over="ignore", invalid="ignore"):  # exploding settings give inf, shown as such
        hs, dacts = [x], []
        for W in Ws:  # forward, keeping what backward needs
            a, da = _act(activation, hs[-1] @ W.T)
            hs.append(a + hs[-1] if residual else a)
            dacts.append(da)
        yhat = hs[-1] @ v
        dh = np.outer((yhat - y) / len(y), v)  # dL/dh at the last layer
        grads = [None] * len(Ws)
        for i in reversed(range(len(Ws))):  # backward: one local derivative per layer
            dz = dh * dacts[i]
            grads[i] = dz.T @ hs[i]
            dh = dz @ Ws[i] + (dh if residual else 0.0)
        loss = float(0.5 * np.mean((yhat - y) ** 2))
    return loss, grads


def layer_gradients(depth=10, activation="sigmoid", init_scale=1.0, seed=0, residual=False,
                    width=12, batch=64):
    """dL/dW for each layer of a deep narrow net (layer 1 nearest the input), as a list of width×width arrays.

    The net (see deep_net): x → depth layers h = act(h W.T) (plus h if residual) → a fixed linear
    readout → loss ½ mean (ŷ − y)² against random targets.
    """
    net = deep_net(depth, activation, init_scale, seed, width, batch)
    return deep_net_grads(net, activation, residual)[1]


def layer_grad_norms(depth=10, activation="sigmoid", init_scale=1.0, seed=0, residual=False,
                     width=12, batch=64):
    """Mean |dL/dW| for each layer, layer 1 (nearest the input) first: one float per layer."""
    grads = layer_gradients(depth, activation, init_scale, seed, residual, width, batch)
    return [float(np.mean(np.abs(g))) for g in grads]


def gradient_samples(depth=10, activation="sigmoid", init_scale=1.0, seeds=range(20), residual=False):
    """|dL/dW| entries pooled over seeds: (near_output, near_input) arrays, for a histogram."""
    last, first = [], []
    for seed in seeds:
        grads = layer_gradients(depth, activation, init_scale, seed, residual)
        last.append(np.abs(grads[-1]).ravel())
        first.append(np.abs(grads[0]).ravel())
    return np.concatenate(last), np.concatenate(first)


def dead_relu(w=(-0.6, 0.4), b=-0.3, x=(1.0, 0.5), y=1.0):
    """One ReLU neuron with z < 0: its output is 0 and every weight's grad is 0; dict z, out, loss, dL/dw1.., dL/db."""
    ws = [Value(wi, label=f"w{i}") for i, wi in enumerate(w, start=1)]
    bv = Value(b, label="b")
    z = sum((wi * xi for wi, xi in zip(ws, x)), bv)
    out = z.relu()
    loss = 0.5 * (out - y) ** 2
    loss.backward()
    rows = OrderedDict(z=z.data, out=out.data, loss=loss.data)
    for i, wi in enumerate(ws, start=1):
        rows[f"dL/dw{i}"] = wi.grad
    rows["dL/db"] = bv.grad
    return rows


def exploding_chain(depth=10, weight=3.0, x=1.0):
    """A chain h ← w·h of `depth` scalar weights, loss ½h², after backward(): the weights (Values) with grads."""
    ws = [Value(weight, label=f"w{i}") for i in range(1, depth + 1)]
    h = Value(x)
    for w in ws:
        h = w * h
    (0.5 * h * h).backward()
    return ws


def clip_grads_np(grads, max_norm):
    """Scale a list of gradient arrays together to global L2 norm ≤ max_norm: (clipped list, norm before)."""
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
    scale = max_norm / norm if norm > max_norm else 1.0
    return [np.asarray(g, dtype=float) * scale for g in grads], norm


def naive_sigmoid(z):
    """1/(1 + exp(−z)) written straight from the formula: exp overflows for z below about −709."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def naive_sigmoid_derivative(z):
    """exp(−z)/(1 + exp(−z))² straight from the formula: inf/inf = nan for very negative z."""
    e = np.exp(-np.asarray(z, dtype=float))
    return e / (1.0 + e) ** 2


def sigmoid_stability_table(zs=(-1000.0, -50.0, 0.0, 50.0, 1000.0)):
    """For each z: the naive and stable σ and σ', and whether the naive one overflowed (a list of dicts)."""
    rows = []
    for z in zs:
        with np.errstate(all="ignore"):
            overflow = not np.isfinite(np.exp(-z))
            naive, naive_d = float(naive_sigmoid(z)), float(naive_sigmoid_derivative(z))
        rows.append({"z": float(z), "naive σ": naive, "naive σ'": naive_d, "overflow": overflow,
                     "stable σ": float(sigmoid_np(z)), "stable σ'": float(sigmoid_derivative(z))})
    return rows
