"""The look shared by drawings, tables and figures: one number format and one set of colours.

A number reads the same wherever it is shown: ``number_text(0.0005)`` is ``5.000e-04`` in a graph
drawing, an explorer's table and a figure title alike.
"""

import math
from numbers import Integral, Real

__all__ = ["COLORS", "number_text", "plain_number"]

# Forward values are blue, gradients orange, local derivatives purple, in every drawing and figure.
COLORS = {
    "data": "#1c5fb4", "data_fill": "#e8f0fb",
    "grad": "#b8430b", "grad_fill": "#fdeee2",
    "local": "#6b3fa0",
    "highlight": "#d6336c", "highlight_fill": "#fff3bf",
    "op_fill": "#f1f3f5", "edge": "#555555",
    "loss": "#c0392b",      # loss curves
    "series": "#2c7fb8",    # a measured series (e.g. gradient per layer)
    "curve": "#333333",     # a function's own curve
    "error_fill": "#fdecea", "error_text": "#611a15", "error_border": "#f5c2c0",
    "note_fill": "#fff8e1", "note_border": "#f0c36d",
}


def number_text(value, digits=4):
    """A number as text: ``digits`` decimals from 0.001 to 1e6, else scientific; None → '?'."""
    if value is None:
        return "?"
    if isinstance(value, bool) or not isinstance(value, Real):
        return str(value)
    if isinstance(value, Integral):
        return str(int(value))
    value = float(value)
    if math.isfinite(value) and (value == 0 or 1e-3 <= abs(value) < 1e6):
        return f"{value:.{digits}f}"
    return f"{value:.{digits - 1}e}"


def plain_number(value):
    """A NumPy scalar or 0-d array as a Python number, a Value (or Scalar) as its .data; else value unchanged."""
    if getattr(value, "shape", None) == () and hasattr(value, "item"):
        return value.item()  # before .data: NumPy's .data is a memory buffer, not the number
    data = getattr(value, "data", None)
    if not isinstance(value, Real) and isinstance(data, Real):
        return data
    return value
