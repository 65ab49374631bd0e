"""Lesson 4 explorer: one sigmoid neuron, its forward values, backward ledger, and SGD steps."""

import time

import ipywidgets as W

from ..engine import Value
from ..plots import figure
from ..style import COLORS
from ._base import Explorer, _from_browser, figure_svg, float_slider, ledger_html, wrap_row

__all__ = ["neuron_explorer", "NeuronExplorer", "LESSON4"]

# Lesson 4's starting point, the one place these numbers live: inputs x, weights w, bias b,
# target y and learning rate lr (loss 0.0581 at the start, 0.0097 after 20 steps).
LESSON4 = {"x": (0.8, -0.4, 1.2), "w": (0.2, -0.1, 0.3), "b": 0.1, "y": 1.0, "lr": 0.5}
ECHO_SECONDS = 2.0  # how long the browser's echo of a value the explorer set may take to come back


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

    live = False  # draws a figure: redraw on release (see Explorer.live)

    title = "One sigmoid neuron: forward, backward ledger, and one step of gradient descent"
    kind = "neuron explorer"

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
        self.controls["step"] = W.Button(description="one step", button_style="primary",
                                         tooltip="one step of gradient descent: w ← w − lr·dL/dw, b ← b − lr·dL/db")
        self.controls["reset"] = W.Button(description="reset", tooltip="back to the starting x, w, b, y and lr")
        self.controls["step"].on_click(lambda _b: self.step())
        self.controls["reset"].on_click(lambda _b: self.reset())
        self.history = []  # loss after each step since the last reset or manual change
        self.steps = 0
        self._sent = []  # (time, control, value) the explorer set itself, so their echoes are known
        self._drawn = None  # the loss history the plot shows
        self._figure = None  # the loss plot's (figure, axes, line), made at the first drawing
        self._forward, self._backward, self._update = W.HTML(), W.HTML(), W.HTML()
        self._plot = W.HTML(layout=W.Layout(min_width="360px", min_height="240px"))
        c = self.controls
        sliders = W.VBox([W.HBox([c["x1"], c["w1"]]), W.HBox([c["x2"], c["w2"]]),
                          W.HBox([c["x3"], c["w3"]]), W.HBox([c["b"], c["y"]]), c["lr"],
                          W.HBox([c["step"], c["reset"]])])
        tables = W.HBox([self._forward, self._backward, self._update],
                        layout=W.Layout(grid_gap="16px"))
        self._finish([sliders, wrap_row([tables, self._plot])])

    # ---- the current parameters, read from the sliders ----

    def _params(self):
        c = self.controls
        x = [c[f"x{i}"].value for i in (1, 2, 3)]
        w = [c[f"w{i}"].value for i in (1, 2, 3)]
        return x, w, c["b"].value, c["y"].value, c["lr"].value

    def changed(self, change):
        """A manual change of x, w, b or y starts a new loss history (lr does not change the loss)."""
        owner, new, old = change["owner"], change["new"], change["old"]
        # The browser snaps a value the kernel set to the slider's step grid and sends it back;
        # only a move of at least half a step is the learner's own change.
        moved = abs(new - old) >= owner.step / 2
        if moved and _from_browser(change) and self._echoes(owner, new):
            # the echo of an earlier step came back after a newer step: keep the newer value
            self._quiet = True
            try:
                owner.value = old
            finally:
                self._quiet = False
            return False
        if moved and owner is not self.controls["lr"]:
            self.history, self.steps = [], 0
        return True

    def _echoes(self, control, value):
        """True if ``value`` is (to half a step) one the explorer set on ``control`` in the last moments."""
        recent = time.monotonic() - ECHO_SECONDS
        self._sent = [s for s in self._sent if s[0] > recent]
        return any(c is control and abs(v - value) < control.step / 2 for _, c, v in self._sent)

    def _set_params(self, **values):
        """Set sliders by name without a redraw in between, remembering what was sent to the browser."""
        now = time.monotonic()
        self._sent += [(now, self.controls[name], value) for name, value in values.items()]
        self.set_quietly(**values)

    def update(self):
        """Recompute the ledger from the sliders and redraw the tables and loss plot."""
        x, w, b, y, lr = self._params()
        led = neuron_ledger(x, w, b, y)
        new_w, new_b = neuron_update(led, w, b, lr)
        if not self.history:  # first draw, reset, or a manual change: the loss at the start
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
        if self._drawn != self.history:  # lr (say) changes the tables, not the loss plot
            self._plot.value = self._draw()
            self._drawn = list(self.history)

    def _draw(self):
        if self._figure is None:  # one figure, kept: each drawing moves its line, limits and title
            fig = figure((4.2, 2.8), layout=None)
            fig.subplots_adjust(left=0.19, right=0.97, bottom=0.17, top=0.89)  # fixed margins: one pass
            ax = fig.add_subplot()
            line, = ax.plot([], [], "o-", ms=3, color=COLORS["loss"])
            ax.set_xlabel("step")
            ax.set_ylabel("loss ½(ŷ − y)²")
            ax.grid(alpha=0.3)
            self._figure = fig, ax, line
        fig, ax, line = self._figure
        line.set_data(range(len(self.history)), self.history)
        ax.set_title(f"loss after {self.steps} step{'s' if self.steps != 1 else ''}: {self.history[-1]:.4f}",
                     fontsize=10)
        ax.relim()
        ax.autoscale(True)  # set_ylim below turns autoscaling off: on again for this history
        ax.set_ylim(bottom=0)
        return figure_svg(fig, alt="loss after each step: " + ", ".join(f"{v:.4f}" for v in self.history),
                          tight=False)

    # ---- buttons ----

    def _step(self):
        """One step at once, so every click counts; the drawing may wait for the clicks queued behind it."""
        x, w, b, y, lr = self._params()
        led = neuron_ledger(x, w, b, y)
        new_w, new_b = neuron_update(led, w, b, lr)
        limit = self.controls["b"].max
        if any(abs(v) > limit for v in new_w + [new_b]):
            raise ValueError(f"this step would move a weight past ±{limit:g}, the slider's end; "
                             "lower lr or press reset")
        self._set_params(w1=new_w[0], w2=new_w[1], w3=new_w[2], b=new_b)
        if not self.history:
            self.history.append(led["loss"])
        self.history.append(neuron_ledger(x, new_w, new_b, y)["loss"])
        self.steps += 1
        return True

    def step(self):
        """Apply one SGD step (w ← w − lr·dL/dw, b ← b − lr·dL/db) and grow the loss plot."""
        if self.guarded(self._step):
            self.redraw(soon=True)
        return self

    def _reset(self):
        s = self._start
        self._set_params(x1=s["x"][0], x2=s["x"][1], x3=s["x"][2], w1=s["w"][0], w2=s["w"][1],
                         w3=s["w"][2], b=s["b"], y=s["y"], lr=s["lr"])
        self.history, self.steps = [], 0
        return True

    def reset(self):
        """Go back to the starting x, w, b, y, lr and clear the loss history."""
        if self.guarded(self._reset):
            self.redraw(soon=True)
        return self


def neuron_explorer(x=LESSON4["x"], w=LESSON4["w"], b=LESSON4["b"], y=LESSON4["y"], lr=LESSON4["lr"]):
    """One sigmoid neuron with its backward ledger; press "one step" to train (values: z, yhat, loss, dL/dw1...)."""
    return NeuronExplorer(x, w, b, y, lr)
