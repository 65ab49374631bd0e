"""The graded course on the classroom hub, with nbgrader: `python deploy/classroom.py course ...`.

Each lesson is an nbgrader assignment named like its notebook (03_building_the_engine). The
teacher releases it (made from notebooks/, the solved edition: every blank a stub naming its
exercise); learners fetch and submit it from JupyterLab's Assignments panel; the teacher
collects, autogrades (the graded cells are the lessons' check cells), releases feedback and
prints who has passed which exercise. Everything lives in the hub's state folder:

    <state>/course/          the teacher's nbgrader course: source/, release/, submitted/,
                             autograded/, feedback/, gradebook.db (no learner can read it)
    <state>/exchange/        nbgrader's exchange: outbound (released), inbound (submissions,
                             which learners cannot list), feedback
    <state>/learner-config/  the Jupyter and nbgrader settings every learner's server loads

When the hub runs as root, the nbgrader commands run as the system user bl_grader: a
submission's code runs during autograde, and it must not run as root.
"""

import argparse
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
COURSE_ID = "backprop_lab"
GRADER = "bl_grader"  # learners' system users never hold a "_" (classroom.system_user)
CELL_TIMEOUT = 600  # nbgrader's per-cell limit; a checker stops learner code after 30 s itself
EXERCISE = re.compile(r"^#\s*Exercise\s+([\w.]+):\s*(.+?)\s*$")
CHECK_CALL = re.compile(r'exercise\(\s*"([\w.]+)"')
STEPS = ("release", "collect", "autograde", "feedback", "report", "grade")

try:
    from nbgrader import utils as _nbutils
    from nbgrader.preprocessors import ClearSolutions
except ImportError:  # nbgrader is in the hub and test extras; the hub itself starts without it
    ClearSolutions = None

if ClearSolutions is None:
    ExerciseStubs = None
else:
    class ExerciseStubs(ClearSolutions):
        """nbgrader's ClearSolutions, with the stub of each solution cell made from its first line."""

        def preprocess_cell(self, cell, resources, cell_index):
            """Blank one cell, with a stub that names the exercise of its ``# Exercise N.M: ...`` line."""
            if cell.cell_type == "code" and _nbutils.is_solution(cell):
                m = EXERCISE.match(cell.source.split("\n", 1)[0].strip())
                if m is None:
                    raise RuntimeError(f"solution cell without a '# Exercise N.M: ...' first line:\n{cell.source}")
                self.code_stub = dict(self.code_stub, python=(
                    f'raise NotImplementedError("Exercise {m[1]}: {m[2]} '
                    '(the check below gives a hint, and the solution after two tries)")'))
            return super().preprocess_cell(cell, resources, cell_index)


TEACHER_CONFIG = '''\
# Written by deploy/course.py: the teacher's nbgrader course on the classroom hub.
import sys
sys.path.insert(0, {deploy!r})
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput,
                                    ComputeChecksums, IncludeHeaderFooter, InstantiateTests, LockCells, SaveCells)
from course import ExerciseStubs

c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.Exchange.root = {exchange!r}
# nbgrader's own list for generate_assignment, with ExerciseStubs in ClearSolutions' place.
c.GenerateAssignment.preprocessors = [IncludeHeaderFooter, InstantiateTests, LockCells, ExerciseStubs, ClearOutput,
                                      CheckCellMetadata, ComputeChecksums, SaveCells, ClearHiddenTests,
                                      ClearMarkScheme, ComputeChecksums, CheckCellMetadata]
# Longer than a checker's own 30 s limit, so an endless loop in an exercise is reported by its
# check ("took longer than 30 s", 0 points) and the notebook goes on; the capstone's training
# cells need minutes. A cell past this is interrupted and the grading goes on.
c.Execute.timeout = {timeout}
# Learners submit as system users bl-<name> under their hub names; `course collect` checks the owner.
c.CollectApp.check_owner = False
'''

LEARNER_CONFIG = '''\
# Written by deploy/course.py: what a learner's server needs to fetch and submit assignments.
import os
c = get_config()
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.assignment_dir = os.path.join(os.environ.get("HOME", "."), {folder!r})
if os.environ.get("JUPYTERHUB_USER"):
    c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]  # the hub name, not the system user
'''

# Learners get the Assignments panel (fetch, submit, feedback) and Validate; not the teacher's tools.
LEARNER_SERVER = {"ServerApp": {"jpserver_extensions": {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False}}}
LEARNER_LAB = {"disabledExtensions": {
    "@jupyter/nbgrader": False,
    "@jupyter/nbgrader:formgrader": True,
    "@jupyter/nbgrader:create-assignment": True,
    "@jupyter/nbgrader:course-list": True}}


def course_dir(state):
    """The teacher's nbgrader course folder inside the hub's state folder."""
    return Path(state) / "course"


