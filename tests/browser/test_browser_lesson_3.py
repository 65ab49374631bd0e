"""Lesson 3's explorer (the diamond as an expression_explorer), used as a person would."""

import pytest

from .explorer_checks import lesson, sliders_to_both_ends

pytestmark = pytest.mark.browser


def diamond_grads(a, b):
    """d/da and d/db of (a+b) + a·b + (a+b)·a·b, by hand."""
    return 1 + b + (a * b + (a + b) * b), 1 + a + (a * b + (a + b) * a)


@pytest.fixture(scope="module")
def diamond(tabs):
    return lesson(tabs, "03_").explorer(title="Expression graph").scroll()


@pytest.mark.notebook("03_")
def test_diamond_starts_at_25_and_19_and_follows_the_sliders(diamond):
    assert (diamond.number("dL/da"), diamond.number("dL/db")) == (25.0, 19.0)
    texts = diamond.svg_texts()
    boxes = [t for t in texts if t.startswith("data")]
    assert len(boxes) == 7, texts  # a, b, s, p, s + p, s·p, y: s and p are shared, not built twice
    b = diamond.slider("b")
    b.type_value("0")
    diamond.wait_changed("dL/da", "25.0000")
    diamond.settle()
    assert diamond.number("b") == 0.0 and diamond.number("dL/da") == 1.0 and diamond.number("dL/db") == 7.0
    assert diamond.svg_texts() != texts  # the drawn graph follows
    a = diamond.slider("a")
    for key in ("ArrowRight", "ArrowLeft", "PageUp"):
        old = diamond.text("dL/db")
        a.press(key)
        diamond.wait_changed("dL/db", old)
        diamond.settle()
        want = diamond_grads(diamond.number("a"), diamond.number("b"))
        assert (diamond.number("dL/da"), diamond.number("dL/db")) == pytest.approx(want, abs=1e-3)


@pytest.mark.notebook("03_")
def test_diamond_sliders_at_both_ends_show_no_error(diamond):
    sliders_to_both_ends(diamond, ["a", "b"])
