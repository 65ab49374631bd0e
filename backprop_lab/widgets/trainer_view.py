"""A live view for the learner's own training loop: progress bar, decision boundary and loss curve.

The loop stays in the notebook. It creates a view, shows it, and reports each step::

    view = training_view(X, y, steps=50)      # shown above the loop's cell
    for k in range(steps):
        ...                                    # forward, zero_grad, backward, update
        view.update(k, loss.data, predict)     # predict(points) -> one score per point

The view moves its progress bar on every call and redraws the boundary every ``every`` steps
(and at the last one), keeping a snapshot each time. After training, its ``step`` slider replays
those snapshots (each drawn once, then kept while no new step is reported). Errors (a predict
function that raises, a loss that is not a number) are shown inside the view; the learner's loop
carries on.
"""

import math
from numbers import Integral, Real

import ipywidgets as W
import numpy as np

from ..plots import figure_svg, plain_log_ticks
from ..style import COLORS, number_text, plain_number
from ._base import Explorer, int_slider, ledger_html, wrap_row

__all__ = ["training_view", "TrainingView"]


def _loss_number(loss):
    """The loss as a float: a number, a NumPy number, or a Value/Scalar (its .data); anything else is a clear error."""
    loss = plain_number(loss)
    if isinstance(loss, bool) or not isinstance(loss, Real):
        raise TypeError(f"loss must be a number (e.g. loss.data), got {type(loss).__name__}: {loss!r:.60}")
    return float(loss)


