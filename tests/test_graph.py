"""backprop_lab.graph: what the drawing says, that it is quick and the same on every run, and topological orders."""

import html
import os
import random
import re
import subprocess
import sys

import pytest

graphviz = pytest.importorskip("graphviz", reason="needs the graphviz Python package")

from backprop_lab import graph  # noqa: E402
from backprop_lab.engine import Value, topological_order  # noqa: E402
from backprop_lab.exercises import hand_graph  # noqa: E402
from backprop_lab.graph import (  # noqa: E402
    DrawingTimeoutError, GraphvizMissingError, draw_graph, graph_html, node_names, to_svg, topological_orders,
)
from backprop_lab.nn import MLP  # noqa: E402
from backprop_lab.style import COLORS, number_text  # noqa: E402

EDGE = re.compile(r"\tv(\d+) -> v(\d+)op(?: \[(x?label)=\" (.*?) \"\])?\n")
REFERENCE = re.compile(r"\t(r\d+) \[label=<↪ (.*?)> shape=box")
REFERENCE_EDGE = re.compile(r"\t(r\d+) -> v(\d+)op(?: \[(x?label)=\" (.*?) \"\])?\n")


@pytest.fixture(autouse=True)
def fresh_layouts(monkeypatch):
    """Each test starts with no laid-out drawings kept (a kept layout would skip `dot` and its errors)."""
    monkeypatch.setattr(graph, "_LAYOUTS", graph._Layouts())


def lesson_graph():
    """Lesson 2's worked example e = a·b, d = e + c, L = d·f (a=2, b=−3, c=10, f=−2), after backward()."""
    L = hand_graph("worked")
    L.backward()
    return L, {node.label: node for node in topological_order(L)}


def edges(src):
    """(input index, op index, label kind, label text) for every input edge of a DOT source."""
    return [(int(a), int(b), kind, text) for a, b, kind, text in EDGE.findall(src)]


def input_uses(root, src):
    """Every use of an input by an op, drawn as an edge or as a reference box: (input, op, kind, text)."""
    index = {name: i for i, name in enumerate(node_names(topological_order(root)))}
    boxes = dict(REFERENCE.findall(src))
    via_box = [(index[html.unescape(boxes[r])], int(b), kind, text) for r, b, kind, text in REFERENCE_EDGE.findall(src)]
    return edges(src) + via_box


def horner(degree, x=0.5):
    """p(x) = (((c_n x + c_{n-1}) x + ...) x + c_0: the leaf x is used by `degree` ops."""
    xv = Value(x, label="x")
    p = Value(1.0)
    for k in range(degree):
        p = p * xv + Value(0.1 * k)
    return p


def reused_leaf_chain(n=48):
    """h = x·w·w·…·w: one leaf w multiplied in n times (n + 2 Values)."""
    w = Value(1.01, label="w")
    h = Value(1.0, label="x")
    for _ in range(n):
        h = h * w
    return h


def test_records_show_label_data_and_grad():
    L, _ = lesson_graph()
    src = draw_graph(L).source
    for name in "abcdefL":
        assert f"<b>{name}</b>" in src
    assert "data 2.0000" in src and "grad 6.0000" in src  # a: dL/da = b·f = 6
    assert "data -8.0000" in src and "grad 1.0000" in src  # L
    assert src.count("shape=ellipse") == 3  # one op node per computed Value
    assert "<*>" in src and "<+>" in src


def test_show_grad_false_hides_grads():
    L, _ = lesson_graph()
    src = draw_graph(L, show_grad=False).source
    assert "grad " not in src and "data -8.0000" in src


def test_data_and_grad_use_the_shared_colours():
    L, _ = lesson_graph()
    src = draw_graph(L).source
    assert f'<font color="{COLORS["data"]}">data 2.0000' in src
    assert f'<font color="{COLORS["grad"]}">grad 6.0000' in src
    assert f'fontcolor="{COLORS["local"]}"' in src


