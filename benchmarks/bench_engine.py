"""backprop_lab vs micrograd vs "the floor", each in its own fresh process, on micrograd's own demo.

Workload (micrograd's demo.ipynb): 100 moons points, MLP(2, [16, 16, 1]), hinge loss + 1e-4 L2,
full batch, SGD with micrograd's learning-rate schedule; about 65,000 nodes per step.

- micrograd 0.1.0 from PyPI, with its own nn;
- backprop_lab, with its own nn;
- the floor: backprop_lab's nn on a bare node class that only makes one ``__slots__`` node per op,
  walks the graph once for its order (``backward()`` may start at any node, as in micrograd) and
  runs one reverse multiply-add pass; no checks, no error messages, no drawing support. It is about
  what CPython allows for this graph, so "engine / floor" is the engine's own overhead.

Every run is a fresh process, and the engines take turns (micrograd, backprop_lab, floor, micrograd,
...), so that no engine pays for another's garbage and machine noise hits all three alike. The
three must give the same loss at every step. Medians over all steps of all rounds.

    .venv/bin/python benchmarks/bench_engine.py [--rounds 5] [--steps 5]
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import time

ENGINES = ("micrograd", "backprop_lab", "floor")


# ---- the floor: one __slots__ node per op, one walk for the order, one reverse multiply-add pass ----

class Floor:
    """The least a scalar autograd node can be: data, grad, two inputs, two local derivatives."""

    __slots__ = ("data", "grad", "a", "b", "da", "db")

    def __init__(self, data, a=None, b=None, da=0.0, db=0.0):
        self.data, self.grad, self.a, self.b, self.da, self.db = data, 0.0, a, b, da, db

    def __add__(self, o):
        o = o if isinstance(o, Floor) else Floor(o)
        return Floor(self.data + o.data, self, o, 1.0, 1.0)

    def __mul__(self, o):
        o = o if isinstance(o, Floor) else Floor(o)
        return Floor(self.data * o.data, self, o, o.data, self.data)

    __radd__, __rmul__ = __add__, __mul__

    def __neg__(self):
        return Floor(-self.data, self, None, -1.0)

    def relu(self):
        return Floor(self.data, self, None, 1.0) if self.data > 0 else Floor(0.0, self, None, 0.0)

    def backward(self):
        """backward() may start at any node, so it needs the nodes in order: one iterative walk, then one pass."""
        order, seen, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if node is None:
                order.append(stack.pop())
            elif node not in seen:
                seen.add(node)
                a, b = node.a, node.b
                if (a is None or a in seen) and (b is None or b in seen):
                    order.append(node)
                    continue
                stack += (node, None)
                if b is not None and b not in seen:
                    stack.append(b)
                if a is not None and a not in seen:
                    stack.append(a)
        self.grad = 1.0
        for node in reversed(order):
            a = node.a
            if a is not None:
                a.grad += node.da * node.grad
                if node.b is not None:
                    node.b.grad += node.db * node.grad


def _engine(name):
    """(Value, MLP) for one engine, imported only in the process that runs it."""
    if name == "micrograd":
        import micrograd.engine
        import micrograd.nn
        return micrograd.engine.Value, micrograd.nn.MLP
    import backprop_lab.nn
    if name == "floor":
        backprop_lab.nn.Value = Floor  # the same nn code, on the bare nodes
        return Floor, backprop_lab.nn.MLP
    return backprop_lab.nn.Value, backprop_lab.nn.MLP


def train(name, steps, seed=1337):
    """micrograd's demo loop on one engine; returns (seconds per step, losses)."""
    from backprop_lab.datasets import moons
    Value, MLP = _engine(name)
    X, y = moons(100, noise=0.1, seed=1)
    X, y = X.tolist(), (2 * y - 1).tolist()
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    times, losses = [], []
    for k in range(steps):
        t0 = time.perf_counter()
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(y))
        total = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        losses.append(total.data)
    return times, losses


def run_fresh(name, steps):
    """train() in a new Python process: (seconds per step, losses)."""
    out = subprocess.run([sys.executable, __file__, "--child", name, "--steps", str(steps)],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    return result["times"], result["losses"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="rounds; each runs every engine once, in turn")
    ap.add_argument("--steps", type=int, default=5, help="training steps per run")
    ap.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        times, losses = train(args.child, args.steps)
        print(json.dumps({"times": times, "losses": losses}))
        return

    per_step = {name: [] for name in ENGINES}
    same_losses = True
    print(f"{args.rounds} rounds x {args.steps} steps, each engine in a fresh process, in turn")
    for r in range(args.rounds):
        losses, medians = {}, {}
        for name in ENGINES:
            times, losses[name] = run_fresh(name, args.steps)
            per_step[name] += times
            medians[name] = statistics.median(times) * 1e3
        same_losses &= all(abs(a - b) <= 1e-9 * max(1.0, abs(a)) for name in ENGINES[1:]
                           for a, b in zip(losses["micrograd"], losses[name]))
        print(f"round {r + 1}: " + "   ".join(f"{n} {medians[n]:7.1f} ms/step" for n in ENGINES))
    mg, bl, fl = (statistics.median(per_step[n]) * 1e3 for n in ENGINES)
    print(f"same losses at every step: {same_losses}\n")
    print(f"{'median ms per training step':30}{'micrograd':>11}{'backprop_lab':>14}{'floor':>9}")
    print(f"{'':30}{mg:>11.1f}{bl:>14.1f}{fl:>9.1f}\n")
    print(f"backprop_lab is {mg / bl:.1f}x faster than micrograd (goal >= 7x)")
    print(f"backprop_lab takes {bl / fl:.2f}x the floor's time (goal <= 1.3x)")
    if not same_losses:
        sys.exit("the engines disagree on the losses")


if __name__ == "__main__":
    main()
