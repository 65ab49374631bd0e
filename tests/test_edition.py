"""The two editions: notebooks/ (solved) and the learner's edition that `make lab` writes to my_lessons/.

- backprop_lab.edition turns each solution region into a stub naming its exercise, drops hidden
  tests and outputs, and leaves no line of any solution behind;
- it gives the same notebooks as nbgrader's generate_assignment, cell by cell;
- a lesson already in the learner's folder is never overwritten;
- the learner's edition, run top to bottom with every blank left, raises only the stubs' own errors;
- nbgrader's autograde gives full marks to notebooks/ and zero to the blanks, lesson by lesson.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import nbgrader_course as course
from backprop_lab import edition
from backprop_lab.edition import learner_notebook, make_edition, solutions_of

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
LESSONS = edition.lessons(NOTEBOOKS)
IDS = [p.stem for p in LESSONS]
STUB = re.compile(r'raise NotImplementedError\("Exercise ([\w.]+): ')


def read(path):
    return nbformat.read(path, as_version=4)


def regions(source, begin="BEGIN SOLUTION", end="END SOLUTION"):
    """(lines inside regions, lines outside them) of one cell's source."""
    inside, outside, within = [], [], False
    for line in source.split("\n"):
        if begin in line:
            within = True
        elif end in line:
            within = False
        else:
            (inside if within else outside).append(line)
    return inside, outside


def solution_lines_left(solved, generated):
    """Non-blank lines of the solutions that are still in the generated notebook (lines that also
    appear outside every solution region, such as `return out`, do not count)."""
    inside, outside = set(), set()
    for cell in solved.cells:
        i, o = regions(cell.source)
        inside |= {ln.strip() for ln in i if ln.strip()}
        outside |= {ln.strip() for ln in o if ln.strip()}
    secret = inside - outside
    left = []
    for k, cell in enumerate(generated.cells):
        left += [(k, ln.strip()) for ln in cell.source.split("\n") if ln.strip() in secret]
    return left


def exercise_cells(nb):
    """The solution cells of a notebook, with the index of each."""
    return [(k, c) for k, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution")]


# ---------------------------------------------------------------- the generator on a small notebook

def tiny_notebook():
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    sol = nbformat.v4.new_code_cell(
        "# Exercise 9.1: return twice x\ndef twice(x):\n    \"Twice x.\"\n    ### BEGIN SOLUTION\n"
        "    y = x + x\n    return y\n    ### END SOLUTION")
    sol.metadata["nbgrader"] = {"grade": False, "grade_id": "ex9-1", "locked": False, "schema_version": 3,
                                "solution": True, "task": False}
    check = nbformat.v4.new_code_cell(
        'exercise("9.1", twice(3) == 6)\n### BEGIN HIDDEN TESTS\nassert twice(3) == 6\n### END HIDDEN TESTS')
    check.metadata["nbgrader"] = {"grade": True, "grade_id": "ex9-1-check", "locked": True, "points": 1,
                                  "schema_version": 3, "solution": False, "task": False}
    check.outputs = [nbformat.v4.new_output("stream", text="PASS\n")]
    check.execution_count = 4
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny"), sol, check]
    return nb


def test_a_solution_region_becomes_a_stub_that_names_its_exercise():
    out = learner_notebook(tiny_notebook())
    assert out.cells[1].source == (
        '# Exercise 9.1: return twice x\ndef twice(x):\n    "Twice x."\n    raise NotImplementedError('
        '"Exercise 9.1: return twice x (the check below gives a hint, and the solution after two tries)")')
    assert out.cells[2].source == 'exercise("9.1", twice(3) == 6)'  # the hidden test is gone
    assert out.cells[2].outputs == [] and out.cells[2].execution_count is None
    assert out.cells[1].metadata["deletable"] is False and "editable" not in out.cells[1].metadata
    assert out.cells[2].metadata["editable"] is False  # the check cell is locked, as nbgrader does
    assert out.cells[0].source == "# Tiny" and out.cells[0].metadata == {}


def test_without_solutions_the_stub_promises_only_a_hint():
    out = learner_notebook(tiny_notebook(), solutions=False)
    assert "(the check below gives a hint)" in out.cells[1].source and "solution after" not in out.cells[1].source


def test_solutions_json_holds_the_solved_cell_without_markers():
    assert solutions_of(tiny_notebook()) == {
        "9.1": '# Exercise 9.1: return twice x\ndef twice(x):\n    "Twice x."\n    y = x + x\n    return y'}


@pytest.mark.parametrize("source, words", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", "must start with a line"),
    ("# Exercise 9.2: x\n### BEGIN SOLUTION\nx = 1", "no 'END SOLUTION'"),
])
def test_a_malformed_solution_cell_is_named(source, words):
    nb = tiny_notebook()
    nb.cells[1].source = source
    with pytest.raises((ValueError, RuntimeError), match=words):
        learner_notebook(nb)


