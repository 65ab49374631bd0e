"""The engine: every op against finite differences and torch, graph structure, backward, bad input."""

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_lab import Value
from conftest import assert_close, check, central_diff


# ---- one line per op: forward against math, backward against finite differences and torch ----

def test_add(): check(lambda a, b: a + b, 1.5, -2.0, ref=lambda a, b: a + b)
def test_sub(): check(lambda a, b: a - b, 1.5, -2.0, ref=lambda a, b: a - b)
def test_mul(): check(lambda a, b: a * b, 1.5, -2.0, ref=lambda a, b: a * b)
def test_div(): check(lambda a, b: a / b, 1.5, -2.0, ref=lambda a, b: a / b)
def test_pow_number(): check(lambda a: a ** 3, 1.5, ref=lambda a: a ** 3)
def test_pow_negative(): check(lambda a: a ** -2, 1.5, ref=lambda a: a ** -2)
def test_pow_fraction(): check(lambda a: a ** 0.5, 2.5, ref=lambda a: a ** 0.5)
def test_pow_value(): check(lambda a, b: a ** b, 1.7, 2.3, ref=lambda a, b: a ** b)
def test_neg(): check(lambda a: -a, 1.5, ref=lambda a: -a)
def test_relu_pos(): check(lambda a: a.relu(), 1.5, ref=lambda a: max(a, 0.0))
def test_relu_neg(): check(lambda a: a.relu(), -1.5, ref=lambda a: max(a, 0.0))
def test_tanh(): check(lambda a: a.tanh(), 0.7, ref=math.tanh)
def test_sigmoid(): check(lambda a: a.sigmoid(), -0.7, ref=lambda a: 1 / (1 + math.exp(-a)))
def test_exp(): check(lambda a: a.exp(), 0.7, ref=math.exp)
def test_log(): check(lambda a: a.log(), 0.7, ref=math.log)
def test_sin(): check(lambda a: a.sin(), 0.7, ref=math.sin)
def test_cos(): check(lambda a: a.cos(), 0.7, ref=math.cos)
def test_radd(): check(lambda a: 2 + a, 0.7, ref=lambda a: 2 + a)
def test_rsub(): check(lambda a: 2 - a, 0.7, ref=lambda a: 2 - a)
def test_rmul(): check(lambda a: 2 * a, 0.7, ref=lambda a: 2 * a)
def test_rdiv(): check(lambda a: 2 / a, 0.7, ref=lambda a: 2 / a)
def test_rpow(): check(lambda a: 2 ** a, 0.7, ref=lambda a: 2 ** a)
def test_composite(): check(lambda a, b: (a * b + b.exp()).tanh() / (1 + a * a), 0.3, -0.4)


def test_neg_method_is_unary_minus():
    assert Value(3.0).neg().data == -3.0


# ---- the lessons' numbers ----

def test_lesson2_expression():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    assert (e.data, d.data, L.data) == (-6.0, 4.0, -8.0)
    assert (a.grad, b.grad, c.grad, f.grad, e.grad, d.grad) == (6.0, -4.0, -2.0, 4.0, -2.0, -2.0)


def test_lesson2_chain_rule():
    x = Value(0.4)
    L = ((3 * x + 2) ** 2).sin()
    L.backward()
    assert round(L.data, 4) == -0.7279
    assert round(x.grad, 4) == -13.1656


def test_sigmoid_neuron_numbers():
    x = [0.8, -0.4, 1.2]
    w = [Value(0.2), Value(-0.1), Value(0.3)]
    b = Value(0.1)
    z = sum((wi * xi for wi, xi in zip(w, x)), b)
    yhat = z.sigmoid()
    L = 0.5 * (yhat - 1.0) ** 2
    L.backward()
    assert (round(z.data, 4), round(yhat.data, 4), round(L.data, 4)) == (0.66, 0.6593, 0.0581)
    assert [round(wi.grad, 4) for wi in w] == [-0.0612, 0.0306, -0.0919]
    assert round(b.grad, 4) == -0.0765


def test_sigmoid_neuron_sgd_log():
    """lr 0.5: loss 0.0581, 0.0097, 0.0049 at steps 0, 20, 40; ŷ 0.9122 on the 51st forward pass."""
    x = [0.8, -0.4, 1.2]
    w = [Value(0.2), Value(-0.1), Value(0.3)]
    b = Value(0.1)
    losses = []
    for _ in range(51):
        yhat = sum((wi * xi for wi, xi in zip(w, x)), b).sigmoid()
        L = 0.5 * (yhat - 1.0) ** 2
        losses.append(L.data)
        for p in w + [b]:
            p.grad = 0.0
        L.backward()
        for p in w + [b]:
            p.data -= 0.5 * p.grad
    assert [round(losses[i], 4) for i in (0, 20, 40)] == [0.0581, 0.0097, 0.0049]
    assert round(yhat.data, 4) == 0.9122  # the 51st forward pass (after 50 updates)


# ---- graph structure ----

def test_prev_is_ordered_tuple_and_op():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c._prev == (a, b) and isinstance(c._prev, tuple) and c._op == "*"
    assert (b * a)._prev == (b, a)


def test_local_derivatives_per_edge():
    a, b = Value(2.0), Value(3.0)
    assert [(n, d) for n, d in (a * b).local_derivatives()] == [(a, 3.0), (b, 2.0)]
    assert (a + b)._local == (1.0, 1.0)
    assert a.tanh()._local == pytest.approx((1 - math.tanh(2.0) ** 2,))


def test_label_and_repr():
    v = Value(2, label="a")
    assert v.label == "a" and isinstance(v.data, float) and "a" in repr(v)


