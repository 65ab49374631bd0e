"""Checkers for lessons 4-6: the sigmoid neuron's backward ledger, XOR, and deep-network gradients.

Every checker takes the learner's answer (numbers or a function), compares it with what the
package computes, and returns a ``Verdict`` with one mark per input. Learner code that raises,
returns the wrong type or loops over the wrong thing gets a failing mark, never a traceback.
"""

import math
from numbers import Integral, Real

from ..engine import Value
from ..nn import ACTIVATIONS, clip_grad_norm
from ..training import XOR_DEFAULTS, xor_seed_sweep
from .core import Mark, Verdict, checker, close

__all__ = [
    "NEURON_X", "NEURON_W", "NEURON_B", "NEURON_Y",
    "check_backward_ledger", "check_neuron_gradient",
    "check_accuracy", "check_xor_hidden_size",
    "check_sigmoid_chain_grad", "check_clip_by_norm",
]

# The lesson-4 neuron: z = w·x + b, yhat = sigmoid(z), L = ½(yhat − y)²
NEURON_X = (0.8, -0.4, 1.2)
NEURON_W = (0.2, -0.1, 0.3)
NEURON_B = 0.1
NEURON_Y = 1.0

def _fmt(v):
    """A number as fixed 4-decimal text, or the repr of whatever else it is (kept short)."""
    try:
        return f"{float(v):.4f}"
    except (TypeError, ValueError):
        text = repr(v)
        return text if len(text) <= 40 else text[:37] + "..."


def _neuron_autograd(x, w, b, y):
    """Gradients of ½(σ(w·x+b) − y)² by the package's autograd: (dL/dw list, dL/db, ledger dict)."""
    wv = [Value(float(wi)) for wi in w]
    bv = Value(float(b))
    z = sum((wi * float(xi) for wi, xi in zip(wv, x)), bv)
    yhat = z.sigmoid()
    loss = 0.5 * (yhat - float(y)) ** 2
    loss.backward()
    ledger = {"dL/dyhat": yhat.grad, "dyhat/dz": yhat.data * (1 - yhat.data), "dL/dz": z.grad}
    return [wi.grad for wi in wv], bv.grad, ledger


def _number(out):
    """A learner's single-number answer as a float (a Value's .data is accepted), or a clear error."""
    if out is None:
        raise ValueError("got None: is the function still a stub, or missing its return?")
    if isinstance(out, Value):
        return out.data
    if isinstance(out, bool) or not isinstance(out, Real):
        raise TypeError(f"expected a number, got {_fmt(out)}")
    return float(out)


def _to_floats(seq, n, what):
    """A learner's sequence as n floats, or a ValueError that says what was wrong."""
    if seq is None:
        raise ValueError(f"{what} is None: is the function still a stub, or missing its return?")
    if isinstance(seq, (str, bytes)) or not hasattr(seq, "__len__"):
        raise ValueError(f"{what} should be a list of {n} numbers, got {_fmt(seq)}")
    if len(seq) != n:
        raise ValueError(f"{what} should have {n} numbers, got {len(seq)}")
    return [_number(v) for v in seq]


# ---------------------------------------------------------------- lesson 4

@checker("your backward ledger")
def check_backward_ledger(answers, x=NEURON_X, w=NEURON_W, b=NEURON_B, y=NEURON_Y):
    """Check a dict of backward-ledger numbers (dL/dyhat ... dL/db, to 4 decimals) for one neuron."""
    title = "your backward ledger"
    keys = ("dL/dyhat", "dyhat/dz", "dL/dz", *(f"dL/dw{i + 1}" for i in range(len(w))), "dL/db")
    if not isinstance(answers, dict):
        return Verdict(title, [Mark(False, f"expected a dict with keys {', '.join(keys)}")])
    dw, db, led = _neuron_autograd(x, w, b, y)
    truth = dict(led, **{f"dL/dw{i + 1}": g for i, g in enumerate(dw)}, **{"dL/db": db})
    marks = []
    for key in keys:
        given = answers.get(key, ...)
        if given is ...:
            marks.append(Mark(False, f"{key}: not filled in yet"))
        elif close(given, truth[key], rel=0, abs_=6e-4):
            marks.append(Mark(True, f"{key} = {_fmt(given)}"))
        elif close(given, -truth[key], rel=0, abs_=6e-4):
            marks.append(Mark(False, f"{key} = {_fmt(given)} has the wrong sign"))
        else:
            marks.append(Mark(False, f"{key} = {_fmt(given)} is not right yet"))
    hint = ("work top to bottom: dL/dyhat = yhat − y, dyhat/dz = yhat(1 − yhat), "
            "dL/dz is their product, and each dL/dwi is dL/dz times xi")
    return Verdict(title, marks, hint)