class TrainingView(Explorer):
    """Follows a training loop: ``update(step, loss, predict)`` per step; a ``step`` slider replays it."""

    live = False  # draws a figure: redraw on release (see Explorer.live)

    title = "Training: the decision boundary and the loss, step by step"
    kind = "training view"

    def __init__(self, X, y, steps, every=None, threshold=0.0, grid=41):
        super().__init__()
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).ravel()
        if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
            raise ValueError(f"X must be a list of points with 2 coordinates each (shape n×2), got shape {X.shape}")
        if len(y) != len(X):
            raise ValueError(f"y needs one label per point: {len(X)} points but {len(y)} labels")
        if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 1:
            raise ValueError(f"steps must be a whole number of training steps, at least 1, got {steps!r}")
        every = max(1, steps // 10) if every is None else every
        if isinstance(every, bool) or not isinstance(every, Integral) or every < 1:
            raise ValueError(f"every must be a whole number of steps, at least 1, got {every!r}")
        self.X, self.steps, self.every, self.threshold = X, int(steps), int(every), float(threshold)
        self.positive = y > (0.0 if (y < 0).any() else 0.5)  # labels ±1 or 0/1
        span = X.max(axis=0) - X.min(axis=0) + 1e-9
        lo, hi = X.min(axis=0) - 0.25 * span, X.max(axis=0) + 0.25 * span
        self.xs, self.ys = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
        self.points = np.array([[a, b] for b in self.ys for a in self.xs])
        self.losses = {}      # step -> loss, every step reported
        self.snapshots = {}   # step -> {"loss", "accuracy", "Z"}, every redraw step
        self._drawn = {}      # step -> its SVG, for the losses reported so far (replay draws each once)
        self._kept = None     # the figure and what each drawing changes in it (see _parts)
        # The slider moves by the recording interval, so it lands on the steps that were drawn (if
        # the last step is off that grid, by 1: changed() then moves it onto the step drawn).
        grid = self.every if self.steps % self.every == 0 else 1
        self.controls["step"] = int_slider("step", 0, 0, self.steps, step=grid)
        self.controls["step"].disabled = True
        self.progress = W.IntProgress(value=0, min=0, max=self.steps, description="progress")
        self._count = W.HTML()
        self._ledger = W.HTML()
        self._plot = W.HTML(layout=W.Layout(min_width="640px", min_height="280px"))
        self._finish([W.HBox([self.progress, self._count]), self.controls["step"],
                      wrap_row([self._plot, self._ledger])])

    # ---- the learner's loop calls this ----

    def update(self, step=None, loss=None, predict=None):
        """Report one training step (redraws every ``every`` steps); with no arguments, redraw for the slider."""
        if step is None:
            self._show()
        else:
            self.guarded(self._record, step, loss, predict)
        return self

    def _record(self, step, loss, predict):
        if isinstance(step, bool) or not isinstance(step, Integral) or not 0 <= step <= self.steps:
            raise ValueError(f"step must be a whole number from 0 to {self.steps}, got {step!r}")
        step, loss = int(step), _loss_number(loss)
        if self.losses and step <= max(self.losses):  # the loop started again: a new run
            self.losses, self.snapshots = {}, {}
        self.losses[step] = loss
        self._drawn = {}  # the loss curve grew: every drawing made so far is out of date
        self.progress.value = step
        self._count.value = f"<span style='font-family:monospace'>{step} / {self.steps} steps</span>"
        if step % self.every and step != self.steps and self.snapshots:
            return
        snap = {"loss": loss, "accuracy": None, "Z": None}
        if predict is not None:
            if not callable(predict):
                raise TypeError(f"predict must be a function of an array of points, got {predict!r:.60}")
            snap["Z"] = self._scores(predict, self.points, "the grid")
            snap["accuracy"] = float(np.mean((self._scores(predict, self.X, "X") > self.threshold)
                                             == self.positive))
        self.snapshots[step] = snap
        slider = self.controls["step"]
        slider.disabled = step < self.steps
        self.set_quietly(step=step)
        self._show()

    def _scores(self, predict, points, what):
        out = np.asarray(predict(points), dtype=float).ravel()
        if out.shape != (len(points),):
            raise ValueError(f"predict(points) must return one score per point: {len(points)} points "
                             f"({what}), got {out.size} numbers")
        return out

    def changed(self, change):
        """Put the slider on the step its snapshot was taken at (its readout then matches the table)."""
        shown = self._shown_step()
        if shown is not None and shown != change["new"]:
            self.set_quietly(step=shown)
        return shown != self._values.get("step")  # the same snapshot: nothing to redraw

    # ---- one drawing path: the snapshot at the slider ----

    def _shown_step(self):
        """The latest snapshot at or before the slider's step (None before the first report)."""
        earlier = [s for s in self.snapshots if s <= self.controls["step"].value]
        return max(earlier) if earlier else (min(self.snapshots) if self.snapshots else None)

    def _show(self):
        step = self._shown_step()
        if step is None:
            self.values = {}
            self._ledger.value = ("<p style='max-width:240px'>Waiting for the first step: call "
                                  "<code>view.update(step, loss, predict)</code> inside your loop.</p>")
            self._plot.value = ""
            return
        snap = self.snapshots[step]
        self.values = {"step": step, "loss": snap["loss"], "accuracy": snap["accuracy"]}
        state = "after training" if step == self.steps else f"step {step} of {self.steps}"
        self._ledger.value = ledger_html(self.values, state)
        if step not in self._drawn:
            self._drawn[step] = self._draw(step, snap)
        self._plot.value = self._drawn[step]

    def _parts(self):
        """The view's figure, made at the first drawing and kept: the points, axes and labels stay."""
        if self._kept is None:
            from matplotlib.figure import Figure
            from matplotlib.ticker import NullLocator

            fig = Figure(figsize=(7.4, 3.0))  # fixed margins: drawn inside the loop, so no layout passes
            fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
            left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
            for side, color in ((~self.positive, "#c0392b"), (self.positive, "#1c5fb4")):
                left.scatter(*self.X[side].T, s=14, color=color, edgecolors="white", linewidths=0.4, zorder=3)
            left.set(xlim=(self.xs[0], self.xs[-1]), ylim=(self.ys[0], self.ys[-1]), aspect="equal")
            right.set_yscale("log")
            curve, = right.plot([], [], color=COLORS["loss"], lw=1.5)
            dot, = right.plot([], [], "o", color=COLORS["loss"], ms=5)
            right.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost much of the drawing time
            plain_log_ticks(right.yaxis)
            right.set(xlim=(0, self.steps), xlabel="step", ylabel="loss (log scale)", title="loss")
            right.grid(True, alpha=0.3)
            self._kept = {"fig": fig, "left": left, "right": right, "curve": curve, "dot": dot, "drawn": []}
        return self._kept

    def _draw(self, step, snap):
        parts = self._parts()
        left, right = parts["left"], parts["right"]
        for artist in parts["drawn"]:  # the last drawing's boundary
            artist.remove()
        parts["drawn"] = []
        if snap["Z"] is not None:
            Z = snap["Z"].reshape(len(self.ys), len(self.xs))
            if np.isfinite(Z).all():
                parts["drawn"].append(left.contourf(self.xs, self.ys, Z > self.threshold, levels=[-0.5, 0.5, 1.5],
                                                    colors=["#f4c7b8", "#c6dbef"], alpha=0.8))
                if Z.min() < self.threshold < Z.max():
                    parts["drawn"].append(left.contour(self.xs, self.ys, Z, levels=[self.threshold],
                                                       colors="black", linewidths=1.2))
            else:
                parts["drawn"].append(left.text(0.5, 0.5, "scores are inf or nan", transform=left.transAxes,
                                                ha="center", color=COLORS["loss"]))
        left.set_title(f"decision boundary, step {step}")
        steps = sorted(self.losses)
        losses = np.array([self.losses[s] for s in steps])
        ok = np.isfinite(losses) & (losses > 0)
        parts["curve"].set_data(np.array(steps)[ok], losses[ok])
        shown = math.isfinite(snap["loss"]) and snap["loss"] > 0
        parts["dot"].set_data([step] if shown else [], [snap["loss"]] if shown else [])
        right.relim()
        right.autoscale_view(scalex=False)
        alt = (f"decision boundary at step {step} of {self.steps}; loss {number_text(snap['loss'])}"
               + ("" if snap["accuracy"] is None else f", accuracy {number_text(snap['accuracy'])}"))
        return figure_svg(parts["fig"], alt=alt, tight=False)  # no tight bounding box: half the time


def training_view(X, y, steps, every=None, threshold=0.0):
    """A live view for your training loop: call ``.update(step, loss, predict)`` once per step.

    values: step, loss, accuracy (fraction of points with score > threshold on the right side).
    """
    return TrainingView(X, y, steps, every=every, threshold=threshold)
