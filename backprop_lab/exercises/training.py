"""Checker for the capstone's exercise: change one thing, predict the effect, compare with the run.

A run is the dict the lesson's ``train(...)`` returns: its settings (``sizes``, ``activation``,
``lr``, ``steps``, ``seed``) and its results (``loss``, ``accuracy``, and optionally ``penalty``,
the L2 part of the loss). The checker finds what changed between two runs, compares the learner's
prediction ("higher", "lower" or "same") with what happened, and says why it may have happened.
"""

import html
import math

from .core import Mark, Verdict, checker

__all__ = ["check_prediction", "SAME_LOSS", "SAME_ACCURACY"]

SETTINGS = ("sizes", "activation", "lr", "steps", "seed")
CHANGEABLE = ("sizes", "activation", "lr")
SAME_LOSS = 0.10       # final losses within 10% of each other count as "same"
SAME_ACCURACY = 0.02   # accuracies within 0.02 (2 of 100 points) count as "same"
WORDS = ("higher", "lower", "same")


class Explained(Verdict):
    """A Verdict whose explanation (``why``) shows whether the prediction held or not."""

    def __init__(self, title, marks, why=""):
        super().__init__(title, marks)
        self.why = why

    def __str__(self):
        return super().__str__() + (f"\n  why: {self.why}" if self.why else "")

    __repr__ = __str__

    def _repr_html_(self):
        box = super()._repr_html_()
        why = f"<div><i>why: {html.escape(self.why)}</i></div>" if self.why else ""
        return box[: -len("</div>")] + why + "</div>"


def _run_dict(run, name):
    """The run's settings and results, or a ValueError saying what is missing."""
    if not isinstance(run, dict):
        raise ValueError(f"{name} should be the dict that train(...) returns, got {type(run).__name__}")
    missing = [k for k in (*SETTINGS, "loss", "accuracy") if k not in run]
    if missing:
        raise ValueError(f"{name} is missing {', '.join(missing)}: pass the dict that train(...) returns")
    for key in ("loss", "accuracy"):
        if isinstance(run[key], bool) or not isinstance(run[key], (int, float)):
            raise ValueError(f"{name}[{key!r}] should be a number, got {run[key]!r}")
    return run


def _direction(before, after, tolerance, relative):
    """'higher', 'lower' or 'same' for after against before."""
    if not (math.isfinite(before) and math.isfinite(after)):
        return "same" if before == after else ("higher" if not math.isfinite(after) else "lower")
    gap = tolerance * max(abs(before), abs(after)) if relative else tolerance
    if abs(after - before) <= gap:
        return "same"
    return "higher" if after > before else "lower"


def _change(before, after):
    """(setting, old, new) for the one changed setting; ValueError when it is not exactly one."""
    for fixed in ("steps", "seed"):
        if before[fixed] != after[fixed]:
            raise ValueError(f"keep {fixed} the same ({before[fixed]!r} before, {after[fixed]!r} after), "
                             "so the two runs differ only in the thing you chose")
    changed = [k for k in CHANGEABLE if _norm(before[k]) != _norm(after[k])]
    if not changed:
        raise ValueError("the two runs have the same settings: change one of sizes, activation or lr")
    if len(changed) > 1:
        raise ValueError(f"you changed {' and '.join(changed)}: change one thing, so you can tell "
                         "which one made the difference")
    key = changed[0]
    return key, _norm(before[key]), _norm(after[key])


