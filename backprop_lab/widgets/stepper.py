"""Lesson 3 explorer: step through a graph — forward node by node, then backward one local step at a time.

The stepper records the graph's numbers once (data, op, inputs, local derivatives) and replays
the walk from those records, so the learner's Values (and their ``.grad``) are never touched.
Moving a leaf slider rebuilds a fresh copy of the graph with the new leaf values.
"""

import html
import math

import ipywidgets as W

from ..engine import Value
from ..graph import draw_graph, graph_html, node_names
from ._base import Explorer, grid_html

__all__ = ["graph_stepper", "GraphStepper", "slider_range"]

_UNARY = ("neg", "relu", "tanh", "sigmoid", "exp", "log", "sin", "cos")
_BUTTONS = ("next", "prev", "reset")


def slider_range(value):
    """A symmetric slider range that holds ``value`` with room to move: ±max(5, 2|value|)."""
    m = max(5.0, math.ceil(2 * abs(value)))
    return -m, m


def default_graph():
    """L = (a·b + c)·d with a=2, b=3, c=−1, d=4 (e = a·b, f = e + c)."""
    a, b, c, d = (Value(v, label=k) for k, v in (("a", 2.0), ("b", 3.0), ("c", -1.0), ("d", 4.0)))
    e = a * b
    e.label = "e"
    f = e + c
    f.label = "f"
    L = f * d
    L.label = "L"
    return L


def _apply(op, inputs):
    """Recompute one op on new input Values (the inverse of how the engine names its ops)."""
    if op == "+" and len(inputs) == 2:
        return inputs[0] + inputs[1]
    if op == "*" and len(inputs) == 2:
        return inputs[0] * inputs[1]
    if op == "**" and len(inputs) == 2:
        return inputs[0] ** inputs[1]
    if op.startswith("**") and len(inputs) == 1:
        return inputs[0] ** float(op[2:])
    if op in _UNARY and len(inputs) == 1:
        return getattr(inputs[0], op)()
    raise ValueError(f"graph_stepper cannot recompute the op {op!r} with new leaf values; "
                     "build the graph from Value's own operations to use the leaf sliders")


def _formula(op, inputs):
    """How a node was made, in names: ``a * b``, ``tanh(x)``, ``u**2``."""
    if len(inputs) == 2 and op in ("+", "*", "**"):
        return f"{inputs[0]} {op} {inputs[1]}"
    if op.startswith("**"):
        return f"{inputs[0]}{op}"
    return f"{op}({', '.join(inputs)})"


