"""Checkers for small networks on XOR: accuracy, the smallest ReLU layer that learns it, and the
two-layer backward pass written by hand in NumPy.

A stub that still raises NotImplementedError, or returns None, is "not written yet", with no hint.
Hints appear only after a real attempt fails, and a failing mark never shows the right answer.
"""

from numbers import Integral, Real

import numpy as np

from ..datasets import xor
from ..engine import Value
from ..nn import MLP
from .core import NO_RETURN, NOT_WRITTEN, Mark, Verdict, call, checker, close

__all__ = ["check_accuracy", "check_smallest_relu_layer", "check_two_layer_grads"]


def _short(v):
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------- accuracy

ACCURACY_CASES = (  # (predictions, targets, accuracy with a 0.5 threshold)
    ([0.1, 0.9, 0.8, 0.2], [0, 1, 1, 0], 1.0),
    ([0.4, 0.6, 0.7, 0.6], [0, 1, 1, 0], 0.75),
    ([0.9, 0.1, 0.3, 0.7], [0, 1, 1, 0], 0.0),
    ([0.51, 0.49], [1, 1], 0.5),
    ([0.2, 0.3, 0.9], [0.0, 0.0, 1.0], 1.0),
)


@checker("your accuracy(preds, targets)")
def check_accuracy(fn):
    """Check fn(preds, targets) -> the fraction (0 to 1) of predictions on the right side of 0.5."""
    title = "your accuracy(preds, targets)"
    marks = []
    for preds, targets, want in ACCURACY_CASES:
        case = f"preds={preds}, targets={targets}"
        got, error = call(fn, (list(preds), list(targets)))
        if error == NOT_WRITTEN or (error is None and got is None):
            return Verdict(title, [Mark(False, error or NO_RETURN)])
        if error:
            marks.append(Mark(False, f"{case}: your code raised {error}"))
            continue
        if isinstance(got, bool) or not isinstance(got, Real):
            marks.append(Mark(False, f"{case}: expected a number, got {_short(got)}"))
            continue
        if close(got, want, rel=0, abs_=1e-9):
            marks.append(Mark(True, f"{case}: {got:.2f}"))
        elif want and close(got, 100 * want, rel=0, abs_=1e-9):
            marks.append(Mark(False, f"{case}: {got:g} looks like a percentage; return a fraction (0 to 1)"))
        elif close(got, 1 - want, rel=0, abs_=1e-9):
            marks.append(Mark(False, f"{case}: {got:.2f} is the fraction of wrong answers, not right ones"))
        else:
            marks.append(Mark(False, f"{case}: {got:.4g} is not right yet"))
    hint = "count the predictions on the same side of 0.5 as their target, then divide by how many there are"
    return Verdict(title, marks, hint)


# ---------------------------------------------------------------- the smallest ReLU layer

RELU_SEEDS = range(5)
RELU_LR, RELU_STEPS = 2.0, 500
SOLVED_LOSS = 0.01  # half-MSE below this, with all four points right, counts as solved


def _init(hidden, seed, activation):
    """The starting weights of MLP(2, [hidden, 1], activation, sigmoid output, seed) as arrays."""
    params = [p.data for p in MLP(2, [hidden, 1], activation=activation, out_activation="sigmoid",
                                  seed=seed).parameters()]
    hid = np.array(params[:3 * hidden]).reshape(hidden, 3)  # per neuron: w1, w2, b
    out = np.array(params[3 * hidden:])
    return hid[:, :2].copy(), hid[:, 2].copy(), out[None, :hidden].copy(), out[hidden:].copy()


