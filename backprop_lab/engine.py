"""A ``Value`` is a number that remembers how it was made, so it can tell you its gradient.

It is lesson 3's ``Scalar`` (and micrograd's ``Value``), with the same names:

- ``v.data``  the number;
- ``v.grad``  d(root)/d(v), filled in by ``root.backward()``;
- ``v._prev`` the Values it was made from, in argument order (also called ``v.inputs``);
- ``v._op``   the op that made it, ``""`` for a leaf (also called ``v.op``).

Every op below is written like a line of the lesson's ledger: the forward value, and next to it
the *local derivative* of the result with respect to each input::

    out = a * b        d(out)/da = b,   d(out)/db = a

``Value(data, (a, b), "*", "", (b.data, a.data))`` records exactly that. ``backward()``
then visits the graph in reverse topological order and applies the chain rule at every node::

    input.grad += local derivative × out.grad

micrograd's way to add an op works too: make ``out = Value(data, (x,), "exp")`` and assign
``out._backward`` a closure that does ``x.grad += ... * out.grad``. ``backward()`` calls that
closure where a built-in op would multiply its local derivatives.

Why the built-in ops store numbers rather than closures (this is the performance story; the
README has the figures): a micrograd closure refers back to its own node, so every node sits in a
reference cycle, and only Python's cyclic garbage collector can free an old graph, walking every
live node to do it. Here a node is one small ``__slots__`` object holding plain numbers and
references to its inputs only: no cycles, no extra objects, and each graph is freed by reference
counting the moment it is dropped. The two inputs and their local derivatives sit in four fixed
slots (``_a``, ``_b``, ``_da``, ``_db``) instead of tuples, which halves the memory per node.
"""

import math
import threading
from numbers import Real

__all__ = ["Value", "topological_order"]


