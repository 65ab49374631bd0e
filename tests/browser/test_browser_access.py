"""Every explorer, usable by every learner at any pace (issue 18), checked in headless Chromium.

The checks run on a harness notebook (explorer_harness.py) that shows each explorer with its
defaults and a wide static ``draw_graph``, so they do not depend on the lessons' text. Each check
runs at 1366 and at 900 px wide (800 px high):

- clicks at pace: 12 clicks of the neuron's "one step", 0.3 s apart, give 12 steps;
- a slider drag, once released, shows its final value and no older one after it;
- every text in the explorers and drawings renders at 11 CSS px or more;
- nothing in an output sticks out of the cell unless it sits in its own sideways scroll box;
- Tab reaches each slider, the arrow keys move it and its numbers (JupyterLab and Notebook 7);
- each slider has an accessible name; axe-core finds no critical or serious violation in the outputs;
- the dark theme gives explorer text a contrast of 4.5:1 or more;
- a saved, closed and reopened notebook shows no "model not found";
- opening a lesson does not mark it modified.

Screenshots land in test-artifacts/access/ (explorers) and test-artifacts/lessons/ (whole lessons,
``-k lesson_screens``, run at the end of a session when the lessons are final).
"""

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from .explorer_harness import (
    ACCESS_HARNESS, CONTRAST_JS, EXPLORERS, HEIGHT, MIN_CONTRAST, MIN_TEXT_PX, OVERFLOW_JS,
    SMALLEST_TEXT_JS, WIDE_GRAPH, WIDTHS, analyse, explorer_selector, settle, smooth_drag, stop_watch, watch,
    write_access_harness,
)
from .labdriver import ARTIFACTS, notebook7_server, notebook_names
from .labpage import NotebookPage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ARTIFACTS / "access"
LESSON_SHOTS = ARTIFACTS / "lessons"
REOPEN = "_access_reopen.ipynb"
WIDGET_ERRORS = re.compile(r"model not found|Error displaying widget", re.I)

on_harness = pytest.mark.notebook(ACCESS_HARNESS)
widths = pytest.mark.parametrize("width", WIDTHS, ids=[f"w{w}" for w in WIDTHS])


def _lessons():
    return [pytest.param(n, marks=pytest.mark.notebook(n[:3]), id=n[:2]) for n in notebook_names()]


# ---------------------------------------------------------------- the harness tab

@pytest.fixture(scope="module")
def harness(tabs, lab):
    """The harness notebook open in its tab, run (Run All), every explorer drawn."""
    path = lab.root_dir / ACCESS_HARNESS
    if not path.exists():
        write_access_harness(path)
    nb = tabs.get(ACCESS_HARNESS)
    assert getattr(nb, "run_failure", None) is None, nb.run_failure
    assert nb.errors() == [], nb.errors()
    for spec in EXPLORERS:
        nb.page.locator(explorer_selector(spec.name)).first.wait_for(timeout=60_000)
    return nb


def sized(nb, width):
    """Set the tab's viewport to ``width`` × 800 and let the layout settle."""
    nb.page.bring_to_front()
    nb.page.set_viewport_size({"width": width, "height": HEIGHT})
    nb.page.wait_for_timeout(400)
    return nb.page


def shoot(page, target, path):
    """A screenshot of one element, whole: the viewport grows taller for it (the width stays)."""
    size = page.viewport_size
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        height = target.bounding_box()["height"]
        if height > size["height"] - 200:  # JupyterLab's toolbar and status bar would cover it
            page.set_viewport_size({"width": size["width"], "height": min(int(height) + 300, 8000)})
            page.wait_for_timeout(300)
        target.evaluate("el => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(200)
        target.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)
    return path


def root_of(page, name):
    loc = page.locator(explorer_selector(name))
    assert loc.count() == 1, f"{name}: {loc.count()} explorer boxes on the page"
    return loc.first


