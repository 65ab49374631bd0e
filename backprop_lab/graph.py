"""Draw a Value graph with graphviz: data in blue, grads in orange, local derivatives on the edges.

Nodes are numbered by the engine's topological order (``engine.topological_order``), never by
``id()``, so the DOT text is the same on every run. This module reads Values (through the engine's
public ``op``, ``inputs`` and ``local_grads``) and never changes them.

Three things keep every drawing quick: a Value used several times by the same op is one edge
with a count (``×2``); past a small graph (or where one Value feeds many ops) the local
derivatives are placed after layout (graphviz ``xlabel``), because laid-out edge labels are
graphviz's slow path; and a Value used by many ops is drawn once with a dashed reference box (its
name, ``↪ w``) beside each op that uses it. ``dot`` itself runs with a time limit.
"""

import html
import shutil
import subprocess

import graphviz

from .engine import Value, topological_order
from .style import COLORS, number_text

__all__ = ["draw_graph", "to_svg", "graph_html", "topological_orders", "node_names",
           "GraphvizMissingError", "DrawingError", "DrawingTimeoutError", "INSTALL_HINT", "DOT_TIMEOUT"]

DOT_TIMEOUT = 8.0  # seconds `dot` may take before a drawing gives up (the numbers are still shown)
# Edge labels laid out by `dot` read best but cost time super-linearly; use them only for small
# graphs where no Value feeds many ops (a leaf re-used 48 times took 20 s), else xlabels.
LABEL_NODES, LABEL_FANOUT = 40, 4
# A Value used by more ops than this is drawn once, plus a small dashed reference box beside each
# op that uses it: hundreds of long edges from one node make `dot` take minutes or crash.
REFERENCE_FANOUT = 12

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


class DrawingError(RuntimeError):
    """`dot` could not draw this graph (it failed or crashed); the numbers are still right."""


class DrawingTimeoutError(DrawingError):
    """`dot` took longer than its time limit; the message says how big the graph was."""

    def __init__(self, source, seconds):
        self.source, self.seconds = source, seconds
        nodes = source.count("[label=<<table")
        super().__init__(
            f"graphviz's `dot` did not lay out this graph of {nodes} Values within {seconds:g} s, "
            "so it is not drawn. The numbers are still correct; draw a smaller graph to see it.")


def _text(value):
    """Text safe inside a DOT HTML label: control characters shown as escapes, markup escaped."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return html.escape(text)


def node_names(nodes, reserved=()):
    """A unique display name per node: its label, or ``v<i>`` from its position; never one of ``reserved``."""
    names, used = [], set(reserved)
    for i, node in enumerate(nodes):
        base = str(node.label) if node.label else f"v{i}"
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}#{k}"
        used.add(name)
        names.append(name)
    return names


def _record(title, data, grad, show_grad, lit):
    """An HTML-like label: one row with name, data (blue) and grad (orange)."""
    c = COLORS
    border = (f' border="3" color="{c["highlight"]}" bgcolor="{c["highlight_fill"]}"' if lit
              else ' border="0"')
    cells = [f"<td><b>{_text(title)}</b></td>",
             f'<td bgcolor="{c["data_fill"]}"><font color="{c["data"]}">data {number_text(data)}</font></td>']
    if show_grad:
        cells.append(f'<td bgcolor="{c["grad_fill"]}"><font color="{c["grad"]}">'
                     f'grad {number_text(grad)}</font></td>')
    return (f'<<table{border} cellborder="1" cellspacing="0" cellpadding="3">'
            f'<tr>{"".join(cells)}</tr></table>>')


def _edge_text(locals_):
    """The label of one edge that stands for ``len(locals_)`` uses of an input by the same op."""
    texts = [number_text(x) for x in locals_]
    if len(texts) == 1:
        return texts[0]
    if len(set(texts)) == 1:
        return f"{texts[0]} ×{len(texts)}"
    return f"×{len(texts)}: {', '.join(texts)}"


class Drawing(graphviz.Digraph):
    """A graphviz Digraph that displays through ``to_svg``: a time limit, and the install hint when `dot` is missing."""

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        try:
            return {"image/svg+xml": to_svg(self)}
        except (GraphvizMissingError, DrawingError) as exc:
            return {"text/html": graph_html(self), "text/plain": str(exc)}


def _positions(nodes, highlight):
    position = {node: i for i, node in enumerate(nodes)}
    lit = set()
    for item in highlight:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(nodes):
            lit.add(item)
        elif isinstance(item, Value) and item in position:
            lit.add(position[item])
        else:
            raise ValueError(f"highlight: {item!r} is not a node of this graph "
                             "(pass Values from the graph, or their topological indices)")
    return position, lit


def draw_graph(root, *, show_grad=True, edge_labels=True, highlight=(), rankdir="LR",
               data=None, grad=None, local=None):
    """A graphviz Digraph of ``root``'s graph: a record per Value, a node per op, local derivatives on edges.

    ``highlight`` holds Values (or their topological indices) to mark. ``data`` / ``grad`` /
    ``local`` are optional sequences, in topological order, of what to show instead of each
    node's ``.data`` / ``.grad`` / ``.local_grads`` (``None`` shows "?"); the graph stepper uses them.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value (the output of a graph), got {type(root).__name__}")
    nodes = topological_order(root)
    position, lit = _positions(nodes, highlight)
    names = node_names(nodes)
    c = COLORS
    dot = Drawing(
        name="backprop_lab",
        graph_attr={"rankdir": rankdir, "bgcolor": "white", "nodesep": "0.15", "ranksep": "0.3"},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "plaintext", "margin": "0"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": c["edge"],
                   "arrowsize": "0.6", "fontcolor": c["local"]},
    )
    body = dot.body  # appending lines directly keeps 2,000-node graphs fast
    edges, uses = [], [0] * len(nodes)
    for i, node in enumerate(nodes):
        d = node.data if data is None else data[i]
        g = node.grad if grad is None else grad[i]
        body.append(f"\tv{i} [label={_record(names[i], d, g, show_grad, i in lit)}]\n")
        if not node.inputs:
            continue
        style = (f' style=filled fillcolor="{c["highlight_fill"]}" color="{c["highlight"]}" penwidth=2'
                 if i in lit else f' style=filled fillcolor="{c["op_fill"]}" color="{c["edge"]}"')
        body.append(f'\tv{i}op [label=<{_text(node.op or "op")}> shape=ellipse margin="0.02" '
                    f'height=0.3{style}]\n\tv{i}op -> v{i}\n')
        locals_ = node.local_grads if local is None else local[i]
        merged = {}  # input position -> its local derivatives, one per use (an input used twice: x*x)
        for k, child in enumerate(node.inputs):
            merged.setdefault(position[child], []).append(None if locals_ is None else locals_[k])
        for j, grads in merged.items():
            uses[j] += 1
            edges.append((j, i, grads))
    key = "label" if len(nodes) <= LABEL_NODES and max(uses, default=0) <= LABEL_FANOUT else "xlabel"
    for k, (j, i, grads) in enumerate(edges):
        label = f' [{key}=" {_edge_text(grads)} "]' if edge_labels else ""
        source = f"v{j}"
        if uses[j] > REFERENCE_FANOUT:  # a reference box beside the op instead of a long edge
            source = f"r{k}"
            look = (f'color="{c["highlight"]}" penwidth=2' if j in lit else f'color="{c["edge"]}"')
            body.append(f'\t{source} [label=<↪ {_text(names[j])}> shape=box style=dashed '
                        f'fontsize=9 height=0.2 margin="0.04" {look}]\n')
        body.append(f"\t{source} -> v{i}op{label}\n")
    return dot


