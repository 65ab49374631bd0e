"""Checkers for the capstone: the loss (hinge plus L2), the training loop, and "change one thing".

``check_total_loss`` and ``check_fit`` run the learner's function on the checker's own small model
(``backprop_lab.nn.MLP``, on ``Value``) and data, and compare values, gradients and trained weights
with a reference written here, naming the common slips.

``check_prediction``: change one thing, predict the effect, compare with the run.

A run is the dict the lesson's ``train(...)`` returns: its settings (``sizes``, ``activation``,
``lr``, ``steps``, ``seed``) and its results (``loss``, ``accuracy``, and optionally ``penalty``,
the L2 part of the loss). The checker finds what changed between two runs, compares the learner's
prediction ("higher", "lower" or "same") with what happened, and says why it may have happened.
"""

import html
import math
import random

from ..engine import Value
from .reference import Value as Private  # the checkers' own engine: a learner's patch cannot change it
from ..style import plain_number
from .core import NOT_WRITTEN, Mark, Verdict, call, checker, close

__all__ = ["check_total_loss", "check_fit", "check_prediction", "SAME_LOSS", "SAME_ACCURACY"]

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
    """'higher', 'lower' or 'same' for after against before (both finite)."""
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
    if not new:
        return (f"with no hidden layer the network is one linear neuron ({n_new} weights instead of {n_old}): "
                "its boundary is a straight line, and no straight line separates the two moons")
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
    diverged = [name for name, run in (("before", before), ("after", after)) if not math.isfinite(run["loss"])]
    if diverged:  # no final loss to compare, and no mechanism to offer
        run = after if "after" in diverged else before
        return Verdict(title, [Mark(True, f"you changed {key}: {old!r} → {new!r}"), Mark(
            False, f"the {' and the '.join(diverged)} run diverged: its final loss is {run['loss']}, so there "
                   "is no final loss to call higher, lower or same (and its accuracy means nothing). Print the "
                   "loss at every step to see where it left the rails, and choose a change that trains")])
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


# ---------------------------------------------------------------- exercise: the loss

_LOSS_CASES = (  # (points, labels, alpha, seed of the model MLP(2, [3, 1]))
    ([[0.6, -1.3], [1.7, 0.4], [-0.9, 0.8], [2.2, -0.3], [-1.4, -0.7]], [1.0, -1.0, 1.0, -1.0, 1.0], 0.01, 21),
    ([[0.3, 1.1], [-1.2, 0.2], [0.8, 0.9], [-0.4, -1.6], [1.3, -0.8], [0.1, 0.7]],
     [-1.0, -1.0, 1.0, 1.0, -1.0, 1.0], 0.0, 22),
    ([[2.4, 1.9], [-2.1, 2.6], [1.8, -2.3], [-2.7, -1.6]], [1.0, -1.0, -1.0, 1.0], 0.05, 23),
)


class _TinyNet:
    """2 inputs → 3 ReLU units → 1 score, with weights of class ``num`` (the learner's Scalar or Value)."""

    def __init__(self, num, seed):
        rng = random.Random(seed)
        self.hidden = [([num(rng.uniform(-1, 1)) for _ in range(2)], num(0.0)) for _ in range(3)]
        self.out = ([num(rng.uniform(-1, 1)) for _ in range(3)], num(0.0))

    def __call__(self, x):
        h = [sum((wi * xi for wi, xi in zip(w, x)), b).relu() for w, b in self.hidden]
        w, b = self.out
        return sum((wi * hi for wi, hi in zip(w, h)), b)

    def parameters(self):
        return [p for w, b in (*self.hidden, self.out) for p in (*w, b)]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


def _loss_model(seed, num=None):
    """The learner's network (their class ``num``, or Value); the checkers' own is _loss_model(seed, Private)."""
    return _TinyNet(num or Value, seed)


def _loss_variants(model, points, labels, alpha):
    """{(hinge slip, penalty slip): loss} and the right (penalty, accuracy), in plain floats."""
    s = [model(p).data for p in points]
    m = [y * sk for y, sk in zip(labels, s)]
    n = len(points)
    hinge = {None: sum(max(0.0, 1 - x) for x in m) / n, "sum": sum(max(0.0, 1 - x) for x in m),
             "no_relu": sum(1 - x for x in m) / n, "sign": sum(max(0.0, 1 + x) for x in m) / n}
    w = [p.data for p in model.parameters()]
    penalty = {None: alpha * sum(x * x for x in w), "no_penalty": 0.0, "not_squared": alpha * sum(w),
               "no_alpha": sum(x * x for x in w)}
    accuracy = {None: sum((sk > 0) == (y > 0) for y, sk in zip(labels, s)) / n,
                "bool_vs_label": sum((sk > 0) == y for y, sk in zip(labels, s)) / n,
                "count": float(sum((sk > 0) == (y > 0) for y, sk in zip(labels, s)))}
    return hinge, penalty, accuracy


