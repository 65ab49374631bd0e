"""Trace a Value graph and draw it with graphviz: data in blue, grads in orange, local derivatives on edges.

Node names come from the graph's topological order (``root.topological_order()``), never from
``id()``, so the DOT text is byte-identical on every run. This module reads Values and never
changes them.
"""

import html
import math

import graphviz

__all__ = ["trace", "draw_graph", "to_svg", "graph_html", "topological_orders",
           "GraphvizMissingError", "INSTALL_HINT"]

DATA_COLOR, DATA_FILL = "#1c5fb4", "#e8f0fb"   # forward values: blue
GRAD_COLOR, GRAD_FILL = "#b8430b", "#fdeee2"   # gradients: orange
LOCAL_COLOR = "#6b3fa0"                        # local derivatives on the edges: purple
HIGHLIGHT_COLOR, HIGHLIGHT_FILL = "#d6336c", "#fff3bf"
LABEL_LIMIT = 200  # above this many Values, edge labels become xlabels (much faster to lay out)

INSTALL_HINT = (
    "graphviz's `dot` program is not installed (the Python package alone cannot draw). "
    "Install it with one of:  sudo apt-get install graphviz   |   brew install graphviz   |   "
    "conda install -c conda-forge python-graphviz   |   or run `make lab`, which installs it. "
    "Then restart the kernel."
)


class GraphvizMissingError(RuntimeError):
    """The `dot` executable is missing; the message says how to install it and shows the DOT text."""

    def __init__(self, source):
        self.source = source
        head = "\n".join(source.splitlines()[:12])
        super().__init__(f"{INSTALL_HINT}\nThe graph, as DOT text (first lines):\n{head}")


def fmt(x):
    """A number as graph text: 4 decimals in the usual range, else 4 significant digits; None → '?'."""
    if x is None:
        return "?"
    if math.isfinite(x) and (x == 0 or 1e-3 <= abs(x) < 1e5):
        return f"{x:.4f}"
    return f"{x:.4g}"


def trace(root):
    """Nodes in topological order and edges ``(input_index, output_index, local_derivative)``."""
    nodes = root.topological_order()
    index = {node: i for i, node in enumerate(nodes)}  # keyed by identity, numbered by order
    edges = [(index[child], i, local)
             for i, node in enumerate(nodes)
             for child, local in zip(node._prev, node._local)]
    return nodes, edges


def node_names(nodes):
    """A unique display name per node: its label, or ``v<i>`` from its topological position."""
    names, used = [], set()
    for i, node in enumerate(nodes):
        name = node.label or f"v{i}"
        if name in used:
            name = f"{name}_{i}"
        used.add(name)
        names.append(name)
    return names


def _record(title, data, grad, show_grad, lit):
    """An HTML-like label: one row with name, data (blue) and grad (orange)."""
    border = f' border="3" color="{HIGHLIGHT_COLOR}" bgcolor="{HIGHLIGHT_FILL}"' if lit else ' border="0"'
    cells = [f"<td><b>{html.escape(title)}</b></td>",
             f'<td bgcolor="{DATA_FILL}"><font color="{DATA_COLOR}">data {fmt(data)}</font></td>']
    if show_grad:
        cells.append(f'<td bgcolor="{GRAD_FILL}"><font color="{GRAD_COLOR}">grad {fmt(grad)}</font></td>')
    return (f'<<table{border} cellborder="1" cellspacing="0" cellpadding="3">'
            f'<tr>{"".join(cells)}</tr></table>>')


