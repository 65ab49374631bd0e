"""Checkers for small networks on XOR: the learner's Neuron, Layer, MLP.parameters() and training loop,
the smallest ReLU layer that learns XOR, and the two-layer backward pass written by hand in NumPy.

A stub that still raises NotImplementedError, or returns None, is "not written yet", with no hint.
Hints appear only after a real attempt fails, and a failing mark never shows the right answer.
"""

import math
import random
from numbers import Integral

import numpy as np

from ..datasets import xor
from ..engine import Value
from ..nn import MLP
from ..style import plain_number
from .core import NO_RETURN, NOT_WRITTEN, Mark, Verdict, call, checker, close
from .reference import Value as Private  # the checkers' own engine: a learner's patch cannot change it

__all__ = ["check_neuron_call", "check_layer", "check_mlp_parameters", "check_training_loop",
           "check_smallest_relu_layer", "check_two_layer_grads"]


def _short(v):
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------- the learner's Neuron, Layer and MLP

_ACTS = {"tanh": math.tanh, "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)), "relu": lambda z: max(z, 0.0)}
_SLOPES = {"tanh": lambda z: 1.0 - math.tanh(z) ** 2,
           "sigmoid": lambda z: _ACTS["sigmoid"](z) * (1.0 - _ACTS["sigmoid"](z)), "relu": lambda z: float(z > 0)}

# (activation, weights, bias, inputs): no input in {0, ±0.5, ±1}, each z well away from 0
NEURON_CASES = (
    ("tanh", (0.4, -0.3, 0.9), -0.2, (1.5, -2.0, 0.7)),      # z = 1.63
    ("sigmoid", (-0.6, 0.2), 0.3, (2.5, -1.2)),              # z = -1.44
    ("relu", (0.7, 0.35, -0.4), 0.15, (1.2, 0.8, -0.9)),     # z = 1.63
)


class _Stub(Exception):
    """An earlier exercise's part is still the stub: say which one."""


def _build(what, make, earlier=None):
    """make() with Python's random state kept as it was, so checking never changes the lesson's numbers."""
    state = random.getstate()
    try:
        return make()
    except NotImplementedError:
        if earlier:
            raise _Stub(earlier) from None
        raise
    finally:
        random.setstate(state)


def _is_node(v):
    return hasattr(v, "data") and hasattr(v, "grad") and hasattr(v, "backward")


def _neuron_mark(neuron, act, w, b, x):
    """One mark for one neuron: its output, then the gradients that reach its weights and bias."""
    case = f"{act} neuron, x={list(x)}"
    cls = type(neuron.w[0]) if getattr(neuron, "w", None) else Value
    neuron.w, neuron.b = [cls(float(v)) for v in w], cls(float(b))
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    out, error = call(neuron, (list(x),))
    if error:
        return None if error == NOT_WRITTEN else Mark(False, f"{case}: your code raised {error}")
    if out is None:
        return Mark(False, f"{case}: {NO_RETURN}")
    if not _is_node(out):
        return Mark(False, f"{case}: returned {type(out).__name__} {out!r:.30}, not a {cls.__name__}: "
                           "keep it a Scalar so that backward() can reach the weights")
    got, want = plain_number(out.data), _ACTS[act](z)
    if not close(got, want, rel=1e-9, abs_=1e-12):
        slips = [(z, "that is z itself: apply the activation, getattr(z, self.activation)()"),
                 (_ACTS[act](z - b), "the bias is missing: start the sum at self.b"),
                 (_ACTS[act](z + b), "the bias is added twice"),
                 *[(f(z), f"that is {name}(z): use self.activation, not a fixed {name}")
                   for name, f in _ACTS.items() if name != act]]
        why = next((text for wrong, text in slips if close(got, wrong, rel=1e-9, abs_=1e-12)), "not right yet")
        return Mark(False, f"{case}: output {got:.4f}: {why}")
    out.backward()
    slope = _SLOPES[act](z)
    grads = [plain_number(p.grad) for p in neuron.w]
    if not all(close(g, slope * xi, rel=1e-9, abs_=1e-12) for g, xi in zip(grads, x)):
        why = ("no gradient reached the weights: use the Scalars self.w in the sum, not their .data"
               if all(g == 0 for g in grads) else "the weights' gradients are not right yet")
        return Mark(False, f"{case}: output right, but {why}")
    if not close(plain_number(neuron.b.grad), slope, rel=1e-9, abs_=1e-12):
        return Mark(False, f"{case}: output right, but no gradient reached the bias: use the Scalar self.b")
    return Mark(True, f"{case}: output {got:.4f}, and backward() reaches every weight and the bias")


@checker("your Neuron.__call__")
def check_neuron_call(neuron_class):
    """Check Neuron(nin, activation)(x) = activation(w·x + b) as a graph node, on neurons of its own."""
    title = "your Neuron.__call__"
    marks = []
    for act, w, b, x in NEURON_CASES:
        neuron = _build("Neuron", lambda: neuron_class(len(w), act))
        mark = _neuron_mark(neuron, act, w, b, x)
        if mark is None:
            return Verdict(title, [Mark(False, NOT_WRITTEN)])
        marks.append(mark)
    hint = "z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b), then return getattr(z, self.activation)()"
    return Verdict(title, marks, hint)


def _param_marks(what, got, want, per):
    """Marks for a parameters() list: flat, complete, the module's own objects, in the lesson's order."""
    if not isinstance(got, list):
        return [Mark(False, f"{what}.parameters() returned a {type(got).__name__}: return one flat list")]
    if got and all(isinstance(g, list) for g in got):
        return [Mark(False, f"{what}.parameters() returned a list of lists: flatten it into one list")]
    if len(got) != len(want):
        return [Mark(False, f"{what}.parameters() lists {len(got)} numbers, but it has {len(want)} ({per})")]
    if not all(g is t for g, t in zip(got, want)):
        if {id(g) for g in got} == {id(t) for t in want}:
            return [Mark(False, f"{what}.parameters(): the right parameters in another order; list them "
                                "layer by layer, neuron by neuron, each neuron's weights before its bias")]
        return [Mark(False, f"{what}.parameters(): these are not the network's own Scalars (copies, or .data "
                            "numbers?); an update must change the very objects the forward pass uses")]
    return [Mark(True, f"{what}.parameters(): all {len(want)}, flat, in order, the network's own objects")]


@checker("your Layer")
def check_layer(layer_class):
    """Check Layer(nin, nout, activation): its neurons, its outputs and its parameters()."""
    title = "your Layer"
    try:
        layer = _build("Layer", lambda: layer_class(3, 2, "tanh"))
    except NotImplementedError:
        return Verdict(title, [Mark(False, NOT_WRITTEN)])
    neurons = getattr(layer, "neurons", None)
    if not isinstance(neurons, list) or len(neurons) != 2:
        return Verdict(title, [Mark(False, f"Layer(3, 2, 'tanh').neurons should be a list of 2 neurons, "
                                           f"got {_short(neurons)}")], "one Neuron(nin, activation) per output")
    marks = []
    if neurons[0] is neurons[1]:
        marks.append(Mark(False, "both neurons are one object ([Neuron(...)] * nout repeats one neuron): "
                                 "make a new Neuron for each output"))
    elif any(len(n.w) != 3 or n.activation != "tanh" for n in neurons):
        marks.append(Mark(False, "each neuron should read nin = 3 inputs and use the layer's activation"))
    else:
        marks.append(Mark(True, "Layer(3, 2, 'tanh') holds 2 separate tanh neurons with 3 weights each"))
    x = [1.5, -2.0, 0.7]
    first, err = call(neurons[0], (x,))
    out, error = call(layer, (x,))
    if err == NOT_WRITTEN:
        marks.append(Mark(False, "the layer's outputs come from Neuron.__call__: finish Exercise 5.1 first"))
    elif error:
        marks.append(Mark(False, "calling the layer: " + ("not written yet" if error == NOT_WRITTEN else error)))
    elif not isinstance(out, list) or len(out) != 2 or not all(_is_node(o) for o in out):
        marks.append(Mark(False, f"layer(x) should return a list with one Scalar per neuron, got {_short(out)}"))
    elif not all(close(o.data, n(x).data, rel=1e-12) for o, n in zip(out, neurons)):
        marks.append(Mark(False, "layer(x) should be [n(x) for n in self.neurons], in the neurons' order"))
    else:
        marks.append(Mark(True, "layer(x) returns each neuron's output, in order"))
    got, error = call(layer.parameters, ())
    want = [p for n in neurons for p in [*n.w, n.b]]
    marks += ([Mark(False, "Layer.parameters(): " + ("not written yet" if error == NOT_WRITTEN else error))]
              if error else _param_marks("Layer", got, want, "2 neurons × (3 weights + 1 bias)"))
    hint = ("self.neurons = [Neuron(nin, activation) for _ in range(nout)]; __call__ returns [n(x) for n in "
            "self.neurons]; parameters() lists each neuron's parameters one after the other")
    return Verdict(title, marks, hint)


@checker("your MLP.parameters()")
def check_mlp_parameters(mlp_class):
    """Check MLP(...).parameters(): every layer's parameters, flat, in order, the network's own objects."""
    title = "your MLP.parameters()"
    try:
        model = _build("MLP", lambda: mlp_class(2, [3, 1]), earlier="5.2")
    except _Stub:
        return Verdict(title, [Mark(False, "MLP() builds Layers: finish Exercise 5.2 (Layer) first")])
    want = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
    got, error = call(model.parameters, ())
    if error == NOT_WRITTEN:
        done, err = call(model.layers[0].parameters, ())
        text = NOT_WRITTEN if err is None else "it calls Layer.parameters(): finish Exercise 5.2 first"
        return Verdict(title, [Mark(False, text)])
    if error:
        return Verdict(title, [Mark(False, f"your code raised {error}")], "ask each layer for its parameters")
    marks = _param_marks("MLP(2, [3, 1])", got, want, "3 × (2 + 1) in the hidden layer, 3 + 1 in the output")
    if not marks[0].ok and isinstance(got, list) and len(got) in (9, 4):
        marks = [Mark(False, f"MLP(2, [3, 1]).parameters() has only {'the hidden' if len(got) == 9 else 'the last'}"
                             " layer's: list every layer's parameters")]
    return Verdict(title, marks, "[p for layer in self.layers for p in layer.parameters()]")


# ---------------------------------------------------------------- the training loop

LOOP_STEPS, LOOP_LR, LOOP_SEED = 4, 0.8, 3


class _Watched:
    """A network that counts its zero_grad() calls, so the loop's reset can be seen."""

    def __init__(self, model):
        self.model, self.layers, self.resets = model, model.layers, 0

    def __call__(self, x):
        return self.model(x)

    def parameters(self):
        return self.model.parameters()

    def zero_grad(self):
        self.resets += 1
        self.model.zero_grad()


def _loop_net():
    return MLP(2, [3, 1], activation="tanh", out_activation="sigmoid", seed=LOOP_SEED)


def _reference_loop(reset=True, order="before", sign=-1.0, lr=LOOP_LR, stale=False):
    """Final parameters of the lesson's loop on XOR, or of one of its usual slips."""
    X, y = xor()
    data, targets = [[float(a), float(b)] for a, b in X], [float(t) for t in y]
    model = _loop_net()
    for neuron in (n for layer in model.layers for n in layer.neurons):  # the same start, on the private engine
        neuron.w, neuron.b = [Private(w.data) for w in neuron.w], Private(neuron.b.data)

    def loss_now():
        preds = [model(x) for x in data]
        return sum(((p - t) ** 2 for p, t in zip(preds, targets)), Private(0.0)) * (0.5 / len(targets))

    loss = loss_now()
    for _ in range(LOOP_STEPS):
        loss = loss if stale else loss_now()
        if reset and order == "before":
            model.zero_grad()
        loss.backward()
        if reset and order == "after":
            model.zero_grad()
        for p in model.parameters():
            p.data += sign * lr * p.grad
    return [p.data for p in model.parameters()]


_LOOP_SLIPS = (
    (dict(reset=False), "the grads are never reset: backward() adds into .grad, so every update uses the "
                        "sum of all the gradients so far (section 5 shows where that leads)"),
    (dict(order="after"), "the parameters never move: the grads are reset after backward() and before the "
                          "update, so the update sees zeros; reset them before backward()"),
    (dict(sign=1.0), "the update climbs the loss: p.data -= lr * p.grad goes downhill"),
    (dict(lr=1.0), "the update ignores lr: p.data -= lr * p.grad"),
    (dict(stale=True), "the forward pass runs once, before the loop: each step needs a new forward pass, "
                       "or backward() reads the old graph"),
)


@checker("your training loop, train(model, steps, lr)")
def check_training_loop(train):
    """Run the learner's train(model, steps, lr, every=0) on a small XOR network and compare with the lesson's loop."""
    title = "your training loop, train(model, steps, lr)"
    model = _Watched(_loop_net())
    before = [p.data for p in model.parameters()]
    losses, error = call(train, (model, LOOP_STEPS, LOOP_LR, 0))
    if error == NOT_WRITTEN:
        return Verdict(title, [Mark(False, NOT_WRITTEN)])
    if error:
        return Verdict(title, [Mark(False, f"your code raised {error}")],
                       "four lines in the loop: forward (the loss), model.zero_grad(), loss.backward(), the update")
    got = [p.data for p in model.parameters()]
    want = _reference_loop()
    case = f"{LOOP_STEPS} steps at lr {LOOP_LR} on a 2-3-1 network"
    if all(close(g, t, rel=1e-9, abs_=1e-12) for g, t in zip(got, want)):
        marks = [Mark(True, f"{case}: every parameter ends where the lesson's loop puts it")]
        if model.resets < LOOP_STEPS:
            marks.append(Mark(False, "reset the grads with model.zero_grad(), once per step: section 5 runs "
                                     "your loop on a network whose zero_grad() forgets"))
        elif isinstance(losses, list) and len(losses) == LOOP_STEPS and all(
                close(a, b, rel=0, abs_=1e-15) for a, b in zip(losses, losses[1:])):
            marks.append(Mark(False, "the recorded losses never change: record each step's own loss"))
        else:
            marks.append(Mark(True, "the grads are reset with model.zero_grad() before every backward()"))
        return Verdict(title, marks)
    if all(close(g, t, rel=0, abs_=1e-15) for g, t in zip(got, before)):
        why = next(text for kw, text in _LOOP_SLIPS if kw == dict(order="after"))
        if model.resets == 0:
            why = "the parameters never move: is the update written to p.data (p.data -= lr * p.grad)?"
    else:
        why = next((text for kw, text in _LOOP_SLIPS
                    if all(close(g, t, rel=1e-9, abs_=1e-12) for g, t in zip(got, _reference_loop(**kw)))),
                   "the parameters do not end where the lesson's loop puts them")
    return Verdict(title, [Mark(False, f"{case}: {why}")],
                   "forward: loss = half_mse([model(x) for x in data], targets); then model.zero_grad(), "
                   "loss.backward(), and for each p in model.parameters(): p.data -= lr * p.grad")


# ---------------------------------------------------------------- the smallest ReLU layer

RELU_SEEDS = range(5)
RELU_LR, RELU_STEPS = 2.0, 500
SOLVED_LOSS = 0.01  # half-MSE below this, with all four points right, counts as solved


def _init(hidden, seed, activation):
    """The starting weights of MLP(2, [hidden, 1], activation, sigmoid output, seed) as arrays."""
    params = [p.data for p in MLP(2, [hidden, 1], activation=activation, out_activation="sigmoid",
                                  seed=seed).parameters()]
    hid = np.array(params[:3 * hidden]).reshape(hidden, 3)  # per neuron: w1, w2, b
    out = np.array(params[3 * hidden:])
    return hid[:, :2].copy(), hid[:, 2].copy(), out[None, :hidden].copy(), out[hidden:].copy()


def solves_xor(hidden, seed, activation="relu", lr=RELU_LR, steps=RELU_STEPS):
    """True when the lesson's loop (half-MSE, full batch, plain SGD, stop once solved) solves XOR in `steps`.

    The same arithmetic as training backprop_lab's MLP with backward(), done with NumPy arrays for speed.
    """
    X, y = xor()
    W1, b1, W2, b2 = _init(hidden, seed, activation)
    relu = activation == "relu"
    for _ in range(steps):
        Z = X @ W1.T + b1
        H = np.maximum(Z, 0.0) if relu else np.tanh(Z)
        yhat = 1.0 / (1.0 + np.exp(-(H @ W2.T + b2)[:, 0]))
        if 0.5 * np.mean((yhat - y) ** 2) < SOLVED_LOSS and np.all((yhat > 0.5) == (y > 0.5)):
            return True
        d_out = ((yhat - y) / len(y) * yhat * (1 - yhat))[:, None]
        d_hid = (d_out @ W2) * ((Z > 0) if relu else (1 - H * H))
        W2, b2 = W2 - lr * d_out.T @ H, b2 - lr * d_out.sum(0)
        W1, b1 = W1 - lr * d_hid.T @ X, b1 - lr * d_hid.sum(0)
    return False


@checker("the smallest ReLU layer for XOR")
def check_smallest_relu_layer(hidden):
    """Check that `hidden` ReLU units solve XOR from every seed 0-4, and that one unit fewer does not."""
    title = "the smallest ReLU layer for XOR"
    if hidden is None or hidden is ...:
        return Verdict(title, [Mark(False, "not filled in yet: set hidden to the size you found")])
    if isinstance(hidden, bool) or not isinstance(hidden, Integral) or not 1 <= hidden <= 32:
        return Verdict(title, [Mark(False, f"hidden should be a whole number from 1 to 32, got {hidden!r}")])
    hidden = int(hidden)
    seeds = list(RELU_SEEDS)
    failed = [s for s in seeds if not solves_xor(hidden, s)]
    if failed:
        marks = [Mark(False, f"hidden={hidden}: seed{'s' * (len(failed) > 1)} "
                             f"{', '.join(map(str, failed))} did not solve XOR in {RELU_STEPS} steps")]
        return Verdict(title, marks, "a layer that is too small for one seed: try bigger layers")
    marks = [Mark(True, f"hidden={hidden}: every seed from 0 to {seeds[-1]} solves XOR")]
    if any(all(solves_xor(h, s) for s in seeds) for h in range(1, hidden)):
        marks.append(Mark(False, f"a smaller layer also solves XOR from all {len(seeds)} seeds: "
                                 "keep looking"))
        return Verdict(title, marks, "try each size below yours, one at a time")
    marks.append(Mark(True, f"no layer with fewer than {hidden} units solves all {len(seeds)} seeds"))
    return Verdict(title, marks)


# ---------------------------------------------------------------- two-layer backward pass in NumPy

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _reference_grads(X, y, W1, b1, W2, b2):
    """dL/dW1, db1, dW2, db2 by autograd (the checkers' own engine), for tanh units, a sigmoid output, half-MSE."""
    P = {k: np.vectorize(Private, otypes=[object])(np.asarray(v, dtype=float))
         for k, v in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    losses = []
    for row, target in zip(X, y):
        hid = [sum((w * float(xi) for w, xi in zip(P["W1"][j], row)), P["b1"][j]).tanh()
               for j in range(len(P["b1"]))]
        out = sum((w * h for w, h in zip(P["W2"][0], hid)), P["b2"][0]).sigmoid()
        losses.append(0.5 * (out - float(target)) ** 2)
    loss = sum(losses, Private(0.0)) * (1.0 / len(losses))
    loss.backward()
    return {k: np.vectorize(lambda v: v.grad, otypes=[float])(v) for k, v in P.items()}


def _variants(X, y, W1, b1, W2, b2):
    """The usual slips, computed: {name: grads} for a missing 1/N, tanh′, σ′ or a flipped sign."""
    out = {}
    for name, inv_n, dtanh, dsig in (("no 1/N", False, True, True), ("no tanh′", True, False, True),
                                     ("no σ′", True, True, False)):
        H = np.tanh(X @ W1.T + b1)
        yhat = _sigmoid(H @ W2.T + b2)
        d_out = (yhat - y[:, None]) / (len(y) if inv_n else 1) * (yhat * (1 - yhat) if dsig else 1)
        d_hid = (d_out @ W2) * ((1 - H * H) if dtanh else 1)
        out[name] = {"W1": d_hid.T @ X, "b1": d_hid.sum(0), "W2": d_out.T @ H, "b2": d_out.sum(0)}
    return out


_SLIP_TEXT = {
    "no 1/N": "N times too big: the loss is a mean over the N examples, so dL/dŷ carries 1/N",
    "no tanh′": "the hidden layer's slope 1 − H² is missing: δ¹ = (δ² @ W2) ⊙ (1 − H²)",
    "no σ′": "the output's slope ŷ(1 − ŷ) is missing: δ² = (ŷ − y)/N ⊙ ŷ(1 − ŷ)",
}


def _two_layer_cases():
    """(name, X, y, W1, b1, W2, b2): XOR with the lesson's start, then a wider, uneven network."""
    X, y = xor()
    W1, b1, W2, b2 = _init(4, 0, "tanh")
    rng = np.random.default_rng(5)
    cases = [("XOR, 2-4-1 from seed 0", X, y, W1, b1 + np.array([0.1, -0.2, 0.3, 0.0]), W2, b2 + 0.2)]
    cases.append(("6 examples, 3-5-1", rng.normal(size=(6, 3)), rng.integers(0, 2, 6).astype(float),
                  rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=(1, 5)), rng.normal(size=1)))
    return cases


@checker("your two_layer_grads(X, y, W1, b1, W2, b2)")
def check_two_layer_grads(fn):
    """Check fn(X, y, W1, b1, W2, b2) -> {"W1": dL/dW1, "b1": ..., "W2": ..., "b2": ...} against autograd."""
    title = "your two_layer_grads(X, y, W1, b1, W2, b2)"
    marks = []
    for name, X, y, W1, b1, W2, b2 in _two_layer_cases():
        args = [a.copy() for a in (X, y, W1, b1, W2, b2)]
        got, error = call(fn, args)
        if error == NOT_WRITTEN or (error is None and got is None):
            return Verdict(title, [Mark(False, error or NO_RETURN)])
        if error:
            marks.append(Mark(False, f"{name}: your code raised {error}"))
            continue
        if not isinstance(got, dict):
            marks.append(Mark(False, f"{name}: return a dict with keys 'W1', 'b1', 'W2', 'b2', "
                                     f"got {_short(got)}"))
            continue
        want = _reference_grads(X, y, W1, b1, W2, b2)
        slips = _variants(X, y, W1, b1, W2, b2)
        for key, param in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)):
            marks.append(_grad_mark(name, key, got.get(key), want[key], param.shape, slips))
    hint = ("go backwards one layer at a time: δ² = (ŷ − y)/N ⊙ ŷ(1 − ŷ) at the output, "
            "δ¹ = (δ² @ W2) ⊙ (1 − H²) in the hidden layer; then dW = δᵀ @ (that layer's input) "
            "and db = δ summed over the examples")
    return Verdict(title, marks, hint)


