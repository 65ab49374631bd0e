"""The shared shape of every explorer: controls → recompute → ``values`` → redraw in place.

An explorer owns a dict of input widgets (``controls``), a dict of the numbers it shows
(``values``), and one ``update()`` method that recomputes both from the controls and redraws.
Every control change goes through ``_on_change`` → ``refresh()`` → ``update()``; an error is
caught and shown inside the explorer (JupyterLab would otherwise hide it in the log), so the
kernel never sees an exception from a slider.

Changes that come from the browser while the kernel's event loop runs are coalesced: the
observer only marks the explorer out of date and schedules one redraw, so a fast drag (or a
busy machine) draws the newest value once instead of replaying every value in the queue.
Changes made by code (``ex.controls["x"].value = 0.4``) redraw at once, and reading ``values``
brings a pending redraw forward, so code always sees the numbers for the current controls.
A change that arrives while a redraw runs (say, a click handled meanwhile) makes that redraw
run once more when it ends, so the last drawing is always of the newest state.

Every slider refuses NaN, ±inf and values outside its range with a message in the explorer,
instead of ipywidgets' silent clamp to the nearest end.
"""

import asyncio
import html
import math
import time
from numbers import Real

import ipywidgets as W
from traitlets import TraitError, validate

from ..plots import figure_svg
from .keyboard import SliderKeys
from ..style import COLORS, number_text

__all__ = ["Explorer", "figure_svg", "wrap_row", "error_html", "ledger_html", "grid_html", "number_text",
           "float_slider", "log_slider", "int_slider", "check_choice", "FloatSlider", "FloatLogSlider",
           "IntSlider"]

# What each control does, in words, where its name alone is short; shown on hover, read by screen readers.
TOOLTIPS = {"lr": "learning rate lr", "h": "step size h", "init_scale": "initial weight scale",
            "seed": "random seed", "hidden": "hidden units", "depth": "number of layers",
            "steps": "training steps"}
MIN_GAP = 0.02  # seconds between two coalesced redraws, so queued browser changes drain first


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _from_browser(change):
    """True while ipywidgets applies a state sent by the browser (it locks those properties)."""
    owner = change.get("owner") if isinstance(change, dict) else None
    return bool(getattr(owner, "_property_lock", None))


