"""What every checker returns: a ``Verdict`` that reads well in Jupyter and in plain text.

Checkers never raise on a learner's code. ``@checker`` turns any exception inside a check into a
failing verdict that names the error, so a broken answer gets feedback, not a traceback.
"""

import functools
import html
import math
from numbers import Real

from ..style import plain_number
from .guard import TookTooLong, guarded, limits

__all__ = ["Verdict", "Mark", "checker", "close", "as_number", "call", "NOT_WRITTEN", "NO_RETURN"]

NOT_WRITTEN = "not written yet: replace the `raise NotImplementedError` line with your code"
NO_RETURN = "your function returned None: did you forget `return`?"


class Mark:
    """One line of feedback: passed or not, and what to say about it."""

    def __init__(self, ok, text):
        self.ok, self.text = bool(ok), text

    def __str__(self):
        return f"{'✓' if self.ok else '✗'} {self.text}"


class Verdict:
    """A checker's result: truthy when everything passed; a coloured box in Jupyter, text elsewhere."""

    def __init__(self, title, marks=(), hint=""):
        self.title, self.marks, self.hint = title, list(marks), hint
        self.solution = ""  # set by exercise() after two failed tries

    @property
    def ok(self):
        """True when there is at least one mark and every mark passed."""
        return bool(self.marks) and all(m.ok for m in self.marks)

    def __bool__(self):
        return self.ok

    def __str__(self):
        head = f"{'PASS' if self.ok else 'NOT YET'}: {self.title}"
        lines = [head] + [f"  {m}" for m in self.marks]
        if self.hint and not self.ok:
            lines.append(f"  hint: {self.hint}")
        if self.solution and not self.ok:
            lines.append("  the solution:\n" + "\n".join(f"    {line}" for line in self.solution.splitlines()))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        colour, border = ("#e8f5e9", "#2e7d32") if self.ok else ("#fff3e0", "#e65100")
        items = "".join(
            f"<li style='color:{'#2e7d32' if m.ok else '#b71c1c'}'>{'✓' if m.ok else '✗'} "
            f"{html.escape(m.text)}</li>" for m in self.marks
        )
        hint = (f"<div><i>hint: {html.escape(self.hint)}</i></div>"
                if self.hint and not self.ok else "")
        if self.solution and not self.ok:
            hint += (f"<details><summary>Show the solution</summary><pre style='color:#222'>"
                     f"{html.escape(self.solution)}</pre></details>")
        return (
            f"<div class='backprop-lab-verdict' style='background:{colour};border-left:5px solid {border};"
            f"padding:6px 12px;margin:4px 0;color:#222'><b>{'PASS' if self.ok else 'NOT YET'}: "
            f"{html.escape(self.title)}</b><ul style='margin:2px 0'>{items}</ul>{hint}</div>"
        )


def as_number(result, what):
    """``(float, None)`` for a finite real number, else ``(None, message)`` saying what came back."""
    if result is None:
        return None, f"{what} returned None: did you forget `return`?"
    result = plain_number(result)
    if isinstance(result, bool) or not isinstance(result, Real):
        return None, f"{what} returned a {type(result).__name__} ({result!r:.40}), not a number"
    result = float(result)
    if not math.isfinite(result):
        return None, f"{what} returned {result}: something overflowed or divided by zero"
    return result, None


def call(fn, args):
    """The learner's ``fn(*args)`` as (result, None), or (None, what it raised); NOT_WRITTEN for the stub."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, NOT_WRITTEN
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # noqa: BLE001 - learner code
        return None, f"{type(exc).__name__}: {exc}"


def checker(title):
    """Decorator: run a check function; any exception from learner code becomes a failing Verdict."""

    def wrap(check):
        @functools.wraps(check)
        def run(*args, **kwargs):
            try:
                with guarded():  # a time limit, and the learner's printing capped
                    return check(*args, **kwargs)
            except TookTooLong:
                return Verdict(title, [Mark(False, f"your code took longer than {limits['seconds']:g} s, so the "
                                                   "check stopped it")],
                               hint="look for a loop that never ends, or try a smaller input first")
            except (Exception, SystemExit, KeyboardInterrupt) as exc:  # noqa: BLE001 - learner code
                return Verdict(title, [Mark(False, f"your code raised {type(exc).__name__}: {exc}")],
                               hint="run your function on a simple input to see where it fails")
        return run

    return wrap


def close(a, b, rel=1e-4, abs_=1e-6):
    """True when two numbers agree to a relative or absolute tolerance (and both are finite)."""
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))
