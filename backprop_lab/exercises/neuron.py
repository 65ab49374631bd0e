"""Checkers for one sigmoid neuron: its backward ledger in plain Python, and the batch gradient in NumPy.

The neuron is ŷ = σ(w·x + b) with the loss L = ½(ŷ − y)² (its batch mean in NumPy). The checkers run
the learner's function on neurons of their own: inputs away from 0, ±0.5 and ±1, and pre-activations
away from 0, so that each usual slip (σ′ taken as 0.25, a forgotten xᵢ, a flipped sign, a doubled
error, a missing 1/N) gives its own number and can be named. Four inputs, or values beyond the
explorer's sliders, keep the answers out of the neuron explorer's reach.

A stub that still raises NotImplementedError, or returns None, is "not written yet", with no hint;
a failing mark never shows the right number.
"""

import math
from numbers import Real

import numpy as np

from .reference import Value  # the checkers' own copy: a learner's patch to Value cannot change it
from ..style import plain_number
from .core import NO_RETURN, NOT_WRITTEN, Mark, Verdict, call, checker, close

__all__ = ["check_backward_ledger", "check_batch_gradient", "neuron_ledger", "LEDGER_CASES", "BATCH_CASES"]

LEDGER_KEYS = ("dL/dyhat", "dyhat/dz", "dL/dz", "dL/dw", "dL/db")

# (x, w, b, y): no xᵢ in {0, ±0.5, ±1}, |z| ≥ 0.8 (so σ′ is far from 0.25), inputs of different sizes,
# two of them with values or a fourth input the neuron explorer cannot show.
LEDGER_CASES = (
    ((1.5, -2.0, 0.7), (0.4, -0.3, 0.9), -0.2, 0.0),        # z = 1.63
    ((-1.2, 2.5, 0.3, -0.8), (-0.6, 0.2, 1.1, 0.5), -2.0, 1.0),  # z = -0.85, four inputs
    ((3.0, -1.8), (-0.7, 0.4), 0.6, 1.0),                   # z = -2.22
)


def neuron_ledger(x, w, b, y):
    """Every backward-ledger number of the neuron, by autograd (Value), keyed as the lesson writes them."""
    wv = [Value(float(wi)) for wi in w]
    bv = Value(float(b))
    z = sum((wi * float(xi) for wi, xi in zip(wv, x)), bv)
    yhat = z.sigmoid()
    loss = 0.5 * (yhat - float(y)) ** 2
    loss.backward()
    return {"z": z.data, "yhat": yhat.data, "dL/dyhat": yhat.grad, "dyhat/dz": yhat.data * (1 - yhat.data),
            "dL/dz": z.grad, "dL/dw": [wi.grad for wi in wv], "dL/db": bv.grad}


def _short(v):
    """A number as 4-decimal text, a list of them, or the short repr of whatever else it is."""
    if isinstance(v, (list, tuple, np.ndarray)) and len(v) <= 6:
        return "[" + ", ".join(_short(e) for e in v) + "]"
    try:
        return f"{float(v):.4f}"
    except (TypeError, ValueError):
        text = repr(v)
        return text if len(text) <= 40 else text[:37] + "..."


def _numbers(value, n=None):
    """value as a list of floats (n of them) or one float; None if it is not that."""
    if n is None:
        value = plain_number(value)
        return float(value) if isinstance(value, Real) and not isinstance(value, bool) else None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != n:
        return None
    out = [_numbers(v) for v in value]
    return None if any(v is None for v in out) else out


def _same(got, want):
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(_same(g, t) for g, t in zip(got, want))
    return not isinstance(got, list) and close(got, want, rel=1e-6, abs_=1e-10)