class Explorer:
    """Base class: subclasses build ``self.controls`` and widgets, then call ``_finish(children)``."""

    title = ""
    kind = "explorer"  # what the placeholder calls it: "▶ Run this cell to use the live <kind>."
    # Redraw while a slider is dragged. An explorer that draws a figure (tens of ms) sets this False:
    # it redraws once, on release, so a drag never leaves older pictures arriving after the last one.
    live = True

    def __init__(self):
        self.controls = {}
        self._values = {}
        self.error = None  # the last error text, or None when the last update worked
        self._error_box = W.HTML(layout=W.Layout(min_height="0px"))
        self._quiet = False  # True while code sets several controls at once
        self._dirty = False  # a change waits for its redraw
        self._drawing = False  # update() is running
        self._refusal = None  # the last message about a refused slider value
        self._scheduled = None
        self._last_draw = 0.0
        self.redraws = 0  # how many times update() ran (the coalescing test counts them)

    # ---- the one update path ----

    def _finish(self, children):
        """Wire every control to the update path, build ``self.widget``, and draw once."""
        for name, control in self.controls.items():
            if not control.tooltip:  # a name a screen reader and a mouse pointer can find
                control.tooltip = TOOLTIPS.get(name, control.description or name)
            if hasattr(control, "continuous_update") and not self.live:
                control.continuous_update = False
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
            if isinstance(control, _Checked):
                control.refuse = self._refused
        head = [W.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        self.widget = W.VBox(head + list(children) + [self._error_box, SliderKeys()])
        self.widget.add_class("backprop-lab-explorer")
        self.refresh()

    def changed(self, change):
        """Bookkeeping for one control change, before the redraw (overridable); False skips the redraw."""
        return True

    def _on_change(self, change):
        if self._quiet:
            return
        if not self.changed(change):
            if self.error is not None and self.error == self._refusal:  # a good value after a refused one
                self._show_error(None)
            return
        self.redraw(soon=_from_browser(change))

    def redraw(self, soon=False):
        """Redraw now, or with soon=True (while an event loop runs) once, after the changes queued behind this one."""
        loop = _running_loop() if soon else None
        if loop is None:
            self.refresh()
            return
        self._dirty = True
        if self._scheduled is not loop:  # at most one redraw waits on this loop
            self._scheduled = loop
            wait = max(0.0, self._last_draw + MIN_GAP - time.monotonic())
            loop.call_later(wait, self._flush)

    def _flush(self):
        self._scheduled = None
        if self._dirty:
            self.refresh()

    def update(self):
        """Recompute ``self.values`` from the controls and redraw (overridden by each explorer)."""
        raise NotImplementedError

    def refresh(self, change=None):
        """Run ``update()`` for the current controls; show any error inside the explorer instead of raising it."""
        self._dirty = True
        if self._drawing:  # called from inside update(): the running redraw goes round once more
            return
        self._drawing = True
        try:
            while self._dirty:
                self._dirty = False
                self.redraws += 1
                self.guarded(self.update)
        finally:
            self._drawing = False
        self._last_draw = time.monotonic()

    @property
    def values(self):
        """The numbers the explorer shows, by the lesson's names (current even if a redraw was pending)."""
        if self._dirty:
            self.refresh()
        return self._values

    @values.setter
    def values(self, new):
        self._values = new

    def guarded(self, fn, *args):
        """Run fn(*args) for a slider, button or method; an error is shown in the explorer, not raised."""
        try:
            result = fn(*args)
        except Exception as exc:  # noqa: BLE001 - a control must never crash the kernel
            self._show_error(f"{type(exc).__name__}: {exc}")
            return None
        self._show_error(None)
        return result

    def _show_error(self, message):
        """Show ``message`` in the explorer's error box (None clears it)."""
        self.error = message
        self._error_box.value = "" if message is None else error_html(message)

    def _refused(self, control, value, why):
        """A slider was given NaN, inf or a value outside its range: keep its value and say so in the explorer."""
        name = control.description or "a control"
        self._refusal = f"{name} = {value!r} refused: {why} (it stays at {number_text(control.value)})"
        self._show_error(self._refusal)

    def set(self, **values):
        """Set several controls by name (each change refreshes, as a slider drag would)."""
        for name, value in values.items():
            self.controls[name].value = value
        return self

    def set_quietly(self, **values):
        """Set several controls by name without redrawing in between (the caller redraws once)."""
        self._quiet = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._quiet = False

    # ---- display ----

    def placeholder(self):
        """The one line a notebook shows where the live widget cannot be drawn (e.g. before the cell runs)."""
        return f"▶ Run this cell to use the live {self.kind}."

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        text = self.placeholder()
        bundle["text/plain"] = text
        bundle["text/html"] = (f'<div class="backprop-lab-placeholder" style="padding:6px 10px;'
                               f'border:1px dashed #999;color:#333;background:#ffffff">{html.escape(text)}</div>')
        return bundle

    def __repr__(self):
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v!r}"
                          for k, v in self.values.items())
        return f"<{type(self).__name__} {shown}>"


# ---- controls: numbers checked once, here ----

SLACK = 1e-9  # a value this close to an end (relative to the range) is rounding, not a move past it


class _Checked:
    """A slider that refuses NaN, ±inf and values outside [min, max]: the value stays and
    ``refuse(control, value, why)`` is told (ipywidgets alone would clamp them silently)."""

    refuse = None

    def _outside(self, value):
        lo, hi = self.min, self.max
        slack = SLACK * (hi - lo)
        return not lo - slack <= value <= hi + slack

    def _why_not(self, value):
        if not math.isfinite(value):
            return "it needs a finite number"
        if self._outside(value):
            lo, hi = self._ends()
            return f"it is outside the slider's range [{number_text(lo)}, {number_text(hi)}]"
        return None

    def _ends(self):
        return self.min, self.max

    @validate("value")
    def _validate_value(self, proposal):
        value = proposal["value"]
        why = self._why_not(value)
        if why:
            if self.refuse is None:
                raise TraitError(f"{self.description or 'value'} = {value!r} refused: {why}")
            self.refuse(self, value, why)
            return self.value
        return super()._validate_value(proposal)  # clamps only a rounding error at an end


class FloatSlider(_Checked, W.FloatSlider):
    """ipywidgets' FloatSlider that refuses NaN, inf and values outside its range."""


