"""A harness notebook that shows every explorer (and a wide static graph), and the in-page measurements
the access tests (test_browser_access.py) and the browser benchmark (benchmarks/bench_browser.py) share.

The harness does not depend on the lessons' text: each explorer is made with its defaults in a cell
of its own and tagged with the class ``bl-harness-<name>``; each cell's source starts with the
comment ``# harness: <name>``. What each explorer is driven by (a slider) and read from (a number
cell ``td.bl-value[data-name=...]``) is in ``EXPLORERS``.
"""

import time
from dataclasses import dataclass

ACCESS_HARNESS = "_access_harness.ipynb"
WIDTHS = (1366, 900)
HEIGHT = 800
MIN_TEXT_PX = 11.0
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Spec:
    name: str       # the factory, and the harness tag
    code: str       # the cell's code (the explorer object is its last expression)
    slider: str     # the slider the checks and the benchmark move
    number: str     # the number cell that follows it
    mirrors: bool   # True if that number is the slider's own value


EXPLORERS = (
    Spec("slope_explorer", "slope_explorer()", "x", "x", True),
    Spec("nudge_explorer", "nudge_explorer()", "a", "a", True),
    Spec("chain_rule_explorer", "chain_rule_explorer()", "x", "x", True),
    Spec("graph_stepper", "graph_stepper()", "a", "a", True),
    Spec("expression_explorer",
         "expression_explorer(lambda a, b, c: (a * b + c).tanh(), a=2.0, b=-3.0, c=(-5, 5, 1.0))", "a", "a", True),
    Spec("neuron_explorer", "neuron_explorer()", "w1", "z", False),
    Spec("xor_explorer", "xor_explorer()", "hidden", "loss", False),
    Spec("vanishing_explorer", "vanishing_explorer()", "depth", "depth", True),
    Spec("training_view", "training_view(X, y, steps=50, every=5)", "step", "step", True),
)
BY_NAME = {s.name: s for s in EXPLORERS}
WIDE_GRAPH = "wide_graph"  # the static draw_graph output's cell marker

_SETUP = '''# harness: setup
import numpy as np
from backprop_lab import (Value, chain_rule_explorer, draw_graph, expression_explorer, graph_stepper, moons,
                          neuron_explorer, nudge_explorer, slope_explorer, training_view, vanishing_explorer,
                          xor_explorer)


def tag(explorer, name):
    """Mark the explorer's box so the browser checks find it whatever its title says."""
    explorer.widget.add_class("bl-harness")
    explorer.widget.add_class(f"bl-harness-{name}")
    return explorer


X, y01 = moons(100, noise=0.1, seed=0)
y = 2 * y01 - 1'''

_TRAIN = '''# harness: training loop
w, b = np.zeros(2), 0.0
for k in range(51):  # logistic regression, reported to the view as a learner's loop would
    p = 1 / (1 + np.exp(-(X @ w + b)))
    view.update(k, float(np.mean((p - y01) ** 2)), lambda P: P @ w + b)
    w, b = w - 0.5 * X.T @ (p - y01) / len(X), b - 0.5 * float(np.mean(p - y01))'''

_WIDE = f'''# harness: {WIDE_GRAPH}
v = Value(0.5, label="x")
for i in range(14):
    v = (v * 1.1 + 0.2).tanh() if i % 2 else v * 0.9 + 0.1
v.label = "L"
v.backward()
draw_graph(v)  # a static drawing, wider than the page: it must scroll in its own box, at full size'''


def harness_cells():
    """The harness's code cells, in order."""
    cells = [_SETUP]
    for spec in EXPLORERS:
        var = "view" if spec.name == "training_view" else f"ex_{spec.name}"
        cells.append(f"# harness: {spec.name}\n{var} = tag({spec.code}, {spec.name!r})\n{var}")
        if spec.name == "training_view":
            cells.append(_TRAIN)
    cells.append(_WIDE)
    return cells


def write_access_harness(path):
    """Write the harness notebook (no outputs, no widget state) to ``path``."""
    import nbformat

    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nb = nbformat.v4.new_notebook(metadata=meta)
    nb.cells = [nbformat.v4.new_markdown_cell("# Explorer harness (browser checks)")]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in harness_cells()]
    nbformat.write(nb, path)
    return path


def explorer_selector(name):
    """CSS selector of one harness explorer's box."""
    return f".backprop-lab-explorer.bl-harness-{name}"


# ---------------------------------------------------------------- in-page measurements (JavaScript)