class Value:
    """A scalar in a computation graph, with ``.grad``: the derivative of the root with respect to it."""

    __slots__ = (
        "data", "grad", "label", "_op",
        "_a", "_b",    # the inputs (None when absent)
        "_da", "_db",  # their local derivatives d(self)/d(_a) and d(self)/d(_b)
        "_fn",         # a hand-written micrograd-style _backward closure (None otherwise)
        "_more",       # x ** c: the constant c, for rebuild(); a hand-written node: its inputs after the second
    )

    def __init__(self, data, _children=(), _op="", label="", local_grads=None):
        if type(data) is not float:
            data = _real(data, "Value()", "needs a real number (int or float)")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._op = _op
        self._fn = self._more = None
        if local_grads is not None:  # the ops' fast path: one or two inputs with their local derivatives
            try:
                if len(_children) == 2:
                    self._a, self._b = _children
                    self._da, self._db = local_grads
                    return
                if len(_children) == 1:
                    (self._a,), (self._da,) = _children, local_grads
                    self._b, self._db = None, 0.0
                    return
            except ValueError:  # not one local derivative per input: the clear error below
                pass
        if not _children and not local_grads:  # a leaf
            self._a = self._b = None
            self._da = self._db = 0.0
            return
        children = tuple(_children)
        self._b = None
        if local_grads is None:  # a leaf, or a micrograd-style node that waits for its _backward
            local_grads = (0.0,) * min(len(children), 2)
            if children:
                self._fn = _NoBackward(_op)
        elif len(local_grads) != len(children) or len(children) > 2:
            raise ValueError(
                f"Value(..., _op={_op!r}) got {len(children)} inputs and {len(local_grads)} local "
                "derivatives: give one local derivative per input (at most two inputs), or leave "
                "local_grads out and assign out._backward (micrograd's way)."
            )
        self._a, self._b = (children + (None, None))[:2]
        self._more = children[2:]
        self._da, self._db = (tuple(local_grads) + (0.0, 0.0))[:2]

    def __repr__(self):
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- the ops: each ends in Value(out, inputs, op, "", local derivatives) ----
    # The local derivatives go by position, not as local_grads=...: a keyword argument to a class
    # call costs Python a dict per node, which made building a graph about twice as slow.

    def __add__(self, other):
        a, b = self, other if isinstance(other, Value) else _operand(other, "+", self)
        out = a.data + b.data
        return Value(out, (a, b), "+", "", (1.0, 1.0))  # d(out)/da = 1, d(out)/db = 1

    def __sub__(self, other):
        a, b = self, other if isinstance(other, Value) else _operand(other, "-", self)
        out = a.data - b.data
        return Value(out, (a, b), "-", "", (1.0, -1.0))  # d(out)/da = 1, d(out)/db = -1

    def __mul__(self, other):
        a, b = self, other if isinstance(other, Value) else _operand(other, "*", self)
        out = a.data * b.data
        return Value(out, (a, b), "*", "", (b.data, a.data))  # d(out)/da = b, d(out)/db = a

    def __truediv__(self, other):
        a, b = self, other if isinstance(other, Value) else _operand(other, "/", self)
        if b.data == 0:
            raise ZeroDivisionError(
                f"{_show(a)} / {_show(other)} divides by zero. Keep the denominator away from 0, "
                "e.g. add a small epsilon."
            )
        out = a.data / b.data
        return Value(out, (a, b), "/", "", (1.0 / b.data, -out / b.data))  # d/da = 1/b, d/db = -a/b²

    def __pow__(self, other):
        if isinstance(other, Value):  # a ** b, both in the graph
            a, b = self.data, other.data
            out = _power(a, b, self, other)
            d_da = 0.0 if b == 0 else b * _ieee_power(a, b - 1)  # b·a^(b-1); PyTorch: 0 at b = 0
            d_db = 0.0 if a == 0 and b >= 0 else out * _ieee_log(a)  # a^b·ln a; PyTorch: 0 at a = 0
            return Value(out, (self, other), "**", "", (d_da, d_db))
        n = _real(other, f"{_show(self)} ** {other!r}:", "the exponent must be a real number or a Value")
        x = self.data
        d_dx = 0.0 if n == 0 else n * _ieee_power(x, n - 1)  # n·x^(n-1); PyTorch: 0 at n = 0
        out = Value(_power(x, n, self, other), (self,), f"**{n:g}", "", (d_dx,))
        out._more = n  # the exact exponent, for rebuild()
        return out

    def __neg__(self):
        return Value(-self.data, (self,), "neg", "", (-1.0,))

    def relu(self):
        """max(0, x); its local derivative is 0 where x <= 0, else 1 (NaN stays NaN, as in PyTorch)."""
        x = self.data
        if x <= 0:
            return Value(0.0, (self,), "relu", "", (0.0,))
        return Value(x, (self,), "relu", "", (1.0,))

    def tanh(self):
        """Hyperbolic tangent; its local derivative is 1 - tanh(x)**2."""
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", "", (1.0 - t * t,))

    def sigmoid(self):
        """Logistic sigmoid s = 1/(1+e^-x), stable at any x; its local derivative is s(1-s)."""
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # the same value, written so that exp cannot overflow for x < 0
            e = math.exp(x)
            s = e / (1.0 + e)
        return Value(s, (self,), "sigmoid", "", (s * (1.0 - s),))

    def exp(self):
        """e**x; its local derivative is e**x itself."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data:g}) is too large for a float (the limit is about exp(709)). "
                "Scale the input down, or use sigmoid()/tanh(), which are stable for any input."
            ) from None
        return Value(e, (self,), "exp", "", (e,))

    def log(self):
        """Natural log, for x > 0; its local derivative is 1/x."""
        x = self.data
        if x <= 0:
            raise ValueError(
                f"log({x:g}) is undefined: log needs a positive input. "
                "Clamp it first, e.g. log(x + 1e-12) for probabilities, or check the sign upstream."
            )
        return Value(math.log(x), (self,), "log", "", (1.0 / x,))

    def sin(self):
        """Sine; its local derivative is cos(x)."""
        x = _finite(self.data, "sin")
        return Value(math.sin(x), (self,), "sin", "", (math.cos(x),))

    def cos(self):
        """Cosine; its local derivative is -sin(x)."""
        x = _finite(self.data, "cos")
        return Value(math.cos(x), (self,), "cos", "", (-math.sin(x),))

    # ---- the same ops with the number on the left or under another name ----

    def neg(self):
        """-x, the same as the unary minus operator."""
        return -self

    def __radd__(self, other):
        return _operand(other, "+", self, left=True) + self

    def __rsub__(self, other):
        return _operand(other, "-", self, left=True) - self

    def __rmul__(self, other):
        return _operand(other, "*", self, left=True) * self

    def __rtruediv__(self, other):
        return _operand(other, "/", self, left=True) / self

    def __rpow__(self, other):
        return _operand(other, "**", self, left=True) ** self

    # ---- the graph ----

    @property
    def op(self):
        """The op that made this Value ("" for a leaf); micrograd calls it ``_op``."""
        return self._op

    @property
    def inputs(self):
        """The Values this one was made from, in argument order (a tuple; ``()`` for a leaf)."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._a,)
        return (self._a, self._b, *self._more) if self._fn is not None and self._more else (self._a, self._b)

    _prev = inputs  # micrograd's name (a set there; an ordered tuple here, so drawings never change)

    @property
    def local_grads(self):
        """d(self)/d(input) for each input, in order; None for a node with a hand-written ``_backward``."""
        if self._fn is not None:
            return None
        if self._a is None:
            return ()
        return (self._da,) if self._b is None else (self._da, self._db)

    @property
    def _backward(self):
        """This node's step of the chain rule (micrograd's name): push ``self.grad`` to the inputs."""
        return self._fn if self._fn is not None else self._chain_rule

    @_backward.setter
    def _backward(self, closure):
        if not isinstance(self._more, tuple):  # the constant of x ** c: no use once the op is hand-written
            self._more = ()
        self._fn = closure

    def _chain_rule(self):
        """input.grad += local derivative × self.grad, for each input (or call the hand-written closure)."""
        a = self._a
        if a is not None:
            if self._fn is not None:
                self._fn()
                return
            upstream = self.grad
            a.grad += self._da * upstream
            b = self._b
            if b is not None:
                b.grad += self._db * upstream

    def backward(self):
        """Fill every ``.grad`` with d(self)/d(node), seeding d(self)/d(self) = 1.

        Leaves *accumulate*, as in PyTorch: a second call adds the same amounts again, so each
        leaf's grad doubles; reset them (``zero_grad()``) before a new pass. Every other node's
        ``.grad`` is this pass's derivative.
        """
        order = topological_order(self)
        for node in order:
            if node._a is not None:
                node.grad = 0.0
        self.grad = 1.0 if self._a is not None else self.grad + 1.0
        for node in reversed(order):  # outputs before inputs: node._chain_rule(), written out for speed
            a = node._a
            if a is not None:
                if node._fn is not None:
                    node._fn()
                    continue
                upstream = node.grad
                a.grad += node._da * upstream
                b = node._b
                if b is not None:
                    b.grad += node._db * upstream

    def rebuild(self, *inputs):
        """A new Value made by this node's op (and constant, e.g. the 3 of x ** 3) from the given inputs.

        The label is kept. A leaf rebuilds as a new leaf with the same data.
        """
        if self._fn is not None:
            raise TypeError(
                f"cannot rebuild the {self._op!r} node: it has a hand-written _backward closure, so "
                "the engine does not know its op. Call the function that made it again instead."
            )
        n = len(self.inputs)
        if len(inputs) != n:
            raise TypeError(f"the {self._op or 'leaf'!r} node takes {n} inputs, rebuild() got {len(inputs)}")
        inputs = [x if isinstance(x, Value) else Value(x) for x in inputs]
        if n == 0:
            out = Value(self.data)
        elif isinstance(self._more, float):  # x ** c
            out = inputs[0] ** self._more
        elif self._op in _OPS:
            out = _OPS[self._op](*inputs)
        else:
            raise TypeError(f"cannot rebuild the {self._op!r} node: the engine does not know this op "
                            "(the node was made by hand). Call the function that made it again instead.")
        out.label = self.label
        return out

    # ---- copies: pickle and copy.deepcopy walk the graph iteratively, so any depth works ----

    def __reduce_ex__(self, protocol):
        if self._fn is not None:
            _copying.ids = None
            raise _uncopyable(self)
        busy = getattr(_copying, "ids", None)
        if self._a is None or (busy is not None and id(self) in busy):
            return (_blank_value, (), self._state())  # its inputs are saved already
        # Save every node it depends on first, inputs before outputs, so that each node's inputs
        # are saved before the node itself: the pickler never recurses more than one node deep.
        order = topological_order(self)[:-1]
        _copying.ids = {id(node) for node in order}
        return (_blank_value, (), (order, _EndOfGraph(), self._state()))

    def _state(self):
        return (self.data, self.grad, self.label, self._op, self._a, self._b, self._da, self._db, self._more)

    def __setstate__(self, state):
        if len(state) == 3:  # (the nodes saved first, the end marker, this node's own state)
            state = state[2]
        (self.data, self.grad, self.label, self._op, self._a, self._b, self._da, self._db, self._more) = state
        self._fn = None

    def __deepcopy__(self, memo):
        for node in topological_order(self):  # inputs first, so each copy's inputs exist already
            if id(node) not in memo:
                if node._fn is not None:
                    raise _uncopyable(node)
                copied = _blank_value()
                copied.__setstate__(node._state())
                copied._a, copied._b = (None if x is None else memo[id(x)] for x in (node._a, node._b))
                memo[id(node)] = copied
        return memo[id(self)]

    def __copy__(self):
        out = _blank_value()
        out.__setstate__(self._state())
        out._fn = self._fn
        return out


