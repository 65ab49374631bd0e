"""Checkers for lessons 1-3: right answers pass, each kind of wrong answer fails with its own message,
and broken learner code gives a failing verdict instead of an exception."""

import math

import pytest

from backprop_lab import Value
from backprop_lab.exercises import (Verdict, check_backward, check_derivative, check_hand_grads,
                                    hand_graph, matches_reference)


def texts(verdict):
    """Every mark's text, and the hint, as one string to search."""
    return "\n".join([m.text for m in verdict.marks] + [verdict.hint])


def failing(verdict):
    return [m.text for m in verdict.marks if not m.ok]


# ------------------------------------------------------------------ lesson 1: numeric derivative

def forward_diff(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h


def central_diff(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_forward_difference_passes_and_is_named_one_sided():
    v = check_derivative(forward_diff)
    assert isinstance(v, Verdict) and v.ok
    assert "one-sided" in v.marks[-1].text and "shrinks like h " in v.marks[-1].text


def test_central_difference_passes_and_is_named_central():
    v = check_derivative(central_diff, central=True)
    assert v.ok
    assert "central difference: the error shrinks like h²" in v.marks[-1].text


def test_one_sided_fails_when_central_is_required():
    v = check_derivative(forward_diff, central=True)
    assert not v.ok
    assert failing(v) == [v.marks[-1].text]  # every slope is fine; only the order fails
    assert "(f(x+h) - f(x-h)) / 2h" in v.marks[-1].text


@pytest.mark.parametrize("fn, words", [
    (lambda f, x, h=1e-5: (f(x + h) - f(x - 2 * h)) / (2 * h), "1.5× the true slope"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / h, "twice the true slope"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x)) / (2 * h), "half the true slope"),
    (lambda f, x, h=1e-5: (f(x) - f(x + h)) / h, "sign is flipped"),
])
def test_wrong_step_or_divisor_is_named(fn, words):
    v = check_derivative(fn)
    assert not v.ok
    assert words in failing(v)[-1]
    assert "off by" in failing(v)[0]  # and the per-case size of the error


def test_any_other_constant_factor_is_named_with_its_size():
    v = check_derivative(lambda f, x, h=1e-5: 3 * (f(x + h) - f(x - h)) / (2 * h))
    assert "every answer is 3× the true slope" in failing(v)[-1]


def test_each_case_is_reported_separately():
    v = check_derivative(lambda f, x, h=1e-5: 14.0)  # right only at x = 3 of the parabola
    assert v.marks[0].ok and "x=3" in v.marks[0].text
    assert not v.marks[1].ok and "off by 14" in v.marks[1].text
    assert len(v.marks) >= 6


def test_too_big_a_step_fails_with_the_error_size():
    v = check_derivative(lambda f, x, h=0.1: (f(x + h) - f(x)) / h)
    assert not v.ok
    assert "off by 0.3" in failing(v)[0]  # 3h on the parabola


def test_ignoring_h_is_caught():
    v = check_derivative(lambda f, x, h=1e-5: (f(x + 1e-5) - f(x)) / 1e-5)
    assert not v.ok
    assert "does not shrink" in failing(v)[0]


def test_a_function_without_h_is_told_the_signature():
    v = check_derivative(lambda f, x: (f(x + 1e-5) - f(x)) / 1e-5)
    assert not v.ok and "third argument" in failing(v)[0]


@pytest.mark.parametrize("fn, words", [
    (lambda f, x, h=1e-5: None, "returned None"),
    (lambda f, x, h=1e-5: "14", "returned a str"),
    (lambda f, x, h=1e-5: [f(x)], "returned a list"),
    (lambda f, x, h=1e-5: 1 / 0, "raised ZeroDivisionError"),
    (lambda f, x, h=1e-5: float("nan"), "returned nan"),
])
def test_broken_code_gives_a_failing_verdict(fn, words):
    v = check_derivative(fn)
    assert isinstance(v, Verdict) and not v.ok
    assert words in texts(v)


def test_an_unwritten_stub_says_so():
    def stub(f, x, h=1e-5):
        raise NotImplementedError
    v = check_derivative(stub)
    assert not v.ok and "not written yet" in texts(v)


def test_not_even_a_function():
    v = check_derivative(42)
    assert not v.ok and "TypeError" in texts(v)


# ------------------------------------------------------------------ lesson 2: gradients by hand

RIGHT = {"dL/dp": 1, "dL/dr": 1, "dL/dq": -4, "dL/dz": 3, "dL/dw": -2, "dL/dx": -1, "dL/dy": -4}


