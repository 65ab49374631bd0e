"""Training loops for Value-based models, and the XOR story: one neuron cannot, one hidden layer can.

``train(model, X, y)`` is the whole loop: forward over every example, loss, zero_grad, backward,
SGD step. On XOR a single sigmoid neuron gets stuck at predicting 0.5 everywhere (half-MSE 0.125,
at best 3 of 4 points right); a 2-4-1 MLP with tanh hidden units solves it.
``two_layer_backprop`` writes the same 2-layer network's backward pass by hand in NumPy, to show
what autograd saves you from; it agrees with ``backward()`` to rounding error.
"""

from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from .datasets import xor
from .neuron import NP_ACTIVATIONS
from .nn import MLP, Neuron, half_mse_loss, mse_loss, sgd_step

__all__ = [
    "LOSSES", "train", "predict", "accuracy", "XorResult", "xor_model", "train_xor",
    "xor_single_neuron", "xor_seed_sweep", "decision_grid", "mlp_params", "two_layer_backprop",
    "train_two_layer_numpy", "XOR_DEFAULTS", "CONVERGED_LOSS",
]

LOSSES = {"half_mse": half_mse_loss, "mse": mse_loss}
# Settings that make the 2-4-1 tanh MLP solve XOR reliably (see xor_seed_sweep).
XOR_DEFAULTS = dict(hidden=4, activation="tanh", lr=2.0, steps=500, seed=0)
CONVERGED_LOSS = 0.01  # half-MSE below this, with every point right, counts as "solved"


def _loss_fn(loss):
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)} or a function (preds, targets) -> Value, "
                         f"got {loss!r}")
    return LOSSES[loss]


def _rows(X):
    return [[float(v) for v in row] for row in np.atleast_2d(np.asarray(X, dtype=float))]


def train(model, X, y, loss="half_mse", lr=0.1, steps=100, callback=None):
    """Full-batch gradient descent on a Value model; returns the loss before each step; callback(step, loss)."""
    if steps < 0:
        raise ValueError(f"steps must be 0 or more, got {steps}")
    loss_fn, rows, targets = _loss_fn(loss), _rows(X), [float(t) for t in np.ravel(y)]
    if len(rows) != len(targets):
        raise ValueError(f"X has {len(rows)} examples but y has {len(targets)} targets")
    history = []
    for step in range(steps):
        value = loss_fn([model(r) for r in rows], targets)
        model.zero_grad()
        value.backward()
        sgd_step(model, lr)
        history.append(value.data)
        if callback is not None:
            callback(step, value.data)
    return history


def predict(model, X):
    """The model's output for each row of X, as a NumPy array of floats."""
    return np.array([model(r).data for r in _rows(X)])


def accuracy(model, X, y, threshold=0.5):
    """Fraction (0..1) of examples where (output > threshold) matches the 0/1 target."""
    return float(np.mean((predict(model, X) > threshold) == (np.ravel(y) > 0.5)))


class XorResult(NamedTuple):
    """One XOR run: the model, its loss per step, final half-MSE, accuracy (0..1) and predictions."""

    model: object
    losses: list
    loss: float
    accuracy: float
    preds: np.ndarray


def xor_model(kind="MLP", hidden=4, activation="tanh", seed=0):
    """A sigmoid-output model for XOR: kind "MLP" (2-hidden-1) or "single neuron" (one sigmoid neuron)."""
    if kind == "single neuron":
        return Neuron(2, activation="sigmoid", seed=seed)
    if kind != "MLP":
        raise ValueError(f"kind must be 'MLP' or 'single neuron', got {kind!r}")
    if not 1 <= int(hidden):
        raise ValueError(f"the hidden layer needs at least 1 neuron, got {hidden}")
    return MLP(2, [int(hidden), 1], activation=activation, out_activation="sigmoid", seed=seed)


def _result(model, losses):
    X, y = xor()
    preds = predict(model, X)
    return XorResult(model, losses, float(0.5 * np.mean((preds - y) ** 2)),
                     float(np.mean((preds > 0.5) == (y > 0.5))), preds)


def train_xor(kind="MLP", hidden=4, activation="tanh", lr=2.0, steps=500, seed=0, callback=None):
    """Train an XOR model (half-MSE, full batch); returns an XorResult whose loss/accuracy are after training."""
    model = xor_model(kind, hidden, activation, seed)
    X, y = xor()
    return _result(model, train(model, X, y, lr=lr, steps=steps, callback=callback))


def xor_single_neuron(lr=1.0, steps=2000, seed=0):
    """One sigmoid neuron on XOR: its half-MSE never gets below 0.125 (all outputs drift to 0.5)."""
    return train_xor("single neuron", lr=lr, steps=steps, seed=seed)


