"""Lesson 2–3 explorers: the chain rule along x → u → v → L, and a live graph of any expression."""

from numbers import Real

import ipywidgets as W

from ..engine import Value, topological_order
from ..graph import draw_graph, graph_html
from ..style import COLORS
from ._base import Explorer, _number, float_slider, grid_html
from .stepper import GraphStepper, graph_stepper, slider_range

__all__ = ["chain_rule_explorer", "expression_explorer", "graph_stepper",
           "ChainRuleExplorer", "ExpressionExplorer", "GraphStepper"]

# The legend sits on its own white box (like the drawing), so its colours read the same in a dark theme.
_LEGEND = (f'<div class="backprop-lab-legend" style="font-size:90%;color:#222222;background:#ffffff;'
           f'padding:2px 6px;border-radius:3px">forward →: <span style="color:{COLORS["data"]}">data</span>'
           f' flows left to right; ← backward: <span style="color:{COLORS["grad"]}">grad</span> flows right'
           f' to left; each edge shows its <span style="color:{COLORS["local"]}">local derivative</span>.</div>')


def chain_graph(x):
    """The chain x → u = 3x+2 → v = u² → L = sin v, built with Value's ops, after backward(); returns (x, u, v, L)."""
    xv = Value(x, label="x")
    three_x = Value(3.0, label="3") * xv
    three_x.label = "3x"
    u = three_x + Value(2.0, label="2")
    u.label = "u"
    v = u ** 2
    v.label = "v"
    L = v.sin()
    L.label = "L"
    L.backward()
    return xv, u, v, L


class ChainRuleExplorer(Explorer):
    """L = sin((3x+2)²) as the chain x → u → v → L: values forward, gradients backward."""

    title = "Chain rule: L = sin(v), v = u², u = 3x + 2"
    kind = "chain rule explorer"

    def __init__(self, x=0.4):
        super().__init__()
        self.controls["x"] = float_slider("x", x, -2.0, 2.0)
        self._graph = W.HTML()
        self._ledger = W.HTML()
        self._finish([self.controls["x"], W.HTML(_LEGEND), self._graph, self._ledger])

    def update(self):
        x = float(self.controls["x"].value)
        xv, u, v, L = chain_graph(x)
        three_x = u.inputs[0]
        du_dx = u.local_grads[0] * three_x.local_grads[1]  # (3x + 2)' = 1 · 3
        dv_du, dL_dv = v.local_grads[0], L.local_grads[0]
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
    """Drag x in [−2, 2]: u = 3x+2, v = u², L = sin v forward, and dL/dv, dL/du, dL/dx backward, drawn as a graph."""
    return ChainRuleExplorer(x)


def _leaf_slider(name, spec):
    """A slider from ``value`` or ``(min, max, value)``."""
    if isinstance(spec, tuple) and len(spec) == 3:
        lo, hi, value = spec
        lo, hi = _number(f"leaf {name}: min", lo), _number(f"leaf {name}: max", hi)
        if not lo < hi:
            raise ValueError(f"leaf {name}: need min < max, got {spec!r}")
    elif isinstance(spec, Real) and not isinstance(spec, bool):
        value = spec
        lo, hi = slider_range(float(spec))
    else:
        raise TypeError(f"leaf {name}: give a number (its start value) or a tuple (min, max, value), "
                        f"got {spec!r}")
    return float_slider(name, value, lo, hi, step=max((hi - lo) / 400, 1e-4))


def _output_name(out, leaves):
    """The output's key: its label, else "L"; "out" (or "out2", ...) when a leaf already has that name."""
    name = out.label or "L"
    if name not in leaves or leaves[name] is out:
        return name
    taken, k = set(leaves) | {name}, 1
    while (candidate := "out" + (str(k) if k > 1 else "")) in taken:
        k += 1
    return candidate


class ExpressionExplorer(Explorer):
    """A slider per leaf; ``fn(**leaves)`` builds the expression, redrawn with data and grad on every change.

    Before each backward pass every Value in the graph gets ``grad = 0``, including Values the
    function uses from outside (a weight ``w`` defined elsewhere), so each drawing shows this
    pass's gradients only.
    """

    title = "Expression graph: forward data, backward grad"
    kind = "expression explorer"

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
        root = _output_name(out, leaves)
        out.label = root  # changes only an empty label, or one a leaf already has
        for node in topological_order(out):  # this pass's gradients only, captured Values too
            node.grad = 0.0
        out.backward()
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
    The output is keyed by its label (``L`` if unlabelled; ``out`` if a leaf has that name), each
    leaf's grad by ``d<output>/d<name>``, e.g. ``dL/da``.
    A sub-expression the function builds once and uses twice is one node in the drawing.
    """
    return ExpressionExplorer(fn, leaves)
