"""Checkers for one sigmoid neuron: right answers pass, each slip is named, bad input never raises."""

import math

import pytest

from backprop_lab import check_backward_ledger, check_neuron_gradient
from backprop_lab.exercises.core import NOT_WRITTEN, Verdict
from backprop_lab.exercises.neuron import GRADIENT_CASES, neuron_ledger
from backprop_lab.gradcheck import numerical_grad

EXERCISE = dict(x=(1.0, 0.5, -1.0), w=(0.2, -0.1, 0.3), b=0.1, y=0.0)  # lesson 4's Exercise 4.1
LEDGER_KEYS = ("dL/dyhat", "dyhat/dz", "dL/dz", "dL/dw1", "dL/dw2", "dL/dw3", "dL/db")


def _sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def _by_hand(x, w, b, y):
    """The exercise's ledger computed in plain floats, rounded to four decimals as a learner types it."""
    yhat = _sig(sum(xi * wi for xi, wi in zip(x, w)) + b)
    dz = (yhat - y) * yhat * (1 - yhat)
    rows = {"dL/dyhat": yhat - y, "dyhat/dz": yhat * (1 - yhat), "dL/dz": dz, "dL/db": dz}
    rows.update({f"dL/dw{i}": dz * xi for i, xi in enumerate(x, start=1)})
    return {k: round(v, 4) for k, v in rows.items()}, yhat


def _marks(verdict):
    return {m.text.split(" ")[0].rstrip(":"): m for m in verdict.marks}


def good_gradient(x, w, b, y):
    yhat = _sig(sum(xi * wi for xi, wi in zip(x, w)) + b)
    dz = (yhat - y) * yhat * (1 - yhat)
    return [dz * xi for xi in x], dz


# ---------------------------------------------------------------- the reference itself

def test_reference_ledger_matches_finite_differences():
    for x, w, b, y in GRADIENT_CASES:
        led = neuron_ledger(x, w, b, y)

        def loss(*p):
            return 0.5 * (_sig(sum(xi * wi for xi, wi in zip(x, p[:-1])) + p[-1]) - y) ** 2

        numeric = numerical_grad(loss, *w, b)
        got = [led[f"dL/dw{i}"] for i in range(1, len(w) + 1)] + [led["dL/db"]]
        assert got == pytest.approx(numeric, abs=1e-8)


def test_reference_ledger_matches_torch(needs_torch):
    torch = needs_torch
    for x, w, b, y in GRADIENT_CASES:
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        (0.5 * (torch.sigmoid(torch.tensor(x, dtype=torch.float64) @ wt + bt) - y) ** 2).backward()
        led = neuron_ledger(x, w, b, y)
        assert wt.grad.tolist() == pytest.approx([led[f"dL/dw{i}"] for i in range(1, len(w) + 1)], rel=1e-12)
        assert bt.grad.item() == pytest.approx(led["dL/db"], rel=1e-12)


# ---------------------------------------------------------------- Exercise 4.1: the ledger

def test_ledger_right_answers_rounded_to_four_decimals_pass():
    answers, _ = _by_hand(**EXERCISE)
    v = check_backward_ledger(answers, **EXERCISE)
    assert isinstance(v, Verdict) and v.ok and len(v.marks) == 7, str(v)


def test_ledger_blank_and_none_are_not_filled_in_with_no_hint():
    v = check_backward_ledger({k: ... for k in LEDGER_KEYS}, **EXERCISE)
    assert not v.ok and v.hint == ""
    assert all("not filled in yet" in m.text for m in v.marks)
    v = check_backward_ledger(dict.fromkeys(LEDGER_KEYS), **EXERCISE)
    assert not v.ok and v.hint == "" and all("not filled in yet" in m.text for m in v.marks)


def test_ledger_one_blank_among_right_answers_fails_only_that_line():
    answers, _ = _by_hand(**EXERCISE)
    answers["dL/dw2"] = ...
    marks = _marks(check_backward_ledger(answers, **EXERCISE))
    assert [k for k, m in marks.items() if not m.ok] == ["dL/dw2"]


def test_ledger_names_a_flipped_sign():
    answers, _ = _by_hand(**EXERCISE)
    answers["dL/dyhat"] = -answers["dL/dyhat"]
    marks = _marks(check_backward_ledger(answers, **EXERCISE))
    assert not marks["dL/dyhat"].ok and "sign" in marks["dL/dyhat"].text


def test_ledger_names_a_forgotten_sigma_prime():
    answers, yhat = _by_hand(**EXERCISE)
    err = yhat - EXERCISE["y"]
    answers["dL/dz"] = round(err, 4)                  # σ′ left out of dL/dz ...
    answers["dL/dw1"] = round(err * EXERCISE["x"][0], 4)  # ... and carried into dL/dw1
    v = check_backward_ledger(answers, **EXERCISE)
    marks = _marks(v)
    for key in ("dL/dz", "dL/dw1"):
        assert not marks[key].ok and "σ′" in marks[key].text, marks[key].text
    assert v.hint  # a real attempt failed: now the hint shows


