"""Lesson 5 explorer: a single neuron against an MLP on XOR, with a live loss curve and decision boundary."""

import ipywidgets as W
import numpy as np

from ..datasets import xor
from ..nn import MLP, Neuron, half_mse_loss, sgd_step
from ..plots import draw_decision_boundary, figure
from ..style import COLORS
from ._base import (
    Explorer, check_choice, figure_svg, float_slider, int_slider, ledger_html, number_text, wrap_row,
)

__all__ = ["xor_explorer", "XorExplorer", "XOR_DEFAULTS"]

MODELS = ("MLP", "single neuron")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
# The one place the XOR defaults live: a 2-4-1 tanh MLP that solves XOR from seed 0 in 500 steps.
XOR_DEFAULTS = {"model": "MLP", "hidden": 4, "activation": "tanh", "lr": 2.0, "steps": 500, "seed": 0}


def xor_model(kind, hidden, activation, seed):
    """A sigmoid-output model for XOR: a 2-hidden-1 MLP, or one sigmoid neuron."""
    if kind == "single neuron":
        return Neuron(2, activation="sigmoid", seed=seed)
    return MLP(2, [hidden, 1], activation=activation, out_activation="sigmoid", seed=seed)


def predict(model, X):
    """The model's output for each row of X, as a NumPy array."""
    return np.array([model([float(v) for v in row]).data for row in X])


def train(model, X, y, lr, steps, callback):
    """Full-batch gradient descent on half-MSE; callback(step, loss) after each step."""
    rows, targets = [[float(v) for v in row] for row in X], [float(t) for t in y]
    for step in range(steps):
        loss = half_mse_loss([model(r) for r in rows], targets)
        model.zero_grad()
        loss.backward()
        sgd_step(model, lr)
        callback(step, loss.data)


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
        self.model = xor_model(c["model"].value, c["hidden"].value, c["activation"].value, c["seed"].value)
        self._built = self._settings()
        self.losses, self.trained = [], False
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
        self._curve.value = self._draw_curve()
        if boundary:
            self._boundary.value = self._draw_boundary()

    def _draw_curve(self):
        fig = figure((3.8, 2.8), layout=None)
        ax = fig.add_subplot()
        total = self.controls["steps"].value
        if self.losses:
            ax.plot(range(1, len(self.losses) + 1), self.losses, color=COLORS["loss"])
        ax.axhline(0.125, ls="--", color="gray", lw=1)
        ax.text(total, 0.127, "0.125: ŷ = 0.5 everywhere", ha="right", va="bottom", fontsize=9, color="#555555")
        ax.set_xlim(0, total)
        ax.set_ylim(0, max([0.16] + [v for v in self.losses if np.isfinite(v)]))
        ax.set_xlabel("step")
        ax.set_ylabel("half-MSE loss")
        ax.grid(alpha=0.3)
        last = f", last loss {number_text(self.losses[-1])}" if self.losses else ""
        return figure_svg(fig, alt=f"half-MSE loss over {len(self.losses)} of {total} training steps{last}")

    def _draw_boundary(self):
        fig = figure((3.2, 2.8), layout=None)
        ax = fig.add_subplot()
        filled = draw_decision_boundary(ax, self.model, self.X, self.y, n=31, labels=True)
        fig.colorbar(filled, ax=ax, label="ŷ")
        ax.set_title("ŷ over the plane (black: ŷ = 0.5)", fontsize=9)
        preds = predict(self.model, self.X)
        return figure_svg(fig, alt="ŷ over the plane; at the four points: " + ", ".join(
            f"ŷ({a},{b}) = {number_text(float(p))}" for (a, b), p in zip(self.X.astype(int), preds)))

    def _train(self):
        self._start_over()
        steps = self.controls["steps"].value
        tick, redraw = max(1, steps // 50), max(1, steps // 5)

        def callback(step, loss):
            self.losses.append(loss)
            if (step + 1) % tick == 0:
                self.progress.value = step + 1  # one small message per tick: the bar moves in the browser
            if (step + 1) % redraw == 0 and step + 1 < steps:
                self._show(boundary=False)  # the table's step and the curve move together

        train(self.model, self.X, self.y, self.controls["lr"].value, steps, callback)
        self.progress.value = steps
        self.trained = True
        self._show()

    def train(self):
        """Train a fresh model with the current settings (progress bar and loss curve update live)."""
        self.guarded(self._train)
        return self


def xor_explorer(**settings):
    """Single neuron vs MLP on XOR; press train (values: loss = half-MSE, accuracy as a fraction 0..1).

    Settings (defaults in XOR_DEFAULTS): model ("MLP" or "single neuron"), hidden, activation,
    lr, steps, seed.
    """
    return XorExplorer(**settings)
