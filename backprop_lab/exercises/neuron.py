"""Checkers for one sigmoid neuron: its backward ledger by hand, and its gradient as a function.

The neuron is ŷ = σ(w·x + b) with the loss L = ½(ŷ − y)². Each checker marks every line or case
separately and names the usual slips: a forgotten σ′ factor, a flipped sign, a doubled error.
A blank (``...`` or ``None``) or a stub that still raises NotImplementedError is "not filled in
yet", with no hint; hints appear only after a real attempt fails, and a failing mark never shows
the right number.
"""

import math
from numbers import Real

from ..engine import Value
from .core import NO_RETURN, NOT_WRITTEN, Mark, Verdict, call, checker, close

__all__ = ["check_backward_ledger", "check_neuron_gradient"]

# The lesson's neuron (its worked example), used to spot numbers copied from the lesson.
LESSON_X, LESSON_W, LESSON_B, LESSON_Y = (0.8, -0.4, 1.2), (0.2, -0.1, 0.3), 0.1, 1.0
_TOL = 6e-4  # the ledger asks for four decimals: rounding, not sloppiness


def _short(v):
    """A number as 4-decimal text, or the short repr of whatever else it is."""
    try:
        return f"{float(v):.4f}"
    except (TypeError, ValueError):
        text = repr(v)
        return text if len(text) <= 40 else text[:37] + "..."


def neuron_ledger(x, w, b, y):
    """Every backward-ledger number of the neuron, by autograd (Value), keyed as the lesson writes them."""
    wv = [Value(float(wi)) for wi in w]
    bv = Value(float(b))
    z = sum((wi * float(xi) for wi, xi in zip(wv, x)), bv)
    yhat = z.sigmoid()
    loss = 0.5 * (yhat - float(y)) ** 2
    loss.backward()
    ledger = {"yhat": yhat.data, "dL/dyhat": yhat.grad, "dyhat/dz": yhat.data * (1 - yhat.data),
              "dL/dz": z.grad}
    ledger.update({f"dL/dw{i}": wi.grad for i, wi in enumerate(wv, start=1)})
    ledger["dL/db"] = bv.grad
    return ledger


def _slips(key, x, w, b, y):
    """(wrong value, what that slip is) pairs for one ledger line: the common mistakes, computed."""
    led = neuron_ledger(x, w, b, y)
    yhat, err = led["yhat"], led["dL/dyhat"]
    factor = {"dL/dz": 1.0, "dL/db": 1.0, **{f"dL/dw{i}": xi for i, xi in enumerate(x, start=1)}}
    slips = [(-led[key], "the sign is flipped: the error is yhat − y, not y − yhat")]
    if key == "dL/dyhat":
        slips.append((2 * err, "twice the error: the ½ in L = ½(yhat − y)² cancels the 2 from the square"))
    if key == "dyhat/dz":
        slips += [(yhat, "that is yhat itself: the sigmoid's slope is yhat·(1 − yhat)"),
                  (1 - yhat, "that is 1 − yhat: the sigmoid's slope is yhat·(1 − yhat)")]
    if key in factor:
        slips.append((err * factor[key], "the σ′ factor is missing: dL/dz = dL/dyhat · dyhat/dz, "
                                         "and dyhat/dz = yhat·(1 − yhat)"))
        slips.append((2 * led[key], "twice the right size: is dL/dyhat doubled (the ½ cancels the 2)?"))
    if key.startswith("dL/dw"):
        i = int(key[5:])
        slips += [(led["dL/dz"] * xj, f"that is dL/dz times x{j}: weight w{i} multiplies x{i}")
                  for j, xj in enumerate(x, start=1) if j != i and not close(xj, x[i - 1], 0, 1e-9)]
    if (tuple(x), tuple(w), b, y) != (LESSON_X, LESSON_W, LESSON_B, LESSON_Y) and len(w) == len(LESSON_W):
        lesson = neuron_ledger(LESSON_X, LESSON_W, LESSON_B, LESSON_Y)
        slips.append((lesson[key], "that is the lesson's worked example; this exercise has a new x and y"))
    return slips


def _blank(v):
    return v is ... or v is None