def test_ledger_names_a_doubled_error_and_a_wrong_slope():
    answers, yhat = _by_hand(**EXERCISE)
    answers["dL/dyhat"] = round(2 * (yhat - EXERCISE["y"]), 4)
    answers["dyhat/dz"] = round(yhat, 4)
    marks = _marks(check_backward_ledger(answers, **EXERCISE))
    assert "½" in marks["dL/dyhat"].text
    assert "yhat·(1 − yhat)" in marks["dyhat/dz"].text


def test_ledger_names_numbers_copied_from_the_lessons_example():
    lesson = {k: round(v, 4) for k, v in neuron_ledger((0.8, -0.4, 1.2), (0.2, -0.1, 0.3), 0.1, 1.0).items()}
    marks = _marks(check_backward_ledger({k: lesson[k] for k in LEDGER_KEYS}, **EXERCISE))
    assert "worked example" in marks["dL/dw3"].text


def test_ledger_failing_line_never_shows_the_right_number():
    answers, _ = _by_hand(**EXERCISE)
    right = dict(answers)
    answers = {k: 0.1234 for k in LEDGER_KEYS}
    v = check_backward_ledger(answers, **EXERCISE)
    text = str(v)
    for k in LEDGER_KEYS:
        assert f"{right[k]:.4f}" not in text


def test_ledger_tolerance_is_rounding_not_sloppiness():
    answers, _ = _by_hand(**EXERCISE)
    answers["dL/dz"] += 0.001
    assert not check_backward_ledger(answers, **EXERCISE)


@pytest.mark.parametrize("broken", [None, [1, 2, 3], "dL/dz", {"dL/dz": "0.5"}, {"dL/dz": float("nan")},
                                    {"not a line": 1.0}])
def test_ledger_broken_answers_fail_without_raising(broken):
    v = check_backward_ledger(broken, **EXERCISE)
    assert isinstance(v, Verdict) and not v.ok


# ---------------------------------------------------------------- Exercise 4.2: the gradient function

def test_gradient_right_function_passes():
    v = check_neuron_gradient(good_gradient)
    assert v.ok and len(v.marks) == len(GRADIENT_CASES), str(v)


def test_gradient_stub_is_not_written_yet_with_no_hint():
    def stub(x, w, b, y):
        raise NotImplementedError("replace this line with your code")

    v = check_neuron_gradient(stub)
    assert not v.ok and [m.text for m in v.marks] == [NOT_WRITTEN] and v.hint == ""


def test_gradient_none_is_a_friendly_message_with_no_hint():
    v = check_neuron_gradient(lambda x, w, b, y: None)
    assert not v.ok and "return" in v.marks[0].text and v.hint == ""


@pytest.mark.parametrize("slip, words", [
    (lambda x, w, b, y: ([(_sig(sum(a * c for a, c in zip(x, w)) + b) - y) * xi for xi in x],
                         _sig(sum(a * c for a, c in zip(x, w)) + b) - y), "σ′"),
    (lambda x, w, b, y: ([-g for g in good_gradient(x, w, b, y)[0]], -good_gradient(x, w, b, y)[1]), "sign"),
    (lambda x, w, b, y: ([2 * g for g in good_gradient(x, w, b, y)[0]], 2 * good_gradient(x, w, b, y)[1]),
     "twice"),
    (lambda x, w, b, y: ([good_gradient(x, w, b, y)[1]] * len(x), good_gradient(x, w, b, y)[1]), "own xi"),
])
def test_gradient_names_each_common_slip(slip, words):
    v = check_neuron_gradient(slip)
    assert not v.ok and v.hint
    assert all(words in m.text for m in v.marks if not m.ok), str(v)


def test_gradient_failing_case_never_shows_the_right_numbers():
    v = check_neuron_gradient(lambda x, w, b, y: ([0.5] * len(x), 0.5))
    text = str(v)
    for x, w, b, y in GRADIENT_CASES:
        want = neuron_ledger(x, w, b, y)
        assert f"{want['dL/db']:.4f}" not in text


@pytest.mark.parametrize("broken", [
    lambda *a: 1 / 0,
    lambda *a: "0.5",
    lambda *a: ([0.1], 0.2),            # too few weights
    lambda *a: (0.1, 0.2),              # dL_dw not a list
    lambda *a: ([float("nan")] * 3, 0.0),
    lambda: 0,                          # wrong number of parameters
])
def test_gradient_broken_code_fails_without_raising(broken):
    v = check_neuron_gradient(broken)
    assert isinstance(v, Verdict) and not v.ok