def _dot_source(dot):
    return dot.source if hasattr(dot, "source") else str(dot)


def to_svg(dot, timeout=None):
    """Render a Digraph (or DOT text) to an SVG string with `dot`, within ``timeout`` seconds.

    Raises GraphvizMissingError (with the install hint) when `dot` is missing, DrawingTimeoutError
    when it takes longer than ``timeout`` seconds (None: ``DOT_TIMEOUT``), DrawingError when it fails.
    """
    timeout = DOT_TIMEOUT if timeout is None else timeout
    source = _dot_source(dot)
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissingError(source)
    try:
        done = subprocess.run([exe, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise DrawingTimeoutError(source, timeout) from None
    if done.returncode != 0:
        how = (f"crashed (signal {-done.returncode})" if done.returncode < 0
               else f"failed: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
        raise DrawingError(f"graphviz's `dot` {how} on this graph of {source.count('[label=<<table')} "
                           "Values, so it is not drawn. The numbers are still correct.")
    return done.stdout.decode("utf-8")


def _note(message, source=""):
    c = COLORS
    pre = (f'<pre style="max-height:300px;overflow:auto">{html.escape(source)}</pre>' if source else "")
    return (f'<div class="backprop-lab-nodot" style="background:{c["note_fill"]};color:#333;'
            f'padding:6px;border:1px solid {c["note_border"]}">{html.escape(message)}{pre}</div>')


def graph_html(dot, timeout=None):
    """The drawing as SVG scaled to the page width; when `dot` is missing or too slow, a note saying so."""
    try:
        svg = to_svg(dot, timeout)
    except GraphvizMissingError as exc:
        return _note(INSTALL_HINT, exc.source)
    except DrawingError as exc:
        return _note(str(exc))
    return svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)


def topological_orders(root, k=2):
    """Up to ``k`` distinct valid topological orders (lists of Values), the first being the engine's.

    Orders come in lexicographic order of topological position, so the answer is the same on
    every run; if the graph has fewer than ``k`` orders, all are returned. Each new order
    backtracks only as far as its first change, so small ``k`` costs about ``k`` passes over the
    graph.
    """
    import heapq

    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    nodes = topological_order(root)
    n = len(nodes)
    position = {node: i for i, node in enumerate(nodes)}
    users = [[] for _ in nodes]
    waiting = [0] * n  # how many distinct inputs are not placed yet
    for i, node in enumerate(nodes):
        for j in sorted({position[child] for child in node.inputs}):
            users[j].append(i)
            waiting[i] += 1
    ready = {i for i in range(n) if waiting[i] == 0}
    heap = sorted(ready)  # holds every ready position (and some stale ones, skipped when popped)
    order = []

    def place(c):
        order.append(c)
        ready.discard(c)
        for u in users[c]:
            waiting[u] -= 1
            if waiting[u] == 0:
                ready.add(u)
                heapq.heappush(heap, u)

    def unplace():
        c = order.pop()
        for u in users[c]:
            if waiting[u] == 0:
                ready.discard(u)
            waiting[u] += 1
        ready.add(c)
        heapq.heappush(heap, c)
        return c

    def complete():  # the smallest ready position at each step
        while len(order) < n:
            c = heapq.heappop(heap)
            if c in ready:
                place(c)
        ready.clear()  # empty now; clear() also shrinks its table, which iterating would walk
        orders.append([nodes[i] for i in order])

    orders = []
    complete()
    while len(orders) < k:
        while order:  # back up to the deepest step that has a larger choice left
            c = unplace()
            larger = [r for r in ready if r > c]
            if larger:
                place(min(larger))
                complete()
                break
        else:
            break  # every order has been listed
    return orders
