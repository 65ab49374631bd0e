"""The explorers of lessons 4 and 5 (sigmoid neuron, XOR), used as a person would: drags, key presses, clicks.

Each test reads back the numbers the page shows (``td.bl-value[data-name=...]``) and the drawn
SVGs, so a slider that stopped updating its numbers, or a drawing that stopped following, fails.
Tests are grouped by notebook (see conftest); each notebook is opened and run once.
"""

import math
import re

import pytest

from .explorer_checks import lesson, sliders_to_both_ends
from .learner import learners_edition, type_and_check

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------- 04: neuron

@pytest.fixture(scope="module")
def neuron(tabs):
    return lesson(tabs, "04_").explorer(title="sigmoid neuron").scroll()


def _points(svg):
    """How many round markers matplotlib drew: <use> elements of a circle marker (a path with curves).

    Tick marks are markers too, but straight ones; text glyphs are <use> of glyph paths.
    """
    paths = re.findall(r'<path id="(m[0-9a-f]+)" d="([^"]*)"', svg)
    circles = [m for m, d in paths if re.search(r"\sC\s", d)]
    return sum(svg.count(f'xlink:href="#{m}"') for m in circles)


@pytest.mark.notebook("04_")
def test_neuron_one_step_lowers_the_loss_and_grows_the_plot(neuron):
    assert neuron.text("loss") == "0.0581"
    svg = neuron.svg()
    losses = [neuron.number("loss")]
    for k in (1, 2):
        neuron.click("one step")
        neuron.wait_until(lambda: neuron.number("step") == k, what=f"step {k}")
        neuron.settle()
        losses.append(neuron.number("loss"))
        new = neuron.svg()
        assert new != svg and _points(new) == _points(svg) + 1, "the loss plot did not gain a point"
        svg = new
    assert losses[2] < losses[1] < losses[0], losses
    neuron.click("reset")
    neuron.wait_until(lambda: neuron.text("loss") == "0.0581", what="loss back to 0.0581 after reset")


@pytest.mark.notebook("04_")
def test_neuron_sliders_move_the_forward_values(neuron):
    z, loss = neuron.text("z"), neuron.text("loss")
    neuron.slider("w1").press("ArrowRight", times=3)
    neuron.wait_changed("z", z)
    neuron.settle()
    assert neuron.number("loss") != float(loss)
    yhat = neuron.number("yhat")
    assert neuron.number("z") == pytest.approx(math.log(yhat / (1 - yhat)), abs=1e-3)  # ŷ = σ(z)
    assert neuron.number("loss") == pytest.approx(0.5 * (yhat - neuron.number("y")) ** 2, abs=1e-4)
    neuron.click("reset")
    neuron.wait_until(lambda: neuron.text("loss") == "0.0581", what="reset")


@pytest.mark.notebook("04_")
def test_neuron_sliders_at_both_ends_show_no_error(neuron):
    sliders_to_both_ends(neuron, ["x1", "x2", "x3", "w1", "w2", "w3", "b", "y", "lr"])
    neuron.click("reset")
    neuron.wait_until(lambda: neuron.text("loss") == "0.0581", what="reset")


# ---------------------------------------------------------------- 05: XOR

@pytest.fixture(scope="module")
def xor_ex(tabs):
    return lesson(tabs, "05_").explorer(title="XOR").scroll()


_PROGRESS_WATCH = """el => {
  const bar = el.querySelector('.widget-hprogress .progress-bar, .widget-progress .progress-bar');
  const st = window.__blProgress = {widths: [], done: null};
  const obs = new MutationObserver(() => {
    const now = performance.now();
    if (bar.style.width !== (st.widths.length ? st.widths[st.widths.length - 1][1] : null))
      st.widths.push([now, bar.style.width]);
    const cap = el.querySelector('.backprop-lab-ledger caption');
    if (st.done === null && cap && cap.textContent.includes('after training')) st.done = now;
  });
  obs.observe(el, {attributes: true, attributeFilter: ['style'], subtree: true, childList: true,
                   characterData: true});
  window.__blProgressStop = () => { obs.disconnect(); return st; };
}"""


def train_and_watch(ex):
    """Press train; return ([(ms, bar %)...] seen in the page, ms when the final ledger appeared)."""
    caption = ex.root.locator(".backprop-lab-ledger caption").first
    assert "after training" not in caption.inner_text()
    ex.root.evaluate(_PROGRESS_WATCH)
    ex.click("train")
    ex.wait_until(lambda: "after training" in caption.inner_text(), timeout=120, what="training to end")
    ex.settle()
    st = ex.page.evaluate("() => window.__blProgressStop()")
    return [(t, float(w.rstrip("%"))) for t, w in st["widths"] if w], st["done"]


