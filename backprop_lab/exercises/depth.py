"""Checkers for deep networks: the gradient through a chain of sigmoids, the NumPy backward pass of
a deep network, and clipping by global norm.

A failing case shows what the learner's code returned and names a common slip when it sees one,
but never prints the right answer. The hint that spells out the method appears only after a real
attempt (a function that still raises NotImplementedError has not been attempted).
"""

import math

import numpy as np

from .reference import Value  # the checkers' own copy: a learner's patch to Value cannot change it
from ..nn import clip_grad_norm
from .core import NOT_WRITTEN, Mark, Verdict, as_number, call, checker, close

__all__ = ["check_sigmoid_chain_grad", "check_deep_backward", "check_clip_by_norm"]


def _sigmoid(x):
    return 0.5 * (1.0 + math.tanh(0.5 * x))  # never overflows


# ---------------------------------------------------------------- σ(σ(…σ(x)…))

_CHAIN_CASES = ((0.7, 1), (-0.8, 2), (1.5, 3), (-2.0, 5), (0.3, 12))


def _chain_autograd(x, depth):
    """d/dx of sigmoid applied depth times, by the package's autograd."""
    xv = Value(float(x))
    out = xv
    for _ in range(depth):
        out = out.sigmoid()
    out.backward()
    return xv.grad


def _chain_slips(x, depth):
    """Common wrong answers: {name: value} for one case."""
    slope_at_input, s = [], x
    for _ in range(depth):
        slope_at_input.append(s * (1 - s))  # s(1 − s) of the layer's input, not its output
        s = _sigmoid(s)
    product = math.prod(slope_at_input)
    first = _sigmoid(x) * (1 - _sigmoid(x))
    return {
        "every factor is σ'(x) at the input x: each layer's slope belongs at that layer's own input": first ** depth,
        "s·(1 − s) was taken of each layer's input; σ'(z) = σ(z)(1 − σ(z)) needs the layer's output σ(z)": product,
    }


@checker("your sigmoid_chain_grad(x, depth)")
def check_sigmoid_chain_grad(fn):
    """Check fn(x, depth) -> d/dx of σ(σ(…σ(x)…)) (depth sigmoids) against autograd."""
    title = "your sigmoid_chain_grad(x, depth)"
    marks, attempted = [], False
    for x, depth in _CHAIN_CASES:
        case = f"x={x}, depth={depth}"
        out, error = call(fn, (x, depth))
        if error is None:
            out, error = as_number(out, "sigmoid_chain_grad")
        if error is not None:
            attempted = attempted or error != NOT_WRITTEN
            marks.append(Mark(False, f"{case}: {error}"))
            continue
        attempted = True
        want = _chain_autograd(x, depth)
        if close(out, want, rel=1e-6, abs_=1e-300):
            marks.append(Mark(True, f"{case}: {out:.4e}"))
            continue
        slip = next((why for why, v in _chain_slips(x, depth).items()
                     if depth > 1 and close(out, v, rel=1e-6, abs_=1e-300)), None)
        if slip is None and close(out, -want, rel=1e-6, abs_=1e-300):
            slip = "the sign is flipped: every σ' is positive, so the product is too"
        marks.append(Mark(False, f"{case}: {out:.4e} is not right yet" + (f" ({slip})" if slip else "")))
    hint = ("go forward keeping each layer's output s = σ(previous s); the gradient is the product of "
            "s·(1 − s) over the layers (each factor is at most 0.25)") if attempted else ""
    return Verdict(title, marks, hint)


# ---------------------------------------------------------------- the deep network's backward pass

_DEEP_ACT = {"sigmoid": (lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), lambda a: a * (1 - a)),
             "tanh": (np.tanh, lambda a: 1 - a * a),
             "relu": (lambda z: np.maximum(z, 0.0), lambda a: (a > 0) * 1.0)}
_DEEP_CASES = (  # (depth, activation, residual, width, batch, seed): square layers, as in the lesson
    (1, "sigmoid", False, 3, 5, 11),
    (3, "tanh", False, 4, 6, 12),
    (4, "sigmoid", False, 3, 7, 13),
    (3, "relu", True, 4, 6, 14),
)


def _deep_case(depth, activation, residual, width, batch, seed):
    """(Ws, hs, slopes, v, y) for one case, from the checker's own forward pass."""
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(0.0, 1.3 / np.sqrt(width), size=(width, width)) for _ in range(depth)]
    f, slope = _DEEP_ACT[activation]
    hs, slopes = [rng.normal(size=(batch, width))], []
    for W in Ws:
        a = f(hs[-1] @ W.T)
        hs.append(a + hs[-1] if residual else a)
        slopes.append(slope(a))
    v, y = rng.normal(0.0, 1.0 / np.sqrt(width), size=width), rng.normal(size=batch)
    return Ws, hs, slopes, v, y