# Every piece of text an element of ``root`` draws, with its rendered size in CSS px:
#  - HTML: an element with its own (non-blank) text node: computed font-size × CSS zoom;
#  - SVG <text>: computed font-size × the scale of its screen transform (viewBox, width, transforms);
#  - matplotlib's text as paths (<g id="text_N"> holding <use> glyphs drawn at 100 units per em):
#    100 × the scale of each glyph's screen transform.
# Not rendered (display:none, a closed <details>, zero size) is skipped.
TEXTS_JS = r"""(root) => {
  const out = [];
  // checkVisibility: not display:none, not visibility:hidden, not in a closed <details> (content-visibility)
  const rendered = el => el.getClientRects().length > 0 && (el.checkVisibility
    ? el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})
    : getComputedStyle(el).visibility !== 'hidden');
  const scaleOf = m => Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
  const skip = new Set(['SCRIPT', 'STYLE', 'TITLE', 'OPTION', 'DESC', 'title', 'desc', 'style']);
  for (const el of root.querySelectorAll('*')) {
    if (skip.has(el.tagName)) continue;
    if (el instanceof SVGElement) {
      if (el.tagName.toLowerCase() === 'text' && el.textContent.trim() && rendered(el)) {
        const fs = parseFloat(getComputedStyle(el).fontSize);
        const m = el.getScreenCTM();
        out.push({el, kind: 'svg-text', text: el.textContent.trim(), px: m ? fs * scaleOf(m) : fs});
      } else if (el.tagName.toLowerCase() === 'g' && /^text_\d+$/.test(el.id || '') && rendered(el)) {
        let label = '';
        for (const n of el.childNodes) if (n.nodeType === 8) { label = n.textContent.trim(); break; }
        let px = Infinity;
        for (const u of el.querySelectorAll('use')) {
          const m = u.getScreenCTM();
          if (m) px = Math.min(px, 100 * scaleOf(m));
        }
        if (px !== Infinity) out.push({el, kind: 'mpl-text', text: label || '(matplotlib text)', px});
      }
      continue;
    }
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const isInput = (el.tagName === 'INPUT' && el.type !== 'checkbox' && el.type !== 'hidden')
                    || el.tagName === 'SELECT';
    if ((own || isInput) && rendered(el)) {
      const cs = getComputedStyle(el);
      let text = own ? [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim()
                     : (el.value || el.getAttribute('placeholder') || '').toString();
      if (!text && isInput) text = '(' + el.tagName.toLowerCase() + ')';
      out.push({el, kind: 'html', text, px: parseFloat(cs.fontSize) * (parseFloat(cs.zoom) || 1)});
    }
  }
  return out;
}"""

SMALLEST_TEXT_JS = f"""(root) => {{
  const texts = ({TEXTS_JS})(root);
  const small = texts.filter(t => t.px < {MIN_TEXT_PX} - 0.05)
                     .map(t => ({{kind: t.kind, text: t.text.slice(0, 60), px: Math.round(t.px * 100) / 100}}));
  let min = null;
  for (const t of texts) if (min === null || t.px < min.px) min = {{kind: t.kind, text: t.text.slice(0, 60), px: t.px}};
  return {{count: texts.length, min, small}};
}}"""

# Elements of an output that stick out of the cell's output column, unless some ancestor strictly
# inside the output (the explorer's own scroll box) scrolls sideways. The output area's own
# overflow does not count: a whole explorer that scrolls sideways is the failure this looks for.
OVERFLOW_JS = r"""(output) => {
  const box = output.getBoundingClientRect();
  const bad = [];
  const scrolls = el => { for (let a = el.parentElement; a && a !== output; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return true; }
    return false; };
  for (const el of output.querySelectorAll('*')) {
    if (!el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((r.right > box.right + 1 || r.left < box.left - 1) && !scrolls(el)) {
      const name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                   ? '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.') : '');
      bad.push({el: name, left: Math.round(r.left - box.left), right: Math.round(r.right - box.left),
                width: Math.round(r.width), text: (el.textContent || '').trim().slice(0, 40)});
    }
  }
  // Report the outermost offenders only (their children stick out with them).
  return {cell_width: Math.round(box.width), offenders: bad.length, first: bad.slice(0, 6)};
}"""

