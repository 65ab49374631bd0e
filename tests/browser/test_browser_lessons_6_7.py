"""The explorers of lessons 6 and 7 (vanishing gradients; the capstone's training view), used as a
person would: drag, key presses, clicks, and running a cell again; and the learner's edition of both
lessons, typed into as a learner would: a slip, a second slip, then the answer.

Each test reads back the numbers the page shows (``td.bl-value[data-name=...]``) and the drawn SVGs,
so a control that stopped updating its numbers, or a drawing that stopped following, fails. Tests
are grouped by notebook (see conftest); each notebook is opened and run once.
"""

import pytest

from .explorer_checks import lesson, sliders_to_both_ends
from .learner import learners_edition, type_and_check


pytestmark = pytest.mark.browser


# ---------------------------------------------------------------- 06: vanishing gradients

@pytest.fixture(scope="module")
def vanishing(tabs):
    return lesson(tabs, "06_").explorer(title="Vanishing").scroll()


@pytest.mark.notebook("06_")
def test_vanishing_sigmoid_depth_10_drops_over_100x(vanishing):
    assert vanishing.number("depth") == 10
    assert vanishing.number("ratio") >= 100
    assert vanishing.number("last") / vanishing.number("first") >= 100
    assert "100×" in vanishing.root.inner_text()


@pytest.mark.notebook("06_")
def test_vanishing_explorer_agrees_with_the_lessons_own_backward_pass(vanishing):
    # The lesson's NumPy backward pass printed layer 1 1.34e-08 and layer 10 2.51e-02 for these settings.
    page_text = vanishing.page.locator(".jp-OutputArea-output").filter(has_text="layer 10: mean |dL/dW|")
    assert "layer  1: mean |dL/dW| = 1.34e-08" in page_text.first.inner_text()
    assert vanishing.number("first") == pytest.approx(1.34e-8, rel=5e-3)
    assert vanishing.number("last") == pytest.approx(2.51e-2, rel=5e-3)


@pytest.mark.notebook("06_")
def test_vanishing_depth_and_activation_redraw(vanishing):
    svg, ratio10 = vanishing.svg(), vanishing.number("ratio")
    vanishing.slider("depth").press("ArrowLeft", times=5)
    vanishing.wait_until(lambda: vanishing.number("depth") == 5, what="depth = 5")
    svg = vanishing.wait_svg_changed(svg)
    vanishing.settle()
    assert 1 < vanishing.number("ratio") < ratio10  # fewer sigmoid layers, a smaller drop
    svg, old = vanishing.svg(), vanishing.text("ratio")
    vanishing.select("activation", "relu")
    vanishing.wait_changed("ratio", old)
    vanishing.wait_svg_changed(svg)
    vanishing.settle()
    vanishing.select("activation", "sigmoid")
    svg, old = vanishing.svg(), vanishing.text("ratio")
    residual = vanishing.root.get_by_role("checkbox", name="residual")
    residual.check()  # a skip path around each layer: the gradient reaches layer 1 again
    vanishing.wait_changed("ratio", old)
    vanishing.wait_svg_changed(svg)
    vanishing.settle()
    assert vanishing.number("ratio") < 100 and vanishing.error() == ""
    residual.uncheck()
    vanishing.slider("depth").type_value("10")
    vanishing.wait_until(lambda: vanishing.number("depth") == 10 and vanishing.text("ratio") == f"{ratio10:.3e}"
                         or vanishing.number("ratio") == ratio10, what="back at sigmoid, depth 10")


@pytest.mark.notebook("06_")
def test_vanishing_sliders_at_both_ends_show_no_error(vanishing):
    sliders_to_both_ends(vanishing, ["depth", "init_scale", "seed"])


