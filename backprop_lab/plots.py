"""Figures the lessons and explorers share. matplotlib loads only when a figure is drawn.

Each function returns a ``matplotlib.figure.Figure`` made without pyplot, so nothing piles up:
a notebook shows it once (after ``%matplotlib inline``), an explorer turns it into SVG.
"""

import numpy as np

__all__ = ["draw_decision_boundary", "decision_boundaries", "gradient_histogram"]


def _figure(size):
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def draw_decision_boundary(ax, model, X, y, n=41, title="", labels=False):
    """Fill ax with the model's output over the plane, its 0.5 contour and the points; returns the fill."""
    from .training import decision_grid

    xs, ys, Z = decision_grid(model, lo=-0.5, hi=1.5, n=n)
    filled = ax.contourf(xs, ys, Z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", vmin=0, vmax=1)
    ax.contour(xs, ys, Z, levels=[0.5], colors="black", linewidths=1.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", vmin=0, vmax=1, edgecolors="black", s=90, zorder=3)
    if labels:
        for (a, b), t in zip(X, y):
            ax.annotate(f"y={t:g}", (a, b), xytext=(7, 7), textcoords="offset points", fontsize=8,
                        fontweight="bold", bbox=dict(boxstyle="round,pad=0.15", fc="white", alpha=0.8))
    ax.set(title=title, xlabel="x1", ylabel="x2", aspect="equal")
    return filled


def decision_boundaries(models, X, y):
    """One panel per model ({title: model}), sharing a colour bar for ŷ."""
    fig = _figure((4.2 * len(models), 3.6))
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    for ax, (title, model) in zip(axes, models.items()):
        filled = draw_decision_boundary(ax, model, X, y, n=61, title=title)
    fig.colorbar(filled, ax=list(axes), label="yhat")
    return fig


def gradient_histogram(samples, title=""):
    """Histograms of log10 |gradient| for each {label: array of magnitudes}, on shared bins."""
    fig = _figure((7.5, 3.4))
    ax = fig.subplots()
    bins = np.linspace(-13, 0, 53)
    for label, values in samples.items():
        ax.hist(np.log10(np.asarray(values) + 1e-300), bins=bins, alpha=0.7, label=label)
    ax.set(xlabel="log10 |dL/dW|", ylabel="number of weights", title=title)
    ax.legend()
    return fig
