"""Lesson 2 explorer: step through a graph — forward node by node, then backward one local step at a time.

The stepper records the graph's numbers once (data, op, inputs, local derivatives, all through
the engine's public API) and replays the walk from those records, so the learner's Values (and
their ``.grad``) are never touched. Moving a leaf slider makes a fresh copy of the graph with the
engine's own ops (``node.rebuild(*inputs)``) and the new leaf values.
"""

import html
import math

import ipywidgets as W

from ..engine import Value, topological_order
from ..exercises.hand_gradients import hand_graph
from ..graph import draw_graph, graph_html, node_names, svg_size
from ._base import Explorer, float_slider, grid_html

__all__ = ["graph_stepper", "GraphStepper", "slider_range", "default_graph"]

_BUTTONS = ("next", "prev", "reset")
_BUTTON_TIPS = {"next": "one step on: forward node by node, then backward", "prev": "one step back",
                "reset": "back to the start: only the leaves are known"}
LAST_STEP = "last step: every grad is filled in"
ROOM_PX = 48  # under the drawing: its folded table of numbers, a scroll bar, a highlighted node's border


def slider_range(value):
    """A symmetric slider range that holds ``value`` with room to move: ±max(5, 2|value|)."""
    if not math.isfinite(value):
        raise ValueError(f"a leaf slider needs a finite start value, got {value!r}")
    m = max(5.0, math.ceil(2 * abs(value)))
    return -m, m


def default_graph():
    """Lesson 2's worked example: e = a·b, d = e + c, L = d·f with a=2, b=−3, c=10, f=−2."""
    return hand_graph("worked")


def _formula(op, inputs):
    """How a node was made, in names: ``a * b``, ``tanh(x)``, ``u**2``."""
    if len(inputs) == 2 and op in ("+", "-", "*", "/", "**"):
        return f"{inputs[0]} {op} {inputs[1]}"
    if op.startswith("**") and len(inputs) == 1:
        return f"{inputs[0]}{op}"
    return f"{op}({', '.join(inputs)})"


def _names(nodes):
    """Unique names, the root "L" if unlabelled; no name equals a leaf button or a gradient key."""
    reserved = set(_BUTTONS)
    for _ in range(5):
        names = node_names(nodes, reserved)
        if not nodes[-1].label and "L" not in names:
            names[-1] = "L"
        clash = {f"d{names[-1]}/d{n}" for n in names} & set(names)
        if not clash:
            return names
        reserved |= clash
    return names


