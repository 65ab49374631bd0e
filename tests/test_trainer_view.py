"""training_view (lesson 7): driven as the learner's loop drives it (.update per step) and as a person
does (.controls["step"]), read back through .values; bad input is shown inside the view."""

import numpy as np
import pytest

from backprop_lab import moons, training_view

X, Y01 = moons(40, noise=0.1, seed=0)
Y = 2 * Y01 - 1


def linear(w0, w1, b):
    return lambda P: np.asarray(P) @ np.array([w0, w1]) + b


def accuracy(predict):
    return float(np.mean((predict(X) > 0) == (Y > 0)))


def run(view, steps, every_loss=lambda k: 1.0 / (k + 1)):
    """A fake loop whose boundary tilts a little each step."""
    for k in range(steps + 1):
        view.update(k, every_loss(k), linear(0.2 * k, -1.0, 0.1))


def test_placeholder_before_anything_and_waiting_note():
    view = training_view(X, Y, steps=10)
    assert view.values == {} and view.error is None
    assert "Run this cell" in view._repr_mimebundle_()["text/plain"]
    assert "view.update(step, loss, predict)" in view._ledger.value


@pytest.mark.slow  # several matplotlib drawings
def test_loop_fills_values_progress_and_snapshots_every_few_steps():
    view = training_view(X, Y, steps=10, every=5)
    for k in range(11):
        view.update(k, 1.0 / (k + 1), linear(0.2 * k, -1.0, 0.1))
        assert view.progress.value == k
        shown = max(s for s in view.snapshots if s <= k)
        assert view.values["step"] == shown  # the boundary is redrawn only every 5 steps
    assert sorted(view.snapshots) == [0, 5, 10]
    assert view.values == {"step": 10, "loss": pytest.approx(1 / 11),
                           "accuracy": pytest.approx(accuracy(linear(2.0, -1.0, 0.1)))}
    assert view.controls["step"].disabled is False  # replay is open once training is done
    assert "<svg" in view._plot.value and view.error is None


@pytest.mark.slow  # several matplotlib drawings
def test_step_slider_replays_earlier_snapshots():
    view = training_view(X, Y, steps=10, every=5)
    run(view, 10)
    svg = view._plot.value
    view.controls["step"].value = 7  # shows the latest snapshot at or before 7
    assert view.values["step"] == 5 and view.values["loss"] == pytest.approx(1 / 6)
    assert view.values["accuracy"] == pytest.approx(accuracy(linear(1.0, -1.0, 0.1)))
    assert view._plot.value != svg
    view.controls["step"].value = 0
    assert view.values["step"] == 0 and view.values["accuracy"] == pytest.approx(accuracy(linear(0, -1, 0.1)))


@pytest.mark.slow  # several matplotlib drawings
def test_a_second_run_starts_afresh():
    view = training_view(X, Y, steps=10, every=5)
    run(view, 10)
    view.update(0, 9.0, linear(1, 1, 0))
    assert sorted(view.snapshots) == [0] and view.values["loss"] == 9.0 and view.progress.value == 0


def test_loss_may_be_a_value():
    from backprop_lab import Value
    view = training_view(X, Y, steps=4)
    view.update(0, Value(0.5), linear(1, 0, 0))
    assert view.values["loss"] == 0.5 and view.error is None


@pytest.mark.parametrize("step, loss, predict, words", [
    (11, 0.5, None, "step must be a whole number from 0 to 10"),
    (1.5, 0.5, None, "step must be a whole number"),
    (0, "big", None, "loss must be a number"),
    (0, 0.5, "f", "predict must be a function"),
    (0, 0.5, lambda P: np.zeros(3), "one score per point"),
    (0, 0.5, lambda P: 1 / 0, "ZeroDivisionError"),
])
def test_bad_reports_are_shown_inside_the_view_not_raised(step, loss, predict, words):
    view = training_view(X, Y, steps=10)
    view.update(step, loss, predict)  # must not raise
    assert view.error is not None and words in view.error
    assert "backprop-lab-error" in view._error_box.value
    view.update(0, 0.5, linear(1, 0, 0))  # a good report clears it
    assert view.error is None and view._error_box.value == ""