def topological_order(root):
    """Every Value root depends on, each after its inputs, root last.

    Iterative (no recursion limit), deterministic (inputs are visited in argument order), and
    linear in the size of the graph.
    """
    order, seen, stack = [], set(), [root]
    pop, push, visit, emit = stack.pop, stack.append, seen.add, order.append  # (for speed)
    while stack:
        node = pop()
        if node is None:  # marker: every input of the node under it is in order now
            emit(pop())
        elif node not in seen:
            visit(node)
            a, b = node._a, node._b
            todo_a = a is not None and a not in seen
            todo_b = b is not None and b not in seen
            more = node._fn is not None and node._more  # a hand-written node's inputs after the second
            if not (todo_a or todo_b or more):
                emit(node)  # a leaf, or every input is in order already
                continue
            stack += (node, None)  # come back to the node after its inputs
            if more:
                stack += reversed(more)
            if todo_b:
                push(b)
            if todo_a:
                push(a)  # pushed last, so the first input is visited first
    return order


# ---- helpers: coercion, errors, and IEEE arithmetic that matches PyTorch at the edges ----

# how rebuild() re-applies each op ("**c", a constant power, keeps its exponent in _more)
_OPS = {"+": Value.__add__, "-": Value.__sub__, "*": Value.__mul__, "/": Value.__truediv__,
        "**": Value.__pow__, "neg": Value.__neg__, "relu": Value.relu, "tanh": Value.tanh,
        "sigmoid": Value.sigmoid, "exp": Value.exp, "log": Value.log, "sin": Value.sin, "cos": Value.cos}


