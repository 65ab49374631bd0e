"""Lesson 6 explorer: mean |gradient| per layer of a deep narrow network, on a log scale."""

import math

import ipywidgets as W
import numpy as np

from ..plots import NP_ACTIVATIONS, figure, plain_log_ticks
from ..style import COLORS
from ._base import Explorer, check_choice, figure_svg, float_slider, int_slider, ledger_html, number_text, wrap_row

__all__ = ["vanishing_explorer", "VanishingExplorer", "layer_grad_norms", "y_range", "Y_RANGE"]

# Each activation's derivative written from its output a = f(z), and the init gain that multiplies
# 1/sqrt(width) (PyTorch's calculate_gain: init_scale=1 is the usual init, He init for relu).
_DERIVATIVE = {"sigmoid": lambda a: a * (1.0 - a), "tanh": lambda a: 1.0 - a * a,
               "relu": lambda a: (a > 0).astype(float)}
GAIN = {"sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": 2.0 ** 0.5}
# The plot's y range stays put as settings change, so a flat line looks flat; it widens (by whole
# powers of ten) only for values outside it.
Y_RANGE = (1e-12, 1e2)


def layer_grad_norms(depth, activation, init_scale, seed, residual, width=12, batch=64):
    """Mean |dL/dW| per layer (layer 1 next to the input) of a deep narrow net, backward by hand in NumPy.

    The net: x → depth layers h ← act(h W.T) (+ h if residual) → a fixed linear readout v → loss
    ½ mean (ŷ − y)² against random targets; weights normal with std init_scale·GAIN/sqrt(width).
    """
    rng = np.random.default_rng(seed)
    std = init_scale * GAIN[activation] / np.sqrt(width)
    Ws = [rng.normal(0.0, std, size=(width, width)) for _ in range(depth)]
    x = rng.normal(size=(batch, width))
    v = rng.normal(0.0, 1.0 / np.sqrt(width), size=width)
    y = rng.normal(size=batch)
    f, df = NP_ACTIVATIONS[activation], _DERIVATIVE[activation]
    with np.errstate(over="ignore", invalid="ignore"):  # exploding settings give inf, shown as such
        hs, dacts = [x], []
        for W_ in Ws:  # forward, keeping what backward needs
            a = f(hs[-1] @ W_.T)
            hs.append(a + hs[-1] if residual else a)
            dacts.append(df(a))
        dh = np.outer((hs[-1] @ v - y) / batch, v)  # dL/dh at the last layer
        norms = [0.0] * depth
        for i in reversed(range(depth)):  # backward: one local derivative per layer
            dz = dh * dacts[i]
            norms[i] = float(np.mean(np.abs(dz.T @ hs[i])))
            dh = dz @ Ws[i] + (dh if residual else 0.0)
    return norms


class VanishingExplorer(Explorer):
    """Depth, activation, init scale and residual connections against the gradient reaching each layer."""

    live = False  # draws a figure: redraw on release (see Explorer.live)

    title = "Vanishing and exploding gradients: how much gradient reaches each layer"
    kind = "vanishing-gradient explorer"

    def __init__(self, depth=10, activation="sigmoid", init_scale=1.0, residual=False, seed=0):
        super().__init__()
        c = self.controls
        c["depth"] = int_slider("depth", depth, 1, 30)
        c["activation"] = W.ToggleButtons(options=tuple(_DERIVATIVE), description="activation",
                                          value=check_choice("activation", activation, tuple(_DERIVATIVE)))
        c["init_scale"] = float_slider("init_scale", init_scale, 0.1, 3.0, step=0.05)
        if not isinstance(residual, bool):
            raise TypeError(f"residual must be True or False, got {residual!r}")
        c["residual"] = W.Checkbox(value=residual, description="residual", indent=False)
        c["seed"] = int_slider("seed", seed, 0, 19)
        self._ledger = W.HTML()
        self._note = W.HTML()
        self._plot = W.HTML(layout=W.Layout(min_width="420px", min_height="280px"))
        self._finish([
            W.HBox([c["depth"], c["init_scale"], c["seed"]]),
            W.HBox([c["activation"], c["residual"]]),
            wrap_row([self._plot, W.VBox([self._ledger, self._note])]),
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
        self._plot.value = figure_svg(self.plot_figure(norms), alt=(
            "mean |dL/dW| per layer, from layer 1 (next to the input): "
            + ", ".join(number_text(v) for v in norms)))

    def _explain(self, norms, ratio):
        if not all(math.isfinite(v) for v in norms):
            text = ("The gradients overflowed (inf or nan): they exploded. Lower init_scale, use fewer "
                    "layers, or clip the gradient norm.")
        elif ratio == math.inf or ratio > 100:
            text = "The last layer gets over 100× the first layer's gradient: the early layers barely learn."
        elif ratio < 0.01:
            text = ("The first layer gets over 100× the last layer's gradient: it grew on its way down. A "
                    "learning rate that suits the last layers is far too big for the first ones.")
        elif max(norms) < 1e-6:
            text = "The gradients are tiny in every layer: the signal died on the way. Raise init_scale."
        elif max(norms) > 1e3:
            text = "The gradients are huge: they explode. Lower init_scale, or clip the gradient norm."
        else:
            text = ("The first and the last layer's gradients are within 100× of each other, either way: "
                    "the gradient reaches every layer at a comparable size.")
        return f"<p style='max-width:260px'>{text}</p>"

    def plot_figure(self, norms):
        """The per-layer gradient sizes on a log axis of fixed range (``Y_RANGE``, wider only for a value outside)."""
        fig = figure((4.8, 3.0), layout=None)
        ax = fig.add_subplot()
        layers = np.arange(1, len(norms) + 1)
        vals = np.array(norms, dtype=float)
        ok = np.isfinite(vals) & (vals > 0)
        if ok.any():
            ax.semilogy(layers[ok], vals[ok], "o-", ms=4, color=COLORS["series"])
        if (~ok).any():
            ax.text(0.5, 0.5, "some layers: 0, inf or nan (not drawn)", transform=ax.transAxes,
                    ha="center", color=COLORS["loss"], fontsize=9)
        if not ok.any():
            ax.set_yscale("log")
        ax.set_xlim(0.5, max(len(norms), 2) + 0.5)
        ax.set_ylim(*y_range(vals[ok]))
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel("mean |dL/dW| (log scale)")
        from matplotlib.ticker import LogLocator, NullLocator

        ax.yaxis.set_major_locator(LogLocator(numticks=8))
        plain_log_ticks(ax.yaxis)
        ax.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost ~2/3 of the drawing time
        ax.grid(True, alpha=0.3)
        return fig


def y_range(values):
    """``Y_RANGE``, widened to whole powers of ten that hold every (positive, finite) value."""
    lo, hi = Y_RANGE
    if len(values):
        lo = min(lo, 10.0 ** math.floor(math.log10(min(values))))
        hi = max(hi, 10.0 ** math.ceil(math.log10(max(values))))
    return lo, hi


def vanishing_explorer(depth=10, activation="sigmoid", init_scale=1.0, residual=False, seed=0):
    """Mean |gradient| per layer, log scale (values: grad_norms, first, last, ratio = last/first)."""
    return VanishingExplorer(depth, activation, init_scale, residual, seed)