def test_a_region_outside_a_solution_cell_is_refused():
    nb = tiny_notebook()
    del nb.cells[1].metadata["nbgrader"]
    with pytest.raises(RuntimeError, match="outside a solution cell"):
        learner_notebook(nb)


# ---------------------------------------------------------------- the real lessons

@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_no_line_of_a_solution_is_left_in_the_learners_edition(lesson):
    solved = read(lesson)
    generated = learner_notebook(solved)
    assert solution_lines_left(solved, generated) == []
    assert not any("BEGIN SOLUTION" in c.source or "HIDDEN TESTS" in c.source for c in generated.cells)
    assert all(c.outputs == [] for c in generated.cells if c.cell_type == "code")


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_exercise_follows_the_conventions(lesson):
    """A solution cell starts with '# Exercise N.M: ...' and is followed by its locked, graded check cell."""
    nb = read(lesson)
    number = lesson.name[:2].lstrip("0")
    for k, cell in exercise_cells(nb):
        first = cell.source.split("\n", 1)[0]
        found = edition.EXERCISE_LINE.match(first)
        assert found, f"{lesson.name} cell {k}: first line {first!r} is not '# Exercise N.M: ...'"
        ex_id, what = found["id"], found["what"]
        assert ex_id.split(".")[0] == number and '"' not in what and len(what) <= 80, (lesson.name, first)
        meta = cell.metadata["nbgrader"]
        assert meta["grade"] is False and meta["locked"] is False and meta["schema_version"] == 3
        assert "BEGIN SOLUTION" in cell.source, f"{lesson.name} cell {k}: no ### BEGIN SOLUTION region"
        check = nb.cells[k + 1]
        cmeta = check.metadata.get("nbgrader", {})
        assert cmeta.get("grade") is True and cmeta.get("locked") is True and cmeta.get("points", 0) > 0, (
            f"{lesson.name} cell {k + 1}: the cell after exercise {ex_id} is not its graded check cell")
        assert re.search(rf'^exercise\("{re.escape(ex_id)}", ', check.source, re.M), (
            f"{lesson.name} cell {k + 1}: the check cell of {ex_id} has no line exercise(\"{ex_id}\", ...)")
        assert "### BEGIN HIDDEN TESTS" in check.source, f"{lesson.name} cell {k + 1}: no hidden test"
    ids = [edition.exercise_of(c)[0] for _, c in exercise_cells(nb)]
    assert len(ids) == len(set(ids)), f"{lesson.name}: an exercise id is used twice: {ids}"


def test_the_learners_folder_is_made_once_and_an_edited_lesson_survives(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    for lesson in LESSONS[:2]:
        shutil.copy(lesson, src / lesson.name)
    dest = tmp_path / "my_lessons"
    assert [p.name for p in make_edition(src, dest, quiet=True)] == [p.name for p in LESSONS[:2]]
    mine = dest / LESSONS[0].name
    nb = read(mine)
    nb.cells[0].source += "\n\nMy own note."
    nbformat.write(nb, mine)
    edited = mine.read_bytes()
    (dest / LESSONS[1].name).unlink()  # "start a lesson afresh": delete it and run again
    shutil.copy(LESSONS[2], src / LESSONS[2].name)  # and a lesson added since
    again = make_edition(src, dest, quiet=True)
    assert [p.name for p in again] == [LESSONS[1].name, LESSONS[2].name]
    assert mine.read_bytes() == edited
    solutions = json.loads((dest / "solutions.json").read_text())
    assert set(solutions) == {ex for lesson in LESSONS[:3] for ex in solutions_of(read(lesson))}


def test_no_solutions_writes_none_and_removes_an_old_one(tmp_path):
    make_edition(NOTEBOOKS, tmp_path, quiet=True)
    assert (tmp_path / "solutions.json").exists()
    make_edition(NOTEBOOKS, tmp_path, solutions=False, quiet=True)
    assert not (tmp_path / "solutions.json").exists()


def test_the_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "backprop_lab.edition", str(NOTEBOOKS), str(tmp_path / "mine")],
                         capture_output=True, text=True, check=True).stdout
    assert f"{len(LESSONS)} lesson(s) written" in out
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == sorted([p.name for p in LESSONS]
                                                                           + ["solutions.json"])