def solves_xor(hidden, seed, activation="relu", lr=RELU_LR, steps=RELU_STEPS):
    """True when the lesson's loop (half-MSE, full batch, plain SGD, stop once solved) solves XOR in `steps`.

    The same arithmetic as training backprop_lab's MLP with backward(), done with NumPy arrays for speed.
    """
    X, y = xor()
    W1, b1, W2, b2 = _init(hidden, seed, activation)
    relu = activation == "relu"
    for _ in range(steps):
        Z = X @ W1.T + b1
        H = np.maximum(Z, 0.0) if relu else np.tanh(Z)
        yhat = 1.0 / (1.0 + np.exp(-(H @ W2.T + b2)[:, 0]))
        if 0.5 * np.mean((yhat - y) ** 2) < SOLVED_LOSS and np.all((yhat > 0.5) == (y > 0.5)):
            return True
        d_out = ((yhat - y) / len(y) * yhat * (1 - yhat))[:, None]
        d_hid = (d_out @ W2) * ((Z > 0) if relu else (1 - H * H))
        W2, b2 = W2 - lr * d_out.T @ H, b2 - lr * d_out.sum(0)
        W1, b1 = W1 - lr * d_hid.T @ X, b1 - lr * d_hid.sum(0)
    return False


@checker("the smallest ReLU layer for XOR")
def check_smallest_relu_layer(hidden):
    """Check that `hidden` ReLU units solve XOR from every seed 0-4, and that one unit fewer does not."""
    title = "the smallest ReLU layer for XOR"
    if hidden is None or hidden is ...:
        return Verdict(title, [Mark(False, "not filled in yet: set hidden to the size you found")])
    if isinstance(hidden, bool) or not isinstance(hidden, Integral) or not 1 <= hidden <= 32:
        return Verdict(title, [Mark(False, f"hidden should be a whole number from 1 to 32, got {hidden!r}")])
    hidden = int(hidden)
    seeds = list(RELU_SEEDS)
    failed = [s for s in seeds if not solves_xor(hidden, s)]
    if failed:
        marks = [Mark(False, f"hidden={hidden}: seed{'s' * (len(failed) > 1)} "
                             f"{', '.join(map(str, failed))} did not solve XOR in {RELU_STEPS} steps")]
        return Verdict(title, marks, "a layer that is too small for one seed: try bigger layers")
    marks = [Mark(True, f"hidden={hidden}: every seed from 0 to {seeds[-1]} solves XOR")]
    if any(all(solves_xor(h, s) for s in seeds) for h in range(1, hidden)):
        marks.append(Mark(False, f"a smaller layer also solves XOR from all {len(seeds)} seeds: "
                                 "keep looking"))
        return Verdict(title, marks, "try each size below yours, one at a time")
    marks.append(Mark(True, f"no layer with fewer than {hidden} units solves all {len(seeds)} seeds"))
    return Verdict(title, marks)


# ---------------------------------------------------------------- two-layer backward pass in NumPy

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _reference_grads(X, y, W1, b1, W2, b2):
    """dL/dW1, db1, dW2, db2 by autograd (Value), for tanh hidden units, a sigmoid output, half-MSE."""
    P = {k: np.vectorize(Value, otypes=[object])(np.asarray(v, dtype=float))
         for k, v in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    losses = []
    for row, target in zip(X, y):
        hid = [sum((w * float(xi) for w, xi in zip(P["W1"][j], row)), P["b1"][j]).tanh()
               for j in range(len(P["b1"]))]
        out = sum((w * h for w, h in zip(P["W2"][0], hid)), P["b2"][0]).sigmoid()
        losses.append(0.5 * (out - float(target)) ** 2)
    loss = sum(losses, Value(0.0)) * (1.0 / len(losses))
    loss.backward()
    return {k: np.vectorize(lambda v: v.grad, otypes=[float])(v) for k, v in P.items()}


def _variants(X, y, W1, b1, W2, b2):
    """The usual slips, computed: {name: grads} for a missing 1/N, tanh′, σ′ or a flipped sign."""
    out = {}
    for name, inv_n, dtanh, dsig in (("no 1/N", False, True, True), ("no tanh′", True, False, True),
                                     ("no σ′", True, True, False)):
        H = np.tanh(X @ W1.T + b1)
        yhat = _sigmoid(H @ W2.T + b2)
        d_out = (yhat - y[:, None]) / (len(y) if inv_n else 1) * (yhat * (1 - yhat) if dsig else 1)
        d_hid = (d_out @ W2) * ((1 - H * H) if dtanh else 1)
        out[name] = {"W1": d_hid.T @ X, "b1": d_hid.sum(0), "W2": d_out.T @ H, "b2": d_out.sum(0)}
    return out


_SLIP_TEXT = {
    "no 1/N": "N times too big: the loss is a mean over the N examples, so dL/dŷ carries 1/N",
    "no tanh′": "the hidden layer's slope 1 − H² is missing: δ¹ = (δ² @ W2) ⊙ (1 − H²)",
    "no σ′": "the output's slope ŷ(1 − ŷ) is missing: δ² = (ŷ − y)/N ⊙ ŷ(1 − ŷ)",
}


def _two_layer_cases():
    """(name, X, y, W1, b1, W2, b2): XOR with the lesson's start, then a wider, uneven network."""
    X, y = xor()
    W1, b1, W2, b2 = _init(4, 0, "tanh")
    rng = np.random.default_rng(5)
    cases = [("XOR, 2-4-1 from seed 0", X, y, W1, b1 + np.array([0.1, -0.2, 0.3, 0.0]), W2, b2 + 0.2)]
    cases.append(("6 examples, 3-5-1", rng.normal(size=(6, 3)), rng.integers(0, 2, 6).astype(float),
                  rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=(1, 5)), rng.normal(size=1)))
    return cases


