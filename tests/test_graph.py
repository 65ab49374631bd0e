"""backprop_lab.graph: what the drawing says, that it is the same on every run, and topological orders."""

import os
import subprocess
import sys

import pytest

graphviz = pytest.importorskip("graphviz", reason="needs the graphviz Python package")

from backprop_lab.engine import Value  # noqa: E402
from backprop_lab.graph import (  # noqa: E402
    GraphvizMissingError, draw_graph, graph_html, to_svg, topological_orders, trace,
)
from backprop_lab.nn import MLP  # noqa: E402
from backprop_lab.widgets.stepper import default_graph  # noqa: E402


def lesson_graph():
    """L = (a·b + c)·d with a=2, b=3, c=-1, d=4 (the stepper's default graph), after backward()."""
    L = default_graph()
    L.backward()
    return L, {node.label: node for node in L.topological_order()}


def test_records_show_label_data_and_grad():
    L, v = lesson_graph()
    src = draw_graph(L).source
    for name in "abcdefL":
        assert f"<b>{name}</b>" in src
    assert "data 2.0000" in src and "grad 12.0000" in src  # a
    assert "data 20.0000" in src and "grad 1.0000" in src  # L
    assert "data -1.0000" in src
    # one op node per computed Value, with the op as text
    assert src.count("shape=ellipse") == 3
    assert "<*>" in src and "<+>" in src


def test_show_grad_false_hides_grads():
    L, _ = lesson_graph()
    src = draw_graph(L, show_grad=False).source
    assert "grad " not in src
    assert "data 20.0000" in src


def test_data_and_grad_have_different_colours():
    from backprop_lab.graph import DATA_COLOR, GRAD_COLOR

    L, _ = lesson_graph()
    src = draw_graph(L).source
    assert DATA_COLOR != GRAD_COLOR
    assert f'<font color="{DATA_COLOR}">data 2.0000' in src
    assert f'<font color="{GRAD_COLOR}">grad 12.0000' in src


def test_edge_labels_are_local_derivatives():
    L, v = lesson_graph()
    nodes, edges = trace(L)
    src = draw_graph(L).source
    # e = a*b: d e/d a = b = 3, d e/d b = a = 2; L = f*d: dL/df = d = 4, dL/dd = f = 5
    ia, ib, ie = nodes.index(v["a"]), nodes.index(v["b"]), nodes.index(v["e"])
    iL, i_f, i_d = nodes.index(v["L"]), nodes.index(v["f"]), nodes.index(v["d"])
    assert f'v{ia} -> v{ie}op [label=" 3.0000 "]' in src
    assert f'v{ib} -> v{ie}op [label=" 2.0000 "]' in src
    assert f'v{i_f} -> v{iL}op [label=" 4.0000 "]' in src
    assert f'v{i_d} -> v{iL}op [label=" 5.0000 "]' in src
    assert (ia, ie, 3.0) in edges and (i_d, iL, 5.0) in edges
    plain = draw_graph(L, edge_labels=False).source
    assert "label=\" 3.0000 \"" not in plain and f"v{ia} -> v{ie}op" in plain


def test_highlight_changes_the_source_and_accepts_values_or_indices():
    L, v = lesson_graph()
    plain = draw_graph(L).source
    by_value = draw_graph(L, highlight=[v["a"]]).source
    by_index = draw_graph(L, highlight=[0]).source
    assert by_value != plain
    assert by_value == by_index  # a is first in topological order
    assert draw_graph(L, highlight=[v["L"]]).source != by_value
    with pytest.raises(ValueError, match="not a node of this graph"):
        draw_graph(L, highlight=[Value(1.0)])


def test_white_background():
    L, _ = lesson_graph()
    assert "bgcolor=white" in draw_graph(L).source


def test_overrides_show_question_marks():
    L, _ = lesson_graph()
    n = len(L.topological_order())
    src = draw_graph(L, data=[None] * n, grad=[None] * n, local=[None] * n).source
    assert "data ?" in src and "grad ?" in src and 'label=" ? "' in src
    assert "data 20.0000" not in src


def test_drawing_does_not_change_values():
    L, v = lesson_graph()
    before = [(n.data, n.grad, n.label) for n in L.topological_order()]
    to_svg(draw_graph(L, highlight=[v["a"]]))
    assert [(n.data, n.grad, n.label) for n in L.topological_order()] == before


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
    assert set(position) == set(root.topological_order())
    return all(position[child] < position[node] for node in order for child in node._prev)


def test_topological_orders_are_distinct_and_valid():
    L, _ = lesson_graph()
    orders = topological_orders(L, k=4)
    assert len(orders) == 4
    assert orders[0] == L.topological_order()
    assert len({tuple(id(n) for n in o) for o in orders}) == 4
    assert all(_is_valid_order(o, L) for o in orders)
    again = topological_orders(L, k=4)
    assert [[n.label for n in o] for o in again] == [[n.label for n in o] for o in orders]


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


def test_mlp_graph_draws_to_svg():
    m = MLP(3, [16, 16, 1], seed=0)
    out = m([1.0, -2.0, 0.5])
    out.backward()
    assert len(out.topological_order()) > 1000
    svg = to_svg(draw_graph(out))
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_small_graph_svg():
    L, _ = lesson_graph()
    svg = to_svg(draw_graph(L))
    assert "<svg" in svg and "20.0000" in svg


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
    assert "digraph backprop_lab" in message
    assert info.value.source == dot.source
    fallback = graph_html(dot)
    assert "<pre" in fallback and "digraph backprop_lab" in fallback and "brew install graphviz" in fallback
