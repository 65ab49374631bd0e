"""Checkers for lessons 1-3: a numeric derivative, gradients by hand, and ``_backward`` for new ops.

Every checker returns a :class:`~backprop_lab.exercises.core.Verdict` with one mark per case, and
never raises on a learner's code: errors, ``None`` and wrong types become failing marks.
"""

import math
from numbers import Real

from ..engine import Value
from ._lesson3 import NOT_WRITTEN, check_backward, matches_reference
from .core import Mark, Verdict, checker, close

__all__ = ["check_derivative", "check_hand_grads", "hand_graph", "check_backward",
           "matches_reference"]


def _number(result, what):
    """``(float, None)`` for a real number, else ``(None, message)`` saying what came back."""
    if result is None:
        return None, f"{what} returned None: did you forget `return`?"
    if isinstance(result, bool) or not isinstance(result, Real):
        return None, f"{what} returned a {type(result).__name__} ({result!r:.40}), not a number"
    result = float(result)
    if not math.isfinite(result):
        return None, f"{what} returned {result}: something overflowed or divided by zero"
    return result, None


def _factor_hint(ratio):
    """Name the usual cause when every answer is the true one times the same factor."""
    causes = {2.0: "twice the true slope: the two points are 2h apart (x-h and x+h), so divide by 2h",
              0.5: "half the true slope: the two points are only h apart, so divide by h, not 2h",
              -1.0: "the sign is flipped: subtract the left point from the right one, f(x+h) - f(...)",
              1.5: "1.5× the true slope: f(x+h) - f(x-2h) spans 3h but you divide by 2h"}
    for factor, text in causes.items():
        if abs(ratio - factor) < 0.02 * abs(factor):
            return text
    return (f"every answer is {ratio:.3g}× the true slope: the rise and the run don't match; "
            "check which points you evaluate and what you divide by")


# ---------------------------------------------------------------- lesson 1: numeric derivative

_POLY = ("3x²-4x+5", lambda x: 3 * x * x - 4 * x + 5, lambda x: 6 * x - 4)
_CASES = [(*_POLY, 3.0), (*_POLY, 2 / 3), (*_POLY, -3.0),
          ("sin x", math.sin, math.cos, 1.0),
          ("eˣ", math.exp, math.exp, 0.5),
          ("1/x", lambda x: 1 / x, lambda x: -1 / x**2, 0.5)]


@checker("Numeric derivative")
def check_derivative(fn, central=False):
    """Check ``fn(f, x, h)`` (a finite-difference slope) on several functions, and how its error shrinks.

    With ``central=True`` a one-sided difference fails the last mark: the error must shrink like h².
    """
    title = "Numeric derivative" + (" (central difference)" if central else "")
    marks, ratios = [], []
    for name, f, df, x in _CASES:
        where = f"f(x)={name} at x={x:.4g}"
        try:
            got, problem = _number(fn(f, x), "your function")
        except NotImplementedError:
            return Verdict(title, [Mark(False, NOT_WRITTEN)])
        except Exception as exc:  # noqa: BLE001 - report the learner's error for this case
            got, problem = None, f"raised {type(exc).__name__}: {exc}"
        if problem:
            marks.append(Mark(False, f"{where}: {problem}"))
            continue
        exact = df(x)
        if abs(exact) > 0.1:
            ratios.append(got / exact)
        err = abs(got - exact)
        ok = err <= 1e-3 * max(1.0, abs(exact))
        marks.append(Mark(ok, f"{where}: yours {got:.6f}, exact {exact:.6f}"
                          + ("" if ok else f" (off by {err:.3g})")))
    if len({m.text.split(": ", 1)[1] for m in marks if not m.ok}) == 1 and not any(m.ok for m in marks):
        marks = [Mark(False, "every case: " + marks[0].text.split(": ", 1)[1])]
    if len(ratios) == len([c for c in _CASES if abs(c[2](c[3])) > 0.1]) and ratios:
        mean = sum(ratios) / len(ratios)
        if max(abs(r - mean) for r in ratios) < 0.01 * abs(mean) and abs(mean - 1) > 0.01:
            marks.append(Mark(False, _factor_hint(mean)))  # the step-size test means little here
        else:
            marks.append(_order_mark(fn, central))
    return Verdict(title, marks, hint="a slope is rise over run: (f(x+h) - f(x)) / h")


