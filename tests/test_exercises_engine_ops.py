"""Lesson 3's checkers: check_backward(cls, op) for each op's _backward, check_topological_order, and
check_backward(cls) for backward().

A right answer passes; every known slip is named, and only that slip (the constants are chosen so that no two
slips give the same numbers, on any graph); a blank says which exercise is not written; a forgotten
`return out` says so; no failing mark prints the right gradient; an op check needs nothing else the learner
writes (not backward(), not the other ops)."""

import math
import re
import sys

import pytest

from backprop_lab import Value, check_backward, check_topological_order
from backprop_lab.exercises import Verdict
from backprop_lab.exercises.core import NOT_WRITTEN
from backprop_lab.exercises.engine_ops import BACKWARD_SLIPS, GRAPHS, OPS, SLIPS, Slip, slip_grads
from lesson3_engine import solved_engine


def failing(verdict):
    return [m.text for m in verdict.marks if not m.ok]


class Scalar:
    """Only what lesson 3 gives the learner before the exercises: the constructor. No ops, no backward()."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data, self.grad = float(data), 0.0
        self._prev, self._op, self.label = tuple(_children), _op, label
        self._backward = lambda: None


def learner_class(op, slip=None, **methods):
    """A class whose `op` is written as a learner would, with `slip` (a Slip; None: right)."""
    spec, slip = OPS[op], slip or Slip("right", "")

    def method(self, *rest):
        nodes = [self] + [r for r in rest if isinstance(r, Scalar)]
        c = rest[-1] if rest and not isinstance(rest[-1], Scalar) else None
        xs = [n.data for n in nodes]
        y = spec.forward(*xs, c)
        local = (slip.local or spec.local)(xs, y, c)
        out = Scalar(y, nodes if slip.record else (), op)

        def _backward():
            for n, d in zip(nodes, local):
                if slip.update == "=":
                    n.grad = d * out.grad
                elif slip.update == "no upstream":
                    n.grad += d
                elif slip.update == "-=":
                    n.grad -= d * out.grad
                else:
                    n.grad += d * out.grad
        if slip.attached:
            out._backward = _backward
        return out
    return type("Scalar", (Scalar,), {spec.method: method, **methods})


ALL_SLIPS = [(op, slip) for op in OPS for slip in [*SLIPS, *OPS[op].slips]]


@pytest.mark.parametrize("op", OPS)
def test_a_right_backward_passes_on_every_graph(op):
    v = check_backward(learner_class(op), op)
    assert v.ok, str(v)
    assert len(v.marks) == len(GRAPHS) * len(OPS[op].cases)


@pytest.mark.parametrize("op", ["mul", "pow", "tanh", "exp", "relu", "sigmoid"])
def test_the_lessons_scalar_and_value_pass(op):
    assert check_backward(solved_engine()["Scalar"], op), op
    assert check_backward(Value, op), op


@pytest.mark.parametrize("op, slip", ALL_SLIPS, ids=[f"{op}-{slip.key}" for op, slip in ALL_SLIPS])
def test_each_slip_is_named_and_no_other(op, slip):
    """Defect 3b: a missing square was called a missing out.grad. Now every slip gives its own numbers."""
    v = check_backward(learner_class(op, slip), op)
    bad = failing(v)
    assert bad, f"{slip.key} passed"
    assert bad[-1] == f"the likely slip: {slip.text}", str(v)
    others = [s.text for s in [*SLIPS, *OPS[op].slips] if s.key != slip.key]
    assert not any(text in t for t in bad for text in others), str(v)


@pytest.mark.parametrize("op", OPS)
def test_no_two_slips_give_the_same_numbers(op):
    """The constants: on the graphs taken together, each slip's gradients differ from every other's and the right."""
    table = slip_grads(op)
    flat = {key: [x for case in grads for graph in case for x in graph] for key, grads in table.items()}
    for a in flat:
        for b in flat:
            if a < b:
                assert any(abs(x - y) > 1e-6 * max(1, abs(x)) for x, y in zip(flat[a], flat[b])), (op, a, b)


def test_only_the_wrong_input_of_a_two_input_op_is_faulted():
    class Half(Scalar):
        def __mul__(self, other):
            out = Scalar(self.data * other.data, (self, other))

            def _backward():
                self.grad += other.data * out.grad
                other.grad = self.data * out.grad  # = instead of += on b only
            out._backward = _backward
            return out
    bad = failing(check_backward(Half, "mul"))
    assert bad and all("dL/da = " in t and re.search(r"dL/da = \S+ is right", t) for t in bad[:-1])
    assert "= instead of +=" in bad[-1]


def test_a_forgotten_return_out_says_so():
    """Defect 3a: this was a bare AttributeError."""
    class NoReturn(Scalar):
        def tanh(self):
            out = Scalar(math.tanh(self.data), (self,), "tanh")

            def _backward():
                self.grad += (1 - out.data**2) * out.grad
            out._backward = _backward
    v = check_backward(NoReturn, "tanh")
    assert failing(v) == ["tanh(x = 0.8) returned None, not a NoReturn: did you forget `return out`?"]


def test_a_blank_names_its_exercise_and_is_not_a_try():
    class Blank(Scalar):
        def exp(self):
            out = Scalar(math.exp(self.data), (self,), "exp")

            def _backward():
                raise NotImplementedError("Exercise 3.4: write the backward of exp (the check below gives a hint, "
                                          "and the solution after two tries)")
            out._backward = _backward
            return out
    v = check_backward(Blank, "exp")
    assert failing(v) == [f"{NOT_WRITTEN} (Exercise 3.4: write the backward of exp)"]


def test_an_op_check_needs_no_backward_and_no_other_op():
    """The check's own nodes and backward pass: a blank mul or backward() elsewhere cannot spoil the tanh check."""
    def blank(*args):
        raise NotImplementedError("Exercise 3.7: write backward()")
    cls = learner_class("tanh", __mul__=blank, __add__=blank, backward=blank)
    assert check_backward(cls, "tanh").ok


