"""The engine: every op against finite differences and torch, graph structure, backward, bad input.

Also: micrograd's way of adding an op, micrograd's own two engine tests restated, and the edges
(0, ±inf, NaN, ±1e±300, subnormals) against PyTorch.
"""

import copy
import math
import pickle
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_lab import Value
from backprop_lab.engine import topological_order
from helpers import assert_close, check, central_diff, torch_grads


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


# ---- graph structure: the public API the drawings and explorers use ----

def test_inputs_prev_op_and_local_grads():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c.inputs == c._prev == (a, b) and isinstance(c._prev, tuple)
    assert c.op == c._op == "*" and c.local_grads == (3.0, 2.0)
    assert (b * a).inputs == (b, a)
    assert (a + b).local_grads == (1.0, 1.0) and (a - b).local_grads == (1.0, -1.0)
    assert a.tanh().local_grads == pytest.approx((1 - math.tanh(2.0) ** 2,))
    assert a.inputs == () and a.op == "" and a.local_grads == ()


def test_division_and_subtraction_are_single_ops():
    a, b = Value(3.0), Value(4.0)
    q, d = a / b, a - b
    assert (q.op, q.inputs, q.local_grads) == ("/", (a, b), (0.25, -3.0 / 16))
    assert (d.op, d.inputs) == ("-", (a, b))
    assert len(topological_order(q)) == 3 and len(topological_order(2 / a)) == 3


def test_label_and_repr():
    v = Value(2, label="a")
    assert v.label == "a" and isinstance(v.data, float) and "a" in repr(v)


def test_node_with_given_local_grads():
    a, b = Value(2.0), Value(3.0)
    c = Value(6.0, (a, b), "*", (3.0, 2.0))
    c.backward()
    assert (a.grad, b.grad, c.local_grads) == (3.0, 2.0, (3.0, 2.0))
    with pytest.raises(ValueError, match="2 inputs and 1 local"):
        Value(6.0, (a, b), "*", (3.0,))


def test_manual_backward_steps_like_micrograd():
    a, b = Value(2.0), Value(-3.0)
    e = a * b
    L = e + 10
    L.grad = 1.0
    L._backward()
    e._backward()
    assert (e.grad, a.grad, b.grad) == (1.0, -3.0, 2.0)


@pytest.mark.parametrize("make, inputs", [
    (lambda x, y: x + y, 2), (lambda x, y: x - y, 2), (lambda x, y: x * y, 2), (lambda x, y: x / y, 2),
    (lambda x, y: x ** y, 2), (lambda x: x ** (1 / 3), 1), (lambda x: x ** Fraction(3, 2), 1),
    (lambda x: -x, 1), (lambda x: x.relu(), 1), (lambda x: x.tanh(), 1), (lambda x: x.sigmoid(), 1),
    (lambda x: x.exp(), 1), (lambda x: x.log(), 1), (lambda x: x.sin(), 1), (lambda x: x.cos(), 1),
])
def test_rebuild_applies_the_same_op_exactly(make, inputs):
    old = [Value(1.7), Value(0.6)][:inputs]
    new = [Value(3.0), Value(1.3)][:inputs]
    node = make(*old)
    node.label = "n"
    again = node.rebuild(*new)
    want = make(*new)
    assert (again.data, again.op, again.local_grads, again.inputs, again.label) == \
        (want.data, want.op, want.local_grads, tuple(new), "n")


def test_rebuild_refuses_hand_made_nodes_and_wrong_counts():
    x = Value(2.0)
    with pytest.raises(TypeError, match="takes 2 inputs, rebuild.. got 1"):
        (x * x).rebuild(x)
    out = Value(math.exp(x.data), (x,), "exp")
    out._backward = lambda: None
    with pytest.raises(TypeError, match="hand-written _backward"):
        out.rebuild(x)
    with pytest.raises(TypeError, match="'3x' node: the engine does not know this op"):
        Value(6.0, (x,), "3x", (3.0,)).rebuild(x)
    assert Value(4.0, label="w").rebuild().data == 4.0


# ---- micrograd's way, unchanged ----