def test_edge_labels_are_local_derivatives():
    L, v = lesson_graph()
    nodes = topological_order(L)
    at = {name: nodes.index(node) for name, node in v.items()}
    found = {(i, j): text for i, j, _, text in edges(draw_graph(L).source)}
    # e = a*b: de/da = b = -3, de/db = a = 2; L = d*f: dL/dd = f = -2, dL/df = d = 4
    assert found[(at["a"], at["e"])] == "-3.0000" and found[(at["b"], at["e"])] == "2.0000"
    assert found[(at["d"], at["L"])] == "-2.0000" and found[(at["f"], at["L"])] == "4.0000"
    assert len(found) == 6
    plain = edges(draw_graph(L, edge_labels=False).source)
    assert len(plain) == 6 and all(kind == "" for _, _, kind, _ in plain)


def test_numbers_use_the_one_formatter():
    x = Value(0.0005, label="x")
    y = x * 2.0
    src = draw_graph(y).source
    assert f"data {number_text(0.0005)}" in src and number_text(0.0005) == "5.000e-04"
    assert number_text(None) == "?" and number_text(3) == "3" and number_text(-2.5) == "-2.5000"


def test_an_input_used_twice_by_one_op_is_one_edge_with_a_count():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    assert edges(draw_graph(y).source) == [(0, 1, "label", "3.0000 ×2")]
    p = x ** x  # the two uses have different local derivatives: both are shown
    assert edges(draw_graph(p).source)[0][3] == f"×2: {number_text(27.0)}, {number_text(27 * 1.0986122886681098)}"


@pytest.mark.parametrize("make", [lambda: reused_leaf_chain(10), lambda: horner(10),
                                  lambda: MLP(2, [8, 8, 1], seed=0)([0.5, -1.0])])
def test_one_edge_per_node_pair_and_no_laid_out_labels_on_reused_nodes(make):
    root = make()
    nodes = topological_order(root)
    position = {node: i for i, node in enumerate(nodes)}
    pairs = {(position[c], i) for i, n in enumerate(nodes) for c in n.inputs}
    found = input_uses(root, draw_graph(root).source)
    assert len(found) == len(pairs) and {(a, b) for a, b, _, _ in found} == pairs
    # a node that feeds many ops makes laid-out edge labels graphviz's slow path: xlabels instead
    assert {kind for _, _, kind, _ in found} == {"xlabel"}


@pytest.mark.parametrize("uses", [48, 300])
def test_a_value_used_by_many_ops_is_drawn_once_with_a_reference_beside_each_use(uses):
    root = reused_leaf_chain(uses)  # x·w·w·…·w
    src = draw_graph(root).source
    assert src.count("<b>w</b>") == 1  # the Value w itself: one record
    refs = {box for box, name in REFERENCE.findall(src) if name == "w"}
    assert len(refs) == uses
    ref_edges = [e for e in REFERENCE_EDGE.findall(src) if e[0] in refs]
    assert len(ref_edges) == uses and len({op for _, op, _, _ in ref_edges}) == uses  # one per op
    nodes = topological_order(root)
    want = sorted(number_text(n.local_grads[1]) for n in nodes if n.inputs)  # d(h·w)/dw = h
    assert sorted(text for _, _, _, text in ref_edges) == want
    assert not any(a == 1 for a, _, _, _ in edges(src))  # no long edge leaves w (node v1)


def test_small_graphs_keep_laid_out_labels():
    L, _ = lesson_graph()
    assert {kind for _, _, kind, _ in edges(draw_graph(L).source)} == {"label"}


@pytest.mark.parametrize("make, refs", [(reused_leaf_chain, 48), (lambda: horner(30), 30),
                                        (lambda: horner(40), 40)])
def test_reused_leaf_graphs_render(make, refs):
    root = make()
    nodes = topological_order(root)
    svg = to_svg(draw_graph(root))  # these took 20 s, 5.7 s and over 30 s before
    ops = sum(1 for n in nodes if n.inputs)
    assert svg.count('class="node"') == len(nodes) + ops + refs  # records, op ellipses, references


def random_dag(n, seed=0):
    """A random expression graph: each new Value combines one of the last 8 with any earlier one."""
    rng = random.Random(seed)
    pool = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(4)]
    while len(pool) < n:
        a, b = rng.choice(pool[-8:]), rng.choice(pool)
        pool.append(rng.choice([lambda: a + b, lambda: a * b, lambda: a.tanh()])())
    pool[-1].backward()
    return pool[-1]


