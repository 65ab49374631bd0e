"""backprop_lab: learn backpropagation by building it, watching it and breaking it.

``from backprop_lab import Value, MLP, draw_graph, slope_explorer, ...`` works for every public
name. The heavy parts (graphviz, ipywidgets, matplotlib) load only when first used, so
``import backprop_lab`` is light and has no side effects.
"""

import importlib

from .engine import Value
from .gradcheck import GradcheckReport, gradcheck, numerical_grad  # light; see the note below

__version__ = "0.1.0"

# Public names by the module (path) that defines them; each module is imported when one of its
# names is first used (PEP 562). Dotted paths work: "exercises.derivatives": [...].
# A public name must never be a submodule's name too: importing a submodule binds its name on
# the package, so the name would turn from the function into the module. The one exception,
# gradcheck (a function in gradcheck.py), is imported above, which fixes the name for good.
_LAZY = {
    "nn": ["Module", "Neuron", "Layer", "MLP", "mse_loss", "half_mse_loss", "hinge_loss",
           "l2_penalty", "sgd_step", "clip_grad_norm"],
    "datasets": ["xor", "moons"],
    "graph": ["draw_graph", "topological_orders", "to_svg", "graph_html", "GraphvizMissingError",
              "DrawingTimeoutError"],
    "widgets": ["slope_explorer", "nudge_explorer", "chain_rule_explorer", "graph_stepper",
                "expression_explorer", "neuron_explorer", "xor_explorer", "vanishing_explorer"],
    "plots": ["figure", "decision_grid", "draw_decision_boundary", "decision_boundaries", "gradient_histogram"],
    "exercises": [],
    "widgets.trainer_view": ["training_view"],
    "exercises.derivatives": ["check_derivative"],
    "exercises.hand_gradients": ["check_hand_grads", "check_backward_by_hand", "hand_graph"],
    "exercises.engine_ops": ["check_backward", "check_topological_order", "check_tanh_from_pieces"],
    "exercises.neuron": ["check_backward_ledger", "check_batch_gradient"],
    "exercises.networks": ["check_neuron_call", "check_layer", "check_mlp_parameters", "check_training_loop",
                           "check_smallest_relu_layer", "check_two_layer_grads"],
    "exercises.depth": ["check_sigmoid_chain_grad", "check_deep_backward", "check_clip_by_norm"],
    "exercises.training": ["check_total_loss", "check_fit", "check_prediction"],
    "exercises.attempts": ["exercise"],
    "learner": ["save_engine", "learner_engine"],
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = ["Value", "gradcheck", "numerical_grad", "GradcheckReport", *_WHERE]


def __getattr__(name):
    """Import a public name's module on first use; a top-level module path gives the module."""
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    if name in _LAZY and "." not in name:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'backprop_lab' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | {m for m in _LAZY if "." not in m})