def test_right_hand_grads_pass_one_mark_each():
    v = check_hand_grads(RIGHT)
    assert v.ok and len(v.marks) == len(RIGHT)


def test_right_hand_grads_agree_with_the_engine_and_finite_differences():
    L = hand_graph()
    L.backward()
    leaves = {n.label: n for n in L.topological_order() if not n._prev}
    assert {k: leaves[k].grad for k in "xyzw"} == {k: RIGHT[f"dL/d{k}"] for k in "xyzw"}

    def f(x, y, z, w):
        return (x + y) * z + w * x
    eps = 1e-6
    at = dict(x=-2.0, y=5.0, z=-4.0, w=3.0)
    for k in at:
        up, down = dict(at), dict(at)
        up[k] += eps
        down[k] -= eps
        assert (f(**up) - f(**down)) / (2 * eps) == pytest.approx(RIGHT[f"dL/d{k}"], rel=1e-6)


def test_short_keys_are_accepted():
    assert check_hand_grads({k[4:]: v for k, v in RIGHT.items()})


def test_worked_graph_numbers_from_lesson_two():
    v = check_hand_grads({"a": 6, "b": -4, "c": -2, "e": -2, "d": -2, "f": 4}, graph="worked")
    assert v.ok


@pytest.mark.parametrize("key, value, words", [
    ("dL/dx", -4, "only the path through q"),
    ("dL/dx", 3, "only the path through r"),
    ("dL/dy", 4, "wrong sign"),
    ("dL/dq", 1, "that is the upstream dL/dp"),
    ("dL/dy", 1, "that is the local derivative dq/dy"),
    ("dL/dz", 7, "too high"),
])
def test_each_wrong_grad_is_marked_on_its_own(key, value, words):
    v = check_hand_grads({**RIGHT, key: value})
    bad = failing(v)
    assert len(bad) == 1 and bad[0].startswith(f"{key} = ") and words in bad[0]
    assert sum(m.ok for m in v.marks) == len(RIGHT) - 1


def test_missing_and_unknown_entries():
    v = check_hand_grads({"dL/dx": None, "dL/da": 1})
    assert "dL/dx: not filled in yet" in failing(v)
    assert any("'dL/da' is not a node" in t for t in failing(v))


@pytest.mark.parametrize("answers, words", [
    ([1, 2], "pass a dict"),
    ({**RIGHT, "dL/dx": "-1"}, "is a str"),
    ({**RIGHT, "dL/dx": True}, "is a bool"),
])
def test_wrong_types_give_a_failing_verdict(answers, words):
    v = check_hand_grads(answers)
    assert not v.ok and words in texts(v)


def test_unknown_graph_name_is_a_failing_verdict():
    v = check_hand_grads(RIGHT, graph="nope")
    assert not v.ok and "no graph called 'nope'" in texts(v)


# ------------------------------------------------------------------ lesson 3: writing _backward

class Scalar:
    """The micrograd-style teaching class of lesson 3: closures, += everywhere, topological sort."""

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


def unary(op, forward, local_of, kind):
    """A class with a learner's `op` method written the `kind` way."""
    rule = ANSWERS[kind]

    def method(self):
        y = forward(self.data)
        out = Scalar(y, (self,), op)

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


def exp_class(kind):
    return unary("exp", math.exp, lambda x, y: y, kind)


def sigmoid_class(kind):
    return unary("sigmoid", lambda x: 1 / (1 + math.exp(-x)), lambda x, y: y * (1 - y), kind)


def tanh_class(kind):
    return unary("tanh", math.tanh, lambda x, y: 1 - y * y, kind)


@pytest.mark.parametrize("op, cls", [("exp", exp_class("right")), ("sigmoid", sigmoid_class("right")),
                                     ("tanh", tanh_class("right")), ("div", division())])
def test_right_backward_passes(op, cls):
    v = check_backward(cls, op)
    assert v.ok, str(v)
    assert sum("matches finite differences" in m.text for m in v.marks) == (8 if op == "div" else 4)


@pytest.mark.parametrize("make, op", [(exp_class, "exp"), (sigmoid_class, "sigmoid")])
def test_assign_instead_of_accumulate_is_recognised(make, op):
    v = check_backward(make("assign"), op)
    bad = failing(v)
    assert [t.split(":")[0] for t in bad] == [f"re-used, L = {op}(x) + {op}(x)",
                                              f"mixed with its input, L = {op}(x)·x"]
    assert "exactly half" in bad[0] and "+=" in bad[0]
    assert "one path overwrote the other" in bad[1]
    assert "dL/dx" in bad[0] and "off by" in bad[0]