def test_code_that_raises_is_reported_per_graph():
    class Typo(Scalar):
        def exp(self):
            out = Scalar(math.exp(self.data), (self,), "exp")

            def _backward():
                self.grad += out.dat * out.grad
            out._backward = _backward
            return out
    bad = failing(check_backward(Typo, "exp"))
    assert len(bad) == len(GRAPHS) and all("raised AttributeError" in t and "'dat'" in t for t in bad)


@pytest.mark.parametrize("op, slip", ALL_SLIPS, ids=[f"{op}-{slip.key}" for op, slip in ALL_SLIPS])
def test_no_failing_mark_prints_the_right_gradient(op, slip):
    v = check_backward(learner_class(op, slip), op)
    right = [x for case in slip_grads(op)["right"] for graph in case for x in graph]
    for text in failing(v):
        said = re.sub(r"= -?\d+\.\d{6} is", "= … is", text)  # everything but the learner's own numbers
        for r in right:
            assert f"{abs(r):.6f}" not in said and f"{abs(r):.4f}" not in said, text


def test_an_op_the_checker_does_not_know_is_the_callers_error():
    with pytest.raises(ValueError, match="no check for an op called 'log'"):
        check_backward(Scalar, "log")


def test_a_missing_method_says_which_cell_to_run():
    assert failing(check_backward(Scalar, "relu")) == ["Scalar has no relu yet: run the cell that attaches it"]


# ---- the topological order (exercise 3.6) ----

def order_right(root):
    return solved_engine()["topological_order"](root)


def order_recursive(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)
    visit(root)
    return order


def order_no_seen(root):
    order, stack = [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(node._prev))
    return order


def order_reversed(root):
    return order_right(root)[::-1]


def order_parent_first(root):
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            order.append(node)
            stack.extend(node._prev)
    return order[::-1][::-1] if len(order) < 2 else [order[1], order[0], *order[2:]]