def _ledger_slips(key, x, led):
    """(wrong value, what that slip is) for one ledger line of one neuron: the common mistakes, computed."""
    yhat, err, dz, z = led["yhat"], led["dL/dyhat"], led["dL/dz"], led["z"]
    quarter = "you used σ′ = 0.25, its value at z = 0 only; σ′ = yhat·(1 − yhat) depends on z"
    no_sigma = "the σ′ factor is missing: dL/dz = dL/dyhat · dyhat/dz"
    slips = {
        "dL/dyhat": [(2 * err, "twice the error: the ½ in L = ½(yhat − y)² cancels the 2 from the square"),
                     (z - (yhat - err), "you used z where yhat belongs: dL/dyhat = yhat − y")],
        "dyhat/dz": [(0.25, quarter), (yhat, "that is yhat itself: the sigmoid's slope is yhat·(1 − yhat)"),
                     (1 - yhat, "that is 1 − yhat: the sigmoid's slope is yhat·(1 − yhat)"),
                     (z * (1 - z), "you used z where yhat belongs: the slope is yhat·(1 − yhat)")],
        "dL/dz": [(err, no_sigma), (0.25 * err, quarter), (2 * dz, "twice the right size: is dL/dyhat doubled?")],
        "dL/db": [(err, no_sigma), (0.25 * err, quarter), (dz * sum(x), "the bias multiplies 1, not the inputs: "
                                                                       "dL/db = dL/dz")],
        "dL/dw": [([dz] * len(x), "every xᵢ is missing: dL/dwᵢ = dL/dz · xᵢ, the input that wᵢ multiplies"),
                  ([err * xi for xi in x], no_sigma), ([0.25 * err * xi for xi in x], quarter),
                  ([2 * dz * xi for xi in x], "twice the right size: is dL/dyhat doubled?"),
                  ([dz * xi for xi in reversed(x)], "the inputs are in reverse order: wᵢ pairs with xᵢ")],
    }[key]
    flipped = [-v for v in led[key]] if key == "dL/dw" else -led[key]
    return [(flipped, "the sign is flipped: the error is yhat − y, not y − yhat")] + slips


def _ledger_mark(case, out, x, led):
    """One mark for one neuron: the first wrong line of the ledger, with its slip named."""
    if not isinstance(out, dict):
        return Mark(False, f"{case}: return the dict of the ledger's lines, got {_short(out)}")
    for key in LEDGER_KEYS:
        if key not in out:
            return Mark(False, f"{case}: the key {key!r} is missing from the dict you return")
        got = _numbers(out[key], len(x) if key == "dL/dw" else None)
        if got is None:
            what = f"a list of {len(x)} numbers, one per input" if key == "dL/dw" else "a number"
            return Mark(False, f"{case}: {key} should be {what}, got {_short(out[key])}")
        if not _same(got, led[key]):
            why = next((text for wrong, text in _ledger_slips(key, x, led) if _same(got, wrong)), "not right yet")
            return Mark(False, f"{case}: {key} = {_short(got)}: {why}")
    return Mark(True, f"{case}: every line is right (dL/dz = {led['dL/dz']:+.4f})")


@checker("your backward_ledger(x, w, b, y)")
def check_backward_ledger(fn, cases=LEDGER_CASES):
    """Check fn(x, w, b, y) -> {"dL/dyhat", "dyhat/dz", "dL/dz", "dL/dw" (a list), "dL/db"} on neurons of its own."""
    title = "your backward_ledger(x, w, b, y)"
    marks = []
    for x, w, b, y in cases:
        case = f"x={list(x)}, w={list(w)}, b={b}, y={y}"
        out, error = call(fn, (list(x), list(w), b, y))
        if error == NOT_WRITTEN or (error is None and out is None):
            return Verdict(title, [Mark(False, error or NO_RETURN)])
        if error:
            marks.append(Mark(False, f"{case}: your code raised {error}"))
            continue
        marks.append(_ledger_mark(case, out, x, neuron_ledger(x, w, b, y)))
    hint = ("read the table bottom-up: dL/dyhat = yhat − y, dyhat/dz = yhat·(1 − yhat) with this neuron's "
            "yhat, dL/dz is their product, dL/dwᵢ = dL/dz·xᵢ and dL/db = dL/dz")
    return Verdict(title, marks, hint)


# ---------------------------------------------------------------- the NumPy gradient line

def _batch_case(seed, n, d):
    rng = np.random.default_rng(seed)
    X = np.round(rng.uniform(-2.5, 2.5, size=(n, d)), 2)
    return X, rng.integers(0, 2, n).astype(float), np.round(rng.uniform(-1.2, 1.2, d), 2), 0.3


# (X, Y, w, b): the lesson's one-example batch, then batches where N ≠ D (so X @ and X.T @ differ)
BATCH_CASES = (
    (np.array([[0.8, -0.4, 1.2]]), np.array([1.0]), np.array([0.2, -0.1, 0.3]), 0.1),
    _batch_case(3, 5, 3),
    _batch_case(8, 4, 2),
)