@pytest.mark.notebook("06_")
def test_vanishing_note_is_two_sided(vanishing):
    """tanh at 3× the usual scale, 30 layers deep: the FIRST layer gets thousands of times the last one's."""
    vanishing.select("activation", "tanh")
    vanishing.slider("depth").type_value("30")
    vanishing.slider("init_scale").type_value("3")
    vanishing.wait_until(lambda: vanishing.number("depth") == 30 and vanishing.number("ratio") < 0.01,
                         what="the gradient growing towards layer 1")
    vanishing.settle()
    text = vanishing.root.inner_text()
    assert "The first layer gets over 100× the last layer's gradient" in text and "every layer" not in text
    vanishing.slider("init_scale").type_value("1")
    vanishing.slider("depth").type_value("10")
    vanishing.select("activation", "sigmoid")
    vanishing.wait_until(lambda: vanishing.number("ratio") > 100, what="back at sigmoid, depth 10")


# ---------------------------------------------------------------- 07: the capstone's training view

@pytest.fixture(scope="module")
def capstone(tabs):
    return lesson(tabs, "07_")


@pytest.fixture(scope="module")
def trainer(capstone):
    return capstone.explorer(title="Training").scroll()


_TRAIN_WATCH = """el => {
  const bar = el.querySelector('.widget-hprogress .progress-bar, .widget-progress .progress-bar');
  const st = window.__blTrain = {widths: [], steps: [], restarted: null, done: null};
  const obs = new MutationObserver(() => {
    const now = performance.now();
    if (bar.style.width !== (st.widths.length ? st.widths[st.widths.length - 1][1] : null))
      st.widths.push([now, bar.style.width]);
    const cell = el.querySelector('td.bl-value[data-name="step"]');
    const step = cell ? cell.textContent.trim() : null;
    if (step !== null && step !== (st.steps.length ? st.steps[st.steps.length - 1][1] : null))
      st.steps.push([now, step]);
    const cap = el.querySelector('.backprop-lab-ledger caption');
    const text = cap ? cap.textContent : '';
    if (st.restarted === null && text.includes('step 0 of')) st.restarted = now;  // the new run began
    if (st.restarted !== null && st.done === null && text.includes('after training')) st.done = now;
  });
  obs.observe(el, {attributes: true, attributeFilter: ['style'], subtree: true, childList: true,
                   characterData: true});
  window.__blTrainStop = () => { obs.disconnect(); return st; };
}"""


def run_cell(nb, text):
    """Put the cursor in the code cell containing ``text`` and run it (Ctrl+Enter), as a person would."""
    editor = nb.page.locator(".jp-CodeCell .cm-content").filter(has_text=text)
    assert editor.count() == 1, f"expected one cell containing {text!r}, found {editor.count()}"
    editor.first.scroll_into_view_if_needed()
    editor.first.click()
    nb.page.keyboard.press("Control+Enter")


@pytest.mark.notebook("07_")
def test_capstone_run_all_ends_trained_with_every_point_right(trainer):
    trainer.settle()
    assert trainer.number("step") == 50
    assert trainer.number("accuracy") == 1.0
    assert 0 < trainer.number("loss") < 0.05
    assert "after training" in trainer.root.locator(".backprop-lab-ledger caption").inner_text()
    bar = trainer.root.locator(".progress-bar").first
    assert bar.evaluate("b => b.style.width") == "100%"
    assert trainer.error() == ""


@pytest.mark.notebook("07_")
def test_capstone_progress_and_boundary_update_live_while_the_loop_runs(capstone, trainer):
    svg = trainer.svg()
    trainer.root.evaluate(_TRAIN_WATCH)
    run_cell(capstone, "run = train(num=Scalar, view=view)")  # the learner's engine, loss and loop
    caption = trainer.root.locator(".backprop-lab-ledger caption").first
    trainer.wait_until(lambda: "step 0 of 50" in caption.inner_text(), timeout=60, what="the run to restart")
    trainer.wait_until(lambda: "after training" in caption.inner_text(), timeout=300, what="training to end")
    trainer.settle()
    st = trainer.page.evaluate("() => window.__blTrainStop()")
    widths = [(t, float(w.rstrip("%"))) for t, w in st["widths"] if w and t >= st["restarted"]]
    middle = [(t, p) for t, p in widths if 0 < p < 100]
    assert len(middle) >= 5, f"the progress bar did not move while training: {widths}"
    assert [p for _, p in middle] == sorted(p for _, p in middle) and widths[-1][1] == 100.0, widths
    assert st["done"] is not None and middle[0][0] < st["done"] - 100, "the bar only moved at the end"
    shown = [int(s) for t, s in st["steps"] if t >= st["restarted"]]
    assert shown[-1] == 50 and len(set(shown)) >= 5, f"the view showed too few snapshots: {shown}"
    assert shown == sorted(shown) and all(s % 5 == 0 for s in shown), shown  # redrawn every 5 steps
    print(f"\ncapstone: {len(middle)} progress updates; snapshots shown at steps {shown}")
    assert trainer.number("step") == 50 and trainer.number("accuracy") == 1.0
    assert trainer.svg() != svg or shown[0] == 0  # the drawing went back to step 0 and came back


