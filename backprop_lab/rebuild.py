"""``Value.rebuild``: make a node's op again from new inputs (the explorers redo a graph this way)."""

from .engine import Value

__all__ = ["rebuild"]

# how each op is made again ("**c", a constant power, keeps its exponent in node._exponent)
_OPS = {"+": Value.__add__, "-": Value.__sub__, "*": Value.__mul__, "/": Value.__truediv__,
        "**": Value.__pow__, "neg": Value.__neg__, "relu": Value.relu, "tanh": Value.tanh,
        "sigmoid": Value.sigmoid, "exp": Value.exp, "log": Value.log, "sin": Value.sin, "cos": Value.cos}


def rebuild(node, inputs):
    """A new Value made by node's op (and constant, e.g. the 3 of x ** 3) from inputs; the label is kept.

    A leaf rebuilds as a new leaf with the same data.
    """
    if node.local_grads is None:
        raise TypeError(
            f"cannot rebuild the {node.op!r} node: it has a hand-written _backward closure, so "
            "the engine does not know its op. Call the function that made it again instead."
        )
    n = len(node.inputs)
    if len(inputs) != n:
        raise TypeError(f"the {node.op or 'leaf'!r} node takes {n} inputs, rebuild() got {len(inputs)}")
    inputs = [x if isinstance(x, Value) else Value(x) for x in inputs]
    if n == 0:
        out = Value(node.data)
    elif node._exponent is not None:  # x ** c
        out = inputs[0] ** node._exponent
    elif node.op in _OPS:
        out = _OPS[node.op](*inputs)
    else:
        raise TypeError(f"cannot rebuild the {node.op!r} node: the engine does not know this op "
                        "(the node was made by hand). Call the function that made it again instead.")
    out.label = node.label
    return out
