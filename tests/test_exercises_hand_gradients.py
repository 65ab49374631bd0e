"""check_hand_grads and check_backward_by_hand (lesson 2): one mark per node, in the order the backward
pass reaches them; each kind of wrong answer is named; wrong types fail with a message."""

import pytest

from backprop_lab import Value, check_backward_by_hand, check_hand_grads, hand_graph
from backprop_lab.engine import topological_order
from backprop_lab.exercises import Verdict
from backprop_lab.exercises.hand_gradients import EXERCISE_POINTS, _slips, backward_order
from helpers import central_diff

# L = p + r, p = q·z, q = x·y, r = w·x at x=-2, y=5, z=-4, w=3
RIGHT = {"dL/dp": 1, "dL/dr": 1, "dL/dq": -4, "dL/dz": -10, "dL/dw": -2, "dL/dx": -17, "dL/dy": 8}
WORKED = {"dL/dd": -2, "dL/df": 4, "dL/de": -2, "dL/dc": -2, "dL/da": 6, "dL/db": -4}


def texts(verdict):
    return "\n".join([m.text for m in verdict.marks] + [verdict.hint])


def failing(verdict):
    return [m.text for m in verdict.marks if not m.ok]


def keys(verdict):
    return [m.text.split(" ")[0].rstrip(":") for m in verdict.marks]


def test_right_hand_grads_pass_one_mark_each():
    v = check_hand_grads(RIGHT)
    assert isinstance(v, Verdict) and v.ok and len(v.marks) == len(RIGHT)


def test_marks_come_in_backward_order_whatever_the_dict_order():
    shuffled = dict(sorted(RIGHT.items()))
    assert keys(check_hand_grads(shuffled)) == ["dL/dp", "dL/dr", "dL/dq", "dL/dz", "dL/dw", "dL/dx", "dL/dy"]
    assert keys(check_hand_grads(WORKED, graph="worked")) == ["dL/dd", "dL/df", "dL/de", "dL/dc",
                                                            "dL/da", "dL/db"]


def test_backward_order_puts_a_shared_node_after_all_of_its_users():
    order = [n.label for n in backward_order(hand_graph())]
    assert order.index("x") > max(order.index("q"), order.index("r"))
    assert sorted(order) == sorted(n.label for n in topological_order(hand_graph()))


def test_right_hand_grads_agree_with_finite_differences():
    def f(x, y, z, w):
        return x * y * z + w * x
    at = [-2.0, 5.0, -4.0, 3.0]
    for i, name in enumerate("xyzw"):
        assert central_diff(f, at, i) == pytest.approx(RIGHT[f"dL/d{name}"], rel=1e-6)
    L = hand_graph()
    L.backward()
    assert {n.label: n.grad for n in topological_order(L) if n is not L} == {k[4:]: v for k, v in RIGHT.items()}


def test_short_keys_are_accepted():
    assert check_hand_grads({k[4:]: v for k, v in RIGHT.items()})


def test_worked_graph_numbers_from_lesson_two():
    assert check_hand_grads(WORKED, graph="worked")


@pytest.mark.parametrize("key, value, words", [
    ("dL/dx", -20, "only the path through q"),
    ("dL/dx", 3, "only the path through r"),
    ("dL/dy", -8, "wrong sign"),
    ("dL/dy", -4, "that is the upstream dL/dq"),
    ("dL/dy", -2, "that is the local derivative dq/dy"),
    ("dL/dz", 7, "too high"),
])
def test_each_wrong_grad_is_marked_on_its_own_without_the_answer(key, value, words):
    v = check_hand_grads({**RIGHT, key: value})
    bad = failing(v)
    assert len(bad) == 1 and bad[0].startswith(f"{key} = {value}") and words in bad[0]
    assert f"{RIGHT[key]}" not in bad[0].split(": ", 1)[1].replace(f"{value}", "")
    assert sum(m.ok for m in v.marks) == len(RIGHT) - 1
    assert v.hint  # a failed attempt earns the hint


def test_nothing_filled_in_gets_no_hint():
    v = check_hand_grads({k: None for k in RIGHT})
    assert not v.ok and v.hint == ""
    assert all(t.endswith("not filled in yet") for t in failing(v))


def test_missing_and_unknown_entries():
    v = check_hand_grads({"dL/dx": None, "dL/da": 1})
    assert "dL/dx: not filled in yet" in failing(v)
    assert any("'dL/da' is not a node" in t for t in failing(v))


