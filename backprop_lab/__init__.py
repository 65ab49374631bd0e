"""backprop_lab: learn backpropagation by building it, watching it and breaking it.

``from backprop_lab import Value, MLP, draw_graph, slope_explorer, ...`` works for every public
name. The heavy parts (graphviz, ipywidgets, matplotlib) load only when first used, so
``import backprop_lab`` is light and has no side effects.
"""

import importlib

from .engine import Value

__version__ = "0.1.0"

# public name -> the submodule that defines it, imported on first use (PEP 562)
_LAZY = {
    "nn": ["Module", "Neuron", "Layer", "MLP", "mse_loss", "half_mse_loss", "hinge_loss",
           "l2_penalty", "sgd_step", "clip_grad_norm"],
    "gradcheck": ["numerical_grad", "gradcheck"],
    "datasets": ["xor", "moons"],
    "graph": ["draw_graph", "topological_orders", "to_svg", "trace", "graph_html", "GraphvizMissingError"],
    "widgets": ["slope_explorer", "nudge_explorer", "chain_rule_explorer", "graph_stepper",
                "expression_explorer", "neuron_explorer", "xor_explorer", "vanishing_explorer"],
    "exercises": [],
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = ["Value", *_WHERE]


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'backprop_lab' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_LAZY))
