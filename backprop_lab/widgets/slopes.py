"""Lesson 1 explorers: the slope of a function (secant → tangent) and nudging the inputs of d = a·b + c."""

import math

import ipywidgets as W

from ..engine import Value
from ..plots import figure
from ..style import COLORS
from ._base import Explorer, figure_svg, float_slider, grid_html, log_slider, number_text, wrap_row

__all__ = ["slope_explorer", "nudge_explorer", "SlopeExplorer", "NudgeExplorer"]


def _default_f(x):
    return 3 * x**2 - 4 * x + 5


def _default_df(x):
    return 6 * x - 4


class SlopeExplorer(Explorer):
    """Secant slope (f(x+h) − f(x))/h against the exact slope, with h down to 1e-15."""

    live = False  # draws a figure: redraw on release (see Explorer.live)

    title = "Slope of f at x: the secant over h and the tangent"
    kind = "slope explorer"

    def __init__(self, f, df=None, x=3.0, x_range=(-2.0, 4.0)):
        super().__init__()
        if not callable(f):
            raise TypeError(f"slope_explorer needs a function f(x), got {type(f).__name__}")
        lo, hi = map(float, x_range)
        if not lo < hi:
            raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
        self.f, self.df = f, df
        self.method = "analytic" if df is not None else self._pick_method(float(x))
        self.controls["x"] = float_slider("x", x, lo, hi)
        self.controls["h"] = log_slider("h", 1e-3, -15, 0)
        self._plot = W.HTML(layout=W.Layout(min_width="450px", min_height="300px"))
        self._ledger = W.HTML()
        self._setup_figure(lo, hi)
        self._finish([W.HBox([self.controls["x"], self.controls["h"]]),
                      wrap_row([self._plot, self._ledger])])

    def _pick_method(self, x):
        """Use the Value graph for the exact slope if f accepts Values, else a central difference."""
        try:
            return "autograd" if isinstance(self.f(Value(x)), Value) else "central difference"
        except Exception:  # noqa: BLE001 - f that only takes floats
            return "central difference"

    def exact(self, x):
        """The slope at x: df(x), or backward() through f's Value graph, or a central difference."""
        if self.method == "analytic":
            return float(self.df(x))
        if self.method == "autograd":
            v = Value(x)
            self.f(v).backward()
            return v.grad
        h = 1e-6 * max(1.0, abs(x))
        return (self.f(x + h) - self.f(x - h)) / (2 * h)

    def _setup_figure(self, lo, hi):
        n = 241
        xs = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
        ys = []
        for t in xs:
            try:
                ys.append(float(self.f(t)))
            except (ValueError, ZeroDivisionError, OverflowError):
                ys.append(math.nan)
        finite = [y for y in ys if math.isfinite(y)] or [0.0, 1.0]
        ylo, yhi = min(finite), max(finite)
        pad = 0.1 * (yhi - ylo or 1.0)
        self._fig = figure((4.6, 3.1), layout=None)
        ax = self._fig.add_subplot()
        ax.plot(xs, ys, color=COLORS["curve"], lw=1.8, label="f(x)")
        self._tangent, = ax.plot([], [], color=COLORS["grad"], lw=1.4, ls="--", label="tangent (exact)")
        self._secant, = ax.plot([], [], color=COLORS["data"], lw=1.4, label="secant over h")
        self._points, = ax.plot([], [], "o", color=COLORS["data"], ms=5)
        ax.set_xlim(lo, hi)
        ax.set_ylim(ylo - pad, yhi + pad)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        # above the axes, never over the curve or the lines
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.01), ncols=3, fontsize=9, frameon=False,
                  borderaxespad=0.0, handlelength=1.5, columnspacing=1.0)
        self._fig.tight_layout()

    def update(self):
        x, h = float(self.controls["x"].value), float(self.controls["h"].value)
        fx, fxh = float(self.f(x)), float(self.f(x + h))
        slope = (fxh - fx) / h
        exact = self.exact(x)
        self.values = {"x": x, "h": h, "f": fx, "slope": slope, "exact": exact}
        lo, hi = self._fig.axes[0].get_xlim()
        self._secant.set_data([lo, hi], [fx + slope * (lo - x), fx + slope * (hi - x)])
        self._tangent.set_data([lo, hi], [fx + exact * (lo - x), fx + exact * (hi - x)])
        self._points.set_data([x, x + h], [fx, fxh])
        self._plot.value = figure_svg(self._fig, alt=(
            f"f(x) = {number_text(fx)} at x = {number_text(x)}; secant slope over h = {number_text(h)}: "
            f"{number_text(slope)}; exact slope: {number_text(exact)}"))
        rows = [("x", [("x", x)]), ("h", [("h", h)]), ("f(x)", [("f", fx)]),
                ("f(x+h)", [("f(x+h)", fxh)]),
                ("(f(x+h) − f(x)) / h", [("slope", slope)]),
                (f"exact slope ({self.method})", [("exact", exact)]),
                ("slope − exact", [("slope - exact", slope - exact)])]
        self._ledger.value = grid_html(["", "value"], rows, digits=6)


