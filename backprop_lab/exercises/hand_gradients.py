"""Checkers for gradients worked out by hand on a small graph: one mark per node, never the answer.

``check_hand_grads`` marks numbers for one graph; ``check_backward_by_hand`` marks a function that
does the backward pass with plain numbers, at several inputs, so no drawing or stepper that shows
one set of numbers answers it. The marks come in the order the backward pass reaches the nodes:
from the output, level by level, each node's inputs in argument order, and a node only once all
of its users are done.
"""

from ..engine import Value
from .reference import Value as Private
from .core import NOT_WRITTEN, Mark, Verdict, as_number, checker, close

__all__ = ["check_hand_grads", "check_backward_by_hand", "hand_graph", "EXERCISE_POINTS"]


def _leaves(num, **values):
    return [num(v, label=name) for name, v in values.items()]


def _named(value, label):
    value.label = label
    return value


def _worked_graph(num=Value):
    a, b, c, f = _leaves(num, a=2.0, b=-3.0, c=10.0, f=-2.0)
    e = _named(a * b, "e")
    d = _named(e + c, "d")
    return _named(d * f, "L")


# Exercise 2.1: L = p + r with p = q·z, q = x·y, r = w·x. The product q sits under the upstream
# z (not 1), and x feeds two nodes. The first point is the one the lesson draws; at each point,
# every slip below gives a number of its own (tests/test_exercises_hand_gradients.py checks it).
EXERCISE_POINTS = [(-2.0, 5.0, -4.0, 3.0), (1.5, -2.5, 3.5, -0.75), (-0.8, -1.75, 2.5, 4.0)]


def _exercise_graph(x=EXERCISE_POINTS[0][0], y=EXERCISE_POINTS[0][1], z=EXERCISE_POINTS[0][2],
                    w=EXERCISE_POINTS[0][3], num=Value):
    x, y, z, w = _leaves(num, x=x, y=y, z=z, w=w)
    q = _named(x * y, "q")
    p = _named(q * z, "p")
    r = _named(w * x, "r")
    return _named(p + r, "L")


_GRAPHS = {"exercise": _exercise_graph, "worked": _worked_graph}


def hand_graph(name="exercise"):
    """A fresh, un-backpropagated graph to work on by hand: "exercise" (L = x·y·z + w·x) or "worked"."""
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
    root = _GRAPHS[graph](num=Private)  # the checkers' own engine: a learner's patch cannot change it
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


# Names whose use means the function lets an engine do the walk instead of the chain rule by hand.
_ENGINES = {"Value", "backward", "hand_graph", "graph_stepper", "torch", "Scalar", "grad"}


def _slips(name, x, y, z, w):
    """{number: what it means} for the usual slips at one node, at one point."""
    g = {"p": 1.0, "r": 1.0, "q": z, "z": x * y, "w": x, "y": z * x, "x": z * y + w}
    slips = {-g[name]: "right size, wrong sign"}
    if name == "y":
        slips[x] = "that is the local derivative dq/dy = x; multiply it by the upstream dL/dq"
        slips[z] = "that is the upstream dL/dq; multiply it by the local derivative dq/dy"
    if name == "x":
        slips[z * y] = "that is only the path through q; x feeds q and r, so add the gradients of both paths"
        slips[w] = "that is only the path through r; x feeds q and r, so add the gradients of both paths"
        slips[y + w] = ("the path through q is missing its upstream dL/dq = z: each path is its local "
                        "derivative times the upstream")
    if name == "z":
        slips[y] = "that is only part of q = x·y: dp/dz is the whole other factor, q"
    return g, slips


@checker("Backward pass by hand")
def check_backward_by_hand(fn):
    """Check ``fn(x, y, z, w)`` → {"dL/dp": ..., ...}: the chain rule by hand for L = x·y·z + w·x, at several points."""
    title = "Backward pass by hand (L = p + r, p = q·z, q = x·y, r = w·x)"
    code = getattr(fn, "__code__", None)
    used = set(code.co_names) if code else set()
    if used & _ENGINES:
        return Verdict(title, [Mark(False, f"your function uses {', '.join(sorted(used & _ENGINES))}: here the "
                                           "chain rule is yours, with plain numbers, one line per edge")],
                       hint="follow the worked cell above: each grad is its upstream grad times a local derivative")
    keys = ["dL/dp", "dL/dr", "dL/dq", "dL/dz", "dL/dw", "dL/dx", "dL/dy"]
    wrong = {}  # key -> first message
    for point in EXERCISE_POINTS:
        try:
            got = fn(*point)
        except NotImplementedError:
            return Verdict(title, [Mark(False, NOT_WRITTEN)])
        if not isinstance(got, dict):
            what = "None: did you forget `return`?" if got is None else f"a {type(got).__name__}"
            return Verdict(title, [Mark(False, f"your function returned {what}; return the dict of grads")])
        at = "at x={:g}, y={:g}, z={:g}, w={:g}".format(*point)
        for key in keys:
            if key in wrong:
                continue
            name = key[4:]
            right, slips = _slips(name, *point)
            value, problem = as_number(got.get(key), key)
            if problem:
                wrong[key] = f"{key} {at}: {problem.replace('returned', 'is')}"
            elif not close(value, right[name], rel=1e-9, abs_=1e-12):
                why = next((t for v, t in slips.items() if close(value, v, rel=1e-9, abs_=1e-12)),
                           "too high" if value > right[name] else "too low")
                wrong[key] = f"{key} {at}: yours is {value:g}, {why}"
    marks = [Mark(False, wrong[k]) if k in wrong else Mark(True, f"{k}: right at all {len(EXERCISE_POINTS)} points")
             for k in keys]
    hint = ("start from dL/dL = 1 and walk backwards: each grad is the upstream grad times the local "
            "derivative, summed over every node that uses it") if wrong else ""
    return Verdict(title, marks, hint=hint)
