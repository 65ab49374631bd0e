"""Draw a Value graph with graphviz: data in blue, grads in orange, local derivatives on the edges.

Nodes are numbered by the engine's topological order (``engine.topological_order``), never by
``id()``, so the DOT text is the same on every run. This module reads Values (through the engine's
public ``op``, ``inputs`` and ``local_grads``) and never changes them.

Four things keep every drawing quick (`dot`'s layout time grows much faster than the graph):
- a Value used several times by the same op is one edge with a count (``×2``);
- past a small graph (or where one Value feeds many ops) the local derivatives are placed after
  layout (graphviz ``xlabel``), because laid-out edge labels are graphviz's slow path;
- a Value used by many ops, or by an op many columns to its right, is drawn once, with a dashed
  reference box (its name, ``↪ w``) beside each such use instead of a long edge;
- a graph of more than ``PART_VALUES`` Values is drawn in parts of consecutive Values (in
  topological order), one under another like lines of text, each headed "part 2 of 9"; an input
  from an earlier part is a reference box. `dot` lays the parts out one by one (``pack``).
``dot`` itself runs with a time limit.

A drawing is shown at full size (its text at least 12 CSS px): too wide for the page, it scrolls
inside its own box. Its numbers are written out too, for a screen reader (the SVG's ``aria-label``)
and for anyone (a folded table under the picture).

Explorers redraw the same graph with new numbers on every slider change, so ``graph_html`` lays a
drawing out with fixed-width placeholders in place of its numbers, keeps that SVG (a small cache
keyed by the DOT text with the numbers masked) and writes the real numbers into its ``<text>``
elements: a redraw whose structure (and highlight) is unchanged does not run `dot` again.
"""

import heapq
import html
import math
import re
import shutil
import subprocess
from collections import OrderedDict

import graphviz

from .engine import Value, topological_order
from .style import COLORS, number_text

__all__ = ["draw_graph", "to_svg", "graph_html", "framed", "describe", "svg_size", "topological_orders", "node_names",
           "GraphvizMissingError", "DrawingError", "DrawingTimeoutError", "INSTALL_HINT", "DOT_TIMEOUT"]

DOT_TIMEOUT = 8.0  # seconds `dot` may take before a drawing gives up (the numbers are still shown)
# Edge labels laid out by `dot` read best but cost time super-linearly; use them only for small
# graphs where no Value feeds many ops (a leaf re-used 48 times took 20 s), else xlabels.
LABEL_NODES, LABEL_FANOUT = 40, 4
# A Value used by more ops than this is drawn once, plus a small dashed reference box beside each
# op that uses it: hundreds of long edges from one node make `dot` take minutes or crash.
REFERENCE_FANOUT = 12
# An edge that skips more than this many columns (Values laid out as late as possible) is a
# reference box too: `dot` routes a long edge through a hidden node per column it crosses.
LONG_EDGE = 4
# Past this many Values a drawing is laid out in parts of at most this many, one under another.
PART_VALUES = 150

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


# ---- numbers apart from layout: a drawing's numbers become fixed-width digit tokens for `dot` ----

_MARK = "\x00"  # where a number goes in a drawing's DOT lines (a label never holds \x00: _text escapes it)
_TOKEN_CHARS = frozenset("0123456789.-+enaif?")  # about a digit's width or narrower in graphviz's fonts
_TOKEN = re.compile(r"(?<!\d)(?:\d{12}|\d{8})(?!\d)")  # "-13.1656" fits 8 digits; all number_text makes fits 12
_SVG_TEXT = re.compile(r"(<text\b[^>]*>)([^<]*)(</text>)")


def _tokens(texts):
    """A fixed-width digit token per number text (8 digits, or 12 for a longer text); None if one does not fit."""
    if max(map(len, texts), default=0) > 12 or not set("".join(texts)) <= _TOKEN_CHARS:
        return None
    return [f"{k:08d}" if len(text) <= 8 else f"{k:012d}" for k, text in enumerate(texts)]


