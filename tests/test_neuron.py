"""The sigmoid neuron by hand: ledger numbers, four trainers that agree, batch gradients, stability."""

import math
import sys
import warnings

import numpy as np
import pytest

from backprop_lab.gradcheck import numerical_grad
from backprop_lab.neuron import (
    B0, W0, X0, Y0, batch_gradients, compare_trainers, neuron_ledger, neuron_update, sigmoid,
    sigmoid_np, train_neuron_numpy, train_neuron_python, train_neuron_torch, train_neuron_value,
)

LEDGER = {  # the lesson's numbers, to 4 decimals
    "z": 0.66, "yhat": 0.6593, "loss": 0.0581, "dL/dyhat": -0.3407, "dyhat/dz": 0.2246,
    "dL/dz": -0.0765, "dL/dw1": -0.0612, "dL/dw2": 0.0306, "dL/dw3": -0.0919, "dL/db": -0.0765,
}


def test_ledger_numbers_and_order():
    led = neuron_ledger()
    assert list(led) == list(LEDGER)
    for name, want in LEDGER.items():
        assert round(led[name], 4) == pytest.approx(want, abs=1e-12), name


def test_ledger_rows_follow_the_chain_rule():
    led = neuron_ledger()
    assert led["dL/dz"] == pytest.approx(led["dL/dyhat"] * led["dyhat/dz"], rel=1e-15)
    for i, xi in enumerate(X0, start=1):
        assert led[f"dL/dw{i}"] == pytest.approx(led["dL/dz"] * xi, rel=1e-15)


def test_ledger_gradients_match_finite_differences():
    def loss(w1, w2, w3, b):
        return neuron_ledger(X0, (w1, w2, w3), b, Y0)["loss"]

    numeric = numerical_grad(loss, *W0, B0)
    led = neuron_ledger()
    analytic = [led["dL/dw1"], led["dL/dw2"], led["dL/dw3"], led["dL/db"]]
    assert analytic == pytest.approx(numeric, rel=1e-7)


def test_update_numbers():
    new_w, new_b = neuron_update(neuron_ledger(), W0, B0, lr=0.5)
    assert [round(w, 4) for w in new_w] == [0.2306, -0.1153, 0.3459]
    assert round(new_b, 4) == 0.1383


def test_ledger_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one weight per input"):
        neuron_ledger((1.0, 2.0), (0.1, 0.2, 0.3))


@pytest.mark.parametrize("trainer", [train_neuron_python, train_neuron_numpy, train_neuron_value])
def test_each_trainer_gives_the_lesson_numbers(trainer):
    h = trainer(lr=0.5, steps=50)
    assert len(h.losses) == 51
    assert [round(h.losses[k], 4) for k in (0, 20, 40)] == [0.0581, 0.0097, 0.0049]
    assert round(float(np.ravel(h.yhat)[0]), 4) == 0.9122
    assert all(a > b for a, b in zip(h.losses, h.losses[1:]))  # loss falls every step


def test_the_trainers_agree_to_rounding():
    runs = compare_trainers(use_torch=False)
    ref = runs["pure Python"]
    assert list(runs) == ["pure Python", "NumPy", "Value (autograd)"]
    for name, h in runs.items():
        assert h.losses == pytest.approx(ref.losses, rel=1e-12, abs=0), name
        assert h.yhat == pytest.approx(ref.yhat, rel=1e-12), name
        assert h.w == pytest.approx(ref.w, rel=1e-12), name
        assert h.b == pytest.approx(ref.b, rel=1e-12), name


def test_batch_gradient_equals_mean_of_per_example_ledgers():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(7, 3))
    y = rng.uniform(size=7)
    w, b = [0.3, -0.2, 0.5], -0.1
    loss, dw, db = batch_gradients(X, y, w, b)
    ledgers = [neuron_ledger(list(x), w, b, t) for x, t in zip(X, y)]
    assert loss == pytest.approx(np.mean([led["loss"] for led in ledgers]), rel=1e-13)
    for i in range(3):
        assert dw[i] == pytest.approx(np.mean([led[f"dL/dw{i + 1}"] for led in ledgers]), rel=1e-12)
    assert db == pytest.approx(np.mean([led["dL/db"] for led in ledgers]), rel=1e-12)


def test_batch_of_one_equals_pure_python_and_bigger_batches_train():
    one = train_neuron_numpy([list(X0)], [Y0])
    assert one.losses == pytest.approx(train_neuron_python().losses, rel=1e-12)
    X = np.array([X0, [-0.5, 1.0, 0.2], [1.0, 1.0, -1.0]])
    h = train_neuron_numpy(X, [1.0, 0.0, 1.0], steps=200)
    assert h.yhat.shape == (3,)
    assert h.losses[-1] < 0.5 * h.losses[0]


def test_numpy_trainer_rejects_mismatched_batch():
    with pytest.raises(ValueError, match="rows"):
        train_neuron_numpy(np.zeros((3, 3)), [1.0, 0.0])


def test_trainers_match_torch_in_double():
    pytest.importorskip("torch", reason="torch is not installed, so there is no PyTorch reference")
    t = train_neuron_torch(lr=0.5, steps=50)
    p = train_neuron_python(lr=0.5, steps=50)
    assert t.losses == pytest.approx(p.losses, rel=1e-12)
    assert t.yhat == pytest.approx(p.yhat, rel=1e-12)
    assert t.w == pytest.approx(p.w, rel=1e-12)
    assert "PyTorch" in compare_trainers()


def test_torch_trainer_without_torch_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match="pip install torch"):
        train_neuron_torch()
    assert list(compare_trainers()) == ["pure Python", "NumPy", "Value (autograd)"]


def test_stable_sigmoid_at_extremes_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid_np([-1000.0, -40.0, 0.0, 40.0, 1000.0])
        assert s[0] == 0.0 and s[2] == 0.5 and s[4] == 1.0
        assert s[1] == pytest.approx(math.exp(-40), rel=1e-12)
        assert sigmoid(-1000.0) == 0.0 and sigmoid(1000.0) == 1.0
    z = np.linspace(-30, 30, 61)
    assert sigmoid_np(z) == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-14)