def test_micrograd_style_extension_op_mixes_with_built_in_ops():
    """Lesson 3's recipe: make the node, assign its _backward closure, call backward()."""
    def exp(x):
        out = Value(math.exp(x.data), (x,), "exp")

        def _backward():
            x.grad += out.data * out.grad
        out._backward = _backward
        return out

    def f(a, b):
        return (exp(a * b) + a.tanh()) * b

    a, b = Value(0.3), Value(-1.2)
    L = f(a, b)
    L.backward()
    assert L.inputs[0].inputs[0].op == "exp" and L.inputs[0].inputs[0].local_grads is None
    for i, leaf in enumerate((a, b)):
        assert_close(leaf.grad, central_diff(f, [0.3, -1.2], i), rel=1e-7, what=f"input {i}")
    value, grads = torch_grads(lambda a, b: ((a * b).exp() + a.tanh()) * b, 0.3, -1.2)
    assert_close(L.data, value, rel=1e-12)
    assert_close(a.grad, grads[0], rel=1e-12, what="d/da vs torch")
    assert_close(b.grad, grads[1], rel=1e-12, what="d/db vs torch")


def test_micrograd_style_op_with_three_inputs():
    a, b, c = Value(2.0), Value(3.0), Value(4.0)
    out = Value(a.data * b.data * c.data, (a, b, c), "prod3")

    def _backward():
        a.grad += b.data * c.data * out.grad
        b.grad += a.data * c.data * out.grad
        c.grad += a.data * b.data * out.grad
    out._backward = _backward
    (out * 2).backward()
    assert out.inputs == (a, b, c) and (a.grad, b.grad, c.grad) == (24.0, 16.0, 12.0)
    assert topological_order(out)[:3] == [a, b, c]


def test_micrograd_sanity_check_against_torch(needs_torch):
    """micrograd's test_sanity_check, restated: the same expression in torch float64."""
    def f(x):
        z = 2 * x + 2 + x
        q = z.relu() + z * x
        h = (z * z).relu()
        return h + q + q * x

    x = Value(-4.0)
    y = f(x)
    y.backward()
    value, (grad,) = torch_grads(f, -4.0)
    assert (y.data, x.grad) == (value, grad)


def test_micrograd_more_ops_against_torch(needs_torch):
    """micrograd's test_more_ops, restated (its += lines written as plain sums, as its torch half does)."""
    def f(a, b):
        c = a + b
        d = a * b + b**3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
        e = c - d
        f = e**2
        g = f / 2.0
        return g + 10.0 / f

    a, b = Value(-4.0), Value(2.0)
    g = f(a, b)
    g.backward()
    value, grads = torch_grads(f, -4.0, 2.0)
    assert abs(g.data - value) < 1e-6 and abs(a.grad - grads[0]) < 1e-6 and abs(b.grad - grads[1]) < 1e-6
    assert round(g.data, 4) == 24.7041 and (round(a.grad, 4), round(b.grad, 4)) == (138.8338, 645.5773)


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
    order = topological_order(y)
    pos = {id(n): i for i, n in enumerate(order)}
    assert len(order) == len(set(map(id, order))) == 7
    assert all(pos[id(c)] < pos[id(n)] for n in order for c in n.inputs)
    assert order[:4] == [a, b, s, p] and order[-1] is y  # inputs in argument order, depth first
    assert [n.op for n in order] == ["", "", "+", "*", "+", "*", "+"] and order == topological_order(y)


def test_topological_order_is_linear_on_a_wide_sum():
    leaves = [Value(float(i)) for i in range(20_000)]
    total = sum(leaves)
    order = topological_order(total)
    assert len(order) == 2 * 20_000 + 1 and order[-1] is total  # 0 + x0, then + x1, ...


def test_backward_twice_doubles_leaf_grads_only():
    a, b = Value(2.0), Value(-3.0)
    m = a * b + 1
    L = (m.tanh() * a).exp()
    L.backward()
    first = [a.grad, b.grad, m.grad, L.grad]
    L.backward()
    assert [a.grad, b.grad] == pytest.approx([2 * g for g in first[:2]], rel=1e-12)
    assert [m.grad, L.grad] == first[2:] and L.grad == 1.0  # non-leaves: this pass's derivative


def test_a_leaf_root_accumulates_too():
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


@pytest.mark.slow
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


@pytest.mark.parametrize("bad", ["3", None, [1.0], 1j, Value(2.0)])
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