def test_make_lab_opens_the_learners_first_lesson_and_git_ignores_it():
    makefile = (REPO / "Makefile").read_text()
    lab = makefile.split("\nlab:")[1].split("\n\n")[0]
    assert "edition" in makefile.split("\nlab:")[1].split("\n")[0]
    assert "/lab/tree/$(LESSONS)/01_derivatives.ipynb" in lab
    assert "$(PY) -m backprop_lab.edition notebooks $(LESSONS)" in makefile
    assert re.search(r"^LESSONS := my_lessons$", makefile, re.M)
    ignored = (REPO / ".gitignore").read_text().split()
    assert {"my_lessons/", "my_engine.py", "solutions.json"} <= set(ignored)


# ---------------------------------------------------------------- nbgrader itself (slow)

@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory):
    """nbgrader's course: every lesson generated with `nbgrader generate_assignment`."""
    pytest.importorskip("nbgrader", reason="nbgrader is missing (it is in the [test] extra)")
    return course.make_course(tmp_path_factory.mktemp("course"), LESSONS)


@pytest.fixture(scope="module")
def learners_edition(tmp_path_factory):
    folder = tmp_path_factory.mktemp("my_lessons")
    make_edition(NOTEBOOKS, folder, quiet=True)
    return folder


def comparable(cell):
    """A cell as nbformat writes it, for comparing two editions."""
    return json.loads(json.dumps(cell, sort_keys=True))


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_nbgrader_gives_the_same_learners_edition(nbgrader_course, learners_edition, lesson):
    theirs = read(nbgrader_course / "release" / lesson.stem / lesson.name)
    ours = read(learners_edition / lesson.name)
    assert len(theirs.cells) == len(ours.cells)
    for k, (a, b) in enumerate(zip(theirs.cells, ours.cells)):
        assert comparable(a) == comparable(b), f"{lesson.name} cell {k} differs"
    assert theirs.metadata == ours.metadata
    assert solution_lines_left(read(lesson), theirs) == []


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_the_learners_edition_with_its_blanks_raises_only_the_stubs_own_errors(learners_edition, lesson, tmp_path):
    """Every cell runs (errors allowed), in a fresh kernel, in a folder of its own; each error is a stub's."""
    from nbclient import NotebookClient

    folder = tmp_path / "lessons"
    folder.mkdir()
    shutil.copy(learners_edition / lesson.name, folder / lesson.name)
    shutil.copy(learners_edition / "solutions.json", folder / "solutions.json")
    nb = read(folder / lesson.name)
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=600, store_widget_state=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    blanks = {edition.exercise_of(c)[0] for _, c in exercise_cells(nb)}
    errors = [(k, o) for k, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    bad = [f"cell {k}: {o.ename}: {o.evalue}" for k, o in errors
           if o.ename != "NotImplementedError" or not re.match(r"Exercise ([\w.]+): ", o.evalue)
           or re.match(r"Exercise ([\w.]+): ", o.evalue)[1] not in blanks]
    assert bad == [], f"{lesson.name}: errors that are not a stub's own:\n" + "\n".join(bad)


@pytest.fixture(scope="module")
def autograded(nbgrader_course, learners_edition):
    """Each lesson submitted twice, as solved (notebooks/) and as blank (the learner's edition), then autograded."""
    for lesson in LESSONS:
        course.submit(nbgrader_course, lesson, "solved", lesson)
        course.submit(nbgrader_course, lesson, "blank", learners_edition / lesson.name)
    return course.autograde_all(nbgrader_course)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_autograde_gives_full_marks_to_the_solutions_and_zero_to_the_blanks(autograded, lesson):
    scores, log = autograded
    for student in ("solved", "blank"):
        assert (lesson.stem, student) in scores, f"{lesson.name} ({student}) was not graded:\n{log[-3000:]}"
    score, most = scores[lesson.stem, "solved"]
    assert most > 0, f"{lesson.name} has no graded check cells"
    assert score == most, f"{lesson.name}: the solved edition scored {score} of {most}"
    score, most = scores[lesson.stem, "blank"]
    assert score == 0, f"{lesson.name}: the blanks scored {score} of {most}"
