"""Checkers for lesson 3's engine, written by the learner piece by piece on their own class.

- ``check_backward(cls, op)``: one op's ``_backward`` ("mul", "pow", "tanh", "exp", "relu",
  "sigmoid" or "div"). The checker builds five small graphs around the op (used once, re-used,
  mixed with its own input, a diamond, on a computed input). Every node other than the op's own
  is made by the checker with the class's constructor and a ``_backward`` of its own, and the
  backward pass is the checker's, so an op can be checked before ``backward()`` exists and a
  blank elsewhere cannot spoil the check.
- ``check_topological_order(fn, cls)``: the learner's ordering of a graph's nodes.
- ``check_backward(cls)`` (no op): the learner's ``backward()`` method.
- ``check_tanh_from_pieces(fn, cls)``: tanh built from the learner's exp, -, + and /.

A failing mark names the input, says which way it is off, and names the likely slip. The slips are
not guessed from ratios: the checker runs each known slip on the same graphs with an engine of its
own and names the one that gives the learner's numbers. It never prints the right gradient.
"""

import math
import re
import sys
from collections import Counter, namedtuple

from .core import NOT_WRITTEN, Mark, Verdict, checker, close

__all__ = ["check_backward", "check_topological_order", "check_tanh_from_pieces", "OPS", "SLIPS", "UPSTREAM",
           "SCALE"]

UPSTREAM = -1.7  # what the "used once" graphs multiply the op's output by
SCALE = 0.6  # the "computed input" graph applies the op to SCALE·x instead of to the leaf x


# ---- the checker's own engine -------------------------------------------------------------------------------

