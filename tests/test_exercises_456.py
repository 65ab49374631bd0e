"""Checkers for lessons 4-6: right answers pass, wrong ones fail with a useful mark, broken code never raises."""

import math

import pytest

from backprop_lab.exercises import (
    NEURON_B, NEURON_W, NEURON_X, NEURON_Y, Verdict, check_accuracy, check_backward_ledger,
    check_clip_by_norm, check_neuron_gradient, check_sigmoid_chain_grad, check_xor_hidden_size,
)
from backprop_lab.exercises.lessons456 import (
    _CHAIN_CASES, _CLIP_CASES, _GRAD_CASES, _chain_autograd, _clip_package, _neuron_autograd,
)
from backprop_lab.gradcheck import numerical_grad

LESSON_LEDGER = {  # the lesson's numbers, rounded to 4 decimals as a learner would type them
    "dL/dyhat": -0.3407, "dyhat/dz": 0.2246, "dL/dz": -0.0765,
    "dL/dw1": -0.0612, "dL/dw2": 0.0306, "dL/dw3": -0.0919, "dL/db": -0.0765,
}


def _sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def good_neuron_gradient(x, w, b, y):
    yhat = _sig(sum(xi * wi for xi, wi in zip(x, w)) + b)
    dL_dz = (yhat - y) * yhat * (1 - yhat)
    return [dL_dz * xi for xi in x], dL_dz


def good_accuracy(preds, targets):
    return sum((p > 0.5) == (t == 1) for p, t in zip(preds, targets)) / len(targets)


def good_chain(x, depth):
    s, grad = x, 1.0
    for _ in range(depth):
        s = _sig(s)
        grad *= s * (1 - s)
    return grad


def good_clip(grads, max_norm):
    norm = math.sqrt(sum(g * g for g in grads))
    return [g * max_norm / norm for g in grads] if norm > max_norm else list(grads)


BROKEN = [  # learner code that must give a failing verdict, never an exception
    lambda *a: None,
    lambda *a: 1 / 0,
    lambda *a: "0.5",
    lambda *a: [float("nan")] * 9,
    lambda: 0,  # wrong number of parameters
]


def _texts(verdict):
    return [m.text for m in verdict.marks]


# ---------------------------------------------------------------- lesson 4

def test_ledger_with_the_lessons_rounded_numbers_passes():
    v = check_backward_ledger(LESSON_LEDGER)
    assert isinstance(v, Verdict) and v.ok and len(v.marks) == 7


def test_ledger_flags_a_wrong_sign_a_blank_and_a_wrong_number():
    answers = dict(LESSON_LEDGER, **{"dL/dyhat": 0.3407, "dL/dw3": ..., "dL/db": 0.5})
    v = check_backward_ledger(answers)
    assert not v.ok
    failed = {m.text.split(" ")[0]: m.text for m in v.marks if not m.ok}
    assert set(failed) == {"dL/dyhat", "dL/dw3:", "dL/db"}
    assert "wrong sign" in failed["dL/dyhat"] and "not filled in" in failed["dL/dw3:"]


def test_ledger_rejects_an_answer_that_is_not_a_dict():
    assert not check_backward_ledger([1, 2, 3])
    assert not check_backward_ledger(None)


def test_ledger_tolerance_is_rounding_not_sloppiness():
    assert not check_backward_ledger(dict(LESSON_LEDGER, **{"dL/dz": -0.0775}))


def test_reference_gradients_match_finite_differences():
    for x, w, b, y in _GRAD_CASES:
        dw, db, _ = _neuron_autograd(x, w, b, y)

        def loss(*params):
            return 0.5 * (_sig(sum(xi * wi for xi, wi in zip(x, params[:-1])) + params[-1]) - y) ** 2

        numeric = numerical_grad(loss, *w, b)
        for a, n in zip(dw + [db], numeric):
            assert abs(a - n) < 1e-8