class GraphStepper(Explorer):
    """Forward pass node by node (unknown values show "?"), then backward local step by local step."""

    title = "Step through the graph: forward, then backward"

    def __init__(self, root):
        super().__init__()
        if not isinstance(root, Value):
            raise TypeError(f"graph_stepper needs a Value (the output of a graph), got {type(root).__name__}")
        self._record(root)
        self._original = root
        leaves = [i for i in range(self._n) if not self._inputs[i]]
        labelled = [i for i in leaves if self._nodes[i].label]
        self._slider_ids = labelled or leaves
        for i in self._slider_ids:
            name = self._names[i]
            if name in _BUTTONS:
                raise ValueError(f"a leaf is labelled {name!r}, which is a button name; relabel it")
            lo, hi = slider_range(self._data[i])
            self.controls[name] = W.FloatSlider(value=self._data[i], min=lo, max=hi, step=0.01,
                                                description=name, readout_format=".2f")
        self._leaf_values = self._current_leaves()
        for name in _BUTTONS:
            self.controls[name] = W.Button(description=name, layout=W.Layout(width="80px"))
            self.controls[name].on_click(lambda _b, act=getattr(self, name): act())
        self._step = 0
        self._status, self._graph, self._ledger = W.HTML(), W.HTML(), W.HTML()
        sliders = [self.controls[self._names[i]] for i in self._slider_ids]
        buttons = [self.controls[name] for name in _BUTTONS]
        self._finish([W.VBox(sliders), W.HBox(buttons), self._status, self._graph, self._ledger])

    # ---- the recorded graph ----

    def _record(self, root):
        """Remember nodes, names, ops, inputs, data and local derivatives (the walk uses only these)."""
        self._root = root
        self._nodes = root.topological_order()
        position = {node: i for i, node in enumerate(self._nodes)}
        self._n = len(self._nodes)
        self._names = node_names(self._nodes)
        if not self._nodes[-1].label and "L" not in self._names:
            self._names[-1] = "L"
        self._inputs = [[position[c] for c in node._prev] for node in self._nodes]
        self._data = [node.data for node in self._nodes]
        self._local = [node._local for node in self._nodes]
        self._compute = [i for i in range(self._n) if self._inputs[i]]
        self.total = 2 * len(self._compute) + 1  # forward steps, the seed dL/dL = 1, backward steps

    def _current_leaves(self):
        return tuple(float(self.controls[self._names[i]].value) for i in self._slider_ids)

    def _replay(self, leaf_values):
        """A fresh copy of the graph with new leaf values (the learner's graph stays as it was)."""
        new_leaf = dict(zip(self._slider_ids, leaf_values))
        copies = []
        for i, node in enumerate(self._nodes):
            if not self._inputs[i]:
                copy = Value(new_leaf.get(i, node.data), label=node.label)
            else:
                copy = _apply(node._op, [copies[j] for j in self._inputs[i]])
                copy.label = node.label
            copies.append(copy)
        return copies[-1]

    # ---- stepping ----

    def next(self):
        """One step on (forward first, then backward); stays at the end when done."""
        self._step = min(self._step + 1, self.total)
        self.refresh()
        return self

    def prev(self):
        """One step back."""
        self._step = max(self._step - 1, 0)
        self.refresh()
        return self

    def reset(self):
        """Back to the start: only the leaves are known."""
        self._step = 0
        self.refresh()
        return self

    def _walk(self, steps):
        """Data, grads, locals shown after ``steps`` steps, the current node and that step's table rows."""
        n, names, root = self._n, self._names, self._n - 1
        data = [None if self._inputs[i] else self._data[i] for i in range(n)]
        local = [None if self._inputs[i] else () for i in range(n)]
        grad = [None] * n
        current, phase, rows, columns = None, "start", [], ["", "value"]
        F = len(self._compute)
        for k in range(1, steps + 1):
            if k <= F:
                current, phase = self._compute[k - 1], "forward"
                data[current], local[current] = self._data[current], self._local[current]
            elif k == F + 1:
                current, phase = root, "backward"
                grad[root] = 1.0
            else:
                current = self._compute[F - (k - F - 1)]
                for j, loc in zip(self._inputs[current], self._local[current]):
                    grad[j] = (grad[j] or 0.0) + loc * grad[current]
        R = names[root]
        if phase == "forward":
            i = current
            rows = [(f"input {names[j]}", [(f"step {names[j]}", self._data[j])]) for j in self._inputs[i]]
            rows.append((f"{names[i]} = {_formula(self._nodes[i]._op, [names[j] for j in self._inputs[i]])}",
                         [(f"step {names[i]}", self._data[i])]))
            rows += [(f"local ∂{names[i]}/∂{names[j]}", [(f"step local {names[j]}", loc)])
                     for j, loc in zip(self._inputs[i], self._local[i])]
        elif steps == F + 1:
            rows = [(f"seed d{R}/d{R}", [("step seed", 1.0)])]
        elif steps > F + 1:
            i = current
            up = f"d{R}/d{names[i]}"
            columns = ["local step", "local", "× upstream", "= adds", f"d{R}/d· now"]
            rows = [(f"d{R}/d{names[j]} += ∂{names[i]}/∂{names[j]} × {up}",
                     [(f"step local {names[j]}", loc), (f"step upstream {names[j]}", grad[i]),
                                (f"step product {names[j]}", loc * grad[i]),
                                (f"step grad {names[j]}", grad[j])])
                    for j, loc in zip(self._inputs[i], self._local[i])]
        if steps == self.total:
            phase = "done"
        return data, grad, local, current, phase, columns, rows

    def update(self):
        leaves = self._current_leaves()
        if leaves != self._leaf_values:  # a leaf slider moved: a fresh copy, and start the walk again
            self._record(self._replay(leaves))
            self._leaf_values = leaves
            self._step = 0
        data, grad, local, current, phase, columns, rows = self._walk(self._step)
        R = self._names[-1]
        values = {"step": self._step, "done": self._step == self.total, "phase": phase,
                  "node": None if current is None else self._names[current]}
        for i, name in enumerate(self._names):
            values[name] = data[i]
            values[f"d{R}/d{name}"] = grad[i]
        self.values = values
        highlight = () if current is None else (current,)
        self._graph.value = graph_html(draw_graph(self._root, data=data, grad=grad, local=local,
                                                  highlight=highlight))
        where = "" if current is None else f" — at <b>{html.escape(self._names[current])}</b>"
        self._status.value = (f"<div>step {self._step} of {self.total} · {phase}{where}</div>"
                              + (grid_html(columns, rows, title="this step") if rows else ""))
        self._ledger.value = grid_html(
            ["node", "data", "grad"],
            [(name, [(name, data[i]), (f"d{R}/d{name}", grad[i])]) for i, name in enumerate(self._names)])


def graph_stepper(root=None):
    """Step through ``root``'s graph (default L = (a·b + c)·d): forward node by node, then backward.

    Buttons next / prev / reset walk the steps; a slider per labelled leaf restarts the walk with
    new values. The learner's Values are never changed.
    """
    return GraphStepper(default_graph() if root is None else root)