def _norm(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def _mechanism(key, old, new, loss_dir):
    """What the change does, in a sentence or two, matched to what the loss did."""
    if key == "lr":
        if new < old:
            return ("smaller steps move the weights less far in the same number of steps"
                    + (", so training is less far along when it stops" if loss_dir == "higher" else
                       "; here the bigger steps had been overshooting, so shorter ones did better"
                       if loss_dir == "lower" else ""))
        return ("longer steps cover more ground in the same number of steps" if loss_dir == "lower" else
                "steps this long overshoot: the loss jumps about instead of falling steadily "
                "(print the loss at every step to see it)" if loss_dir == "higher" else
                "longer steps, but the loss ended in the same place")
    if key == "activation":
        if new == "linear":
            return ("without a nonlinearity the whole network is one linear map, so its boundary is a "
                    "straight line, and no straight line separates the two moons")
        if new == "sigmoid":
            return ("a sigmoid's slope is at most 0.25 (lesson 6), so less gradient reaches the first "
                    "layer and it learns more slowly; its outputs are also never negative")
        slope = "1 − tanh² (at most 1)" if new == "tanh" else "1 where the unit is active and 0 elsewhere"
        return (f"{new} bends the boundary differently from {old}: its slope is {slope}, "
                "so the same learning rate moves the weights by different amounts")
    n_old, n_new = _count(old), _count(new)
    more = n_new > n_old
    head = f"{'more' if more else 'fewer'} weights ({n_old} → {n_new})"
    if len(new) != len(old):
        deeper = len(new) > len(old)
        return (head + (" in more layers: more places for the boundary to bend, but the gradient "
                        "passes through more layers on its way to the first one (lesson 6), and the L2 "
                        "penalty sums over more weights" if deeper else
                        " in fewer layers: fewer places for the boundary to bend, and a smaller L2 penalty"))
    return (head + (": more ways to bend the boundary, but also a bigger L2 penalty (alpha·Σw² sums over "
                    "more weights), and with weights drawn from uniform(−1, 1) a unit that adds up more "
                    "inputs starts with bigger outputs, so the same learning rate is a bigger step"
                    if more else ": fewer bends available to the boundary, and a smaller L2 penalty"))


def _count(sizes):
    """How many weights and biases MLP(2, [*sizes, 1]) has."""
    widths = [2, *sizes, 1]
    return sum((a + 1) * b for a, b in zip(widths, widths[1:]))


@checker("your prediction")
def check_prediction(before, after, loss=None, accuracy=None):
    """Compare predicted "higher"/"lower"/"same" final loss and accuracy with two runs that differ in one setting."""
    title = "your prediction"
    predictions = {"loss": loss, "accuracy": accuracy}
    if all(p is None for p in predictions.values()):
        return Verdict(title, [Mark(False, "write your prediction first: loss = 'higher', 'lower' or 'same' "
                                           "(and/or accuracy = ...)")])
    for name, p in predictions.items():
        if p is not None and p not in WORDS:
            return Verdict(title, [Mark(False, f"{name} should be 'higher', 'lower' or 'same', got {p!r}")])
    try:
        before, after = _run_dict(before, "before"), _run_dict(after, "after")
        key, old, new = _change(before, after)
    except ValueError as exc:
        return Verdict(title, [Mark(False, str(exc))])
    seen = {"loss": _direction(before["loss"], after["loss"], SAME_LOSS, True),
            "accuracy": _direction(before["accuracy"], after["accuracy"], SAME_ACCURACY, False)}
    marks = [Mark(True, f"you changed {key}: {old!r} → {new!r}")]
    for name, p in predictions.items():
        if p is None:
            continue
        a, b = before[name], after[name]
        ok = p == seen[name]
        marks.append(Mark(ok, f"final {name}: you said {p}; it went {a:.4g} → {b:.4g}: {seen[name]}"
                              + ("" if ok else f", not {p}")))
    why = _mechanism(key, old, new, seen["loss"])
    if "penalty" in before and "penalty" in after:
        why += (f". Of the final loss, the L2 penalty was {before['penalty']:.4g} before and "
                f"{after['penalty']:.4g} after")
    why += (f" (\"same\" means within {SAME_LOSS:.0%} for the loss, and within {SAME_ACCURACY:g} "
            "for the accuracy)")
    return Explained(title, marks, why)
