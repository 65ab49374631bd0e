"""Checker for a learner's ``_backward`` of a new op on their own class (lesson 3's ``Scalar``).

``check_backward`` builds five small graphs with the learner's class (the op used once, re-used,
mixed with its own input, in a diamond, and applied to a computed value rather than a leaf) and
compares every input's ``.grad`` with central finite differences of the same class's forward
pass. A failing mark names the input, says which way it is off and guesses the slip; it never
prints the right gradient.
"""

import math

from ..gradcheck import numerical_grad
from .core import NOT_WRITTEN, Mark, Verdict, checker, close

__all__ = ["check_backward", "OPS"]


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# name -> (input names, the learner's method, the true forward, how to print it). The method is
# called from the class (cls.exp(u)), so it is the learner's even when u was made by an inner op.
OPS = {
    "tanh": ("x", "tanh", math.tanh, "tanh(x)"),
    "exp": ("x", "exp", math.exp, "exp(x)"),
    "sigmoid": ("x", "sigmoid", _sigmoid, "sigmoid(x)"),
    "div": ("ab", "__truediv__", lambda a, b: a / b, "a/b"),
}
_AT = {"x": 0.7, "a": 1.5, "b": -0.8}
UPSTREAM = -2.5  # what the "used once" graph multiplies the op's output by
SCALE = 0.5  # the "computed input" graph applies the op to SCALE·x instead of to the leaf x


def _graphs(op):
    """(name, build) pairs; build(cls, *leaves) returns (L, op_node) using only +, * and the op."""
    names, method, _, g = OPS[op]
    first = names[0]

    def apply(cls, *v):
        return getattr(cls, method)(*v)
    inner = ", ".join(f"{SCALE:g}·{n}" for n in names)

    def once(cls, *v):
        s = apply(cls, *v)
        return s * cls(UPSTREAM), s

    def reused(cls, *v):
        s = apply(cls, *v)
        return s + apply(cls, *v), s

    def mixed(cls, *v):
        s = apply(cls, *v)
        return s * v[0], s

    def diamond(cls, *v):
        s = apply(cls, *v)
        return (s * cls(2.0)) * (s + cls(1.0)), s

    def computed(cls, *v):
        s = apply(cls, *(leaf * cls(SCALE) for leaf in v))
        return s * cls(UPSTREAM), s

    return [(f"used once, L = {g}·({UPSTREAM:g})", once),
            (f"re-used, L = {g} + {g}", reused),
            (f"mixed with its input, L = {g}·{first}", mixed),
            (f"diamond, s = {g}, L = (2s)·(s + 1)", diamond),
            (f"on a computed input, L = {OPS[op][3].split('(')[0]}({inner})·({UPSTREAM:g})"
             if len(names) == 1 else f"on computed inputs, L = ({inner.replace(', ', ')/(')})·({UPSTREAM:g})",
             computed)]


def _diagnose(graph_no, name, got, right, op_data):
    """The likely cause of a wrong gradient, from which graph it failed on and by how much."""
    if got == 0.0 and right != 0.0:
        if graph_no == 4:
            return ("no gradient reached it. If the graphs above pass, your op does not record "
                    "its inputs (the tuple passed as _children), so backward() never reaches the "
                    "nodes before it")
        return ("no gradient reached it: does your _backward add to the input's .grad, and is it "
                "attached with out._backward = _backward?")
    if close(got, -right):
        return "right size, wrong sign"
    if graph_no in (0, 4) and close(got * UPSTREAM, right):
        return "you left out out.grad: multiply the local derivative by the upstream gradient"
    if graph_no == 1 and close(2 * got, right):
        return ("exactly half: the second use overwrote the first. Use += (accumulate) "
                "instead of = in _backward")
    if graph_no == 2 and name == 0:
        overwrote, silent = close(got, right - op_data), close(got, op_data)
        if overwrote and silent:
            return ("exactly half: either = instead of += in _backward (one path overwrote the "
                    "other), or your op sends nothing back")
        if overwrote:
            return ("only one path's share: one path overwrote the other. Use += (accumulate) "
                    "instead of = in _backward")
        if silent:
            return "only the direct path reached it: your op sends nothing back through _backward"
    return "check the local derivative"


def check_backward(cls, op):
    """Check a learner's op ("tanh", "exp", "sigmoid" or "div") on class ``cls`` by finite differences."""
    if op not in OPS:
        raise ValueError(f"check_backward has no check for an op called {op!r}; it can check "
                         f"{', '.join(repr(o) for o in OPS)}")
    return _check_backward(cls, op)


@checker("Your _backward")
def _check_backward(cls, op):
    names, method, true_f, g = OPS[op]
    title = f"_backward for {g} on {getattr(cls, '__name__', cls)}"
    at = [_AT[n] for n in names]
    where = ", ".join(f"{n}={v:g}" for n, v in zip(names, at))
    try:
        s = getattr(cls, method)(*(cls(v) for v in at))
    except NotImplementedError:
        return Verdict(title, [Mark(False, NOT_WRITTEN)])
    forward_ok = close(s.data, true_f(*at), rel=1e-9)
    marks = [Mark(forward_ok, f"forward: {g} = {s.data:.6f} at {where}"
                  + ("" if forward_ok else ", which is not the right value: check the forward formula"))]
    for no, (gname, build) in enumerate(_graphs(op)):
        try:
            leaves = [cls(v) for v in at]
            L, s = build(cls, *leaves)
            L.backward()
            got = [float(leaf.grad) for leaf in leaves]
            right = numerical_grad(lambda *v: build(cls, *(cls(x) for x in v))[0].data, *at)
        except NotImplementedError:
            return Verdict(title, [Mark(False, NOT_WRITTEN)])
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            marks.append(Mark(False, f"{gname}: your code raised {type(exc).__name__}: {exc}"))
            continue
        for i, name in enumerate(names):
            if close(got[i], right[i], rel=1e-5, abs_=1e-7):
                marks.append(Mark(True, f"{gname}: dL/d{name} = {got[i]:.6f} matches finite differences"))
            else:
                way = "too high" if got[i] > right[i] else "too low"
                why = _diagnose(no, i, got[i], right[i], s.data)
                marks.append(Mark(False, f"{gname}: dL/d{name} = {got[i]:.6f} does not match finite "
                                         f"differences ({way}): {why}"))
    return Verdict(title, marks, hint="out.grad is the upstream; each input gets "
                                      "+= local derivative × out.grad")
