"""Slider latency of the lesson 1–3 explorers and the time to draw an MLP graph.

Each timing covers the whole path of one change: observer → recompute → redraw → SVG. The graph
explorers run twice side by side: as shipped (a layout is kept per graph structure, the numbers
written into it) and with `dot` run on every redraw (no layout kept), with the ratio of medians.
Run: .venv/bin/python benchmarks/bench_widgets.py
"""

import asyncio
import statistics
import time

from backprop_lab import graph
from backprop_lab.engine import topological_order
from backprop_lab.graph import draw_graph, to_svg
from backprop_lab.nn import MLP
from backprop_lab.widgets import chain_rule_explorer, graph_stepper, nudge_explorer, slope_explorer

RUNS = 50


def timed(action, runs=RUNS):
    """Milliseconds per call of ``action(i)``, over ``runs`` calls."""
    times = []
    for i in range(runs):
        start = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name, times, goal=None):
    times = sorted(times)
    p90 = times[int(0.9 * (len(times) - 1))]
    median = statistics.median(times)
    verdict = "" if goal is None else (f"  (goal ≤ {goal:g} ms: {'ok' if median <= goal else 'MISSED'})")
    print(f"{name:<62} median {median:8.2f} ms   p90 {p90:8.2f} ms   n={len(times)}{verdict}")


def checked(explorer):
    """Fail loudly if the explorer caught an error (a benchmark of an error path is no benchmark)."""
    if explorer.error:
        raise RuntimeError(f"{type(explorer).__name__}: {explorer.error}")


def graph_explorer_times():
    """Times of the three graph-drawing changes: an x change, a stepper step, a leaf-slider change."""
    chain = chain_rule_explorer()

    def move_x(i):
        chain.controls["x"].value = -1.5 + (i % 30) * 0.1
        checked(chain)

    stepper = graph_stepper()

    def step(i):
        if stepper.state["done"]:
            stepper.reset()
        else:
            stepper.next()
        checked(stepper)

    def move_leaf(i):
        stepper.controls["a"].value = -4.0 + (i % 40) * 0.2
        checked(stepper)

    return {"chain_rule_explorer: one x change": timed(move_x),
            "graph_stepper: one step (next/reset)": timed(step),
            "graph_stepper: one leaf-slider change": timed(move_leaf)}


def main():
    kept = graph._LAYOUTS
    try:
        graph._LAYOUTS = graph._Layouts(entries=0)  # the peer: `dot` lays out every redraw
        every = graph_explorer_times()
    finally:
        graph._LAYOUTS = kept
    reused = graph_explorer_times()
    for name, times in reused.items():
        report(f"{name} (layout kept)", times, goal=50)
        report(f"{name} (dot every redraw)", every[name])
        print(f"{'':<62} ratio of medians {statistics.median(every[name]) / statistics.median(times):.1f}x")

    nudge = nudge_explorer()

    def move_a(i):
        nudge.controls["a"].value = -4.0 + (i % 40) * 0.2
        checked(nudge)

    report("nudge_explorer: one a change (no graph)", timed(move_a))

    slope = slope_explorer()

    def move_slope_x(i):
        slope.controls["x"].value = -1.0 + (i % 40) * 0.1
        checked(slope)

    report("slope_explorer: one x change (matplotlib)", timed(move_slope_x, runs=20))

    burst = chain_rule_explorer()

    def queued(i, loop_running):
        """Ten browser changes waiting in the kernel, then the page is current again."""
        xs = [-1.5 + 0.01 * ((i * 10 + k) % 300) for k in range(10)]

        async def in_kernel():
            for x in xs:
                burst.controls["x"].set_state({"value": x})  # what a comm message does
            await asyncio.sleep(0)
            while burst._dirty:
                await asyncio.sleep(0.001)

        if loop_running:
            asyncio.run(in_kernel())
        else:
            for x in xs:
                burst.controls["x"].set_state({"value": x})
        checked(burst)

    for running, label in ((False, "no event loop: every value drawn"), (True, "kernel loop: newest drawn")):
        start = burst.redraws
        times = timed(lambda i: queued(i, running), runs=10)
        report(f"10 queued x changes ({label}, {(burst.redraws - start) / 10:g} redraws)", times)

    mlp = MLP(3, [16, 16, 1], seed=0)
    out = mlp([1.0, -2.0, 0.5])
    out.backward()
    n = len(topological_order(out))
    report(f"MLP(3,[16,16,1]) draw_graph→SVG ({n} Values)",
           timed(lambda i: to_svg(draw_graph(out), timeout=60), runs=5), goal=2000)


if __name__ == "__main__":
    main()
