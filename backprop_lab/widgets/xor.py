"""Lesson 5 explorer: a single neuron against an MLP on XOR, with a live loss curve and decision boundary.

Only the train button trains; a slider shows the untrained model for its settings. The network is
trained in NumPy with the package's arithmetic, operation for operation: the same numbers as
``backprop_lab.nn`` on ``Value``, bit for bit, about ten times as fast (500 steps in some 30 ms).
What was trained or drawn for some settings is kept: going back to them shows it again at once.
"""

import math
from collections import OrderedDict
from functools import cache, reduce

import ipywidgets as W
import numpy as np

from ..datasets import xor
from ..nn import MLP, Neuron
from ..numerics import exp as _exp_or_inf
from ..plots import PLANE_LEVELS, _layers, draw_plane, draw_points, figure
from ..style import COLORS
from ._base import (
    Explorer, check_choice, figure_svg, float_slider, int_slider, ledger_html, number_text, wrap_row,
)

__all__ = ["xor_explorer", "XorExplorer", "XOR_DEFAULTS", "XorNet"]

MODELS = ("MLP", "single neuron")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
# The one place the XOR defaults live: a 2-4-1 tanh MLP that solves XOR from seed 0 in 500 steps.
XOR_DEFAULTS = {"model": "MLP", "hidden": 4, "activation": "tanh", "lr": 2.0, "steps": 500, "seed": 0}


def xor_model(kind, hidden, activation, seed):
    """A sigmoid-output model for XOR: a 2-hidden-1 MLP, or one sigmoid neuron."""
    if kind == "single neuron":
        return Neuron(2, activation="sigmoid", seed=seed)
    return MLP(2, [hidden, 1], activation=activation, out_activation="sigmoid", seed=seed)


def _elementwise(fn):
    """fn (a math function) on every entry of an array: math's rounding, as the engine's Value has it."""
    ufunc = np.frompyfunc(fn, 1, 1)
    return lambda z: ufunc(z).astype(float)


_tanh, _exp = _elementwise(math.tanh), _elementwise(_exp_or_inf)
# activation: (forward, its local derivative from the output), as backprop_lab.engine computes them
_ACT = {
    "tanh": (_tanh, lambda t: (1.0 - t) * (1.0 + t)),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda a: (a > 0).astype(float)),
    "sigmoid": (lambda z: 1.0 / (1.0 + _exp(-z)), lambda s: s * (1.0 - s)),
}


class XorNet:
    """The explorer's model as NumPy arrays: the package model's seeded start and its arithmetic, in order."""

    def __init__(self, kind, hidden, activation, seed):
        self.model = xor_model(kind, hidden, activation, seed)  # the seeded start, and a shape to draw
        self.layers = _layers(self.model)  # [(weights, biases, activation)], one row per neuron

    def _forward(self, X):
        outs = [np.asarray(X, dtype=float)]
        for weights, b, act in self.layers:
            h, z = outs[-1], b
            for i in range(weights.shape[1]):  # b + w1·x1 + w2·x2 + ..., summed in the engine's order
                z = z + weights[:, i] * h[:, i:i + 1]
            outs.append(_ACT[act][0](z))
        return outs

    def __call__(self, X):
        """The output ŷ for each row of X."""
        return self._forward(X)[-1][:, 0]

    def step(self, X, y, lr):
        """One full-batch step of gradient descent on half-MSE; returns the loss before it."""
        outs = self._forward(X)
        d = outs[-1][:, 0] - y
        loss = sum((float(v) ** 2.0 for v in d), 0.0) * (1.0 / len(y)) * 0.5
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss}: training diverged; lower lr")
        g = (0.5 * (1.0 / len(y)) * (2.0 * d))[:, None]  # dL/dŷ for each point
        for k in reversed(range(len(self.layers))):
            weights, b, act = self.layers[k]
            dz = g * _ACT[act][1](outs[k + 1])
            g = dz @ weights  # dL/d(this layer's inputs): one output neuron, so one term each
            # the engine's backward visits the points last to first: sum their shares in that order
            gW = reduce(np.add, (dz[:, :, None] * outs[k][:, None, :])[::-1])
            gb = reduce(np.add, dz[::-1])
            self.layers[k] = (weights - lr * gW, b - lr * gb, act)
        return loss

    def as_model(self):
        """The package's model holding these weights (for drawing)."""
        params = iter(self.model.parameters())
        for weights, b, _ in self.layers:
            for row, bias in zip(weights, b):
                for w in row:
                    next(params).data = float(w)
                next(params).data = float(bias)
        return self.model


def predict(model, X):
    """The model's output for each row of X, as a NumPy array."""
    return np.asarray(model(X), dtype=float)


def train(model, X, y, lr, steps, callback):
    """Full-batch gradient descent on half-MSE; callback(step, loss) after each step."""
    y = np.asarray(y, dtype=float)
    for step in range(steps):
        callback(step, model.step(X, y, lr))


