"""Lesson 3 checks: a learner's ``_backward`` for an op, and the engine against a reference.

``check_backward`` runs the op on four small graphs built with the learner's own class (used once,
re-used, mixed with its input, and a diamond) and compares every input's ``.grad`` with central
finite differences of the same class's forward pass.
"""

import math

from ..engine import Value
from ..gradcheck import numerical_grad
from .core import Mark, Verdict, checker, close

__all__ = ["check_backward", "matches_reference"]

NOT_WRITTEN = "not written yet: replace the `raise NotImplementedError` line with your code"


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# name -> (input names, how to apply it to the learner's values, the true forward, how to print it)
OPS = {
    "tanh": ("x", lambda x: x.tanh(), math.tanh, "tanh(x)"),
    "exp": ("x", lambda x: x.exp(), math.exp, "exp(x)"),
    "sigmoid": ("x", lambda x: x.sigmoid(), _sigmoid, "sigmoid(x)"),
    "div": ("ab", lambda a, b: a / b, lambda a, b: a / b, "(a/b)"),
}
_AT = {"x": 0.7, "a": 1.5, "b": -0.8}
UPSTREAM = -2.5  # what the "used once" graph multiplies the op's output by


def _graphs(op):
    """(name, build) pairs; build(cls, *leaves) returns (L, op_node) using only +, * and the op."""
    apply = OPS[op][1]
    g = OPS[op][3]
    first = OPS[op][0][0]

    def once(cls, *v):
        s = apply(*v)
        return s * cls(UPSTREAM), s

    def reused(cls, *v):
        s = apply(*v)
        return s + apply(*v), s

    def mixed(cls, *v):
        s = apply(*v)
        return s * v[0], s

    def diamond(cls, *v):
        s = apply(*v)
        return (s * cls(2.0)) * (s + cls(1.0)), s

    return [(f"used once, L = {g}·({UPSTREAM:g})", once),
            (f"re-used, L = {g} + {g}", reused),
            (f"mixed with its input, L = {g}·{first}", mixed),
            (f"diamond, s = {g}, L = (2s)·(s + 1)", diamond)]


def _diagnose(graph_no, name, got, right, op_data):
    """The likely cause of a wrong gradient, from which graph it failed on and by how much."""
    if got == 0.0 and right != 0.0:
        return ("no gradient reached it: does your _backward add to the input's .grad, and is it "
                "attached with out._backward = _backward?")
    if close(got, -right):
        return "right size, wrong sign"
    if graph_no == 0 and close(got * UPSTREAM, right):
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


@checker("Your _backward")
def check_backward(cls, op):
    """Check a learner's op ("exp", "sigmoid", "div", "tanh") on class ``cls`` against finite differences."""
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}: choose one of {', '.join(OPS)}")
    names, apply, true_f, g = OPS[op]
    title = f"_backward for {g} on {getattr(cls, '__name__', cls)}"
    at = [_AT[n] for n in names]
    marks = []
    try:
        s = apply(*(cls(v) for v in at))
        marks.append(Mark(close(s.data, true_f(*at), rel=1e-9), f"forward: {g} = {s.data:.6f} "
                          f"at {', '.join(f'{n}={v:g}' for n, v in zip(names, at))}"
                          + ("" if close(s.data, true_f(*at), rel=1e-9) else
                             f", but it should be {true_f(*at):.6f}")))
    except NotImplementedError:
        return Verdict(title, [Mark(False, NOT_WRITTEN)])
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
                continue
            err = abs(got[i] - right[i])
            marks.append(Mark(False, f"{gname}: dL/d{name} is {got[i]:.6f}, finite differences say "
                                     f"{right[i]:.6f} (off by {err:.3g}): "
                                     + _diagnose(no, i, got[i], right[i], s.data)))
    return Verdict(title, marks, hint="out.grad is the upstream; each input gets "
                                      "+= local derivative × out.grad")


class ReferenceCheck:
    """The engine's gradients next to a reference's (torch in double precision, or finite differences)."""

    def __init__(self, names, engine, reference, kind, tol):
        self.names, self.engine, self.reference, self.kind = names, engine, reference, kind
        self.ok = all(close(a, b, rel=tol, abs_=tol) for a, b in zip(engine, reference))

    def __bool__(self):
        return self.ok

    def __str__(self):  # the same text whichever reference ran, so stored outputs stay stable
        rows = "\n".join(f"  dL/d{n} = {g:.4f}" for n, g in zip(self.names, self.engine))
        return f"engine matches reference: {self.ok}\n{rows}"

    __repr__ = __str__


def matches_reference(fn, reference="auto", **leaves):
    """Compare fn's backprop_lab gradients at ``leaves`` with torch (double) if installed, else finite differences."""
    names = list(leaves)
    vals = [Value(float(leaves[n]), label=n) for n in names]
    fn(**dict(zip(names, vals))).backward()
    engine = [v.grad for v in vals]
    torch = None
    if reference in ("auto", "torch"):
        try:
            import torch
        except ImportError:
            if reference == "torch":
                raise ImportError("matches_reference(reference='torch') needs PyTorch: "
                                  "pip install torch, or use reference='auto'") from None
    if torch is not None:
        ts = {n: torch.tensor(float(leaves[n]), dtype=torch.float64, requires_grad=True) for n in names}
        fn(**ts).backward()
        ref = [0.0 if ts[n].grad is None else ts[n].grad.item() for n in names]
        return ReferenceCheck(names, engine, ref, "torch", 1e-9)
    ref = numerical_grad(lambda *v: fn(**dict(zip(names, map(Value, v)))), *(leaves[n] for n in names))
    return ReferenceCheck(names, engine, ref, "finite differences", 1e-5)