def test_forgotten_upstream_is_recognised():
    bad = failing(check_backward(exp_class("no_upstream"), "exp"))
    assert bad and "you left out out.grad" in bad[0] and bad[0].startswith("used once")


def test_sign_error_is_recognised():
    bad = failing(check_backward(sigmoid_class("sign"), "sigmoid"))
    assert len(bad) == 4
    assert [("wrong sign" in t) for t in bad] == [True, True, False, True]  # mixed: only one path flips


def test_error_size_is_reported():
    v = check_backward(exp_class("off"), "exp")
    right = math.exp(0.7) * -2.5
    assert f"off by {abs(0.1 * right):.3g}" in failing(v)[0]


def test_the_wrong_input_of_division_is_named():
    v = check_backward(division(kind_b="sign"), "div")
    bad = failing(v)
    assert len(bad) == 4 and all("dL/db" in t and "dL/da" not in t for t in bad)
    assert sum("dL/da" in m.text for m in v.marks if m.ok) == 4


def test_division_with_assign_on_one_input():
    bad = failing(check_backward(division(kind_a="assign"), "div"))
    assert any("dL/da" in t and "exactly half" in t for t in bad)
    assert not any("dL/db" in t for t in bad)


def test_a_missing_backward_means_no_gradient_reached():
    class NoBackward(Scalar):
        def exp(self):
            return Scalar(math.exp(self.data), (self,), "exp")  # _backward never set
    bad = failing(check_backward(NoBackward, "exp"))
    assert len(bad) == 4
    assert [("no gradient reached it" in t) for t in bad] == [True, True, False, True]
    assert "only the direct path reached it" in bad[2]  # L = exp(x)·x: the ·x path still works


def test_a_wrong_forward_is_reported():
    class WrongForward(Scalar):
        def exp(self):
            return Scalar(self.data, (self,), "exp")
    assert "but it should be 2.013753" in failing(check_backward(WrongForward, "exp"))[0]


def test_an_unwritten_stub_says_so_for_backward():
    class Stub(Scalar):
        def exp(self):
            out = Scalar(math.exp(self.data), (self,), "exp")

            def _backward():
                raise NotImplementedError("write this line")
            out._backward = _backward
            return out
    v = check_backward(Stub, "exp")
    assert not v.ok and len(v.marks) == 1 and "not written yet" in v.marks[0].text


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
    assert len(bad) == 4 and all("raised KeyError" in t for t in bad)


def test_unknown_op_is_a_failing_verdict():
    v = check_backward(Scalar, "softmax")
    assert not v.ok and "unknown op 'softmax'" in texts(v)


# ------------------------------------------------------------------ lesson 3: engine vs reference

def diamond(a, b):
    s, p = a + b, a * b
    return s + p + s * p


@pytest.mark.parametrize("reference", ["auto", "fd"])
def test_engine_matches_reference_on_the_diamond(reference):
    check = matches_reference(diamond, reference=reference, a=2.0, b=3.0)
    assert check.ok and check.engine == [25.0, 19.0]
    assert str(check).splitlines()[0] == "engine matches reference: True"


def test_reference_output_text_does_not_depend_on_the_reference():
    torch = pytest.importorskip("torch", reason="needs torch to compare the torch path with the fd path")
    assert torch
    fn = lambda x, w: (x * w).tanh() + (x / w).exp()  # noqa: E731
    a = matches_reference(fn, reference="torch", x=0.3, w=-1.2)
    b = matches_reference(fn, reference="fd", x=0.3, w=-1.2)
    assert a.kind == "torch" and b.kind == "finite differences"
    assert str(a) == str(b) and a.ok and b.ok


@pytest.mark.parametrize("reference", ["auto", "fd"])
def test_reference_catches_a_wrong_local_derivative(reference, monkeypatch):
    """Break one local derivative in the engine: the comparison must say False."""
    def bad_sin(self):
        return Value(math.sin(self.data), (self,), "sin", _local=(2 * math.cos(self.data),))
    monkeypatch.setattr(Value, "sin", bad_sin)
    check = matches_reference(lambda x, y: x.sin() * y, reference=reference, x=0.5, y=2.0)
    assert not check.ok
    assert str(check).splitlines()[0] == "engine matches reference: False"