class _Kept(OrderedDict):
    """The last ``size`` results by key (least recently used goes first)."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def get(self, key, make=None):
        """The result kept for key; else make() (kept for next time), or None without make."""
        if key in self:
            self.move_to_end(key)
            return self[key]
        if make is None:
            return None
        self[key] = value = make()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


# What one kernel keeps, shared by its XOR explorers: trained runs and drawn figures, by settings.
TRAINED = _Kept(32)   # (settings, lr, steps) -> (losses, trained XorNet)
FIGURES = _Kept(64)   # what a figure shows -> its SVG


class XorExplorer(Explorer):
    """Pick a model and settings, press train: watch the loss fall (or stall) and the boundary bend."""

    live = False  # draws a figure: redraw on release (see Explorer.live)

    title = "XOR: one neuron draws a line, a hidden layer bends it"
    kind = "XOR explorer"

    def __init__(self, **settings):
        super().__init__()
        unknown = set(settings) - set(XOR_DEFAULTS)
        if unknown:
            raise TypeError(f"xor_explorer got unknown settings {sorted(unknown)}; it takes {list(XOR_DEFAULTS)}")
        s = dict(XOR_DEFAULTS, **settings)
        c = self.controls
        c["model"] = W.Dropdown(options=MODELS, value=check_choice("model", s["model"], MODELS),
                                description="model")
        c["hidden"] = int_slider("hidden", s["hidden"], 1, 8)
        c["activation"] = W.Dropdown(options=ACTIVATIONS, description="activation",
                                     value=check_choice("activation", s["activation"], ACTIVATIONS))
        c["lr"] = float_slider("lr", s["lr"], 0.01, 5.0)
        c["steps"] = int_slider("steps", s["steps"], 10, 2000, step=10)
        c["seed"] = int_slider("seed", s["seed"], 0, 19)
        steps = s["steps"]
        c["train"] = W.Button(description="train", button_style="primary",
                              tooltip="train a fresh model with these settings")
        c["train"].on_click(lambda _b: self.train())
        self.progress = W.IntProgress(value=0, min=0, max=steps, description="progress")
        self.X, self.y = xor()
        self.losses, self.trained = [], False
        self.model = None
        self._built = None  # the settings self.model was made from
        self._run = None  # (settings, lr, steps) of the run self.losses come from, None before training
        self._shown = {}  # figure -> the key of what it shows now
        self._curve_parts = None  # the loss curve's (figure, axes, line, note), made at the first drawing
        self._plane_parts = None  # the plane's (figure, axes, [fill, line]), made at the first drawing
        self._ledger = W.HTML(layout=W.Layout(min_width="230px"))
        self._curve = W.HTML(layout=W.Layout(min_width="330px", min_height="240px"))
        self._boundary = W.HTML(layout=W.Layout(min_width="300px", min_height="240px"))
        self._finish([
            wrap_row([W.VBox([c["model"], c["hidden"], c["activation"]]),
                       W.VBox([c["lr"], c["steps"], c["seed"]])]),
            wrap_row([c["train"], self.progress]),
            wrap_row([self._ledger, self._curve, self._boundary]),
        ])

    def _settings(self):
        """What the model is made from (a single neuron has no hidden layer or hidden activation)."""
        c = self.controls
        if c["model"].value != "MLP":
            return c["model"].value, c["seed"].value
        return c["model"].value, c["hidden"].value, c["activation"].value, c["seed"].value

    def _start_over(self):
        """A fresh, untrained model for the current settings, with an empty loss curve."""
        c = self.controls
        self.model = XorNet(c["model"].value, c["hidden"].value, c["activation"].value, c["seed"].value)
        self._built = self._settings()
        self.losses, self.trained, self._run = [], False, None
        self.progress.max, self.progress.value = c["steps"].value, 0

    def changed(self, change):
        """lr takes effect when training runs: moving it changes nothing shown, so nothing is redrawn."""
        return change["owner"] is not self.controls["lr"]

    def update(self):
        """A control changed: show the untrained model for these settings (its plane only if the model changed)."""
        c = self.controls
        c["hidden"].disabled = c["activation"].disabled = c["model"].value != "MLP"
        new_model = bool(self.losses) or self._built != self._settings()
        if new_model:
            self._start_over()
        else:  # only steps moved: the same untrained model
            self.progress.max = c["steps"].value
        self._show(boundary=new_model)

    def _show(self, boundary=True):
        preds = predict(self.model, self.X)
        self.values = {
            "loss": float(0.5 * np.mean((preds - self.y) ** 2)),
            "accuracy": float(np.mean((preds > 0.5) == (self.y > 0.5))),
            "step": len(self.losses),
        }
        for (a, b), p in zip(self.X.astype(int), preds):
            self.values[f"yhat({a},{b})"] = float(p)
        step = len(self.losses)  # the step the loss curve ends at, so the two always agree
        state = ("after training" if self.trained else "training" if self.losses else "before training")
        self._ledger.value = ledger_html(self.values, f"{self.controls['model'].value}, {state}, step {step}")
        self._figure("curve", (self._run, len(self.losses), self.controls["steps"].value), self._draw_curve)
        if boundary:
            self._figure("boundary", (self._built, self._run if self.trained else None), self._draw_boundary)

    def _figure(self, name, key, draw):
        """Show figure ``name`` for key: nothing to do if it shows it already, the kept SVG, or draw() it."""
        if self._shown.get(name) != key:
            getattr(self, "_" + name).value = FIGURES.get((name, key), draw)
            self._shown[name] = key

    def _draw_curve(self):
        if self._curve_parts is None:  # one figure, kept: each drawing moves its line and limits
            fig = figure((3.8, 2.8), layout=None)
            fig.subplots_adjust(left=0.2, right=0.97, bottom=0.17, top=0.97)  # fixed margins: one pass
            ax = fig.add_subplot()
            line, = ax.plot([], [], color=COLORS["loss"])
            ax.axhline(0.125, ls="--", color="gray", lw=1)
            note = ax.text(0, 0.127, "0.125: ŷ = 0.5 everywhere", ha="right", va="bottom", fontsize=9,
                           color="#555555")
            ax.set_xlabel("step")
            ax.set_ylabel("half-MSE loss")
            ax.grid(alpha=0.3)
            self._curve_parts = fig, ax, line, note
        fig, ax, line, note = self._curve_parts
        total = self.controls["steps"].value
        line.set_data(range(1, len(self.losses) + 1), self.losses)
        note.set_x(total)
        ax.set_xlim(0, total)
        ax.set_ylim(0, max([0.16] + [v for v in self.losses if np.isfinite(v)]))
        last = f", last loss {number_text(self.losses[-1])}" if self.losses else ""
        return figure_svg(fig, alt=f"half-MSE loss over {len(self.losses)} of {total} training steps{last}",
                          tight=False)

    def _draw_boundary(self):
        if self._plane_parts is None:  # one figure, kept: the points, labels and axes stay
            fig = figure((2.7, 2.8), layout=None)  # its colour bar is drawn once, beside it
            fig.subplots_adjust(left=0.22, right=0.93, bottom=0.15, top=0.92)
            ax = fig.add_subplot()
            draw_points(ax, self.X, self.y, labels=True)
            ax.set_title("ŷ over the plane (black: ŷ = 0.5)", fontsize=9)
            self._plane_parts = fig, ax, []
        fig, ax, shown = self._plane_parts
        for part in shown:  # the last model's fill and line go; this model's come in
            part.remove()
        shown[:] = draw_plane(ax, self.model.as_model(), n=31)
        preds = predict(self.model, self.X)
        plane = figure_svg(fig, alt="ŷ over the plane; at the four points: " + ", ".join(
            f"ŷ({a},{b}) = {number_text(float(p))}" for (a, b), p in zip(self.X.astype(int), preds)), tight=False)
        return f'<div style="display:flex;align-items:flex-start">{plane}{colour_scale()}</div>'

    def _train(self):
        self._start_over()
        steps = self.controls["steps"].value
        run = (self._built, self.controls["lr"].value, steps)
        kept = TRAINED.get(run)
        if kept is None:  # trained live: the bar and the curve move as it goes
            self._run = run
            self._train_live(steps)
            kept = TRAINED.get(run, lambda: (list(self.losses), self.model))
        self.losses, self.model = list(kept[0]), kept[1]  # a kept run is shown at once
        self._run, self.trained, self.progress.value = run, True, steps
        self._show()

    def _train_live(self, steps):
        tick, redraw = max(1, steps // 50), max(1, steps // 5)

        def callback(step, loss):
            self.losses.append(loss)
            if (step + 1) % tick == 0:
                self.progress.value = step + 1  # one small message per tick: the bar moves in the browser
            if (step + 1) % redraw == 0 and step + 1 < steps:
                self._show(boundary=False)  # the table's step and the curve move together

        train(self.model, self.X, self.y, self.controls["lr"].value, steps, callback)

    def train(self):
        """Train a fresh model with the current settings (live; a run kept for these settings is shown at once)."""
        self.guarded(self._train)
        return self


@cache
def colour_scale():
    """The plane's colour bar for ŷ, the same for every model: drawn once (it costs as much as the plane)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm

    fig = figure((0.75, 2.8), layout=None)
    ax = fig.add_axes([0.12, 0.15, 0.28, 0.77])  # the plane's bottom and top
    fig.colorbar(ScalarMappable(BoundaryNorm(PLANE_LEVELS, 256), colormaps["RdBu_r"]), cax=ax, label="ŷ")
    return figure_svg(fig, alt="colour scale: ŷ from 0 (blue) to 1 (red), in steps of 0.1", tight=False)


def xor_explorer(**settings):
    """Single neuron vs MLP on XOR; press train (values: loss = half-MSE, accuracy as a fraction 0..1).

    Settings (defaults in XOR_DEFAULTS): model ("MLP" or "single neuron"), hidden, activation,
    lr, steps, seed.
    """
    return XorExplorer(**settings)