_HINGE_SLIPS = {"sum": "the hinge part is a sum: divide by the number of points to get the mean",
                "no_relu": "the hinge has no max(0, ·): points beyond the margin lower the loss; use (1 − y·s).relu()",
                "sign": "the margin's sign is flipped: the hinge is max(0, 1 − y·s), not 1 + y·s"}
_PENALTY_SLIPS = {"no_penalty": "the L2 penalty is missing from the loss: add alpha · Σ w²",
                  "not_squared": "the penalty sums the weights, not their squares: alpha · Σ w·w",
                  "no_alpha": "the penalty is not multiplied by alpha"}
_ACCURACY_SLIPS = {"bool_vs_label": "(s > 0) == y compares True/False with ±1, and False never equals −1: "
                                    "compare (s > 0) == (y > 0)",
                   "count": "the accuracy is a count: divide by the number of points for a fraction"}


def _engine_error(error):
    if error and "not supported between" in error:
        return error + " (the engine cannot compare: for max(0, x) use x.relu())"
    return error


@checker("your total_loss(model, points, labels, alpha)")
def check_total_loss(fn, num=None):
    """Check fn(model, points, labels, alpha) -> (loss node, penalty, accuracy): values and gradients.

    The checker's small networks are built from ``num`` (the lesson's Scalar; Value if not given)."""
    title = "your total_loss(model, points, labels, alpha)"
    marks, attempted = [], False
    for points, labels, alpha, seed in _LOSS_CASES:
        case = f"{len(points)} points, alpha={alpha:g}"
        model = _loss_model(seed, num)
        out, error = call(fn, (model, [list(p) for p in points], list(labels), alpha))
        if error is None and not (isinstance(out, (tuple, list)) and len(out) == 3):
            error = "return three things: loss, penalty, accuracy"
        if error is None and not hasattr(out[0], "backward"):
            error = (f"the loss is a {type(out[0]).__name__}, not a node of the engine: backward() needs "
                     "the node (do not take .data of it)")
        if error is None and not hasattr(out[1], "data"):
            error = (f"the penalty is a {type(out[1]).__name__}: return the node alpha · Σ w·w itself, as for "
                     "the loss (train reads its .data)")
        if error is not None:
            attempted = attempted or error != NOT_WRITTEN
            marks.append(Mark(False, f"{case}: {_engine_error(error)}"))
            continue
        attempted = True
        hinge, penalty, accuracy = _loss_variants(model, points, labels, alpha)
        loss = out[0].data
        problems = []
        if not close(loss, hinge[None] + penalty[None], rel=1e-9, abs_=1e-12):
            named = [_HINGE_SLIPS[h] for h in _HINGE_SLIPS if close(loss, hinge[h] + penalty[None], 1e-9, 1e-12)]
            named += [_PENALTY_SLIPS[q] for q in _PENALTY_SLIPS if close(loss, hinge[None] + penalty[q], 1e-9, 1e-12)]
            problems.append(f"loss {loss:.6g} is not right" + (f": {named[0]}" if named else ""))
        else:
            _, error = call(out[0].backward, ())
            reference = _loss_model(seed, Private)
            ref_hinge = sum((1 - y * reference(p)).relu() for p, y in zip(points, labels)) * (1 / len(points))
            (ref_hinge + alpha * sum(p * p for p in reference.parameters())).backward()
            if error is not None:
                problems.append(f"loss.backward() raised {error}")
            elif not all(close(a.grad, b.grad, 1e-8, 1e-12)
                         for a, b in zip(model.parameters(), reference.parameters())):
                zero = all(p.grad == 0 for p in model.parameters())
                problems.append("the loss is right but " + ("no gradient reaches the weights" if zero else
                                "its gradients are not") + ": did a .data or a plain number cut the graph? "
                                "keep every step in the engine's ops")
        got_penalty, got_accuracy = plain_number(out[1].data), plain_number(out[2])
        if not close(got_penalty, penalty[None], 1e-9, 1e-12):
            problems.append(f"penalty {got_penalty!r:.12} is not alpha · Σ w²")
        if not close(got_accuracy, accuracy[None], 1e-9, 1e-12):
            named = [_ACCURACY_SLIPS[a] for a in _ACCURACY_SLIPS if close(got_accuracy, accuracy[a], 1e-9, 1e-12)]
            problems.append(f"accuracy {got_accuracy!r:.12} is not right" + (f": {named[0]}" if named else ""))
        marks.append(Mark(not problems, f"{case}: " + ("loss, gradients, penalty and accuracy right"
                                                       if not problems else "; ".join(problems))))
    hint = ("score every point with model(p); the hinge is the mean of (1 − y·s).relu(); the penalty "
            "alpha · Σ w·w over model.parameters(); the accuracy the fraction of points with (s.data > 0) == "
            "(y > 0)") if attempted else ""
    return Verdict(title, marks, hint)


# ---------------------------------------------------------------- exercise: the training loop