@checker("your two_layer_grads(X, y, W1, b1, W2, b2)")
def check_two_layer_grads(fn):
    """Check fn(X, y, W1, b1, W2, b2) -> {"W1": dL/dW1, "b1": ..., "W2": ..., "b2": ...} against autograd."""
    title = "your two_layer_grads(X, y, W1, b1, W2, b2)"
    marks = []
    for name, X, y, W1, b1, W2, b2 in _two_layer_cases():
        args = [a.copy() for a in (X, y, W1, b1, W2, b2)]
        got, error = call(fn, args)
        if error == NOT_WRITTEN or (error is None and got is None):
            return Verdict(title, [Mark(False, error or NO_RETURN)])
        if error:
            marks.append(Mark(False, f"{name}: your code raised {error}"))
            continue
        if not isinstance(got, dict):
            marks.append(Mark(False, f"{name}: return a dict with keys 'W1', 'b1', 'W2', 'b2', "
                                     f"got {_short(got)}"))
            continue
        want = _reference_grads(X, y, W1, b1, W2, b2)
        slips = _variants(X, y, W1, b1, W2, b2)
        for key, param in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)):
            marks.append(_grad_mark(name, key, got.get(key), want[key], param.shape, slips))
    hint = ("go backwards one layer at a time: δ² = (ŷ − y)/N ⊙ ŷ(1 − ŷ) at the output, "
            "δ¹ = (δ² @ W2) ⊙ (1 − H²) in the hidden layer; then dW = δᵀ @ (that layer's input) "
            "and db = δ summed over the examples")
    return Verdict(title, marks, hint)


def _grad_mark(case, key, got, want, shape, slips):
    """One mark for one parameter's gradient: shape first, then the numbers, then a named slip."""
    label = f"{case}: d{key}"
    if got is None:
        return Mark(False, f"{label}: missing from your dict")
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Mark(False, f"{label}: expected an array of numbers, got {_short(got)}")
    if got.shape != shape:
        extra = " (transposed?)" if got.shape == shape[::-1] and len(shape) == 2 else ""
        extra = extra or (" (sum over the examples: axis 0)" if key.startswith("b") and got.ndim == 2 else "")
        return Mark(False, f"{label}: shape {got.shape}, but {key} has shape {shape}{extra}")
    if not np.all(np.isfinite(got)):
        return Mark(False, f"{label}: contains nan or inf")
    if np.allclose(got, want, rtol=1e-6, atol=1e-10):
        return Mark(True, f"{label} matches autograd")
    if np.allclose(got, -want, rtol=1e-6, atol=1e-10):
        return Mark(False, f"{label}: the sign is flipped (the error is ŷ − y)")
    for slip, grads in slips.items():
        if np.allclose(got, grads[key], rtol=1e-6, atol=1e-10):
            return Mark(False, f"{label}: {_SLIP_TEXT[slip]}")
    worst = float(np.max(np.abs(got - want)))
    return Mark(False, f"{label}: differs from autograd by up to {worst:.2g}")

