"""Checkers for one sigmoid neuron: right answers pass, each slip is named, bad input never raises."""

import math

import numpy as np
import pytest

from backprop_lab import check_backward_ledger, check_batch_gradient
from backprop_lab.exercises.core import NOT_WRITTEN, Verdict
from backprop_lab.exercises.neuron import BATCH_CASES, LEDGER_CASES, batch_reference, neuron_ledger
from backprop_lab.gradcheck import numerical_grad


def _sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def ledger(x, w, b, y, slope=None, use_x=True, sign=1.0, factor=1.0):
    """The lesson's backward_ledger, or one of its slips."""
    yhat = _sig(sum(xi * wi for xi, wi in zip(x, w)) + b)
    dL_dyhat = sign * factor * (yhat - y)
    dyhat_dz = yhat * (1 - yhat) if slope is None else slope
    dL_dz = dL_dyhat * dyhat_dz
    dL_dw = [dL_dz * (xi if use_x else 1.0) for xi in x]
    return {"dL/dyhat": dL_dyhat, "dyhat/dz": dyhat_dz, "dL/dz": dL_dz, "dL/dw": dL_dw, "dL/db": dL_dz}


def batch_gradient(X, Y, w, b, per_n=True, slope=True):
    yhat = 1 / (1 + np.exp(-(X @ w + b)))
    dL_dz = (yhat - Y) / (len(Y) if per_n else 1) * (yhat * (1 - yhat) if slope else 1)
    return X.T @ dL_dz, dL_dz.sum()


def _stub(*args):
    raise NotImplementedError("Exercise 4.1: write the backward ledger")


def _failed(v):
    return " | ".join(m.text for m in v.marks if not m.ok)


# ---------------------------------------------------------------- the reference itself

def test_cases_avoid_the_values_that_hide_slips():
    for x, w, b, _y in LEDGER_CASES:
        z = sum(xi * wi for xi, wi in zip(x, w)) + b
        assert abs(z) > 0.8, z
        assert all(abs(abs(xi) - v) > 0.1 for xi in x for v in (0.0, 0.5, 1.0)), x
    assert any(len(x) == 4 for x, *_ in LEDGER_CASES)  # the explorer shows three inputs


def test_reference_ledger_matches_finite_differences():
    for x, w, b, y in LEDGER_CASES:
        led = neuron_ledger(x, w, b, y)

        def loss(*p):
            return 0.5 * (_sig(sum(xi * wi for xi, wi in zip(x, p[:-1])) + p[-1]) - y) ** 2

        assert led["dL/dw"] + [led["dL/db"]] == pytest.approx(numerical_grad(loss, *w, b), abs=1e-8)


def test_reference_batch_gradient_matches_torch(needs_torch):
    torch = needs_torch
    for X, Y, w, b in BATCH_CASES:
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        (0.5 * (torch.sigmoid(torch.tensor(X) @ wt + bt) - torch.tensor(Y)) ** 2).mean().backward()
        dw, db = batch_reference(X, Y, w, b)
        assert wt.grad.tolist() == pytest.approx(dw.tolist(), rel=1e-12)
        assert bt.grad.item() == pytest.approx(db, rel=1e-12)


# ---------------------------------------------------------------- Exercise 4.1: the ledger

def test_ledger_right_function_passes_on_every_neuron():
    v = check_backward_ledger(ledger)
    assert isinstance(v, Verdict) and v.ok and len(v.marks) == len(LEDGER_CASES), str(v)


def test_ledger_stub_and_none_are_not_written_with_no_hint():
    for fn in (_stub, lambda *a: None):
        v = check_backward_ledger(fn)
        assert not v.ok and len(v.marks) == 1 and v.hint == ""
    assert check_backward_ledger(_stub).marks[0].text == NOT_WRITTEN