def order_no_return(root):
    order_right(root)


def order_leaves_only(root):
    return [n for n in order_right(root) if not n._prev] + [root] if root._prev else [root]


@pytest.mark.parametrize("fn, said", [
    (order_recursive, "RecursionError. Your walk calls itself"),
    (order_no_seen, "times: remember the nodes you have seen"),
    (order_reversed, "the list is reversed: the root must come last"),
    (order_parent_first, "comes before its input"),
    (order_no_return, "did you forget `return order`?"),
    (order_leaves_only, "nodes are missing"),
])
def test_each_ordering_slip_is_named(fn, said):
    v = check_topological_order(fn, Scalar)
    assert not v.ok and any(said in t for t in failing(v)), str(v)


def test_a_right_order_passes_and_the_recursive_one_only_fails_the_deep_chain():
    assert check_topological_order(order_right, Scalar).ok
    bad = failing(check_topological_order(order_recursive, Scalar))
    assert len(bad) == 1 and bad[0].startswith(f"a chain {3 * sys.getrecursionlimit():,} additions deep")


def test_a_blank_order_names_its_exercise():
    def blank(root):
        raise NotImplementedError("Exercise 3.6: write topological_order without recursion (the check below ...)")
    assert failing(check_topological_order(blank, Scalar)) == [
        f"{NOT_WRITTEN} (Exercise 3.6: write topological_order without recursion)"]


# ---- backward() (exercise 3.7) ----

def with_backward(body):
    """A class with the checker-independent constructor and a backward() built from body(order, self)."""
    topo = solved_engine()["topological_order"]

    def backward(self):
        body(topo(self), self)
    return type("Scalar", (Scalar,), {"backward": backward})


def right(order, self):
    for n in order:
        if n._prev:
            n.grad = 0.0
    self.grad = 1.0
    for n in reversed(order):
        n._backward()


def no_seed(order, self):
    for n in reversed(order):
        n._backward()


def forward_order(order, self):
    for n in order:
        if n._prev:
            n.grad = 0.0
    self.grad = 1.0
    for n in order:
        n._backward()


def no_zero(order, self):
    self.grad = 1.0
    for n in reversed(order):
        n._backward()


def zero_leaves(order, self):
    for n in order:
        n.grad = 0.0
    self.grad = 1.0
    for n in reversed(order):
        n._backward()


def test_the_lessons_backward_and_a_right_one_pass():
    assert check_backward(solved_engine()["Scalar"]).ok
    assert check_backward(with_backward(right)).ok
    assert check_backward(Value).ok


@pytest.mark.parametrize("body, key", [(no_seed, "no_seed"), (forward_order, "forward_order"),
                                       (no_zero, "no_zero"), (zero_leaves, "zero_leaves")])
def test_each_backward_slip_is_named(body, key):
    text = dict((k, t) for k, t, _ in BACKWARD_SLIPS)[key]
    v = check_backward(with_backward(body))
    bad = failing(v)
    assert bad and all(text in t for t in bad if not t.startswith("a chain")), str(v)


def test_a_recursive_order_under_backward_fails_only_the_deep_chain():
    namespace = solved_engine()
    namespace["topological_order"] = order_recursive  # what backward() looks up, as in the lesson
    bad = failing(check_backward(namespace["Scalar"]))
    assert len(bad) == 1 and "RecursionError" in bad[0] and "exercise 3.6" in bad[0]


def test_backward_with_its_order_blank_names_the_blank():
    namespace = solved_engine()

    def blank(root):
        raise NotImplementedError("Exercise 3.6: write topological_order without recursion")
    namespace["topological_order"] = blank
    assert failing(check_backward(namespace["Scalar"])) == [
        f"{NOT_WRITTEN} (Exercise 3.6: write topological_order without recursion)"]


def test_a_class_without_backward_says_which_cell_to_run():
    v = check_backward(Scalar)
    assert isinstance(v, Verdict) and failing(v) == ["Scalar has no backward() yet: run the cell that attaches it"]