def test_nan_scores_and_loss_are_drawn_without_error():
    view = training_view(X, Y, steps=2, every=1)
    view.update(0, float("nan"), lambda P: np.full(len(P), np.nan))
    assert view.error is None and np.isnan(view.values["loss"]) and "<svg" in view._plot.value


@pytest.mark.parametrize("args, words", [
    ((np.zeros((5, 3)), np.zeros(5), 10), "n×2"),
    ((X, Y[:-1], 10), "one label per point"),
    ((X, Y, 0), "steps must be"),
    ((X, Y, True), "steps must be"),
])
def test_bad_setup_is_a_clear_error(args, words):
    with pytest.raises(ValueError, match=words):
        training_view(*args)


def test_labels_zero_one_are_understood():
    view = training_view(X, Y01, steps=1)
    view.update(1, 0.1, linear(2.0, -1.0, 0.1))
    assert view.values["accuracy"] == pytest.approx(accuracy(linear(2.0, -1.0, 0.1)))


@pytest.mark.parametrize("loss", [np.float64(0.7), np.float32(0.7), np.array(0.7)])
def test_loss_may_be_a_numpy_number(loss):
    view = training_view(X, Y, steps=4)
    view.update(0, loss, linear(1, 0, 0))
    assert view.error is None and view.values["loss"] == pytest.approx(0.7)


@pytest.mark.slow  # several matplotlib drawings
def test_step_slider_moves_by_the_recorded_interval_and_shows_the_step_in_the_table():
    view = training_view(X, Y, steps=10, every=5)
    slider = view.controls["step"]
    assert slider.step == 5
    run(view, 10)
    slider.value = 6  # between two snapshots: the readout goes to the step the table shows
    assert slider.value == view.values["step"] == 5
    slider.value = 99
    assert slider.value == 5 and "outside" in view.error


@pytest.mark.slow  # several matplotlib drawings
def test_step_slider_burst_draws_only_the_newest_snapshot():
    import asyncio

    from helpers import run_async

    view = training_view(X, Y, steps=10, every=2)
    run(view, 10)
    drawn, real = [], view._draw
    view._draw = lambda step, snap: drawn.append(step) or real(step, snap)

    async def drag():
        for k in (2, 4, 6, 8):
            view.controls["step"].set_state({"value": k})
        assert drawn == []
        await asyncio.sleep(0.2)

    run_async(drag)
    assert drawn == [8] and view.values["step"] == 8


def test_step_slider_readout_is_the_step_shown_when_steps_are_off_the_grid():
    view = training_view(X, Y, steps=7, every=3)  # snapshots at 0, 3, 6 and 7
    for k in (0, 3):
        view.update(k, 1.0, linear(1, 0, 0))
    view.controls["step"].disabled = False
    view.controls["step"].value = 2
    assert view.controls["step"].value == view.values["step"] == 0


def test_the_drawing_says_its_step_loss_and_accuracy_in_text():
    import html
    import re

    view = training_view(X, Y, steps=4, every=2)
    run(view, 4)
    view.controls["step"].value = 2
    label = html.unescape(re.search(r'<svg role="img" aria-label="([^"]*)"', view._plot.value).group(1))
    assert label == (f"decision boundary at step 2 of 4; loss {1 / 3:.4f}, "
                     f"accuracy {view.values['accuracy']:.4f}")


def test_replaying_a_step_again_reuses_its_drawing():
    view = training_view(X, Y, steps=10, every=5)
    run(view, 10)
    draws, real = [], view._draw
    view._draw = lambda step, snap: draws.append(step) or real(step, snap)
    for step in (5, 10, 5, 0, 10, 0, 5):
        view.controls["step"].value = step
    assert draws == [5, 0]  # step 10 was drawn by the loop; each other step once
    assert view.values["step"] == 5 and view.error is None


def test_a_new_run_draws_afresh():
    view = training_view(X, Y, steps=10, every=5)
    run(view, 10)
    view.controls["step"].value = 5
    old = view._plot.value
    run(view, 10, every_loss=lambda k: 2.0 / (k + 1))  # the loop runs again: new losses
    view.controls["step"].value = 5
    assert view.values["loss"] == pytest.approx(2 / 6) and view._plot.value != old
