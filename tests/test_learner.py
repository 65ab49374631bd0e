"""save_engine / learner_engine: lesson 3's Scalar, saved to my_engine.py, loads again in lessons 4–7 and gives
the right gradients (finite differences, torch, and the reference Value), with the learner's own
topological_order; without the file the lessons get Value and one line saying so."""

import math
import sys

import pytest

from backprop_lab import Value, learner_engine, save_engine
from backprop_lab.learner import ENGINE_FILE, engine_source
from helpers import assert_close, torch
from lesson3_engine import engine_cells, engine_namespace, solved_engine

# Everything lessons 4–7 may use (the list published for them); each expression mixes Scalars and numbers.
EXPRESSIONS = {
    "add/mul/radd/rmul": (lambda a, b: 2 * a * b + 3 + a, (0.7, -1.3)),
    "sub/rsub/neg": (lambda a, b: 1 - a - b - (-a * b), (0.7, -1.3)),
    "div/rtruediv": (lambda a, b: a / b + 2 / (a * b), (0.7, -1.3)),
    "pow": (lambda a, b: a**3 + (b * b) ** 0.5 + a**-2, (0.7, -1.3)),
    "tanh": (lambda a, b: (a * b).tanh() * a, (0.7, -1.3)),
    "exp": (lambda a, b: (a - b).exp() + a.exp() * b, (0.7, -1.3)),
    "sigmoid": (lambda a, b: (a * b).sigmoid() + a.sigmoid() + (a * -900).sigmoid(), (0.7, -1.3)),
    "relu": (lambda a, b: (a * b).relu() + a.relu() * 3 + (-b * a).relu(), (0.7, -1.3)),
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(the loaded my_engine module's Scalar, the file) after save_engine(Scalar) of the solved lesson."""
    folder = tmp_path_factory.mktemp("lessons")
    path = save_engine(solved_engine()["Scalar"], folder)
    assert path == folder / ENGINE_FILE
    return learner_engine(folder), path


def grads(cls, fn, xs):
    leaves = [cls(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def test_the_saved_engine_is_the_learners_class_not_the_reference(saved, capsys, tmp_path):
    Scalar, path = saved
    assert Scalar is not Value and Scalar.__name__ == "Scalar" and Scalar.__module__ == "my_engine"
    learner_engine(path.parent)
    assert capsys.readouterr().out.strip() == f"This lesson runs on your Scalar from lesson 3 ({ENGINE_FILE})."


def test_the_saved_file_holds_the_learners_code_without_the_solution_markers(saved):
    text = saved[1].read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert text.startswith('"""Your Scalar engine from lesson 3') and "import math\n" in text
    assert "\ndef topological_order(root):" in text and "'A number that remembers how it was made.'" in text
    for line in ("self.grad += other.data * out.grad", "self.grad += n * self.data ** (n - 1) * out.grad",
                 "order = topological_order(self)", "def __rtruediv__(self, other):", "def sigmoid(self):"):
        assert line in text, line


def test_the_saved_engine_uses_the_learners_own_topological_order(saved):
    Scalar, path = saved
    order = Scalar.backward.__globals__["topological_order"]
    assert order.__module__ == "my_engine" and order.__code__.co_filename == str(path)  # from the saved file
    a, b = Scalar(2.0), Scalar(3.0)
    s, p = a + b, a * b
    y = (s + p) + s * p
    assert [n.data for n in order(y)] == [2.0, 3.0, 5.0, 6.0, 11.0, 30.0, 41.0]


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_each_op_of_the_saved_engine_matches_finite_differences_and_value(saved, name):
    Scalar, _ = saved
    fn, xs = EXPRESSIONS[name]
    data, got = grads(Scalar, fn, xs)
    ref_data, ref = grads(Value, fn, xs)
    assert_close(data, ref_data, rel=1e-12, abs_=1e-12, what="forward vs Value")
    for i in range(len(xs)):
        up = [x + 1e-6 if j == i else x for j, x in enumerate(xs)]
        down = [x - 1e-6 if j == i else x for j, x in enumerate(xs)]
        numeric = (fn(*map(Scalar, up)).data - fn(*map(Scalar, down)).data) / 2e-6
        assert_close(got[i], numeric, rel=1e-6, abs_=1e-7, what=f"{name} d/dx{i}")
        assert_close(got[i], ref[i], rel=1e-10, abs_=1e-12, what=f"{name} d/dx{i} vs Value")


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_each_op_of_the_saved_engine_matches_torch(saved, name, needs_torch):
    Scalar, _ = saved
    fn, xs = EXPRESSIONS[name]
    data, got = grads(Scalar, fn, xs)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward()
    assert_close(data, out.item(), rel=1e-12, abs_=1e-12, what="forward")
    for g, t in zip(got, ts):
        assert_close(g, t.grad.item(), rel=1e-10, abs_=1e-12, what=name)


def test_what_later_lessons_use_exists_on_both_engines(saved):
    """The names published to lessons 4–7; each behaves the same on the saved Scalar and on Value."""
    Scalar, _ = saved
    for cls in (Scalar, Value):
        x = cls(0.5, label="x")
        assert (x.data, x.grad, x.label, x._prev) == (0.5, 0.0, "x", ())
        y = x * 2
        assert isinstance(y._op, str) and list(y._prev)[0] is x and len(y._prev) == 2
        for name in ("backward", "tanh", "exp", "relu", "sigmoid", "__add__", "__radd__", "__sub__", "__rsub__",
                     "__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__pow__", "__neg__"):
            assert callable(getattr(cls, name)), (cls, name)
        assert sum([cls(1.0), cls(2.0)]).data == 3.0  # sum() starts from 0: __radd__


def test_a_deep_chain_and_a_second_backward_on_the_saved_engine(saved):
    Scalar, _ = saved
    x = Scalar(1.0)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
    a, b, c, f = Scalar(2.0), Scalar(-3.0), Scalar(10.0), Scalar(-2.0)
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    L.backward()
    assert [n.grad for n in (a, b, c, f, e, d)] == [12.0, -8.0, -4.0, 8.0, -2.0, -2.0]  # leaves add up, as Value's


def test_a_scalar_exponent_is_refused_with_the_fix(saved):
    Scalar, _ = saved
    with pytest.raises(TypeError, match="plain number"):
        Scalar(2.0) ** Scalar(3.0)


def test_without_the_file_the_lesson_runs_on_value_and_says_so(tmp_path, capsys):
    assert learner_engine(tmp_path) is Value
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "my_engine.py is not here yet" in out and "backprop_lab.Value" in out


def test_a_broken_file_falls_back_to_value_and_says_why(tmp_path, capsys):
    (tmp_path / ENGINE_FILE).write_text("class Scalar:\n    def f(self):\n        return 1 +\n", encoding="utf-8")
    assert learner_engine(tmp_path) is Value
    out = capsys.readouterr().out
    assert "did not load (SyntaxError" in out and "Re-run lesson 3" in out and out.count("\n") == 1


def test_a_learners_own_way_of_writing_it_is_saved_too(tmp_path):
    """Answers written differently (a lambda, a second helper, an op under two names) still load and work."""
    cells = engine_cells()
    cells[-1] = '''
def backward(self):
    order = my_order(self)
    for node in order:
        if node._prev:
            node.grad = 0.0
    self.grad = 1.0
    for node in order[::-1]:
        node._backward()


def my_order(root):
    return topological_order(root)


Scalar.backward = backward
Scalar.__neg__ = lambda self: self * -1
Scalar.__rmul__ = Scalar.__mul__
'''
    Scalar = engine_namespace(cells)["Scalar"]
    text = engine_source(Scalar)
    assert "def my_order(root):" in text and "def topological_order(root):" in text
    assert "    __neg__ = lambda self: self * -1\n" in text and "    __rmul__ = __mul__\n" in text
    Saved = learner_engine(save_engine(Scalar, tmp_path).parent)
    x = Saved(0.8)
    y = (3 * -x).tanh()
    y.backward()
    assert math.isclose(x.grad, -3 * (1 - math.tanh(-2.4) ** 2), rel_tol=1e-12)


def test_several_lambdas_on_one_line_are_each_saved_as_written(tmp_path):
    cells = engine_cells() + ["Scalar.__pos__, Scalar.double = lambda self: self, lambda self: self * 2\n"]
    Saved = learner_engine(save_engine(engine_namespace(cells)["Scalar"], tmp_path).parent)
    x = Saved(1.5)
    assert (+x) is x and x.double().data == 3.0


def test_a_class_that_cannot_be_saved_says_why(tmp_path):
    class Empty:
        pass
    with pytest.raises(TypeError, match="no methods to save"):
        save_engine(Empty, tmp_path)
    namespace = engine_namespace(engine_cells())
    exec("def double(self):\n    return self * 2\n", namespace)  # no source to read back, unlike a cell
    namespace["Scalar"].double = namespace["double"]
    with pytest.raises(ValueError, match="cannot read the source of Scalar.double: define it in a cell"):
        save_engine(namespace["Scalar"], tmp_path)
    assert not (tmp_path / ENGINE_FILE).exists()


def test_a_class_without_what_later_lessons_use_is_not_saved_and_an_old_file_is_refused(tmp_path, capsys):
    """The save cell checks exercises 3.1–3.7; sigmoid is given, so a class re-run without it is caught here."""
    cells = [c for c in engine_cells() if not c.startswith("def sigmoid")]
    with pytest.raises(ValueError, match="has no sigmoid, which lessons 4–7 use"):
        save_engine(engine_namespace(cells)["Scalar"], tmp_path)
    assert not (tmp_path / ENGINE_FILE).exists()
    (tmp_path / ENGINE_FILE).write_text(engine_source(engine_namespace(cells)["Scalar"]), encoding="utf-8")
    assert learner_engine(tmp_path) is Value
    out = capsys.readouterr().out
    assert "did not load (AttributeError: its Scalar has no sigmoid)" in out and out.count("\n") == 1


def test_a_handed_out_lesson_finds_the_engine_saved_in_the_lesson_3_folder(tmp_path, capsys):
    """nbgrader hands out each lesson in a folder of its own: lesson 4 looks in ../03_building_the_engine/."""
    lesson3, lesson4 = tmp_path / "03_building_the_engine", tmp_path / "04_sigmoid_neuron"
    lesson4.mkdir()
    lesson3.mkdir()
    save_engine(engine_namespace(engine_cells())["Scalar"], lesson3)
    capsys.readouterr()
    Saved = learner_engine(lesson4)
    assert Saved is not Value and Saved.__name__ == "Scalar"
    assert "runs on your Scalar from lesson 3" in capsys.readouterr().out
    assert learner_engine(tmp_path / "somewhere_else_entirely") is Value  # no such folder: the reference