def test_a_node_used_where_a_number_belongs_is_named():
    """self.grad += other * out.grad makes the grad a Scalar: say so, rather than a float() error."""
    class NodeNotData(Scalar):
        def __mul__(self, other):
            other = other if isinstance(other, Scalar) else Scalar(other)
            out = Scalar(self.data * other.data, (self, other), "*")

            def _backward():
                self.grad += other * out.grad
                other.grad += self.data * out.grad
            out._backward = _backward
            return out

        def __rmul__(self, other):
            return self * other
    bad = failing(check_backward(NodeNotData, "mul"))  # 0.0 += a node: a TypeError, as the class has no __radd__
    assert len(bad) == len(GRAPHS) and all("a grad became a Scalar, not a number" in t for t in bad), bad
    NodeNotData.__radd__ = lambda self, other: self + other if isinstance(other, Scalar) else self
    NodeNotData.__add__ = lambda self, other: self
    bad = failing(check_backward(NodeNotData, "mul"))  # with __radd__ (as lesson 3's Scalar), the grad is a node
    assert len(bad) == len(GRAPHS) and all("a grad became a Scalar, not a number" in t for t in bad), bad


# ---- tanh from pieces (exercise 3.8) ----

def pieces_engine():
    return solved_engine()["Scalar"]


@pytest.mark.parametrize("body, said", [
    (lambda x: ((2 * x).exp() - 1) / ((2 * x).exp() + 1), None),
    (lambda x: (x.exp() - 1) / (x.exp() + 1), "that is tanh(x/2)"),
    (lambda x: ((2 * x).exp() - 1) / (2 * x).exp() + 1, "the brackets"),
    (lambda x: x.tanh() * 1, "it calls tanh()"),
    (lambda x: type(x)((math.exp(2 * x.data) - 1) / (math.exp(2 * x.data) + 1)), "no gradient reached x"),
    (lambda x: None, "did you forget `return`?"),
])
def test_tanh_from_pieces_names_each_slip(body, said):
    from backprop_lab import check_tanh_from_pieces
    v = check_tanh_from_pieces(body, pieces_engine())
    if said is None:
        assert v.ok and len(v.marks) == 3, str(v)
    else:
        assert not v.ok and any(said in t for t in failing(v)), str(v)


def test_tanh_from_pieces_on_a_blank_op_names_that_exercise():
    from backprop_lab import check_tanh_from_pieces
    namespace = solved_engine()
    Scalar_ = namespace["Scalar"]

    def exp(self):
        out = Scalar_(math.exp(self.data), (self,), "exp")

        def _backward():
            raise NotImplementedError("Exercise 3.4: write the backward of exp")
        out._backward = _backward
        return out
    Scalar_.exp = exp
    v = check_tanh_from_pieces(lambda x: ((2 * x).exp() - 1) / ((2 * x).exp() + 1), Scalar_)
    assert failing(v) == [f"{NOT_WRITTEN} (Exercise 3.4: write the backward of exp)"]
    assert check_tanh_from_pieces(lambda x: ((2 * x).exp() - 1) / ((2 * x).exp() + 1), Value).ok


def test_a_blank_shows_no_hint_yet():
    """The hint comes after a failed try; a blank left as it is is not a try."""
    class Blank(Scalar):
        def relu(self):
            raise NotImplementedError("Exercise 3.5: write the backward of relu")
    v = check_backward(Blank, "relu")
    assert not v.ok and v.hint == "" and "hint" not in str(v)


def test_an_endless_walk_is_stopped_with_a_verdict(monkeypatch):
    from backprop_lab.exercises import guard
    monkeypatch.setitem(guard.limits, "seconds", 0.5)

    def forever(root):
        stack = [root]
        while stack:  # never pops: the classic slip
            node = stack[-1]
            stack.extend(node._prev)
    v = check_topological_order(forever, Scalar)
    assert not v.ok and "took longer than 0.5 s" in str(v)
