"""check_backward (lesson 3): a right _backward passes on every graph; each named slip is recognised
(including an op that forgets to record its input, seen only when the op sits on a computed value);
a failing mark never prints the right gradient; an op the checker does not know is the caller's error."""

import math
import sys
from pathlib import Path

import pytest

from backprop_lab import check_backward
from backprop_lab.exercises import Verdict
from backprop_lab.gradcheck import numerical_grad


def texts(verdict):
    return "\n".join([m.text for m in verdict.marks] + [verdict.hint])


def failing(verdict):
    return [m.text for m in verdict.marks if not m.ok]


class Scalar:
    """The first engine of lesson 3: closures, += everywhere, a recursive topological sort."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad = float(data), 0.0
        self._prev, self._op = tuple(_children), _op
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


# How each kind of answer computes the input's new grad from (current grad, local, upstream).
ANSWERS = {
    "right": lambda g, local, up: g + local * up,
    "assign": lambda g, local, up: local * up,          # = instead of +=
    "no_upstream": lambda g, local, up: g + local,      # forgot out.grad
    "sign": lambda g, local, up: g - local * up,
    "off": lambda g, local, up: g + 1.1 * local * up,   # a wrong local derivative
}


def unary(op, forward, local_of, kind, record=True):
    """A class with a learner's `op` method written the `kind` way (record=False: `_prev` left empty)."""
    rule = ANSWERS[kind]

    def method(self):
        y = forward(self.data)
        out = Scalar(y, (self,) if record else (), op)

        def _backward():
            self.grad = rule(self.grad, local_of(self.data, y), out.grad)
        out._backward = _backward
        return out
    return type("Learner", (Scalar,), {op: method})


def division(kind_a="right", kind_b="right"):
    """A class with a learner's a / b, each input's line written its own way."""
    def __truediv__(self, other):
        out = Scalar(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad = ANSWERS[kind_a](self.grad, 1 / other.data, out.grad)
            other.grad = ANSWERS[kind_b](other.grad, -self.data / other.data**2, out.grad)
        out._backward = _backward
        return out
    return type("Learner", (Scalar,), {"__truediv__": __truediv__})


def exp_class(kind, record=True):
    return unary("exp", math.exp, lambda x, y: y, kind, record)


def sigmoid_class(kind):
    return unary("sigmoid", lambda x: 1 / (1 + math.exp(-x)), lambda x, y: y * (1 - y), kind)


def tanh_class(kind):
    return unary("tanh", math.tanh, lambda x, y: 1 - y * y, kind)


GRAPHS = 5  # used once, re-used, mixed with its input, diamond, on a computed input


@pytest.mark.parametrize("op, cls", [("exp", exp_class("right")), ("sigmoid", sigmoid_class("right")),
                                     ("tanh", tanh_class("right")), ("div", division())])
def test_right_backward_passes(op, cls):
    v = check_backward(cls, op)
    assert v.ok, str(v)
    assert sum("matches finite differences" in m.text for m in v.marks) == GRAPHS * (2 if op == "div" else 1)


def test_the_lessons_scalar_passes_every_op():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))
    from scalar import Scalar as LessonScalar
    for op in ("tanh", "exp", "sigmoid", "div"):
        assert check_backward(LessonScalar, op), op


def test_an_exp_that_forgets_its_input_fails_on_a_computed_input():
    """On a leaf the closure still reaches x; on 0.5·x backward() never reaches the product."""
    v = check_backward(exp_class("right", record=False), "exp")
    bad = failing(v)
    assert len(bad) == 1 and bad[0].startswith("on a computed input, L = exp(0.5·x)")
    assert "_children" in bad[0] and "no gradient reached it" in bad[0]


@pytest.mark.parametrize("make, op", [(exp_class, "exp"), (sigmoid_class, "sigmoid")])
def test_assign_instead_of_accumulate_is_recognised(make, op):
    bad = failing(check_backward(make("assign"), op))
    assert [t.split(":")[0] for t in bad] == [f"re-used, L = {op}(x) + {op}(x)",
                                              f"mixed with its input, L = {op}(x)·x"]
    assert "exactly half" in bad[0] and "+=" in bad[0] and "dL/dx" in bad[0]
    assert "one path overwrote the other" in bad[1]


def test_forgotten_upstream_is_recognised():
    bad = failing(check_backward(exp_class("no_upstream"), "exp"))
    assert bad[0].startswith("used once") and "you left out out.grad" in bad[0]
    assert any(t.startswith("on a computed input") and "you left out out.grad" in t for t in bad)


