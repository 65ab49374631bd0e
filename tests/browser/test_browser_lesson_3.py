"""Lesson 3's explorer (the diamond as an expression_explorer), used as a person would."""

import pytest

from .explorer_checks import lesson, sliders_to_both_ends
from .learner import learners_edition, type_and_check

pytestmark = pytest.mark.browser


def diamond_grads(a, b):
    """d/da and d/db of (a+b) + a·b + (a+b)·a·b, by hand."""
    return 1 + b + (a * b + (a + b) * b), 1 + a + (a * b + (a + b) * a)


@pytest.fixture(scope="module")
def diamond(tabs):
    return lesson(tabs, "03_").explorer(title="Expression graph").scroll()


@pytest.mark.notebook("03_")
def test_diamond_starts_at_25_and_19_and_follows_the_sliders(diamond):
    assert (diamond.number("dy/da"), diamond.number("dy/db")) == (25.0, 19.0)
    texts = diamond.svg_texts()
    boxes = [t for t in texts if t.startswith("data")]
    assert len(boxes) == 7, texts  # a, b, s, p, s + p, s·p, y: s and p are shared, not built twice
    b = diamond.slider("b")
    b.type_value("0")
    diamond.wait_changed("dy/da", "25.0000")
    diamond.settle()
    assert diamond.number("b") == 0.0 and diamond.number("dy/da") == 1.0 and diamond.number("dy/db") == 7.0
    assert diamond.svg_texts() != texts  # the drawn graph follows
    a = diamond.slider("a")
    for key in ("ArrowRight", "ArrowLeft", "PageUp"):
        old = diamond.text("dy/db")
        a.press(key)
        diamond.wait_changed("dy/db", old)
        diamond.settle()
        want = diamond_grads(diamond.number("a"), diamond.number("b"))
        assert (diamond.number("dy/da"), diamond.number("dy/db")) == pytest.approx(want, abs=1e-3)


@pytest.mark.notebook("03_")
def test_diamond_sliders_at_both_ends_show_no_error(diamond):
    sliders_to_both_ends(diamond, ["a", "b"])


# ---------------------------------------------------------------- the learner's edition: typing the engine

MUL = '''# Exercise 3.1: write the backward of a * b: one line per input
def __mul__(self, other):
    other = other if isinstance(other, Scalar) else Scalar(other)
    out = Scalar(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


Scalar.__mul__ = __mul__
'''
MUL_NO_UPSTREAM = MUL.replace("other.data * out.grad", "other.data").replace("self.data * out.grad", "self.data")
MUL_OWN_VALUE = MUL.replace("+= other.data * out.grad", "+= self.data * out.grad", 1).replace(
    "other.grad += self.data", "other.grad += other.data")


@pytest.mark.notebook("03_")
def test_learner_edition_3_types_the_engine_and_saves_it(tabs, lab):
    """Each blank raises its own error; slips are named; a hint, then the solution; all seven right, then saved."""
    nb, answers, folder = learners_edition(tabs, lab, "03_")
    errors = nb.errors()  # Run All stops at the first error: backward() is a blank, raising its own error
    assert errors and all("NotImplementedError" in e and "Exercise 3.7" in e for e in errors), errors
    engine = folder / "my_engine.py"
    engine.unlink(missing_ok=True)
    try:
        text = type_and_check(nb, "# Exercise 3.1", MUL_NO_UPSTREAM, "you left out out.grad")
        assert "NOT YET" in text and "hint:" in text and "Show the solution" not in text, text
        text = type_and_check(nb, "# Exercise 3.1", MUL_OWN_VALUE, "OTHER input's value")
        assert "Show the solution" in text and "out.grad:" not in text, text
        text = type_and_check(nb, "# Exercise 3.1", MUL, "PASS")
        assert "✗" not in text, text
        no_return = answers["3.3"].replace("    return out\n", "")
        text = type_and_check(nb, "# Exercise 3.3", no_return, "did you forget `return out`?")
        assert "NOT YET" in text and "AttributeError" not in text, text
        text = type_and_check(nb, "checks = {", None, "Not saved yet", then_check=False)
        assert "finish exercise 3.2 first" in text, text
        for ex in ("3.2", "3.3", "3.4", "3.5", "3.6", "3.7"):
            text = type_and_check(nb, f"# Exercise {ex}", answers[ex], "PASS", timeout=90_000)
            assert "✗" not in text, (ex, text)
        text = type_and_check(nb, "checks = {", None, "Saved your Scalar", then_check=False)
        assert "lessons 4–7 run on it" in text, text
        saved = engine.read_text(encoding="utf-8")
        assert "other.grad += self.data * out.grad" in saved and "def topological_order(root):" in saved
        assert "SOLUTION" not in saved
    finally:
        engine.unlink(missing_ok=True)  # the other lessons' tests start without it