@pytest.mark.parametrize("slip, words", [
    (dict(slope=0.25), "σ′ = 0.25"),
    (dict(use_x=False), "xᵢ is missing"),
    (dict(sign=-1.0), "sign is flipped"),
    (dict(factor=2.0), "twice the error"),
])
def test_ledger_names_each_slip_on_every_neuron(slip, words):
    v = check_backward_ledger(lambda *a: ledger(*a, **slip))
    assert not v.ok and v.hint
    assert all(not m.ok and words in m.text for m in v.marks), str(v)


def test_ledger_forgotten_x_is_never_called_doubled_or_flipped():
    v = check_backward_ledger(lambda *a: ledger(*a, use_x=False))
    assert not any("twice" in m.text or "sign" in m.text for m in v.marks), str(v)


def test_ledger_missing_sigma_prime_in_dz_is_named():
    def no_sigma(*a):
        out = ledger(*a)
        out["dL/dz"] = out["dL/dyhat"]
        return out
    assert all("σ′ factor is missing" in m.text for m in check_backward_ledger(no_sigma).marks)


def test_ledger_failing_mark_never_shows_the_right_number():
    v = check_backward_ledger(lambda *a: {**ledger(*a), "dL/db": 0.123})
    for m, (x, w, b, y) in zip(v.marks, LEDGER_CASES):
        assert not m.ok and f"{neuron_ledger(x, w, b, y)['dL/db']:.4f}" not in m.text


@pytest.mark.parametrize("broken", [lambda *a: 1 / 0, lambda *a: "ledger", lambda: 0,
                                    lambda *a: {"dL/dyhat": 1.0},
                                    lambda *a: {**ledger(*a), "dL/dw": 0.3}])
def test_ledger_broken_code_fails_without_raising(broken):
    v = check_backward_ledger(broken)
    assert isinstance(v, Verdict) and not v.ok


def test_ledger_accepts_numpy_numbers():
    assert check_backward_ledger(lambda *a: {k: np.array(v) for k, v in ledger(*a).items()}).ok


# ---------------------------------------------------------------- Exercise 4.2: the NumPy gradient

def test_batch_right_function_passes():
    v = check_batch_gradient(batch_gradient)
    assert v.ok and len(v.marks) == len(BATCH_CASES), str(v)
    assert all(X.shape[0] != X.shape[1] for X, *_ in BATCH_CASES)


def test_batch_stub_is_not_written():
    v = check_batch_gradient(_stub)
    assert not v.ok and v.marks[0].text == NOT_WRITTEN and v.hint == ""


@pytest.mark.parametrize("fn, words", [
    (lambda X, Y, w, b: batch_gradient(X, Y, w, b, per_n=False), "N times too big"),
    (lambda X, Y, w, b: batch_gradient(X, Y, w, b, slope=False), "σ′ factor"),
    (lambda X, Y, w, b: tuple(-g for g in batch_gradient(X, Y, w, b)), "sign"),
    (lambda X, Y, w, b: (X @ np.ones(len(w)), 0.0), "one per example"),
])
def test_batch_names_each_slip(fn, words):
    v = check_batch_gradient(fn)
    assert not v.ok and any(words in m.text for m in v.marks), str(v)


def test_batch_missing_transpose_raises_inside_and_is_explained():
    def no_transpose(X, Y, w, b):
        yhat = 1 / (1 + np.exp(-(X @ w + b)))
        dL_dz = (yhat - Y) / len(Y) * yhat * (1 - yhat)
        return X @ dL_dz, dL_dz.sum()
    v = check_batch_gradient(no_transpose)
    assert not v.ok and any("X.T @ dL_dz" in m.text for m in v.marks if not m.ok), str(v)


def test_batch_unsummed_bias_is_named():
    def per_example_bias(X, Y, w, b):
        yhat = 1 / (1 + np.exp(-(X @ w + b)))
        dL_dz = (yhat - Y) / len(Y) * yhat * (1 - yhat)
        return X.T @ dL_dz, dL_dz
    assert "summed over the examples" in _failed(check_batch_gradient(per_example_bias))
