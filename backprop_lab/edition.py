"""The learner's edition: the lessons with a blank for every exercise, made from the solved edition.

``notebooks/`` is the single source. Each part the learner writes sits between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` in a solution cell whose first line names it (``# Exercise 3.2: write
backward() ...``). This module does what nbgrader's ``generate_assignment`` does to such a notebook
(ClearSolutions with a stub per exercise, ClearHiddenTests, ClearOutput, LockCells and its
checksums), without needing nbgrader, so that ``make lab`` stays light; ``tests/test_edition.py``
checks that the two give the same notebooks, cell by cell.

    python -m backprop_lab.edition [notebooks] [my_lessons] [--no-solutions]

writes the lessons that are missing from the learner's folder (a lesson already there is never
touched: it may hold the learner's work) and ``solutions.json`` beside them.
"""

import argparse
import copy
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

__all__ = ["EXERCISE_LINE", "exercise_of", "stub_for", "learner_notebook", "solutions_of", "make_edition"]

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
EXERCISE_LINE = re.compile(r"^#\s*Exercise\s+(?P<id>[\w.]+):\s*(?P<what>.+?)\s*$")
SOLUTIONS_FILE = "solutions.json"
WITH_SOLUTIONS = "the check below gives a hint, and the solution after two tries"
WITHOUT_SOLUTIONS = "the check below gives a hint"


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def exercise_of(cell):
    """(id, what to write) from a solution cell's first line ``# Exercise 3.2: ...``, else None."""
    first = _source(cell).split("\n", 1)[0]
    m = EXERCISE_LINE.match(first.strip())
    return (m["id"], m["what"]) if m else None


def stub_for(cell, solutions=True):
    """The line that replaces a solution region: a NotImplementedError that names the exercise."""
    found = exercise_of(cell)
    if found is None:
        grade_id = _nbgrader(cell).get("grade_id", "?")
        raise ValueError(f"solution cell {grade_id} must start with a line '# Exercise N.M: what to write'")
    ex_id, what = found
    tail = WITH_SOLUTIONS if solutions else WITHOUT_SOLUTIONS
    return f'raise NotImplementedError("Exercise {ex_id}: {what} ({tail})")'


def _replace_regions(source, begin, end, stub=None):
    """nbgrader's region rule: lines from one containing ``begin`` to one containing ``end`` go;
    the stub (if any) takes the begin line's indent. Returns (new source, whether a region was found)."""
    out, inside, found = [], False, False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise RuntimeError(f"nested {begin!r} in:\n{source}")
            inside = found = True
            if stub is not None:
                out.append(re.match(r"\s*", line).group(0) + stub)
        elif end in line:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise RuntimeError(f"no {end!r} after {begin!r} in:\n{source}")
    return "\n".join(out), found


def solution_text(cell):
    """What the solution box shows: the solved cell without its markers and hidden tests."""
    source, _ = _replace_regions(_source(cell), BEGIN_HIDDEN, END_HIDDEN)
    return "\n".join(line for line in source.split("\n")
                     if BEGIN_SOLUTION not in line and END_SOLUTION not in line).strip("\n")


def _is_locked(meta):
    return not meta.get("solution", False) and (meta.get("grade", False) or meta.get("locked", False))


def checksum(cell):
    """nbgrader's checksum of a graded, solution or read-only cell (nbgrader.utils.compute_checksum)."""
    meta = cell["metadata"]["nbgrader"]
    m = hashlib.md5()
    for part in (cell["source"], cell["cell_type"], str(meta.get("grade", False)),
                 str(meta.get("solution", False)), str(_is_locked(meta)), meta["grade_id"]):
        m.update(part.encode("utf-8"))
    if meta.get("grade", False):
        m.update(str(float(meta["points"])).encode("utf-8"))
    return m.hexdigest()