def _deep_backward(Ws, hs, slopes, v, y, residual, slip=None):
    """The reference backward pass; ``slip`` gives one of the common wrong versions instead."""
    n = 1 if slip == "no_mean" else len(y)
    top = (y - hs[-1] @ v) if slip == "sign" else (hs[-1] @ v - y)
    dh = np.outer(top / n, v)
    grads = [None] * len(Ws)
    for i in reversed(range(len(Ws))):
        dz = dh if slip == "no_slope" else dh * slopes[i]
        grads[i] = {"transposed": lambda: hs[i].T @ dz, "output": lambda: dz.T @ hs[i + 1]}.get(
            slip, lambda: dz.T @ hs[i])()
        down = {"dh_not_dz": lambda: dh @ Ws[i], "W_T": lambda: dz @ Ws[i].T}.get(slip, lambda: dz @ Ws[i])()
        dh = down + (dh if residual and slip != "no_skip" else 0.0)
    return grads[::-1] if slip == "reversed" else grads


_DEEP_SLIPS = {
    "no_mean": "every gradient is len(y) times too big: L is a mean, so dL/dŷ = (ŷ − y) / len(y)",
    "sign": "every sign is flipped: dL/dŷ = ŷ − y, not y − ŷ",
    "no_slope": "the activation was skipped: dz = dh · f′(z), and f′(z) is slopes[i]",
    "transposed": "dL/dW is transposed: row j of W belongs to unit j, so dL/dW = dz.T @ (the layer's input)",
    "output": "dL/dW used the layer's output hs[i + 1]; W multiplies the layer's input, hs[i]",
    "dh_not_dz": "the gradient handed down skipped the activation: multiply dz by W, not dh",
    "W_T": "the gradient handed down used W.T: the forward pass computed h @ W.T, so going down is dz @ W",
    "no_skip": "the skip path is missing: with residual the output is f(…) + h_below, so dh also goes down "
               "unchanged (+ dh)",
    "reversed": "the gradients are in reverse order: grads[0] belongs to layer 1, next to the input",
}


def _same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-7, atol=1e-12 * (1 + np.abs(b).max())))


def _as_grads(out, depth, width):
    """The learner's result as a list of depth arrays of shape (width, width), or (None, what was wrong)."""
    if out is None:
        return None, "returned None: did you forget `return grads`?"
    if isinstance(out, np.ndarray) or not isinstance(out, (list, tuple)):
        return None, f"returned {type(out).__name__}, not a list with one gradient per layer"
    if len(out) != depth:
        return None, f"returned {len(out)} gradients for {depth} layers (one per layer)"
    grads = []
    for i, g in enumerate(out):
        try:
            g = np.asarray(g, dtype=float)
        except (TypeError, ValueError):
            return None, f"grads[{i}] is {type(out[i]).__name__}, not an array of numbers"
        if g.shape != (width, width):
            return None, f"grads[{i}] has shape {g.shape}; dL/dW has W's shape, {(width, width)}"
        grads.append(g)
    return grads, None


@checker("your backward(Ws, hs, slopes, v, y, residual)")
def check_deep_backward(fn):
    """Check fn(Ws, hs, slopes, v, y, residual) -> [dL/dW per layer] against the reference, case by case."""
    title = "your backward(Ws, hs, slopes, v, y, residual)"
    marks, attempted = [], False
    for depth, activation, residual, width, batch, seed in _DEEP_CASES:
        case = f"{depth} {activation} layer{'s' if depth > 1 else ''}{', residual' if residual else ''}"
        Ws, hs, slopes, v, y = _deep_case(depth, activation, residual, width, batch, seed)
        args = ([W.copy() for W in Ws], [h.copy() for h in hs], [s.copy() for s in slopes], v.copy(), y.copy())
        out, error = call(fn, (*args, residual))
        if error is None and not all(_same(a, b) for a, b in zip(args[0] + args[1], Ws + hs)):
            error = "it changed Ws or hs in place; read them, and build new arrays for the gradients"
        if error is None:
            out, error = _as_grads(out, depth, width)
        if error is not None:
            attempted = attempted or error != NOT_WRITTEN
            marks.append(Mark(False, f"{case}: {error}"))
            continue
        attempted = True
        want = _deep_backward(Ws, hs, slopes, v, y, residual)
        right = [_same(g, w) for g, w in zip(out, want)]
        if all(right):
            marks.append(Mark(True, f"{case}: every layer's dL/dW is right"))
            continue
        slip = next((why for name, why in _DEEP_SLIPS.items()
                     if all(_same(g, w) for g, w in zip(out, _deep_backward(Ws, hs, slopes, v, y, residual, name)))),
                    None)
        if slip is None:
            wrong = ", ".join(str(i + 1) for i, ok in enumerate(right) if not ok)
            slip = (f"layer {wrong} wrong" + ("; the top layer is right, so look at the line that hands "
                                              "the gradient down" if right[-1] else ""))
        marks.append(Mark(False, f"{case}: not right yet ({slip})"))
    hint = ("start with dh = dL/dh at the top; then, from the top layer down: through the activation "
            "(times slopes[i]), read off dL/dW from that and the layer's input hs[i], and hand the gradient "
            "down through Ws[i] (with residual, add dh too)") if attempted else ""
    return Verdict(title, marks, hint)