def wide_graph_output(page):
    """The output area of the static draw_graph cell."""
    cell = page.locator(".jp-CodeCell").filter(has=page.locator(".cm-content", has_text=f"# harness: {WIDE_GRAPH}"))
    return cell.first.locator(".jp-OutputArea-output").first


def output_of(root):
    return root.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' jp-OutputArea-output ')][1]")


def slider_label(handle):
    """The description label of the slider a noUiSlider handle belongs to."""
    return handle.evaluate("""h => { const w = h.closest('.widget-slider, .jupyter-widgets.widget-inline-hbox');
                                     const l = w && w.querySelector('label.widget-label');
                                     return l ? l.textContent.trim() : ''; }""")


def number_text(root, name):
    cell = root.locator(f'td.bl-value[data-name="{name}"]')
    return cell.first.inner_text().strip() if cell.count() else None


def parse(text):
    return float(text.replace("\u2212", "-").rstrip("%"))


# ---------------------------------------------------------------- clicks at pace

@on_harness
@widths
def test_every_click_counts_12_clicks_0_3_s_apart_give_12_steps(harness, width):
    page = sized(harness, width)
    root = root_of(page, "neuron_explorer")
    root.scroll_into_view_if_needed()
    reset = root.locator("button").filter(has_text=re.compile(r"^\s*reset\s*$"))
    step = root.locator("button").filter(has_text=re.compile(r"^\s*one step\s*$"))
    reset.first.click()
    deadline = time.monotonic() + 30
    while number_text(root, "step") != "0":
        assert time.monotonic() < deadline, f"reset did not bring the step count to 0: {number_text(root, 'step')}"
        time.sleep(0.1)
    settle(page, root)
    clicked = []
    for _ in range(12):
        box = step.first.bounding_box()  # the layout may move as the tables redraw: aim each click
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        clicked.append(number_text(root, "step"))
        time.sleep(0.3)
    settle(page, root, quiet=1.0, timeout=60)
    shown = number_text(root, "step")
    print(f"\nwidth {width}: step count seen after each click {clicked}; at the end {shown}")
    assert shown is not None and parse(shown) == 12, (
        f"12 clicks 0.3 s apart: the explorer shows step {shown} (seen while clicking: {clicked})")
    reset.first.click()
    settle(page, root)


# ---------------------------------------------------------------- drag release: final value, no stale one

@on_harness
@widths
def test_after_a_drag_is_released_the_final_value_shows_and_no_older_one(harness, width):
    page = sized(harness, width)
    rows, failures = [], []
    for spec in EXPLORERS:
        root = root_of(page, spec.name)
        label = root.locator("label.widget-label").filter(has_text=re.compile(rf"^\s*{re.escape(spec.slider)}\s*$"))
        slider = label.first.locator("xpath=..")
        readout = slider.locator(".widget-readout").first
        root.scroll_into_view_if_needed()
        settle(page, root)
        before = parse(readout.inner_text())
        lo = float(slider.locator(".noUi-handle").first.get_attribute("aria-valuemin"))
        hi = float(slider.locator(".noUi-handle").first.get_attribute("aria-valuemax"))
        fraction = 0.2 if (before - lo) > (hi - lo) / 2 else 0.8
        watch(root, spec.number)
        smooth_drag(page, slider, fraction)
        time.sleep(3.0)  # record the readout for 3 s after the release
        settle(page, root, quiet=0.6, timeout=30)
        record = stop_watch(page)
        up = record["up"] if record["up"] is not None else 0.0
        final, after_ms, stale = analyse(record, up)
        value = parse(readout.inner_text())
        rows.append(f"  {spec.name:<20} {spec.slider}: {before:g} → {value:g}; {spec.number} = {final}; "
                    f"final after {'-' if after_ms is None else f'{after_ms:.0f} ms'}; stale {stale}")
        if stale:
            failures.append(f"{spec.name}: after release {spec.number} showed {stale} besides the final {final}")
        if spec.mirrors:
            if final is None or abs(parse(final) - value) > max(1e-6, 0.51 * _resolution(slider, value)):
                failures.append(f"{spec.name}: slider {spec.slider} reads {value:g}, the page shows {final}")
        if value == before:
            failures.append(f"{spec.name}: the drag did not move {spec.slider} (still {before:g})")
    print(f"\nwidth {width}: drag release, per explorer\n" + "\n".join(rows))
    assert not failures, "\n".join(failures)