def _grad_mark(case, key, got, want, shape, slips):
    """One mark for one parameter's gradient: shape first, then the numbers, then a named slip."""
    label = f"{case}: d{key}"
    if got is None:
        return Mark(False, f"{label}: missing from your dict")
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Mark(False, f"{label}: expected an array of numbers, got {_short(got)}")
    if got.shape != shape:
        extra = " (transposed?)" if got.shape == shape[::-1] and len(shape) == 2 else ""
        extra = extra or (" (sum over the examples: axis 0)" if key.startswith("b") and got.ndim == 2 else "")
        return Mark(False, f"{label}: shape {got.shape}, but {key} has shape {shape}{extra}")
    if not np.all(np.isfinite(got)):
        return Mark(False, f"{label}: contains nan or inf")
    if np.allclose(got, want, rtol=1e-6, atol=1e-10):
        return Mark(True, f"{label} matches autograd")
    if np.allclose(got, -want, rtol=1e-6, atol=1e-10):
        return Mark(False, f"{label}: the sign is flipped (the error is ŷ − y)")
    for slip, grads in slips.items():
        if np.allclose(got, grads[key], rtol=1e-6, atol=1e-10):
            return Mark(False, f"{label}: {_SLIP_TEXT[slip]}")
    worst = float(np.max(np.abs(got - want)))
    return Mark(False, f"{label}: differs from autograd by up to {worst:.2g}")