def batch_reference(X, Y, w, b):
    """(dL/dw, dL/db) of the mean half squared error over the rows of X, by autograd (Value)."""
    wv, bv = [Value(float(v)) for v in w], Value(float(b))
    losses = [0.5 * (sum((wi * float(xi) for wi, xi in zip(wv, row)), bv).sigmoid() - float(t)) ** 2
              for row, t in zip(X, Y)]
    (sum(losses, Value(0.0)) * (1.0 / len(losses))).backward()
    return np.array([wi.grad for wi in wv]), bv.grad


def _batch_slips(X, Y, w, b):
    """[(name, dw, db)] for the usual slips in the two gradient lines."""
    yhat = 1 / (1 + np.exp(-(X @ w + b)))
    n, err, slope = len(Y), yhat - Y, yhat * (1 - yhat)
    dz = err / n * slope
    return [
        ("every sign is flipped: the error is yhat − Y", -(X.T @ dz), -dz.sum()),
        ("N times too big: the loss is the batch mean, so each example's dL_dz carries 1/N",
         X.T @ (dz * n), (dz * n).sum()),
        ("the σ′ factor yhat·(1 − yhat) is missing", X.T @ (err / n), (err / n).sum()),
        ("you used σ′ = 0.25; it depends on each example's z", X.T @ (err / n * 0.25), (err / n * 0.25).sum()),
        ("N times too small: dL_dz already carries 1/N, so sum over the examples, do not average",
         X.T @ dz / n, dz.sum() / n),
    ]


def _batch_mark(case, out, X, Y, w, b):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return Mark(False, f"{case}: return a pair (dL_dw, dL_db), got {_short(out)}")
    want_w, want_b = batch_reference(X, Y, w, b)
    try:
        dw = np.asarray(out[0], dtype=float)
        db = np.asarray(plain_number(out[1]), dtype=float)
    except (TypeError, ValueError):
        return Mark(False, f"{case}: expected arrays of numbers, got {_short(out)}")
    if dw.shape != want_w.shape:
        extra = (" one per example: sum over the examples, which is what X.T @ dL_dz does"
                 if dw.shape == (len(Y),) else
                 " (one row per example: add them up over axis 0, or use X.T @ dL_dz)" if dw.ndim == 2 else "")
        return Mark(False, f"{case}: dL_dw has shape {dw.shape}, but w has shape {want_w.shape}{extra}")
    if db.shape != ():
        return Mark(False, f"{case}: dL_db has shape {db.shape}: it is one number, dL_dz summed over the examples")
    if not (np.all(np.isfinite(dw)) and np.isfinite(db)):
        return Mark(False, f"{case}: contains nan or inf")
    ok_w = np.allclose(dw, want_w, rtol=1e-6, atol=1e-12)
    ok_b = math.isclose(float(db), want_b, rel_tol=1e-6, abs_tol=1e-12)
    if ok_w and ok_b:
        return Mark(True, f"{case}: dL_dw and dL_db match autograd")
    for text, slip_w, slip_b in _batch_slips(X, Y, w, b):
        if np.allclose(dw, slip_w, rtol=1e-6, atol=1e-12) and math.isclose(float(db), slip_b, rel_tol=1e-6,
                                                                             abs_tol=1e-12):
            return Mark(False, f"{case}: {text}")
    wrong = "dL_db" if ok_w else "dL_dw" if ok_b else "dL_dw and dL_db"
    return Mark(False, f"{case}: {wrong} not right yet")


@checker("your batch_gradient(X, Y, w, b)")
def check_batch_gradient(fn):
    """Check fn(X, Y, w, b) -> (dL/dw array, dL/db) for the batch-mean half squared error, against autograd."""
    title = "your batch_gradient(X, Y, w, b)"
    marks = []
    for X, Y, w, b in BATCH_CASES:
        case = f"a batch of {len(Y)} example{'s' * (len(Y) > 1)} with {X.shape[1]} inputs"
        out, error = call(fn, (X.copy(), Y.copy(), w.copy(), b))
        if error == NOT_WRITTEN or (error is None and out is None):
            return Verdict(title, [Mark(False, error or NO_RETURN)])
        if error:
            if "matmul" in error or "shapes" in error or "align" in error:
                error += " (X is N×D and dL_dz has N entries: X.T @ dL_dz)"
            marks.append(Mark(False, f"{case}: your code raised {error}"))
            continue
        marks.append(_batch_mark(case, out, X, Y, w, b))
    hint = ("dL_dz = (yhat − Y) / N · yhat·(1 − yhat), one per example; then dL_dw = X.T @ dL_dz "
            "(for each weight, a sum over the examples) and dL_db = dL_dz.sum()")
    return Verdict(title, marks, hint)
