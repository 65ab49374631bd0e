"""A tiny neural-network library on top of ``Value``: micrograd's Module, Neuron, Layer and MLP.

``MLP(nin, nouts)`` is micrograd's network: ReLU hidden layers and a linear output layer.
Pass ``activation=`` to pick relu, tanh, sigmoid or linear for the hidden layers, and ``seed=``
for a reproducible initialisation.
"""

import random
from numbers import Integral

from .engine import Value
from .numerics import to_float

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS",
    "mse_loss", "half_mse_loss", "hinge_loss", "l2_penalty", "sgd_step", "clip_grad_norm",
]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def _size(n, what):
    """n if it is a whole number >= 1, else a clear error."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"{what} must be a whole number >= 1, got {n!r}")
    return int(n)


def _activation(name):
    """name if it is one of ACTIVATIONS, else a clear error."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    return name


def _params(params):
    """A model's parameters (anything with .parameters()), or the Values given, as a list."""
    return list(params.parameters() if hasattr(params, "parameters") else params)


def _rng(seed):
    """A private random.Random for a seed, or the shared one when seed is None (micrograd's way)."""
    return random if seed is None else random.Random(seed)


class Module:
    """Anything with parameters: zero their grads, list them."""

    def zero_grad(self):
        """Set every parameter's .grad to 0 (do this before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        """All trainable Values, in a fixed order."""
        return []


class Neuron(Module):
    """act(w·x + b) with one weight per input."""

    def __init__(self, nin, nonlin=True, activation=None, seed=None, rng=None):
        activation = _activation(("relu" if nonlin else "linear") if activation is None else activation)
        rng = rng or _rng(seed)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(_size(nin, "a neuron's number of inputs"))]
        self.b = Value(0.0)
        self.activation = activation

    @property
    def nonlin(self):
        """micrograd's flag: True unless the neuron is linear."""
        return self.activation != "linear"

    def __call__(self, x):
        if len(x) != len(self.w):
            raise ValueError(f"this neuron takes {len(self.w)} inputs, got {len(x)}")
        act = self.b
        for wi, xi in zip(self.w, x):
            act = act + wi * xi  # b + w1·x1 + w2·x2 + ..., the same graph as sum(..., b)
        return act if self.activation == "linear" else getattr(act, self.activation)()

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{self.activation.capitalize()}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons that read the same inputs."""

    def __init__(self, nin, nout, seed=None, rng=None, **kwargs):
        rng = rng or _rng(seed)
        self.neurons = [Neuron(nin, rng=rng, **kwargs) for _ in range(_size(nout, "a layer's number of neurons"))]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers in a row: ``activation`` on the hidden layers, ``out_activation`` on the last."""

    def __init__(self, nin, nouts, activation="relu", out_activation="linear", seed=None):
        rng = _rng(seed)
        activation, out_activation = _activation(activation), _activation(out_activation)
        if isinstance(nouts, Integral) or not (nouts := list(nouts)):
            raise ValueError(f"nouts must be a list of layer sizes such as [16, 16, 1], got {nouts!r}")
        sizes = [_size(nin, "nin")] + [_size(n, f"layer size nouts[{i}]") for i, n in enumerate(nouts)]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], rng=rng,
                  activation=activation if i != len(nouts) - 1 else out_activation)
            for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer([x] if isinstance(x, Value) else x)  # a 1-neuron layer returns a bare Value
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


# ---- losses: each returns one Value, averaged over the examples ----

def _items(xs):
    """A list of the examples in xs: a list, tuple or NumPy array (flattened), or one Value/number."""
    if hasattr(xs, "ravel"):  # a NumPy array, of Values or numbers
        return list(xs.ravel())
    return list(xs) if isinstance(xs, (list, tuple)) else [xs]


def _pairs(preds, targets):
    preds, targets = _items(preds), _items(targets)
    if len(preds) != len(targets) or not preds:
        raise ValueError(f"need as many predictions as targets (and at least one): "
                         f"got {len(preds)} and {len(targets)}")
    return list(zip(preds, targets))


def mse_loss(preds, targets):
    """Mean squared error: (1/n) Σ (ŷ − y)²."""
    pairs = _pairs(preds, targets)
    return sum(((p - t) ** 2 for p, t in pairs), Value(0.0)) * (1.0 / len(pairs))


def half_mse_loss(preds, targets):
    """Half mean squared error: (1/n) Σ ½(ŷ − y)², whose gradient is (ŷ − y)/n (the lessons' loss)."""
    return mse_loss(preds, targets) * 0.5


def hinge_loss(scores, labels):
    """Mean hinge (SVM) loss: (1/n) Σ max(0, 1 − y·s), with labels y in {−1, +1}."""
    pairs = _pairs(scores, labels)
    return sum(((1 - y * s).relu() for s, y in pairs), Value(0.0)) * (1.0 / len(pairs))


def l2_penalty(params, alpha):
    """alpha · Σ p², the weight-decay term micrograd's demo adds to its loss (params: a model or Values)."""
    return alpha * sum((p * p for p in _params(params)), Value(0.0))


def sgd_step(params, lr):
    """One plain gradient-descent step: p ← p − lr · p.grad (grads are not reset)."""
    if isinstance(lr, Value):
        raise TypeError(f"sgd_step's learning rate must be a plain number, got {lr!r}: use lr.data")
    lr = to_float(lr, "sgd_step's learning rate")  # a Python float, so p.data stays one too
    for p in _params(params):
        p.data -= lr * float(p.grad)


def clip_grad_norm(params, max_norm):
    """Scale all grads down together so their global L2 norm is at most max_norm; returns the norm before."""
    params = _params(params)
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    norm = sum(p.grad * p.grad for p in params) ** 0.5
    if norm > max_norm:
        scale = max_norm / norm
        for p in params:
            p.grad *= scale
    return norm
