"""Checkers for deep networks: the gradient through a chain of sigmoids, and clipping by global norm.

A failing case shows what the learner's code returned and names a common slip when it sees one,
but never prints the right answer. The hint that spells out the method appears only after a real
attempt (a function that still raises NotImplementedError has not been attempted).
"""

import math

from ..engine import Value
from ..nn import clip_grad_norm
from .core import NOT_WRITTEN, Mark, Verdict, as_number, call, checker, close

__all__ = ["check_sigmoid_chain_grad", "check_clip_by_norm"]


def _sigmoid(x):
    return 0.5 * (1.0 + math.tanh(0.5 * x))  # never overflows


# ---------------------------------------------------------------- σ(σ(…σ(x)…))

_CHAIN_CASES = ((0.0, 1), (0.0, 2), (1.5, 3), (-2.0, 5), (0.3, 12))


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
    """Check fn(grads, max_norm) -> new list of grads, against backprop_lab.nn.clip_grad_norm."""
    title = "your clip_by_norm(grads, max_norm)"
    marks, attempted = [], False
    for grads, max_norm in _CLIP_CASES:
        case = f"grads={grads}, max_norm={max_norm}"
        out, error = call(fn, (list(grads), max_norm))
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
            "max_norm / norm, else return them unchanged (this keeps their direction)") if attempted else ""
    return Verdict(title, marks, hint)