class GraphStepper(Explorer):
    """Forward pass node by node (unknown values show "?"), then backward local step by local step.

    ``values`` holds the graph's numbers (each node's data by name, ``dL/d<name>`` its grad);
    the walk itself (step, done, phase, node) is in ``state``, so no leaf name can collide with it.
    """

    title = "Step through the graph: forward, then backward"
    kind = "graph stepper"

    def __init__(self, root):
        super().__init__()
        if not isinstance(root, Value):
            raise TypeError(f"graph_stepper needs a Value (the output of a graph), got {type(root).__name__}")
        nodes = topological_order(root)
        for node in nodes:
            if node.inputs and node.local_grads is None:
                raise ValueError(
                    f"graph_stepper needs every node's local derivatives, but the {node.op!r} node "
                    "has a hand-written _backward closure; build the graph from Value's own ops")
        self._record(nodes)
        leaves = [i for i in range(self._n) if not self._inputs[i]]
        labelled = [i for i in leaves if self._nodes[i].label]
        self._slider_ids = labelled or leaves  # unlabelled constants keep their value
        for i in self._slider_ids:
            lo, hi = slider_range(self._data[i])
            self.controls[self._names[i]] = float_slider(self._names[i], self._data[i], lo, hi)
        self._leaf_values = self._current_leaves()
        for name in _BUTTONS:
            self.controls[name] = W.Button(description=name, tooltip=_BUTTON_TIPS[name],
                                           layout=W.Layout(width="80px"))
            self.controls[name].on_click(self._button(name))
        self._step = 0
        self.state = {}
        self._status, self._graph, self._ledger = W.HTML(), W.HTML(), W.HTML()
        # the status box is as tall as its longest step, so nothing below it moves while stepping
        lines = 4 + max([2 * len(self._inputs[i]) + 1 for i in self._compute] or [1])
        self._status.layout.min_height = f"{1.6 * lines:.1f}em"
        sliders = [self.controls[self._names[i]] for i in self._slider_ids]
        buttons = [self.controls[name] for name in _BUTTONS]
        self._finish([W.VBox(sliders), W.HBox(buttons), self._status, self._graph, self._ledger])

    def _button(self, name):
        act = getattr(self, name)
        return lambda _button: act()

    # ---- the recorded graph ----

    def _record(self, nodes):
        """Remember nodes, names, ops, inputs, data and local derivatives (the walk uses only these)."""
        self._nodes = nodes
        self._root = nodes[-1]
        position = {node: i for i, node in enumerate(nodes)}
        self._n = len(nodes)
        self._names = _names(nodes)
        self._inputs = [[position[c] for c in node.inputs] for node in nodes]
        self._data = [node.data for node in nodes]
        self._local = [node.local_grads for node in nodes]
        self._compute = [i for i in range(self._n) if self._inputs[i]]
        self.total = 2 * len(self._compute) + 1  # forward steps, the seed dL/dL = 1, backward steps

    def _current_leaves(self):
        return tuple(float(self.controls[self._names[i]].value) for i in self._slider_ids)

    def _replay(self, leaf_values):
        """A fresh copy of the graph with new leaf values, op by op with the engine's rebuild()."""
        new_leaf = dict(zip(self._slider_ids, leaf_values))
        copies = []
        for i, node in enumerate(self._nodes):
            if self._inputs[i]:
                copies.append(node.rebuild(*(copies[j] for j in self._inputs[i])))
            else:
                copies.append(Value(new_leaf.get(i, node.data), label=node.label))
        return copies

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
            rows.append((f"{names[i]} = {_formula(self._nodes[i].op, [names[j] for j in self._inputs[i]])}",
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
                      (f"step product {names[j]}", loc * grad[i]), (f"step grad {names[j]}", grad[j])])
                    for j, loc in zip(self._inputs[i], self._local[i])]
        if steps == self.total:
            phase = "done"
        return data, grad, local, current, phase, columns, rows

    def update(self):
        leaves = self._current_leaves()
        if leaves != self._leaf_values:  # a leaf slider moved: a fresh copy, and start the walk again
            copies = self._replay(leaves)  # may raise (e.g. log of a negative): then nothing changes
            self._leaf_values, self._step = leaves, 0
            self._record(copies)
        data, grad, local, current, phase, columns, rows = self._walk(self._step)
        R = self._names[-1]
        self.state = {"step": self._step, "done": self._step == self.total, "phase": phase,
                      "node": None if current is None else self._names[current]}
        values = {}
        for i, name in enumerate(self._names):
            values[name] = data[i]
            values[f"d{R}/d{name}"] = grad[i]
        self.values = values
        highlight = () if current is None else (current,)
        self._graph.value = graph_html(draw_graph(self._root, data=data, grad=grad, local=local,
                                                  highlight=highlight))
        self._reserve_height()
        self.controls["next"].disabled = self._step == self.total  # the end: `next` greys out, with a note
        where = "" if current is None else f" — at <b>{html.escape(self._names[current])}</b>"
        last = f" · <b>{LAST_STEP}</b>" if self._step == self.total else ""
        self._status.value = (f"<div>step {self._step} of {self.total} · {phase}{where}{last}</div>"
                              + (grid_html(columns, rows, title="this step") if rows else ""))
        self._ledger.value = grid_html(
            ["node", "data", "grad"],
            [(name, [(name, data[i]), (f"d{R}/d{name}", grad[i])]) for i, name in enumerate(self._names)])

    def _reserve_height(self):
        """Keep the drawing's box at least as tall as the tallest drawing so far (from the first one on)."""
        size = svg_size(self._graph.value)
        if size is None:
            return
        need = int(size[1]) + ROOM_PX
        held = self._graph.layout.min_height
        if held is None or int(held[:-2]) < need:
            self._graph.layout.min_height = f"{need}px"


def graph_stepper(root=None):
    """Step through ``root``'s graph (default: lesson 2's L = (a·b + c)·f): forward node by node, then backward.

    Buttons next / prev / reset walk the steps; a slider per labelled leaf restarts the walk with
    new values. The learner's Values are never changed. ``values`` holds the numbers by node
    name and ``dL/d<name>``; ``state`` holds step, done, phase and the current node.
    """
    return GraphStepper(default_graph() if root is None else root)