def test_reference_gradients_match_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
    for x, w, b, y in _GRAD_CASES:
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        loss = 0.5 * (torch.sigmoid(torch.tensor(x, dtype=torch.float64) @ wt + bt) - y) ** 2
        loss.backward()
        dw, db, _ = _neuron_autograd(x, w, b, y)
        assert wt.grad.tolist() == pytest.approx(dw, rel=1e-12, abs=1e-15)
        assert bt.grad.item() == pytest.approx(db, rel=1e-12, abs=1e-15)


def test_neuron_gradient_passes_a_correct_function():
    v = check_neuron_gradient(good_neuron_gradient)
    assert v.ok and len(v.marks) == len(_GRAD_CASES)


@pytest.mark.parametrize("wrong", [
    lambda x, w, b, y: ([(_sig(sum(a * c for a, c in zip(x, w)) + b) - y) * xi for xi in x],
                        _sig(sum(a * c for a, c in zip(x, w)) + b) - y),  # forgot σ'(z)
    lambda x, w, b, y: tuple(([-g for g in gw], -gb) for gw, gb in [good_neuron_gradient(x, w, b, y)])[0],
    lambda x, w, b, y: (good_neuron_gradient(x, w, b, y)[0][:1], good_neuron_gradient(x, w, b, y)[1]),
])
def test_neuron_gradient_fails_common_mistakes(wrong):
    v = check_neuron_gradient(wrong)
    assert not v.ok and v.hint


def test_neuron_gradient_lesson_case_numbers():
    dw, db, led = _neuron_autograd(NEURON_X, NEURON_W, NEURON_B, NEURON_Y)
    assert [round(g, 4) for g in dw] == [-0.0612, 0.0306, -0.0919]
    assert round(db, 4) == -0.0765 and round(led["dyhat/dz"], 4) == 0.2246


# ---------------------------------------------------------------- lesson 5

def test_accuracy_passes_a_correct_function():
    assert check_accuracy(good_accuracy).ok


def test_accuracy_explains_a_percentage():
    v = check_accuracy(lambda p, t: 100 * good_accuracy(p, t))
    assert not v.ok and any("percentage" in m.text for m in v.marks)


def test_accuracy_fails_an_inverted_comparison():
    assert not check_accuracy(lambda p, t: 1 - good_accuracy(p, t))


def test_xor_hidden_size_four_tanh_solves_it():
    v = check_xor_hidden_size(4, "tanh")
    assert v.ok, str(v)


@pytest.mark.parametrize("hidden, activation", [(1, "tanh"), (4, "linear")])
def test_xor_hidden_size_that_cannot_work_fails_with_a_reason(hidden, activation):
    v = check_xor_hidden_size(hidden, activation)
    assert not v.ok and v.hint


@pytest.mark.parametrize("hidden, activation", [(0, "tanh"), (True, "tanh"), ("4", "tanh"), (2.5, "tanh"),
                                                (1000, "tanh"), (4, "swish"), (4, None)])
def test_xor_hidden_size_rejects_bad_input_without_raising(hidden, activation):
    v = check_xor_hidden_size(hidden, activation)
    assert isinstance(v, Verdict) and not v.ok and "should" in v.marks[0].text


# ---------------------------------------------------------------- lesson 6

def test_chain_reference_matches_finite_differences():
    for x, depth in _CHAIN_CASES:
        # h = 1e-4: the depth-12 slope is ~2e-8, so a smaller h would drown it in rounding noise
        numeric = numerical_grad(lambda t: good_chain_value(t, depth), x, h=1e-4)[0]
        assert _chain_autograd(x, depth) == pytest.approx(numeric, rel=1e-4, abs=0)


def test_chain_reference_matches_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
    for x, depth in _CHAIN_CASES:
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out = t
        for _ in range(depth):
            out = torch.sigmoid(out)
        out.backward()
        assert t.grad.item() == pytest.approx(_chain_autograd(x, depth), rel=1e-12, abs=0)


def good_chain_value(x, depth):
    for _ in range(depth):
        x = _sig(x)
    return x


