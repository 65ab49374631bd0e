"""Lesson 2–3 explorers: the chain rule along x → u → v → L, and a live graph of any expression."""

import math
from numbers import Real

import ipywidgets as W

from ..engine import Value
from ..graph import draw_graph, graph_html
from ._base import Explorer, grid_html
from .stepper import GraphStepper, graph_stepper, slider_range

__all__ = ["chain_rule_explorer", "expression_explorer", "graph_stepper",
           "ChainRuleExplorer", "ExpressionExplorer", "GraphStepper"]

_LEGEND = ('<div style="font-size:90%;color:#333">forward →: <span style="color:#1c5fb4">data</span>'
           ' flows left to right; ← backward: <span style="color:#b8430b">grad</span> flows right to'
           ' left; each edge shows its <span style="color:#6b3fa0">local derivative</span>.</div>')


def chain_graph(x):
    """The chain x → u = 3x+2 → v = u² → L = sin v as Values, with backward() done; returns (x, u, v, L)."""
    xv = Value(x, label="x")
    u = Value(3 * x + 2, (xv,), "3·x+2", label="u", _local=(3.0,))
    v = Value(u.data**2, (u,), "u²", label="v", _local=(2 * u.data,))
    L = Value(math.sin(v.data), (v,), "sin", label="L", _local=(math.cos(v.data),))
    L.backward()
    return xv, u, v, L


class ChainRuleExplorer(Explorer):
    """L = sin((3x+2)²) as the chain x → u → v → L: values forward, gradients backward."""

    title = "Chain rule: L = sin(v), v = u², u = 3x + 2"

    def __init__(self, x=0.4):
        super().__init__()
        self.controls["x"] = W.FloatSlider(value=x, min=-2.0, max=2.0, step=0.01, description="x",
                                           readout_format=".2f")
        self._graph = W.HTML()
        self._ledger = W.HTML()
        self._finish([self.controls["x"], W.HTML(_LEGEND), self._graph, self._ledger])

    def update(self):
        x = float(self.controls["x"].value)
        xv, u, v, L = chain_graph(x)
        du_dx, dv_du, dL_dv = u._local[0], v._local[0], L._local[0]
        self.values = {"x": x, "u": u.data, "v": v.data, "L": L.data,
                       "du/dx": du_dx, "dv/du": dv_du, "dL/dv": dL_dv,
                       "dL/du": u.grad, "dL/dx": xv.grad}
        self._graph.value = graph_html(draw_graph(L))
        forward = [("x", [("x", x)]), ("u = 3x + 2", [("u", u.data)]), ("v = u²", [("v", v.data)]),
                   ("L = sin v", [("L", L.data)])]
        backward = [("dL/dv = cos v  (local = upstream)", [("dL/dv", dL_dv)]),
                    ("dv/du = 2u  (local)", [("dv/du", dv_du)]),
                    ("dL/du = dL/dv · dv/du", [("dL/du", u.grad)]),
                    ("du/dx = 3  (local)", [("du/dx", du_dx)]),
                    ("dL/dx = dL/du · du/dx", [("dL/dx", xv.grad)])]
        self._ledger.value = ('<div style="display:flex;gap:24px">'
                              + grid_html(["forward →", "data"], forward)
                              + grid_html(["← backward", "value"], backward) + "</div>")


def chain_rule_explorer(x=0.4):
    """Drag x: u = 3x+2, v = u², L = sin v forward, and dL/dv, dL/du, dL/dx backward, drawn as a chain."""
    return ChainRuleExplorer(x)


def _leaf_slider(name, spec):
    """A slider from ``value`` or ``(min, max, value)``."""
    if isinstance(spec, tuple) and len(spec) == 3:
        lo, hi, value = map(float, spec)
        if not lo <= value <= hi:
            raise ValueError(f"leaf {name}: need min <= value <= max, got {spec!r}")
    elif isinstance(spec, Real) and not isinstance(spec, bool):
        value = float(spec)
        lo, hi = slider_range(value)
    else:
        raise TypeError(f"leaf {name}: give a number (its start value) or a tuple (min, max, value), "
                        f"got {spec!r}")
    step = max((hi - lo) / 400, 1e-4)
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=name,
                         readout_format=".2f")


class ExpressionExplorer(Explorer):
    """A slider per leaf; ``fn(**leaves)`` builds the expression, redrawn with data and grad on every change."""

    title = "Expression graph: forward data, backward grad"

    def __init__(self, fn, leaves):
        super().__init__()
        if not callable(fn):
            raise TypeError(f"expression_explorer needs a function fn(**leaves), got {type(fn).__name__}")
        if not leaves:
            raise ValueError("expression_explorer needs at least one leaf, e.g. "
                             "expression_explorer(lambda a, b: a * b, a=2.0, b=-3.0)")
        self.fn = fn
        for name, spec in leaves.items():
            self.controls[name] = _leaf_slider(name, spec)
        self._graph = W.HTML()
        self._ledger = W.HTML()
        self._finish([W.VBox(list(self.controls.values())), W.HTML(_LEGEND), self._graph,
                      self._ledger])

    def update(self):
        leaves = {name: Value(float(c.value), label=name) for name, c in self.controls.items()}
        out = self.fn(**leaves)
        if not isinstance(out, Value):
            raise TypeError(f"fn must return a Value built from its arguments, got "
                            f"{type(out).__name__} {out!r}")
        if not out.label:
            out.label = "L"
        out.backward()
        root = out.label
        values = {}
        for name, leaf in leaves.items():
            values[name] = leaf.data
            values[f"d{root}/d{name}"] = leaf.grad
        values[root] = out.data
        self.values = values
        self._graph.value = graph_html(draw_graph(out))
        rows = [(name, [(name, leaf.data), (f"d{root}/d{name}", leaf.grad)])
                for name, leaf in leaves.items()]
        rows.append((f"{root} (output)", [(root, out.data), None]))
        self._ledger.value = grid_html(["leaf", "data", "grad"], rows)


def expression_explorer(fn, **leaves):
    """Sliders for each leaf (``name=value`` or ``name=(min, max, value)``); live graph of ``fn(**leaves)``.

    Example: ``expression_explorer(lambda a, b, c: (a * b + c).tanh(), a=2.0, b=-3.0, c=(-5, 5, 1.0))``.
    The output is keyed by its label (``L`` if unlabelled), each leaf's grad by ``dL/d<name>``.
    """
    return ExpressionExplorer(fn, leaves)