_GRAD_CASES = (  # (x, w, b, y): the lesson's neuron, then ones that catch common slips
    (NEURON_X, NEURON_W, NEURON_B, NEURON_Y),
    ((1.0, 2.0), (-0.5, 0.25), -0.3, 0.0),
    ((-1.5, 0.5, 2.0), (0.7, -1.2, 0.1), 0.4, 1.0),
    ((3.0,), (-0.5,), 1.0, 0.0),
)


@checker("your neuron_gradient(x, w, b, y)")
def check_neuron_gradient(fn):
    """Check fn(x, w, b, y) -> (dL/dw list, dL/db) for L = ½(σ(w·x + b) − y)² against autograd."""
    title = "your neuron_gradient(x, w, b, y)"
    marks = []
    for x, w, b, y in _GRAD_CASES:
        case = f"x={list(x)}, w={list(w)}, b={b}, y={y}"
        want_w, want_b, _ = _neuron_autograd(x, w, b, y)
        try:
            out = fn(list(x), list(w), b, y)
            if out is None:
                raise ValueError("got None: is the function still a stub, or missing its return?")
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ValueError(f"return a pair (dL_dw, dL_db), got {_fmt(out)}")
            got_w = _to_floats(out[0], len(w), "dL_dw")
            got_b = _number(out[1])
        except Exception as exc:  # noqa: BLE001 - learner code
            marks.append(Mark(False, f"{case}: {type(exc).__name__}: {exc}"))
            continue
        ok = all(close(g, t, rel=1e-6, abs_=1e-9) for g, t in zip(got_w, want_w)) and close(
            got_b, want_b, rel=1e-6, abs_=1e-9)
        shown = f"dL/dw=[{', '.join(_fmt(g) for g in got_w)}], dL/db={_fmt(got_b)}"
        marks.append(Mark(ok, f"{case}: {shown}" + ("" if ok else
                          f" (autograd: [{', '.join(_fmt(t) for t in want_w)}], {_fmt(want_b)})")))
    hint = "compute dL/dz = (yhat − y)·yhat·(1 − yhat) once; then dL/dwi = dL/dz·xi and dL/db = dL/dz"
    return Verdict(title, marks, hint)


# ---------------------------------------------------------------- lesson 5

_ACC_CASES = (  # (predictions, targets, accuracy with a 0.5 threshold)
    ([0.1, 0.9, 0.8, 0.2], [0, 1, 1, 0], 1.0),
    ([0.4, 0.6, 0.7, 0.6], [0, 1, 1, 0], 0.75),
    ([0.9, 0.1, 0.3, 0.7], [0, 1, 1, 0], 0.0),
    ([0.51, 0.49], [1, 1], 0.5),
    ([0.2, 0.3, 0.9], [0.0, 0.0, 1.0], 1.0),
)


@checker("your accuracy(preds, targets)")
def check_accuracy(fn):
    """Check fn(preds, targets) -> fraction of predictions on the right side of 0.5."""
    marks = []
    for preds, targets, want in _ACC_CASES:
        case = f"preds={preds}, targets={targets}"
        try:
            got = _number(fn(list(preds), list(targets)))
        except Exception as exc:  # noqa: BLE001 - learner code
            marks.append(Mark(False, f"{case}: {type(exc).__name__}: {exc}"))
            continue
        ok = close(got, want, rel=0, abs_=1e-9)
        note = "" if ok else (f" (want {want:.2f}; a percentage? return a fraction)"
                              if close(got, 100 * want, rel=0, abs_=1e-9) and want else f" (want {want:.2f})")
        marks.append(Mark(ok, f"{case}: {_fmt(got)}" + note))
    hint = "count the i where (preds[i] > 0.5) == (targets[i] == 1), divide by len(targets)"
    return Verdict("your accuracy(preds, targets)", marks, hint)


XOR_CHECK_SEEDS = range(5)  # the hidden-size checker trains one network per seed


