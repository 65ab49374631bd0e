"""The repository's own checks: workflow files, style, and the notebooks' stored state.

GitHub is not reachable from here, so actionlint's static check of .github/workflows/ stands in for
a run on GitHub; these tests show it passes on the real files and fails on broken copies.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / "tools"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.y*ml"))
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
NBVAL_ARGS = "--nbval notebooks --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg"
# Where the lint extra puts its commands: next to the interpreter running the tests.
TOOL_PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def lint_tool(name):
    """The path of a command from the [lint] extra; skips, naming it, when it is not installed."""
    path = shutil.which(name, path=TOOL_PATH)
    if path is None:
        pytest.skip(f"{name} is missing: install the lint tools with  pip install -e '.[lint]'")
    return path


def run(args, cwd=REPO, env=None):
    """Run a command; return (exit code, stdout and stderr together)."""
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def run_tool(script, *args):
    """Run one of tools/*.py with this interpreter."""
    return run([sys.executable, str(TOOLS / script), *map(str, args)])


def write_notebook(path, cells, widgets=False):
    """Write a small notebook exactly as Jupyter does (nbformat), optionally with saved widget state."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat is missing (it comes with jupyter)")
    nb = nbformat.v4.new_notebook()
    for i, (source, count) in enumerate(cells):
        outputs = [] if count is None else [
            nbformat.v4.new_output("execute_result", {"text/plain": f"{i}"}, execution_count=count),
            nbformat.v4.new_output("display_data", {  # a widget's view: kept, only the state goes
                "text/plain": "FloatSlider(value=0.5)",
                "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2}}),
        ]
        nb.cells.append(nbformat.v4.new_code_cell(source, execution_count=count, outputs=outputs))
        nb.cells[-1]["id"] = f"cell-{i}"
    if widgets:
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
            "state": {"abc": {"model_name": "FloatSliderModel", "state": {"value": 0.5}}},
            "version_major": 2, "version_minor": 0}}
    text = nbformat.writes(nb) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


# ---- actionlint ---------------------------------------------------------------------------------

def test_there_are_workflow_files():
    assert WORKFLOWS, "no workflow in .github/workflows/"


def test_actionlint_passes_on_every_workflow_file():
    actionlint = lint_tool("actionlint")
    code, out = run([actionlint, "-no-color", *map(str, WORKFLOWS)])
    assert code == 0, out


BREAKAGES = {
    # name: (text in the real workflow, its replacement, words actionlint must say)
    "misspelled key": ("runs-on:", "run-on:", "run-on"),
    "retired action runtime": ("actions/checkout@v7", "actions/checkout@v3", "actions/checkout@v3"),
    "unknown expression": ("${{ github.ref }}", "${{ github.branch_name }}", "branch_name"),
    "unknown action input": ("cache-dependency-path:", "cache-dependency-paths:", "cache-dependency-paths"),
    "job needs a missing job": ("timeout-minutes: 60", "timeout-minutes: 60\n    needs: lint", "lint"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_actionlint_fails_on_a_broken_copy(tmp_path, breakage):
    actionlint = lint_tool("actionlint")
    old, new, said = BREAKAGES[breakage]
    source = REPO / ".github" / "workflows" / "tests.yml"
    text = source.read_text()
    assert old in text, f"the workflow no longer contains {old!r}; update this test's breakage"
    broken = tmp_path / ".github" / "workflows" / "tests.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(text.replace(old, new, 1))
    code, out = run([actionlint, "-no-color", str(broken)], cwd=tmp_path)
    assert code != 0 and said in out, out


GITLAB_BREAKAGES = {
    # file name: (text in the real .gitlab-ci.yml, its replacement, words the checker must say)
    "bad-value.yml": ("when: on_failure", "when: onfailure", "'onfailure' is not one of"),
    "misspelled-key.yml": ("  timeout: 1h", "  timout: 1h", "'timout' was unexpected"),
}


@pytest.mark.slow  # check-jsonschema takes a few seconds to import; one call checks all three files
def test_gitlab_ci_file_matches_gitlabs_schema_and_broken_copies_fail(tmp_path):
    checker = lint_tool("check-jsonschema")
    text = (REPO / ".gitlab-ci.yml").read_text()
    for name, (old, new, _) in GITLAB_BREAKAGES.items():
        assert old in text, f".gitlab-ci.yml no longer contains {old!r}; update this test's breakage"
        (tmp_path / name).write_text(text.replace(old, new, 1))
    broken = [str(tmp_path / name) for name in GITLAB_BREAKAGES]
    code, out = run([checker, "--builtin-schema", "vendor.gitlab-ci", ".gitlab-ci.yml", *broken])
    assert code != 0, out
    assert not re.search(r"(^|\s)\.gitlab-ci\.yml::", out), out  # the real file has no error
    for name, (_, _, said) in GITLAB_BREAKAGES.items():
        assert re.search(re.escape(f"{name}::") + ".*" + re.escape(said), out), out


# ---- the CI files say what the README and Makefile say -----------------------------------------

def test_ci_files_run_the_makefiles_commands():
    yaml = pytest.importorskip("yaml", reason="pyyaml is missing (it is in the [test] extra)")
    makefile = (REPO / "Makefile").read_text()
    assert NBVAL_ARGS in makefile
    github = yaml.safe_load((REPO / ".github" / "workflows" / "tests.yml").read_text())
    gitlab = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text())
    github_runs = {job: " ".join(step.get("run", "") for step in spec["steps"])
                   for job, spec in github["jobs"].items()}
    gitlab_runs = {job: " ".join(gitlab[job]["script"]) for job in ("notebooks", "full")}
    for runs in (github_runs, gitlab_runs):
        assert NBVAL_ARGS in runs["notebooks"]
        assert "make test" in runs["full"]
    assert github["concurrency"]["cancel-in-progress"] is True
    upload = [s for s in github["jobs"]["full"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload and upload[0]["if"] == "failure()" and upload[0]["with"]["path"] == "test-artifacts/"
    assert gitlab["full"]["artifacts"] == {"when": "on_failure", "paths": ["test-artifacts/"],
                                           "expire_in": "2 weeks"}


# ---- ruff and pre-commit ------------------------------------------------------------------------

def test_ruff_passes(tmp_path):
    ruff = lint_tool("ruff")
    code, out = run([ruff, "check", "--no-cache", "--output-format", "concise", "."])
    assert code == 0, out


def offline_env(tmp_path):
    """An environment in which anything that tried to download would fail, and caches go to tmp."""
    return {**os.environ, "PATH": TOOL_PATH, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
            "RUFF_CACHE_DIR": str(tmp_path / "ruff-cache"), "PIP_NO_INDEX": "1",
            "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
            "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}


def test_pre_commit_hooks_pass_on_the_repo_offline(tmp_path):
    pre_commit = lint_tool("pre-commit")
    if run(["git", "rev-parse", "--is-inside-work-tree"])[0] != 0:
        pytest.skip("not a git checkout (or git is missing): pre-commit lists the files with git")
    env = offline_env(tmp_path)
    # The widget-state hook rewrites files; test_no_notebook_carries_widget_state checks the same
    # thing without writing, so a failure here never changes a notebook in the working tree. And
    # check-jsonschema (slow to start) has its own test above.
    env["SKIP"] = "strip-widget-state,gitlab-ci"
    code, out = run([pre_commit, "run", "--all-files", "--color", "never"], env=env)
    assert code == 0, out
    # pre-commit checks the files git tracks: a hook whose files are all new may report no files.
    tracked = run(["git", "ls-files", "--", "*.py", "notebooks/*.ipynb", ".github/workflows/*"])[1]
    hooks = {"ruff": r"\.py$", "notebooks run top to bottom": r"^notebooks/.*\.ipynb$",
             "actionlint": r"^\.github/workflows/"}
    for hook, pattern in hooks.items():
        verdict = "Passed" if re.search(pattern, tracked, re.M) else r"(Passed|\(no files to check\)Skipped)"
        assert re.search(re.escape(hook) + r".*\." + verdict, out), out


@pytest.mark.slow
def test_pre_commit_strip_hook_reports_and_fixes_a_notebook_offline(tmp_path):
    pre_commit = lint_tool("pre-commit")
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is missing: pre-commit needs it")
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(REPO / ".pre-commit-config.yaml", repo)
    shutil.copytree(TOOLS, repo / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    notebook = repo / "notebooks" / "lesson.ipynb"
    write_notebook(notebook, [("1 + 1", 1)], widgets=True)
    assert run([git, "init", "-q"], cwd=repo)[0] == 0
    assert run([git, "add", "."], cwd=repo)[0] == 0
    env = {**offline_env(tmp_path), "SKIP": "ruff,actionlint,gitlab-ci"}
    code, out = run([pre_commit, "run", "--all-files", "--color", "never"], cwd=repo, env=env)
    assert code != 0 and "files were modified by this hook" in out, out
    assert "widgets" not in json.loads(notebook.read_text())["metadata"]
    code, out = run([pre_commit, "run", "--all-files", "--color", "never"], cwd=repo, env=env)
    assert code == 0, out


# ---- tools/strip_widget_state.py ----------------------------------------------------------------

def test_strip_removes_widget_state_and_nothing_else(tmp_path):
    clean = write_notebook(tmp_path / "clean.ipynb", [("x = 1", 1), ("x + 1", 2)])
    notebook = tmp_path / "lesson.ipynb"
    with_state = write_notebook(notebook, [("x = 1", 1), ("x + 1", 2)], widgets=True)
    assert len(with_state) > len(clean)
    code, out = run_tool("strip_widget_state.py", notebook)
    assert code == 1 and "removed saved widget state" in out, out
    assert notebook.read_text(encoding="utf-8") == clean  # byte for byte: outputs and format kept
    code, out = run_tool("strip_widget_state.py", notebook)
    assert code == 0 and out == "", out


def test_strip_check_reports_without_writing(tmp_path):
    notebook = tmp_path / "lesson.ipynb"
    text = write_notebook(notebook, [("1 + 1", 1)], widgets=True)
    code, out = run_tool("strip_widget_state.py", "--check", notebook)
    assert code == 1 and "has saved widget state" in out and "Fix:" in out, out
    assert notebook.read_text(encoding="utf-8") == text


def test_strip_names_a_file_that_is_not_a_notebook(tmp_path):
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{not json")
    code, out = run_tool("strip_widget_state.py", bad)
    assert code == 2 and "broken.ipynb" in out and "not a readable notebook" in out, out


# ---- tools/check_notebooks_executed.py ----------------------------------------------------------

def test_executed_check_passes_a_notebook_run_top_to_bottom(tmp_path):
    notebook = tmp_path / "lesson.ipynb"
    write_notebook(notebook, [("a = 1", 1), ("   ", None), ("a + 1", 2)])  # a blank cell is not run
    code, out = run_tool("check_notebooks_executed.py", notebook)
    assert code == 0, out


def test_executed_check_flags_an_unexecuted_cell(tmp_path):
    notebook = tmp_path / "lesson.ipynb"
    write_notebook(notebook, [("a = 1", 1), ("b = a * 2", None), ("b", 2)])
    code, out = run_tool("check_notebooks_executed.py", notebook)
    assert code == 1, out
    assert "cell 2 was never run: 'b = a * 2'" in out, out
    assert "--execute --inplace --ExecutePreprocessor.store_widget_state=False lesson.ipynb" in out


def test_executed_check_flags_a_cell_run_out_of_order(tmp_path):
    notebook = tmp_path / "lesson.ipynb"
    write_notebook(notebook, [("a = 1", 1), ("a = 5", 7), ("a + 1", 8)])
    code, out = run_tool("check_notebooks_executed.py", notebook)
    assert code == 1 and "cell 2 has execution count 7, expected 2" in out, out
    assert "cell 3" not in out, out  # one stray cell is reported once, not again for every later cell


# ---- the lesson notebooks themselves ------------------------------------------------------------

def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebook in notebooks/"


def test_no_notebook_carries_widget_state():
    code, out = run_tool("strip_widget_state.py", "--check", *NOTEBOOKS)
    assert code == 0, out


def test_every_notebook_was_run_top_to_bottom():
    code, out = run_tool("check_notebooks_executed.py", *NOTEBOOKS)
    assert code == 0, out
