"""A ``Value`` is a number that remembers how it was made, so that ``backward()`` can give every number
it depends on its gradient: lesson 3's ``Scalar`` with micrograd's names. ``v.data`` is the number,
``v.grad`` d(root)/d(v), ``v._prev`` the Values it was made from, in order, and ``v._op`` its op.

Each op is a line of the lesson's ledger: the forward value and the *local derivative* of the result
with respect to each input: ``Value(a.data * b.data, (a, b), "*", (b.data, a.data))``. ``backward()``
applies the chain rule at every node, outputs first: ``input.grad += local derivative × upstream``.
Plain numbers, not closures, so a graph has no reference cycles and is freed once dropped (README:
why that is fast). Elsewhere: the inf/NaN policy in ``numerics.py``, copies in ``copying.py``,
``rebuild.py``, and micrograd-style nodes in ``handwritten.py``.
"""

import math

from . import handwritten as _hw, numerics as num
from .handwritten import HandWritten

__all__ = ["Value", "topological_order"]


class Value:
    """A scalar in a computation graph, with ``.grad``: the derivative of the root with respect to it."""

    # _a, _b: the inputs in argument order (None where absent); _da, _db: d(self)/d(_a), d(self)/d(_b);
    # _rule: None for the usual chain rule, else rule(node) does it; _exponent: the c of x ** c
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_da", "_db", "_rule", "_exponent")

    def __init__(self, data, _children=(), _op="", local_grads=None, *, label=""):
        self.data = data = data if type(data) is float else num.to_float(data, "Value()")
        if data - data and _children:  # true only for inf or NaN: numerics.py's policy decides
            num.refuse_new_inf_or_nan(data, _op, _children)
        self.grad, self.label, self._op = 0.0, label, _op
        self._rule = self._exponent = None
        if local_grads is None:  # a leaf, or micrograd's way: the chain rule comes as _backward later
            _children, local_grads = _hw.adopt(self, _children) if _children else ((), ())
        if len(_children) == len(local_grads) == 2:
            (self._a, self._b), (self._da, self._db) = _children, local_grads
        elif len(_children) == len(local_grads) < 2:
            self._a, self._da = (_children[0], local_grads[0]) if _children else (None, 0.0)
            self._b, self._db = None, 0.0
        else:
            raise ValueError(f"Value(_op={_op!r}) got {len(_children)} inputs and {len(local_grads)} local derivatives"
                             ": give one per input (at most two), or none and set out._backward (micrograd's way).")

    def __repr__(self):
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- the ops: the forward value, then Value(out, inputs, op, their local derivatives) ----

    def __add__(self, other):
        a, b = self, other if type(other) is Value else _value(other, "+", self)
        return Value(a.data + b.data, (a, b), "+", (1.0, 1.0))  # d(out)/da = 1, d(out)/db = 1

    def __sub__(self, other):
        a, b = self, other if type(other) is Value else _value(other, "-", self)
        return Value(a.data - b.data, (a, b), "-", (1.0, -1.0))  # d(out)/da = 1, d(out)/db = -1

    def __mul__(self, other):
        a, b = self, other if type(other) is Value else _value(other, "*", self)
        return Value(a.data * b.data, (a, b), "*", (b.data, a.data))  # d(out)/da = b, d(out)/db = a

    def __truediv__(self, other):
        a, b = self, other if type(other) is Value else _value(other, "/", self)
        out = num.divide(a.data, b.data)
        node = Value(out, (a, b), "/", (num.divide(1.0, b.data), num.divide(-out, b.data)))  # 1/b, -a/b²
        node._rule = _divide  # but the chain rule divides, upstream / b, as 1/b can overflow
        return node

    def __pow__(self, other):
        constant = not isinstance(other, Value)  # x ** 3: the 3 is a number, not an input
        x, n = self.data, num.operand(other, "**", self) if constant else other.data
        out = num.power(x, n, constant)
        d_dx = 0.0 if n == 0 else n * num.power(x, n - 1, constant)  # n·x^(n-1); PyTorch: 0 at n = 0
        if constant:
            node = Value(out, (self,), f"**{n:g}", (d_dx,))
            node._exponent = n
            return node
        d_dn = 0.0 if x == 0 and n >= 0 else out * num.log(x)  # x^n·ln x; PyTorch: 0 at x = 0
        return Value(out, (self, other), "**", (d_dx, d_dn))

    def __neg__(self):
        return Value(-self.data, (self,), "neg", (-1.0,))

    def relu(self):
        """max(0, x); its local derivative is 0 where x <= 0, else 1 (NaN stays NaN, as in PyTorch)."""
        x = self.data
        return Value(0.0, (self,), "relu", (0.0,)) if x <= 0 else Value(x, (self,), "relu", (1.0,))

    def tanh(self):
        """Hyperbolic tangent; its local derivative is 1 - tanh(x)**2, written as PyTorch does."""
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", ((1.0 - t) * (1.0 + t),))  # more exact than 1 - t*t near ±1

    def sigmoid(self):
        """Logistic sigmoid s = 1/(1+e^-x), as PyTorch computes it (e^-x = inf gives 0); local derivative s(1-s)."""
        s = 1.0 / (1.0 + num.exp(-self.data))
        return Value(s, (self,), "sigmoid", (s * (1.0 - s),))

    def exp(self):
        """e**x; its local derivative is e**x itself."""
        e = num.exp(self.data)
        return Value(e, (self,), "exp", (e,))

    def log(self):
        """Natural log, for x > 0; its local derivative is 1/x (the chain rule divides: upstream / x)."""
        node = Value(num.log(self.data), (self,), "log", (num.divide(1.0, self.data),))
        node._rule = _divide
        return node

    def sin(self):
        """Sine; its local derivative is cos(x)."""
        return Value(num.trig(math.sin, self.data), (self,), "sin", (num.trig(math.cos, self.data),))

    def cos(self):
        """Cosine; its local derivative is -sin(x)."""
        return Value(num.trig(math.cos, self.data), (self,), "cos", (-num.trig(math.sin, self.data),))

    neg = __neg__  # -x by name

    # the same ops with a number on the left: 2 * x is Value(2) * x
    def __radd__(self, other): return _value(other, "+", self, left=True) + self
    def __rsub__(self, other): return _value(other, "-", self, left=True) - self
    def __rmul__(self, other): return _value(other, "*", self, left=True) * self
    def __rtruediv__(self, other): return _value(other, "/", self, left=True) / self
    def __rpow__(self, other): return _value(other, "**", self, left=True) ** self

    __array_ufunc__ = None  # NumPy on the left hands over to the ops above: np.float32(2) * x works

    op = property(lambda self: self._op, doc='The op that made this Value ("" for a leaf); micrograd calls it _op.')

    @property
    def inputs(self):
        """The Values this one was made from, in argument order (a tuple; ``()`` for a leaf)."""
        if type(self._rule) is HandWritten:
            return self._rule.inputs
        return () if self._a is None else (self._a,) if self._b is None else (self._a, self._b)

    _prev = inputs  # micrograd's name (a set there; an ordered tuple here, so drawings never change)
    _backward = _hw.closure_property  # micrograd's name for this node's step of the chain rule

    @property
    def local_grads(self):
        """d(self)/d(input) for each input, in order; None for a micrograd-style node."""
        return None if type(self._rule) is HandWritten else (self._da, self._db)[:len(self.inputs)]

    def _chain_rule(self):
        """input.grad += local derivative × upstream, for each input (a local derivative of 0 adds 0)."""
        # backward() calls this once per node. Written out inside backward() it saved 4 ms of a
        # 110-190 ms training step (benchmarks/bench_engine.py): too little to write the rule twice.
        if self._rule is not None:
            return self._rule(self)
        a, b, upstream = self._a, self._b, self.grad
        if a is not None and self._da:
            a.grad += self._da * upstream
        if b is not None and self._db:
            b.grad += self._db * upstream

    def backward(self):
        """Fill every ``.grad`` with d(self)/d(node); leaves accumulate (zero them between passes), as in PyTorch."""
        order = topological_order(self)
        for node in order:
            if node._a is not None:
                node.grad = 0.0
        self.grad = 1.0 if self._a is not None else self.grad + 1.0
        for node in reversed(order):  # outputs before inputs
            node._chain_rule()

    def rebuild(self, *inputs):
        """A new Value made by this node's op (and constant, e.g. the 3 of x ** 3) from other inputs."""
        return _rebuild.rebuild(self, inputs)

    # copies: pickle and copy.deepcopy work at any depth (copying.py)
    def __reduce_ex__(self, protocol): return _copying.reduce_value(self)
    def __setstate__(self, state): _copying.set_state(self, state)
    def __deepcopy__(self, memo): return _copying.deepcopy_value(self, memo)
    def __copy__(self): return _copying.copy_value(self)


def topological_order(root):
    """Every Value root depends on, each after its inputs, root last: iterative, in argument order."""
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
            more = type(node._rule) is HandWritten and node._rule.inputs[2:]  # its third input on
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


def _divide(node):
    """a / b and log(x): upstream / b, as (1/b) × upstream overflows for a tiny b where PyTorch does not."""
    a, b, upstream = node._a, node._b, node.grad
    if b is None:
        a.grad += num.divide(upstream, a.data)  # d log(x)/dx = 1/x
    else:
        a.grad += num.divide(upstream, b.data)               # d(a/b)/da = 1/b
        b.grad -= upstream * num.divide(node.data, b.data)   # d(a/b)/db = -(a/b)/b


def _value(x, op, value, left=False):
    """x as a Value, for ``value op x`` (or ``x op value``); an error quotes both as written."""
    return x if isinstance(x, Value) else Value(num.operand(x, op, value, left))


from . import copying as _copying, rebuild as _rebuild  # noqa: E402  (they use Value, so they come after it)
