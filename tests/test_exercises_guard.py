"""Checkers survive any learner code: endless loops, sys.exit, KeyboardInterrupt, floods of printing."""

import sys
import time

import pytest

from backprop_lab.exercises import core
from backprop_lab.exercises.core import Mark, Verdict, call, checker


@checker("a check that calls the learner's function")
def check_calls(fn):
    result, problem = call(fn, (2.0,))
    return Verdict("calls", [Mark(problem is None and result == 4.0, problem or "ok")])


@checker("a check that calls the learner's function directly")
def check_direct(fn):
    return Verdict("direct", [Mark(fn(2.0) == 4.0, "ok")])


def endless(x):
    while True:
        x += 1


@pytest.mark.parametrize("check", [check_calls, check_direct])
def test_an_endless_loop_is_stopped_and_reported(check, monkeypatch):
    monkeypatch.setitem(core.limits, "seconds", 0.5)
    start = time.perf_counter()
    verdict = check(endless)
    assert time.perf_counter() - start < 5 and not verdict
    assert "took longer than 0.5 s" in str(verdict) and "loop that never ends" in str(verdict)


@pytest.mark.parametrize("check", [check_calls, check_direct])
@pytest.mark.parametrize("exc", [SystemExit(0), KeyboardInterrupt()])
def test_sys_exit_and_keyboard_interrupt_are_reported(check, exc):
    def learner(x):
        raise exc
    verdict = check(learner)
    assert not verdict and type(exc).__name__ in str(verdict)


def test_an_endless_loop_inside_except_exception_is_still_stopped(monkeypatch):
    monkeypatch.setitem(core.limits, "seconds", 0.5)

    def stubborn(x):
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - a learner swallowing errors
                pass
    assert "took longer" in str(check_direct(stubborn))


def test_printing_is_capped(capsys, monkeypatch):
    monkeypatch.setitem(core.limits, "characters", 1000)

    def chatty(x):
        for _ in range(5000):
            print("x" * 1000)
        return x * 2
    assert check_direct(chatty)
    out = capsys.readouterr().out
    assert out.startswith("x" * 1000) and len(out) < 1100
    assert "5,004,000 more characters of printing not shown" in out  # 5,000 lines of 1,001 characters


def test_the_time_limit_and_streams_are_restored_after_a_check():
    import signal
    handler, stdout = signal.getsignal(signal.SIGALRM), sys.stdout
    check_calls(lambda x: x * 2)
    check_calls(lambda x: 1 / 0)
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0 and signal.getsignal(signal.SIGALRM) is handler
    assert sys.stdout is stdout


# ---- reference answers come from the checkers' own copy of the engine ----

def _patched_sigmoid(self):
    """A wrong sigmoid a learner might patch in: its local derivative is always 0.25."""
    import math
    s = 1 / (1 + math.exp(-self.data))
    return type(self)(s, (self,), "sigmoid", (0.25,))


def test_patching_value_cannot_make_a_wrong_sigmoid_chain_pass(monkeypatch):
    from backprop_lab import Value, check_sigmoid_chain_grad
    monkeypatch.setattr(Value, "sigmoid", _patched_sigmoid)

    def wrong(x, depth):  # the learner's answer, matching their patched engine: 0.25 ** depth
        out = Value(x)
        for _ in range(depth):
            out = out.sigmoid()
        out.backward()
        return 0.25 ** depth
    assert not check_sigmoid_chain_grad(wrong)


def test_patching_value_cannot_make_a_wrong_ledger_pass(monkeypatch):
    import math

    from backprop_lab import Value, check_backward_ledger
    monkeypatch.setattr(Value, "sigmoid", _patched_sigmoid)

    def ledger(x, w, b, y):  # σ′ = 0.25 everywhere, the patched engine's answer
        z = sum(wi * xi for wi, xi in zip(w, x)) + b
        yhat = 1 / (1 + math.exp(-z))
        dz = (yhat - y) * 0.25
        return {"dL/dyhat": yhat - y, "dyhat/dz": 0.25, "dL/dz": dz, "dL/dw": [dz * xi for xi in x], "dL/db": dz}
    assert not check_backward_ledger(ledger)


def _patched_tanh(self):
    """A wrong tanh a learner might patch in: its local derivative is 1 - t, not 1 - t²."""
    import math
    t = math.tanh(self.data)
    return type(self)(t, (self,), "tanh", (1.0 - t,))


def _patched_relu(self):
    """A wrong relu a learner might patch in: it lets the gradient through everywhere."""
    return type(self)(max(self.data, 0.0), (self,), "relu", (1.0,))


def test_patching_value_cannot_make_a_training_loop_on_a_wrong_tanh_pass(monkeypatch):
    from backprop_lab import Value, check_training_loop
    from test_exercises_networks import make_train
    assert check_training_loop(make_train())  # the lesson's loop passes on the real engine
    monkeypatch.setattr(Value, "tanh", _patched_tanh)
    assert not check_training_loop(make_train())  # the same loop on the patched engine ends elsewhere


def test_patching_value_cannot_make_a_right_two_layer_answer_fail(monkeypatch):
    from backprop_lab import Value, check_two_layer_grads
    from test_exercises_networks import good_grads
    monkeypatch.setattr(Value, "tanh", _patched_tanh)
    monkeypatch.setattr(Value, "sigmoid", _patched_sigmoid)
    assert check_two_layer_grads(good_grads), "a right answer stays right whatever the learner patched"


def test_patching_value_cannot_make_total_loss_on_a_wrong_relu_pass(monkeypatch):
    from backprop_lab import Value, check_total_loss
    from test_exercises_training import total_loss
    assert check_total_loss(total_loss)
    monkeypatch.setattr(Value, "relu", _patched_relu)
    assert not check_total_loss(total_loss)


def test_patching_value_cannot_change_the_hand_gradient_answers(monkeypatch):
    from backprop_lab import Value, check_hand_grads
    from test_exercises_hand_gradients import RIGHT

    def doubled(self, other):  # a wrong product rule: both local derivatives doubled
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*", (2 * other.data, 2 * self.data))
    monkeypatch.setattr(Value, "__mul__", doubled)
    assert check_hand_grads(RIGHT), "the right numbers stay right whatever the learner patched"
