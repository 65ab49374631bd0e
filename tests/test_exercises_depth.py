"""check_sigmoid_chain_grad and check_clip_by_norm (lesson 6): right answers pass, named slips fail
with their reason, a failing case never shows the right answer, and the method hint appears only
after a real attempt."""

import math

import pytest

from backprop_lab import Value, check_clip_by_norm, check_sigmoid_chain_grad
from backprop_lab.exercises.depth import _CHAIN_CASES, _CLIP_CASES, _chain_autograd, _clip_package
from helpers import central_diff


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def chain_right(x, depth):
    s, g = x, 1.0
    for _ in range(depth):
        s = sigmoid(s)
        g *= s * (1 - s)
    return g


def chain_slope_of_input(x, depth):  # the slip: s(1 - s) of the layer's input
    s, g = x, 1.0
    for _ in range(depth):
        g *= s * (1 - s)
        s = sigmoid(s)
    return g


def stub(*args):
    raise NotImplementedError("replace this line with your code")


def clip_right(grads, max_norm):
    norm = math.sqrt(sum(g * g for g in grads))
    return [g * max_norm / norm for g in grads] if norm > max_norm else list(grads)


def shown(verdict):
    return str(verdict)


@pytest.mark.parametrize("x, depth", _CHAIN_CASES)
def test_chain_reference_agrees_with_the_product_of_slopes_and_finite_differences(x, depth):
    def f(v):
        for _ in range(depth):
            v = v.sigmoid()
        return v
    assert _chain_autograd(x, depth) == pytest.approx(chain_right(x, depth), rel=1e-12)
    if depth <= 5:  # deeper, f barely moves over h and the difference is mostly rounding
        assert _chain_autograd(x, depth) == pytest.approx(central_diff(f, [x], 0), rel=1e-5)


@pytest.mark.parametrize("x, depth", _CHAIN_CASES)
def test_chain_reference_agrees_with_torch(needs_torch, x, depth):
    t = needs_torch.tensor(x, dtype=needs_torch.float64, requires_grad=True)
    out = t
    for _ in range(depth):
        out = needs_torch.sigmoid(out)
    out.backward()
    assert _chain_autograd(x, depth) == pytest.approx(t.grad.item(), rel=1e-12)


def test_right_chain_grad_passes_every_case():
    v = check_sigmoid_chain_grad(chain_right)
    assert v.ok and len(v.marks) == len(_CHAIN_CASES)


def test_stub_gets_no_hint_and_says_not_written():
    v = check_sigmoid_chain_grad(stub)
    assert not v.ok and v.hint == ""
    assert all("not written yet" in m.text for m in v.marks)
    assert "s·(1 − s)" not in shown(v)


def test_wrong_chain_names_the_slip_and_never_prints_the_answer():
    v = check_sigmoid_chain_grad(chain_slope_of_input)
    assert not v.ok and "s·(1 − s) over the layers" in v.hint  # the method, after a real attempt
    assert any("layer's output" in m.text for m in v.marks if not m.ok)
    for (x, depth), mark in zip(_CHAIN_CASES, v.marks):
        if not mark.ok:
            assert f"{_chain_autograd(x, depth):.4e}" not in mark.text


def test_chain_sign_slip_is_named():
    v = check_sigmoid_chain_grad(lambda x, d: -chain_right(x, d))
    assert not v.ok and all("sign" in m.text for m in v.marks)


@pytest.mark.parametrize("bad, words", [
    (lambda x, d: None, "None"),
    (lambda x, d: "0.25", "not a number"),
    (lambda x, d: 1 / 0, "ZeroDivisionError"),
    (lambda x, d: Value(0.25), "not a number"),
    (lambda x, d: float("nan"), "overflowed"),
])
def test_broken_chain_grad_fails_with_a_message(bad, words):
    v = check_sigmoid_chain_grad(bad)
    assert not v.ok and all(words in m.text for m in v.marks), shown(v)


@pytest.mark.parametrize("grads, max_norm", _CLIP_CASES)
def test_clip_reference_keeps_direction_and_caps_norm(grads, max_norm):
    out = _clip_package(grads, max_norm)
    norm_in = math.sqrt(sum(g * g for g in grads))
    norm_out = math.sqrt(sum(g * g for g in out))
    assert norm_out == pytest.approx(min(norm_in, max_norm), rel=1e-12, abs=1e-12)
    if norm_in:
        for a, b in zip(out, grads):
            assert a * norm_in == pytest.approx(b * norm_out, rel=1e-12, abs=1e-9)


def test_right_clip_passes():
    v = check_clip_by_norm(clip_right)
    assert v.ok and len(v.marks) == len(_CLIP_CASES)


def test_clip_stub_gets_no_hint():
    v = check_clip_by_norm(stub)
    assert not v.ok and v.hint == "" and "max_norm / norm" not in shown(v)


@pytest.mark.parametrize("wrong, words", [
    (lambda g, m: [max(-m, min(m, x)) for x in g], "clipped on its own"),
    (lambda g, m: [x * m / math.sqrt(sum(y * y for y in g)) for x in g] if any(g) else list(g),
     "already below max_norm"),
    (lambda g, m: list(g), "unchanged, but the norm is above"),
])
def test_clip_slips_are_named_and_the_answer_is_not_shown(wrong, words):
    v = check_clip_by_norm(wrong)
    assert not v.ok and any(words in m.text for m in v.marks), shown(v)
    assert "max_norm / norm" in v.hint
    for (grads, max_norm), mark in zip(_CLIP_CASES, v.marks):
        want = "[" + ", ".join(f"{g:.4g}" for g in _clip_package(grads, max_norm)) + "]"
        if not mark.ok:
            assert want not in mark.text


@pytest.mark.parametrize("bad, words", [
    (lambda g, m: None, "None"),
    (lambda g, m: 3.0, "not a list"),
    (lambda g, m: g[:1], "not"),
    (lambda g, m: [x / 0 for x in g], "ZeroDivisionError"),
])
def test_broken_clip_fails_with_a_message(bad, words):
    v = check_clip_by_norm(bad)
    assert not v.ok and any(words in m.text for m in v.marks), shown(v)