def _resolution(slider, value):
    """How precisely the slider's readout gives its value (a log slider's 1.0e-3: two significant digits)."""
    text = slider.locator(".widget-readout").first.inner_text()
    if "e" in text.lower():
        return abs(value) * 0.05  # a log slider's readout (1.0e-3) has two significant digits
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 10.0 ** -decimals


def each_output(width, title, targets, measure):
    """measure(locator) -> (summary line, [failures]) for each (name, locator); print the lines, fail on any."""
    lines, failures = [], []
    for name, where in targets:
        line, failed = measure(where)
        lines.append(f"  {name:<20} {line}")
        failures += [f"{name}: {text}" for text in failed]
    print(f"\nwidth {width}: {title}\n" + "\n".join(lines))
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- minimum text size

@on_harness
@widths
def test_every_text_in_explorers_and_drawings_is_at_least_11px(harness, width):
    page = sized(harness, width)

    def smallest(root):
        found = root.evaluate(SMALLEST_TEXT_JS)
        low, small = found["min"], found["small"]
        return (f"smallest {low['px']:.2f} px ({low['kind']} {low['text']!r}); {len(small)} of "
                f"{found['count']} texts under {MIN_TEXT_PX:g} px",
                [f"{len(small)} texts under {MIN_TEXT_PX:g} px, e.g. "
                 + ", ".join(f"{s['text']!r} {s['px']} px ({s['kind']})" for s in small[:4])] if small else [])
    targets = [(spec.name, root_of(page, spec.name)) for spec in EXPLORERS] + [(WIDE_GRAPH, wide_graph_output(page))]
    each_output(width, "smallest text per explorer", targets, smallest)


# ---------------------------------------------------------------- no horizontal overflow

