"""Checker for gradients worked out by hand on a small graph: one mark per node, never the answer.

The marks come in the order the backward pass reaches the nodes: from the output, level by level,
each node's inputs in argument order, and a node only once all of its users are done.
"""

from ..engine import Value
from .core import Mark, Verdict, as_number, checker, close

__all__ = ["check_hand_grads", "hand_graph"]


def _leaves(**values):
    return [Value(v, label=name) for name, v in values.items()]


def _named(value, label):
    value.label = label
    return value


def _worked_graph():
    a, b, c, f = _leaves(a=2.0, b=-3.0, c=10.0, f=-2.0)
    e = _named(a * b, "e")
    d = _named(e + c, "d")
    return _named(d * f, "L")


def _exercise_graph():
    x, y, z, w = _leaves(x=-2.0, y=5.0, z=-4.0, w=3.0)
    q = _named(x + y, "q")
    p = _named(q * z, "p")
    r = _named(w * x, "r")
    return _named(p + r, "L")


_GRAPHS = {"exercise": _exercise_graph, "worked": _worked_graph}


def hand_graph(name="exercise"):
    """A fresh, un-backpropagated graph to work on by hand: "exercise" (L = (x+y)·z + w·x) or "worked"."""
    if name not in _GRAPHS:
        raise ValueError(f"no graph called {name!r}: choose one of {', '.join(_GRAPHS)}")
    return _GRAPHS[name]()


def backward_order(root):
    """Nodes in the order a backward pass by hand reaches them (root first, see the module doc)."""
    users, stack = {id(root): 0}, [root]  # keyed by id: which node, never in what order
    while stack:  # count each node's users
        for child in stack.pop().inputs:
            if id(child) not in users:
                users[id(child)] = 0
                stack.append(child)
            users[id(child)] += 1
    order, queue = [], [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for child in node.inputs:
            users[id(child)] -= 1
            if users[id(child)] == 0:
                queue.append(child)
    return order


def _grad_hint(name, got, right, uses, grads):
    """Why a hand-computed dL/d<name> might be off, from the graph around the node."""
    if close(got, -right):
        return "right size, wrong sign"
    if len(uses) > 1:
        for user, local in uses:
            if close(got, local * grads[user.label]):
                return (f"that is only the path through {user.label}; {name} feeds "
                        f"{' and '.join(u.label for u, _ in uses)}, so add the gradients of every path")
    elif uses:
        user, local = uses[0]
        up = grads[user.label]
        if close(got, local) and not close(local, local * up):
            return (f"that is the local derivative d{user.label}/d{name}; multiply it by the upstream "
                    f"dL/d{user.label}")
        if close(got, up) and not close(up, local * up):
            return (f"that is the upstream dL/d{user.label}; multiply it by the local derivative "
                    f"d{user.label}/d{name}")
    return "too high" if got > right else "too low"


def check_hand_grads(answers, graph="exercise"):
    """Mark each hand-computed gradient in ``answers`` ({"dL/dx": number, ...}) separately."""
    hand_graph(graph)  # an unknown graph name is the caller's slip, not the learner's: raise
    return _check_hand_grads(answers, graph)


@checker("Gradients by hand")
def _check_hand_grads(answers, graph):
    title = f"Gradients by hand ({graph} graph)"
    root = hand_graph(graph)
    root.backward()
    order = backward_order(root)
    grads = {n.label: n.grad for n in order}
    uses = {n.label: [] for n in order}
    for node in order:
        for child, local in zip(node.inputs, node.local_grads):
            uses[child.label].append((node, local))
    wanted = [f"dL/d{n.label}" for n in order if n is not root]
    if not isinstance(answers, dict):
        return Verdict(title, [Mark(False, f"pass a dict like {{'{wanted[0]}': 1.0, ...}}, "
                                           f"not a {type(answers).__name__}")])
    given = {(k if str(k).startswith("dL/d") else f"dL/d{k}"): v for k, v in answers.items()}
    marks = [Mark(False, f"{k!r} is not a node of this graph; the nodes are {', '.join(wanted)}")
             for k in given if k not in wanted]
    tried_and_wrong = bool(marks)
    for key in wanted:
        name = key[4:]
        if given.get(key) is None:
            marks.append(Mark(False, f"{key}: not filled in yet"))
            continue
        got, problem = as_number(given[key], key)
        if problem:
            marks.append(Mark(False, problem.replace("returned", "is")))
        elif close(got, grads[name], rel=1e-6, abs_=1e-9):
            marks.append(Mark(True, f"{key} = {got:g}"))
            continue
        else:
            marks.append(Mark(False, f"{key} = {got:g}: not yet, "
                                     + _grad_hint(name, got, grads[name], uses[name], grads)))
        tried_and_wrong = True
    hint = ("start at dL/dL = 1 and walk backwards: each grad is the upstream grad times the local "
            "derivative, summed over every node that uses it") if tried_and_wrong else ""
    return Verdict(title, marks, hint=hint)
