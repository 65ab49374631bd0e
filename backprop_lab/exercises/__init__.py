"""Checked exercises: each checker returns a Verdict (a coloured box in Jupyter, plain text elsewhere).

One module per topic; notebooks import the checkers as ``from backprop_lab import check_...``.
"""

from . import core, lessons456
from .core import Mark, Verdict, checker, close
from .derivatives import check_derivative
from .engine_ops import check_backward
from .hand_gradients import check_hand_grads, hand_graph
from .lessons456 import *  # noqa: F401,F403
from .networks import check_accuracy, check_smallest_relu_layer, check_two_layer_grads  # noqa: F811
from .neuron import check_backward_ledger, check_neuron_gradient  # noqa: F811
from .depth import check_clip_by_norm, check_sigmoid_chain_grad  # noqa: F811
from .training import check_prediction

__all__ = ["Verdict", "Mark", "checker", "close", "check_derivative", "check_hand_grads", "hand_graph",
           "check_backward", *lessons456.__all__]