_FIT_POINTS = ([[0.6, -1.3], [1.7, 0.4], [-0.9, 0.8], [2.2, -0.3], [-1.4, -0.7], [0.3, 1.1]],
               [1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
_FIT_CASES = ((1, 0.5, 31), (3, 0.4, 32), (4, 0.8, 33))  # (steps, lr, seed of the model MLP(2, [3, 1]))


class _LossFn:
    """The checker's own loss: hinge plus L2 on six points; counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, model):
        self.calls += 1
        points, labels = _FIT_POINTS
        scores = [model(p) for p in points]
        hinge = sum((1 - y * s).relu() for y, s in zip(labels, scores)) * (1 / len(points))
        penalty = 0.01 * sum(p * p for p in model.parameters())
        accuracy = sum((s.data > 0) == (y > 0) for y, s in zip(labels, scores)) / len(points)
        return hinge + penalty, penalty, accuracy


def _fit_reference(model, steps, lr, slip=None):
    """Train model in place the right way (or with one slip); returns the loss before each step."""
    loss_fn, losses = _LossFn(), []
    for k in range(steps):
        loss = loss_fn(model)[0]
        losses.append(loss.data)
        if slip not in ("no_zero", "zero_after"):
            model.zero_grad()
        loss.backward()
        if slip == "zero_after":
            model.zero_grad()
        rate = lr * {"no_schedule": 1.0, "k1": 1 - 0.9 * (k + 1) / steps}.get(slip, 1 - 0.9 * k / steps)
        for p in model.parameters():
            p.data += rate * p.grad if slip == "plus" else -rate * p.grad
    return losses


_FIT_SLIPS = {
    "zero_after": "the weights did not change: the update must change p.data (p.data -= …), and the grads "
                  "are zeroed before backward(), not between backward() and the update",
    "no_zero": "the grads were never zeroed, so each step's gradient added to the last ones: zero them "
               "before backward()",
    "plus": "the weights moved uphill: subtract the gradient (p.data -= rate * p.grad)",
    "no_schedule": "the learning rate did not shrink: at step k it is lr · (1 − 0.9 · k / steps)",
    "k1": "the learning rate is one step ahead: at step k = 0 it is lr itself, lr · (1 − 0.9 · k / steps)",
}


@checker("your fit(model, loss_fn, steps, lr, show)")
def check_fit(fn, num=None):
    """Check fn(model, loss_fn, steps, lr, show) trains model in place like the reference loop.

    The checker's small networks are built from ``num`` (the lesson's Scalar; Value if not given)."""
    title = "your fit(model, loss_fn, steps, lr, show)"
    marks, attempted = [], False
    for steps, lr, seed in _FIT_CASES:
        case = f"{steps} step{'s' if steps > 1 else ''} at lr={lr:g}"
        model, loss_fn, shown = _loss_model(seed, num), _LossFn(), []
        _, error = call(fn, (model, loss_fn, steps, lr, lambda k, loss: shown.append((k, loss))))
        if error is not None:
            attempted = attempted or error != NOT_WRITTEN
            marks.append(Mark(False, f"{case}: {error}"))
            continue
        attempted = True
        got = [p.data for p in model.parameters()]
        reference = _loss_model(seed, Private)
        losses = _fit_reference(reference, steps, lr)
        problems = []
        if not all(close(a, b.data, 1e-9, 1e-12) for a, b in zip(got, reference.parameters())):
            if loss_fn.calls != steps:
                times = f"{loss_fn.calls} time{'s' if loss_fn.calls != 1 else ''}"
                problems.append(f"loss_fn ran {times} for {steps} steps: run the forward pass "
                                "inside the loop, once per step, so each step sees the current weights")
            named = [why for slip, why in _FIT_SLIPS.items()
                     if all(close(a, b.data, 1e-9, 1e-12) for a, b in zip(got, _fit_model(seed, steps, lr, slip)))]
            problems.append("the weights after training are not right" + (f": {named[0]}" if named else ""))
        want = [(k, loss) for k, loss in enumerate(losses)]
        seen = [(k, plain_number(getattr(v, "data", v))) for k, v in shown]
        if not (len(seen) == len(want) and all(a == c and close(b, d, 1e-9, 1e-12)
                                               for (a, b), (c, d) in zip(seen, want))):
            problems.append(f"show was called {len(seen)} times"
                            + (" with other numbers" if len(seen) == len(want) else "")
                            + f": call show(k, loss.data) once per step ({steps}), right after the forward pass")
        marks.append(Mark(not problems, f"{case}: " + ("every weight ends where it should"
                                                       if not problems else "; ".join(problems))))
    hint = ("for each step k: loss = loss_fn(model)[0] (forward); show(k, loss.data); zero every grad; "
            "loss.backward(); then p.data -= lr · (1 − 0.9·k/steps) · p.grad for every parameter") if attempted else ""
    return Verdict(title, marks, hint)


def _fit_model(seed, steps, lr, slip):
    model = _loss_model(seed, Private)
    _fit_reference(model, steps, lr, slip)
    return model.parameters()
