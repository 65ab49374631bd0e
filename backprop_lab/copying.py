"""pickle, copy.deepcopy and copy.copy of a Value, at any depth of graph.

Both walk the graph iteratively, inputs first, so that neither recurses more than one node deep:
a 100,000-node chain copies as easily as a 3-node one.
"""

import threading
import weakref

from .engine import Value, topological_order

__all__ = ["reduce_value", "set_state", "deepcopy_value", "copy_value"]

# The pickle under way in this thread: a weak reference to its _Saving marker, which holds the ids
# of the nodes that pickle saves first. The pickler keeps the marker alive until it is done, so
# after any interruption the reference dies with the pickler and no stale ids are left behind.
_current = threading.local()


class _Saving:
    """Pickled just before a graph's nodes; unpickles as None. Its ``ids`` are those nodes."""

    __slots__ = ("ids", "__weakref__")

    def __init__(self, ids):
        self.ids = ids

    def __reduce__(self):
        return (_none, ())


def _none():
    return None


def reduce_value(node):
    """pickle's view of a Value: its inputs' graph saved first, in order, then its own state."""
    if node.local_grads is None:
        raise _uncopyable(node)
    saving = getattr(_current, "saving", None)
    saving = saving and saving()
    if node._a is None or (saving is not None and id(node) in saving.ids):
        return (_blank, (), _state(node))  # a leaf, or its inputs are saved already
    order = topological_order(node)[:-1]
    marker = _Saving({id(n) for n in order})
    _current.saving = weakref.ref(marker)
    return (_blank, (), (marker, order, _state(node)))


def _state(node):
    return (node.data, node.grad, node.label, node._op, node._a, node._b, node._da, node._db,
            node._rule, node._exponent)


def set_state(node, state):
    """Fill a blank Value from what reduce_value saved."""
    if len(state) == 3:  # (the marker, the nodes saved first, this node's own state)
        state = state[2]
    (node.data, node.grad, node.label, node._op, node._a, node._b, node._da, node._db,
     node._rule, node._exponent) = state


def deepcopy_value(node, memo):
    """copy.deepcopy of a Value: every node it depends on is copied once, inputs first."""
    for n in topological_order(node):
        if id(n) not in memo:
            if n.local_grads is None:
                raise _uncopyable(n)
            copied = _blank()
            set_state(copied, _state(n))
            copied._a, copied._b = (None if x is None else memo[id(x)] for x in (n._a, n._b))
            memo[id(n)] = copied
    return memo[id(node)]


def copy_value(node):
    """copy.copy of a Value: a new node with the same inputs."""
    out = _blank()
    set_state(out, _state(node))
    return out


def _blank():
    """An empty Value for pickle and copy to fill in."""
    return object.__new__(Value)


def _uncopyable(node):
    return TypeError(f"cannot copy or pickle the {node.op!r} node: its hand-written _backward closure "
                     "refers to the original Values. Build the graph again instead.")