def test_sign_error_is_recognised():
    bad = failing(check_backward(sigmoid_class("sign"), "sigmoid"))
    assert len(bad) == 5
    assert [("wrong sign" in t) for t in bad] == [True, True, False, True, True]  # mixed: one path flips


def test_a_wrong_local_derivative_says_which_way_and_not_the_answer():
    bad = failing(check_backward(exp_class("off"), "exp"))
    right = math.exp(0.7) * -2.5
    assert "too low" in bad[0] and "check the local derivative" in bad[0]
    assert f"{right:.6f}" not in bad[0] and f"{right:.4f}" not in bad[0]


@pytest.mark.parametrize("kind", ["assign", "no_upstream", "sign", "off"])
def test_no_failing_mark_prints_the_right_gradient(kind):
    right = {"used once": lambda x: math.exp(x) * -2.5, "re-used": lambda x: 2 * math.exp(x),
             "mixed": lambda x: math.exp(x) * x, "diamond": lambda x: 2 * math.exp(x) * (math.exp(x) + 1),
             "on a computed input": lambda x: math.exp(0.5 * x) * -2.5}
    bad = failing(check_backward(exp_class(kind), "exp"))
    assert bad
    for text in bad:
        graph = next(name for name in right if text.startswith(name))
        r = numerical_grad(right[graph], 0.7)[0]
        theirs = text.split("dL/dx = ", 1)[1].split(" ", 1)[0]
        said = text.replace(theirs, "")  # everything but the learner's own number
        assert f"{abs(r):.6f}" not in said and f"{abs(r):.4f}" not in said, text


def test_the_wrong_input_of_division_is_named():
    v = check_backward(division(kind_b="sign"), "div")
    bad = failing(v)
    assert len(bad) == GRAPHS and all("dL/db" in t and "dL/da" not in t for t in bad)
    assert sum("dL/da" in m.text for m in v.marks if m.ok) == GRAPHS


def test_division_with_assign_on_one_input():
    bad = failing(check_backward(division(kind_a="assign"), "div"))
    assert any("dL/da" in t and "exactly half" in t for t in bad)
    assert not any("dL/db" in t for t in bad)


def test_a_missing_backward_means_no_gradient_reached():
    class NoBackward(Scalar):
        def exp(self):
            return Scalar(math.exp(self.data), (self,), "exp")  # _backward never set
    bad = failing(check_backward(NoBackward, "exp"))
    assert len(bad) == GRAPHS
    assert [("no gradient reached it" in t) for t in bad] == [True, True, False, True, True]
    assert "only the direct path reached it" in bad[2]  # L = exp(x)·x: the ·x path still works


def test_a_wrong_forward_is_reported_without_the_right_value():
    class WrongForward(Scalar):
        def exp(self):
            return Scalar(self.data, (self,), "exp")
    bad = failing(check_backward(WrongForward, "exp"))
    assert bad[0].startswith("forward: exp(x) = 0.700000") and "check the forward formula" in bad[0]
    assert "2.013753" not in bad[0]


def test_an_unwritten_stub_says_so_and_gives_no_hint():
    class Stub(Scalar):
        def exp(self):
            out = Scalar(math.exp(self.data), (self,), "exp")

            def _backward():
                raise NotImplementedError("write this line")
            out._backward = _backward
            return out
    v = check_backward(Stub, "exp")
    assert not v.ok and len(v.marks) == 1 and "not written yet" in v.marks[0].text
    assert "hint" not in str(v)


@pytest.mark.parametrize("cls", [Scalar, object, 3])
def test_broken_or_missing_code_gives_a_failing_verdict(cls):
    v = check_backward(cls, "sigmoid")  # Scalar has no sigmoid; object and 3 are not classes of numbers
    assert isinstance(v, Verdict) and not v.ok and "your code raised" in texts(v)


def test_a_backward_that_raises_is_reported_per_graph():
    class Raises(Scalar):
        def exp(self):
            out = Scalar(math.exp(self.data), (self,), "exp")

            def _backward():
                raise KeyError("oops")
            out._backward = _backward
            return out
    bad = failing(check_backward(Raises, "exp"))
    assert len(bad) == GRAPHS and all("raised KeyError" in t for t in bad)


@pytest.mark.parametrize("op", ["relu", "softmax"])
def test_an_op_the_checker_does_not_know_is_the_checkers_limit_not_the_learners_bug(op):
    with pytest.raises(ValueError) as info:
        check_backward(tanh_class("right"), op)
    message = str(info.value)
    assert f"has no check for an op called {op!r}" in message
    assert "'tanh', 'exp', 'sigmoid', 'div'" in message and "your code" not in message
