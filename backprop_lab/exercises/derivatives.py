"""Checker for a learner's numeric derivative: one mark per function and point, then the step-size test.

A failing mark says which way the answer is off and, for a slip that scales every answer by the
same factor, what that slip is; it never prints the right slope.
"""

import math

from .core import NOT_WRITTEN, Mark, Verdict, as_number, checker, close

__all__ = ["check_derivative"]

_POLY = ("3x²-4x+5", lambda x: 3 * x * x - 4 * x + 5, lambda x: 6 * x - 4)
# Every true slope is far from zero, so a wrong formula cannot pass a case by landing near 0, and
# far from f(x) (so `return f(x)` passes none: not eˣ, whose slope is itself).
CASES = [(*_POLY, 3.0), (*_POLY, -1.0), (*_POLY, 0.25),
         ("sin x", math.sin, math.cos, 1.0),
         ("x·eˣ", lambda x: x * math.exp(x), lambda x: (x + 1) * math.exp(x), 0.5),
         ("1/x", lambda x: 1 / x, lambda x: -1 / x**2, 0.5)]

# The step-size test: x³ at x = 1.5 (slope 6.75) with h = 0.01 and 0.001. Each two-point formula
# gives its own number there, so the checker can tell which one was written.
_ORDER_X, _ORDER_HS = 1.5, (1e-2, 1e-3)


def _cube(x):
    return x * x * x


def _formulas(h, f=_cube, x=_ORDER_X):
    return {"one-sided": (f(x + h) - f(x)) / h, "backward": (f(x) - f(x - h)) / h,
            "central": (f(x + h) - f(x - h)) / (2 * h)}

_SLIPS = {2.0: "every answer is twice the true slope: the two points are 2h apart, so the run is 2h",
          0.5: "every answer is half the true slope: the two points are only h apart, so the run is h",
          -1.0: "every answer has the wrong sign: subtract the left point's value from the right one's",
          1.5: "every answer is 1.5× the true slope: the two points are 3h apart, but you divide by 2h"}


def _slip(ratio):
    """Name the usual cause when every answer is the true one times the same factor."""
    for factor, text in _SLIPS.items():
        if abs(ratio - factor) < 0.02 * abs(factor):
            return text
    return (f"every answer is {ratio:.3g}× the true slope: the rise and the run don't match; "
            "check which points you evaluate and what you divide by")


def _hint(central):
    if central:
        return "take one point h to each side of x, and divide by how far apart the two points are"
    return "rise over run: check which two points you evaluate, and divide by how far apart they are"


@checker("Numeric derivative")
def check_derivative(fn, central=False):
    """Check ``fn(f, x, h)`` (a finite-difference slope) on several functions, and how its error shrinks.

    With ``central=True`` a one-sided difference fails the last mark: the error must shrink like h².
    """
    title = "Numeric derivative" + (" (central difference)" if central else "")
    marks, ratios = [], []
    for name, f, df, x in CASES:
        where = f"f(x)={name} at x={x:g}"
        try:
            got, problem = as_number(fn(f, x), "your function")
        except NotImplementedError:
            return Verdict(title, [Mark(False, NOT_WRITTEN)])
        except Exception as exc:  # noqa: BLE001 - report the learner's error for this case
            got, problem = None, f"raised {type(exc).__name__}: {exc}"
        if problem:
            marks.append(Mark(False, f"{where}: {problem}"))
            continue
        exact = df(x)
        ratios.append(got / exact)
        if abs(got - exact) <= 1e-3 * max(1.0, abs(exact)):
            marks.append(Mark(True, f"{where}: {got:.6f}, right"))
        elif close(got, f(x), rel=1e-9, abs_=1e-12):
            marks.append(Mark(False, f"{where}: yours is {got:.6f}, which is f(x) itself, the height of the "
                                     "curve; a slope is rise over run between two points"))
        else:
            way = "wrong sign" if got * exact < 0 else ("too steep" if abs(got) > abs(exact) else "too flat")
            marks.append(Mark(False, f"{where}: yours is {got:.6f}, {way}"))
    if len(ratios) == len(CASES):
        mean = sum(ratios) / len(ratios)
        if max(abs(r - mean) for r in ratios) < 0.01 * abs(mean) and abs(mean - 1) > 0.01:
            marks.append(Mark(False, _slip(mean)))  # the step-size test means little here
        else:
            marks.append(_order_mark(fn, central))
    return Verdict(title, marks, hint=_hint(central))


def _order_mark(fn, central):
    """Which two-point formula ``fn`` is (from x³ at 1.5), and how its error shrinks when h drops 10x."""
    got = []
    for h in _ORDER_HS:
        try:
            value, problem = as_number(fn(_cube, _ORDER_X, h), "your function")
        except TypeError as exc:
            return Mark(False, f"calling fn(f, x, h) failed ({exc}): take h as the third "
                               "argument, e.g. def numeric_derivative(f, x, h=1e-5)")
        if problem:
            return Mark(False, f"step-size test: {problem}")
        got.append(value)
    where = f"x³ at x={_ORDER_X:g} with h=0.01"
    if close(got[0], _cube(_ORDER_X), rel=1e-9, abs_=1e-12):
        return Mark(False, f"{where}: you returned f(x) itself, not a slope")
    kind = next((k for k, v in _formulas(_ORDER_HS[0]).items() if close(got[0], v, rel=1e-9, abs_=1e-12)), None)
    errs = [abs(g - 3 * _ORDER_X**2) for g in got]
    shrink = errs[0] / max(errs[1], 1e-300)
    measured = f"({errs[0]:.1e} at h=1e-2, {errs[1]:.1e} at h=1e-3)"
    if kind == "backward":
        return Mark(False, f"{where}: you used the points x−h and x; this exercise asks for "
                           + ("one point on each side of x" if central else "x and x+h"))
    if kind == "central" and not central:
        return Mark(False, f"{where}: that is the central difference (x−h and x+h), the next exercise; "
                           "this one asks for the points x and x+h")
    if kind == "one-sided":
        text = f"one-sided difference: the error shrinks like h {measured}"
        if central:
            return Mark(False, text + "; with one point on each side of x it would shrink like h²")
        return Mark(True, text + "; a central difference would shrink like h²")
    if kind == "central":
        return Mark(True, f"central difference: the error shrinks like h² {measured}")
    if shrink < 2:
        return Mark(False, f"the error does not shrink when h does {measured}: does your function use its h "
                           "argument?")
    return Mark(False, f"{where}: yours is {got[0]:.6f}, which is no two-point difference with step h: "
                       "check which points you evaluate and what you divide by")
