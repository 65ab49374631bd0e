"""A scalar autograd engine: ``Value`` holds a number, remembers how it was made, and backpropagates.

Every op is one method. It computes the forward value and, on the same lines, the *local
derivative* of its output with respect to each input. The node stores those numbers in
``_local``, one per input in ``_prev``. ``backward()`` then only has to multiply local
derivatives by upstream gradients (the chain rule) in reverse topological order.

Why this is fast: micrograd stores a ``_backward`` closure on every node. The closure refers to
the node that owns it, so every node sits in a reference cycle, and only Python's cyclic garbage
collector can free an old graph; it walks every live node to do so. Here a node holds plain numbers
and references to its inputs only, so no cycle is formed, each graph is freed by reference counting
the moment it is dropped, and ``__slots__`` keeps each node small.
"""

import math
from numbers import Real

__all__ = ["Value"]


def _as_value(x):
    """Wrap a plain number as a constant ``Value``; pass a ``Value`` through."""
    return x if isinstance(x, Value) else Value(x)


class Value:
    """A scalar in a computation graph, with its gradient ``.grad`` of the final output."""

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_local", "_upstream")

    def __init__(self, data, _children=(), _op="", label="", _local=()):
        if type(data) is not float:
            if isinstance(data, bool) or not isinstance(data, Real):
                raise TypeError(
                    f"Value() needs a real number (int or float), got {type(data).__name__}: "
                    f"{data!r}. Convert it first, e.g. Value(float(x))."
                )
            data = float(data)
        self.data = data
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)  # inputs, in order: drawings are the same on every run
        self._op = _op
        self._local = tuple(_local)  # d(self)/d(input) for each input in _prev
        self._upstream = 0.0  # scratch space for one backward() pass

    def __repr__(self):
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- binary ops: forward value, then local derivatives d(out)/d(self), d(out)/d(other) ----

    def __add__(self, other):
        other = _as_value(other)
        return Value(self.data + other.data, (self, other), "+", _local=(1.0, 1.0))

    def __mul__(self, other):
        other = _as_value(other)
        return Value(self.data * other.data, (self, other), "*", _local=(other.data, self.data))

    def __pow__(self, other):
        if isinstance(other, Value):  # a ** b with both in the graph
            a, b = self.data, other.data
            out = _power(a, b)
            d_db = out * math.log(a) if a > 0 else (0.0 if a == 0 and b > 0 else math.nan)
            return Value(out, (self, other), "**", _local=(b * _power(a, b - 1), d_db))
        if isinstance(other, bool) or not isinstance(other, Real):
            raise TypeError(f"** needs a number or a Value as exponent, got {type(other).__name__}")
        n = float(other)
        x = self.data
        return Value(_power(x, n), (self,), f"**{other:g}", _local=(n * _power(x, n - 1),))

    # ---- unary ops ----

    def __neg__(self):
        return Value(-self.data, (self,), "neg", _local=(-1.0,))

    def relu(self):
        """max(0, x); its local derivative is 1 where x > 0, else 0."""
        x = self.data
        return Value(x if x > 0 else 0.0, (self,), "relu", _local=(1.0 if x > 0 else 0.0,))

    def tanh(self):
        """Hyperbolic tangent; its local derivative is 1 - tanh(x)**2."""
        t = math.tanh(self.data)  # math.tanh never overflows
        return Value(t, (self,), "tanh", _local=(1.0 - t * t,))

    def sigmoid(self):
        """Logistic sigmoid 1/(1+e^-x), stable at any x; its local derivative is s(1-s)."""
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # same value, but exp(x) cannot overflow for x < 0
            e = math.exp(x)
            s = e / (1.0 + e)
        return Value(s, (self,), "sigmoid", _local=(s * (1.0 - s),))

    def exp(self):
        """e**x; its local derivative is e**x itself."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data:g}) is too large for a float (the limit is about exp(709)). "
                "Scale the input down, or use sigmoid()/tanh(), which are stable for any input."
            ) from None
        return Value(e, (self,), "exp", _local=(e,))

    def log(self):
        """Natural log, for x > 0; its local derivative is 1/x."""
        x = self.data
        if x <= 0:
            raise ValueError(
                f"log({x:g}) is undefined: log needs a positive input. "
                "Clamp it first, e.g. log(x + 1e-12) for probabilities, or check the sign upstream."
            )
        return Value(math.log(x), (self,), "log", _local=(1.0 / x,))

    def sin(self):
        """Sine; its local derivative is cos(x)."""
        return Value(math.sin(self.data), (self,), "sin", _local=(math.cos(self.data),))

    def cos(self):
        """Cosine; its local derivative is -sin(x)."""
        return Value(math.cos(self.data), (self,), "cos", _local=(-math.sin(self.data),))

    # ---- derived ops, built from the primitives above ----

    def neg(self):
        """-x (the same as the unary minus operator)."""
        return -self

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-_as_value(other))

    def __rsub__(self, other):
        return _as_value(other) + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * _as_value(other) ** -1

    def __rtruediv__(self, other):
        return _as_value(other) * self**-1

    def __rpow__(self, other):
        return _as_value(other) ** self

    # ---- the graph ----

    def local_derivatives(self):
        """Pairs (input, d self / d input) for each input edge, in input order."""
        return tuple(zip(self._prev, self._local))

    def topological_order(self):
        """Every node this one depends on, inputs before outputs (iterative DFS, no recursion)."""
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node._prev) if child not in seen)
        return order

    def _backward(self):
        """One local backward step: push self.grad to the inputs (micrograd's manual stepping)."""
        for child, local in zip(self._prev, self._local):
            child.grad += local * self.grad

    def backward(self):
        """Add d(self)/d(node) to every node's ``.grad``, seeding d(self)/d(self) = 1.

        Gradients *accumulate*, as in PyTorch: a second call adds the same amounts again, so
        every ``.grad`` doubles. Reset them (``zero_grad()``) before each new backward pass.
        """
        order = self.topological_order()
        for node in order:
            node._upstream = 0.0
        self._upstream = 1.0  # dL/dL = 1
        for node in reversed(order):  # outputs before inputs
            upstream = node._upstream
            for child, local in zip(node._prev, node._local):
                child._upstream += local * upstream  # chain rule: local derivative x upstream
            node.grad += upstream


def _power(x, n):
    """x ** n as a real float, with errors that say what went wrong."""
    if x == 0 and n < 0:
        raise ZeroDivisionError(
            f"0 ** {n:g} divides by zero (a division by a Value that is 0 ends up here). "
            "Keep the denominator away from 0, e.g. add a small epsilon."
        )
    if x < 0 and n != int(n):
        raise ValueError(
            f"{x:g} ** {n:g} is not a real number (negative base, fractional exponent). "
            "Use a positive base or a whole-number exponent."
        )
    try:
        return x**n
    except OverflowError:
        raise OverflowError(
            f"{x:g} ** {n:g} is too large for a float. Scale the inputs down."
        ) from None
