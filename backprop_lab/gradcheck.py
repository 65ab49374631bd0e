"""Gradient checking: compare the engine's gradients with central finite differences."""

import math

from .engine import Value

__all__ = ["numerical_grad", "gradcheck", "GradcheckReport", "verdict"]

# Plain-language bands for the relative error between backprop and finite differences.
GOOD, SUSPICIOUS, WRONG = 1e-7, 1e-4, 1e-2


def _as_float(y):
    return y.data if isinstance(y, Value) else float(y)


def numerical_grad(f, *xs, h=1e-6):
    """Central differences (f(x+h) − f(x−h)) / 2h per argument; f gets Values if xs are Values, else floats."""
    wrap = Value if any(isinstance(x, Value) for x in xs) else float
    xs = [float(x.data if isinstance(x, Value) else x) for x in xs]
    grads = []
    for i in range(len(xs)):
        up = [wrap(x + h if j == i else x) for j, x in enumerate(xs)]
        down = [wrap(x - h if j == i else x) for j, x in enumerate(xs)]
        grads.append((_as_float(f(*up)) - _as_float(f(*down))) / (2 * h))
    return grads


def relative_error(a, b):
    """|a − b| / max(|a|, |b|, 1e-12): 0 when equal, near 1 when unrelated."""
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def verdict(err):
    """A plain-language reading of a relative error."""
    if not math.isfinite(err):
        return "not a number: something overflowed or divided by zero"
    if err < GOOD:
        return "good"
    if err < SUSPICIOUS:
        return "fine (small differences are finite-difference noise)"
    if err < WRONG:
        return "suspicious: check this derivative"
    return "probably wrong"


class GradcheckReport:
    """Per-input comparison of backprop and finite differences; truthy when every input passes."""

    def __init__(self, names, analytic, numeric, tol):
        self.names, self.analytic, self.numeric, self.tol = names, analytic, numeric, tol
        self.errors = [relative_error(a, n) for a, n in zip(analytic, numeric)]

    @property
    def ok(self):
        """True when every relative error is below the tolerance."""
        return all(e < self.tol for e in self.errors)

    @property
    def worst(self):
        """The largest relative error (0 when there are no inputs)."""
        return max(self.errors, default=0.0)

    def __bool__(self):
        return self.ok

    def __str__(self):
        lines = [f"gradcheck: {'PASS' if self.ok else 'FAIL'} (worst relative error {self.worst:.1e},"
                 f" tolerance {self.tol:.0e})"]
        for name, a, n, e in zip(self.names, self.analytic, self.numeric, self.errors):
            lines.append(f"  d/d{name}: backprop {a:+.6g}  numeric {n:+.6g}  rel.err {e:.1e}  {verdict(e)}")
        return "\n".join(lines)

    __repr__ = __str__


def gradcheck(f, *xs, h=1e-6, tol=1e-5, names=None):
    """Check f's backprop gradients at xs (numbers) against finite differences; returns a GradcheckReport."""
    leaves = [Value(float(x.data if isinstance(x, Value) else x)) for x in xs]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck needs f to return a Value, got {type(out).__name__}")
    out.backward()
    analytic = [leaf.grad for leaf in leaves]
    numeric = numerical_grad(f, *leaves, h=h)
    names = names or [f"x{i}" for i in range(len(xs))]
    return GradcheckReport(list(names), analytic, numeric, tol)