@checker("your hidden layer for XOR")
def check_xor_hidden_size(hidden, activation="tanh"):
    """Train a 2-hidden-1 net with your hidden size and activation on XOR for 5 seeds; pass if 4+ solve it."""
    title = "your hidden layer for XOR"
    if isinstance(hidden, bool) or not isinstance(hidden, Integral) or not 1 <= hidden <= 64:
        return Verdict(title, [Mark(False, f"hidden should be a whole number from 1 to 64, got {hidden!r}")])
    if activation not in ACTIVATIONS:
        return Verdict(title, [Mark(False, f"activation should be one of {', '.join(ACTIVATIONS)}, "
                                           f"got {activation!r}")])
    hidden = int(hidden)
    solved = xor_seed_sweep((activation,), seeds=XOR_CHECK_SEEDS, hidden=hidden,
                            lr=XOR_DEFAULTS["lr"], steps=XOR_DEFAULTS["steps"])[activation]
    n, k = len(solved), sum(solved)
    marks = [Mark(k >= n - 1, f"hidden={hidden}, activation={activation!r}: solved XOR for {k} of {n} seeds "
                              f"(seeds {', '.join(str(s) for s, ok in zip(XOR_CHECK_SEEDS, solved) if ok) or 'none'})")]
    if activation == "linear":
        hint = "a linear hidden layer adds nothing: two linear layers are one linear map, and no line splits XOR"
    elif hidden == 1:
        hint = ("one hidden unit still draws one straight boundary, and no line splits XOR; "
                "it takes at least 2 units")
    elif activation == "sigmoid":
        hint = (f"sigmoid hidden units learn slowly (their slope is at most 0.25): {XOR_DEFAULTS['steps']} "
                "steps are not enough; try tanh")
    elif activation == "relu":
        hint = "small relu layers lose units that die (z < 0 on all four points); try more units, or tanh"
    else:
        hint = "more hidden units give more chances for a good start"
    return Verdict(title, marks, hint)


# ---------------------------------------------------------------- lesson 6

_CHAIN_CASES = ((0.0, 1), (0.0, 2), (1.5, 3), (-2.0, 5), (0.3, 12))


def _chain_autograd(x, depth):
    """d/dx of sigmoid applied depth times, by autograd."""
    xv = Value(float(x))
    out = xv
    for _ in range(depth):
        out = out.sigmoid()
    out.backward()
    return xv.grad


@checker("your sigmoid_chain_grad(x, depth)")
def check_sigmoid_chain_grad(fn):
    """Check fn(x, depth) -> d/dx of σ(σ(…σ(x)…)) (depth sigmoids) against autograd."""
    marks = []
    for x, depth in _CHAIN_CASES:
        want = _chain_autograd(x, depth)
        try:
            got = _number(fn(x, depth))
        except Exception as exc:  # noqa: BLE001 - learner code
            marks.append(Mark(False, f"x={x}, depth={depth}: {type(exc).__name__}: {exc}"))
            continue
        ok = close(got, want, rel=1e-6, abs_=1e-300)
        marks.append(Mark(ok, f"x={x}, depth={depth}: {got:.4e}" + ("" if ok else f" (autograd: {want:.4e})")))
    hint = ("go forward keeping each layer's output s; the gradient is the product of s·(1 − s) "
            "over the layers (each factor is at most 0.25)")
    return Verdict("your sigmoid_chain_grad(x, depth)", marks, hint)


_CLIP_CASES = (  # (grads, max_norm)
    ([3.0, 4.0], 10.0),
    ([3.0, 4.0], 1.0),
    ([0.0, 0.0, 0.0], 1.0),
    ([-6.0, 8.0, 0.0], 5.0),
    ([1e3, -2e3, 5e2, 1e3], 2.5),
)


def _clip_package(grads, max_norm):
    """The package's clip_grad_norm applied to Values holding these grads; returns the new grads."""
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    clip_grad_norm(params, max_norm)
    return [p.grad for p in params]


@checker("your clip_by_norm(grads, max_norm)")
def check_clip_by_norm(fn):
    """Check fn(grads, max_norm) -> new list of grads, against backprop_lab.nn.clip_grad_norm."""
    marks = []
    for grads, max_norm in _CLIP_CASES:
        case = f"grads={grads}, max_norm={max_norm}"
        want = _clip_package(grads, max_norm)
        try:
            got = _to_floats(fn(list(grads), max_norm), len(grads), "the result")
        except Exception as exc:  # noqa: BLE001 - learner code
            marks.append(Mark(False, f"{case}: {type(exc).__name__}: {exc}"))
            continue
        ok = all(close(g, w, rel=1e-9, abs_=1e-12) for g, w in zip(got, want))
        shown = "[" + ", ".join(f"{g:.4g}" for g in got) + "]"
        if ok:
            marks.append(Mark(True, f"{case}: {shown}"))
        else:
            norm = math.sqrt(sum(g * g for g in got))
            marks.append(Mark(False, f"{case}: {shown}, norm {norm:.4g} "
                                     f"(package: [{', '.join(f'{w:.4g}' for w in want)}])"))
    hint = ("norm = sqrt(sum of squares of ALL grads); if norm > max_norm multiply every grad by "
            "max_norm / norm, else return them unchanged (this keeps their direction)")
    return Verdict("your clip_by_norm(grads, max_norm)", marks, hint)
