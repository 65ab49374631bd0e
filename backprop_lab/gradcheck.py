"""Gradient checking: compare backprop's gradients with central finite differences.

``GradcheckReport`` is the one report type for gradient checks: ``gradcheck`` returns it, and the
exercise checkers and the notebooks use it too. Its API:

- ``report.rows``: one ``GradcheckRow(name, backprop, numeric, rel_error, ok)`` per input;
- ``bool(report)`` / ``report.ok``: True when every row is ok; ``report.worst``: the largest error;
- ``report.tol`` and ``report.reference`` (what ``numeric`` came from, e.g. "finite differences");
- ``print(report)``: a plain-text table; in Jupyter the same table as HTML (``_repr_html_``).

Build one from your own numbers with ``GradcheckReport(names, backprop, numeric, tol=1e-5,
reference="torch")``. A row is ok when the relative error is below ``tol``, or when the two
gradients differ by less than ``atol`` (finite differences cannot resolve smaller gradients).
"""

import html
import math
from collections import namedtuple

from .engine import Value

__all__ = ["numerical_grad", "gradcheck", "GradcheckReport", "GradcheckRow", "relative_error", "verdict"]

# Plain-language bands for the relative error between backprop and finite differences.
GOOD, SUSPICIOUS, WRONG = 1e-7, 1e-4, 1e-2

GradcheckRow = namedtuple("GradcheckRow", "name backprop numeric rel_error ok")


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


def _num(x):
    return f"{x:+.6g}"


class GradcheckReport:
    """Backprop's gradient next to a reference's, one row per input; truthy when every row is ok."""

    def __init__(self, names, backprop, numeric, tol=1e-5, atol=1e-8, reference="finite differences"):
        names, backprop, numeric = list(names), [float(g) for g in backprop], [float(g) for g in numeric]
        if not len(names) == len(backprop) == len(numeric):
            raise ValueError(f"GradcheckReport needs one name, one backprop and one numeric gradient per "
                             f"input: got {len(names)}, {len(backprop)} and {len(numeric)}")
        self.tol, self.atol, self.reference = tol, atol, reference
        self.rows = []
        for name, a, n in zip(names, backprop, numeric):
            err = relative_error(a, n)
            ok = err < tol or abs(a - n) < atol  # False for NaN, as it should be
            self.rows.append(GradcheckRow(str(name), a, n, err, ok))

    @property
    def ok(self):
        """True when every row is ok."""
        return all(row.ok for row in self.rows)

    @property
    def worst(self):
        """The largest relative error (0 when there are no inputs; NaN if any is NaN)."""
        errors = [row.rel_error for row in self.rows]
        return math.nan if any(map(math.isnan, errors)) else max(errors, default=0.0)

    def __bool__(self):
        return self.ok

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def _title(self):
        return (f"gradcheck: {'PASS' if self.ok else 'FAIL'} (worst relative error {self.worst:.1e}, "
                f"tolerance {self.tol:.0e}, against {self.reference})")

    def __str__(self):
        width = max([len(f"d/d{row.name}") for row in self.rows] + [5])
        lines = [self._title(),
                 f"  {'input':<{width}}  {'backprop':>13}  {'numeric':>13}  rel. error  ok"]
        for row in self.rows:
            lines.append(f"  {'d/d' + row.name:<{width}}  {_num(row.backprop):>13}  {_num(row.numeric):>13}  "
                         f"{row.rel_error:>10.1e}  {'yes' if row.ok else 'NO'}   {verdict(row.rel_error)}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        head = "".join(f"<th>{h}</th>" for h in ("input", "backprop", "numeric",
                                                 "rel. error", "ok", ""))
        body = "".join(
            f"<tr><td>d/d{html.escape(row.name)}</td><td>{_num(row.backprop)}</td><td>{_num(row.numeric)}</td>"
            f"<td>{row.rel_error:.1e}</td><td>{'yes' if row.ok else '<b>NO</b>'}</td>"
            f"<td>{html.escape(verdict(row.rel_error))}</td></tr>"
            for row in self.rows)
        return (f"<div><p>{html.escape(self._title())}</p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table></div>")


def gradcheck(f, *xs, h=1e-6, tol=1e-5, names=None):
    """Check f's backprop gradients at xs (numbers or Values) against finite differences; returns a GradcheckReport."""
    if names is None:
        names = [f"x{i}" for i in range(len(xs))]
    elif isinstance(names, str) or len(names) != len(xs):
        raise ValueError(f"gradcheck got {len(xs)} inputs but names={names!r}: give one name per input "
                         "(a list), or leave names out to get x0, x1, ...")
    leaves = [Value(_as_float(x), label=str(name)) for x, name in zip(xs, names)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck needs f to return a Value, got {type(out).__name__}")
    out.backward()
    numeric = numerical_grad(f, *leaves, h=h)
    return GradcheckReport(names, [leaf.grad for leaf in leaves], numeric, tol=tol)