def _real(x, where, need):
    """float(x) for any real number (bool counts, as in Python and PyTorch); else a TypeError."""
    if isinstance(x, Real):
        return float(x)
    raise TypeError(f"{where} {need}, got {type(x).__name__} {x!r}.")


def _operand(x, op, value, left=False):
    """The other operand of ``value op x`` (or ``x op value``) as a Value; quotes both in errors."""
    if type(x) is float:
        return Value(x)
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        return Value(float(x))
    shown = f"{x!r} {op} {_show(value)}" if left else f"{_show(value)} {op} {x!r}"
    raise TypeError(f"{shown}: a Value combines only with real numbers and other Values, "
                    f"not {type(x).__name__}.")


def _show(v):
    """How an error message quotes an operand: Value(2) for a Value, as written for a number."""
    return f"Value({v.data:g})" if isinstance(v, Value) else repr(v)


def _finite(x, op):
    """x, or a ValueError naming the op where x is infinite."""
    if math.isinf(x):
        raise ValueError(f"{op}({x:g}) is undefined: {op} needs a finite input (it oscillates forever).")
    return x


def _odd_integer(n):
    return math.isfinite(n) and n.is_integer() and n % 2 == 1


def _ieee_power(x, n):
    """x ** n as IEEE (and PyTorch) gives it: inf instead of an error, NaN for a negative base's root."""
    if -math.inf < x < 0 and math.isfinite(n) and not n.is_integer():
        return math.nan
    try:
        return x**n
    except (ZeroDivisionError, OverflowError):  # 0 ** negative, or too large
        negative = math.copysign(1.0, x) < 0 and _odd_integer(n)
        return -math.inf if negative else math.inf


def _ieee_log(x):
    """log(x) with log(0) = -inf and NaN below 0, as PyTorch gives it."""
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _power(x, n, base, exponent):
    """The forward value of x ** n, with errors that quote the operands."""
    shown = f"{_show(base)} ** {_show(exponent)}"
    if x == 0 and n < 0:
        raise ZeroDivisionError(f"{shown} divides by zero (0 to a negative power). "
                                "Keep the base away from 0, e.g. add a small epsilon.")
    if -math.inf < x < 0 and math.isfinite(n) and not n.is_integer():
        raise ValueError(f"{shown} is not a real number (negative base, fractional exponent). "
                         "Use a positive base or a whole-number exponent.")
    try:
        return x**n
    except OverflowError:
        raise OverflowError(f"{shown} is too large for a float. Scale the inputs down.") from None


class _NoBackward:
    """The _backward of a micrograd-style node until a closure is assigned: a clear error."""

    __slots__ = ("op",)

    def __init__(self, op):
        self.op = op

    def __call__(self):
        raise TypeError(
            f"the {self.op!r} node has inputs but no way to pass gradients back: assign "
            "out._backward = a function that adds to each input's grad (micrograd's way), or "
            "create it with local_grads=(d(out)/d(input), ...)."
        )


def _uncopyable(node):
    return TypeError(f"cannot copy or pickle the {node._op!r} node: its hand-written _backward closure "
                     "refers to the original Values. Build the graph again instead.")


_copying = threading.local()  # ids of the nodes whose inputs an outer pickle has saved already


def _blank_value():
    """An empty Value for pickle and copy to fill in (see Value.__reduce_ex__)."""
    return object.__new__(Value)


class _EndOfGraph:
    """Pickled right after the nodes a Value depends on; tells later pickles to start afresh."""

    def __reduce__(self):
        _copying.ids = None
        return (_nothing, ())


def _nothing():
    return None
