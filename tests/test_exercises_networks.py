"""Checkers for small networks on XOR: the learner's Neuron, Layer, MLP and loop, the smallest ReLU layer,
the two-layer backward pass. Right answers pass, each slip is named, broken code never raises."""

import math
import random

import numpy as np
import pytest

from backprop_lab import (MLP, Value, check_layer, check_mlp_parameters, check_neuron_call,
                          check_smallest_relu_layer, check_training_loop, check_two_layer_grads)
from backprop_lab.exercises.core import NOT_WRITTEN, Verdict
from backprop_lab.exercises.networks import _reference_grads, _two_layer_cases, solves_xor
from backprop_lab.datasets import xor

X_XOR, Y_XOR = xor()
DATA, TARGETS = [[float(a), float(b)] for a, b in X_XOR], [float(t) for t in Y_XOR]


def good_grads(X, y, W1, b1, W2, b2):
    H = np.tanh(X @ W1.T + b1)
    yhat = 1 / (1 + np.exp(-(H @ W2.T + b2)))
    D2 = (yhat - y[:, None]) / len(y) * yhat * (1 - yhat)
    D1 = (D2 @ W2) * (1 - H**2)
    return {"W1": D1.T @ X, "b1": D1.sum(0), "W2": D2.T @ H, "b2": D2.sum(0)}


def _stub(*args):
    raise NotImplementedError("Exercise 5.1: write it")


def _failed_texts(v):
    return [m.text for m in v.marks if not m.ok]


def make_classes(call="right", layer="right", params="right"):
    """The lesson's Neuron, Layer and MLP on Value, with one part stubbed or slipped."""

    class Neuron:
        def __init__(self, nin, activation="tanh"):
            self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(0.0)
            self.activation = activation

        def __call__(self, x):
            if call == "stub":
                raise NotImplementedError("Exercise 5.1")
            z = sum((wi * xi for wi, xi in zip(self.w, x)), Value(0.0) if call == "no bias" else self.b)
            if call == "no activation":
                return z
            if call == "always tanh":
                return z.tanh()
            if call == "floats":
                return math.tanh(sum(wi.data * xi for wi, xi in zip(self.w, x)) + self.b.data)
            return getattr(z, self.activation)()

        def parameters(self):
            return self.w + [self.b]

    class Layer:
        def __init__(self, nin, nout, activation):
            if layer == "stub":
                raise NotImplementedError("Exercise 5.2")
            self.neurons = ([Neuron(nin, activation)] * nout if layer == "one object"
                            else [Neuron(nin, activation) for _ in range(nout)])

        def __call__(self, x):
            return [n(x) for n in self.neurons]

        def parameters(self):
            if layer == "nested":
                return [n.parameters() for n in self.neurons]
            return [p for n in self.neurons for p in n.parameters()]

    class MLP_:
        def __init__(self, nin, nouts, activation="tanh", out_activation="sigmoid"):
            sizes = [nin] + nouts
            acts = [activation] * (len(nouts) - 1) + [out_activation]
            self.layers = [Layer(sizes[i], sizes[i + 1], acts[i]) for i in range(len(nouts))]

        def __call__(self, x):
            for layer_ in self.layers:
                x = layer_(x)
            return x[0] if len(x) == 1 else x

        def parameters(self):
            if params == "stub":
                raise NotImplementedError("Exercise 5.3")
            if params == "last layer":
                return self.layers[-1].parameters()
            if params == "copies":
                return [Value(p.data) for layer_ in self.layers for p in layer_.parameters()]
            return [p for layer_ in self.layers for p in layer_.parameters()]

        def zero_grad(self):
            for p in self.parameters():
                p.grad = 0.0

    return Neuron, Layer, MLP_


def half_mse(preds, targets):
    return sum((p - t) ** 2 for p, t in zip(preds, targets)) * (0.5 / len(targets))


def make_train(slip=None):
    def train(model, steps, lr, every=100):
        losses = []
        loss = half_mse([model(x) for x in DATA], TARGETS)
        for _step in range(steps):
            if slip == "stub":
                raise NotImplementedError("Exercise 5.4")
            if slip != "stale":
                loss = half_mse([model(x) for x in DATA], TARGETS)
            if slip == "manual reset":
                for p in model.parameters():
                    p.grad = 0.0
            elif slip not in ("no reset", "reset after"):
                model.zero_grad()
            loss.backward()
            if slip == "reset after":
                model.zero_grad()
            for p in model.parameters():
                p.data += (1 if slip == "climb" else -1) * (1.0 if slip == "no lr" else lr) * p.grad
            losses.append(loss.data)
        return losses
    return train


