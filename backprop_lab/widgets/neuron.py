"""Lesson 4 explorer: one sigmoid neuron, its forward values, backward ledger, and SGD steps."""

import ipywidgets as W

from ..engine import Value
from ..plots import figure
from ..style import COLORS
from ._base import Explorer, figure_svg, float_slider, ledger_html

__all__ = ["neuron_explorer", "NeuronExplorer", "LESSON4"]

# Lesson 4's starting point, the one place these numbers live: inputs x, weights w, bias b,
# target y and learning rate lr (loss 0.0581 at the start, 0.0097 after 20 steps).
LESSON4 = {"x": (0.8, -0.4, 1.2), "w": (0.2, -0.1, 0.3), "b": 0.1, "y": 1.0, "lr": 0.5}


def neuron_ledger(x, w, b, y):
    """The neuron's forward and backward numbers in reading order (z, yhat, loss, dL/dyhat, ... dL/db).

    Built with Value and one backward() call: the ledger's backward rows are the nodes' grads and
    local derivatives, not formulas typed in twice.
    """
    ws = [Value(float(wi)) for wi in w]
    bv = Value(float(b))
    z = sum((wi * xi for wi, xi in zip(ws, x)), bv)
    yhat = z.sigmoid()
    loss = 0.5 * (yhat - y) ** 2
    loss.backward()
    rows = {"z": z.data, "yhat": yhat.data, "loss": loss.data, "dL/dyhat": yhat.grad,
            "dyhat/dz": yhat.local_grads[0], "dL/dz": z.grad}
    for i, wi in enumerate(ws, start=1):
        rows[f"dL/dw{i}"] = wi.grad
    rows["dL/db"] = bv.grad
    return rows


def neuron_update(ledger, w, b, lr):
    """The SGD step a ledger implies: (new w list, new b) with wᵢ − lr·dL/dwᵢ and b − lr·dL/db."""
    new_w = [wi - lr * ledger[f"dL/dw{i}"] for i, wi in enumerate(w, start=1)]
    return new_w, b - lr * ledger["dL/db"]


def _slider(name, value, lo, hi, step=0.001):
    return float_slider(name, value, lo, hi, step=step, fmt=".3f", continuous_update=True)


