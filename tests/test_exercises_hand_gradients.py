"""check_hand_grads (lesson 2): one mark per node, in the order the backward pass reaches them; each
kind of wrong answer is named; wrong types fail with a message."""

import pytest

from backprop_lab import check_hand_grads, hand_graph
from backprop_lab.engine import topological_order
from backprop_lab.exercises import Verdict
from backprop_lab.exercises.hand_gradients import backward_order
from helpers import central_diff

RIGHT = {"dL/dp": 1, "dL/dr": 1, "dL/dq": -4, "dL/dz": 3, "dL/dw": -2, "dL/dx": -1, "dL/dy": -4}
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
        return (x + y) * z + w * x
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
    ("dL/dx", -4, "only the path through q"),
    ("dL/dx", 3, "only the path through r"),
    ("dL/dy", 4, "wrong sign"),
    ("dL/dq", 1, "that is the upstream dL/dp"),
    ("dL/dy", 1, "that is the local derivative dq/dy"),
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
