"""The gradient checker is itself checked on derivatives we know; its report; importing it both ways."""

import math
import subprocess
import sys

import pytest

from backprop_lab import GradcheckReport, Value, gradcheck, numerical_grad
from backprop_lab.gradcheck import verdict


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
    assert report.ok and bool(report) and report.worst < 1e-7
    assert [row.name for row in report.rows] == ["a", "b"] and all(row.ok for row in report)
    text = str(report)
    assert "PASS" in text and "d/da" in text and "good" in text


def _bad_square(x):
    """x², with a hand-written backward that forgets the factor 2."""
    out = Value(x.data ** 2, (x,), "sq")

    def _backward():
        x.grad += x.data * out.grad
    out._backward = _backward
    return out


def test_gradcheck_catches_a_wrong_derivative():
    report = gradcheck(_bad_square, 1.5)
    assert not report.ok and not report and report.worst > 1e-2
    (row,) = report.rows
    assert (row.name, row.backprop, row.ok) == ("x0", 1.5, False) and row.numeric == pytest.approx(3.0)
    assert "FAIL" in str(report) and "probably wrong" in str(report)


def test_gradcheck_shows_the_failing_input_by_name():
    report = gradcheck(lambda a, b: a * 2 + _bad_square(b), 1.0, 1.5, names=["a", "b"])
    assert [row.ok for row in report] == [True, False]
    failing = [line for line in str(report).splitlines() if "NO" in line]
    assert len(failing) == 1 and "d/db" in failing[0]


@pytest.mark.parametrize("names", [["a"], ["a", "b", "c"], "ab"])
def test_gradcheck_refuses_names_that_do_not_match_the_inputs(names):
    with pytest.raises(ValueError, match="gradcheck got 2 inputs but names="):
        gradcheck(lambda a, b: a * b, 1.0, 2.0, names=names)


def test_gradcheck_needs_a_value():
    with pytest.raises(TypeError, match="return a Value"):
        gradcheck(lambda x: 3.0, 1.0)


def test_report_from_other_numbers_and_its_html():
    report = GradcheckReport(["w", "b"], [0.5, -1.0], [0.5, -1.0 + 1e-3], tol=1e-9, reference="torch")
    assert [row.ok for row in report] == [True, False] and report.reference == "torch"
    assert "against torch" in str(report)
    page = report._repr_html_()
    assert page.count("<tr>") == 3 and "d/dw" in page and "<b>NO</b>" in page
    with pytest.raises(ValueError, match="one name, one backprop and one numeric"):
        GradcheckReport(["w"], [0.5, 1.0], [0.5])


def test_tiny_gradients_pass_on_the_absolute_tolerance_and_nan_fails():
    report = GradcheckReport(["x", "y"], [0.0, math.nan], [3e-11, math.nan])
    assert [row.ok for row in report] == [True, False] and math.isnan(report.worst)


@pytest.mark.parametrize("err, words", [(1e-9, "good"), (1e-5, "fine"), (1e-3, "suspicious"),
                                        (0.5, "probably wrong"), (math.nan, "not a number")])
def test_verdict_thresholds(err, words):
    assert words in verdict(err)


@pytest.mark.parametrize("code", [
    # the README's import: it used to give the module, so calling it raised TypeError
    "from backprop_lab import gradcheck\n"
    "print(callable(gradcheck), bool(gradcheck(lambda x: x * x, 3.0)))",
    # the function on every access, also after the submodule is imported by its full name
    "import backprop_lab as bl\n"
    "first = bl.gradcheck\n"
    "from backprop_lab.gradcheck import GradcheckReport\n"
    "import backprop_lab.nn, backprop_lab.exercises\n"
    "print(bl.gradcheck is first is bl.gradcheck, callable(bl.gradcheck))",
])
def test_gradcheck_is_the_function_in_a_fresh_process(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]
