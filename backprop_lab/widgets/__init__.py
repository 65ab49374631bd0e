"""Live explorers: sliders and buttons wired to forward and backward values, redrawn in place.

Each explorer returns an object with ``.controls`` (input widgets by name), ``.values`` (the
numbers it shows, by the lesson's names) and ``.widget`` (what Jupyter displays; the object
displays itself too).
"""

from ._base import Explorer
from .slopes import nudge_explorer, slope_explorer
from .chain import chain_rule_explorer, expression_explorer, graph_stepper
from .neuron import neuron_explorer
from .xor import xor_explorer
from .vanishing import vanishing_explorer
from .trainer_view import TrainingView, training_view

__all__ = [
    "Explorer",
    "slope_explorer", "nudge_explorer",
    "chain_rule_explorer", "graph_stepper", "expression_explorer",
    "neuron_explorer", "xor_explorer", "vanishing_explorer",
]
