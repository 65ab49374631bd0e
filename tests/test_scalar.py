"""notebooks/scalar.py, the learner's lesson-3 engine that lessons 4-7 import: every op against finite
differences and PyTorch, deep graphs without recursion, and Value's rule for a second backward()."""

import sys
from pathlib import Path

import pytest

from helpers import assert_close, torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))
from scalar import Scalar  # noqa: E402

EXPRESSIONS = {
    "add/mul/radd/rmul": (lambda a, b: 2 * a * b + 3 + a, (0.7, -1.3)),
    "sub/rsub/neg": (lambda a, b: 1 - a - b - (-a * b), (0.7, -1.3)),
    "div/rtruediv": (lambda a, b: a / b + 2 / (a * b), (0.7, -1.3)),
    "pow": (lambda a, b: a**3 + (b * b) ** 0.5 + a**-2, (0.7, -1.3)),
    "tanh": (lambda a, b: (a * b).tanh() * a, (0.7, -1.3)),
    "exp": (lambda a, b: (a - b).exp() + a.exp() * b, (0.7, -1.3)),
    "sigmoid": (lambda a, b: (a * b).sigmoid() + a.sigmoid(), (0.7, -1.3)),
    "relu": (lambda a, b: (a * b).relu() + a.relu() * 3 + (-b * a).relu(), (0.7, -1.3)),
}


def grads(fn, xs):
    leaves = [Scalar(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_each_op_matches_finite_differences(name):
    fn, xs = EXPRESSIONS[name]
    _, got = grads(fn, xs)
    for i in range(len(xs)):
        up = [x + 1e-6 if j == i else x for j, x in enumerate(xs)]
        down = [x - 1e-6 if j == i else x for j, x in enumerate(xs)]
        numeric = (fn(*map(Scalar, up)).data - fn(*map(Scalar, down)).data) / 2e-6
        assert_close(got[i], numeric, rel=1e-6, abs_=1e-7, what=f"{name} d/dx{i}")


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_each_op_matches_torch(name, needs_torch):
    fn, xs = EXPRESSIONS[name]
    data, got = grads(fn, xs)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward()
    assert_close(data, out.item(), rel=1e-12, abs_=1e-12, what="forward")
    for g, t in zip(got, ts):
        assert_close(g, t.grad.item(), rel=1e-10, abs_=1e-12, what=name)


def test_a_deep_chain_needs_no_recursion():
    x = Scalar(1.0)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_a_second_backward_doubles_the_leaves_and_recomputes_inner_nodes():
    a, b, c, f = Scalar(2.0), Scalar(-3.0), Scalar(10.0), Scalar(-2.0)
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    first = [n.grad for n in (a, b, c, f, e, d)]
    L.backward()
    assert [n.grad for n in (a, b, c, f)] == [2 * g for g in first[:4]] == [12.0, -8.0, -4.0, 8.0]
    assert [e.grad, d.grad] == first[4:] == [-2.0, -2.0]


def test_a_value_used_twice_gets_both_shares_and_order_is_argument_order():
    x = Scalar(3.0)
    y = x * x + x
    y.backward()
    assert x.grad == 7.0


def test_a_scalar_exponent_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="plain number"):
        Scalar(2.0) ** Scalar(3.0)


def test_topological_order_puts_every_node_after_its_inputs_in_argument_order():
    from scalar import topological_order
    a, b = Scalar(2.0, label="a"), Scalar(3.0, label="b")
    s, p = a + b, a * b
    y = (s + p) + s * p
    order = topological_order(y)
    assert len(order) == len(set(map(id, order))) == 7
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(c)] < position[id(n)] for n in order for c in n._prev)
    assert order[:2] == [a, b] and order[-1] is y