@on_harness
@widths
def test_nothing_sticks_out_of_the_cell_outside_a_scroll_box(harness, width):
    page = sized(harness, width)
    failures, lines = [], []
    targets = [(spec.name, output_of(root_of(page, spec.name)).first) for spec in EXPLORERS]
    targets.append((WIDE_GRAPH, wide_graph_output(page)))
    for name, output in targets:
        found = output.evaluate(OVERFLOW_JS)
        lines.append(f"  {name:<20} cell {found['cell_width']} px: {found['offenders']} elements stick out")
        if found["offenders"]:
            failures.append(f"{name}: {found['offenders']} elements wider than the {found['cell_width']} px cell "
                            f"and in no scroll box, e.g. {json.dumps(found['first'][:3])}")
    # The wide graph must be at full size in its own scroll box (so it can be scrolled, not shrunk).
    graph = wide_graph_output(page)
    box = graph.evaluate("""o => { const s = o.querySelector('svg'); if (!s) return null;
        let a = s.parentElement;
        while (a && a !== o && !['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) a = a.parentElement;
        return {svg: s.getBoundingClientRect().width, box: a && a !== o ? a.clientWidth : null,
                scrolls: a && a !== o ? a.scrollWidth > a.clientWidth : false}; }""")
    lines.append(f"  wide graph: drawn {box and round(box['svg'])} px wide, its scroll box {box and box['box']} px")
    print(f"\nwidth {width}: overflow per output\n" + "\n".join(lines))
    assert box is not None and box["box"] is not None and box["scrolls"], (
        f"the wide graph is not in a sideways scroll box of its own: {box}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- keyboard

def _active(page):
    return page.evaluate("""() => { const a = document.activeElement; if (!a) return null;
        const cell = a.closest('.jp-Cell');
        return {slider: a.getAttribute('role') === 'slider', editor: !!a.closest('.cm-editor'),
                harness: (a.closest('.bl-harness') || {className: ''}).className.toString()
                           .split(/\\s+/).filter(c => c.startsWith('bl-harness-')).join(''),
                cell: cell ? [...document.querySelectorAll('.jp-Cell')].indexOf(cell) : -1}; }""")


def _active_cell(page):
    return page.evaluate(
        "() => [...document.querySelectorAll('.jp-Cell')].findIndex(c => c.classList.contains('jp-mod-active'))")


def keyboard_problems(page, notebook7=False):
    """Tab from each explorer's title to each of its sliders, then arrow keys on each; the problems found."""
    problems, lines = [], []
    for spec in EXPLORERS:
        root = root_of(page, spec.name)
        root.scroll_into_view_if_needed()
        settle(page, root)
        handles = root.locator('[role="slider"]')
        names = [slider_label(handles.nth(i)) for i in range(handles.count())]
        enabled = [n for i, n in enumerate(names) if not handles.nth(i).evaluate(
            "h => !!h.closest('[disabled], .mod-disabled') || h.hasAttribute('disabled')")]
        # Tab: start from the explorer's title, as a learner who clicked there would.
        root.locator(".widget-html-content").first.click(position={"x": 2, "y": 2})
        reached, visited_inside = [], False
        for _ in range(4 * len(names) + 6):
            page.keyboard.press("Tab")
            a = _active(page)
            if a is None:
                continue
            if a["editor"]:
                problems.append(f"{spec.name}: Tab went into a cell's code editor")
                break
            inside = a["harness"] == f"bl-harness-{spec.name}"
            if inside and a["slider"]:
                reached.append(slider_label(page.locator(":focus")))
            if visited_inside and not inside:
                break
            visited_inside |= inside
        missing = [n for n in enabled if n not in reached]
        if missing:
            problems.append(f"{spec.name}: Tab did not reach the slider(s) {missing} (reached {reached})")
        # Arrow keys: click each handle (as a learner would), press ArrowRight (ArrowLeft at the top end).
        for i in range(handles.count()):
            if names[i] not in enabled:
                continue
            h = handles.nth(i)
            slider = h.locator("xpath=ancestor::div[contains(@class,'widget-slider')][1]")
            readout = slider.locator(".widget-readout").first
            h.scroll_into_view_if_needed()
            h.click()
            cell_before = _active_cell(page)
            now, hi = h.get_attribute("aria-valuenow"), h.get_attribute("aria-valuemax")
            key = "ArrowLeft" if now is not None and hi is not None and float(now) >= float(hi) else "ArrowRight"
            shown = number_text(root, spec.number) if names[i] == spec.slider else None
            text_before = readout.inner_text()
            page.keyboard.press(key)
            deadline = time.monotonic() + 15  # (aria-valuenow is rounded to one decimal: read the readout)
            while time.monotonic() < deadline and readout.inner_text() == text_before:
                time.sleep(0.05)
            a = _active(page)
            if readout.inner_text() == text_before:
                problems.append(f"{spec.name}: {key} on slider {names[i]} did not change its readout "
                                f"({text_before!r}; focus on {a})")
            if not (a and a["slider"] and a["harness"] == f"bl-harness-{spec.name}"):
                problems.append(f"{spec.name}: after a click and {key} on {names[i]}, focus left the slider ({a})")
            if _active_cell(page) != cell_before:
                problems.append(f"{spec.name}: {key} on slider {names[i]} moved to another cell "
                                f"({cell_before} → {_active_cell(page)})")
            if shown is not None:
                deadline = time.monotonic() + 15
                while number_text(root, spec.number) == shown and time.monotonic() < deadline:
                    time.sleep(0.05)
                if number_text(root, spec.number) == shown:
                    problems.append(f"{spec.name}: {key} on {names[i]} did not change {spec.number} ({shown})")
            if notebook7 or names[i] == spec.slider:  # no arrow key may move focus or the active cell
                for k in ("ArrowUp", "ArrowDown", "ArrowLeft"):
                    page.keyboard.press(k)
                    page.wait_for_timeout(150)
                    if _active_cell(page) != cell_before or not (_active(page) or {}).get("slider"):
                        problems.append(f"{spec.name}: {k} on slider {names[i]} moved focus or the active cell")
                        break
        settle(page, root)
        lines.append(f"  {spec.name:<20} sliders {names}; Tab reached {reached}")
    return problems, lines


@on_harness
@widths
def test_keyboard_tab_reaches_each_slider_and_arrows_move_it_in_jupyterlab(harness, width):
    page = sized(harness, width)
    problems, lines = keyboard_problems(page)
    print(f"\nwidth {width}: keyboard in JupyterLab\n" + "\n".join(lines))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- accessible names and axe-core

@on_harness
@widths
def test_each_slider_has_an_accessible_name(harness, width):
    page = sized(harness, width)

    def accessible_names(root):
        handles = root.locator('[role="slider"]')
        names, unnamed = [], []
        for i in range(handles.count()):
            snap = handles.nth(i).aria_snapshot()  # Playwright's accessible-name computation
            found = re.match(r'\s*- slider(?: "((?:[^"\\]|\\.)*)")?', snap)
            names.append(found.group(1) if found and found.group(1) else "")
            if not names[-1].strip():
                unnamed.append(f"slider {slider_label(handles.nth(i))!r} has no accessible name "
                               f"(aria snapshot {snap.strip()!r})")
        return str(names), unnamed
    each_output(width, "slider accessible names", [(spec.name, root_of(page, spec.name)) for spec in EXPLORERS],
                accessible_names)


def _axe(page, context):
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    return page.evaluate("async ([c, o]) => await axe.run(c, o)",
                         [context, {"resultTypes": ["violations"]}])["violations"]


@on_harness
@widths
def test_axe_finds_no_critical_or_serious_violation_in_the_outputs(harness, width):
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is missing: run `make setup-test`")
    page = sized(harness, width)
    ours = _axe(page, {"include": [".jp-OutputArea"]})
    lab_own = _axe(page, {"exclude": [".jp-OutputArea"]})
    print(f"\nwidth {width}: axe-core in the explorers' outputs: "
          + (", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])})" for v in ours) or "none"))
    print(f"width {width}: axe-core in JupyterLab itself (listed, not failed on): "
          + (", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])}: {v['nodes'][0]['target'][0]})"
                       for v in lab_own) or "none"))
    bad = [v for v in ours if v["impact"] in ("critical", "serious")]
    assert not bad, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}; e.g. " + "; ".join(n["html"][:160] for n in v["nodes"][:3])
        for v in bad)