def draw_graph(root, *, show_grad=True, edge_labels=True, highlight=(), rankdir="LR",
               data=None, grad=None, local=None):
    """A graphviz Digraph of ``root``'s graph: a record per Value, a node per op, local derivatives on edges.

    ``highlight`` holds Values (or their topological indices) to mark. ``data`` / ``grad`` /
    ``local`` are optional sequences, in topological order, of what to show instead of each
    node's ``.data`` / ``.grad`` / ``._local`` (``None`` shows "?"); the graph stepper uses them.
    """
    nodes = root.topological_order()
    position = {node: i for i, node in enumerate(nodes)}
    lit = set()
    for item in highlight:
        if isinstance(item, int) and not isinstance(item, bool):
            lit.add(item)
        elif item in position:
            lit.add(position[item])
        else:
            raise ValueError(f"highlight: {item!r} is not a node of this graph "
                             "(pass Values from the graph, or their topological indices)")
    names = node_names(nodes)
    dot = graphviz.Digraph(
        name="backprop_lab",
        graph_attr={"rankdir": rankdir, "bgcolor": "white", "nodesep": "0.15", "ranksep": "0.3"},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "plaintext", "margin": "0"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#555555",
                   "arrowsize": "0.6", "fontcolor": LOCAL_COLOR},
    )
    body = dot.body  # appending lines directly keeps 1,000-node graphs fast
    for i, node in enumerate(nodes):
        d = node.data if data is None else data[i]
        g = node.grad if grad is None else grad[i]
        body.append(f"\tv{i} [label={_record(names[i], d, g, show_grad, i in lit)}]\n")
        if node._prev:
            style = (f' style=filled fillcolor="{HIGHLIGHT_FILL}" color="{HIGHLIGHT_COLOR}" penwidth=2'
                     if i in lit else ' style=filled fillcolor="#f1f3f5" color="#555555"')
            op = html.escape(node._op or "op")
            body.append(f'\tv{i}op [label=<{op}> shape=ellipse margin="0.02" height=0.3{style}]\n')
            body.append(f"\tv{i}op -> v{i}\n")
    # dot lays out a `label` as an extra node; past ~200 Values an `xlabel` (placed after layout)
    # keeps a 1,000-node graph drawing in well under a second.
    key = "label" if len(nodes) <= LABEL_LIMIT else "xlabel"
    for i, node in enumerate(nodes):
        locals_ = node._local if local is None else local[i]
        for k, child in enumerate(node._prev):
            text = fmt(None if locals_ is None else locals_[k])
            label = f' [{key}=" {text} "]' if edge_labels else ""
            body.append(f"\tv{position[child]} -> v{i}op{label}\n")
    return dot


def to_svg(dot):
    """Render a Digraph to an SVG string (one call to `dot`); a clear error if `dot` is missing."""
    try:
        return dot.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError(dot.source) from None


def graph_html(dot):
    """The drawing as SVG scaled to fit the page width, or — when `dot` is missing — the install hint and DOT text."""
    try:
        svg = to_svg(dot)
        return svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
    except GraphvizMissingError as exc:
        return (f'<div class="backprop-lab-nodot" style="background:#fff8e1;color:#333;'
                f'padding:6px;border:1px solid #f0c36d">{html.escape(INSTALL_HINT)}'
                f'<pre style="max-height:300px;overflow:auto">{html.escape(exc.source)}</pre></div>')


def topological_orders(root, k=2):
    """Up to ``k`` distinct valid topological orders (lists of Values), the first being ``root.topological_order()``.

    Enumerates orders lexicographically by topological position (iterative backtracking), so
    the answer is the same on every run; if the graph has fewer than ``k`` orders, all are returned.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    nodes = root.topological_order()
    position = {node: i for i, node in enumerate(nodes)}
    users = [[] for _ in nodes]
    waiting = [0] * len(nodes)  # how many distinct inputs are not placed yet
    for i, node in enumerate(nodes):
        for j in sorted({position[child] for child in node._prev}):
            users[j].append(i)
            waiting[i] += 1
    ready = {i for i, w in enumerate(waiting) if w == 0}
    orders, order = [], []
    stack = [[sorted(ready), 0]]  # each frame: the choices at this depth and the next to try
    while stack:
        frame = stack[-1]
        if len(order) == len(nodes):
            orders.append([nodes[i] for i in order])
            if len(orders) == k:
                break
            stack.pop()
        elif frame[1] >= len(frame[0]):
            stack.pop()
        else:
            choice = frame[0][frame[1]]
            frame[1] += 1
            order.append(choice)
            ready.discard(choice)
            for u in users[choice]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    ready.add(u)
            stack.append([sorted(ready), 0])
            continue
        if order and stack:  # undo the choice that led to the frame just popped
            undo = order.pop()
            for u in users[undo]:
                if waiting[u] == 0:
                    ready.discard(u)
                waiting[u] += 1
            ready.add(undo)
    return orders
