"""Lesson 6 explorer: mean |gradient| per layer of a deep narrow network, on a log scale."""

import math

import ipywidgets as W
import numpy as np

from ..depth import DEPTH_ACTIVATIONS, layer_grad_norms
from ._base import Explorer, figure_svg, ledger_html

__all__ = ["vanishing_explorer", "VanishingExplorer"]


class VanishingExplorer(Explorer):
    """Depth, activation, init scale and residual connections against the gradient reaching each layer."""

    title = "Vanishing and exploding gradients: how much gradient reaches each layer"

    def __init__(self, depth=10, activation="sigmoid", init_scale=1.0, residual=False, seed=0):
        super().__init__()
        c = self.controls
        c["depth"] = W.IntSlider(value=depth, min=1, max=30, description="depth")
        c["activation"] = W.ToggleButtons(options=DEPTH_ACTIVATIONS, value=activation,
                                          description="activation")
        c["init_scale"] = W.FloatSlider(value=init_scale, min=0.1, max=3.0, step=0.05,
                                        description="init_scale", readout_format=".2f")
        c["residual"] = W.Checkbox(value=residual, description="residual", indent=False)
        c["seed"] = W.IntSlider(value=seed, min=0, max=19, description="seed")
        self._ledger = W.HTML()
        self._note = W.HTML()
        self._plot = W.HTML(layout=W.Layout(min_width="420px", min_height="280px"))
        self._finish([
            W.HBox([c["depth"], c["init_scale"], c["seed"]]),
            W.HBox([c["activation"], c["residual"]]),
            W.HBox([self._plot, W.VBox([self._ledger, self._note])]),
        ])

    def update(self):
        """Recompute the per-layer gradients for the current settings and redraw the plot in place."""
        c = self.controls
        norms = layer_grad_norms(c["depth"].value, c["activation"].value, c["init_scale"].value,
                                 c["seed"].value, c["residual"].value)
        first, last = norms[0], norms[-1]
        with np.errstate(all="ignore"):
            ratio = float(np.float64(last) / np.float64(first)) if first != 0 else math.inf
        self.values = {"grad_norms": norms, "first": first, "last": last, "ratio": ratio,
                       "depth": c["depth"].value}
        rows = {k: v for k, v in self.values.items() if k != "grad_norms"}
        self._ledger.value = ledger_html(rows, "mean |dL/dW|: layer 1 (first) and last", digits=4)
        self._note.value = self._explain(norms, ratio)
        self._plot.value = self._draw(norms)

    def _explain(self, norms, ratio):
        if not all(math.isfinite(v) for v in norms):
            text = ("The gradients overflowed (inf or nan): they exploded. Lower init_scale, use fewer "
                    "layers, or clip the gradient norm.")
        elif ratio == math.inf or ratio > 100:
            text = "The last layer gets over 100× the first layer's gradient: the early layers barely learn."
        elif max(norms) < 1e-6:
            text = "The gradients are tiny in every layer: the signal died on the way. Raise init_scale."
        elif max(norms) > 1e3:
            text = "The gradients are huge: they explode. Lower init_scale, or clip the gradient norm."
        else:
            text = "The gradient reaches the first layer at a similar size: every layer can learn."
        return f"<p style='max-width:260px'>{text}</p>"

    def _draw(self, norms):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(4.8, 3.0))
        ax = fig.add_subplot()
        layers = np.arange(1, len(norms) + 1)
        vals = np.array(norms, dtype=float)
        ok = np.isfinite(vals) & (vals > 0)
        if ok.any():
            ax.semilogy(layers[ok], vals[ok], "o-", ms=4, color="#2c7fb8")
        if (~ok).any():
            ax.text(0.5, 0.5, "some layers: 0, inf or nan (not drawn)", transform=ax.transAxes,
                    ha="center", color="#c0392b", fontsize=9)
        if not ok.any():
            ax.set_yscale("log")
        ax.set_xlim(0.5, max(len(norms), 2) + 0.5)
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel("mean |dL/dW| (log scale)")
        from matplotlib.ticker import LogLocator, NullLocator

        ax.yaxis.set_major_locator(LogLocator(numticks=8))
        ax.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost ~2/3 of the drawing time
        ax.grid(True, alpha=0.3)
        return figure_svg(fig)


def vanishing_explorer(depth=10, activation="sigmoid", init_scale=1.0, residual=False, seed=0):
    """Mean |gradient| per layer, log scale (values: grad_norms, first, last, ratio = last/first)."""
    return VanishingExplorer(depth, activation, init_scale, residual, seed)