# ---------------------------------------------------------------- Exercises 5.1-5.3: Neuron, Layer, MLP

def test_neuron_call_right_passes_and_keeps_the_random_state():
    state = random.getstate()
    v = check_neuron_call(make_classes()[0])
    assert v.ok and len(v.marks) == 3, str(v)
    assert random.getstate() == state  # checking never shifts the lesson's seeded numbers


def test_neuron_call_stub_is_not_written():
    v = check_neuron_call(make_classes(call="stub")[0])
    assert [m.text for m in v.marks] == [NOT_WRITTEN] and v.hint == ""


@pytest.mark.parametrize("slip, words", [("no bias", "bias is missing"), ("no activation", "z itself"),
                                         ("always tanh", "self.activation"), ("floats", "keep it a Scalar")])
def test_neuron_call_names_each_slip(slip, words):
    v = check_neuron_call(make_classes(call=slip)[0])
    assert not v.ok and any(words in t for t in _failed_texts(v)), str(v)


def test_layer_right_passes_and_names_its_slips():
    assert check_layer(make_classes()[1]).ok
    assert _failed_texts(check_layer(make_classes(layer="stub")[1])) == [NOT_WRITTEN]
    assert any("one object" in t for t in _failed_texts(check_layer(make_classes(layer="one object")[1])))
    assert any("list of lists" in t for t in _failed_texts(check_layer(make_classes(layer="nested")[1])))


def test_layer_says_when_the_neuron_is_still_a_stub():
    v = check_layer(make_classes(call="stub")[1])
    assert any("Exercise 5.1" in t for t in _failed_texts(v)), str(v)


def test_mlp_parameters_right_passes_and_names_its_slips():
    assert check_mlp_parameters(make_classes()[2]).ok
    assert _failed_texts(check_mlp_parameters(make_classes(params="stub")[2])) == [NOT_WRITTEN]
    assert "only the last" in _failed_texts(check_mlp_parameters(make_classes(params="last layer")[2]))[0]
    assert "copies" in _failed_texts(check_mlp_parameters(make_classes(params="copies")[2]))[0]
    assert "Exercise 5.2" in _failed_texts(check_mlp_parameters(make_classes(layer="stub")[2]))[0]


@pytest.mark.parametrize("broken", [lambda *a: 1 / 0, lambda: 0, int, None])
def test_network_checkers_never_raise(broken):
    for check in (check_neuron_call, check_layer, check_mlp_parameters, check_training_loop):
        v = check(broken)
        assert isinstance(v, Verdict) and not v.ok


# ---------------------------------------------------------------- Exercise 5.4: the training loop

def test_training_loop_right_passes():
    v = check_training_loop(make_train())
    assert v.ok and len(v.marks) == 2, str(v)


def test_training_loop_stub_is_not_written():
    assert _failed_texts(check_training_loop(make_train("stub"))) == [NOT_WRITTEN]


@pytest.mark.parametrize("slip, words", [
    ("no reset", "never reset"), ("reset after", "before backward()"), ("climb", "climbs"),
    ("no lr", "ignores lr"), ("stale", "runs once"), ("manual reset", "model.zero_grad()"),
])
def test_training_loop_names_each_slip(slip, words):
    v = check_training_loop(make_train(slip))
    assert not v.ok and any(words in t for t in _failed_texts(v)), str(v)


# ---------------------------------------------------------------- Exercise 5.5: the smallest ReLU layer

def _value_solves(hidden, seed, steps=500, lr=2.0):
    """The notebook's loop on backprop_lab's Value MLP, to check the NumPy trainer against."""
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    y = [0.0, 1.0, 1.0, 0.0]
    model = MLP(2, [hidden, 1], activation="relu", out_activation="sigmoid", seed=seed)
    for _ in range(steps):
        preds = [model(x) for x in X]
        loss = sum((p - t) ** 2 for p, t in zip(preds, y)) * (0.5 / len(y))
        if loss.data < 0.01 and all((p.data > 0.5) == (t == 1) for p, t in zip(preds, y)):
            return True
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
    return False


@pytest.mark.slow
@pytest.mark.parametrize("hidden, seed", [(4, 0), (4, 3), (2, 1)])
def test_numpy_trainer_agrees_with_value_training(hidden, seed):
    assert solves_xor(hidden, seed) == _value_solves(hidden, seed)


@pytest.mark.slow
def test_smallest_relu_layer_right_answer_passes():
    answer = next(h for h in range(1, 33) if all(solves_xor(h, s) for s in range(5)))
    v = check_smallest_relu_layer(answer)
    assert v.ok and len(v.marks) == 2, str(v)
    too_big = check_smallest_relu_layer(answer + 2)
    assert not too_big and "smaller layer" in _failed_texts(too_big)[0]
    assert str(answer) not in _failed_texts(too_big)[0]  # the right answer is never shown


