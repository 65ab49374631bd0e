"""exercise(): a try counts only when something was written; the solution comes after two failed tries."""

import json

import pytest

from backprop_lab.exercises import attempts
from backprop_lab.exercises.core import NOT_WRITTEN, Mark, Verdict


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch, tmp_path):
    monkeypatch.setattr(attempts, "_failed", attempts.Counter())
    monkeypatch.chdir(tmp_path)
    (tmp_path / "solutions.json").write_text(json.dumps({"9.1": "def twice(x):\n    return 2 * x"}))


def wrong():
    return Verdict("Twice", [Mark(False, "twice(3): yours is 5, too low")], hint="add x to itself")


def blank():
    return Verdict("Twice", [Mark(False, NOT_WRITTEN)])


def test_the_hint_comes_with_the_first_failed_try_and_the_solution_with_the_second():
    first = attempts.record("9.1", wrong())
    assert "hint: add x to itself" in str(first) and "the solution" not in str(first)
    second = attempts.record("9.1", wrong())
    assert "return 2 * x" in str(second) and "Show the solution" in second._repr_html_()
    assert second.title == "Exercise 9.1 · Twice"


def test_running_the_blank_is_not_a_try():
    for _ in range(3):
        assert attempts.record("9.1", blank()).solution == ""
    assert attempts.record("9.1", wrong()).solution == ""


def test_a_pass_is_left_as_it_is():
    ok = Verdict("Twice", [Mark(True, "twice(3) = 6")])
    assert attempts.record("9.1", ok) is ok and ok.title == "Twice"


def test_exercise_shows_the_verdict_and_returns_nothing(capsys):
    assert attempts.exercise("9.1", wrong()) is None
    assert "NOT YET: Exercise 9.1 · Twice" in capsys.readouterr().out


def test_without_a_solutions_file_it_says_where_the_answer_is(tmp_path):
    (tmp_path / "solutions.json").unlink()
    attempts.record("9.1", wrong())
    assert "solved edition" in attempts.record("9.1", wrong()).solution
