"""The capstone's checkers (lesson 7).

check_total_loss and check_fit: right answers pass, each named slip fails with its reason where it
shows, a stub says "not written yet" with no hint. check_prediction finds the one changed setting,
compares each prediction with what the two runs did, explains why, says so when a run diverged, and
refuses runs that differ in more than one thing or are broken."""

import math

import pytest

from backprop_lab import MLP, Value, check_fit, check_prediction, check_total_loss
from backprop_lab.exercises.training import (
    _FIT_CASES, _FIT_SLIPS, _LOSS_CASES, SAME_ACCURACY, SAME_LOSS, _count, _fit_model, _fit_reference, _LossFn,
    _loss_model,
)
from backprop_lab.nn import hinge_loss, l2_penalty

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


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_a_diverged_run_is_named_and_not_explained(bad):
    """A loss of inf or nan has no direction: saying 'higher' must not pass, and no mechanism is offered."""
    after = dict(BEFORE, activation="linear", loss=bad, accuracy=0.5)
    v = check_prediction(BEFORE, after, loss="higher", accuracy="lower")
    assert not v.ok and "diverged" in failing(v)[0] and str(bad) in failing(v)[0]
    assert "straight line" not in str(v) and not getattr(v, "why", "")


def test_no_hidden_layer_is_explained_as_a_straight_line():
    v = check_prediction(BEFORE, dict(BEFORE, sizes=[], loss=0.296, accuracy=0.87), loss="higher",
                         accuracy="lower")
    assert v.ok and "one linear neuron (3 weights instead of 337)" in v.why, str(v)


# ---------------------------------------------------------------- 7.1: the loss

def total_loss(model, points, labels, alpha=1e-4):
    scores = [model(p) for p in points]
    hinge = sum((1 - yk * sk).relu() for yk, sk in zip(labels, scores)) * (1 / len(points))
    penalty = alpha * sum(p * p for p in model.parameters())
    accuracy = sum((sk.data > 0) == (yk > 0) for yk, sk in zip(labels, scores)) / len(points)
    return hinge + penalty, penalty, accuracy


def loss_with(hinge="mean", penalty="right", accuracy="right", graph=True):
    """total_loss with one slip."""
    def fn(model, points, labels, alpha=1e-4):
        scores = [model(p) for p in points]
        margins = [(1 - yk * sk) if hinge != "sign" else (1 + yk * sk) for yk, sk in zip(labels, scores)]
        if not graph:
            margins = [Value(m.data) for m in margins]
        terms = [m if hinge == "no_relu" else m.relu() for m in margins]
        h = sum(terms) * (1 if hinge == "sum" else 1 / len(points))
        ws = model.parameters()
        pen = {"right": alpha * sum(p * p for p in ws), "no_alpha": sum(p * p for p in ws),
               "not_squared": alpha * sum(ws), "missing": 0 * sum(ws)}[penalty]
        right = [(sk.data > 0) == (yk > 0) for yk, sk in zip(labels, scores)]
        acc = {"right": sum(right) / len(points), "count": sum(right),
               "bool_vs_label": sum((sk.data > 0) == yk for yk, sk in zip(labels, scores)) / len(points)}[accuracy]
        loss = h if penalty == "missing" else h + pen
        return loss, alpha * sum(p * p for p in ws) if penalty == "missing" else pen, acc
    return fn


def test_loss_reference_agrees_with_the_package_losses():
    for points, labels, alpha, seed in _LOSS_CASES:
        model = _loss_model(seed)
        want = hinge_loss([model(p) for p in points], labels) + l2_penalty(model, alpha)
        assert total_loss(model, points, labels, alpha)[0].data == pytest.approx(want.data, rel=1e-12)


def test_right_loss_passes_every_case():
    v = check_total_loss(total_loss)
    assert v.ok and len(v.marks) == len(_LOSS_CASES), str(v)


def test_loss_stub_says_not_written_and_gives_no_hint():
    v = check_total_loss(lambda *a: (_ for _ in ()).throw(NotImplementedError("Exercise 7.1: x")))
    assert not v.ok and v.hint == "" and all("not written yet" in m.text for m in v.marks)


@pytest.mark.parametrize("kwargs, words", [
    (dict(hinge="sum"), "divide by the number of points"),
    (dict(hinge="no_relu"), "use (1 − y·s).relu()"),
    (dict(hinge="sign"), "margin's sign is flipped"),
    (dict(penalty="missing"), "penalty is missing"),
    (dict(penalty="no_alpha"), "not multiplied by alpha"),
    (dict(penalty="not_squared"), "not their squares"),
    (dict(accuracy="count"), "is a count"),
    (dict(accuracy="bool_vs_label"), "False never equals −1"),
    (dict(graph=False), "cut the graph"),
])
def test_each_loss_slip_is_named(kwargs, words):
    v = check_total_loss(loss_with(**kwargs))
    assert not v.ok and any(words in m.text for m in v.marks if not m.ok), str(v)
    assert "relu()" in v.hint


