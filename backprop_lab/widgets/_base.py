"""The shared shape of every explorer: controls → recompute → ``values`` → redraw in place.

An explorer owns a dict of input widgets (``controls``), a dict of the numbers it shows
(``values``), and one ``update()`` method that recomputes both from the controls and redraws.
Every control change runs ``refresh()``, which calls ``update()`` and catches any error, showing
it inside the explorer (JupyterLab would otherwise hide it in the log) so the kernel never sees
an exception from a slider.
"""

import html
import io
import math

import ipywidgets as W

__all__ = ["Explorer", "figure_svg", "error_html", "ledger_html", "grid_html", "num_text"]


class Explorer:
    """Base class: subclasses build ``self.controls`` and widgets, then call ``_finish(children)``."""

    title = ""

    def __init__(self):
        self.controls = {}
        self.values = {}
        self.error = None  # the last error text, or None when the last update worked
        self._error_box = W.HTML(layout=W.Layout(min_height="0px"))

    def _finish(self, children):
        """Wire every control to ``refresh``, build ``self.widget``, and draw once."""
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(self.refresh, names="value")
        head = [W.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        self.widget = W.VBox(head + list(children) + [self._error_box])
        self.widget.add_class("backprop-lab-explorer")
        self.refresh()

    def update(self):
        """Recompute ``self.values`` from the controls and redraw (overridden by each explorer)."""
        raise NotImplementedError

    def refresh(self, change=None):
        """Run ``update()``; show any error inside the explorer instead of raising it."""
        self.guarded(self.update)

    def guarded(self, fn, *args):
        """Run fn(*args) for a slider, button or method; an error is shown in the explorer, not raised."""
        try:
            result = fn(*args)
        except Exception as exc:  # noqa: BLE001 - a control must never crash the kernel
            self.error = f"{type(exc).__name__}: {exc}"
            self._error_box.value = error_html(self.error)
            return None
        self.error = None
        self._error_box.value = ""
        return result

    def set(self, **values):
        """Set several controls by name (each change refreshes, as a slider drag would)."""
        for name, value in values.items():
            self.controls[name].value = value
        return self

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v!r}"
                          for k, v in self.values.items())
        return f"<{type(self).__name__} {shown}>"


def error_html(message):
    """A red box that shows an error inside an explorer."""
    return (
        '<div class="backprop-lab-error" style="background:#fdecea;color:#611a15;'
        'border:1px solid #f5c2c0;border-radius:4px;padding:6px 10px;font-family:monospace">'
        f"⚠ {html.escape(message)}</div>"
    )


def ledger_html(rows, title="", digits=4):
    """A two-column table name → number; each number cell has class bl-value and data-name=name.

    The browser tests read numbers back through ``td.bl-value[data-name="..."]``.
    """
    return grid_html([], [(name, [(name, value)]) for name, value in rows.items()], title, digits)


def num_text(value, digits=4):
    """A number as cell text: fixed decimals in the usual range, else scientific; None → '?'."""
    if value is None:
        return "?"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and (value == 0 or 1e-3 <= abs(value) < 1e6):
        return f"{value:.{digits}f}"
    return f"{value:.{digits - 1}e}"


def _cell(name, value, digits):
    return (f'<td class="bl-value" data-name="{html.escape(name)}" style="padding:1px 8px;'
            f'text-align:right;font-family:monospace">{html.escape(num_text(value, digits))}</td>')


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


def figure_svg(fig):
    """A matplotlib Figure as an SVG string (no pyplot, so nothing piles up in the notebook)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    return buf.getvalue()