def learner_cell(cell, solutions=True):
    """One cell of the learner's edition (a new cell; the given one is left as it is)."""
    cell = copy.deepcopy(cell)
    cell["source"] = _source(cell)
    meta = _nbgrader(cell)
    is_solution, is_grade = meta.get("solution", False), meta.get("grade", False)
    if is_solution or BEGIN_SOLUTION in cell["source"]:
        if not is_solution:
            raise RuntimeError(f"a solution region outside a solution cell:\n{cell['source']}")
        stub = stub_for(cell, solutions) if cell["cell_type"] == "code" else "YOUR ANSWER HERE"
        cell["source"], found = _replace_regions(cell["source"], BEGIN_SOLUTION, END_SOLUTION, stub)
        if not found:  # nbgrader blanks a solution cell with no region entirely
            cell["source"] = stub
    # LockCells, with nbgrader's defaults
    if is_solution:
        cell["metadata"]["deletable"] = False
    elif is_grade or _is_locked(meta):
        cell["metadata"]["deletable"] = False
        cell["metadata"]["editable"] = False
    # ClearOutput (nbconvert's ClearOutputPreprocessor)
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None
        for field in ("collapsed", "scrolled"):
            cell["metadata"].pop(field, None)
    # ClearHiddenTests
    cell["source"], found = _replace_regions(cell["source"], BEGIN_HIDDEN, END_HIDDEN)
    if found and not is_grade:
        raise RuntimeError(f"hidden tests outside a graded cell:\n{cell['source']}")
    # ComputeChecksums (its last run, after the hidden tests are gone)
    if is_solution or is_grade or _is_locked(meta):
        meta["checksum"] = checksum(cell)
        meta["cell_type"] = cell["cell_type"]
    return nbformat.from_dict(cell)


def learner_notebook(nb, solutions=True):
    """The learner's edition of one solved notebook (a new notebook)."""
    nb = copy.deepcopy(nb)
    nb["cells"] = [learner_cell(c, solutions) for c in nb["cells"]]
    nb["metadata"].pop("celltoolbar", None)
    return nb


def solutions_of(nb):
    """{exercise id: solution text} for every solution cell of a solved notebook."""
    found = {}
    for cell in nb["cells"]:
        if _nbgrader(cell).get("solution", False) and cell["cell_type"] == "code":
            ex = exercise_of(cell)
            if ex:
                found[ex[0]] = solution_text(cell)
    return found


def lessons(source):
    """The lesson notebooks of a folder, in order (NN_topic.ipynb)."""
    return sorted(p for p in Path(source).glob("[0-9][0-9]_*.ipynb"))


def make_edition(source, dest, solutions=True, quiet=False):
    """Write each lesson of ``source`` that ``dest`` lacks (never overwriting one), and solutions.json.

    Returns the list of lesson files written. ``solutions=False`` writes no solutions.json and
    removes one left from before, and the stubs do not promise a solution.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written, answers = [], {}
    for path in lessons(source):
        nb = nbformat.read(path, as_version=4)
        answers.update(solutions_of(nb))
        target = dest / path.name
        if target.exists():
            continue
        nbformat.write(learner_notebook(nb, solutions), target)
        written.append(target)
    sol = dest / SOLUTIONS_FILE
    if solutions:
        sol.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    elif sol.exists():
        sol.unlink()
    if not quiet:
        kept = len(lessons(source)) - len(written)
        print(f"{dest}: {len(written)} lesson(s) written"
              + (f", {kept} already there left as they are" if kept else ""))
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m backprop_lab.edition", description=__doc__.split("\n")[0])
    parser.add_argument("source", nargs="?", default="notebooks", help="the solved lessons (default: notebooks)")
    parser.add_argument("dest", nargs="?", default="my_lessons", help="the learner's folder (default: my_lessons)")
    parser.add_argument("--no-solutions", action="store_true",
                        help="write no solutions.json (for graded lessons); the stubs do not promise one")
    args = parser.parse_args(argv)
    if not lessons(args.source):
        parser.error(f"no lessons (NN_topic.ipynb) in {args.source}")
    make_edition(args.source, args.dest, solutions=not args.no_solutions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