@pytest.mark.slow
def test_smallest_relu_layer_too_small_names_the_failing_seeds():
    v = check_smallest_relu_layer(1)
    assert not v.ok and "seeds 0, 1, 2, 3, 4" in v.marks[0].text and v.hint


@pytest.mark.parametrize("bad", [None, ..., 0, 33, 2.5, "4", True])
def test_smallest_relu_layer_rejects_bad_input_without_training(bad):
    v = check_smallest_relu_layer(bad)
    assert isinstance(v, Verdict) and not v.ok and len(v.marks) == 1


# ---------------------------------------------------------------- Exercise 5.6: two-layer backward pass

def test_reference_grads_match_torch(needs_torch):
    torch = needs_torch
    for _, X, y, W1, b1, W2, b2 in _two_layer_cases():
        ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (W1, b1, W2, b2)]
        Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
        yhat = torch.sigmoid(torch.tanh(Xt @ ts[0].T + ts[1]) @ ts[2].T + ts[3])[:, 0]
        (0.5 * ((yhat - yt) ** 2).mean()).backward()
        ref = _reference_grads(X, y, W1, b1, W2, b2)
        for key, t in zip(("W1", "b1", "W2", "b2"), ts):
            np.testing.assert_allclose(ref[key], t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_two_layer_right_function_passes_every_parameter():
    v = check_two_layer_grads(good_grads)
    assert v.ok and len(v.marks) == 8, str(v)


def test_two_layer_stub_and_none_are_not_written_with_no_hint():
    v = check_two_layer_grads(_stub)
    assert [m.text for m in v.marks] == [NOT_WRITTEN] and v.hint == ""
    v = check_two_layer_grads(lambda *a: None)
    assert not v.ok and "return" in v.marks[0].text and v.hint == ""


def _variant(no_inv_n=False, no_dtanh=False, no_dsig=False, sign=1.0, transpose_w2=False, unsummed_b1=False):
    def fn(X, y, W1, b1, W2, b2):
        H = np.tanh(X @ W1.T + b1)
        yhat = 1 / (1 + np.exp(-(H @ W2.T + b2)))
        D2 = sign * (yhat - y[:, None]) / (1 if no_inv_n else len(y)) * (1 if no_dsig else yhat * (1 - yhat))
        D1 = (D2 @ W2) * (1 if no_dtanh else (1 - H**2))
        dW2 = D2.T @ H
        return {"W1": D1.T @ X, "b1": D1 if unsummed_b1 else D1.sum(0), "W2": dW2.T if transpose_w2 else dW2,
                "b2": D2.sum(0)}
    return fn


@pytest.mark.parametrize("slip, key, words", [
    (_variant(no_inv_n=True), "W2", "1/N"),
    (_variant(no_dtanh=True), "W1", "1 − H²"),
    (_variant(no_dsig=True), "b2", "ŷ(1 − ŷ)"),
    (_variant(sign=-1.0), "W1", "sign"),
    (_variant(transpose_w2=True), "W2", "transposed"),
    (_variant(unsummed_b1=True), "b1", "sum over the examples"),
])
def test_two_layer_names_each_slip_on_the_right_parameter(slip, key, words):
    v = check_two_layer_grads(slip)
    assert not v.ok and v.hint
    failed = [t for t in _failed_texts(v) if f"d{key}:" in t]
    assert failed and all(words in t for t in failed), str(v)


def test_two_layer_no_tanh_slope_leaves_the_output_layer_right():
    v = check_two_layer_grads(_variant(no_dtanh=True))
    assert all(m.ok for m in v.marks if "dW2" in m.text or "db2" in m.text)


@pytest.mark.parametrize("broken", [
    lambda *a: 1 / 0,
    lambda *a: [1, 2, 3],
    lambda *a: {"W1": "x", "b1": None},
    lambda *a: {k: np.full((1,), np.nan) for k in ("W1", "b1", "W2", "b2")},
    lambda: 0,
])
def test_two_layer_broken_code_fails_without_raising(broken):
    v = check_two_layer_grads(broken)
    assert isinstance(v, Verdict) and not v.ok


def test_two_layer_checker_does_not_let_the_learner_change_its_arrays():
    def vandal(X, y, W1, b1, W2, b2):
        W1 *= 0
        return good_grads(X, y, W1, b1, W2, b2)

    assert not check_two_layer_grads(vandal)  # the gradient at W1 = 0 is not the one asked for
    assert check_two_layer_grads(good_grads)
