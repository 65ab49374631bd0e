"""An nbgrader course made from notebooks/ in a temporary folder: generate_assignment and autograde.

Each lesson is its own assignment (named like the notebook, without .ipynb), so each lesson's
marks are separate. nbgrader's own ClearSolutions puts one fixed stub in every blank; here a
subclass (deploy/course.py's ExerciseStubs) writes the stub that names the exercise (the ``# Exercise
N.M: ...`` first line), as the conventions in CONTRIBUTING.md ask. The classroom hub's course uses the
same class (python deploy/classroom.py course ...).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
NBGRADER = [sys.executable, "-m", "nbgrader"]
EXERCISE = re.compile(r"^#\s*Exercise\s+([\w.]+):\s*(.+?)\s*$")

# The stubs class lives in deploy/course.py, which the classroom hub's course uses at run time.
sys.path.insert(0, str(TESTS.parent / "deploy"))
from course import ExerciseStubs  # noqa: E402,F401  (None without nbgrader; the tests that need it skip)


CONFIG = '''\
import sys
sys.path.insert(0, {tests!r})
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput,
                                    ComputeChecksums, IncludeHeaderFooter, InstantiateTests, LockCells, SaveCells)
from nbgrader_course import ExerciseStubs

c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "backprop_lab"
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
# nbgrader's own list for generate_assignment, with ExerciseStubs in ClearSolutions' place.
c.GenerateAssignment.preprocessors = [IncludeHeaderFooter, InstantiateTests, LockCells, ExerciseStubs, ClearOutput,
                                      CheckCellMetadata, ComputeChecksums, SaveCells, ClearHiddenTests,
                                      ClearMarkScheme, ComputeChecksums, CheckCellMetadata]
c.Execute.timeout = 600  # the capstone's training cells take longer than nbgrader's 30 s default
'''


def write_config(root):
    root = Path(root)
    (root / "nbgrader_config.py").write_text(CONFIG.format(tests=str(TESTS), root=str(root)))


def nbgrader(root, *args, timeout=900):
    """Run an nbgrader command in the course folder; returns its output, failing with it if it fails."""
    # nbgrader runs the `alembic` command, which sits beside this interpreter.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    proc = subprocess.run([*NBGRADER, *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{out[-4000:]}"
    return out


def make_course(root, lessons):
    """A course with one assignment per lesson, all generated (release/<lesson>/<lesson>.ipynb)."""
    root = Path(root)
    write_config(root)
    for path in lessons:
        source = root / "source" / path.stem
        source.mkdir(parents=True)
        shutil.copy(path, source / path.name)
    nbgrader(root, "generate_assignment", "*", "--force")  # every assignment, in one run
    return root


def submit(root, lesson, student, notebook_file):
    """Put ``notebook_file`` where nbgrader looks for ``student``'s copy of ``lesson``."""
    lesson = Path(lesson)
    folder = Path(root) / "submitted" / student / lesson.stem
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook_file, folder / lesson.name)


def autograde_all(root):
    """Autograde every submission in one run; returns {(lesson, student): (score, max score)} and the log."""
    from nbgrader.api import Gradebook, MissingEntry

    proc_log = ""
    try:
        proc_log = nbgrader(root, "autograde", "*", "--force")
    except AssertionError as exc:  # the per-lesson tests say which lesson is missing
        proc_log = str(exc)
    scores = {}
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        for folder in sorted((Path(root) / "submitted").glob("*/*")):
            student, lesson = folder.parent.name, folder.name
            try:
                sub = gb.find_submission_notebook(lesson, lesson, student)
            except MissingEntry:
                continue
            scores[lesson, student] = (sub.score, sub.max_score)
    return scores, proc_log