SVG_NODE = re.compile(r'<g id="[^"]+" class="node">\n<title>([^<]+)</title>.*?<text[^>]*x="([-\d.]+)" y="([-\d.]+)"',
                      re.S)


def test_long_edges_are_references_so_random_graphs_draw():
    root = random_dag(2000)  # 1,109 Values; `dot` ran for over ten minutes on it before
    nodes = topological_order(root)
    position = {node: i for i, node in enumerate(nodes)}
    src = draw_graph(root).source
    pairs = {(position[c], i) for i, n in enumerate(nodes) for c in n.inputs}
    found = input_uses(root, src)
    assert len(found) == len(pairs) and {(a, b) for a, b, _, _ in found} == pairs  # every use, once
    span = graph._columns(nodes, position)
    assert all(span[a] - span[b] <= graph.LONG_EDGE for a, b, _, _ in edges(src))
    svg = to_svg(draw_graph(root))
    assert len(SVG_NODE.findall(svg)) == len(nodes) + sum(1 for n in nodes if n.inputs) + len(found) - len(edges(src)) \
        + src.count("shape=plaintext fontsize=13")  # records, ops, reference boxes, part headings


@pytest.mark.parametrize("rankdir, axis", [("LR", 2), ("TB", 1)])  # parts under each other / side by side
def test_a_large_graph_is_drawn_in_parts_in_order(rankdir, axis):
    h = Value(0.3, label="x")
    for _ in range(133):  # 400 Values
        h = (h * 0.9).tanh()
    h.backward()
    nodes = topological_order(h)
    size = -(-len(nodes) // 3)
    src = draw_graph(h, rankdir=rankdir).source
    assert "pack=true" in src and [f"part {p} of 3" in src for p in (1, 2, 3)] == [True] * 3
    assert src.count("[label=<<table") == len(nodes)  # every Value drawn once
    assert all(a // size == b // size for a, b, _, _ in edges(src))  # no edge between parts...
    found = input_uses(h, src)  # ...an input from an earlier part is a reference box, with its number
    assert len(found) == sum(len(set(n.inputs)) for n in nodes)
    for a, b, _, text in found:  # the label says the op's local derivative for that input
        k = [id(c) for c in nodes[b].inputs].index(id(nodes[a]))
        assert text == number_text(nodes[b].local_grads[k])
    assert sum(a // size != b // size for a, b, _, _ in found) >= 2  # the chain crosses both cuts
    svg = to_svg(draw_graph(h, rankdir=rankdir))  # SVG: x grows to the right, y downwards
    at = {title: float(xy[axis - 1]) for title, *xy in SVG_NODE.findall(svg)}
    heads = [at[f"part{p}"] for p in range(3)]
    assert heads == sorted(heads)  # part 1 first (top, or left), then 2, then 3
    for i in range(len(nodes)):  # each Value after its own part's heading and before the next one
        p = i // size
        assert heads[p] <= at[f"v{i}"] and (p == 2 or at[f"v{i}"] <= heads[p + 1])


def test_small_graphs_are_one_part():
    L, _ = lesson_graph()
    src = draw_graph(L).source
    assert "pack" not in src and "part" not in src


def test_control_characters_in_labels_are_shown_not_passed_to_dot():
    x = Value(1.0, label="a\x00b\x07\nc\t")
    y = x.tanh()
    y.label = "<L>&\x1b"
    svg = to_svg(draw_graph(y))
    assert "a\\x00b\\x07\\nc\\t" in svg and "&lt;L&gt;&amp;\\x1b" in svg


def test_dot_time_limit_raises_a_clear_error_and_the_html_says_so():
    L, _ = lesson_graph()
    dot = draw_graph(L)
    with pytest.raises(DrawingTimeoutError, match=r"graph of 7 Values within 1e-06 s"):
        to_svg(dot, timeout=1e-6)
    note = graph_html(dot, timeout=1e-6)
    assert "backprop-lab-nodot" in note and "not drawn" in note and "<svg" not in note


def test_a_failing_dot_gives_a_clear_error_and_the_html_says_so():
    bad = "digraph { a -> }"  # what a broken drawing would send
    with pytest.raises(graph.DrawingError, match="`dot` failed"):
        to_svg(bad)
    assert "not drawn" in graph_html(bad)


def test_highlight_changes_the_source_and_accepts_values_or_indices():
    L, v = lesson_graph()
    plain = draw_graph(L).source
    by_value = draw_graph(L, highlight=[v["a"]]).source
    assert by_value != plain
    assert by_value == draw_graph(L, highlight=[0]).source  # a is first in topological order
    assert draw_graph(L, highlight=[v["L"]]).source != by_value
    for bad in (Value(1.0), 99, "a"):
        with pytest.raises(ValueError, match="not a node of this graph"):
            draw_graph(L, highlight=[bad])
    with pytest.raises(TypeError, match="needs a Value"):
        draw_graph(3.0)


def test_overrides_show_question_marks():
    L, _ = lesson_graph()
    n = len(topological_order(L))
    src = draw_graph(L, data=[None] * n, grad=[None] * n, local=[None] * n).source
    assert "data ?" in src and "grad ?" in src and 'label=" ? "' in src
    assert "data -8.0000" not in src


def test_micrograd_style_node_draws_with_unknown_local_derivatives():
    import math

    x = Value(0.5, label="x")
    out = Value(math.exp(0.5), (x,), "exp", label="y")

    def _backward():
        x.grad += out.data * out.grad

    out._backward = _backward
    out.backward()
    src = draw_graph(out).source
    assert edges(src) == [(0, 1, "label", "?")] and "<exp>" in src


def test_drawing_does_not_change_values():
    L, v = lesson_graph()
    before = [(n.data, n.grad, n.label) for n in topological_order(L)]
    to_svg(draw_graph(L, highlight=[v["a"]]))
    assert [(n.data, n.grad, n.label) for n in topological_order(L)] == before


_SCRIPT = """
from backprop_lab.engine import Value
from backprop_lab.graph import draw_graph
from backprop_lab.nn import MLP
x = Value(0.5, label="x")
y = (x * x + x.tanh() * 3).sin() + x.exp() / (x + 2)
y.backward()
print(draw_graph(y).source)
m = MLP(2, [3, 1], seed=1)
out = m([0.3, -0.7]); out.backward()
print(draw_graph(out, highlight=[out]).source)
"""


def _source_in_subprocess(seed):
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    return subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                          text=True, check=True, cwd=os.path.dirname(os.path.dirname(__file__))).stdout


def test_source_is_identical_across_processes_and_hash_seeds():
    first, second = _source_in_subprocess(1), _source_in_subprocess(12345)
    assert "digraph" in first
    assert first == second


def _is_valid_order(order, root):
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) and set(position) == set(topological_order(root))
    return all(position[child] < position[node] for node in order for child in node.inputs)


def test_topological_orders_are_distinct_and_valid():
    L, _ = lesson_graph()
    orders = topological_orders(L, k=4)
    assert len(orders) == 4
    assert orders[0] == topological_order(L)
    assert len({tuple(id(n) for n in o) for o in orders}) == 4
    assert all(_is_valid_order(o, L) for o in orders)
    again = topological_orders(L, k=4)
    assert [[n.label for n in o] for o in again] == [[n.label for n in o] for o in orders]


def test_topological_orders_lists_every_order_of_a_small_graph():
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    s = (a + b) * c  # a, b, c in any order with a+b after a and b: 3 leaves, 1 sum, then the product
    orders = topological_orders(s, k=100)
    labels = {tuple(n.label or "·" for n in o) for o in orders}
    # the sum "·" comes after a and b; c anywhere before the product: 3!·... counted by hand = 8
    assert len(orders) == len(labels) == 8
    assert all(_is_valid_order(o, s) for o in orders)


def test_topological_orders_returns_all_when_fewer_exist():
    x = Value(1.0, label="x")
    chain = (x * 2).tanh()  # x, 2, x*2, tanh: the two leaves can swap, nothing else
    orders = topological_orders(chain, k=10)
    assert len(orders) == 2
    assert all(_is_valid_order(o, chain) for o in orders)
    square = x * x  # one leaf used twice: exactly one order
    assert len(topological_orders(square, k=3)) == 1
    with pytest.raises(ValueError):
        topological_orders(square, k=0)


@pytest.mark.slow
def test_topological_orders_on_a_sum_of_20000_leaves():
    leaves = [Value(float(i)) for i in range(20000)]
    total = leaves[-1]
    for leaf in reversed(leaves[:-1]):
        total = leaf + total  # every leaf comes first in the engine's order: 20,000 ready at once
    orders = topological_orders(total, k=3)  # took 17 s before (a sorted copy of the ready set per step)
    assert len(orders) == 3 and len({tuple(map(id, o)) for o in orders}) == 3
    assert all(_is_valid_order(o, total) for o in orders)


@pytest.mark.slow
def test_mlp_graph_draws_to_svg():
    m = MLP(3, [16, 16, 1], seed=0)
    out = m([1.0, -2.0, 0.5])
    out.backward()
    assert len(topological_order(out)) > 1000
    svg = to_svg(draw_graph(out))
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_missing_dot_says_how_to_install_and_shows_dot(monkeypatch, tmp_path):
    L, _ = lesson_graph()
    dot = draw_graph(L)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    with pytest.raises(GraphvizMissingError) as info:
        to_svg(dot)
    message = str(info.value)
    for hint in ("sudo apt-get install graphviz", "brew install graphviz",
                 "conda install -c conda-forge python-graphviz", "make lab"):
        assert hint in message
    assert "digraph backprop_lab" in message and info.value.source == dot.source
    fallback = graph_html(dot)
    assert "<pre" in fallback and "digraph backprop_lab" in fallback and "brew install graphviz" in fallback


def test_displaying_a_drawing_without_dot_shows_the_install_hint(monkeypatch, tmp_path):
    L, _ = lesson_graph()
    dot = draw_graph(L)
    assert "image/svg+xml" in dot._repr_mimebundle_()
    monkeypatch.setenv("PATH", str(tmp_path))
    bundle = dot._repr_mimebundle_()  # what Jupyter calls to show `draw_graph(L)`
    assert "image/svg+xml" not in bundle
    assert graph.INSTALL_HINT in bundle["text/plain"] and "brew install graphviz" in bundle["text/html"]


# ---- explorers' redraws: one layout per structure, the numbers written into it ----

SVG_TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")


def svg_texts(svg):
    """The text of every <text> element, as the browser reads it (graphviz writes "-" as &#45;)."""
    import html
    return [html.unescape(t) for t in SVG_TEXT.findall(svg)]


@pytest.fixture
def dot_runs(monkeypatch):
    """A list that gets one entry per `dot` process started."""
    runs, real = [], subprocess.run

    def counting(args, *rest, **kw):
        runs.append(args)
        return real(args, *rest, **kw)

    monkeypatch.setattr(graph.subprocess, "run", counting)
    return runs


def small_graph(a, b):
    """y = tanh(a·b + a) with leaves a, b."""
    av, bv = Value(a, label="a"), Value(b, label="b")
    y = (av * bv + av).tanh()
    y.label = "y"
    y.backward()
    return y


def test_same_structure_reuses_the_layout_and_shows_the_new_numbers(dot_runs):
    first = graph_html(draw_graph(small_graph(0.5, -1.0)))
    assert len(dot_runs) == 1 and "data 0.5000" in svg_texts(first)
    dot = draw_graph(small_graph(-0.25, 3.0))
    second = graph_html(dot)
    assert len(dot_runs) == 1  # no `dot` this time
    assert svg_texts(second) == svg_texts(to_svg(dot))  # to_svg lays out the real numbers
    assert "data -0.2500" in svg_texts(second) and "data 0.5000" not in svg_texts(second)
    assert second.startswith('<div class="backprop-lab-graph"') and second.count("<svg") == 1


def test_a_new_structure_or_highlight_is_laid_out_again(dot_runs):
    graph_html(draw_graph(small_graph(0.5, -1.0)))
    L, v = lesson_graph()
    other = graph_html(draw_graph(L))
    assert len(dot_runs) == 2 and "data -8.0000" in svg_texts(other)
    lit = graph_html(draw_graph(L, highlight=[v["a"]]))
    assert len(dot_runs) == 3 and f'fill="{COLORS["highlight_fill"]}"' in lit
    assert f'fill="{COLORS["highlight_fill"]}"' not in other
    graph_html(draw_graph(L, highlight=[v["a"]]))
    graph_html(draw_graph(small_graph(0.3, 0.7)))
    assert len(dot_runs) == 3 and len(graph._LAYOUTS) == 3


@pytest.mark.parametrize("numbers", [
    (2.0, -13.1656, 5e-04),
    (-999999.9999, 1e300, -1.5e-300),
    (None, float("-inf"), float("nan")),
])
def test_numbers_of_any_width_are_written_in_exactly(numbers, dot_runs):
    L, _ = lesson_graph()
    nodes = topological_order(L)

    def drawing(xs):
        data = [xs[i % 3] for i in range(len(nodes))]
        grad = [xs[(i + 1) % 3] for i in range(len(nodes))]
        local = [[xs[(i + 2) % 3]] * len(node.inputs) if node.inputs else None for i, node in enumerate(nodes)]
        return draw_graph(L, data=data, grad=grad, local=local)

    # a placeholder is 8 digits wide, or 12 for a longer number: negating keeps each number's width class
    graph_html(drawing([None if x is None else -x for x in numbers]))
    dot = drawing(numbers)
    texts = svg_texts(graph_html(dot))
    assert len(dot_runs) == 1  # laid out once, for the negated numbers
    assert texts == svg_texts(to_svg(dot))
    for x in numbers:
        assert f"data {number_text(x)}" in texts and f"grad {number_text(x)}" in texts
        assert f" {number_text(x)} " in texts  # an edge's local derivative


def test_a_number_wider_than_any_placeholder_is_laid_out_as_it_is(dot_runs):
    L, _ = lesson_graph()
    n = len(topological_order(L))
    wide = 10 ** 15  # an int: number_text writes all 16 digits
    svg = graph_html(draw_graph(L, data=[wide] * n))
    assert f"data {wide}" in svg_texts(svg) and len(dot_runs) == 1 and len(graph._LAYOUTS) == 0


def test_a_label_that_looks_like_a_placeholder_still_draws_right(dot_runs):
    x = Value(1.5, label="00000000")  # the first placeholder's digits
    y = x * 2.0
    y.label = "000000000003"
    y.backward()
    svg = graph_html(draw_graph(y))
    assert svg_texts(svg) == svg_texts(to_svg(draw_graph(y)))
    assert "00000000" in svg_texts(svg) and "data 1.5000" in svg_texts(svg)


def test_a_drawing_changed_after_draw_graph_is_drawn_as_it_is_now(dot_runs):
    L, _ = lesson_graph()
    graph_html(draw_graph(L))
    dot = draw_graph(L)
    dot.node("note", "added by hand")
    assert "added by hand" in svg_texts(graph_html(dot)) and len(dot_runs) == 2


def test_a_kept_layout_does_not_hide_a_missing_dot(monkeypatch, tmp_path):
    L, _ = lesson_graph()
    assert "<svg" in graph_html(draw_graph(L))
    monkeypatch.setenv("PATH", str(tmp_path))
    note = graph_html(draw_graph(L))
    assert "backprop-lab-nodot" in note and "brew install graphviz" in note and "<svg" not in note


def test_to_svg_runs_dot_every_time_unless_asked(dot_runs):
    L, _ = lesson_graph()
    to_svg(draw_graph(L))
    to_svg(draw_graph(L))
    assert len(dot_runs) == 2
    to_svg(draw_graph(L), reuse_layout=True)
    to_svg(draw_graph(L), reuse_layout=True)
    assert len(dot_runs) == 3


def test_layout_cache_keeps_the_newest_within_its_limits():
    kept = graph._Layouts(entries=2, chars=100)
    for key in ("a", "b", "c"):
        kept.put(key, (["<svg>", "</svg>"], [0]))
    assert len(kept) == 2 and kept.get("a") is None and kept.get("b") is not None
    kept.put("d", (["x"], []))  # "b" was just used, so "c" goes
    assert kept.get("c") is None and kept.get("b") is not None and kept.get("d") is not None
    kept.put("huge", (["x" * 200], []))  # larger than the whole cache: not kept
    assert kept.get("huge") is None and len(kept) == 2 and kept.used <= 100
    kept.clear()
    assert len(kept) == 0 and kept.used == 0


# ---- full size, a scroll box, and the numbers as text ----

def text_pixels(page):
    """The CSS px height of every <text> in the page's drawing: font-size × (drawn width / viewBox width)."""
    svg = re.search(r"<svg\b[^>]*>", page).group(0)
    width = float(re.search(r'\swidth="([\d.]+)px"', svg).group(1))
    view = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ', svg).group(1))
    sizes = [float(f) for f in re.findall(r'<text\b[^>]*font-size="([\d.]+)"', page)]
    return [f * width / view for f in sizes]


def long_chain(n=40):
    """x → x·1.01 → ... n times: a graph far wider than any page, whose output's grad is the 1 at the end."""
    v = Value(0.5, label="x")
    for _ in range(n):
        v = v * 1.01
    v.label = "L"
    v.backward()
    return v


@pytest.mark.parametrize("show", ["explorer", "notebook"])
def test_text_is_at_least_11_css_px_and_a_wide_graph_scrolls_at_full_size(show):
    L = long_chain()
    dot = draw_graph(L)
    page = graph_html(dot) if show == "explorer" else dot._repr_mimebundle_()["text/html"]
    sizes = text_pixels(page)
    assert sizes and min(sizes) >= 11
    box = re.match(r'<div class="backprop-lab-graph"[^>]*style="([^"]*)"', page).group(1)
    assert "overflow-x:auto" in box and "max-width:100%" in box
    svg = re.search(r"<svg\b[^>]*>", page).group(0)
    assert "max-width:none" in svg and "max-width:100%" not in svg  # never shrunk to the cell
    width = float(re.search(r'\swidth="([\d.]+)px"', svg).group(1))
    view = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ', svg).group(1))
    assert width > 1366 and width == pytest.approx(view * 4 / 3, abs=1)  # wider than the page: it scrolls
    assert "grad 1.0000" in svg_texts(page)  # the 1 at the end is drawn, reachable by scrolling


def test_a_notebook_shows_the_scroll_box_before_the_bare_svg():
    L, _ = lesson_graph()
    bundle = draw_graph(L)._repr_mimebundle_()
    assert list(bundle)[0] == "text/html" and bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert "<?xml" not in bundle["text/html"]


def test_each_drawing_lists_its_numbers_as_text():
    L, v = lesson_graph()
    page = graph_html(draw_graph(L))
    svg = re.search(r"<svg\b[^>]*>", page).group(0)
    assert 'role="img"' in svg
    label = html.unescape(re.search(r'aria-label="([^"]*)"', svg).group(1))
    for name, node in v.items():
        assert f"{name}" in label and f"data {number_text(node.data)}, grad {number_text(node.grad)}" in label
    assert "L = d * f" in label and f"local derivatives {number_text(v['f'].data)}" in label
    table = re.search(r"<details\b.*</details>", page, re.S).group(0)
    cells = [html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", table)]
    for name, node in v.items():
        assert name in cells and number_text(node.data) in cells and number_text(node.grad) in cells


def test_a_big_drawing_names_only_its_output_in_its_label():
    dot = draw_graph(long_chain(60))
    assert graph.describe(dot).startswith("Graph of 121 values; the table")  # 60 constants too
    assert "The output L = " in graph.describe(dot) and "grad 1.0000" in graph.describe(dot)


def test_the_stepper_question_marks_are_in_the_text_too():
    L, v = lesson_graph()
    n = len(topological_order(L))
    label = graph.describe(draw_graph(L, data=[None] * n, grad=[None] * n, local=[None] * n))
    assert "L = d * f: data ?, grad ?, local derivatives ?, ?" in label
