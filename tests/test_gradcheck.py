"""The gradient checker is itself checked on derivatives we know."""

import math

import pytest

from backprop_lab.engine import Value
from backprop_lab.gradcheck import gradcheck, numerical_grad, verdict


def test_numerical_grad_on_known_derivatives():
    assert numerical_grad(lambda x: x ** 3, 2.0) == pytest.approx([12.0], rel=1e-8)
    assert numerical_grad(math.sin, 0.3) == pytest.approx([math.cos(0.3)], rel=1e-8)
    gx, gy = numerical_grad(lambda x, y: x * y + y, 2.0, -3.0)
    assert (gx, gy) == (pytest.approx(-3.0), pytest.approx(3.0))


def test_numerical_grad_is_central_not_lopsided():
    # For f = x**2 a central difference is exact up to rounding; a lopsided step such as
    # (f(x+h) - f(x-2h)) / 3h or a forward difference would be off by about h.
    (g,) = numerical_grad(lambda x: x * x, 1.0, h=1e-3)
    assert abs(g - 2.0) < 1e-9
    (g,) = numerical_grad(lambda x: x ** 3, 1.0, h=1e-2)
    assert abs(g - 3.0 - 1e-4) < 1e-9  # central difference error is exactly h² for x³


def test_numerical_grad_accepts_values():
    assert numerical_grad(lambda x: x.tanh(), Value(0.5)) == pytest.approx([1 - math.tanh(0.5) ** 2])


def test_gradcheck_passes_on_engine_ops():
    report = gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, 0.3, 1.7, names=["a", "b"])
    assert report.ok and report.worst < 1e-7
    assert "PASS" in str(report) and "d/da" in str(report) and "good" in str(report)


def test_gradcheck_catches_a_wrong_derivative():
    def bad_square(x):
        return Value(x.data ** 2, (x,), "sq", _local=(x.data,))  # should be 2x

    report = gradcheck(bad_square, 1.5)
    assert not report.ok and report.worst > 1e-2
    assert "FAIL" in str(report) and "probably wrong" in str(report)


def test_gradcheck_needs_a_value():
    with pytest.raises(TypeError, match="return a Value"):
        gradcheck(lambda x: 3.0, 1.0)


@pytest.mark.parametrize("err, words", [(1e-9, "good"), (1e-5, "fine"), (1e-3, "suspicious"),
                                        (0.5, "probably wrong"), (math.nan, "not a number")])
def test_verdict_thresholds(err, words):
    assert words in verdict(err)