def test_pow_and_division_errors_are_clear():
    with pytest.raises(ZeroDivisionError, match=r"Value\(1\) / Value\(0\) divides by zero.*denominator"):
        Value(1.0) / 0
    with pytest.raises(ValueError, match=r"Value\(-8\) \*\* 0.5 .*negative base"):
        Value(-8.0) ** 0.5
    with pytest.raises(OverflowError, match=r"Value\(10\) \*\* 400 is too large"):
        Value(10.0) ** 400
    with pytest.raises(ZeroDivisionError, match=r"Value\(0\) \*\* Value\(-1\)"):
        Value(0.0) ** Value(-1.0)
    with pytest.raises(TypeError, match=r"Value\(2\) \*\* '2': .*str '2'"):
        Value(2.0) ** "2"


# ---- issue 10's edges, each a regression test ----

def test_tiny_over_tiny_is_one():
    a, b = Value(1e-300), Value(1e-300)
    q = a / b
    q.backward()
    assert q.data == 1.0 and (a.grad, b.grad) == (1 / 1e-300, -1 / 1e-300)


@pytest.mark.parametrize("make, value, grads", [
    (lambda x: x ** 0, 1.0, [0.0]),
    (lambda x: x ** 0.5, 0.0, [math.inf]),
    (lambda x: x ** 2, 0.0, [0.0]),
    (lambda x, y: x ** y, 1.0, [0.0, 0.0]),           # Value(0) ** Value(0)
    (lambda y: 0.0 ** y, 0.0, [0.0]),                  # 0.0 ** Value(0.5) below
])
def test_powers_at_zero_follow_pytorch(make, value, grads):
    xs = [Value(0.0)] if make.__code__.co_argcount == 1 else [Value(0.0), Value(0.0)]
    if make.__code__.co_varnames[0] == "y":
        xs = [Value(0.5)]
    out = make(*xs)
    out.backward()
    assert out.data == value and [x.grad for x in xs] == grads


def test_relu_passes_nan_on_like_pytorch():
    x = Value(math.nan)
    y = x.relu()
    y.backward()
    assert math.isnan(y.data) and x.grad == 1.0  # torch: relu(nan) = nan, gradient 1
    assert Value(0.0).relu().local_grads == (0.0,) and Value(-0.0).relu().data == 0.0


@pytest.mark.parametrize("exponent", [Fraction(1, 2), np.float64(0.5), np.float32(0.5), 0.5, Fraction(3, 1)])
def test_any_real_exponent(exponent):
    x = Value(2.0)
    y = x ** exponent
    y.backward()
    assert_close(y.data, 2.0 ** float(exponent), rel=1e-15)
    assert_close(x.grad, float(exponent) * 2.0 ** (float(exponent) - 1), rel=1e-15)


def test_nan_exponent_gives_nan_not_a_bare_error():
    assert math.isnan((Value(2.0) ** math.nan).data) and math.isnan((Value(-8.0) ** math.nan).data)


OPERATORS = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
             lambda a, b: a ** b]


@pytest.mark.parametrize("op", OPERATORS, ids=["+", "-", "*", "/", "**"])
def test_bool_is_the_number_0_or_1_for_every_operator(op):
    """bool is accepted everywhere, as Python, NumPy and PyTorch do: True is 1, False is 0."""
    assert op(Value(2.0), True).data == op(Value(2.0), 1).data == op(2.0, 1.0)
    assert op(True, Value(2.0)).data == op(1.0, 2.0)
    assert Value(True).data == 1.0 and Value(False).data == 0.0


@pytest.mark.parametrize("make, words", [
    (lambda: Value(2) - 1j, r"Value\(2\) - 1j: .*not complex"),
    (lambda: 1j - Value(2), r"1j - Value\(2\): .*not complex"),
    (lambda: Value(2) * "x", r"Value\(2\) \* 'x'"),
    (lambda: Value(2) + None, r"Value\(2\) \+ None"),
    (lambda: Value(2) ** 1j, r"Value\(2\) \*\* 1j"),
])
def test_errors_name_the_op_and_the_values(make, words):
    with pytest.raises((TypeError, ValueError), match=words):
        make()


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
        if any(abs(n.inputs[0].data) < 1e-5 for n in topological_order(out) if n.op == "relu"):
            continue
        assert abs(leaf.grad - num) <= 1e-5 * max(1.0, abs(leaf.grad), abs(num)), (tree, i, leaf.grad, num)