@pytest.mark.parametrize("bad, words", [
    (lambda m, p, y, a: None, "return three things"),
    (lambda m, p, y, a: (total_loss(m, p, y, a)[0].data, 0.0, 1.0), "not a node of the engine"),
    (lambda m, p, y, a: (total_loss(m, p, y, a)[0], total_loss(m, p, y, a)[1].data, 1.0), "penalty is a float"),
    (lambda m, p, y, a: (sum(max(0, 1 - yk * m(pk)) for pk, yk in zip(p, y)), 0, 0), "use x.relu()"),
])
def test_broken_loss_fails_with_a_message(bad, words):
    v = check_total_loss(bad)
    assert not v.ok and all(words in m.text for m in v.marks), str(v)


# ---------------------------------------------------------------- 7.2: the training loop

def fit(model, loss_fn, steps, lr, show=None):
    show = show or (lambda k, loss: None)
    for k in range(steps):
        loss, penalty, accuracy = loss_fn(model)
        show(k, loss.data)
        model.zero_grad()
        loss.backward()
        rate = lr * (1 - 0.9 * k / steps)
        for p in model.parameters():
            p.data -= rate * p.grad


def test_fit_reference_lowers_the_loss():
    model = _loss_model(32)
    losses = _fit_reference(model, 20, 0.4)
    assert losses[-1] < losses[0]


def test_right_fit_passes_every_case():
    v = check_fit(fit)
    assert v.ok and len(v.marks) == len(_FIT_CASES), str(v)


def test_fit_stub_says_not_written_and_gives_no_hint():
    def stub_fit(model, loss_fn, steps, lr, show=None):
        raise NotImplementedError("Exercise 7.2: x")
    v = check_fit(stub_fit)
    assert not v.ok and v.hint == "" and all("not written yet" in m.text for m in v.marks)


@pytest.mark.parametrize("slip", list(_FIT_SLIPS))
def test_each_fit_slip_is_named_where_it_shows(slip):
    def slipped(model, loss_fn, steps, lr, show=None):
        for k in range(steps):
            loss = loss_fn(model)[0]
            show(k, loss.data)
            if slip not in ("no_zero", "zero_after"):
                model.zero_grad()
            loss.backward()
            if slip == "zero_after":
                model.zero_grad()
            rate = lr * {"no_schedule": 1.0, "k1": 1 - 0.9 * (k + 1) / steps}.get(slip, 1 - 0.9 * k / steps)
            for p in model.parameters():
                p.data += rate * p.grad if slip == "plus" else -rate * p.grad
    v = check_fit(slipped)
    assert not v.ok and "zero every grad" in v.hint
    for (steps, lr, seed), mark in zip(_FIT_CASES, v.marks):
        same = all(math.isclose(a.data, b.data, rel_tol=1e-12)
                   for a, b in zip(_fit_model(seed, steps, lr, slip), _fit_model(seed, steps, lr, None)))
        assert mark.ok == same, mark.text
        if not same:
            assert _FIT_SLIPS[slip] in mark.text, mark.text


def test_fit_without_show_fails_and_says_how_to_call_it():
    def silent(model, loss_fn, steps, lr, show=None):
        fit(model, loss_fn, steps, lr)
    v = check_fit(silent)
    assert not v.ok and all("show was called 0 times" in m.text for m in v.marks), str(v)


def test_fit_with_the_forward_pass_outside_the_loop_is_told_so():
    def once(model, loss_fn, steps, lr, show=None):
        loss = loss_fn(model)[0]
        for k in range(steps):
            show(k, loss.data)
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= lr * (1 - 0.9 * k / steps) * p.grad
    v = check_fit(once)
    assert not v.ok and any("loss_fn ran 1 time for" in m.text for m in v.marks), str(v)


def test_fit_that_rebinds_p_is_told_the_weights_did_not_change():
    def rebinds(model, loss_fn, steps, lr, show=None):
        for k in range(steps):
            loss = loss_fn(model)[0]
            show(k, loss.data)
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p -= lr * p.grad  # the slip under test: rebinds the name p
    v = check_fit(rebinds)
    assert not v.ok and all("did not change" in m.text for m in v.marks), str(v)


def test_fit_works_on_the_lessons_kind_of_model():
    """The lesson's own MLP (any object with __call__, parameters() and zero_grad()) trains with fit."""
    model = MLP(2, [3, 1], seed=5)
    fit(model, _LossFn(), 3, 0.5)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_the_checkers_build_their_networks_from_the_lessons_engine():
    """check_total_loss(fn, Scalar) and check_fit(fn, Scalar) hand the learner a network of their own class."""
    class Mine(Value):
        pass

    seen = []

    def loss_spy(model, points, labels, alpha=1e-4):
        seen.extend(type(p) for p in model.parameters())
        return total_loss(model, points, labels, alpha)

    def fit_spy(model, loss_fn, steps, lr, show=None):
        seen.extend(type(p) for p in model.parameters())
        fit(model, loss_fn, steps, lr, show)

    assert check_total_loss(loss_spy, Mine) and check_fit(fit_spy, Mine)
    assert seen and set(seen) == {Mine}