def test_chain_passes_a_correct_function_and_fails_the_upper_bound():
    assert check_sigmoid_chain_grad(good_chain).ok
    v = check_sigmoid_chain_grad(lambda x, depth: 0.25 ** depth)
    assert not v.ok and v.marks[0].ok  # right at x = 0 with one layer, wrong after


def test_chain_at_depth_12_is_below_1e_minus_7():
    assert _chain_autograd(0.3, 12) < 1e-7 and 0.25 ** 12 < 1e-7


def test_clip_passes_a_correct_function():
    assert check_clip_by_norm(good_clip).ok


def test_clip_fails_per_element_clamping():
    v = check_clip_by_norm(lambda g, m: [max(-m, min(m, x)) for x in g])
    assert not v.ok and any("package" in t for t in _texts(v))


def test_clip_fails_a_function_that_always_rescales():
    v = check_clip_by_norm(lambda g, m: [x * m / (math.sqrt(sum(y * y for y in g)) or 1) for x in g])
    assert not v.ok


def test_clip_reference_matches_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
    for grads, max_norm in _CLIP_CASES:
        t = torch.zeros(len(grads), dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(grads, dtype=torch.float64)
        torch.nn.utils.clip_grad_norm_([t], max_norm)
        assert t.grad.tolist() == pytest.approx(_clip_package(grads, max_norm), rel=1e-6, abs=1e-12)


# ---------------------------------------------------------------- every checker, broken code

@pytest.mark.parametrize("check", [check_neuron_gradient, check_accuracy, check_sigmoid_chain_grad,
                                   check_clip_by_norm])
@pytest.mark.parametrize("broken", BROKEN)
def test_broken_learner_code_gives_a_failing_verdict_not_an_exception(check, broken):
    v = check(broken)
    assert isinstance(v, Verdict) and not v.ok
    assert str(v).startswith("NOT YET") and "<div" in v._repr_html_()


def test_passing_verdict_renders_as_pass():
    v = check_clip_by_norm(good_clip)
    assert str(v).startswith("PASS") and "PASS" in v._repr_html_()


# ---------------------------------------------------------------- answers in other number types

def test_ledger_for_another_neuron_uses_that_neuron():
    x, y = (1.0, 0.5, -1.0), 0.0
    yhat = _sig(sum(a * c for a, c in zip(x, NEURON_W)) + NEURON_B)
    dz = (yhat - y) * yhat * (1 - yhat)
    answers = {"dL/dyhat": yhat - y, "dyhat/dz": yhat * (1 - yhat), "dL/dz": dz,
               "dL/dw1": dz * x[0], "dL/dw2": dz * x[1], "dL/dw3": dz * x[2], "dL/db": dz}
    assert check_backward_ledger(answers, x=x, w=NEURON_W, b=NEURON_B, y=y).ok
    assert not check_backward_ledger(answers)  # the lesson's own neuron has other numbers


def test_numpy_and_value_answers_are_accepted():
    import numpy as np

    from backprop_lab import Value

    assert check_accuracy(lambda p, t: np.mean((np.array(p) > 0.5) == (np.array(t) == 1))).ok
    assert check_clip_by_norm(lambda g, m: np.array(good_clip(g, m))).ok
    assert check_sigmoid_chain_grad(lambda x, d: Value(good_chain(x, d))).ok
    assert check_neuron_gradient(lambda *a: (np.array(good_neuron_gradient(*a)[0]),
                                             np.float64(good_neuron_gradient(*a)[1]))).ok
    assert check_xor_hidden_size(np.int64(4), "tanh").ok


@pytest.mark.parametrize("answer", [True, "1.0", [1.0], None])
def test_accuracy_rejects_non_numbers(answer):
    assert not check_accuracy(lambda p, t: answer)


@pytest.mark.parametrize("activation, word", [("sigmoid", "slowly"), ("relu", "die")])
def test_xor_hidden_size_hint_names_the_activations_problem(activation, word):
    v = check_xor_hidden_size(4, activation)
    assert not v.ok and word in v.hint