def exchange_dir(state):
    """nbgrader's exchange folder inside the hub's state folder."""
    return Path(state) / "exchange"


def learner_config_dir(state):
    """The folder on every learner server's JUPYTER_CONFIG_PATH."""
    return Path(state) / "learner-config"


def _write(path, text, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)


def write_learner_config(state, folder):
    """Write the learners' Jupyter settings (server extension, lab plugins, nbgrader exchange)."""
    conf = learner_config_dir(state)
    conf.mkdir(parents=True, exist_ok=True)
    os.chmod(conf, 0o755)
    _write(conf / "nbgrader_config.py", LEARNER_CONFIG.format(
        course_id=COURSE_ID, exchange=str(exchange_dir(state)), folder=folder))
    _write(conf / "jupyter_server_config.json", json.dumps(LEARNER_SERVER, indent=1) + "\n")
    (conf / "labconfig").mkdir(exist_ok=True)
    os.chmod(conf / "labconfig", 0o755)
    _write(conf / "labconfig" / "page_config.json", json.dumps(LEARNER_LAB, indent=1) + "\n")
    exchange = exchange_dir(state)
    exchange.mkdir(exist_ok=True)
    os.chmod(exchange, 0o1777)  # nbgrader wants it world-writable; the sticky bit keeps entries apart
    return conf


def lesson_path(lesson, source=None):
    """The solved notebook named by a lesson number (3, 03) or its full name (03_building_the_engine)."""
    source = Path(source or REPO / "notebooks")
    found = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    text = str(lesson).removesuffix(".ipynb")
    for path in found:
        if text == path.stem or (text.isdigit() and int(text) == int(path.stem[:2])):
            return path
    names = ", ".join(p.stem for p in found)
    raise SystemExit(f"no lesson {lesson!r}: give its number (e.g. 3) or its full name, one of: {names}")


def grader_account():
    """(uid, gid) the nbgrader commands run as when root: bl_grader (made once); None when not root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(GRADER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", GRADER], check=True, capture_output=True)
        entry = pwd.getpwnam(GRADER)
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path, uid, gid):
    for dirpath, _dirs, filenames in os.walk(path):
        os.chown(dirpath, uid, gid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), uid, gid)


def prepare_course(state):
    """Make (or update) the teacher's course folder: config, owner and mode; returns its path."""
    state = Path(state).resolve()
    if not state.is_dir():
        raise SystemExit(f"no hub state folder at {state}: start the hub once (make hub), or pass --state")
    write_learner_config(state, "backprop_lab")
    root = course_dir(state)
    root.mkdir(exist_ok=True)
    (root / ".home").mkdir(exist_ok=True)
    _write(root / "nbgrader_config.py", TEACHER_CONFIG.format(
        deploy=str(DEPLOY), root=str(root), course_id=COURSE_ID, exchange=str(exchange_dir(state)),
        timeout=CELL_TIMEOUT))
    os.chmod(root, 0o700)
    account = grader_account()
    if account:
        _chown_tree(root, *account)
    return root


def nbgrader(root, *args, timeout=3600):
    """Run one nbgrader command in the course folder (as bl_grader when root); returns its output."""
    root = Path(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update(HOME=str(root / ".home"), PYTHONDONTWRITEBYTECODE="1",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "/usr/bin:/bin")]))
    account = grader_account()
    extra = dict(user=account[0], group=account[1], extra_groups=[]) if account else {}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout, **extra)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{out[-4000:]}")
    return out


def release(state, lesson):
    """Make the learner's edition of one lesson with nbgrader and put it in the exchange for learners."""
    root = prepare_course(state)
    path = lesson_path(lesson)
    source = root / "source" / path.stem
    source.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, source / path.name)  # as root: notebooks/ is closed to everyone else
    account = grader_account()
    if account:
        _chown_tree(root / "source", *account)
    nbgrader(root, "generate_assignment", path.stem, "--force")
    nbgrader(root, "release_assignment", path.stem, "--force")
    return path.stem


def _system_user(name):
    if str(DEPLOY) not in sys.path:
        sys.path.insert(0, str(DEPLOY))
    import classroom
    return classroom.system_user(name)


def check_owners(state, assignment):
    """Move aside inbound submissions not owned by the learner they name; returns their names.

    When the hub runs as root, learner <name> runs as system user bl-<name>, so a submission
    claiming to be <name>'s but owned by someone else was made by another learner.
    """
    inbound = exchange_dir(state) / COURSE_ID / "inbound"
    if os.geteuid() != 0 or not inbound.is_dir():
        return []
    aside = course_dir(state) / "quarantine"
    moved = []
    for entry in sorted(inbound.iterdir()):
        student, _, rest = entry.name.partition("+")
        if not rest.startswith(assignment + "+"):
            continue
        try:
            expected = pwd.getpwnam(_system_user(student)).pw_uid
        except KeyError:
            expected = None
        if entry.stat().st_uid != expected:
            aside.mkdir(mode=0o700, exist_ok=True)
            shutil.move(str(entry), aside / entry.name)
            moved.append(entry.name)
    return moved


