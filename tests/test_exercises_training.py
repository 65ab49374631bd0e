"""check_prediction (lesson 7): it finds the one changed setting, compares each prediction with what
the two runs did, explains why, and refuses runs that differ in more than one thing or are broken."""

import pytest

from backprop_lab import check_prediction
from backprop_lab.exercises.training import SAME_ACCURACY, SAME_LOSS, _count

BEFORE = dict(sizes=[16, 16], activation="relu", lr=1.0, steps=50, seed=0, loss=0.0348, accuracy=1.0,
              penalty=0.011)
SLOWER = dict(BEFORE, lr=0.1, loss=0.208, accuracy=0.91, penalty=0.010)


def failing(v):
    return [m.text for m in v.marks if not m.ok]


def test_right_prediction_passes_and_explains():
    v = check_prediction(BEFORE, SLOWER, loss="higher", accuracy="lower")
    assert v.ok, str(v)
    assert "you changed lr: 1.0 → 0.1" in v.marks[0].text
    assert "less far" in v.why and "0.011" in v.why  # the mechanism, and the run's own penalty
    assert "why:" in str(v) and "why:" in v._repr_html_()


def test_wrong_prediction_fails_saying_what_happened_and_why():
    v = check_prediction(BEFORE, SLOWER, loss="lower")
    assert not v.ok
    assert failing(v) == ["final loss: you said lower; it went 0.0348 → 0.208: higher, not lower"]
    assert v.why and "why:" in str(v)


@pytest.mark.parametrize("after, loss, accuracy", [
    (dict(BEFORE, loss=BEFORE["loss"] * (1 + SAME_LOSS / 2), lr=0.9), "same", "same"),
    (dict(BEFORE, accuracy=1.0 - SAME_ACCURACY / 2, lr=0.9), "same", "same"),
    (dict(BEFORE, loss=0.02, accuracy=1.0 - 2 * SAME_ACCURACY, lr=0.9), "lower", "lower"),
])
def test_same_means_within_the_stated_tolerance(after, loss, accuracy):
    assert check_prediction(BEFORE, after, loss=loss, accuracy=accuracy)


@pytest.mark.parametrize("change, words", [
    (dict(sizes=[32, 32], loss=0.149), "more weights (337 → 1185)"),
    (dict(sizes=[4, 4], loss=0.25), "fewer weights"),
    (dict(sizes=[16], loss=0.25), "fewer weights (337 → 65) in fewer layers"),
    (dict(sizes=[16, 16, 16], loss=0.03), "more weights (337 → 609) in more layers"),
    (dict(activation="linear", loss=0.3), "straight line"),
    (dict(activation="sigmoid", loss=0.3), "0.25"),
    (dict(activation="tanh", loss=0.018), "tanh"),
    (dict(lr=3.0, loss=2.35, accuracy=0.5), "overshoot"),
    (dict(lr=0.5, loss=0.074), "less far"),
])
def test_each_kind_of_change_gets_its_explanation(change, words):
    v = check_prediction(BEFORE, dict(BEFORE, **change), loss="higher")
    assert words in v.why, v.why


def test_weight_count_matches_the_mlp():
    from backprop_lab import MLP
    assert _count([16, 16]) == len(MLP(2, [16, 16, 1], seed=0).parameters()) == 337
    assert _count([8]) == len(MLP(2, [8, 1], seed=0).parameters())


@pytest.mark.parametrize("after, words", [
    (dict(BEFORE), "same settings"),
    (dict(BEFORE, lr=0.1, sizes=[8, 8]), "change one thing"),
    (dict(BEFORE, lr=0.1, steps=100), "keep steps the same"),
    (dict(BEFORE, lr=0.1, seed=3), "keep seed the same"),
])
def test_runs_must_differ_in_exactly_one_setting(after, words):
    v = check_prediction(BEFORE, after, loss="higher")
    assert not v.ok and words in failing(v)[0]


@pytest.mark.parametrize("before, after, kwargs, words", [
    (BEFORE, SLOWER, {}, "write your prediction first"),
    (BEFORE, SLOWER, {"loss": "up"}, "'higher', 'lower' or 'same'"),
    (BEFORE, {"loss": 1.0}, {"loss": "higher"}, "missing"),
    (BEFORE, [1, 2], {"loss": "higher"}, "should be the dict"),
    (BEFORE, dict(SLOWER, loss="big"), {"loss": "higher"}, "should be a number"),
])
def test_broken_input_fails_with_a_message(before, after, kwargs, words):
    v = check_prediction(before, after, **kwargs)
    assert not v.ok and words in failing(v)[0]


def test_diverged_run_counts_as_higher():
    v = check_prediction(BEFORE, dict(BEFORE, lr=10.0, loss=float("inf"), accuracy=0.5), loss="higher",
                         accuracy="lower")
    assert v.ok, str(v)