@pytest.mark.parametrize("answers, words", [
    ([1, 2], "pass a dict"),
    ({**RIGHT, "dL/dx": "-1"}, "is a str"),
    ({**RIGHT, "dL/dx": True}, "is a bool"),
])
def test_wrong_types_give_a_failing_verdict(answers, words):
    v = check_hand_grads(answers)
    assert not v.ok and words in texts(v)


def test_unknown_graph_name_is_named():
    with pytest.raises(ValueError, match="no graph called 'nope'"):
        check_hand_grads(RIGHT, graph="nope")
    with pytest.raises(ValueError, match="choose one of exercise, worked"):
        hand_graph("nope")


# ---- check_backward_by_hand: the exercise (a function, checked at three points)

def by_hand(x, y, z, w, slip=None):
    q = x * y
    g = {"dL/dp": 1.0, "dL/dr": 1.0, "dL/dq": z, "dL/dz": q, "dL/dw": x, "dL/dy": z * x, "dL/dx": z * y + w}
    if slip:
        g[slip[0]] = slip[1](x, y, z, w)
    return g


def test_the_backward_pass_by_hand_passes_one_mark_per_grad():
    v = check_backward_by_hand(by_hand)
    assert v.ok and len(v.marks) == 7 and v.hint == ""


def test_a_product_sits_under_an_upstream_that_is_not_one():
    L = hand_graph()
    L.backward()
    q = next(n for n in topological_order(L) if n.label == "q")
    assert q._op == "*" and abs(q.grad) != 1


@pytest.mark.parametrize("slip, words", [
    (("dL/dy", lambda x, y, z, w: x), "local derivative dq/dy = x; multiply it by the upstream"),
    (("dL/dy", lambda x, y, z, w: z), "that is the upstream dL/dq"),
    (("dL/dx", lambda x, y, z, w: z * y), "only the path through q"),
    (("dL/dx", lambda x, y, z, w: w), "only the path through r"),
    (("dL/dx", lambda x, y, z, w: y + w), "missing its upstream dL/dq"),
    (("dL/dz", lambda x, y, z, w: y), "dp/dz is the whole other factor"),
    (("dL/dw", lambda x, y, z, w: -x), "wrong sign"),
])
def test_each_slip_is_named_on_its_grad_alone(slip, words):
    v = check_backward_by_hand(lambda x, y, z, w: by_hand(x, y, z, w, slip))
    bad = failing(v)
    assert len(bad) == 1 and bad[0].startswith(slip[0]) and words in bad[0], bad


def test_right_only_at_the_drawn_point_is_not_enough():
    """Numbers read off a drawing or a stepper at x=-2, y=5, z=-4, w=3 fail at the other points."""
    v = check_backward_by_hand(lambda x, y, z, w: dict(RIGHT))
    assert not v.ok and all("at x=1.5" in t for t in failing(v)) and len(failing(v)) == 5


def test_letting_the_engine_do_it_is_refused():
    def engine(x, y, z, w):
        L = hand_graph()
        L.backward()
        return {}

    def value(x, y, z, w):
        return {"dL/dx": Value(x).grad}

    for fn in (engine, value):
        v = check_backward_by_hand(fn)
        assert not v.ok and "the chain rule is yours" in texts(v)


def test_at_every_point_the_slips_give_numbers_of_their_own():
    for point in EXERCISE_POINTS:
        for name in "prqzwxy":
            right, slips = _slips(name, *point)
            values = [right[name], *slips]
            assert all(abs(a - b) > 1e-6 for i, a in enumerate(values) for b in values[i + 1:]), (point, name)


@pytest.mark.parametrize("fn, words", [
    (lambda x, y, z, w: None, "returned None"),
    (lambda x, y, z, w: [1], "returned a list"),
    (lambda x, y, z, w: {**by_hand(x, y, z, w), "dL/dx": "3"}, "is a str"),
    (lambda x, y, z, w: 1 / 0, "ZeroDivisionError"),
])
def test_broken_functions_get_a_failing_verdict(fn, words):
    v = check_backward_by_hand(fn)
    assert not v.ok and words in texts(v)


def test_the_blank_says_not_written_and_gives_no_hint():
    def blank(x, y, z, w):
        raise NotImplementedError("Exercise 2.1: ...")
    v = check_backward_by_hand(blank)
    assert not v.ok and "not written yet" in texts(v) and v.hint == ""
