"""5,000 random graphs with edge values, run op by op in the engine and in PyTorch float64.

Where both are finite they agree. Where the engine raises, the policy in ``numerics.py`` (and the
README) says it must: every input of that op was finite and PyTorch's result is inf or NaN.
"""

import math
import random

import pytest

from backprop_lab import Value
from backprop_lab.engine import topological_order
from helpers import TORCH_MISSING, torch

EDGES = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e300, -1e300, 1e-300, -1e-300, 5e-324, -5e-324,
         2.2250738585072014e-308, 1e-310, 1.0, -1.0, 0.5, -2.5, 3.0, 800.0, -800.0, 709.0, 710.0]
EXPONENTS = [2, 3, 0.5, -1, 0, -0.5, 1 / 3, -2, 1e300, math.inf]

# name: (inputs, the engine's op, torch's op)
UNARY = {
    "neg": (lambda a: -a, lambda a: -a), "relu": (lambda a: a.relu(), lambda a: a.relu()),
    "tanh": (lambda a: a.tanh(), lambda a: a.tanh()), "sigmoid": (lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    "exp": (lambda a: a.exp(), lambda a: a.exp()), "log": (lambda a: a.log(), lambda a: a.log()),
    "sin": (lambda a: a.sin(), lambda a: a.sin()), "cos": (lambda a: a.cos(), lambda a: a.cos()),
}
BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a ** b,
}
ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def random_graph(rng):
    """(leaf values, ops): each op is (name, input indices, constant) over the nodes made so far."""
    leaves = [rng.choice(EDGES) if rng.random() < 0.4 else rng.uniform(-3, 3) for _ in range(3)]
    ops, n = [], len(leaves)
    for _ in range(rng.randint(2, 8)):
        pick = lambda: rng.randrange(max(0, n - 4), n) if rng.random() < 0.7 else rng.randrange(n)  # noqa: E731
        kind = rng.random()
        if kind < 0.45:
            ops.append((rng.choice(sorted(UNARY)), (pick(),), None))
        elif kind < 0.6:
            ops.append(("**c", (pick(),), rng.choice(EXPONENTS)))
        else:
            ops.append((rng.choice(sorted(BINARY)), (pick(), pick()), None))
        n += 1
    return leaves, ops


def apply(name, args, const, torch_side):
    """One op on engine Values or on torch tensors."""
    if name == "**c":
        return args[0] ** const
    if name in UNARY:
        return UNARY[name][torch_side](args[0])
    return BINARY[name](*args)


def number(x):
    return x.item() if hasattr(x, "item") else x.data


def same(ours, theirs, scale=0.0):
    """Equal up to rounding, relative to the larger number or to ``scale``; NaN matches NaN.

    A gradient is a sum of contributions, one per path, and the engine and PyTorch add them in
    different orders; ``scale`` is the sum of their sizes, which bounds that difference.
    """
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    if math.isinf(ours) or math.isinf(theirs):
        return ours == theirs
    return abs(ours - theirs) <= max(1e-10 * max(abs(ours), abs(theirs)), 1e-12 * scale, 1e-318)


def contribution_sizes(root, leaves):
    """For each leaf, the sum over paths of |product of local derivatives|: how large its terms are."""
    size = {id(root): 1.0}
    for node in reversed(topological_order(root)):
        for x, d in zip(node.inputs, node.local_grads or ()):
            if d:
                size[id(x)] = size.get(id(x), 0.0) + abs(d) * size.get(id(node), 0.0)
    return [size.get(id(leaf), 0.0) for leaf in leaves]


def run(leaves, ops, torch_side):
    """Every node's value and the leaves' grads (None where the engine raised), and the op that raised."""
    if torch_side:
        nodes = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    else:
        nodes = [Value(x) for x in leaves]
    for k, (name, idx, const) in enumerate(ops):
        try:
            nodes.append(apply(name, [nodes[i] for i in idx], const, torch_side))
        except ERRORS as err:
            return [number(v) for v in nodes], None, (k, err)
    nodes[-1].backward()
    if torch_side:
        grads = [0.0 if t.grad is None else t.grad.item() for t in nodes[:3]]
    else:
        grads = [(v.grad, size) for v, size in zip(nodes[:3], contribution_sizes(nodes[-1], nodes[:3]))]
    return [number(v) for v in nodes], grads, None


def chain_rule_without_the_zero_rule(node):
    """The engine's chain rule, but a 0 local derivative times an inf/NaN upstream gives NaN."""
    if node._rule is not None:
        return node._rule(node)
    for x, d in zip(node.inputs, node.local_grads):
        x.grad += d * node.grad


@pytest.mark.skipif(torch is None, reason=TORCH_MISSING)
def test_5000_random_graphs_with_edge_values_agree_with_pytorch(monkeypatch):
    rng = random.Random(19)
    counts = {"graphs": 0, "values": 0, "grads": 0, "raised": 0, "nonfinite_torch_grads_we_zero": 0}
    for g in range(5000):
        leaves, ops = random_graph(rng)
        theirs, their_grads, _ = run(leaves, ops, torch_side=True)
        ours, our_grads, raised = run(leaves, ops, torch_side=False)
        where = f"graph {g}: leaves {leaves}, ops {ops}"
        for i, (a, b) in enumerate(zip(ours, theirs)):  # every node the engine made
            counts["values"] += 1
            assert same(a, b), f"{where}: node {i} is {a!r}, torch {b!r}"
        if raised:
            k, err = raised
            name, idx, const = ops[k]
            inputs = [theirs[i] for i in idx] + ([const] if name == "**c" else [])
            assert all(math.isfinite(x) for x in inputs), f"{where}: op {k} raised {err!r} on inputs {inputs}"
            assert not math.isfinite(theirs[3 + k]), f"{where}: op {k} raised {err!r}, torch gives {theirs[3 + k]}"
            counts["raised"] += 1
            continue
        counts["graphs"] += 1
        for i, ((a, size), b) in enumerate(zip(our_grads, their_grads)):
            if math.isfinite(b):
                counts["grads"] += 1
                assert same(a, b, size), f"{where}: d/dx{i} is {a!r}, torch {b!r} (terms up to {size:g})"
            elif math.isfinite(a):  # only where a 0 local derivative met an inf or NaN upstream
                with monkeypatch.context() as patch:
                    patch.setattr(Value, "_chain_rule", chain_rule_without_the_zero_rule)
                    assert not math.isfinite(run(leaves, ops, torch_side=False)[1][i][0]), where
                counts["nonfinite_torch_grads_we_zero"] += 1
    print(counts)
    assert counts["graphs"] >= 2500 and counts["raised"] >= 300 and counts["grads"] >= 5000
    assert counts["nonfinite_torch_grads_we_zero"] >= 10  # the rule is exercised, not only stated
