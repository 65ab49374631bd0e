"""backprop_lab vs micrograd, side by side in one process, on micrograd's own demo workload.

Workload (micrograd's demo.ipynb): 100 moons points, MLP(2, [16, 16, 1]), hinge loss + 1e-4 L2,
full batch, SGD with micrograd's learning-rate schedule. Runs alternate between the two engines
(same seed, same initial weights) so machine noise hits both alike; we report medians.

Also: memory per graph node, from tracemalloc over 200,000 multiplications.

    .venv/bin/python benchmarks/bench_engine.py [--rounds 5] [--steps 5]
"""

import argparse
import gc
import random
import statistics
import time
import tracemalloc

import micrograd.engine
import micrograd.nn

import backprop_lab.engine
import backprop_lab.nn
from backprop_lab.datasets import moons

ENGINES = {
    "micrograd": (micrograd.engine.Value, micrograd.nn.MLP),
    "backprop_lab": (backprop_lab.engine.Value, backprop_lab.nn.MLP),
}


def train(Value, MLP, X, y, steps, seed=1337):
    """micrograd's demo loop; returns (seconds per step, losses)."""
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


def bytes_per_node(Value, n=200_000):
    """tracemalloc's growth while building a chain of n multiplications, per node."""
    gc.collect()
    x, c = Value(1.0), Value(1.0)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = x
    for _ in range(n):
        y = y * c
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del y
    return (after - before) / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds per engine")
    ap.add_argument("--steps", type=int, default=5, help="training steps per round")
    args = ap.parse_args()

    X, y = moons(100, noise=0.1, seed=1)
    X, y = X.tolist(), (2 * y - 1).tolist()
    per_step = {name: [] for name in ENGINES}
    ratios, same_losses = [], True
    print(f"gc thresholds {gc.get_threshold()} (Python defaults), {args.rounds} rounds x {args.steps} steps")
    for r in range(args.rounds):
        medians, losses = {}, {}
        for name, (Value, MLP) in ENGINES.items():
            gc.collect()  # each engine pays for its own garbage, not the other's
            times, losses[name] = train(Value, MLP, X, y, args.steps)
            per_step[name] += times
            medians[name] = statistics.median(times)
        ratios.append(medians["micrograd"] / medians["backprop_lab"])
        same_losses &= all(abs(a - b) < 1e-9 for a, b in zip(*losses.values()))
        print(f"round {r + 1}: micrograd {medians['micrograd'] * 1e3:7.1f} ms/step   "
              f"backprop_lab {medians['backprop_lab'] * 1e3:6.1f} ms/step   ratio {ratios[-1]:5.1f}x")
    mg, bl = (statistics.median(per_step[n]) * 1e3 for n in ENGINES)
    speedup = statistics.median(ratios)
    mem = {name: bytes_per_node(Value) for name, (Value, _) in ENGINES.items()}
    mem_ratio = mem["backprop_lab"] / mem["micrograd"]
    print(f"same losses step by step: {same_losses}\n")
    print(f"{'':34}{'micrograd':>12}{'backprop_lab':>14}{'ratio':>10}   goal")
    print(f"{'median ms per training step':34}{mg:>12.1f}{bl:>14.1f}{speedup:>9.1f}x   >= 10x faster")
    print(f"{'bytes per node (200,000 mults)':34}{mem['micrograd']:>12.0f}{mem['backprop_lab']:>14.0f}"
          f"{mem_ratio:>9.2f}x   <= 0.25x")
    print("(speed ratio: median over rounds of micrograd's median step time / backprop_lab's)")


if __name__ == "__main__":
    main()
