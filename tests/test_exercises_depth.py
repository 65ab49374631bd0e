"""check_sigmoid_chain_grad, check_deep_backward and check_clip_by_norm (lesson 6): right answers
pass, named slips fail with their reason, a failing case never shows the right answer, and the
method hint appears only after a real attempt."""

import math

import numpy as np
import pytest

from backprop_lab import Value, check_clip_by_norm, check_deep_backward, check_sigmoid_chain_grad
from backprop_lab.exercises.depth import (
    _CHAIN_CASES, _CLIP_CASES, _DEEP_CASES, _DEEP_SLIPS, _chain_autograd, _clip_package, _deep_backward,
    _deep_case,
)
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
    (lambda x, d: Value(0.25), "not right yet"),  # a Value counts as its number, here a wrong one
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


# ---------------------------------------------------------------- 6.2: the deep network's backward pass

def deep_right(Ws, hs, slopes, v, y, residual=False):
    dh = np.outer((hs[-1] @ v - y) / len(y), v)
    grads = [None] * len(Ws)
    for i in reversed(range(len(Ws))):
        dz = dh * slopes[i]
        grads[i] = dz.T @ hs[i]
        dh = dz @ Ws[i] + (dh if residual else 0.0)
    return grads


def deep_loss_value(Ws, x, v, y, activation, residual):
    """The same network and loss built from Values: autograd's dL/dW, to check the reference against."""
    act = {"sigmoid": lambda z: z.sigmoid(), "tanh": lambda z: z.tanh(), "relu": lambda z: z.relu()}[activation]
    W = [[[Value(w) for w in row] for row in Wl] for Wl in Ws]
    total = Value(0.0)
    for xb, yb in zip(x, y):
        h = [Value(float(xi)) for xi in xb]
        for Wl in W:
            a = [act(sum((wij * hj for wij, hj in zip(row, h)), Value(0.0))) for row in Wl]
            h = [ai + hi for ai, hi in zip(a, h)] if residual else a
        yhat = sum((hj * float(vj) for hj, vj in zip(h, v)), Value(0.0))
        total = total + 0.5 * (yhat - float(yb)) ** 2
    (total * (1.0 / len(y))).backward()
    return [np.array([[w.grad for w in row] for row in Wl]) for Wl in W]


@pytest.mark.parametrize("case", _DEEP_CASES)
def test_deep_reference_agrees_with_autograd(case):
    depth, activation, residual, width, batch, seed = case
    Ws, hs, slopes, v, y = _deep_case(*case)
    auto = deep_loss_value(Ws, hs[0], v, y, activation, residual)
    for mine, theirs in zip(_deep_backward(Ws, hs, slopes, v, y, residual), auto):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-13)


def test_right_deep_backward_passes_every_case():
    v = check_deep_backward(deep_right)
    assert v.ok and len(v.marks) == len(_DEEP_CASES), shown(v)


def test_deep_stub_says_not_written_and_gives_no_hint():
    v = check_deep_backward(stub)
    assert not v.ok and v.hint == "" and all("not written yet" in m.text for m in v.marks)


@pytest.mark.parametrize("slip", list(_DEEP_SLIPS))
def test_each_deep_slip_is_named_where_it_shows(slip):
    v = check_deep_backward(lambda *args: _deep_backward(*args, slip=slip))
    assert not v.ok and "slopes[i]" in v.hint
    for case, mark in zip(_DEEP_CASES, v.marks):
        Ws, hs, slopes, vv, y = _deep_case(*case)
        differs = any(not np.allclose(a, b) for a, b in zip(_deep_backward(Ws, hs, slopes, vv, y, case[2], slip),
                                                            _deep_backward(Ws, hs, slopes, vv, y, case[2])))
        assert mark.ok == (not differs), mark.text
        if differs:
            assert _DEEP_SLIPS[slip] in mark.text, mark.text


def test_deep_slips_give_different_numbers_on_the_deepest_cases():
    """Each slip is told apart from every other on at least one case (so the first match is the right name)."""
    for a in _DEEP_SLIPS:
        for b in _DEEP_SLIPS:
            if a < b:
                assert any(
                    any(not np.allclose(x, z) for x, z in zip(_deep_backward(*_deep_case(*c)[:5], c[2], a),
                                                              _deep_backward(*_deep_case(*c)[:5], c[2], b)))
                    for c in _DEEP_CASES), (a, b)


def test_deep_unknown_mistake_in_the_lower_layers_points_at_the_hand_down_line():
    def halved_below(Ws, hs, slopes, v, y, residual=False):
        grads = deep_right(Ws, hs, slopes, v, y, residual)
        return [g * 0.5 for g in grads[:-1]] + [grads[-1]]
    v = check_deep_backward(halved_below)
    assert any("hands the gradient down" in m.text for m in v.marks if not m.ok), shown(v)


@pytest.mark.parametrize("bad, words", [
    (lambda *a: None, "None"),
    (lambda Ws, *a: np.zeros((len(Ws), 3, 3)), "not a list"),
    (lambda Ws, *a: [np.zeros((3, 3))] * (len(Ws) + 1), "gradients for"),
    (lambda Ws, *a: [np.zeros((2, 2)) for _ in Ws], "shape"),
    (lambda Ws, hs, *a: [h.fill(0.0) for h in hs][:len(Ws)], "in place"),
])
def test_broken_deep_backward_fails_with_a_message(bad, words):
    v = check_deep_backward(bad)
    assert not v.ok and all(words in m.text for m in v.marks), shown(v)


# ---------------------------------------------------------------- 6.3: a new list, the input untouched

def clip_in_place(grads, max_norm):
    norm = math.sqrt(sum(g * g for g in grads))
    if norm > max_norm:
        for i, g in enumerate(grads):
            grads[i] = g * max_norm / norm
    return grads


def test_clip_in_place_fails_though_its_numbers_are_right():
    v = check_clip_by_norm(clip_in_place)
    assert not v.ok
    texts = {tuple(g): m.text for (g, _), m in zip(_CLIP_CASES, v.marks)}
    assert "changed the list it was given" in texts[(3.0, 4.0)] or "very list" in texts[(3.0, 4.0)]
    assert sum("changed the list it was given" in m.text for m in v.marks) == 3  # the three clipped cases


def test_clip_returning_the_same_list_when_below_the_norm_is_named():
    v = check_clip_by_norm(lambda g, m: g if math.sqrt(sum(x * x for x in g)) <= m else clip_right(g, m))
    assert not v.ok and sum("very list it was given" in m.text for m in v.marks) == 2, shown(v)