@checker("your backward ledger")
def check_backward_ledger(answers, x=LESSON_X, w=LESSON_W, b=LESSON_B, y=LESSON_Y):
    """Mark each number of a hand-written backward ledger (dL/dyhat ... dL/db, four decimals)."""
    title = "your backward ledger"
    keys = ["dL/dyhat", "dyhat/dz", "dL/dz", *(f"dL/dw{i}" for i in range(1, len(w) + 1)), "dL/db"]
    if not isinstance(answers, dict):
        return Verdict(title, [Mark(False, f"expected a dict with the keys {', '.join(keys)}, "
                                           f"got {_short(answers)}")])
    truth = neuron_ledger(x, w, b, y)
    marks = [Mark(False, f"{k!r} is not a line of this ledger; the lines are {', '.join(keys)}")
             for k in answers if k not in keys]
    attempted = False
    for key in keys:
        given = answers.get(key, ...)
        if _blank(given):
            marks.append(Mark(False, f"{key}: not filled in yet"))
            continue
        attempted = True
        if isinstance(given, bool) or not isinstance(given, Real) or not math.isfinite(given):
            marks.append(Mark(False, f"{key}: expected a number, got {_short(given)}"))
        elif close(given, truth[key], rel=0, abs_=_TOL):
            marks.append(Mark(True, f"{key} = {_short(given)}"))
        else:
            why = next((text for wrong, text in _slips(key, x, w, b, y)
                        if close(given, wrong, rel=0, abs_=_TOL)), "not right yet")
            marks.append(Mark(False, f"{key} = {_short(given)}: {why}"))
    hint = ("work top to bottom: dL/dyhat = yhat − y, dyhat/dz = yhat·(1 − yhat), dL/dz is their "
            "product, and each dL/dwi is dL/dz times xi") if attempted else ""
    return Verdict(title, marks, hint)


# (x, w, b, y): the lesson's neuron, then ones where the usual slips give visibly different numbers
GRADIENT_CASES = (
    (LESSON_X, LESSON_W, LESSON_B, LESSON_Y),
    ((1.0, 2.0), (-0.5, 0.25), -0.3, 0.0),
    ((-1.5, 0.5, 2.0), (0.7, -1.2, 0.1), 0.4, 1.0),
    ((3.0,), (-0.5,), 1.0, 0.0),
)


def _as_pair(out, n):
    """The learner's (dL_dw, dL_db) as (n floats, float), or a ValueError that says what came back."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ValueError(f"return a pair (dL_dw, dL_db), got {_short(out)}")
    dw, db = out
    if isinstance(dw, (str, bytes)) or not hasattr(dw, "__len__"):
        raise ValueError(f"dL_dw should be a list of {n} numbers, got {_short(dw)}")
    if len(dw) != n:
        raise ValueError(f"dL_dw has {len(dw)} numbers but this neuron has {n} weights: one per input")
    nums = []
    for v in [*dw, db]:
        v = v.data if isinstance(v, Value) else v
        if isinstance(v, bool) or not isinstance(v, Real):
            raise ValueError(f"expected numbers, got {_short(v)}")
        nums.append(float(v))
    return nums[:-1], nums[-1]


def _gradient_slip(got, x, w, b, y):
    """Name the slip when every number is the right one times the same factor (or has σ′ missing)."""
    led = neuron_ledger(x, w, b, y)
    right = [led[f"dL/dw{i}"] for i in range(1, len(w) + 1)] + [led["dL/db"]]
    no_sigma = [led["dL/dyhat"] * xi for xi in x] + [led["dL/dyhat"]]
    for want, text in ((no_sigma, "the σ′ factor yhat·(1 − yhat) is missing"),
                       ([-g for g in right], "every sign is flipped: the error is yhat − y"),
                       ([2 * g for g in right], "twice the right size: the ½ in the loss cancels the 2")):
        if all(close(g, t, rel=1e-6, abs_=1e-9) for g, t in zip(got, want)):
            return text
    if close(got[-1], right[-1], rel=1e-6, abs_=1e-9):
        return "dL/db is right but some dL/dwi are not: each is dL/dz times its own xi"
    return "not right yet"


@checker("your neuron_gradient(x, w, b, y)")
def check_neuron_gradient(fn):
    """Check fn(x, w, b, y) -> (dL/dw list, dL/db) for L = ½(σ(w·x + b) − y)² against autograd."""
    title = "your neuron_gradient(x, w, b, y)"
    marks = []
    for x, w, b, y in GRADIENT_CASES:
        case = f"x={list(x)}, w={list(w)}, b={b}, y={y}"
        out, error = call(fn, (list(x), list(w), b, y))
        if error == NOT_WRITTEN or (error is None and out is None):
            return Verdict(title, [Mark(False, error or NO_RETURN)])
        if error:
            marks.append(Mark(False, f"{case}: your code raised {error}"))
            continue
        try:
            got_w, got_b = _as_pair(out, len(w))
        except ValueError as exc:
            marks.append(Mark(False, f"{case}: {exc}"))
            continue
        led = neuron_ledger(x, w, b, y)
        want = [led[f"dL/dw{i}"] for i in range(1, len(w) + 1)] + [led["dL/db"]]
        got = got_w + [got_b]
        shown = f"dL/dw=[{', '.join(_short(g) for g in got_w)}], dL/db={_short(got_b)}"
        if all(close(g, t, rel=1e-6, abs_=1e-9) for g, t in zip(got, want)):
            marks.append(Mark(True, f"{case}: {shown}"))
        else:
            marks.append(Mark(False, f"{case}: {shown}: {_gradient_slip(got, x, w, b, y)}"))
    hint = "compute dL/dz = (yhat − y)·yhat·(1 − yhat) once; then dL/dwi = dL/dz·xi and dL/db = dL/dz"
    return Verdict(title, marks, hint)
