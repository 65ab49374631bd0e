"""Explorers and ipywidgets sliders on the page: read numbers and SVGs, drag, press keys, type, click."""

import re
import time

def _label(page, name):
    """Locator of a widget description label whose text is exactly ``name``."""
    return page.locator("label.widget-label").filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))


class Explorer:
    """An explorer box on the page: read its numbers, move its sliders, click its buttons."""

    def __init__(self, page, root):
        self.page = page
        self.root = root

    def scroll(self):
        """Scroll the explorer into view (as a person would before touching it)."""
        self.root.scroll_into_view_if_needed()
        return self

    # -- reading
    def cell(self, name):
        """The locator of the number cell ``td.bl-value[data-name=name]``."""
        return self.root.locator(f'td.bl-value[data-name="{name}"]')

    def text(self, name):
        """The text of a number cell."""
        return self.cell(name).first.inner_text().strip()

    def number(self, name):
        """The number a ``bl-value`` cell shows (a trailing % is dropped)."""
        return parse_number(self.text(name))

    def names(self):
        """The data-name of every number cell, in page order."""
        return self.root.locator("td.bl-value").evaluate_all("els => els.map(e => e.dataset.name)")

    def svg(self):
        """The markup of every SVG in the explorer (graphs and plots), joined."""
        return self.root.evaluate("el => [...el.querySelectorAll('svg')].map(s => s.outerHTML).join('\\n')")

    def svg_texts(self):
        """The text labels drawn in the explorer's SVGs."""
        return self.root.evaluate(
            "el => [...el.querySelectorAll('svg text')].map(t => t.textContent.trim()).filter(Boolean)")

    def error(self):
        """The text of the explorer's red error box, or ''."""
        box = self.root.locator(".backprop-lab-error")
        return box.first.inner_text() if box.count() else ""

    def wait_changed(self, name, old, timeout=15_000):
        """Wait until the number cell ``name`` no longer shows ``old``; returns the new text."""
        self.root.locator(f'td.bl-value[data-name="{name}"]').first.wait_for()
        handle = self.root.element_handle()
        self.page.wait_for_function(
            """([el, name, old]) => { const c = el.querySelector(`td.bl-value[data-name="${name}"]`);
                return c && c.textContent.trim() !== old; }""",
            arg=[handle, name, old], timeout=timeout)
        return self.text(name)

    def wait_until(self, check, timeout=15, what="condition"):
        """Poll ``check()`` (a callable returning truthy) until it holds; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if check():
                    return
            except (ValueError, AssertionError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.05)

    def settle(self, quiet=0.5, timeout=20):
        """Wait until the kernel is idle and the explorer's markup has not changed for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            now = self.root.inner_html()
            busy = self.page.evaluate(
                "() => document.querySelector('.jp-Notebook-ExecutionIndicator').getAttribute('data-status')")
            if now != last or busy != "idle":
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return self
            time.sleep(0.05)
        raise AssertionError(f"explorer still changing after {timeout}s")

    def wait_svg_changed(self, old, timeout=15_000):
        """Wait until the explorer's SVG markup differs from ``old``; returns the new markup."""
        handle = self.root.element_handle()
        self.page.wait_for_function(
            """([el, old]) => [...el.querySelectorAll('svg')].map(s => s.outerHTML).join('\\n') !== old""",
            arg=[handle, old], timeout=timeout)
        return self.svg()

    # -- controls
    def control(self, name):
        """The widget (slider, dropdown, ...) whose description label is ``name``."""
        loc = self.root.locator("label.widget-label").filter(
            has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).locator("xpath=..")
        if loc.count() != 1:
            raise AssertionError(f"expected one control labelled {name!r}, found {loc.count()}")
        return loc.first

    def slider(self, name):
        """A Slider helper for the slider labelled ``name``."""
        return Slider(self.page, self.control(name))

    def button(self, label):
        """The button whose text is ``label``."""
        return self.root.locator("button.jupyter-button").filter(
            has_text=re.compile(rf"^\s*{re.escape(label)}\s*$", re.I)).first

    def click(self, label):
        """Click a button by its label."""
        self.button(label).click()

    def select(self, name, option):
        """Choose ``option`` in the dropdown (or toggle buttons) labelled ``name``."""
        ctl = self.control(name)
        if ctl.locator("select").count():
            ctl.locator("select").select_option(label=option)
        else:
            ctl.locator("button").filter(has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")).click()


class Slider:
    """An ipywidgets 8 slider (noUiSlider) on the page, moved with the mouse, the keyboard or the readout."""

    def __init__(self, page, root):
        self.page = page
        self.root = root
        self.handle = root.locator(".noUi-handle").first
        self.track = root.locator(".noUi-base").first
        self.readout = root.locator(".widget-readout").first

    def value(self):
        """The value the slider shows (its readout text, parsed)."""
        return parse_number(self.readout.inner_text())

    def bounds(self):
        """(min, max) from the handle's aria attributes."""
        lo = self.handle.get_attribute("aria-valuemin")
        hi = self.handle.get_attribute("aria-valuemax")
        return float(lo), float(hi)

    def press(self, key, times=1):
        """Focus the handle and press a key (ArrowLeft/Right, PageUp/Down, Home, End)."""
        self.handle.focus()
        for _ in range(times):
            self.handle.press(key)

    def drag_to(self, fraction, steps=8):
        """Drag the handle with the mouse to ``fraction`` (0 = left end, 1 = right end) of the track."""
        self.root.scroll_into_view_if_needed()
        h = self.handle.bounding_box()
        t = self.track.bounding_box()
        x0, y0 = h["x"] + h["width"] / 2, h["y"] + h["height"] / 2
        # Go past the ends for 0 and 1, so the handle surely lands on min / max.
        x1 = t["x"] + t["width"] * fraction + (-20 if fraction <= 0 else 20 if fraction >= 1 else 0)
        self.page.mouse.move(x0, y0)
        self.page.mouse.down()
        self.page.mouse.move(x1, y0, steps=steps)
        self.page.mouse.up()

    def type_value(self, value):
        """Type a value into the readout and press Enter, as a person editing the number would."""
        self.readout.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(str(value))
        self.page.keyboard.press("Enter")


_NUMBER = re.compile(r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+−]?(?:inf|nan)", re.I)


def parse_number(text):
    """The first number in ``text`` (accepts the unicode minus sign); ValueError if there is none."""
    m = _NUMBER.search(text.replace("\u2212", "-"))
    if not m:
        raise ValueError(f"no number in {text!r}")
    return float(m.group(0))


# ---------------------------------------------------------------- round trip

_RT_ARM_JS = """([el, name]) => {
  const text = () => { const c = el.querySelector(`td.bl-value[data-name="${name}"]`);
                       return c ? c.textContent.trim() : null; };
  const st = window.__blRoundTrip = {t0: null, t1: null, before: text(), after: null};
  document.addEventListener('keydown', () => { if (st.t0 === null) st.t0 = performance.now(); },
                            {capture: true, once: true});
  const obs = new MutationObserver(() => {
    const now = text();
    if (st.t0 !== null && st.t1 === null && now !== st.before) {
      st.t1 = performance.now(); st.after = now; obs.disconnect(); }
  });
  obs.observe(el, {subtree: true, childList: true, characterData: true});
}"""


def round_trip(explorer, name, press, timeout=15_000):
    """Milliseconds from the keydown of ``press()`` to the page showing a new ``name`` number.

    Timed inside the page: a capturing keydown listener stamps the start, a MutationObserver on
    the explorer stamps the moment the number cell's text changes.
    """
    explorer.root.evaluate(f"(el, name) => ({_RT_ARM_JS})([el, name])", name)
    press()
    explorer.page.wait_for_function("window.__blRoundTrip.t1 !== null", timeout=timeout)
    st = explorer.page.evaluate("window.__blRoundTrip")
    return st["t1"] - st["t0"]


def slider_round_trips(explorer, slider, name, n=20):
    """``n`` round trips of arrow-key presses on ``slider`` (turning back at either end)."""
    times = []
    direction = "ArrowRight"
    for _ in range(n):
        now = float(slider.handle.get_attribute("aria-valuenow"))
        lo, hi = slider.bounds()
        if direction == "ArrowRight" and now >= hi:
            direction = "ArrowLeft"
        elif direction == "ArrowLeft" and now <= lo:
            direction = "ArrowRight"
        slider.handle.focus()
        times.append(round_trip(explorer, name, lambda: slider.handle.press(direction)))
    return times
