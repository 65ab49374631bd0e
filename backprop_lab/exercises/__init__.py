"""Checked exercises: each checker returns a Verdict (a coloured box in Jupyter, plain text elsewhere).

One module per topic; notebooks import the checkers as ``from backprop_lab import check_...``.
"""

from .core import Mark, Verdict, checker, close
from .depth import check_clip_by_norm, check_deep_backward, check_sigmoid_chain_grad
from .derivatives import check_derivative
from .engine_ops import check_backward, check_tanh_from_pieces, check_topological_order
from .hand_gradients import check_backward_by_hand, check_hand_grads, hand_graph
from .networks import (check_layer, check_mlp_parameters, check_neuron_call, check_smallest_relu_layer,
                       check_training_loop, check_two_layer_grads)
from .neuron import check_backward_ledger, check_batch_gradient
from .training import check_fit, check_prediction, check_total_loss

__all__ = ["Verdict", "Mark", "checker", "close", "check_derivative", "check_hand_grads",
           "check_backward_by_hand", "hand_graph",
           "check_backward", "check_topological_order", "check_tanh_from_pieces",
           "check_backward_ledger", "check_batch_gradient",
           "check_neuron_call", "check_layer", "check_mlp_parameters", "check_training_loop",
           "check_smallest_relu_layer", "check_two_layer_grads", "check_sigmoid_chain_grad",
           "check_deep_backward", "check_clip_by_norm", "check_total_loss", "check_fit", "check_prediction"]