@pytest.mark.notebook("05_")
def test_xor_mlp_trains_to_100_percent_with_live_progress(xor_ex):
    assert xor_ex.number("step") == 0
    xor_ex.slider("steps").press("End")  # 2000 steps: long enough to watch the bar move
    xor_ex.wait_until(lambda: xor_ex.slider("steps").value() == 2000, what="steps = 2000")
    xor_ex.settle()
    seen, done = train_and_watch(xor_ex)
    middle = [(t, p) for t, p in seen if 0 < p < 100]
    assert len(middle) >= 2, f"the progress bar did not move while training: {seen}"
    assert [p for _, p in middle] == sorted(p for _, p in middle) and seen[-1][1] == 100.0, seen
    # The bar moved in the page while the kernel was still training, not all at once at the end.
    assert done is not None and middle[0][0] < done - 100, (middle[0][0], done)
    print(f"\nXOR train: first progress {done - middle[0][0]:.0f} ms before the final ledger; "
          f"{len(middle)} progress updates seen")
    assert xor_ex.number("step") == 2000
    assert xor_ex.number("accuracy") == 1.0
    assert xor_ex.number("loss") < 0.01


@pytest.mark.notebook("05_")
def test_xor_single_neuron_cannot_reach_100_percent(xor_ex):
    xor_ex.select("model", "single neuron")
    xor_ex.wait_until(lambda: xor_ex.number("step") == 0, what="a fresh model")
    xor_ex.settle()
    train_and_watch(xor_ex)
    assert xor_ex.number("accuracy") < 1.0
    assert xor_ex.number("loss") > 0.1


@pytest.mark.notebook("05_")
def test_xor_sliders_at_both_ends_show_no_error(xor_ex):
    xor_ex.select("model", "MLP")
    xor_ex.settle()
    sliders_to_both_ends(xor_ex, ["hidden", "lr", "steps", "seed"])


# ---------------------------------------------------------------- the learner's edition: typing answers

LEDGER_SLIP_QUARTER = '''# Exercise 4.1: write the backward ledger: dL_dyhat, dyhat_dz, dL_dz, dL_dw, dL_db
def backward_ledger(x, w, b, y):
    yhat = sigmoid(sum(xi * wi for xi, wi in zip(x, w)) + b)
    dL_dyhat = yhat - y
    dyhat_dz = 0.25
    dL_dz = dL_dyhat * dyhat_dz
    dL_dw = [dL_dz * xi for xi in x]
    dL_db = dL_dz
    return {"dL/dyhat": dL_dyhat, "dyhat/dz": dyhat_dz, "dL/dz": dL_dz, "dL/dw": dL_dw, "dL/db": dL_db}'''
LEDGER_SLIP_NO_X = LEDGER_SLIP_QUARTER.replace("0.25", "yhat * (1 - yhat)").replace("dL_dz * xi", "dL_dz")
LEDGER_RIGHT = LEDGER_SLIP_QUARTER.replace("0.25", "yhat * (1 - yhat)")

LOOP = '''# Exercise 5.4: write one training step: forward, zero the grads, backward, update
def half_mse(preds, targets):
    return sum((p - t) ** 2 for p, t in zip(preds, targets)) * (0.5 / len(targets))


def train(model, steps, lr, every=100):
    losses = []
    for step in range(steps):
        loss = half_mse([model(x) for x in data], targets)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(loss.data)
    return losses'''
LOOP_NO_RESET = LOOP.replace("        model.zero_grad()\n", "")


@pytest.mark.notebook("04_")
def test_learner_edition_4_1_names_each_slip_then_offers_the_solution(tabs, lab):
    nb = learners_edition(tabs, lab, "04_")[0]
    errors = nb.errors()  # Run All stops at the first error: the blank of 4.1, raising its own error
    assert errors and all("NotImplementedError" in e and "Exercise 4.1" in e for e in errors), errors
    first = "# Exercise 4.1"
    text = type_and_check(nb, first, LEDGER_SLIP_QUARTER, "σ′ = 0.25")
    assert "NOT YET" in text and "hint:" in text and "Show the solution" not in text, text
    text = type_and_check(nb, first, LEDGER_SLIP_NO_X, "xᵢ is missing")
    assert "Show the solution" in text, text  # two failed tries: the solution is offered
    assert "twice" not in text and "sign" not in text, text
    text = type_and_check(nb, first, LEDGER_RIGHT, "PASS")
    assert "✗" not in text, text


@pytest.mark.notebook("05_")
def test_learner_edition_5_4_names_the_forgotten_reset(tabs, lab):
    nb = learners_edition(tabs, lab, "05_")[0]
    assert nb.errors() and all("NotImplementedError" in e for e in nb.errors()), nb.errors()
    first = "# Exercise 5.4"
    text = type_and_check(nb, first, LOOP_NO_RESET, "never reset")
    assert "NOT YET" in text, text
    text = type_and_check(nb, first, LOOP, "PASS")
    assert "✗" not in text, text
