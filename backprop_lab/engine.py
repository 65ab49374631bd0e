"""A scalar autograd engine: ``Value`` holds a number, remembers how it was made, and backpropagates.

Every op is one method. It computes the forward value and, on the same line, the *local
derivative* of its output with respect to each input. A node keeps its (at most two) inputs and
their local derivatives, so ``backward()`` only has to multiply local derivatives by upstream
gradients (the chain rule), visiting nodes in reverse topological order.

Why this is fast (the README says more): micrograd gives every node a ``_backward`` closure that
refers back to the node, so every node sits in a reference cycle and only Python's cyclic garbage
collector can free an old graph, walking every live node to do it. Here a node is one small
``__slots__`` object holding plain numbers and references to its inputs only: no cycles, no extra
objects, and each graph is freed by reference counting the moment it is dropped.
"""

import math
from numbers import Real

__all__ = ["Value"]


class Value:
    """A scalar in a computation graph, with its gradient ``.grad`` of the final output."""

    # _a, _b: the inputs (None when absent); _da, _db: d(self)/d(_a), d(self)/d(_b)
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_da", "_db", "_upstream")

    def __init__(self, data, _children=(), _op="", label="", _local=()):
        if type(data) is not float:
            if isinstance(data, bool) or not isinstance(data, Real):
                raise TypeError(
                    f"Value() needs a real number (int or float), got {type(data).__name__}: "
                    f"{data!r}. Convert it first, e.g. Value(float(x))."
                )
            data = float(data)
        if len(_children) > 2 or len(_local) != len(_children):
            raise ValueError("a Value has at most two inputs, each with its local derivative in _local")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._op = _op
        self._a, self._b = (tuple(_children) + (None, None))[:2]
        self._da, self._db = (tuple(float(d) for d in _local) + (0.0, 0.0))[:2]
        self._upstream = 0.0  # scratch space for one backward() pass

    def __repr__(self):
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- binary ops: _node(result, op, input, its local derivative, input, its local derivative) ----

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return _node(self.data + other.data, "+", self, 1.0, other, 1.0)

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return _node(self.data * other.data, "*", self, other.data, other, self.data)

    def __pow__(self, other):
        if isinstance(other, Value):  # a ** b with both in the graph: d/da = b·a**(b-1), d/db = a**b·ln a
            a, b = self.data, other.data
            out = _power(a, b)
            d_db = out * math.log(a) if a > 0 else (0.0 if a == 0 and b > 0 else math.nan)
            return _node(out, "**", self, b * _power(a, b - 1), other, d_db)
        if isinstance(other, bool) or not isinstance(other, Real):
            raise TypeError(f"** needs a number or a Value as exponent, got {type(other).__name__}")
        n, x = float(other), self.data  # d(x**n)/dx = n·x**(n-1)
        return _node(_power(x, n), f"**{other:g}", self, n * _power(x, n - 1))

    # ---- unary ops ----

    def __neg__(self):
        return _node(-self.data, "neg", self, -1.0)

    def relu(self):
        """max(0, x); its local derivative is 1 where x > 0, else 0."""
        x = self.data
        return _node(x if x > 0 else 0.0, "relu", self, 1.0 if x > 0 else 0.0)

    def tanh(self):
        """Hyperbolic tangent; its local derivative is 1 - tanh(x)**2."""
        t = math.tanh(self.data)  # math.tanh never overflows
        return _node(t, "tanh", self, 1.0 - t * t)

    def sigmoid(self):
        """Logistic sigmoid 1/(1+e^-x), stable at any x; its local derivative is s(1-s)."""
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # the same value, written so that exp cannot overflow for x < 0
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, "sigmoid", self, s * (1.0 - s))

    def exp(self):
        """e**x; its local derivative is e**x itself."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data:g}) is too large for a float (the limit is about exp(709)). "
                "Scale the input down, or use sigmoid()/tanh(), which are stable for any input."
            ) from None
        return _node(e, "exp", self, e)

    def log(self):
        """Natural log, for x > 0; its local derivative is 1/x."""
        x = self.data
        if x <= 0:
            raise ValueError(
                f"log({x:g}) is undefined: log needs a positive input. "
                "Clamp it first, e.g. log(x + 1e-12) for probabilities, or check the sign upstream."
            )
        return _node(math.log(x), "log", self, 1.0 / x)

    def sin(self):
        """Sine; its local derivative is cos(x)."""
        return _node(math.sin(self.data), "sin", self, math.cos(self.data))

    def cos(self):
        """Cosine; its local derivative is -sin(x)."""
        return _node(math.cos(self.data), "cos", self, -math.sin(self.data))

    # ---- derived ops, built from the primitives above ----

    def neg(self):
        """-x, the same as the unary minus operator."""
        return -self

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other if isinstance(other, Value) else Value(-other))

    def __rsub__(self, other):
        return Value(other) + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * (other if isinstance(other, Value) else Value(other)) ** -1

    def __rtruediv__(self, other):
        return Value(other) * self**-1

    def __rpow__(self, other):
        return Value(other) ** self

    # ---- the graph ----

    @property
    def _prev(self):
        """The inputs of this node, in order (a tuple, so drawings are the same on every run)."""
        return () if self._a is None else (self._a,) if self._b is None else (self._a, self._b)

    @property
    def _local(self):
        """d(self)/d(input) for each input in ``_prev``."""
        return () if self._a is None else (self._da,) if self._b is None else (self._da, self._db)

    def local_derivatives(self):
        """Pairs (input, d self / d input) for each input edge, in input order."""
        return tuple(zip(self._prev, self._local))

    def topological_order(self):
        """Every node this one depends on, inputs before outputs (iterative DFS, no recursion)."""
        order, seen, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if node is None:  # marker: every input of the node under it is already in order
                order.append(stack.pop())
            elif node not in seen:
                seen.add(node)
                stack += (node, None)  # come back to node after its inputs
                if node._b is not None and node._b not in seen:
                    stack.append(node._b)
                if node._a is not None and node._a not in seen:
                    stack.append(node._a)  # pushed last, so the first input is visited first
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
            if node._a is not None:  # chain rule: input's upstream += local derivative × upstream
                node._a._upstream += node._da * upstream
                if node._b is not None:
                    node._b._upstream += node._db * upstream
            node.grad += upstream


_new = object.__new__


def _node(data, op, a, da, b=None, db=0.0):
    """Make the output of an op: its value, its inputs and their local derivatives."""
    out = _new(Value)
    out.data, out.grad, out.label, out._op = data, 0.0, "", op
    out._a, out._da, out._b, out._db = a, da, b, db
    out._upstream = 0.0
    return out


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
        raise OverflowError(f"{x:g} ** {n:g} is too large for a float. Scale the inputs down.") from None