def _fill(pieces, values):
    """The text between the marks (``pieces``) with ``values`` in their places."""
    out = [None] * (2 * len(pieces) - 1)
    out[0::2], out[1::2] = pieces, values
    return "".join(out)


def _svg_text(text):
    """A number text as graphviz writes it inside an SVG <text> element (its "-" as &#45;)."""
    return html.escape(text).replace("-", "&#45;")


class _Layouts:
    """Laid-out SVGs with their number tokens cut out, keyed by the DOT text with masked numbers (LRU)."""

    def __init__(self, entries=32, chars=8_000_000):
        self.entries, self.chars, self.used = entries, chars, 0
        self._store = OrderedDict()

    def get(self, key):
        """The (pieces, slots) kept for ``key``, or None; a hit becomes the newest entry."""
        found = self._store.get(key)
        if found is not None:
            self._store.move_to_end(key)
        return found

    def put(self, key, layout):
        """Keep ``layout`` for ``key``, dropping the oldest entries past the entry or size limits."""
        size = len(key) + sum(map(len, layout[0]))
        if size > self.chars:
            return
        if key in self._store:
            self.used -= self._store.pop(key)[2]
        self._store[key] = (*layout, size)
        self.used += size
        while len(self._store) > self.entries or self.used > self.chars:
            self.used -= self._store.popitem(last=False)[1][2]

    def clear(self):
        """Forget every layout."""
        self._store.clear()
        self.used = 0

    def __len__(self):
        return len(self._store)


_LAYOUTS = _Layouts()


def _cut(svg, tokens):
    """Split a placeholder SVG at its tokens: (pieces, slots) with slots[i] between pieces i and i+1.

    None if the tokens are not each found exactly once inside <text> elements (a label that
    happens to look like a token), so the caller lays the real drawing out instead.
    """
    index = {token: k for k, token in enumerate(tokens)}
    pieces, slots, start = [], [], 0
    for element in _SVG_TEXT.finditer(svg):
        base = element.start(2)
        for token in _TOKEN.finditer(element.group(2)):
            k = index.get(token.group())
            if k is not None:
                pieces.append(svg[start:base + token.start()])
                slots.append(k)
                start = base + token.end()
    pieces.append(svg[start:])
    return (pieces, slots) if sorted(slots) == list(range(len(tokens))) else None


def _paste(pieces, slots, texts):
    """The cut SVG with each slot's number text written in."""
    out = [pieces[0]]
    for k, piece in zip(slots, pieces[1:]):
        out += (_svg_text(texts[k]), piece)
    return "".join(out)


def _record(title, data, grad, show_grad, lit):
    """An HTML-like label: one row with name, data (blue) and grad (orange); ``data``/``grad`` are texts."""
    c = COLORS
    border = (f' border="3" color="{c["highlight"]}" bgcolor="{c["highlight_fill"]}"' if lit
              else ' border="0"')
    cells = [f"<td><b>{_text(title)}</b></td>",
             f'<td bgcolor="{c["data_fill"]}"><font color="{c["data"]}">data {data}</font></td>']
    if show_grad:
        cells.append(f'<td bgcolor="{c["grad_fill"]}"><font color="{c["grad"]}">'
                     f'grad {grad}</font></td>')
    return (f'<<table{border} cellborder="1" cellspacing="0" cellpadding="3">'
            f'<tr>{"".join(cells)}</tr></table>>')


def _edge_text(locals_, mark):
    """The label of one edge that stands for ``len(locals_)`` uses of an input by the same op."""
    texts = [number_text(x) for x in locals_]
    if len(texts) == 1:
        return mark(texts[0])
    if len(set(texts)) == 1:
        return f"{mark(texts[0])} ×{len(texts)}"
    return f"×{len(texts)}: {', '.join(map(mark, texts))}"


