"""check_derivative (lesson 1): right answers pass, each named slip fails with its own message and never
with the right slope, and broken learner code gives a failing verdict instead of an exception."""

import math

import pytest

from backprop_lab import check_derivative
from backprop_lab.exercises import Verdict
from backprop_lab.exercises.derivatives import CASES


def texts(verdict):
    """Every mark's text, and the hint, as one string to search."""
    return "\n".join([m.text for m in verdict.marks] + [verdict.hint])


def failing(verdict):
    return [m.text for m in verdict.marks if not m.ok]


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


def test_one_sided_fails_when_central_is_required_without_giving_a_formula():
    v = check_derivative(forward_diff, central=True)
    assert not v.ok
    assert failing(v) == [v.marks[-1].text]  # every slope is fine; only the order fails
    assert "one point on each side" in v.marks[-1].text
    assert "f(x+h)" not in texts(v) and "f(x + h)" not in texts(v)  # no formula, central or forward


def test_no_case_has_a_true_slope_near_zero():
    """A zero slope lets any formula that scales the slope pass that case."""
    assert min(abs(df(x)) for _, _, df, x in CASES) > 0.5


SLIPS = [
    (lambda f, x, h=1e-5: (f(x + h) - f(x - 2 * h)) / (2 * h), 1.5, "1.5× the true slope"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / h, 2.0, "twice the true slope"),
    (lambda f, x, h=1e-5: (f(x + h) - f(x)) / (2 * h), 0.5, "half the true slope"),
    (lambda f, x, h=1e-5: (f(x) - f(x + h)) / h, -1.0, "wrong sign"),
]


@pytest.mark.parametrize("fn, factor, words", SLIPS)
def test_each_named_slip_fails_every_case_and_is_named(fn, factor, words):
    v = check_derivative(fn)
    assert not v.ok
    assert all(not m.ok for m in v.marks)  # no case lets a wrong formula through
    assert words in failing(v)[-1]


@pytest.mark.parametrize("fn, factor, words", SLIPS)
def test_a_failing_case_never_prints_the_right_slope(fn, factor, words):
    v = check_derivative(fn)
    for (_, f, df, x), text in zip(CASES, failing(v)):
        said = text.split(": ", 1)[1].replace(f"{fn(f, x):.6f}", "")  # what it says besides yours
        assert f"{abs(df(x)):.6f}" not in said and f"{abs(df(x)):g}" not in said


def test_a_failing_case_says_which_way_it_is_off():
    bad = failing(check_derivative(lambda f, x, h=1e-5: 3 * central_diff(f, x, h)))
    assert all("too steep" in t for t in bad[:len(CASES)])
    assert "every answer is 3× the true slope" in bad[-1]


def test_each_case_is_reported_separately():
    v = check_derivative(lambda f, x, h=1e-5: 14.0)  # right only at x = 3 of the parabola
    assert v.marks[0].ok and "x=3" in v.marks[0].text
    assert not v.marks[1].ok and "x=-1" in v.marks[1].text
    assert len(v.marks) >= len(CASES)


def test_too_big_a_step_fails():
    v = check_derivative(lambda f, x, h=0.1: (f(x + h) - f(x)) / h)
    assert not v.ok and "too steep" in failing(v)[0]  # 14.3 at x = 3


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


def test_an_unwritten_stub_says_so_and_gives_no_hint():
    def stub(f, x, h=1e-5):
        raise NotImplementedError
    v = check_derivative(stub)
    assert not v.ok and "not written yet" in texts(v)
    assert "hint" not in str(v)


def test_a_hint_comes_only_with_a_failed_attempt():
    assert "hint" in str(check_derivative(lambda f, x, h=1e-5: 2 * forward_diff(f, x, h)))
    assert "hint" not in str(check_derivative(forward_diff))


def test_not_even_a_function():
    v = check_derivative(42)
    assert not v.ok and "TypeError" in texts(v)


def test_the_exact_slopes_are_right():
    """The checker's own derivatives agree with a central difference."""
    for _, f, df, x in CASES:
        assert df(x) == pytest.approx(central_diff(f, x, 1e-6), rel=1e-6)
    assert math.isclose(CASES[0][2](3.0), 14.0)


# ---- issue 17: the slips that used to pass, or get green marks

def backward_diff(f, x, h=1e-5):
    return (f(x) - f(x - h)) / h


def test_a_central_difference_fails_where_the_one_sided_one_is_asked():
    v = check_derivative(central_diff)
    assert not v.ok
    assert failing(v) == [v.marks[-1].text]  # every slope is right; the formula is not the one asked
    assert "that is the central difference" in v.marks[-1].text and "x and x+h" in v.marks[-1].text


@pytest.mark.parametrize("central", [False, True])
def test_a_backward_difference_is_named(central):
    v = check_derivative(backward_diff, central=central)
    assert not v.ok and "you used the points x−h and x" in v.marks[-1].text


def test_returning_f_of_x_gets_no_green_mark_and_is_named():
    v = check_derivative(lambda f, x, h=1e-5: f(x))
    assert not v.ok and not any(m.ok for m in v.marks)
    assert all("f(x) itself" in t for t in failing(v)), failing(v)


def test_no_case_has_a_slope_equal_to_its_value():
    """Else `return f(x)` would pass that case (eˣ did)."""
    assert all(abs(df(x) - f(x)) > 0.1 for _, f, df, x in CASES)


def test_the_step_size_test_tells_the_formulas_apart():
    from backprop_lab.exercises.derivatives import _formulas

    for h in (1e-2, 1e-3):
        values = sorted(_formulas(h).values())
        assert all(b - a > 1e-4 for a, b in zip(values, values[1:]))
