"""Figures the lessons and explorers share. matplotlib loads only when a figure is drawn.

Every figure comes from ``figure()``, made without pyplot, so nothing piles up: a notebook shows
it once (after ``%matplotlib inline``), an explorer turns it into SVG with ``figure_svg``.
"""

import html
import io

import numpy as np

from .style import plain_number

__all__ = ["figure", "figure_svg", "plain_log_ticks", "decision_grid", "draw_plane", "draw_points",
           "draw_decision_boundary", "decision_boundaries", "gradient_histogram", "outside_legend", "NP_ACTIVATIONS",
           "PLANE_LEVELS"]


def figure(size=(4.8, 3.2), layout="constrained"):
    """A new matplotlib Figure of ``size`` inches (no pyplot); explorers pass layout=None, which redraws faster."""
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout=layout)


def figure_svg(fig, alt=None, tight=True):
    """A matplotlib Figure as an SVG string (no pyplot); ``alt`` (the numbers it shows) becomes its aria-label."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", **({"bbox_inches": "tight"} if tight else {}))
    svg = buf.getvalue()
    if alt:
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt, quote=True)}" ', 1)
    return svg


def _sigmoid(z):
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# Activations in NumPy, elementwise, for fast figures and explorers (sigmoid never overflows).
NP_ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "sigmoid": _sigmoid,
           "linear": lambda z: z}


def _layers(model):
    """A Neuron, Layer or MLP of backprop_lab.nn as [(W, b, activation)] in NumPy, or None."""
    parts = getattr(model, "layers", None) or [model]
    out = []
    for part in parts:
        neurons = getattr(part, "neurons", None) or [part]
        acts = {getattr(n, "activation", None) for n in neurons}
        if len(acts) != 1 or next(iter(acts)) not in NP_ACTIVATIONS or not hasattr(neurons[0], "w"):
            return None
        W = np.array([[w.data for w in n.w] for n in neurons])
        b = np.array([n.b.data for n in neurons])
        out.append((W, b, acts.pop()))
    return out


def decision_grid(model, lo=-0.5, hi=1.5, n=41):
    """A model's output over an n×n grid: (xs, ys, Z) with Z[i, j] at (xs[j], ys[i]).

    ``model`` is a backprop_lab.nn Neuron/Layer/MLP (evaluated in NumPy, fast) or any function
    of [x1, x2] that returns a Value or a number (NumPy numbers too).
    """
    xs = ys = np.linspace(lo, hi, n)
    pts = np.array([[a, b] for b in ys for a in xs])
    layers = _layers(model)
    if layers is not None:
        h = pts
        for W, b, act in layers:
            h = NP_ACTIVATIONS[act](h @ W.T + b)
        Z = h[:, 0]
    else:
        Z = np.array([float(plain_number(model([float(a), float(b)]))) for a, b in pts])
    return xs, ys, Z.reshape(n, n)


PLANE_LEVELS = np.linspace(0, 1, 11)  # the colour steps of ŷ over the plane


def draw_plane(ax, model, n=41):
    """Fill ax with the model's output over the plane and draw its 0.5 contour; returns both (to remove later)."""
    xs, ys, Z = decision_grid(model, lo=-0.5, hi=1.5, n=n)
    return [ax.contourf(xs, ys, Z, levels=PLANE_LEVELS, cmap="RdBu_r", vmin=0, vmax=1),
            ax.contour(xs, ys, Z, levels=[0.5], colors="black", linewidths=1.5)]


def draw_points(ax, X, y, title="", labels=False):
    """The points coloured by their label (tagged "y=…" if labels), on axes x1, x2 of equal scale."""
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", vmin=0, vmax=1, edgecolors="black", s=90, zorder=3)
    if labels:
        for (a, b), t in zip(X, y):
            ax.annotate(f"y={t:g}", (a, b), xytext=(7, 7), textcoords="offset points", fontsize=9,
                        fontweight="bold", bbox=dict(boxstyle="round,pad=0.15", fc="white", alpha=0.8))
    ax.set(title=title, xlabel="x1", ylabel="x2", aspect="equal")


def draw_decision_boundary(ax, model, X, y, n=41, title="", labels=False):
    """Fill ax with the model's output over the plane, its 0.5 contour and the points; returns the fill."""
    filled, _ = draw_plane(ax, model, n)
    draw_points(ax, X, y, title, labels)
    return filled


def decision_boundaries(models, X, y):
    """One panel per model ({title: model}), sharing a colour bar for ŷ."""
    fig = figure((4.2 * len(models), 3.6))
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    for ax, (title, model) in zip(axes, models.items()):
        filled = draw_decision_boundary(ax, model, X, y, n=61, title=title)
    fig.colorbar(filled, ax=list(axes), label="yhat")
    return fig


def gradient_histogram(samples, title=""):
    """Histograms of log10 |gradient| for each {label: array of magnitudes}, on shared bins (legend beside them)."""
    fig = figure((7.5, 3.4))
    ax = fig.subplots()
    bins = np.linspace(-13, 0, 53)
    for label, values in samples.items():
        ax.hist(np.log10(np.asarray(values) + 1e-300), bins=bins, alpha=0.7, label=label)
    ax.set(xlabel="log10 |dL/dW|", ylabel="number of weights", title=title)
    outside_legend(ax)
    return fig


def plain_log_ticks(axis):
    """Label a log axis 1e-12, 0.01, 1, 100 in the tick font's full size (10⁻¹²'s exponent is too small to read)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    def label(v, _):
        k = round(np.log10(v)) if v > 0 else 0
        return f"{v:g}" if -2 <= k <= 3 else f"1e{k}"
    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(NullFormatter())


def outside_legend(ax, **kw):
    """The axes' legend just right of them, so it never covers a bar or a curve."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kw)