# ---- edge values against PyTorch float64 ----

EDGES = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e300, -1e300, 1e-300, -1e-300,
         5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, 1.0, -1.0, 0.5, -2.5, 3.0, 2.0, 800.0, -800.0]
UNARY_OPS = {  # each runs unchanged on a Value and on a torch tensor
    "neg": lambda a: -a, "relu": lambda a: a.relu(), "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(), "exp": lambda a: a.exp(), "log": lambda a: a.log(),
    "sin": lambda a: a.sin(), "cos": lambda a: a.cos(),
}
BINARY_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b, "**": lambda a, b: a ** b}
EXPONENTS = [0, 0.5, 2, 3, -1, -0.5, 1 / 3, math.inf, -math.inf, math.nan, 1e300, -2]
COMPARED = {"values": 0, "grads": 0}


def _same(ours, theirs):
    """Equal up to a couple of rounding steps (or within a few subnormal steps of each other)."""
    return ours == theirs or abs(ours - theirs) <= max(1e-12 * max(abs(ours), abs(theirs)), 1e-320)


def _compare_with_torch(f, xs, what):
    """Where torch's value is finite, ours must match (and not raise); so must every finite torch grad."""
    value, grads = torch_grads(f, *xs)
    leaves = [Value(x) for x in xs]
    try:
        out = f(*leaves)
        out.backward()
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        assert not math.isfinite(value), f"{what}: torch gives {value}, the engine raised {err!r}"
        return
    if math.isfinite(value):
        COMPARED["values"] += 1
        assert _same(out.data, value), f"{what}: value {out.data!r}, torch {value!r}"
    for i, (leaf, g) in enumerate(zip(leaves, grads)):
        if math.isfinite(g):
            COMPARED["grads"] += 1
            assert _same(leaf.grad, g), f"{what}: d/dx{i} {leaf.grad!r}, torch {g!r}"


@pytest.mark.parametrize("name", UNARY_OPS)
def test_unary_ops_at_every_edge_value_match_torch(needs_torch, name):
    f = UNARY_OPS[name]
    before = COMPARED["values"]
    for x in EDGES:
        _compare_with_torch(f, [x], f"{name}({x!r})")
    assert COMPARED["values"] - before >= 10  # most edges have a finite torch value to compare


@pytest.mark.parametrize("name", ["+", "-", "*", "/", "**"])
def test_binary_ops_at_every_pair_of_edge_values_match_torch(needs_torch, name):
    f = BINARY_OPS[name]
    before = COMPARED["grads"]
    for x in EDGES:
        for y in EDGES:
            _compare_with_torch(f, [x, y], f"{x!r} {name} {y!r}")
    assert COMPARED["grads"] - before >= 200


@pytest.mark.parametrize("n", EXPONENTS)
def test_constant_powers_at_every_edge_value_match_torch(needs_torch, n):
    for x in EDGES:
        _compare_with_torch(lambda a: a ** n, [x], f"{x!r} ** {n!r}")


edge_or_ordinary = st.one_of(st.sampled_from(EDGES), st.floats(-5, 5),
                             st.floats(allow_nan=True, allow_infinity=True))


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(sorted({**UNARY_OPS, **BINARY_OPS})), edge_or_ordinary, edge_or_ordinary)
def test_random_edge_cases_match_torch(name, x, y):
    f = {**UNARY_OPS, **BINARY_OPS}[name]
    args = [x, y][:f.__code__.co_argcount]
    _compare_with_torch(f, args, f"{name}{tuple(args)}")


# ---- deep graphs: copies and pickles work at any depth ----

def _chain(n):
    x, c = Value(0.5, label="x"), Value(1.0000001, label="c")
    y = x
    for _ in range(n):
        y = y * c
    return x, c, y