# WCAG 2 contrast of each text piece: its colour (CSS color, or SVG fill) composited over the
# colours painted under its centre (document.elementsFromPoint: HTML backgrounds, SVG fills).
CONTRAST_JS = f"""(root) => {{
  const parse = s => {{ const m = (s || '').match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null; const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }};
  const toRgb = s => {{ if (!s || s === 'none') return null;
    const c = document.createElement('span'); c.style.color = s; document.body.appendChild(c);
    const v = parse(getComputedStyle(c).color); c.remove(); return v; }};
  const over = (top, bottom) => {{ const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a).concat([a]); }};
  const lum = c => {{ const f = v => {{ v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }};
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); }};
  const opacity = el => {{ let o = 1;
    for (let a = el; a && a.nodeType === 1; a = a.parentElement) o *= parseFloat(getComputedStyle(a).opacity);
    return o; }};
  const paint = el => {{  // what an element paints under the text: [r,g,b,a] or null
    const cs = getComputedStyle(el);
    if (el instanceof SVGElement) {{
      if (!['rect', 'path', 'polygon', 'circle', 'ellipse'].includes(el.tagName.toLowerCase())) return null;
      const f = toRgb(cs.fill); if (!f) return null;
      f[3] *= parseFloat(cs.fillOpacity) * opacity(el); return f[3] > 0 ? f : null; }}
    const b = parse(cs.backgroundColor); if (!b || b[3] === 0) return null;
    b[3] *= opacity(el); return b; }};
  const texts = ({TEXTS_JS})(root);
  const out = [];
  for (const t of texts) {{
    if (t.el.closest('[disabled], .mod-disabled, :disabled')) continue;  // inactive controls are exempt (WCAG 1.4.3)
    const holder = t.kind === 'html' ? t.el : (t.kind === 'svg-text' ? t.el : t.el.querySelector('use') || t.el);
    let color = t.kind === 'html' ? parse(getComputedStyle(t.el).color) : toRgb(getComputedStyle(holder).fill);
    if (!color) continue;
    color[3] *= opacity(holder);
    t.el.scrollIntoView({{block: 'center', inline: 'center'}});
    const r = t.el.getBoundingClientRect();
    const stack = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const layers = [];
    for (const e of stack) {{
      // an HTML element's own background is under its text; its children and an SVG text's glyphs are not
      if (t.kind === 'html' ? (e !== t.el && t.el.contains(e)) : (e === t.el || t.el.contains(e))) continue;
      const p = paint(e); if (!p) continue;
      layers.push(p); if (p[3] >= 1) break;
    }}
    let bg = [255, 255, 255, 1];  // the canvas under everything
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    const fg = over(color, bg);
    const L1 = lum(fg), L2 = lum(bg);
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    out.push({{kind: t.kind, text: t.text.slice(0, 50), ratio: Math.round(ratio * 100) / 100,
               fg: fg.slice(0, 3).map(Math.round), bg: bg.slice(0, 3).map(Math.round)}});
  }}
  return out;
}}"""

# Records every text the number cell shows (and when) from now on; stamps the release of the mouse
# and the first key press. window.__blWatch.stop() returns the record.
WATCH_JS = r"""([el, name]) => {
  const text = () => { const c = el.querySelector(`td.bl-value[data-name="${name}"]`);
                       return c ? c.textContent.trim() : null; };
  const st = {start: performance.now(), up: null, key: null, seen: [[0, text()]]};
  const onUp = () => { if (st.up === null) st.up = performance.now() - st.start; };
  const onKey = () => { if (st.key === null) st.key = performance.now() - st.start; };
  document.addEventListener('mouseup', onUp, true);
  document.addEventListener('pointerup', onUp, true);
  document.addEventListener('keydown', onKey, true);
  const obs = new MutationObserver(() => {
    const now = text();
    if (now !== st.seen[st.seen.length - 1][1]) st.seen.push([performance.now() - st.start, now]);
  });
  obs.observe(el, {subtree: true, childList: true, characterData: true, attributes: true});
  window.__blWatch = {stop: () => { obs.disconnect();
    document.removeEventListener('mouseup', onUp, true); document.removeEventListener('pointerup', onUp, true);
    document.removeEventListener('keydown', onKey, true); return st; }};
}"""


def kernel_idle(page):
    """True if the notebook's kernel indicator says idle (JupyterLab and Notebook 7)."""
    return page.evaluate("""() => { const i = document.querySelector('.jp-Notebook-ExecutionIndicator');
                                    return !i || i.getAttribute('data-status') === 'idle'; }""")


def watch(root, number):
    """Start recording what ``root``'s number cell ``number`` shows."""
    root.evaluate(f"(el, name) => ({WATCH_JS})([el, name])", number)


def stop_watch(page):
    return page.evaluate("() => window.__blWatch.stop()")


def settle(page, root, quiet=0.6, timeout=25):
    """Wait until the kernel is idle and the explorer's markup has not changed for ``quiet`` s."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = root.inner_html()
        if now != last or not kernel_idle(page):
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
        time.sleep(0.05)
    return False


def analyse(record, since):
    """From a watch record: the final text, when it was last reached after ``since`` (ms from the
    start of the record, None if it was shown before and never changed), and the stale values.

    Stale: any text other than the final one that the cell showed after ``since``, including an
    older value shown after the final one had been shown.
    """
    seen = record["seen"]
    final = seen[-1][1]
    after = [(t, v) for t, v in seen if t >= since]
    stale = [v for t, v in after if v != final]
    reached = max((t for t, v in after if v == final), default=None)
    return final, (None if reached is None else reached - since), stale


def smooth_drag(page, slider_root, fraction, moves=15, pause=0.03):
    """Drag a noUiSlider handle to ``fraction`` of its track the way a hand does: ``moves`` small
    moves ``pause`` s apart, then release. Returns nothing; the page stamps the release itself."""
    handle = slider_root.locator(".noUi-handle").first
    track = slider_root.locator(".noUi-base").first
    slider_root.scroll_into_view_if_needed()
    h, t = handle.bounding_box(), track.bounding_box()
    x0, y0 = h["x"] + h["width"] / 2, h["y"] + h["height"] / 2
    x1 = t["x"] + t["width"] * fraction
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, moves + 1):
        page.mouse.move(x0 + (x1 - x0) * i / moves, y0)
        time.sleep(pause)
    page.mouse.up()


def percentile(values, q):
    """The q-th percentile (nearest rank) of a non-empty list."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * (len(s) - 1)))))]