class NeuronExplorer(Explorer):
    """ŷ = σ(w·x + b), L = ½(ŷ − y)²: sliders for x, w, b, y, lr; buttons for one SGD step and reset."""

    title = "One sigmoid neuron: forward, backward ledger, and one step of gradient descent"
    kind = "neuron explorer"
    # Its loss history tells the browser's echo of a step from a learner's own move by the order
    # of changes, so every change is handled as it comes.
    coalesce = False

    def __init__(self, x=LESSON4["x"], w=LESSON4["w"], b=LESSON4["b"], y=LESSON4["y"], lr=LESSON4["lr"]):
        super().__init__()
        if len(x) != 3 or len(w) != 3:
            raise ValueError(f"neuron_explorer shows a 3-input neuron: give 3 inputs and 3 weights, "
                             f"got {len(x)} and {len(w)}")
        self._start = dict(x=tuple(x), w=tuple(w), b=b, y=y, lr=lr)
        for i in range(3):
            self.controls[f"x{i + 1}"] = _slider(f"x{i + 1}", x[i], -2.0, 2.0)
        for i in range(3):
            self.controls[f"w{i + 1}"] = _slider(f"w{i + 1}", w[i], -5.0, 5.0)
        self.controls["b"] = _slider("b", b, -5.0, 5.0)
        self.controls["y"] = _slider("y", y, 0.0, 1.0)
        self.controls["lr"] = _slider("lr", lr, 0.0, 2.0, step=0.01)
        self.controls["step"] = W.Button(description="one step", button_style="primary")
        self.controls["reset"] = W.Button(description="reset")
        self.controls["step"].on_click(lambda _b: self.step())
        self.controls["reset"].on_click(lambda _b: self.reset())
        self.history = []  # loss after each step since the last reset or manual change
        self.steps = 0
        self._forward, self._backward, self._update = W.HTML(), W.HTML(), W.HTML()
        self._plot = W.HTML(layout=W.Layout(min_width="360px", min_height="240px"))
        c = self.controls
        sliders = W.VBox([W.HBox([c["x1"], c["w1"]]), W.HBox([c["x2"], c["w2"]]),
                          W.HBox([c["x3"], c["w3"]]), W.HBox([c["b"], c["y"]]), c["lr"],
                          W.HBox([c["step"], c["reset"]])])
        tables = W.HBox([self._forward, self._backward, self._update],
                        layout=W.Layout(grid_gap="16px"))
        self._finish([sliders, W.HBox([tables, self._plot])])

    # ---- the current parameters, read from the sliders ----

    def _params(self):
        c = self.controls
        x = [c[f"x{i}"].value for i in (1, 2, 3)]
        w = [c[f"w{i}"].value for i in (1, 2, 3)]
        return x, w, c["b"].value, c["y"].value, c["lr"].value

    def changed(self, change):
        """A manual change of x, w, b or y starts a new loss history (lr does not change the loss)."""
        owner = change["owner"]
        # The browser snaps a value the kernel set to the slider's step grid and sends it back;
        # only a move of at least half a step is the learner's own change.
        if owner is not self.controls["lr"] and abs(change["new"] - change["old"]) >= owner.step / 2:
            self.history, self.steps = [], 0
        return True

    def update(self):
        """Recompute the ledger from the sliders and redraw the tables and loss plot."""
        x, w, b, y, lr = self._params()
        led = neuron_ledger(x, w, b, y)
        new_w, new_b = neuron_update(led, w, b, lr)
        if len(self.history) == self.steps:  # first draw, or just after a step: record the loss
            self.history.append(led["loss"])
        self.values = dict(led)
        self.values["step"] = self.steps
        for i, nw in enumerate(new_w, start=1):
            self.values[f"new w{i}"] = nw
        self.values["new b"] = new_b
        forward = {f"x{i}·w{i}": x[i - 1] * w[i - 1] for i in (1, 2, 3)}
        forward.update(z=led["z"], yhat=led["yhat"], y=y, loss=led["loss"], step=self.steps)
        self._forward.value = ledger_html(forward, "forward")
        back = {k: v for k, v in led.items() if k.startswith("d")}
        self._backward.value = ledger_html(back, "backward (read top to bottom)")
        upd = {f"new w{i}": nw for i, nw in enumerate(new_w, start=1)}
        upd["new b"] = new_b
        self._update.value = ledger_html(upd, f"one step: p − {lr:g}·dL/dp")
        self._plot.value = self._draw()

    def _draw(self):
        fig = figure((4.2, 2.8), layout=None)
        ax = fig.add_subplot()
        ax.plot(range(len(self.history)), self.history, "o-", ms=3, color=COLORS["loss"])
        ax.set_xlabel("step")
        ax.set_ylabel("loss ½(ŷ − y)²")
        ax.set_title(f"loss after {self.steps} step{'s' if self.steps != 1 else ''}: {self.history[-1]:.4f}",
                     fontsize=10)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        return figure_svg(fig)

    # ---- buttons ----

    def _step(self):
        x, w, b, y, lr = self._params()
        new_w, new_b = neuron_update(neuron_ledger(x, w, b, y), w, b, lr)
        limit = self.controls["b"].max
        if any(abs(v) > limit for v in new_w + [new_b]):
            raise ValueError(f"this step would move a weight past ±{limit:g}, the slider's end; "
                             "lower lr or press reset")
        self.set_quietly(w1=new_w[0], w2=new_w[1], w3=new_w[2], b=new_b)
        self.steps += 1
        self.update()

    def step(self):
        """Apply one SGD step (w ← w − lr·dL/dw, b ← b − lr·dL/db) and grow the loss plot."""
        self.guarded(self._step)
        return self

    def _reset(self):
        s = self._start
        self.set_quietly(x1=s["x"][0], x2=s["x"][1], x3=s["x"][2], w1=s["w"][0], w2=s["w"][1],
                          w3=s["w"][2], b=s["b"], y=s["y"], lr=s["lr"])
        self.history, self.steps = [], 0
        self.update()

    def reset(self):
        """Go back to the starting x, w, b, y, lr and clear the loss history."""
        self.guarded(self._reset)
        return self


def neuron_explorer(x=LESSON4["x"], w=LESSON4["w"], b=LESSON4["b"], y=LESSON4["y"], lr=LESSON4["lr"]):
    """One sigmoid neuron with its backward ledger; press "one step" to train (values: z, yhat, loss, dL/dw1...)."""
    return NeuronExplorer(x, w, b, y, lr)