def _order_mark(fn, central):
    """How the error shrinks when h drops 10x: ~10x (one-sided) or ~100x (central)."""
    errs = []
    for h in (1e-2, 1e-3):
        try:
            got, problem = _number(fn(math.exp, 0.0, h), "your function")
        except TypeError as exc:
            return Mark(False, f"calling fn(f, x, h) failed ({exc}): take h as the third "
                               "argument, e.g. def numeric_derivative(f, x, h=1e-5)")
        if problem:
            return Mark(False, f"step-size test: {problem}")
        errs.append(abs(got - 1.0))
    if errs[0] < 1e-12:
        return Mark(True, "the error is below rounding at h=0.01: exact for eˣ at 0")
    shrink = errs[0] / max(errs[1], 1e-300)
    if shrink < 2:
        return Mark(False, f"the error does not shrink when h does ({errs[0]:.2g} at h=1e-2, "
                           f"{errs[1]:.2g} at h=1e-3): does your function use its h argument?")
    if shrink < 30:
        text = (f"one-sided difference: the error shrinks like h ({errs[0]:.1e} at h=1e-2, "
                f"{errs[1]:.1e} at h=1e-3)")
        if central:
            return Mark(False, text + "; the central difference (f(x+h) - f(x-h)) / 2h shrinks like h²")
        return Mark(True, text + "; a central difference would shrink like h²")
    return Mark(True, f"central difference: the error shrinks like h² ({errs[0]:.1e} at h=1e-2, "
                      f"{errs[1]:.1e} at h=1e-3)")


# ---------------------------------------------------------------- lesson 2: gradients by hand

def _worked_graph():
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L


def _exercise_graph():
    x, y, z, w = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z"), Value(3.0, label="w")
    q = x + y
    q.label = "q"
    p = q * z
    p.label = "p"
    r = w * x
    r.label = "r"
    L = p + r
    L.label = "L"
    return L


_GRAPHS = {"exercise": _exercise_graph, "worked": _worked_graph}


def hand_graph(name="exercise"):
    """A fresh, un-backpropagated graph to work on by hand: "exercise" (L = (x+y)·z + w·x) or "worked"."""
    if name not in _GRAPHS:
        raise ValueError(f"no graph called {name!r}: choose one of {', '.join(_GRAPHS)}")
    return _GRAPHS[name]()


def _grad_hint(name, got, right, uses, grads):
    """Why a hand-computed dL/d<name> might be off, from the graph around the node."""
    if close(got, -right):
        return "right size, wrong sign"
    if len(uses) > 1:
        for user, local in uses:
            if close(got, local * grads[user.label]):
                return (f"that is only the path through {user.label}; {name} feeds "
                        f"{' and '.join(u.label for u, _ in uses)}, so add the gradients of every path")
    elif uses:
        user, local = uses[0]
        up = grads[user.label]
        if close(got, local) and not close(local, local * up):
            return (f"that is the local derivative d{user.label}/d{name}; multiply it by the upstream "
                    f"dL/d{user.label}")
        if close(got, up) and not close(up, local * up):
            return (f"that is the upstream dL/d{user.label}; multiply it by the local derivative "
                    f"d{user.label}/d{name}")
    return "too high" if got > right else "too low"


@checker("Gradients by hand")
def check_hand_grads(answers, graph="exercise"):
    """Mark each hand-computed gradient in ``answers`` ({"dL/dx": number, ...}) separately."""
    title = f"Gradients by hand ({graph} graph)"
    root = hand_graph(graph)
    root.backward()
    order = root.topological_order()
    grads = {n.label: n.grad for n in order}
    uses = {n.label: [] for n in order}
    for node in order:
        for child, local in node.local_derivatives():
            uses[child.label].append((node, local))
    wanted = [f"dL/d{n.label}" for n in reversed(order) if n is not root]
    if not isinstance(answers, dict):
        return Verdict(title, [Mark(False, f"pass a dict like {{'{wanted[0]}': 1.0, ...}}, "
                                           f"not a {type(answers).__name__}")])
    given = {(k if str(k).startswith("dL/d") else f"dL/d{k}"): v for k, v in answers.items()}
    marks = [Mark(False, f"{k!r} is not a node of this graph; the nodes are {', '.join(wanted)}")
             for k in given if k not in wanted]
    for key in wanted:
        name = key[4:]
        if given.get(key) is None:
            marks.append(Mark(False, f"{key}: not filled in yet"))
            continue
        got, problem = _number(given[key], key)
        if problem:
            marks.append(Mark(False, problem.replace("returned", "is")))
        elif close(got, grads[name], rel=1e-6, abs_=1e-9):
            marks.append(Mark(True, f"{key} = {got:g}"))
        else:
            marks.append(Mark(False, f"{key} = {got:g}: not yet, "
                                     + _grad_hint(name, got, grads[name], uses[name], grads)))
    return Verdict(title, marks, hint="start at dL/dL = 1 and walk backwards: "
                                      "each grad is the upstream grad times the local derivative")

