"""micrograd's way of making a node: ``out = Value(x, (a, b), "op")``, then ``out._backward = closure``.

engine.py writes each op's local derivatives instead. This keeps code written for micrograd working,
with any number of inputs; a node given no closure is a constant, as in micrograd.
"""

__all__ = ["HandWritten", "adopt", "closure_property"]


class HandWritten:
    """The chain rule of a micrograd-style node: call its _backward closure, if it has one."""

    __slots__ = ("inputs", "closure")

    def __init__(self, inputs, closure):
        self.inputs, self.closure = inputs, closure

    def __call__(self, node):
        if self.closure is not None:
            self.closure()


def adopt(node, inputs):
    """Start a node made with inputs but no local derivatives: a constant until its _backward is set."""
    node._rule = HandWritten(tuple(inputs), None)
    return node._rule.inputs[:2], (0.0,) * min(len(inputs), 2)


def _closure(node):
    """This node's step of the chain rule (micrograd's name): push ``node.grad`` to its inputs."""
    if type(node._rule) is HandWritten:
        return node._rule.closure or (lambda: None)  # micrograd's default: nothing to pass back
    return node._chain_rule


def _set_closure(node, closure):
    node._rule, node._exponent = HandWritten(node.inputs, closure), None


closure_property = property(_closure, _set_closure, doc=_closure.__doc__)
