"""Lesson 5 explorer: a single neuron against an MLP on XOR, with a live loss curve and decision boundary."""

import ipywidgets as W
import numpy as np

from ..datasets import xor
from ..plots import draw_decision_boundary
from ..training import XOR_DEFAULTS, predict, train, xor_model
from ._base import Explorer, figure_svg, ledger_html

__all__ = ["xor_explorer", "XorExplorer"]

MODELS = ("MLP", "single neuron")


class XorExplorer(Explorer):
    """Pick a model and settings, press train: watch the loss fall (or stall) and the boundary bend."""

    title = "XOR: one neuron draws a line, a hidden layer bends it"

    def __init__(self, model="MLP", hidden=XOR_DEFAULTS["hidden"], activation=XOR_DEFAULTS["activation"],
                 lr=XOR_DEFAULTS["lr"], steps=XOR_DEFAULTS["steps"], seed=XOR_DEFAULTS["seed"]):
        super().__init__()
        c = self.controls
        c["model"] = W.Dropdown(options=MODELS, value=model, description="model")
        c["hidden"] = W.IntSlider(value=hidden, min=1, max=8, description="hidden")
        c["activation"] = W.Dropdown(options=("tanh", "relu", "sigmoid"), value=activation,
                                     description="activation")
        c["lr"] = W.FloatSlider(value=lr, min=0.01, max=5.0, step=0.01, description="lr")
        c["steps"] = W.IntSlider(value=steps, min=10, max=2000, step=10, description="steps")
        c["seed"] = W.IntSlider(value=seed, min=0, max=19, description="seed")
        c["train"] = W.Button(description="train", button_style="primary")
        c["train"].on_click(lambda _b: self.train())
        self.progress = W.IntProgress(value=0, min=0, max=steps, description="progress")
        self.X, self.y = xor()
        self.losses, self.trained = [], False
        self.model = None
        self._ledger = W.HTML()
        self._curve = W.HTML(layout=W.Layout(min_width="330px", min_height="240px"))
        self._boundary = W.HTML(layout=W.Layout(min_width="280px", min_height="240px"))
        self._finish([
            W.HBox([W.VBox([c["model"], c["hidden"], c["activation"]]),
                    W.VBox([c["lr"], c["steps"], c["seed"]])]),
            W.HBox([c["train"], self.progress]),
            W.HBox([self._ledger, self._curve, self._boundary]),
        ])

    def _start_over(self):
        """A fresh, untrained model for the current settings, with an empty loss curve."""
        c = self.controls
        self.model = xor_model(c["model"].value, c["hidden"].value, c["activation"].value, c["seed"].value)
        self.losses, self.trained = [], False
        self.progress.max, self.progress.value = c["steps"].value, 0

    def update(self):
        """A control changed: build the untrained model for these settings and show where it starts."""
        c = self.controls
        c["hidden"].disabled = c["activation"].disabled = c["model"].value != "MLP"
        self._start_over()
        self._show()

    def _show(self):
        preds = predict(self.model, self.X)
        self.values = {
            "loss": float(0.5 * np.mean((preds - self.y) ** 2)),
            "accuracy": float(np.mean((preds > 0.5) == (self.y > 0.5))),
            "step": len(self.losses),
        }
        for (a, b), p in zip(self.X.astype(int), preds):
            self.values[f"yhat({a},{b})"] = float(p)
        state = "after training" if self.trained else ("training" if self.losses else "before training")
        self._ledger.value = ledger_html(self.values, f"{self.controls['model'].value}, {state}")
        self._curve.value = self._draw_curve()
        self._boundary.value = self._draw_boundary()

    def _draw_curve(self):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(3.8, 2.8))
        ax = fig.add_subplot()
        total = self.controls["steps"].value
        if self.losses:
            ax.plot(range(1, len(self.losses) + 1), self.losses, color="#c0392b")
        ax.axhline(0.125, ls="--", color="gray", lw=1)
        ax.text(total, 0.127, "0.125: ŷ = 0.5 everywhere", ha="right", va="bottom", fontsize=8, color="gray")
        ax.set_xlim(0, total)
        ax.set_ylim(0, max([0.16] + [v for v in self.losses if np.isfinite(v)]))
        ax.set_xlabel("step")
        ax.set_ylabel("half-MSE loss")
        ax.grid(alpha=0.3)
        return figure_svg(fig)

    def _draw_boundary(self):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(3.2, 2.8))
        ax = fig.add_subplot()
        filled = draw_decision_boundary(ax, self.model, self.X, self.y, n=31, labels=True)
        fig.colorbar(filled, ax=ax, label="ŷ")
        ax.set_title("ŷ over the plane (black: ŷ = 0.5)", fontsize=9)
        return figure_svg(fig)

    def _train(self):
        self._start_over()
        steps = self.controls["steps"].value
        tick, redraw = max(1, steps // 50), max(1, steps // 5)

        def callback(step, loss):
            self.losses.append(loss)
            if (step + 1) % tick == 0:
                self.progress.value = step + 1  # one small message per tick: the bar moves in the browser
            if (step + 1) % redraw == 0 and step + 1 < steps:
                self._curve.value = self._draw_curve()

        train(self.model, self.X, self.y, lr=self.controls["lr"].value, steps=steps, callback=callback)
        self.progress.value = steps
        self.trained = True
        self._show()

    def train(self):
        """Train a fresh model with the current settings (progress bar and loss curve update live)."""
        self.guarded(self._train)
        return self


def xor_explorer(model="MLP", hidden=XOR_DEFAULTS["hidden"], activation=XOR_DEFAULTS["activation"],
                 lr=XOR_DEFAULTS["lr"], steps=XOR_DEFAULTS["steps"], seed=XOR_DEFAULTS["seed"]):
    """Single neuron vs MLP on XOR; press train (values: loss = half-MSE, accuracy as a fraction 0..1)."""
    return XorExplorer(model, hidden, activation, lr, steps, seed)
