"""The engine's edge policy: which numbers a Value takes, and what happens at inf, NaN and overflow.

The policy, in one sentence: **from finite numbers the engine makes only finite numbers.** An op
whose inputs are all finite but whose result would not be (an overflow, a division by zero, the
log of 0 or less, a fractional power of a negative number) raises an error that names the op, its
inputs and a fix. An inf or NaN that you put in flows on exactly as IEEE arithmetic and PyTorch
carry it (``1 / inf`` is 0, ``inf - inf`` is NaN). Gradients are IEEE arithmetic too, with one rule
from PyTorch: a local derivative of exactly 0 passes back 0, even from an inf or NaN upstream.

The engine imports this module; it imports nothing of the package.
"""

import math
from numbers import Real

__all__ = ["to_float", "short", "show", "trig", "power", "log", "exp", "divide", "refuse_new_inf_or_nan", "operand"]


def to_float(x, where=None):
    """float(x) for a real number, a NumPy scalar or a 0-d array; otherwise an error saying why not."""
    if type(x).__module__ == "numpy" and getattr(x, "ndim", None) == 0:
        x = x.item()  # np.float32(2), np.True_, np.array(2.0): their plain Python number
    if isinstance(x, Real):
        try:
            return float(x)
        except OverflowError:
            error, why = OverflowError, (f"{short(x)} is too large for a float (the largest is about "
                                         "1.8e308). Scale it down first.")
    elif type(x).__module__ == "numpy" and hasattr(x, "shape"):
        error, why = TypeError, (f"a Value holds one number, not a NumPy array of shape {x.shape}. "
                                 "For an array of Values use np.vectorize(Value)(array).")
    else:
        error, why = TypeError, (f"a Value takes only real numbers (int or float) and other Values, "
                                 f"not {type(x).__name__} {short(x)}.")
    raise error(why if where is None else f"{where}: {why}") from None


def short(x):
    """repr(x), shortened to about 40 characters for an error message."""
    text = repr(x)
    return text if len(text) <= 40 else f"{text[:18]}...{text[-8:]} ({len(text)} characters)"


def trig(f, x):
    """sin or cos of x, with NaN at ±inf (as in PyTorch) where Python's math raises."""
    return f(x) if -math.inf < x < math.inf else math.nan


# ---- IEEE arithmetic: what PyTorch's float64 gives, where Python's own math would raise ----

def power(x, n, constant=False):
    """x ** n as IEEE (and PyTorch) gives it: inf instead of an error, NaN for a negative base's fractional power.

    For a constant exponent of ±0.5 PyTorch takes sqrt (or 1/sqrt), which is NaN at -inf as well.
    """
    if -math.inf < x < 0 and math.isfinite(n) and not n.is_integer():
        return math.nan
    if constant and x == -math.inf and n in (0.5, -0.5):
        return math.nan
    try:
        return x**n
    except (ZeroDivisionError, OverflowError):  # 0 ** negative, or too large
        odd = math.isfinite(n) and n.is_integer() and n % 2 == 1
        return -math.inf if math.copysign(1.0, x) < 0 and odd else math.inf


def log(x):
    """log(x) with log(0) = -inf and NaN below 0."""
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def exp(x):
    """e ** x, with inf where it overflows."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def divide(x, y):
    """x / y, with ±inf or NaN where y is 0."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


# ---- the policy ----

_WHY = {  # op -> (the error, what went wrong, the fix), where the inputs were finite
    "exp": (OverflowError, "is too large for a float (the limit is about exp(709))",
            "Scale the input down, or use sigmoid()/tanh(), which are stable for any input."),
    "log": (ValueError, "is undefined: log needs a positive input",
            "Clamp it first, e.g. log(x + 1e-12) for probabilities, or check the sign upstream."),
    "x/0": (ZeroDivisionError, "divides by zero", "Keep the denominator away from 0, e.g. add a small epsilon."),
    "0**-n": (ZeroDivisionError, "divides by zero (0 to a negative power)",
              "Keep the base away from 0, e.g. add a small epsilon."),
    "(-x)**f": (ValueError, "is not a real number (negative base, fractional exponent)",
                "Use a positive base or a whole-number exponent."),
    "overflow": (OverflowError, "is too large for a float (about 1.8e308 at most)", "Scale the inputs down."),
}


def refuse_new_inf_or_nan(out, op, inputs):
    """Raise the policy's error when an op's result is inf or NaN but every input was finite.

    ``inputs`` are the op's input Values; for ``x ** c`` (op ``"**c"``) the constant c counts too.
    """
    numbers = [x.data for x in inputs]
    if op.startswith("**") and len(op) > 2:
        numbers.append(float(op[2:]))
    if not all(math.isfinite(x) for x in numbers):
        return  # an inf or NaN went in: it flows on, as in PyTorch
    if op == "/" and numbers[1] == 0:
        why = "x/0"
    elif op.startswith("**") and out != out:
        why = "(-x)**f"
    elif op.startswith("**") and numbers[0] == 0:
        why = "0**-n"
    else:
        why = op if op in ("exp", "log") else "overflow"
    error, what, fix = _WHY[why]
    if len(inputs) == 2:
        shown = f"{show(inputs[0])} {op} {show(inputs[1])}"
    else:
        shown = f"{show(inputs[0])} ** {op[2:]}" if op.startswith("**") else f"{op}({numbers[0]:g})"
    raise error(f"{shown} {what}. {fix}")


def show(v):
    """How an error message quotes an operand: Value(2) for a Value, as written for a number."""
    return f"Value({v.data:g})" if hasattr(v, "data") and hasattr(v, "grad") else short(v)


def operand(x, op, value, left=False):
    """x as a float, for ``value op x`` (or ``x op value``); an error quotes both as written."""
    try:
        return to_float(x)
    except (TypeError, OverflowError) as err:
        shown = f"{show(x)} {op} {show(value)}" if left else f"{show(value)} {op} {show(x)}"
        raise type(err)(f"{shown}: {err}") from None
