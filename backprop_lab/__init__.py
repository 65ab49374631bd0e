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
    "neuron": ["sigmoid_np", "neuron_ledger", "neuron_update", "batch_gradients", "train_neuron_python",
               "train_neuron_numpy", "train_neuron_value", "train_neuron_torch", "compare_trainers"],
    "training": ["train", "predict", "accuracy", "train_xor", "xor_single_neuron", "xor_seed_sweep",
                 "decision_grid", "mlp_params", "two_layer_backprop", "train_two_layer_numpy"],
    "depth": ["sigmoid_derivative", "sigmoid_chain_bound", "sigmoid_chain_product", "deep_net",
              "deep_net_grads", "layer_gradients", "layer_grad_norms", "gradient_samples", "dead_relu",
              "exploding_chain", "clip_grads_np", "sigmoid_stability_table"],
    "plots": ["draw_decision_boundary", "decision_boundaries", "gradient_histogram"],
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