class Drawing(graphviz.Digraph):
    """A graphviz Digraph that displays through ``to_svg``: a time limit, and the install hint when `dot` is missing."""

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        try:
            svg = to_svg(self)
        except (GraphvizMissingError, DrawingError) as exc:
            return {"text/html": graph_html(self), "text/plain": str(exc)}
        # JupyterLab shows text/html first: the full-size drawing in its scroll box, with its numbers
        return {"text/html": framed(svg, self), "image/svg+xml": svg}


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
    size, parts = _part_size(len(nodes))
    part = [i // size for i in range(len(nodes))]
    lines = [[] for _ in range(parts)]  # each part's DOT lines, a mark per number (appending keeps it fast)
    numbers = [[] for _ in range(parts)]  # each part's numbers' texts, in the order of their marks
    here = 0  # the part being written

    def mark(text):
        numbers[here].append(text)
        return _MARK

    edges, uses, shown = [], [0] * len(nodes), []
    for i, node in enumerate(nodes):
        here = part[i]
        d_text = number_text(node.data if data is None else data[i])
        g_text = number_text(node.grad if grad is None else grad[i]) if show_grad else None
        shown.append((names[i], _made_by(node, names, position), d_text, g_text, ""))
        d = mark(d_text)
        g = mark(g_text) if show_grad else ""
        lines[here].append(f"\tv{i} [label={_record(names[i], d, g, show_grad, i in lit)}]\n")
        if not node.inputs:
            continue
        style = (f' style=filled fillcolor="{c["highlight_fill"]}" color="{c["highlight"]}" penwidth=2'
                 if i in lit else f' style=filled fillcolor="{c["op_fill"]}" color="{c["edge"]}"')
        lines[here].append(f'\tv{i}op [label=<{_text(node.op or "op")}> shape=ellipse margin="0.02" '
                           f'height=0.3{style}]\n\tv{i}op -> v{i}\n')
        locals_ = node.local_grads if local is None else local[i]
        if edge_labels:
            shown[-1] = shown[-1][:4] + (", ".join(map(number_text, locals_ or [None] * len(node.inputs))),)
        merged = {}  # input position -> its local derivatives, one per use (an input used twice: x*x)
        for k, child in enumerate(node.inputs):
            merged.setdefault(position[child], []).append(None if locals_ is None else locals_[k])
        for j, grads in merged.items():
            uses[j] += 1
            edges.append((j, i, grads))
    key = "label" if len(nodes) <= LABEL_NODES and max(uses, default=0) <= LABEL_FANOUT else "xlabel"
    span = _columns(nodes, position)
    for k, (j, i, grads) in enumerate(edges):
        here = part[i]
        label = f' [{key}=" {_edge_text(grads, mark)} "]' if edge_labels else ""
        source = f"v{j}"
        if uses[j] > REFERENCE_FANOUT or span[j] - span[i] > LONG_EDGE or part[j] != part[i]:
            source = f"r{k}"  # a reference box beside the op instead of a long edge
            look = (f'color="{c["highlight"]}" penwidth=2' if j in lit else f'color="{c["edge"]}"')
            lines[here].append(f'\t{source} [label=<↪ {_text(names[j])}> shape=box style=dashed '
                               f'fontsize=9 height=0.2 margin="0.04" {look}]\n')
        lines[here].append(f"\t{source} -> v{i}op{label}\n")
    order = list(range(parts))
    if parts > 1:  # `pack` lays out each connected piece apart, one after another in the order of their lines
        dot.graph_attr.update(pack="true", packmode="array_cit1")
        up = rankdir in ("LR", "RL")  # left to right, "one after another" runs bottom-up: write those parts
        order = order[::-1] if up else order  # last first, each with its heading after it
        for p in order:
            lines[p].insert(len(lines[p]) if up else 0, _heading(names, size, parts, p))
    body = [line for p in order for line in lines[p]]
    texts = [text for p in order for text in numbers[p]]
    pieces = "".join(body).split(_MARK)
    dot.body[:] = _fill(pieces, texts).splitlines(keepends=True)
    dot._numbers = (list(dot.body), pieces, texts)  # for graph_html: a layout with tokens for the numbers
    dot._shown = shown  # (name, how it was made, data, grad, local derivatives) per Value: its text alternative
    return dot


def _made_by(node, names, position):
    """How a Value was made, in names: "a * b", "tanh(x)"; "" for a leaf."""
    if not node.inputs:
        return ""
    ins = [names[position[c]] for c in node.inputs]
    op = node.op or "op"
    return f" {op} ".join(ins) if len(ins) == 2 and len(op) <= 2 else f"{op}({', '.join(ins)})"


def _columns(nodes, position):
    """Each node's column counted back from the output (0), every node just left of its leftmost user."""
    depth = [0] * len(nodes)
    for i in range(len(nodes) - 1, -1, -1):  # users come after their inputs in topological order
        for child in nodes[i].inputs:
            j = position[child]
            depth[j] = max(depth[j], depth[i] + 1)
    return depth


def _part_size(n):
    """(Values per part, number of parts) for ``n`` Values: parts of at most ``PART_VALUES``, as equal as can be."""
    count = -(-n // PART_VALUES)  # a graph has at least its output
    return -(-n // count), count


def _heading(names, size, parts, p):
    """The DOT line of part ``p``'s heading, "part 2 of 9: v150 … v299" (a node tied to nothing)."""
    first, last = p * size, min(len(names), (p + 1) * size) - 1
    return (f'\tpart{p} [label=<<b>part {p + 1} of {parts}</b>: {_text(names[first])} … '
            f'{_text(names[last])}> shape=plaintext fontsize=13]\n')


def _dot_source(dot):
    return dot.source if hasattr(dot, "source") else str(dot)


def to_svg(dot, timeout=None, *, reuse_layout=False):
    """Render a Digraph (or DOT text) to an SVG string with `dot`, within ``timeout`` seconds.

    Raises GraphvizMissingError (with the install hint) when `dot` is missing, DrawingTimeoutError
    when it takes longer than ``timeout`` seconds (None: ``DOT_TIMEOUT``), DrawingError when it fails.
    ``reuse_layout=True`` (what explorers use): a ``draw_graph`` drawing is laid out with
    fixed-width placeholders for its numbers, once per structure, and the numbers written in.
    """
    timeout = DOT_TIMEOUT if timeout is None else timeout
    source = _dot_source(dot)
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissingError(source)
    numbers = getattr(dot, "_numbers", None) if reuse_layout else None
    tokens = None if numbers is None or dot.body != numbers[0] else _tokens(numbers[2])
    if tokens is None:  # not from draw_graph, changed since, or a number wider than any token
        return _run_dot(exe, source, timeout, source)
    _, pieces, texts = numbers
    masked = dot.copy()
    masked.body = [_fill(pieces, tokens)]
    key = masked.source
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _cut(_run_dot(exe, key, timeout, source), tokens)
        if layout is None:  # a label looks like a token: lay out the real numbers instead
            return _run_dot(exe, source, timeout, source)
        _LAYOUTS.put(key, layout)
    return _paste(layout[0], layout[1], texts)


def _run_dot(exe, text, timeout, source):
    """`dot -Tsvg` on ``text``; errors describe ``source`` (the drawing as the learner made it)."""
    try:
        done = subprocess.run([exe, "-Tsvg"], input=text.encode("utf-8"), capture_output=True,
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
    """The drawing at full size in a sideways-scrolling box (layout reused, see ``to_svg``); else a note why not."""
    try:
        svg = to_svg(dot, timeout, reuse_layout=True)
    except GraphvizMissingError as exc:
        return _note(INSTALL_HINT, exc.source)
    except DrawingError as exc:
        return _note(str(exc))
    return framed(svg, dot)


PX_PER_PT = 4 / 3  # CSS: 1pt = 4/3 px
ALT_VALUES = 40  # a drawing of more Values names only its output in its aria-label
_SIZE = re.compile(r'(<svg\b[^>]*?\s)width="([\d.]+)(pt|px)"\s+height="([\d.]+)(pt|px)"')


def svg_size(svg):
    """(width, height) of an SVG in CSS px, from its width/height attributes in pt or px; None without them."""
    found = _SIZE.search(svg)
    if found is None:
        return None
    _, w, wu, h, hu = found.groups()
    return (float(w) * (PX_PER_PT if wu == "pt" else 1.0), float(h) * (PX_PER_PT if hu == "pt" else 1.0))


def describe(dot):
    """The drawing's numbers as one sentence: each Value's name, how it was made, data, grad, local derivatives."""
    shown = getattr(dot, "_shown", ())
    if not shown:
        return "Graph drawing."
    if len(shown) > ALT_VALUES:  # a long sentence helps nobody: the output, and the table for the rest
        return (f"Graph of {len(shown)} values; the table under the drawing lists them all. "
                f"The output {_value_text(shown[-1])}.")
    return f"Graph of {len(shown)} values. " + "; ".join(map(_value_text, shown)) + "."


def _value_text(row):
    name, made, data, grad, local = row
    text = f"{name}{' = ' + made if made else ''}: data {data}"
    text += "" if grad is None else f", grad {grad}"
    return f"{text}, local derivatives {local}" if local else text


def _table(shown):
    show_grad = any(row[3] is not None for row in shown)
    head = ("<tr><th>value</th><th>made by</th><th>local derivatives</th><th>data</th>"
            + ("<th>grad</th>" if show_grad else "") + "</tr>")
    rows = "".join(
        f"<tr><td>{_text(name)}</td><td>{_text(made) or 'input'}</td><td>{_text(local)}</td><td>{_text(data)}</td>"
        + (f"<td>{_text(grad)}</td>" if show_grad else "") + "</tr>" for name, made, data, grad, local in shown)
    return (f'<details class="backprop-lab-graph-numbers"><summary>the numbers in this drawing, as a table'
            f'</summary><table style="border-collapse:collapse">{head}{rows}</table></details>')


def framed(svg, dot=None):
    """An SVG from `dot` at full size (pt → CSS px), in a box that scrolls sideways, with its numbers as text."""
    svg = svg[svg.find("<svg"):]  # no XML prologue inside HTML
    size = svg_size(svg)
    if size is not None:
        width, height = (math.ceil(v) for v in size)  # rounded up: never a hair smaller than full size
        svg = _SIZE.sub(lambda m: f'{m.group(1)}width="{width}px" height="{height}px"', svg, count=1)
    alt = html.escape(describe(dot), quote=True)
    svg = svg.replace("<svg ", f'<svg class="jp-mod-unconfined" role="img" aria-label="{alt}" '
                      'style="max-width:none;height:auto;display:block" ', 1)
    table = _table(dot._shown) if getattr(dot, "_shown", None) else ""
    # contain:inline-size: the box takes the cell's width, not the drawing's (else a flex parent would widen)
    return (f'<div class="backprop-lab-graph" role="group" aria-label="graph drawing" '
            f'tabindex="0" style="overflow-x:auto;max-width:100%;contain:inline-size">{svg}</div>{table}')


def topological_orders(root, k=2):
    """Up to ``k`` distinct valid topological orders (lists of Values), the first being the engine's.

    Orders come in lexicographic order of topological position, so the answer is the same on
    every run; if the graph has fewer than ``k`` orders, all are returned. Each new order
    backtracks only as far as its first change, so small ``k`` costs about ``k`` passes over the
    graph.
    """
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