# ---------------------------------------------------------------- dark theme contrast

def _theme(page, name):
    """Switch JupyterLab's theme through Settings → Theme, and wait until it is applied."""
    light = "true" if "Light" in name else "false"
    if page.evaluate("() => document.body.dataset.jpThemeLight") == light:
        return
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    page.locator(".lm-Menu-item", has_text=re.compile(r"^\s*Theme")).first.hover()
    page.locator(".lm-Menu-item", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).first.click()
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30_000)
    page.wait_for_timeout(800)


@on_harness
@widths
def test_dark_theme_gives_explorer_text_a_contrast_of_4_5(harness, width):
    page = sized(harness, width)
    lines, failures = [], []
    try:
        _theme(page, "JupyterLab Dark")
        targets = [(spec.name, root_of(page, spec.name)) for spec in EXPLORERS]
        targets.append((WIDE_GRAPH, wide_graph_output(page)))
        for name, root in targets:
            found = root.evaluate(CONTRAST_JS)
            low = [t for t in found if t["ratio"] < MIN_CONTRAST]
            worst = min(found, key=lambda t: t["ratio"]) if found else None
            lines.append(f"  {name:<20} lowest {worst['ratio']:.2f}:1 ({worst['text']!r} rgb{tuple(worst['fg'])} on "
                         f"rgb{tuple(worst['bg'])}); {len(low)} of {len(found)} texts under {MIN_CONTRAST}:1"
                         if worst else f"  {name:<20} no text")
            if low:
                failures.append(f"{name}: {len(low)} texts under {MIN_CONTRAST}:1, e.g. "
                                + "; ".join(f"{t['text']!r} {t['ratio']}:1 rgb{tuple(t['fg'])} on rgb{tuple(t['bg'])}"
                                            for t in low[:4]))
        for spec in EXPLORERS:
            shoot(page, root_of(page, spec.name), SHOTS / f"dark_{spec.name}_w{width}.png")
    finally:
        _theme(page, "JupyterLab Light")
    print(f"\nwidth {width}: dark-theme contrast per explorer\n" + "\n".join(lines))
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- screenshots of each explorer

