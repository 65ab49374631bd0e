"""How long `draw_graph` → SVG takes for graphs of many shapes (the goal: ≤ 1 s up to 200 Values, ≤ 5 s up to 2,000).

Each row times the whole path an explorer takes: draw_graph (DOT text) + one run of graphviz's
`dot`. Median of RUNS runs. With --compare, a second column times the same graph drawn the old
way (laid-out edge labels up to 200 Values, every edge drawn in full however long, and the whole
graph laid out as one piece; CPU seconds, capped at 30 s wall).
Last, topological_orders(k=3) on wide sums, to show it stays linear.
Run: .venv/bin/python benchmarks/bench_graph.py [--compare]
"""

import contextlib
import random
import resource
import statistics
import sys
import time

from backprop_lab import graph
from backprop_lab.engine import Value, topological_order
from backprop_lab.graph import DrawingError, DrawingTimeoutError, draw_graph, to_svg, topological_orders
from backprop_lab.nn import MLP

RUNS = 3
CAP = 30.0


def chain(n):
    h = Value(0.3, label="x")
    for _ in range(n):
        h = (h * 0.9).tanh()
    return h


def reused_leaf(n):
    w, h = Value(1.01, label="w"), Value(1.0, label="x")
    for _ in range(n):
        h = h * w
    return h


def horner(degree):
    x, p = Value(0.5, label="x"), Value(1.0)
    for k in range(degree):
        p = p * x + Value(0.1 * k)
    return p


def mlp(nin, sizes):
    return MLP(nin, sizes, seed=0)([0.1 * (i + 1) for i in range(nin)])


def wide_sum(n):
    return sum((Value(float(i)) for i in range(n)), Value(0.0))


def random_graph(n, seed=0):
    rng = random.Random(seed)
    pool = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(4)]
    while len(pool) < n:
        a, b = rng.choice(pool[-8:]), rng.choice(pool)
        pool.append(rng.choice([lambda: a + b, lambda: a * b, lambda: a.tanh()])())
    return pool[-1]


SHAPES = [
    ("chain 100", lambda: chain(100)),
    ("chain 666", lambda: chain(666)),
    ("re-used leaf ×48", lambda: reused_leaf(48)),
    ("re-used leaf ×600", lambda: reused_leaf(600)),
    ("Horner deg 30", lambda: horner(30)),
    ("Horner deg 40", lambda: horner(40)),
    ("Horner deg 300", lambda: horner(300)),
    ("random DAG", lambda: random_graph(200)),
    ("random DAG", lambda: random_graph(300)),
    ("random DAG", lambda: random_graph(2000)),
    ("random DAG", lambda: random_graph(3700)),
    ("MLP(2,[4,1])", lambda: mlp(2, [4, 1])),
    ("MLP(2,[8,8,1])", lambda: mlp(2, [8, 8, 1])),
    ("MLP(3,[16,16,1])", lambda: mlp(3, [16, 16, 1])),
    ("wide sum 100", lambda: wide_sum(100)),
    ("wide sum 900", lambda: wide_sum(900)),
    ("MLP(3,[16,16,1]) TB", lambda: mlp(3, [16, 16, 1]), "TB"),
]


@contextlib.contextmanager
def old_way():
    """Draw as before: laid-out edge labels up to 200 Values whatever the fan-out, no reference boxes, one part."""
    names = ("LABEL_NODES", "LABEL_FANOUT", "REFERENCE_FANOUT", "LONG_EDGE", "PART_VALUES")
    saved = [getattr(graph, name) for name in names]
    for name, value in zip(names, (200, 10**9, 10**9, 10**9, 10**9)):
        setattr(graph, name, value)
    try:
        yield
    finally:
        for name, value in zip(names, saved):
            setattr(graph, name, value)


def _cpu():
    """CPU seconds used so far by this process and its finished children (`dot`)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def render_seconds(root, runs=RUNS, rankdir="LR"):
    """Median wall-clock and CPU seconds of draw_graph + `dot` (None when `dot` passed the cap)."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), _cpu()
        dot = draw_graph(root, rankdir=rankdir)
        try:
            to_svg(dot, timeout=CAP)
        except DrawingTimeoutError:
            return None, None
        except DrawingError:  # graphviz 2.43 crashes on some graphs drawn the old way
            return "crash", "crash"
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main():
    compare = "--compare" in sys.argv
    print(f"draw_graph → SVG, median of {RUNS} runs (seconds); goal ≤ 1 s up to 200 Values, ≤ 5 s up to 2,000")
    print("wall = elapsed time; cpu = CPU time of Python plus `dot` (steadier on a shared machine)")
    head = f"{'shape':<22} {'Values':>7} {'wall s':>7} {'cpu s':>6}  goal (on cpu s)"
    print(head + (f"  {'old way':>9}  ratio" if compare else ""))
    for name, make, *rankdir in SHAPES:
        root = make()
        root.backward()
        n = len(topological_order(root))
        wall, t = render_seconds(root, rankdir=(rankdir or ["LR"])[0])
        goal = 1.0 if n <= 200 else 5.0
        if wall is None:
            print(f"{name:<22} {n:>7}  > {CAP:g} s (the time limit)")
            continue
        line = f"{name:<22} {n:>7} {wall:>7.2f} {t:>6.2f}  {'ok' if t <= goal else 'MISSED'} (≤ {goal:g} s)"
        if compare:
            with old_way():
                old = render_seconds(root, runs=1, rankdir=(rankdir or ["LR"])[0])[1]
            if old == "crash":
                shown, ratio = "dot crash", "-"
            else:
                shown = f"> {CAP:g} s" if old is None else f"{old:7.2f} s"
                ratio = f"> {CAP / t:.0f}×" if old is None else f"{old / t:.1f}×"
            line += f"  {shown:>9}  {ratio}"
        print(line)


def orders_table():
    """topological_orders(k=3) on sums whose leaves are all ready at once: seconds per 1,000 leaves stay flat."""
    print("\ntopological_orders(root, k=3) on a sum of n leaves, all ready at once (median of 3 runs)")
    for n in (2000, 5000, 20000):
        leaves = [Value(float(i)) for i in range(n)]
        total = leaves[-1]
        for leaf in reversed(leaves[:-1]):
            total = leaf + total
        times = []
        for _ in range(3):
            start = time.perf_counter()
            topological_orders(total, k=3)
            times.append(time.perf_counter() - start)
        t = statistics.median(times)
        print(f"  n = {n:>6}: {t:6.2f} s  ({1000 * t / n:.3f} s per 1,000 leaves)")


if __name__ == "__main__":
    main()
    orders_table()
