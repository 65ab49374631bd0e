"""One sigmoid neuron by hand: the forward/backward ledger, and training it four ways.

The neuron is ŷ = σ(w·x + b) with the loss L = ½(ŷ − y)². Its backward ledger, read top to bottom:

    dL/dŷ = ŷ − y,   dŷ/dz = ŷ(1 − ŷ),   dL/dz = dL/dŷ · dŷ/dz,   dL/dwᵢ = dL/dz · xᵢ,   dL/db = dL/dz

The same training run is written in pure Python (gradients by hand), NumPy (a whole batch at once,
``X.T @ dL_dz``), backprop_lab's ``Value`` (autograd) and, when it is installed, PyTorch. All four
give the same numbers: from the lesson's start, loss 0.0581, 0.0097, 0.0049 after 0, 20, 40 steps
and ŷ = 0.9122 after 50 steps (lr 0.5).
"""

import math
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from .engine import Value

__all__ = [
    "X0", "W0", "B0", "Y0", "LR0", "sigmoid", "sigmoid_np", "NP_ACTIVATIONS", "neuron_ledger", "neuron_update",
    "batch_gradients", "History", "train_neuron_python", "train_neuron_numpy",
    "train_neuron_value", "train_neuron_torch", "torch_available", "compare_trainers",
]

# The lesson's starting point: x, w, b, target y and learning rate.
X0 = (0.8, -0.4, 1.2)
W0 = (0.2, -0.1, 0.3)
B0 = 0.1
Y0 = 1.0
LR0 = 0.5


class History(NamedTuple):
    """A training run: ``losses[k]`` is the loss after k steps (steps + 1 numbers), then ŷ, w, b at the end."""

    losses: list
    yhat: object  # a float, or an array of one ŷ per example for the NumPy trainer
    w: list
    b: float


def sigmoid(z):
    """σ(z) = 1/(1 + e^−z) for one float, stable at any z (no overflow at ±1000)."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)  # z < 0, so e^z cannot overflow
    return e / (1.0 + e)


def sigmoid_np(z):
    """σ(z) elementwise for an array, with no overflow warning at any z (e.g. ±1000)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # always in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# NumPy activations as (f(z), derivative written with the output a = f(z)), for hand-written backprop.
NP_ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "sigmoid": (sigmoid_np, lambda a: a * (1.0 - a)),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a: (a > 0).astype(float)),
    "linear": (lambda z: z, lambda a: np.ones_like(a)),
}


def _check_shapes(x, w):
    if len(x) != len(w):
        raise ValueError(f"x has {len(x)} inputs but w has {len(w)} weights; give one weight per input")


def neuron_ledger(x=X0, w=W0, b=B0, y=Y0):
    """The forward and backward numbers of one neuron, in reading order: z, yhat, loss, dL/dyhat, ... dL/db."""
    _check_shapes(x, w)
    z = sum(xi * wi for xi, wi in zip(x, w)) + b
    yhat = sigmoid(z)
    dL_dyhat = yhat - y
    dyhat_dz = yhat * (1.0 - yhat)
    dL_dz = dL_dyhat * dyhat_dz
    rows = OrderedDict(z=z, yhat=yhat, loss=0.5 * (yhat - y) ** 2)
    rows["dL/dyhat"] = dL_dyhat
    rows["dyhat/dz"] = dyhat_dz
    rows["dL/dz"] = dL_dz
    for i, xi in enumerate(x, start=1):
        rows[f"dL/dw{i}"] = dL_dz * xi
    rows["dL/db"] = dL_dz
    return rows


def neuron_update(ledger, w, b, lr=LR0):
    """The SGD step a ledger implies: (new w list, new b) with wᵢ − lr·dL/dwᵢ and b − lr·dL/db."""
    new_w = [wi - lr * ledger[f"dL/dw{i}"] for i, wi in enumerate(w, start=1)]
    return new_w, b - lr * ledger["dL/db"]


def train_neuron_python(x=X0, y=Y0, w=W0, b=B0, lr=LR0, steps=50):
    """Train on one example in pure Python with hand-written gradients; returns a History."""
    _check_shapes(x, w)
    w, losses = list(w), []
    for step in range(steps + 1):
        z = sum(xi * wi for xi, wi in zip(x, w)) + b  # forward
        yhat = sigmoid(z)
        losses.append(0.5 * (yhat - y) ** 2)
        if step == steps:
            break
        dL_dz = (yhat - y) * yhat * (1.0 - yhat)  # backward: dL/dŷ · dŷ/dz
        w = [wi - lr * dL_dz * xi for wi, xi in zip(w, x)]  # update with dL/dwᵢ = dL/dz · xᵢ
        b = b - lr * dL_dz
    return History(losses, yhat, w, b)