@on_harness
@widths
def test_screenshots_of_each_explorer(harness, width):
    page = sized(harness, width)
    SHOTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for spec in EXPLORERS:
        root = root_of(page, spec.name)
        settle(page, root)
        saved.append(shoot(page, root, SHOTS / f"{spec.name}_w{width}.png"))
    saved.append(shoot(page, wide_graph_output(page), SHOTS / f"{WIDE_GRAPH}_w{width}.png"))
    assert all(p.stat().st_size > 1000 for p in saved), saved
    print(f"\nwidth {width}: {len(saved)} screenshots in {SHOTS}")


# ---------------------------------------------------------------- reopen after save

def _widget_errors(page):
    return [m.group(0) for m in WIDGET_ERRORS.finditer(page.locator("body").inner_text())]


def _wait_outputs(nb):
    nb.page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output').length >= 10", timeout=60_000)
    nb.page.wait_for_timeout(4000)  # the widget manager tries to restore views a moment after load


@pytest.mark.notebook(REOPEN)
def test_a_saved_closed_and_reopened_notebook_shows_no_model_not_found(browser, lab):
    write_access_harness(lab.root_dir / REOPEN)
    nb = NotebookPage(browser, lab, REOPEN).open()
    seen = {}
    try:
        nb.run_all()
        assert nb.errors() == [], nb.errors()
        nb.page.wait_for_selector(explorer_selector("training_view"), timeout=60_000)
        assert nb.page.locator(".jp-mod-dirty").count() >= 1, "a run notebook should be modified (detector check)"
        nb.menu("File", "docmanager:save")
        nb.page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=30_000)
        nb.close()
        # Reopen while the kernel still runs (the learner closed the tab), then after it stopped.
        nb = NotebookPage(browser, lab, REOPEN).open()
        _wait_outputs(nb)
        seen["kernel running"] = _widget_errors(nb.page)
        nb.screenshot(SHOTS / "reopened_kernel_running.png")
        nb.close()
        for s in lab.api("sessions"):
            if s.get("path", "").endswith(REOPEN):
                lab.api(f"sessions/{s['id']}", method="DELETE")
        nb = NotebookPage(browser, lab, REOPEN).open()
        _wait_outputs(nb)
        seen["new kernel"] = _widget_errors(nb.page)
        nb.screenshot(SHOTS / "reopened_new_kernel.png")
    finally:
        nb.close()
        for s in lab.api("sessions"):
            if s.get("path", "").endswith(REOPEN):
                lab.api(f"sessions/{s['id']}", method="DELETE")
    print(f"\nreopened after save: {seen}")
    assert not any(seen.values()), f"widget errors after reopening: {seen}"


# ---------------------------------------------------------------- opening a lesson does not modify it