class FloatLogSlider(_Checked, W.FloatLogSlider):
    """ipywidgets' FloatLogSlider that refuses NaN, inf and values outside its range."""

    def _outside(self, value):  # compared in exponents: the range spans powers of the base
        return value <= 0 or super()._outside(math.log(value, self.base))

    def _ends(self):
        return self.base ** self.min, self.base ** self.max


class IntSlider(_Checked, W.IntSlider):
    """ipywidgets' IntSlider that refuses values outside its range."""


def _number(name, value, whole=False):
    if isinstance(value, bool) or not isinstance(value, Real) or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return int(value) if whole else float(value)


def _in_range(name, value, lo, hi):
    if not lo <= value <= hi:
        raise ValueError(f"{name}={value!r} is outside its slider's range [{number_text(lo)}, "
                         f"{number_text(hi)}]; give a value in that range")


def float_slider(name, value, lo, hi, step=0.01, fmt=".2f", **kw):
    """A FloatSlider for ``name`` that refuses a start value outside [lo, hi] (never clamps it silently)."""
    value = _number(name, value)
    _in_range(name, value, lo, hi)
    return FloatSlider(value=value, min=lo, max=hi, step=step, description=name, readout_format=fmt, **kw)


def log_slider(name, value, lo_exp, hi_exp, step=0.25, fmt=".1e"):
    """A base-10 FloatLogSlider from 10**lo_exp to 10**hi_exp; a start value outside is refused."""
    value = _number(name, value)
    _in_range(name, value, 10.0 ** lo_exp, 10.0 ** hi_exp)
    return FloatLogSlider(value=value, base=10, min=lo_exp, max=hi_exp, step=step, description=name,
                          readout_format=fmt)


def int_slider(name, value, lo, hi, step=1):
    """An IntSlider for ``name`` that refuses a start value outside [lo, hi]."""
    value = _number(name, value, whole=True)
    _in_range(name, value, lo, hi)
    return IntSlider(value=value, min=lo, max=hi, step=step, description=name)


def check_choice(name, value, options):
    """``value`` if it is one of ``options``, else a ValueError that lists them."""
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


# ---- layout ----

def wrap_row(children, gap="4px 16px"):
    """A row of widgets that wraps onto the next line when the cell is too narrow (nothing clipped or overlapping)."""
    return W.Box(list(children), layout=W.Layout(display="flex", flex_flow="row wrap", align_items="flex-start",
                                                 grid_gap=gap, width="100%"))


# ---- tables ----

def error_html(message):
    """A red box that shows an error inside an explorer."""
    c = COLORS
    return (
        f'<div class="backprop-lab-error" style="background:{c["error_fill"]};color:{c["error_text"]};'
        f'border:1px solid {c["error_border"]};border-radius:4px;padding:6px 10px;font-family:monospace">'
        f"⚠ {html.escape(message)}</div>"
    )


def ledger_html(rows, title="", digits=4):
    """A two-column table name → number; each number cell has class bl-value and data-name=name.

    The browser tests read numbers back through ``td.bl-value[data-name="..."]``.
    """
    return grid_html([], [(name, [(name, value)]) for name, value in rows.items()], title, digits)


def _cell(name, value, digits):
    return (f'<td class="bl-value" data-name="{html.escape(name)}" style="padding:1px 8px;'
            f'text-align:right;font-family:monospace">{html.escape(number_text(value, digits))}</td>')


def grid_html(columns, rows, title="", digits=4):
    """A table: a header row, then rows of (row title, [(data-name, number) or None, ...]).

    Every number sits in ``<td class="bl-value" data-name=...>`` so browser tests can read it.
    """
    out = ['<table class="backprop-lab-ledger" style="border-collapse:collapse">']
    if title:
        out.append(f"<caption style='text-align:left'><b>{html.escape(title)}</b></caption>")
    if columns:
        out.append("<tr>" + "".join(f'<th style="padding:1px 8px">{html.escape(c)}</th>' for c in columns) + "</tr>")
    for head, cells in rows:
        out.append(f'<tr><td style="padding:1px 8px">{html.escape(head)}</td>')
        for cell in cells:
            out.append("<td></td>" if cell is None else _cell(cell[0], cell[1], digits))
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)
