"""How long `draw_graph` → SVG takes for graphs of many shapes (the goal: ≤ 1 s up to 200 Values, ≤ 5 s up to 2,000).

Each row times the whole path an explorer takes: draw_graph (DOT text) + one run of graphviz's
`dot`. Median of RUNS runs. With --compare, a second column times the same graph drawn the old
way (up to 200 Values every local derivative was a laid-out edge label), capped at 30 s.
Run: .venv/bin/python benchmarks/bench_graph.py [--compare]
"""

import random
import resource
import statistics
import sys
import time

from backprop_lab.engine import Value, topological_order
from backprop_lab.graph import DrawingTimeoutError, draw_graph, to_svg
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
    ("MLP(2,[4,1])", lambda: mlp(2, [4, 1])),
    ("MLP(2,[8,8,1])", lambda: mlp(2, [8, 8, 1])),
    ("MLP(3,[16,16,1])", lambda: mlp(3, [16, 16, 1])),
    ("wide sum 100", lambda: wide_sum(100)),
    ("wide sum 900", lambda: wide_sum(900)),
]


def old_way(dot_source):
    """The same DOT with every local derivative as a laid-out label (how drawings were made before)."""
    return dot_source.replace(' [xlabel="', ' [label="')


def _cpu():
    """CPU seconds used so far by this process and its finished children (`dot`)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def render_seconds(root, transform=None, runs=RUNS):
    """Median wall-clock and CPU seconds of draw_graph + `dot` (None when `dot` passed the cap)."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), _cpu()
        dot = draw_graph(root)
        try:
            to_svg(transform(dot.source) if transform else dot, timeout=CAP)
        except DrawingTimeoutError:
            return None, None
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main():
    compare = "--compare" in sys.argv
    print(f"draw_graph → SVG, median of {RUNS} runs (seconds); goal ≤ 1 s up to 200 Values, ≤ 5 s up to 2,000")
    print("wall = elapsed time; cpu = CPU time of Python plus `dot` (steadier on a shared machine)")
    head = f"{'shape':<20} {'Values':>7} {'wall s':>7} {'cpu s':>6}  goal (on cpu s)"
    print(head + (f"  {'old way':>9}  ratio" if compare else ""))
    for name, make in SHAPES:
        root = make()
        root.backward()
        n = len(topological_order(root))
        wall, t = render_seconds(root)
        goal = 1.0 if n <= 200 else 5.0
        if wall is None:
            print(f"{name:<20} {n:>7}  > {CAP:g} s (the time limit)")
            continue
        line = f"{name:<20} {n:>7} {wall:>7.2f} {t:>6.2f}  {'ok' if t <= goal else 'MISSED'} (≤ {goal:g} s)"
        if compare:
            old = render_seconds(root, old_way if n <= 200 else None, runs=1)[1]  # old: xlabels past 200
            line += f"  {'> %g s' % CAP if old is None else '%7.2f s' % old:>9}"
            line += f"  {'> %.0f×' % (CAP / t) if old is None else '%.1f×' % (old / t)}"
        print(line)


if __name__ == "__main__":
    main()