def _as_batch(X, y):
    X = np.atleast_2d(np.asarray(X, dtype=float))
    y = np.atleast_1d(np.asarray(y, dtype=float))
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows (examples) but y has {y.shape[0]} targets")
    return X, y


def batch_gradients(X, y, w=W0, b=B0):
    """Mean loss and its gradients over a batch: (loss, dL/dw array, dL/db), with dL/dw = X.T @ dL_dz."""
    X, y = _as_batch(X, y)
    w = np.asarray(w, dtype=float)
    if X.shape[1] != w.shape[0]:
        raise ValueError(f"X has {X.shape[1]} columns but w has {w.shape[0]} weights")
    yhat = sigmoid_np(X @ w + b)  # (N,)
    dL_dz = (yhat - y) / len(y) * yhat * (1.0 - yhat)  # (N,): mean over the batch
    return float(0.5 * np.mean((yhat - y) ** 2)), X.T @ dL_dz, float(dL_dz.sum())


def train_neuron_numpy(X=(X0,), y=(Y0,), w=W0, b=B0, lr=LR0, steps=50):
    """Train on a batch (X is N×D, y has N targets) with NumPy; loss is the batch mean. Returns a History."""
    X, y = _as_batch(X, y)
    w, losses = np.array(w, dtype=float), []
    for step in range(steps + 1):
        loss, dL_dw, dL_db = batch_gradients(X, y, w, b)
        losses.append(loss)
        if step == steps:
            break
        w = w - lr * dL_dw
        b = b - lr * dL_db
    return History(losses, sigmoid_np(X @ w + b), w.tolist(), float(b))


def train_neuron_value(x=X0, y=Y0, w=W0, b=B0, lr=LR0, steps=50):
    """Train on one example with backprop_lab's Value: write only the forward pass, call backward()."""
    _check_shapes(x, w)
    ws, bv, losses = [Value(wi) for wi in w], Value(b), []
    for step in range(steps + 1):
        z = sum((wi * xi for wi, xi in zip(ws, x)), bv)
        yhat = z.sigmoid()
        loss = 0.5 * (yhat - y) ** 2
        losses.append(loss.data)
        if step == steps:
            break
        for p in ws + [bv]:
            p.grad = 0.0  # zero, or backward() adds to last step's grads
        loss.backward()
        for p in ws + [bv]:
            p.data -= lr * p.grad
    return History(losses, yhat.data, [wi.data for wi in ws], bv.data)


def torch_available():
    """True when PyTorch can be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def train_neuron_torch(x=X0, y=Y0, w=W0, b=B0, lr=LR0, steps=50):
    """Train on one example with PyTorch (float64, torch.optim.SGD); ImportError with advice if torch is missing."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            "train_neuron_torch needs PyTorch, which is not installed. "
            "Install it with:  pip install torch   (the other three trainers work without it)."
        ) from None
    _check_shapes(x, w)
    xt = torch.tensor([list(x)], dtype=torch.float64)
    yt = torch.tensor([float(y)], dtype=torch.float64)
    wt = torch.tensor(list(w), dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([wt, bt], lr=lr)
    losses = []
    for step in range(steps + 1):
        opt.zero_grad()
        yhat = torch.sigmoid(xt @ wt + bt)
        loss = 0.5 * ((yhat - yt) ** 2).mean()
        losses.append(loss.item())
        if step == steps:
            break
        loss.backward()
        opt.step()
    return History(losses, yhat.item(), wt.detach().tolist(), bt.item())


def compare_trainers(lr=LR0, steps=50, use_torch=True):
    """Run every trainer from the lesson's start; dict name → History (torch only if installed and asked)."""
    runs = OrderedDict()
    runs["pure Python"] = train_neuron_python(lr=lr, steps=steps)
    h = train_neuron_numpy(lr=lr, steps=steps)
    runs["NumPy"] = h._replace(yhat=float(h.yhat[0]))
    runs["Value (autograd)"] = train_neuron_value(lr=lr, steps=steps)
    if use_torch and torch_available():
        runs["PyTorch"] = train_neuron_torch(lr=lr, steps=steps)
    return runs