def collect(state, lesson):
    """Collect every learner's newest submission of a lesson into the course's submitted/."""
    root, name = prepare_course(state), lesson_path(lesson).stem
    for bad in check_owners(state, name):
        print(f"set aside (not submitted by the learner it names): {bad} -> {course_dir(state) / 'quarantine'}")
    return nbgrader(root, "collect", name, "--update")


def autograde(state, lesson):
    """Run every collected submission of a lesson with its hidden tests, into the gradebook."""
    root, name = prepare_course(state), lesson_path(lesson).stem
    return nbgrader(root, "autograde", name, "--force")


def feedback(state, lesson):
    """Write each learner's feedback page for a lesson and release it for them to fetch."""
    root, name = prepare_course(state), lesson_path(lesson).stem
    return (nbgrader(root, "generate_feedback", name, "--force")
            + nbgrader(root, "release_feedback", name))


def exercise_names(path):
    """{grade cell id: exercise id} of a solved lesson's check cells (``exercise("3.1", ...)``)."""
    nb = json.loads(Path(path).read_text())
    names = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            m = CHECK_CALL.search(src)
            names[meta["grade_id"]] = m[1] if m else meta["grade_id"]
    return names


def results(state, lesson):
    """{learner: {exercise id: True (passed) / False (not yet)}} from the gradebook, for one lesson."""
    from nbgrader.api import Gradebook, MissingEntry

    path = lesson_path(lesson)
    source = course_dir(state) / "source" / path.stem / path.name
    if not source.is_file():
        raise SystemExit(f"{path.stem} was never released from {state}: run `course release {lesson}` first "
                         "(or pass the hub's --state)")
    names = exercise_names(source)
    out = {}
    with Gradebook(f"sqlite:///{course_dir(state) / 'gradebook.db'}") as gb:
        for student in gb.students:
            try:
                nb = gb.find_submission_notebook(path.stem, path.stem, student.id)
            except MissingEntry:
                continue
            out[student.id] = {names.get(g.name, g.name): g.score >= g.max_score > 0 for g in nb.grades}
    return out


def report_text(table):
    """The results as a table: a row per learner, a column per exercise, 'passed' or 'not yet'."""
    exercises = sorted({e for row in table.values() for e in row}, key=lambda e: [int(p) for p in e.split(".")]
                       if all(p.isdigit() for p in e.split(".")) else [e])
    width = max([len("learner")] + [len(n) for n in table])
    lines = ["  ".join(["learner".ljust(width)] + [e.ljust(7) for e in exercises] + ["passed"])]
    for learner in sorted(table):
        row = table[learner]
        cells = [("passed" if row.get(e) else "not yet").ljust(7) for e in exercises]
        lines.append("  ".join([learner.ljust(width)] + cells + [f"{sum(row.values())}/{len(exercises)}"]))
    if not table:
        lines.append("(no graded submission yet: run collect and autograde first)")
    return "\n".join(lines)


def report(state, lesson):
    """Print who has passed which exercise of a lesson; returns the table."""
    table = results(state, lesson)
    print(f"{lesson_path(lesson).stem}: {len(table)} learner(s)")
    print(report_text(table))
    return table


def main(argv=None, default_state=None):
    """`course STEP LESSON [--state DIR]`: one step of the teacher's cycle (grade = collect to report)."""
    p = argparse.ArgumentParser(prog="classroom.py course", description=main.__doc__)
    p.add_argument("step", choices=STEPS, help="release | collect | autograde | feedback | report | "
                                               "grade (collect, autograde, feedback and report in one go)")
    p.add_argument("lesson", help="the lesson's number (3) or full name (03_building_the_engine)")
    p.add_argument("--state", default=str(default_state or DEPLOY / "state"), help="the hub's state folder")
    args = p.parse_args(argv)
    lesson_path(args.lesson)  # a clear error now for a wrong lesson name
    state = Path(args.state).resolve()
    if not state.is_dir():
        raise SystemExit(f"no hub state folder at {state}: start the hub once (make hub), or pass its --state")
    if ClearSolutions is None:
        raise SystemExit("nbgrader is missing: pip install -e '.[hub]' (or run `make hub` once)")
    if args.step == "release":
        name = release(state, args.lesson)
        print(f"released {name}: learners see it in JupyterLab's Assignments panel (Fetch)")
    if args.step in ("collect", "grade"):
        collect(state, args.lesson)
    if args.step in ("autograde", "grade"):
        autograde(state, args.lesson)
    if args.step in ("feedback", "grade"):
        feedback(state, args.lesson)
    if args.step in ("report", "grade"):
        report(state, args.lesson)
    return 0
