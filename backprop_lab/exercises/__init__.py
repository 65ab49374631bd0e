"""Checked exercises: each checker returns a Verdict (a coloured box in Jupyter, plain text elsewhere).

One module per topic; notebooks import the checkers as ``from backprop_lab import check_...``.
"""

from .core import Mark, Verdict, checker, close
from .depth import check_clip_by_norm, check_sigmoid_chain_grad
from .derivatives import check_derivative
from .engine_ops import check_backward
from .hand_gradients import check_hand_grads, hand_graph
from .networks import check_accuracy, check_smallest_relu_layer, check_two_layer_grads
from .neuron import check_backward_ledger, check_neuron_gradient
from .training import check_prediction

__all__ = ["Verdict", "Mark", "checker", "close", "check_derivative", "check_hand_grads", "hand_graph",
           "check_backward", "check_backward_ledger", "check_neuron_gradient", "check_accuracy",
           "check_smallest_relu_layer", "check_two_layer_grads", "check_sigmoid_chain_grad",
           "check_clip_by_norm", "check_prediction"]