@pytest.mark.notebook("07_")
def test_capstone_step_slider_replays_the_run(trainer):
    trainer.settle()
    end_svg, end_loss = trainer.svg(), trainer.number("loss")
    trainer.slider("step").drag_to(0.0)
    trainer.wait_until(lambda: trainer.number("step") == 0, what="step 0")
    trainer.wait_svg_changed(end_svg)
    trainer.settle()
    assert trainer.number("accuracy") == 0.5  # the untrained network: half the points right
    assert trainer.number("loss") > 10 * end_loss
    trainer.slider("step").press("End")
    trainer.wait_until(lambda: trainer.number("step") == 50, what="step 50 again")
    trainer.settle()
    assert trainer.number("accuracy") == 1.0 and trainer.number("loss") == end_loss


@pytest.mark.notebook("07_")
def test_capstone_step_slider_at_both_ends_shows_no_error(trainer):
    sliders_to_both_ends(trainer, ["step"])


# ---------------------------------------------------------------- the learner's edition of lessons 6 and 7

@pytest.mark.notebook("06_")
def test_learner_edition_6_backward_a_slip_a_hint_the_solution_then_pass(tabs, lab):
    nb, answers, _ = learners_edition(tabs, lab, "06_")
    errors = nb.errors()  # Run All stops at the first blank's own error
    assert errors and all("NotImplementedError" in e and "Exercise 6." in e for e in errors), errors
    right = answers["6.2"]
    no_slope = right.replace("dz = dh * slopes[i]", "dz = dh")
    assert no_slope != right
    text = type_and_check(nb, "# Exercise 6.2", no_slope, "NOT YET")
    assert "the activation was skipped" in text and "hint:" in text and "Show the solution" not in text, text
    output = right.replace("grads[i] = dz.T @ hs[i] ", "grads[i] = dz.T @ hs[i + 1] ")
    assert output != right
    text = type_and_check(nb, "# Exercise 6.2", output, "Show the solution")
    assert "the layer's output hs[i + 1]" in text, text
    text = type_and_check(nb, "# Exercise 6.2", right, "PASS")
    assert "✗" not in text, text


@pytest.mark.notebook("07_")
def test_learner_edition_7_writes_the_loss_and_the_loop_then_trains_on_them(tabs, lab):
    nb, answers, _ = learners_edition(tabs, lab, "07_")
    errors = nb.errors()
    assert errors and all("NotImplementedError" in e and "Exercise 7.1" in e for e in errors), errors
    no_relu = answers["7.1"].replace("(1 - yk * sk).relu()", "(1 - yk * sk)")
    assert no_relu != answers["7.1"]
    text = type_and_check(nb, "# Exercise 7.1", no_relu, "NOT YET")
    assert "use (1 − y·s).relu()" in text and "hint:" in text, text
    text = type_and_check(nb, "# Exercise 7.1", answers["7.1"], "PASS")
    text = type_and_check(nb, "# Exercise 7.2", answers["7.2"].replace("p.data -= rate", "p.data += rate"), "NOT YET")
    assert "moved uphill" in text, text
    text = type_and_check(nb, "# Exercise 7.2", answers["7.2"], "PASS")
    nb.run_all()  # every blank is filled now: the whole lesson runs, training on the learner's own loss and loop
    assert nb.errors() == []
    trainer = nb.explorer(title="Training")
    trainer.settle()
    assert trainer.number("step") == 50 and trainer.number("accuracy") == 1.0