class _Node:
    """The checker's node: the same fields as the lesson's Scalar, so its graphs run the same way."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data, self.grad, self._prev, self._op = float(data), 0.0, tuple(_children), _op
        self._backward = _nothing


def _nothing():
    pass


def _glue(cls, data, inputs, locals_):
    """A node of class ``cls`` made by the checker: its _backward is the checker's, not the learner's op."""
    out = cls(data, tuple(inputs), "")

    def _backward():
        for node, local in zip(inputs, locals_):
            node.grad += local * out.grad
    out._backward = _backward
    return out


def _add(cls, u, v):
    return _glue(cls, u.data + v.data, (u, v), (1.0, 1.0))


def _mul(cls, u, v):
    return _glue(cls, u.data * v.data, (u, v), (v.data, u.data))


def _times(cls, u, c):
    return _mul(cls, u, cls(c))


def _order(root):
    """Every node after its inputs, without recursion (the checker's own, which the learner cannot patch)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node._prev) if id(child) not in seen)
    return order


def _run_backward(root, reverse=True, seed=True, zero_inner=True, zero_leaves=False):
    """The checker's backward pass; the keywords make the slips a learner's backward() may have."""
    order = _order(root)
    for node in order:
        if (node._prev and zero_inner) or (not node._prev and zero_leaves):
            node.grad = 0.0
    if seed:
        root.grad = 1.0
    for node in (reversed(order) if reverse else order):
        node._backward()


# ---- the ops and their slips --------------------------------------------------------------------------------

Slip = namedtuple("Slip", "key text local update record attached", defaults=(None, "+=", True, True))

# Slips any op's _backward can have. update: how the input's grad is changed; record=False: the op
# does not record its inputs in _children; attached=False: out._backward is never set.
SLIPS = [
    Slip("assign", "= instead of +=: one use of the input overwrote the other's share. Use += (accumulate) "
                   "in _backward", update="="),
    Slip("no_upstream", "you left out out.grad: multiply the local derivative by the upstream gradient, "
                        "out.grad", update="no upstream"),
    Slip("sign", "right size, wrong sign: add local derivative × out.grad, do not subtract it", update="-="),
    Slip("not_attached", "no gradient came back through your op: attach the function with "
                         "out._backward = _backward (before return out)", attached=False),
    Slip("no_record", "no gradient reached the nodes before your op: it does not record its inputs (the "
                      "tuple passed as _children), so backward() never visits them", record=False),
]

Op = namedtuple("Op", "names method forward local shown cases slips hint")


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


# name -> how to call the learner's method (from the class, so it is theirs even on a checker's node),
# the true forward and local derivatives (xs: the inputs' data, y: the output, c: a constant such as
# the exponent), the cases (inputs, constant) to run, and the op's own slips.
OPS = {
    "mul": Op("ab", "__mul__", lambda a, b, c=None: a * b, lambda xs, y, c: (xs[1], xs[0]), "a * b",
              [((1.3, -0.7), None)],
              [Slip("own", "each input got its own value as local derivative: a times sends each input the "
                           "OTHER input's value (self.grad += other.data * out.grad)",
                    local=lambda xs, y, c: (xs[0], xs[1])),
               Slip("output", "you used the output's value, out.data, as the local derivative: each input's "
                              "is the other input's value", local=lambda xs, y, c: (y, y)),
               Slip("one_line", "only self got a gradient: write one line per input, "
                                "other.grad += ... too", local=lambda xs, y, c: (xs[1], 0.0))],
              "each input gets += (the other input's value) × out.grad"),
    "pow": Op("x", "__pow__", lambda x, n: x ** n, lambda xs, y, n: (n * xs[0] ** (n - 1),), "x ** n",
              [((1.3,), 3), ((-0.7,), -2)],
              [Slip("no_n", "the factor n is missing: the power rule is n · x**(n - 1)",
                    local=lambda xs, y, n: (xs[0] ** (n - 1),)),
               Slip("no_minus_one", "the exponent should drop by one: n · x**(n - 1), not n · x**n",
                    local=lambda xs, y, n: (n * xs[0] ** n,)),
               Slip("precedence", "** binds tighter than -: write x ** (n - 1) with the brackets, "
                                  "not x ** n - 1", local=lambda xs, y, n: (n * (xs[0] ** n - 1),)),
               Slip("output", "you raised the output to n - 1: the power rule uses the input, "
                              "n · self.data**(n - 1)", local=lambda xs, y, n: (n * y ** (n - 1),))],
              "the power rule: the local derivative is n · x**(n - 1); multiply it by out.grad"),
    "tanh": Op("x", "tanh", lambda x, c=None: math.tanh(x), lambda xs, y, c: (1 - y * y,), "tanh(x)",
               [((0.8,), None)],
               [Slip("input", "you used the input x in 1 - x²: the derivative is 1 - t², t = tanh(x), "
                              "the output", local=lambda xs, y, c: (1 - xs[0] ** 2,)),
                Slip("no_square", "1 - t is missing its square: tanh′(x) = 1 - t²",
                     local=lambda xs, y, c: (1 - y,)),
                Slip("square_of_difference", "(1 - t)² is not 1 - t²: square t first",
                     local=lambda xs, y, c: ((1 - y) ** 2,)),
                Slip("output", "you used t itself: tanh′(x) = 1 - t²", local=lambda xs, y, c: (y,))],
               "tanh′(x) = 1 - t², where t = tanh(x) is the output (t is in the closure); times out.grad"),
    "exp": Op("x", "exp", lambda x, c=None: math.exp(x), lambda xs, y, c: (y,), "exp(x)",
              [((0.8,), None)],
              [Slip("input", "you used the input x: e^x is its own derivative, so the local derivative is "
                             "the output, out.data", local=lambda xs, y, c: (xs[0],)),
               Slip("one", "a local derivative of 1 lets the gradient through unchanged: e^x's derivative is "
                           "e^x itself, out.data", local=lambda xs, y, c: (1.0,))],
              "e^x is its own derivative: += out.data × out.grad"),
    "relu": Op("x", "relu", lambda x, c=None: max(0.0, x), lambda xs, y, c: (1.0 if xs[0] > 0 else 0.0,),
               "relu(x)", [((0.8,), None), ((-0.6,), None)],
               [Slip("always", "at a negative input relu blocks the gradient: its slope is 0 where x <= 0 "
                               "and 1 where x > 0", local=lambda xs, y, c: (1.0,)),
                Slip("flipped", "the slope is the wrong way round: 1 where x > 0, 0 where x <= 0",
                     local=lambda xs, y, c: (0.0 if xs[0] > 0 else 1.0,)),
                Slip("value", "you used the output's value as the slope: relu's slope is 1 (x > 0) or 0, "
                              "not out.data", local=lambda xs, y, c: (y,))],
               "the slope is 1 where x > 0 and 0 elsewhere: += (1.0 if self.data > 0 else 0.0) × out.grad"),
    "sigmoid": Op("x", "sigmoid", lambda x, c=None: _sigmoid(x), lambda xs, y, c: (y * (1 - y),), "sigmoid(x)",
                  [((0.8,), None)],
                  [Slip("input", "you used the input x: σ′(x) = s(1 - s) with s = σ(x), the output",
                        local=lambda xs, y, c: (xs[0] * (1 - xs[0]),))],
                  "σ′(x) = s · (1 - s), where s is the output; times out.grad"),
    "div": Op("ab", "__truediv__", lambda a, b, c=None: a / b, lambda xs, y, c: (1 / xs[1], -xs[0] / xs[1] ** 2),
              "a / b", [((1.3, -0.7), None)],
              [Slip("no_square", "d(a/b)/db is -a/b²: the square of b is missing",
                    local=lambda xs, y, c: (1 / xs[1], -xs[0] / xs[1])),
               Slip("b_sign", "d(a/b)/db is -a/b², with a minus sign",
                    local=lambda xs, y, c: (1 / xs[1], xs[0] / xs[1] ** 2))],
              "d(a/b)/da = 1/b and d(a/b)/db = -a/b²; each times out.grad"),
}

GRAPHS = ["used once", "re-used", "mixed with its input", "diamond", "on a computed input"]


def _graph_names(op):
    g, first = OPS[op].shown, OPS[op].names[0]
    if g.endswith("(x)"):
        inner, mixed = g.replace("(x)", f"({SCALE:g}·x)"), g
    else:
        inner, mixed = re.sub(r"\b([abx])\b", lambda m: f"({SCALE:g}·{m.group(1)})", g), f"({g})"
    return [f"used once, L = {g} · ({UPSTREAM:g})", f"re-used, L = {g} + {g}",
            f"mixed with its input, L = {mixed} · {first}", f"diamond, s = {g}, L = (2s) · (s + 1)",
            f"on a computed input, L = {inner} · ({UPSTREAM:g})"]


def _build(graph_no, cls, apply, leaves):
    """Graph number graph_no around the op; every node but the op's own is the checker's."""
    if graph_no == 0:
        return _times(cls, apply(*leaves), UPSTREAM)
    if graph_no == 1:
        return _add(cls, apply(*leaves), apply(*leaves))
    if graph_no == 2:
        return _mul(cls, apply(*leaves), leaves[0])
    if graph_no == 3:
        s = apply(*leaves)
        return _mul(cls, _times(cls, s, 2.0), _add(cls, s, cls(1.0)))
    return _times(cls, apply(*(_times(cls, leaf, SCALE) for leaf in leaves)), UPSTREAM)


def _simulated(op, const, slip=None):
    """The op as the checker writes it, right (slip=None) or with one slip, on the checker's own nodes."""
    spec, slip = OPS[op], slip or Slip("right", "")

    def apply(*nodes):
        xs = [n.data for n in nodes]
        y = spec.forward(*xs, const)
        locals_ = (slip.local or spec.local)(xs, y, const)
        out = _Node(y, nodes if slip.record else ())

        def _backward():
            for node, d in zip(nodes, locals_):
                if slip.update == "=":
                    node.grad = d * out.grad
                elif slip.update == "no upstream":
                    node.grad += d
                elif slip.update == "-=":
                    node.grad -= d * out.grad
                else:
                    node.grad += d * out.grad
        if slip.attached:
            out._backward = _backward
        return out
    return apply


def _grads(op, xs, const, apply, cls=_Node):
    """Each graph's input grads (or the exception it raised), with the checker's backward pass."""
    results = []
    for no in range(len(GRAPHS)):
        leaves = [cls(x) for x in xs]
        try:
            _run_backward(_build(no, cls, apply, leaves))
            odd = next((leaf.grad for leaf in leaves if not isinstance(leaf.grad, (int, float))), None)
            if odd is not None:
                raise _NotANumber(_NODE_NOT_NUMBER.format(type(odd).__name__))
            results.append([float(leaf.grad) for leaf in leaves])
        except NotImplementedError:
            raise
        except TypeError as exc:
            node = re.search(r"unsupported operand .*'(?:int|float)' and '(\w+)'", str(exc))  # grad += a node
            results.append(_NotANumber(_NODE_NOT_NUMBER.format(node[1])) if node else exc)
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            results.append(exc)
    return results


class _NotANumber(TypeError):
    pass


_NODE_NOT_NUMBER = ("a grad became a {}, not a number: in _backward use numbers (other.data, out.grad), "
                    "not the nodes themselves (other, out)")


def _same(a, b):
    return all(close(x, y, rel=1e-7, abs_=1e-10) for x, y in zip(a, b))


def slip_grads(op):
    """{slip key: per case, per graph, the input grads that slip gives}, "right" included (for tests)."""
    out = {}
    for slip in [None, *SLIPS, *OPS[op].slips]:
        out[slip.key if slip else "right"] = [_grads(op, xs, c, _simulated(op, c, slip)) for xs, c in OPS[op].cases]
    return out


def _diagnose(op, got, table, case, graph_no, i):
    """The slip that explains the learner's numbers: one that fits every graph, else this input, else this one."""
    slips = {s.key: s for s in [*SLIPS, *OPS[op].slips]}
    cells = [(k, g) for k in range(len(got)) for g in range(len(GRAPHS)) if not isinstance(got[k][g], Exception)]

    def fits(key, only_input=None, only=None):
        return all(_same([got[k][g][j]], [table[key][k][g][j]])
                   for k, g in (only or cells) for j in range(len(got[k][g])) if only_input in (None, j))
    for test in (lambda key: fits(key), lambda key: fits(key, only_input=i),
                 lambda key: fits(key, only_input=i, only=[(case, graph_no)])):
        found = [key for key in slips if test(key)]
        if found:
            return " — or — ".join(slips[key].text for key in found[:2])
    if got[case][graph_no][i] == 0.0:
        return "no gradient reached it: does your _backward add to this input's .grad?"
    return "check the local derivative"


def _call(fn, *args):
    """fn(*args), or the NotImplementedError's message when it is a blank (None when not)."""
    try:
        return fn(*args), None
    except NotImplementedError as exc:
        return None, _not_written(exc)


def _not_written(exc):
    """NOT_WRITTEN, naming the blank's exercise when the stub says which (it may be another exercise's)."""
    said = re.sub(r"\s*\(the check below[^)]*\)\s*$", "", str(exc))
    return f"{NOT_WRITTEN} ({said})" if said.startswith("Exercise") else NOT_WRITTEN


def check_backward(cls, op=None):
    """Check your class: ``check_backward(Scalar, "mul")`` one op's _backward; ``check_backward(Scalar)`` backward()."""
    if op is None:
        return _check_backward_method(cls)
    if op not in OPS:
        raise ValueError(f"check_backward has no check for an op called {op!r}; it can check "
                         f"{', '.join(repr(o) for o in OPS)}, or backward() itself with check_backward(cls)")
    return _check_op(cls, op)


@checker("Your _backward")
def _check_op(cls, op):
    spec = OPS[op]
    title = f"the backward of {spec.shown} on your {getattr(cls, '__name__', cls)}"
    method = getattr(cls, spec.method, None)
    if method is None:
        return Verdict(title, [Mark(False, f"{getattr(cls, '__name__', cls)} has no {spec.method} yet: "
                                           f"run the cell that attaches it")])

    def learner(c):
        return lambda *nodes: method(*nodes, *([] if c is None else [c]))
    marks, got = [], []
    for xs, c in spec.cases:
        where = ", ".join(f"{n} = {v:g}" for n, v in zip(spec.names, xs)) + ("" if c is None else f", n = {c:g}")
        s, blank = _call(learner(c), *(cls(x) for x in xs))
        if blank:
            return Verdict(title, [Mark(False, blank)])  # a blank is not a try: no hint yet
        if s is None or not hasattr(s, "data") or not hasattr(s, "_prev"):
            what = "None" if s is None else f"a {type(s).__name__}"
            return Verdict(title, [Mark(False, f"{spec.method}({where}) returned {what}, not a "
                                               f"{getattr(cls, '__name__', 'node')}: did you forget `return out`?")],
                           hint=spec.hint)
        want = spec.forward(*xs, c)
        if not close(s.data, want, rel=1e-9):
            marks.append(Mark(False, f"forward: {spec.shown} = {s.data:.6f} at {where}, which is not the right "
                                     "value: check the forward formula"))
        try:
            got.append(_grads(op, xs, c, learner(c), cls))
        except NotImplementedError as exc:
            return Verdict(title, [Mark(False, _not_written(exc))])
    table = slip_grads(op)
    names = _graph_names(op)
    rows = []  # (graph text, [(input text, why or None)]) per case and graph
    for k, (xs, c) in enumerate(spec.cases):
        at = "" if len(spec.cases) == 1 else f" [at {', '.join(f'{n} = {v:g}' for n, v in zip(spec.names, xs))}" \
                                             + ("" if c is None else f", n = {c:g}") + "]"
        for g, name in enumerate(names):
            result = got[k][g]
            if isinstance(result, Exception):
                said = str(result) if isinstance(result, _NotANumber) else \
                    f"your code raised {type(result).__name__}: {result}"
                rows.append((f"{name}{at}", [(said, "")]))
                continue
            said = []
            for i, n in enumerate(spec.names):
                right = table["right"][k][g][i]
                if _same([result[i]], [right]):
                    said.append((f"dL/d{n} = {result[i]:.6f} is right", None))
                else:
                    way = "too high" if result[i] > right else "too low"
                    said.append((f"dL/d{n} = {result[i]:.6f} is {way}", _diagnose(op, got, table, k, g, i)))
            rows.append((f"{name}{at}", said))
    whys = {why for _, said in rows for _, why in said if why}
    one = len(whys) == 1  # one slip explains every wrong number: say it once, at the end
    for name, said in rows:
        text = "; ".join(f"{t}: {why}" if why and not one else t for t, why in said)
        marks.append(Mark(all(why is None for _, why in said), f"{name}: {text}"))
    if one:
        marks.append(Mark(False, f"the likely slip: {whys.pop()}"))
    return Verdict(title, marks, hint=f"out.grad is the upstream; {spec.hint}")


# ---- the topological order ----------------------------------------------------------------------------------

def _diamond(cls):
    """Lesson 3's diamond at a = 2, b = 3: s = a + b and p = a·b each feed two later nodes."""
    a, b = cls(2.0), cls(3.0)
    s, p = _add(cls, a, b), _mul(cls, a, b)
    u, t = _add(cls, s, p), _mul(cls, s, p)
    y = _add(cls, u, t)
    return y, dict(zip("absputy", (a, b, s, p, u, t, y)))


def _reused(cls):
    """y = x·x + x: one leaf, used three times."""
    x = cls(-1.3)
    sq = _mul(cls, x, x)
    y = _add(cls, sq, x)
    return y, {"x": x, "x·x": sq, "y": y}


def _chain(cls, depth):
    x = cls(1.0)
    y = x
    for _ in range(depth):
        y = _add(cls, y, cls(0.0))
    return y, {"x": x, "y": y}


def _lesson2(cls):
    """Lesson 2's L = (a·b + c)·f."""
    a, b, c, f = cls(2.0), cls(-3.0), cls(10.0), cls(-2.0)
    e = _mul(cls, a, b)
    d = _add(cls, e, c)
    L = _mul(cls, d, f)
    return L, {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}


def _order_problem(result, root, names):
    """What is wrong with a topological order of root's graph (None when it is right)."""
    if result is None:
        return "your function returned None: did you forget `return order`?"
    if not isinstance(result, (list, tuple)):
        return f"your function returned a {type(result).__name__}, not a list of nodes"
    want = _order(root)
    label = {id(n): name for name, n in names.items()}

    def name(n):
        return label.get(id(n), "a node")
    counts = Counter(id(n) for n in result)
    for n in result:
        if counts[id(n)] > 1:
            return (f"{name(n)} is in the list {counts[id(n)]} times: remember the nodes you have seen "
                    "(a set) and skip a node the second time")
    missing = [n for n in want if id(n) not in counts]
    if missing:
        return (f"{len(missing)} of {len(want)} nodes are missing, {name(missing[0])} among them: visit every "
                "input in node._prev, and the inputs of those inputs")
    if len(result) > len(want):
        return "the list has nodes that are not in the graph"
    if len(result) > 1 and result[0] is root:
        return ("the list is reversed: the root must come last, after all of its inputs "
                "(backward() walks it in reverse)")
    where = {id(n): k for k, n in enumerate(result)}
    for n in result:
        for child in n._prev:
            if where[id(child)] > where[id(n)]:
                return (f"{name(n)} comes before its input {name(child)}: append a node only after all of "
                        "its inputs are in the list")
    return None


@checker("Your topological_order")
def check_topological_order(fn, cls):
    """Check ``fn(root)``, a topological order (each node after its inputs, root last), on graphs of ``cls``."""
    title = f"{getattr(fn, '__name__', 'your function')}: every node once, each after its inputs"
    depth = 3 * sys.getrecursionlimit()
    graphs = [("one leaf, no inputs", lambda: (lambda x: (x, {"x": x}))(cls(0.3))),
              ("y = x·x + x, x used three times", lambda: _reused(cls)),
              ("the diamond, s = a + b and p = a·b each used twice", lambda: _diamond(cls)),
              (f"a chain {depth:,} additions deep", lambda: _chain(cls, depth))]
    marks = []
    for text, make in graphs:
        root, names = make()
        try:
            result = fn(root)
        except NotImplementedError as exc:
            return Verdict(title, [Mark(False, _not_written(exc))])
        except RecursionError:
            marks.append(Mark(False, f"{text}: RecursionError. Your walk calls itself once per step, and Python "
                                     f"allows only {sys.getrecursionlimit()} nested calls: keep your own stack "
                                     "(a list) of nodes still to visit instead"))
            continue
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            marks.append(Mark(False, f"{text}: your code raised {type(exc).__name__}: {exc}"))
            continue
        problem = _order_problem(result, root, names)
        marks.append(Mark(problem is None, f"{text}: " + (problem or (
            "the leaf alone, right" if len(result) == 1 else
            f"all {len(result):,} nodes, each after its inputs, the root last"))))
    return Verdict(title, marks, hint="keep a stack of (node, inputs_done) pairs: a node goes on twice, once to "
                                      "push its inputs and once, underneath them, to be appended after them")


# ---- backward() ----------------------------------------------------------------------------------------------

BACKWARD_SLIPS = [
    ("no_seed", "every grad is 0: seed the root with self.grad = 1.0 before calling the _backward functions",
     {"seed": False}),
    ("forward_order", "the nodes ran inputs first: call each node's _backward in reversed(order), so that a "
                      "node passes its gradient on only after every node that uses it", {"reverse": False}),
    ("no_zero", "a second backward() kept the inner nodes' old grads and passed them on again: set each inner "
                "node's grad (a node with inputs, node._prev) to 0 before the pass", {"zero_inner": False}),
    ("zero_leaves", "a second backward() should add to the leaves' grads (like PyTorch), but yours started "
                    "them from 0: reset only the inner nodes, those with inputs", {"zero_leaves": True}),
]


def _backward_runs(run):
    """Leaf and inner grads of lesson 2's graph after one and two passes, and the diamond's leaves."""
    L, n = _lesson2(run.cls)
    run(L)
    once = [n[k].grad for k in "abcfed"]
    run(L)
    twice = [n[k].grad for k in "abcfed"]
    y, m = _diamond(run.cls)
    run(y)
    return {"one pass": once, "second pass": twice, "diamond": [m["a"].grad, m["b"].grad]}


class _Run:
    def __init__(self, cls, fn):
        self.cls, self.fn = cls, fn

    def __call__(self, root):
        self.fn(root)


@checker("Your backward()")
def _check_backward_method(cls):
    title = f"backward() on your {getattr(cls, '__name__', cls)}"
    if not callable(getattr(cls, "backward", None)):
        return Verdict(title, [Mark(False, f"{getattr(cls, '__name__', cls)} has no backward() yet: run the "
                                           "cell that attaches it")])
    try:
        got = _backward_runs(_Run(cls, lambda root: cls.backward(root)))
    except NotImplementedError as exc:
        return Verdict(title, [Mark(False, _not_written(exc))])
    right = _backward_runs(_Run(_Node, _run_backward))
    slips = {key: _backward_runs(_Run(_Node, lambda r, kw=kw: _run_backward(r, **kw))) for key, _, kw in BACKWARD_SLIPS}
    texts = {key: text for key, text, _ in BACKWARD_SLIPS}
    fitting = [key for key in texts if all(_same(got[k], slips[key][k]) for k in got)]
    shown = {"one pass": "L = (a·b + c)·f, one backward(): the grads of a, b, c, f and of the inner nodes",
             "second pass": "a second backward() on the same L: the leaves' grads add up, the inner nodes' "
                            "start again from 0",
             "diamond": "the diamond, where the order matters: the grads of a and b"}
    marks = []
    for key, text in shown.items():
        ok = _same(got[key], right[key])
        why = "" if ok else "; " + (texts[fitting[0]] if fitting else next(
            (texts[s] for s in texts if _same(got[key], slips[s][key])), "check each step of your backward()"))
        marks.append(Mark(ok, f"{text}: {'right' if ok else 'not right'}{why}"))
    depth = 3 * sys.getrecursionlimit()
    try:
        root, names = _chain(cls, depth)
        cls.backward(root)
        ok = names["x"].grad == 1.0
        marks.append(Mark(ok, f"a chain {depth:,} additions deep: dy/dx " + ("= 1, right" if ok else
                                                                             f"= {names['x'].grad:g}, not 1")))
    except NotImplementedError as exc:
        return Verdict(title, [Mark(False, _not_written(exc))])
    except RecursionError:
        marks.append(Mark(False, f"a chain {depth:,} additions deep: RecursionError. The order must be found "
                                 "without recursion: use your topological_order from exercise 3.6"))
    return Verdict(title, marks, hint="order = topological_order(self); zero every inner node's grad; "
                                      "self.grad = 1.0; then node._backward() for node in reversed(order)")


# ---- an op built from others: tanh from exp, -, + and / ----------------------------------------------------

PIECES_AT = (-1.3, 0.4, 2.1)


def _graph_ops(root):
    return [getattr(n, "_op", "") for n in _order(root)]


@checker("Your tanh_from_pieces")
def check_tanh_from_pieces(fn, cls):
    """Check ``fn(x)``, tanh built from exp, -, + and / on ``cls``: its value, and the gradient reaching x."""
    title = f"{getattr(fn, '__name__', 'your function')}: tanh from exp, -, + and /"
    marks = []
    for v in PIECES_AT:
        x = cls(v)
        y, blank = _call(fn, x)
        if blank:
            return Verdict(title, [Mark(False, blank)])
        if y is None or not hasattr(y, "data") or not hasattr(y, "_prev"):
            what = "None" if y is None else f"a {type(y).__name__}"
            return Verdict(title, [Mark(False, f"it returned {what}, not a {getattr(cls, '__name__', 'node')}: "
                                               "did you forget `return`?")])
        e = math.exp(2 * v)
        if any(op == "tanh" for op in _graph_ops(y)):
            return Verdict(title, [Mark(False, "it calls tanh(): build it from the pieces, exp, -, + and /")])
        if not close(y.data, math.tanh(v), rel=1e-9):
            if close(y.data, math.tanh(v / 2), rel=1e-9):
                why = "that is tanh(x/2): the formula needs e^(2x), so double x before exp()"
            elif close(y.data, (e - 1) / e + 1, rel=1e-9) or close(y.data, e - 1 / (e + 1), rel=1e-9):
                why = "the brackets: the whole of e^(2x) - 1 is divided by the whole of e^(2x) + 1"
            else:
                why = "check the formula: tanh x = (e^(2x) - 1) / (e^(2x) + 1)"
            marks.append(Mark(False, f"at x = {v:g} it gives {y.data:.6f}, not tanh(x): {why}"))
            continue
        try:
            _run_backward(y)
        except NotImplementedError as exc:
            return Verdict(title, [Mark(False, _not_written(exc))])
        right = 1 - math.tanh(v) ** 2
        nodes = len(_order(y))
        if close(x.grad, right, rel=1e-7, abs_=1e-10):
            marks.append(Mark(True, f"at x = {v:g}: tanh(x) = {y.data:.6f} and dy/dx = {x.grad:.6f}, both right, "
                                    f"from {nodes} nodes"))
        elif x.grad == 0.0:
            marks.append(Mark(False, f"at x = {v:g}: the value is right, but no gradient reached x. A number "
                                     "computed from x.data (math.exp(2 * x.data), say) is a constant to the "
                                     "graph: build every piece from x with your Scalar's operations"))
        else:
            marks.append(Mark(False, f"at x = {v:g}: the value is right, but dy/dx = {x.grad:.6f} is "
                                     f"{'too high' if x.grad > right else 'too low'}: do the checks of "
                                     "exercises 3.1, 3.2 and 3.4 above pass?"))
    return Verdict(title, marks, hint="e = (2 * x).exp(), then (e - 1) / (e + 1), all with Scalar operations")