def slope_explorer(f=None, df=None, x=3.0, x_range=(-2.0, 4.0)):
    """Drag x and h: the secant slope (f(x+h)−f(x))/h approaches the exact slope (default f = 3x²−4x+5).

    ``df`` (optional) is the analytic derivative; without it the exact slope comes from
    ``backward()`` when f accepts Values, else from a central difference.
    """
    if f is None:
        f, df = _default_f, _default_df
    return SlopeExplorer(f, df, x=x, x_range=x_range)


class NudgeExplorer(Explorer):
    """d = a·b + c: nudge each input by h and compare (d(new) − d)/h with the exact partials."""

    live = False  # draws a figure: redraw on release (see Explorer.live)

    title = "d = a·b + c: nudge one input by h"
    kind = "nudge explorer"

    def __init__(self, a=2.0, b=-3.0, c=10.0):
        super().__init__()
        for name, value, (lo, hi) in (("a", a, (-5, 5)), ("b", b, (-5, 5)), ("c", c, (-15, 15))):
            self.controls[name] = float_slider(name, value, lo, hi, step=0.1, fmt=".1f")
        self.controls["h"] = log_slider("h", 1e-3, -12, 0)
        self._ledger = W.HTML()
        self._finish([W.HBox([self.controls["a"], self.controls["b"]]),
                      W.HBox([self.controls["c"], self.controls["h"]]), self._ledger])

    def update(self):
        a, b, c, h = (float(self.controls[k].value) for k in "abch")
        va, vb, vc = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
        d = va * vb + vc
        d.backward()
        nudged = {"a": (a + h) * b + c, "b": a * (b + h) + c, "c": a * b + (c + h)}
        self.values = {"a": a, "b": b, "c": c, "h": h, "d": d.data}
        rows = []
        for name, v in (("a", va), ("b", vb), ("c", vc)):
            numeric = (nudged[name] - d.data) / h
            self.values[f"dd/d{name} numeric"] = numeric
            self.values[f"dd/d{name}"] = v.grad
            rows.append((name, [(name, v.data), (f"d({name}+h)", nudged[name]),
                                (f"dd/d{name} numeric", numeric), (f"dd/d{name}", v.grad)]))
        head = grid_html(["", "value"], [("d = a·b + c", [("d", d.data)]), ("h", [("h", h)])])
        table = grid_html(["nudge", "value", "d after nudge", "(d(new) − d)/h", "exact"], rows, digits=6)
        self._ledger.value = head + table


def nudge_explorer(a=2.0, b=-3.0, c=10.0):
    """Sliders for a, b, c and h in d = a·b + c: numeric partials next to the exact dd/da, dd/db, dd/dc."""
    return NudgeExplorer(a, b, c)
