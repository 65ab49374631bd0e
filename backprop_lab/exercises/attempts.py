"""``exercise()``: count a learner's tries at each exercise; a hint after one failed try, the solution after two.

Solutions come from ``solutions.json`` beside the lesson (the learner's edition has one unless the
teacher turned it off). In the solved edition the solution is on the page already.

A check cell reads ``exercise("3.2", check_backward(Scalar))``, followed in the solved edition by a
hidden ``assert`` for grading. Because that assert, not the check, is the cell's last line there,
``exercise()`` shows the verdict itself rather than returning it.
"""

import json
from collections import Counter
from pathlib import Path

from .core import NOT_WRITTEN

__all__ = ["exercise", "SOLUTIONS_FILE"]

SOLUTIONS_FILE = "solutions.json"
_failed = Counter()  # exercise id -> failed tries in this kernel


def _show(verdict):
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(verdict)
    else:
        print(verdict)


def record(exercise_id, verdict):
    """Count one try and add the solution after two failed ones; returns the verdict (shown by exercise())."""
    if verdict:
        return verdict
    verdict.title = f"Exercise {exercise_id} · {verdict.title}"
    failing = [m for m in verdict.marks if not m.ok]
    if failing and all(NOT_WRITTEN in m.text for m in failing):
        return verdict  # the blank, untouched: not a try
    _failed[exercise_id] += 1
    if _failed[exercise_id] >= 2:
        verdict.solution = solution(exercise_id)
    return verdict


def exercise(exercise_id, verdict):
    """Show a check's verdict for one try at an exercise, with the solution offered after two failed tries."""
    _show(record(exercise_id, verdict))


def solution(exercise_id, folder="."):
    """The solution to an exercise from solutions.json, or a sentence saying where it is instead."""
    path = Path(folder) / SOLUTIONS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))[exercise_id]
    except FileNotFoundError:
        return ("(No solutions file here. In the solved edition, notebooks/, the answer is on the page; "
                "in a graded lesson your teacher has turned solutions off.)")
    except (KeyError, ValueError):
        return f"(solutions.json has no solution for exercise {exercise_id}.)"