def decision_grid(model_or_fn, lo=-0.5, hi=1.5, n=41):
    """Outputs over an n×n grid: (xs, ys, Z), Z[i, j] at (xs[j], ys[i]); a model, mlp_params dict or fn → Value."""
    xs = ys = np.linspace(lo, hi, n)
    pts = np.array([[a, b] for b in ys for a in xs])
    if isinstance(model_or_fn, MLP) and len(model_or_fn.layers) == 2:
        model_or_fn = mlp_params(model_or_fn)  # the NumPy twin is ~100× faster over a grid
    if isinstance(model_or_fn, Neuron):
        act = NP_ACTIVATIONS[model_or_fn.activation][0]
        Z = act(pts @ np.array([w.data for w in model_or_fn.w]) + model_or_fn.b.data)
    elif isinstance(model_or_fn, dict):  # parameters of a 2-layer net, from mlp_params
        Z = two_layer_backprop(model_or_fn, pts)[0]
    else:
        Z = np.array([model_or_fn([float(a), float(b)]).data for b in ys for a in xs])
    return xs, ys, Z.reshape(n, n)


# ---- the same 2-layer network, backprop written by hand in NumPy ----

def mlp_params(model):
    """A 2-layer nn.MLP's weights as NumPy arrays: dict W1 (h×d), b1, W2 (1×h), b2, act, out_act."""
    if len(getattr(model, "layers", ())) != 2:
        raise ValueError("mlp_params needs an MLP with exactly one hidden layer, e.g. MLP(2, [4, 1])")
    hid, out = model.layers
    return {
        "W1": np.array([[w.data for w in n.w] for n in hid.neurons]),
        "b1": np.array([n.b.data for n in hid.neurons]),
        "W2": np.array([[w.data for w in n.w] for n in out.neurons]),
        "b2": np.array([n.b.data for n in out.neurons]),
        "act": hid.neurons[0].activation, "out_act": out.neurons[0].activation,
    }


def two_layer_backprop(p, X, y=None):
    """Forward (and, given y, backward by hand) for params p from mlp_params: (outputs, loss, grads)."""
    act, dact = NP_ACTIVATIONS[p["act"]]
    out_act, dout_act = NP_ACTIVATIONS[p["out_act"]]
    X = np.atleast_2d(np.asarray(X, dtype=float))
    H = act(X @ p["W1"].T + p["b1"])  # (N, h) hidden activations
    Yhat = out_act(H @ p["W2"].T + p["b2"])  # (N, 1)
    if y is None:
        return Yhat[:, 0], None, None
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    N = len(y)
    loss = float(0.5 * np.mean((Yhat - y) ** 2))
    d_out = (Yhat - y) / N * dout_act(Yhat)  # dL/dz at the output neuron, per example
    d_hid = (d_out @ p["W2"]) * dact(H)  # dL/dz at each hidden neuron: the chain rule, by hand
    grads = {"W2": d_out.T @ H, "b2": d_out.sum(0), "W1": d_hid.T @ X, "b1": d_hid.sum(0)}
    return Yhat[:, 0], loss, grads


def train_two_layer_numpy(p, X, y, lr=2.0, steps=500):
    """Gradient descent with two_layer_backprop; returns (params after, loss before each step)."""
    p = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in p.items()}
    losses = []
    for _ in range(steps):
        _, loss, g = two_layer_backprop(p, X, y)
        for k in g:
            p[k] -= lr * g[k]
        losses.append(loss)
    return p, losses


def xor_seed_sweep(activations=("tanh", "relu", "sigmoid"), seeds=range(20), hidden=4, lr=2.0,
                   steps=500, engine="numpy"):
    """For each activation, which seeds solve XOR (100% right, half-MSE < CONVERGED_LOSS): dict act → list of bools.

    engine="numpy" trains the same networks (same seeded init) with two_layer_backprop, which is fast;
    engine="value" uses train() and backward().
    """
    X, y = xor()
    out = OrderedDict()
    for act in activations:
        solved = []
        for seed in seeds:
            model = xor_model("MLP", hidden, act, seed)
            if engine == "value":
                r = _result(model, train(model, X, y, lr=lr, steps=steps))
                loss, acc = r.loss, r.accuracy
            elif engine == "numpy":
                p, _ = train_two_layer_numpy(mlp_params(model), X, y, lr=lr, steps=steps)
                preds, loss, _ = two_layer_backprop(p, X, y)
                acc = float(np.mean((preds > 0.5) == (y > 0.5)))
            else:
                raise ValueError(f"engine must be 'numpy' or 'value', got {engine!r}")
            solved.append(acc == 1.0 and loss < CONVERGED_LOSS)
        out[act] = solved
    return out