# ---------------------------------------------------------------- clipping by global norm

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


def _floats(out, n):
    """The learner's result as n floats, or (None, what was wrong)."""
    if out is None:
        return None, "returned None: did you forget `return`?"
    if isinstance(out, (str, bytes)) or not hasattr(out, "__len__"):
        return None, f"returned {type(out).__name__}, not a list of {n} numbers"
    if len(out) != n:
        return None, f"returned {len(out)} numbers, not {n} (one per gradient)"
    values = []
    for v in out:
        v, error = as_number(v, "an entry")
        if error:
            return None, error
        values.append(v)
    return values, None


def _clip_slip(got, grads, max_norm):
    """Name a common slip, if the result matches one."""
    norm = math.sqrt(sum(g * g for g in grads))
    each = [max(-max_norm, min(max_norm, g)) for g in grads]
    if all(close(a, b, rel=1e-9, abs_=1e-12) for a, b in zip(got, each)):
        return "each gradient was clipped on its own; that changes the direction of the step"
    rescaled = [g * max_norm / norm for g in grads] if norm else grads
    if norm and norm <= max_norm and all(close(a, r, rel=1e-9, abs_=1e-12) for a, r in zip(got, rescaled)):
        return "the norm is already below max_norm here, so nothing should change"
    if norm > max_norm and all(close(a, g, rel=1e-9, abs_=1e-12) for a, g in zip(got, grads)):
        return "unchanged, but the norm is above max_norm"
    return None


@checker("your clip_by_norm(grads, max_norm)")
def check_clip_by_norm(fn):
    """Check fn(grads, max_norm) -> a new list of grads (grads itself unchanged), against nn.clip_grad_norm."""
    title = "your clip_by_norm(grads, max_norm)"
    marks, attempted = [], False
    for grads, max_norm in _CLIP_CASES:
        case = f"grads={grads}, max_norm={max_norm}"
        given = list(grads)
        out, error = call(fn, (given, max_norm))
        if error is None and given != list(grads):
            error = ("it changed the list it was given (grads[i] = ...): return a new list and leave "
                     "grads as it was, so the caller still has the unclipped gradients")
        elif error is None and out is given:
            error = ("it returned the very list it was given: return a new one, e.g. list(grads), so that "
                     "changing the result later cannot change grads")
        if error is None:
            out, error = _floats(out, len(grads))
        if error is not None:
            attempted = attempted or error != NOT_WRITTEN
            marks.append(Mark(False, f"{case}: {error}"))
            continue
        attempted = True
        shown = "[" + ", ".join(f"{g:.4g}" for g in out) + "]"
        if all(close(g, w, rel=1e-9, abs_=1e-12) for g, w in zip(out, _clip_package(grads, max_norm))):
            marks.append(Mark(True, f"{case}: {shown}"))
            continue
        slip = _clip_slip(out, grads, max_norm)
        norm = math.sqrt(sum(g * g for g in out))
        marks.append(Mark(False, f"{case}: {shown} (norm {norm:.4g}) is not right yet"
                                 + (f": {slip}" if slip else "")))
    hint = ("norm = sqrt(sum of squares of ALL grads); if norm > max_norm multiply every grad by "
            "max_norm / norm, else copy them unchanged; build a new list and never change grads itself "
            "(one factor for all keeps their direction)") if attempted else ""
    return Verdict(title, marks, hint)
