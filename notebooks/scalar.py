"""The Scalar you built in lesson 3, in one file, so that later lessons can `from scalar import Scalar`.

Every method here is a cell of lesson 3 (including the exercises' sigmoid and one-step
division, with their answers filled in). If you change your class in lesson 3, make the
same change here.

It is written for reading, not speed: `backprop_lab.Value` is the same idea, made fast.
"""

import math


class Scalar:
    """A number that remembers how it was made, so it can pass gradients back to its inputs."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._backward = lambda: None  # a leaf has nothing to pass on

    def __repr__(self):
        return f"Scalar(data={self.data:.4f}, grad={self.grad:.4f})"

    # -- two inputs ------------------------------------------------------------------------
    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad  # a plus routes the gradient unchanged
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad  # a times sends each input the other input
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad += (1 / other.data) * out.grad  # d(a/b)/da = 1/b
            other.grad += (-self.data / other.data**2) * out.grad  # d(a/b)/db = -a/b²

        out._backward = _backward
        return out

    # -- one input -------------------------------------------------------------------------
    def __pow__(self, n):
        if isinstance(n, Scalar) or not isinstance(n, (int, float)):
            raise TypeError(f"Scalar ** {n!r}: the exponent must be a plain number (int or float)")
        out = Scalar(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad  # the power rule

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Scalar(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Scalar(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad  # e^x is its own derivative

        out._backward = _backward
        return out

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        out = Scalar(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1 - s) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Scalar(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    # -- built from the ones above ---------------------------------------------------------
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __radd__(self, other):  # other + self, when other is a plain number
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Scalar(other) - self

    def __rtruediv__(self, other):
        return Scalar(other) / self

    # -- the backward pass -----------------------------------------------------------------
    def backward(self):
        """Fill every node's .grad with d(self)/d(node); leaves add to what they had, like PyTorch."""
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0  # an inner node's grad belongs to this pass only
        self.grad = 1.0  # d(self)/d(self) = 1
        for node in reversed(order):
            node._backward()


def topological_order(root):
    """Every node of root's graph after all of its inputs, found without recursion."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)  # all of its inputs are already in the list
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))  # come back to it once its inputs are done
            for child in reversed(node._prev):  # reversed, so the first input is visited first
                if child not in seen:
                    stack.append((child, False))
    return order