@pytest.mark.parametrize("lesson", [pytest.param(n, id=n[:2]) for n in notebook_names()])
def test_opening_a_lesson_does_not_mark_it_modified(browser, lab, lesson):
    nb = NotebookPage(browser, lab, lesson).open()
    try:
        nb.page.wait_for_timeout(3000)  # a kernelspec rewrite lands a moment after the kernel connects
        dirty = nb.page.locator(".jp-mod-dirty").count()
    finally:
        nb.close()
        for s in lab.api("sessions"):
            if s.get("path", "").endswith(lesson):
                lab.api(f"sessions/{s['id']}", method="DELETE")
    assert dirty == 0, f"{lesson} is marked modified (.jp-mod-dirty) right after opening, before any cell ran"


# ---------------------------------------------------------------- one screenshot per lesson and width

@pytest.mark.parametrize("lesson", _lessons())
def test_lesson_screens(tabs, lesson):
    nb = tabs.get(lesson)
    assert getattr(nb, "run_failure", None) is None, nb.run_failure
    size = nb.page.viewport_size
    saved = []
    try:
        for width in WIDTHS:
            nb.page.set_viewport_size({"width": width, "height": HEIGHT})
            nb.page.wait_for_timeout(800)
            saved.append(nb.screenshot(LESSON_SHOTS / f"{lesson.removesuffix('.ipynb')}_w{width}.png"))
    finally:
        nb.page.set_viewport_size(size)
    print(f"\n{lesson}: {', '.join(str(p) for p in saved)}")


# ---------------------------------------------------------------- Notebook 7

@pytest.fixture(scope="module")
def notebook7(chromium, tmp_path_factory):
    """A Jupyter Notebook 7 server (the `notebook` package) on a copy of the harness; yields (base, token)."""
    base_dir = tmp_path_factory.mktemp("nb7")
    (base_dir / "root" / "notebooks").mkdir(parents=True)
    write_access_harness(base_dir / "root" / "notebooks" / ACCESS_HARNESS)
    no_windowing = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"}}
    with notebook7_server(base_dir / "root", base_dir / "home", no_windowing) as server:
        yield server


@pytest.fixture(scope="module")
def notebook7_page(notebook7, browser):
    """The harness opened from Notebook 7's /tree (notebooks/ folder) and run with Run → Run All Cells."""
    url, token = notebook7
    page = browser.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{url}/tree/notebooks?token={token}")
        page.get_by_text(ACCESS_HARNESS).first.wait_for(timeout=60_000)
        page.goto(f"{url}/notebooks/notebooks/{ACCESS_HARNESS}?token={token}")
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=60_000)
        deadline = time.monotonic() + 90
        while True:  # the kernel is up and idle
            with urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=5) as r:
                if any(s["kernel"]["execution_state"] == "idle" for s in json.loads(r.read())):
                    break
            assert time.monotonic() < deadline, "Notebook 7 started no kernel"
            time.sleep(0.5)
        for _ in range(3):  # the page may still be connecting to the kernel: run again if nothing started
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator('.lm-Menu-item[data-command="notebook:run-all-cells"], '
                         '.lm-Menu-item[data-command="runmenu:run-all"]').first.click()
            try:
                page.wait_for_selector(explorer_selector("training_view"), timeout=60_000)
                break
            except Exception:  # noqa: BLE001 - try the menu again
                continue
        page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                     .every(p => /\\[\\d+\\]/.test(p.textContent))""", timeout=180_000)
        for spec in EXPLORERS:
            page.locator(explorer_selector(spec.name)).first.wait_for(timeout=60_000)
        yield page
    finally:
        page.close()


@widths
def test_keyboard_in_notebook_7_arrows_move_the_slider_not_the_cell(notebook7_page, width):
    page = notebook7_page
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.wait_for_timeout(400)
    problems, lines = keyboard_problems(page, notebook7=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"notebook7_w{width}.png"))
    print(f"\nwidth {width}: keyboard in Notebook 7\n" + "\n".join(lines))
    assert not problems, "\n".join(problems)
