"""What a learner waits for in the browser: every explorer driven in headless Chromium (issue 18).

A private JupyterLab (its own port and token, on 127.0.0.1, on a temporary folder) serves the
harness notebook of the browser tests (tests/browser/explorer_harness.py), which shows each
explorer with its defaults. Per explorer, one slider is driven and one number it shows is read:

- key press → final number: from the keydown of ArrowRight/ArrowLeft on the focused slider to the
  moment the number shows, for the last time, the value it ends on;
- drag release → final number: a drag by hand (15 moves 30 ms apart) then the release; from the
  mouseup to the moment the number last changes to its final value (0 if it already showed it);
- stale after release: texts other than the final one that the number showed after the release
  (an older value shown after the final one counts too). Each drag is watched for 3 s after the
  release, and until the kernel is idle and the explorer quiet.

Times are taken inside the page (performance.now(), a MutationObserver on the explorer).
Goal: p90 ≤ 250 ms for both, 0 stale values. Run it on a quiet machine (the load average is printed):

    .venv/bin/python benchmarks/bench_browser.py                 # 10 key presses, 5 drags per explorer
    .venv/bin/python benchmarks/bench_browser.py --quick         # 4 and 2
    .venv/bin/python benchmarks/bench_browser.py --only slope_explorer neuron_explorer
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.explorer_harness import (  # noqa: E402  (the browser tests' harness and page helpers)
    ACCESS_HARNESS, EXPLORERS, HEIGHT, analyse, explorer_selector, percentile, settle, smooth_drag, stop_watch,
    watch, write_access_harness,
)
from tests.browser.labdriver import CHROMIUM_ARGS, LabServer, chromium_path  # noqa: E402
from tests.browser.labpage import NotebookPage  # noqa: E402

GOAL_MS = 250.0
WATCH_AFTER_RELEASE = 3.0


def slider_of(root, name):
    label = root.locator("label.widget-label").filter(has_text=name)
    for i in range(label.count()):
        if label.nth(i).inner_text().strip() == name:
            return label.nth(i).locator("xpath=..")
    raise RuntimeError(f"no slider labelled {name!r}")


def key_presses(page, root, spec, n):
    """Latencies (ms) of ``n`` arrow-key presses, turning back at either end of the slider."""
    slider = slider_of(root, spec.slider)
    handle = slider.locator(".noUi-handle").first
    times, stale_total, direction = [], 0, "ArrowRight"
    for _ in range(n):
        now, lo, hi = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax"))
        if direction == "ArrowRight" and now >= hi:
            direction = "ArrowLeft"
        elif direction == "ArrowLeft" and now <= lo:
            direction = "ArrowRight"
        handle.focus()
        watch(root, spec.number)
        handle.press(direction)
        settle(page, root, quiet=0.4, timeout=20)
        record = stop_watch(page)
        final, after, stale = analyse(record, record["key"] if record["key"] is not None else 0.0)
        stale_total += len(stale)
        if after is not None:
            times.append(after)
    return times, stale_total


def drags(page, root, spec, n):
    """Latencies (ms) from release to final number, and the stale values seen, over ``n`` drags."""
    slider = slider_of(root, spec.slider)
    handle = slider.locator(".noUi-handle").first
    times, stale_seen = [], []
    for i in range(n):
        settle(page, root, quiet=0.4, timeout=20)
        now, lo, hi = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax"))
        fraction = (0.15 + 0.1 * (i % 3)) if now - lo > (hi - lo) / 2 else (0.85 - 0.1 * (i % 3))
        watch(root, spec.number)
        smooth_drag(page, slider, fraction)
        time.sleep(WATCH_AFTER_RELEASE)
        settle(page, root, quiet=0.6, timeout=30)
        record = stop_watch(page)
        final, after, stale = analyse(record, record["up"] if record["up"] is not None else 0.0)
        times.append(0.0 if after is None else after)
        stale_seen += stale
    return times, stale_seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presses", type=int, default=10, help="key presses per explorer")
    parser.add_argument("--drags", type=int, default=5, help="drags per explorer")
    parser.add_argument("--quick", action="store_true", help="4 key presses and 2 drags per explorer")
    parser.add_argument("--width", type=int, default=1366, help="viewport width in CSS px")
    parser.add_argument("--only", nargs="*", help="explorer names to drive (default: all)")
    args = parser.parse_args()
    if args.quick:
        args.presses, args.drags = 4, 2
    chromium = chromium_path()
    if chromium is None:
        sys.exit("chromium is missing (looked at $CHROMIUM_PATH, else /usr/bin/chromium): run `make chromium`")
    from playwright.sync_api import sync_playwright

    specs = [s for s in EXPLORERS if not args.only or s.name in args.only]
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
          + ("  (not a quiet machine: the times are inflated)" if load[0] > 0.5 * (os.cpu_count() or 1) else ""))
    base = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    server = pw = context = None
    rows = []
    try:
        root_dir = base / "root"
        root_dir.mkdir()
        write_access_harness(root_dir / ACCESS_HARNESS)
        server = LabServer(root_dir, base / "home")
        pw = sync_playwright().start()
        context = pw.chromium.launch_persistent_context(
            str(base / "profile"), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": args.width, "height": HEIGHT}, device_scale_factor=1)
        nb = NotebookPage(context, server, ACCESS_HARNESS).open()
        seconds = nb.run_all()
        if nb.errors():
            raise RuntimeError(f"the harness raised: {nb.errors()}")
        print(f"harness ran in {seconds:.1f} s at {args.width}×{HEIGHT}; {args.presses} key presses and "
              f"{args.drags} drags per explorer\n")
        for spec in specs:
            root = nb.page.locator(explorer_selector(spec.name)).first
            root.wait_for(timeout=60_000)
            root.scroll_into_view_if_needed()
            settle(nb.page, root)
            keys, _ = key_presses(nb.page, root, spec, args.presses)
            drag_ms, stale = drags(nb.page, root, spec, args.drags)
            rows.append((spec, keys, drag_ms, stale))
            print(f"  {spec.name}: done", flush=True)
    finally:
        if context is not None:
            context.close()
        if pw is not None:
            pw.stop()
        if server is not None:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    head = (f"{'explorer':<20} {'slider → number':<16} {'key→final p50':>13} {'p90':>7} "
            f"{'release→final p50':>17} {'p90':>7} {'stale':>6}   goal: p90 ≤ {GOAL_MS:g} ms, 0 stale")
    print(head)
    print("-" * len(head))
    for spec, keys, drag_ms, stale in rows:
        k50, k90 = (percentile(keys, 50), percentile(keys, 90)) if keys else (float("nan"),) * 2
        d50, d90 = (percentile(drag_ms, 50), percentile(drag_ms, 90)) if drag_ms else (float("nan"),) * 2
        ok = keys and drag_ms and k90 <= GOAL_MS and d90 <= GOAL_MS and not stale
        print(f"{spec.name:<20} {spec.slider + ' → ' + spec.number:<16} {k50:11.0f}ms {k90:5.0f}ms "
              f"{d50:15.0f}ms {d90:5.0f}ms {len(stale):>6}   {'ok' if ok else 'MISSED'}"
              + (f"  (stale: {', '.join(stale[:5])}{' …' if len(stale) > 5 else ''})" if stale else ""))


if __name__ == "__main__":
    main()