def test_micrograd_style_constructor():
    a, b = Value(2.0), Value(3.0)
    c = Value(6.0, (a, b), "*", _local=(3.0, 2.0))
    c.backward()
    assert (a.grad, b.grad) == (3.0, 2.0)


def test_manual_backward_steps_like_micrograd():
    a, b = Value(2.0), Value(-3.0)
    e = a * b
    L = e + 10
    L.grad = 1.0
    L._backward()
    e._backward()
    assert (e.grad, a.grad, b.grad) == (1.0, -3.0, 2.0)


# ---- backward ----

def test_reused_node_accumulates():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0
    a2 = Value(3.0)
    c = (a2 + a2) + (a2 + a2)
    c.backward()
    assert a2.grad == 4.0


def test_diamond_order_matters():
    a, b = Value(2.0), Value(3.0)
    s, p = a + b, a * b
    y = s + p + s * p
    y.backward()
    assert (a.grad, b.grad) == (25.0, 19.0)


def test_topological_order_is_valid_and_deterministic():
    a, b = Value(2.0), Value(3.0)
    s, p = a + b, a * b
    y = s + p + s * p
    order = y.topological_order()
    pos = {id(n): i for i, n in enumerate(order)}
    assert len(order) == len(set(map(id, order))) == 7
    assert all(pos[id(c)] < pos[id(n)] for n in order for c in n._prev)
    assert order[0] is a and order[-1] is y and order == y.topological_order()


def test_backward_twice_doubles_every_grad():
    a, b = Value(2.0), Value(-3.0)
    L = ((a * b + 1).tanh() * a).exp()
    L.backward()
    first = [a.grad, b.grad, L.grad]
    L.backward()
    assert [a.grad, b.grad, L.grad] == pytest.approx([2 * g for g in first], rel=1e-12)


def test_million_node_chain():
    x, c = Value(0.5), Value(1.0000001)
    y = x
    for _ in range(1_000_000):
        y = y * c
    y.backward()
    assert_close(x.grad, 1.0000001 ** 1_000_000, rel=1e-9)
    assert_close(c.grad, 1_000_000 * 0.5 * 1.0000001 ** 999_999, rel=1e-9)
    del y  # freeing a deep chain must not overflow the C stack either


# ---- numerics and bad input ----

@pytest.mark.parametrize("x", [1000.0, -1000.0, 745.0, -745.0])
def test_sigmoid_and_tanh_stable_at_extremes(x):
    for op in ("sigmoid", "tanh"):
        v = Value(x)
        out = getattr(v, op)()
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)
        assert v.grad == pytest.approx(0.0, abs=1e-300)
    assert Value(1000.0).sigmoid().data == 1.0 and Value(-1000.0).sigmoid().data == 0.0


@pytest.mark.parametrize("bad", ["3", None, [1.0], 1j, True])
def test_non_number_is_a_clear_type_error(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("x", [0.0, -2.5])
def test_log_of_non_positive_names_log_and_value(x):
    with pytest.raises(ValueError, match=rf"log\({x:g}\)"):
        Value(x).log()


def test_exp_overflow_names_exp():
    with pytest.raises(OverflowError, match=r"exp\(1000\)") as err:
        Value(1000.0).exp()
    assert "math range error" not in str(err.value)


def test_pow_errors_are_clear():
    with pytest.raises(ZeroDivisionError, match="denominator"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ValueError, match="negative base"):
        Value(-8.0) ** 0.5
    with pytest.raises(OverflowError, match="too large"):
        Value(10.0) ** 400
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** "2"


def test_import_has_no_side_effects_and_stays_light():
    code = ("import sys, backprop_lab; "
            "print(sorted(m for m in ('ipywidgets', 'graphviz', 'matplotlib', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]" and out.stderr == ""


# ---- property test: random expression trees ----

UNARY = [lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v.sin(), lambda v: v.cos(),
         lambda v: (v * 0.5).exp(), lambda v: (v * v + 1).log(), lambda v: v.relu() + v * 0.1, lambda v: -v]
BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b * b + 1),
          lambda a, b: (a * a + 1) ** (b.tanh())]


def _tree(draw_ops):
    """Turn a nested tuple of op indices into a function of three leaves (leaves are re-used)."""
    def build(node, leaves):
        kind = node[0]
        if kind == "leaf":
            return leaves[node[1]]
        if kind == "u":
            return UNARY[node[1]](build(node[2], leaves))
        return BINARY[node[1]](build(node[2], leaves), build(node[3], leaves))
    return lambda *leaves: build(draw_ops, leaves)


trees = st.recursive(
    st.tuples(st.just("leaf"), st.integers(0, 2)),
    lambda kids: st.one_of(
        st.tuples(st.just("u"), st.integers(0, len(UNARY) - 1), kids),
        st.tuples(st.just("b"), st.integers(0, len(BINARY) - 1), kids, kids),
    ),
    max_leaves=10,
)
points = st.floats(-1.5, 1.5).filter(lambda v: abs(v) > 1e-3)


@settings(max_examples=150, deadline=None)
@given(trees, points, points, points)
def test_random_expressions_match_finite_differences(tree, x, y, z):
    f = _tree(tree)
    leaves = [Value(x), Value(y), Value(z)]
    out = f(*leaves)
    out.backward()
    for i, leaf in enumerate(leaves):
        num = central_diff(f, [x, y, z], i, h=1e-6)
        # relu kinks: finite differences are meaningless right at a kink, so skip exactly there
        if any(abs(n._prev[0].data) < 1e-5 for n in out.topological_order() if n._op == "relu"):
            continue
        assert abs(leaf.grad - num) <= 1e-5 * max(1.0, abs(leaf.grad), abs(num)), (tree, i, leaf.grad, num)