@pytest.mark.parametrize("copier", [lambda obj: pickle.loads(pickle.dumps(obj)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_copies_keep_the_graph_and_its_shared_nodes(copier):
    x, c, y = _chain(3)
    L = y + x
    x2, L2 = copier([x, L])
    order = topological_order(L2)
    assert [n.op for n in order] == [n.op for n in topological_order(L)] and order[0] is x2
    assert x2 is not x and [n.label for n in order if not n.inputs] == ["x", "c"]
    L2.backward()
    L.backward()
    assert (x2.grad, L2.data) == (x.grad, L.data)


@pytest.mark.slow
@pytest.mark.parametrize("copier", [lambda obj: pickle.loads(pickle.dumps(obj)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_copies_of_a_100_000_node_chain(copier):
    x, c, y = _chain(100_000)
    assert sys.getrecursionlimit() < 100_000
    y2 = copier(y)
    assert y2.data == y.data and y2 is not y
    y2.backward()
    leaf = topological_order(y2)[0]
    assert leaf.label == "x" and leaf.grad == pytest.approx(1.0000001 ** 100_000, rel=1e-9)


def test_hand_made_nodes_refuse_to_be_copied_clearly():
    x = Value(1.0)
    out = Value(math.exp(1.0), (x,), "exp")
    out._backward = lambda: None
    for copier in (pickle.dumps, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot copy or pickle the 'exp' node"):
            copier(out * 2)
    assert pickle.loads(pickle.dumps(_chain(2000)[2])).data > 0  # a failed pickle leaves no trace


def test_shallow_copy_shares_the_inputs():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = copy.copy(c)
    assert d is not c and d.inputs == (a, b) and d.local_grads == c.local_grads


# ---- the package's import: light, lazy, and each public name is what it says ----

def test_lazy_table_names_resolve_and_never_shadow_a_module():
    code = (
        "import backprop_lab as bl, importlib\n"
        "bad = [n for n in bl._WHERE if n in bl._LAZY or n.split('.')[0] in bl._LAZY]\n"
        "assert not bad, bad\n"
        "assert not any(m in bl._LAZY for m in ('neuron', 'training', 'depth')), 'deleted modules listed'\n"
        "for path in bl._LAZY: importlib.import_module('backprop_lab.' + path)\n"
        "missing = [n for n, m in bl._WHERE.items() if not hasattr(importlib.import_module('backprop_lab.' + m), n)]\n"
        "assert not missing, missing\n"
        "print(bl.__version__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0.1.0"


# ---- issue 19's edges, each a regression test ----

@pytest.mark.parametrize("make", [
    lambda x: x.relu() ** 0.5,                      # relu's 0 under an infinite upstream
    lambda x: (x * 0 + 1).relu() * 0 + x.relu() ** 0.5,
])
def test_a_zero_local_derivative_passes_back_zero_from_an_infinite_upstream(make):
    x = Value(-1.0)
    make(x).backward()
    assert x.grad == 0.0  # torch: 0.0, not nan


@pytest.mark.parametrize("make, args", [
    (lambda x: (x ** 0 - 1) ** 0.5, [0.0]),           # x ** 0 under an infinite upstream
    (lambda x: (x ** 0 - 1) ** 0.5, [3.0]),
    (lambda x, y: (x ** y - 1) ** 0.5, [2.0, 0.0]),   # a ** b at b = 0
])
def test_a_zero_exponent_passes_back_zero_like_pytorch(needs_torch, make, args):
    leaves = [Value(a) for a in args]
    make(*leaves).backward()
    _, grads = torch_grads(make, *args)
    assert [v.grad for v in leaves] == grads and grads[0] == 0.0


def test_division_and_log_pass_back_upstream_over_x():
    a, b = Value(1e-310), Value(1.0)
    (a.log() * 1e-10).backward()
    assert_close(a.grad, 1e-10 / 1e-310, rel=1e-12, what="log of a subnormal")  # torch: 1e300, not inf
    x, t = Value(1.0), Value(5e-300)
    ((x / t) * 1e-300).backward()
    assert_close(x.grad, 1e-300 / 5e-300, rel=1e-12) and assert_close(t.grad, -1e-300 / 5e-300 / 5e-300, rel=1e-12)
    assert b.grad == 0.0


def test_pickle_recovers_after_an_interrupted_pickle():
    x, c, y = _chain(3000)
    middle = topological_order(y)[1500]
    middle.label = lambda: None  # cannot be pickled
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(y)
    middle.label = "m"
    inner = topological_order(y)[2000]
    again = pickle.loads(pickle.dumps(inner))
    assert again.data == inner.data


def test_pickle_recovers_after_a_keyboard_interrupt():
    x, c, y = _chain(3000)
    calls = {"n": 0}

    class Interrupting:
        def __reduce__(self):
            calls["n"] += 1
            raise KeyboardInterrupt

    topological_order(y)[1000].label = Interrupting()
    with pytest.raises(KeyboardInterrupt):
        pickle.dumps(y)
    topological_order(y)[1000].label = ""
    assert calls["n"] == 1 and pickle.loads(pickle.dumps(topological_order(y)[2500])).data > 0


NUMPY_NUMBERS = [np.float64(2.0), np.float32(2.0), np.int64(2), np.array(2.0), np.array(2), np.True_]


@pytest.mark.parametrize("op", OPERATORS, ids=["+", "-", "*", "/", "**"])
@pytest.mark.parametrize("n", NUMPY_NUMBERS, ids=lambda n: f"{type(n).__name__}({n})")
def test_numpy_scalars_and_0d_arrays_work_on_either_side(op, n):
    plain = n.item()
    right, left = op(Value(3.0), n), op(n, Value(3.0))
    assert isinstance(right, Value) and isinstance(left, Value)
    assert (right.data, left.data) == (op(3.0, float(plain)), op(float(plain), 3.0))


@pytest.mark.parametrize("op", OPERATORS, ids=["+", "-", "*", "/", "**"])
def test_numpy_arrays_are_refused_on_both_sides_with_one_message(op):
    arr = np.array([1.0, 2.0])
    with pytest.raises(TypeError) as right:
        op(Value(3.0), arr)
    with pytest.raises(TypeError) as left:
        op(arr, Value(3.0))
    for err in (right, left):
        assert "a Value holds one number" in str(err.value) and "np.vectorize(Value)" in str(err.value)


def test_huge_ints_get_the_engines_own_message():
    with pytest.raises(OverflowError, match=r"Value\(\): 1000.* is too large for a float"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"too large for a float"):
        Value(2.0) * 10**400


def test_a_micrograd_node_without_backward_is_a_constant():
    x = Value(2.0)
    out = Value(math.exp(2.0), (x,), "exp")  # no _backward assigned: micrograd's default does nothing
    y = out * x
    y.backward()
    assert x.grad == out.data and out.inputs == (x,) and out.local_grads is None


@pytest.mark.parametrize("make, error, words", [
    (lambda: Value(1e200) * Value(1e200), OverflowError, r"Value\(1e\+200\) \* Value\(1e\+200\) is too large"),
    (lambda: Value(1e308) + 1e308, OverflowError, r"Value\(1e\+308\) \+ Value\(1e\+308\) is too large"),
    (lambda: Value(-1e308) - 1e308, OverflowError, r"is too large"),
    (lambda: Value(1e300) / 1e-300, OverflowError, r"Value\(1e\+300\) / Value\(1e-300\) is too large"),
    (lambda: Value(1000.0).exp(), OverflowError, r"exp\(1000\) is too large"),
    (lambda: Value(10.0) ** 400, OverflowError, r"Value\(10\) \*\* 400 is too large"),
    (lambda: Value(1.0) / 0, ZeroDivisionError, r"Value\(1\) / Value\(0\) divides by zero"),
    (lambda: Value(0.0).log(), ValueError, r"log\(0\) is undefined"),
])
def test_finite_inputs_never_give_inf_or_nan_silently(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize("make, check", [
    (lambda: Value(math.inf) - math.inf, math.isnan),
    (lambda: Value(math.inf) * 0, math.isnan),
    (lambda: Value(math.inf).sin(), math.isnan),
    (lambda: 1 / Value(math.inf), lambda v: v == 0.0),
    (lambda: Value(math.inf).exp(), lambda v: v == math.inf),
    (lambda: Value(-math.inf).log(), math.isnan),
    (lambda: Value(math.nan) + 1, math.isnan),
    (lambda: Value(2.0) ** math.inf, lambda v: v == math.inf),
])
def test_an_inf_or_nan_put_in_flows_through_as_in_pytorch(make, check):
    assert check(make().data)
