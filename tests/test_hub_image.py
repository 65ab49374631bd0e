"""deploy/image/: the learners' image for the Kubernetes hub holds the learner's edition, the pinned
hub packages, and agrees with deploy/values.yaml and docs/teaching.md.

No Docker here: the slow test builds the image's Python environment in a venv from the same files
(requirements.txt, then postBuild itself) and starts its server.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
IMAGE = REPO / "deploy" / "image"
sys.path.insert(0, str(REPO / "deploy"))
sys.path.insert(0, str(IMAGE))
import classroom  # noqa: E402
from build_context import build_context  # noqa: E402

from backprop_lab.edition import solutions_of  # noqa: E402

yaml = pytest.importorskip("yaml", reason="pyyaml is missing: install the test extra")

# Chart 4.4.0's hub runs JupyterHub 5.5.0: jupyterhub/Chart.yaml's appVersion and
# images/hub/requirements.txt at tag 4.4.0 (commit 5c5f5df751588a68a7781ead01d0f62e88e2e72f).
CHART_HUB = "5.5.0"
HOOK = "backprop-lab-home"
TEACHER_PLUGINS = ["formgrader", "create-assignment", "course-list"]  # off; assignment-list, validate on
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def pins():
    """{name: version} of requirements.txt's `name==version` lines."""
    found = {}
    for line in (IMAGE / "requirements.txt").read_text().splitlines():
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([\w.]+)", line.strip())
        if m:
            found[m[1].lower()] = m[2]
    return found


def kubernetes_section():
    text = (REPO / "docs" / "teaching.md").read_text()
    return text.split("\n## Beyond one machine: Kubernetes")[1].split("\n## ")[0]


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((REPO / "deploy" / "values.yaml").read_text())


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    return build_context(tmp_path_factory.mktemp("image") / "build")


def test_requirements_pin_the_charts_hub_and_the_learner_extensions():
    found = pins()
    assert found["jupyterhub"].split(".")[:2] == CHART_HUB.split(".")[:2], "jupyterhub-singleuser must match the hub"
    assert "nbgitpuller" in found
    pyproject = (REPO / "pyproject.toml").read_text()
    assert f'"nbgrader=={found["nbgrader"]}"' in pyproject, "the image's nbgrader differs from the [test] extra's"
    lines = [ln.strip() for ln in (IMAGE / "requirements.txt").read_text().splitlines()]
    loose = [ln for ln in lines if ln and not ln.startswith("#") and "==" not in ln and ln != "./src[lab]"]
    assert loose == [], f"unpinned lines in requirements.txt: {loose}"


def test_values_and_docs_name_the_versions_the_image_pins():
    """Every `name==version` that values.yaml or the docs' Kubernetes section names is the pinned one."""
    found = pins()
    docs = kubernetes_section()
    for where, text in [("deploy/values.yaml", (REPO / "deploy" / "values.yaml").read_text()), ("docs", docs)]:
        named = dict((n.lower(), v) for n, v in re.findall(r"([A-Za-z][\w-]*)==(\d[\w.]*)", text))
        assert {"jupyterhub", "nbgitpuller", "nbgrader"} <= set(named), f"{where} does not name the pins"
        wrong = {n: v for n, v in named.items() if found.get(n) != v}
        assert wrong == {}, f"{where} names versions the image does not pin: {wrong}"
    for word in ("jupyterhub-singleuser", "deploy/image/build_context.py", HOOK, "--user-id 1000"):
        assert word in docs, f"docs/teaching.md's Kubernetes section does not mention {word}"


def test_the_start_hook_is_what_postbuild_installs(values):
    hook = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert hook == [HOOK]
    post = (IMAGE / "postBuild").read_text()
    assert f'install -m 755 binder/{HOOK} "$PREFIX/bin/{HOOK}"' in post  # the image's PATH has $PREFIX/bin
    assert os.access(IMAGE / HOOK, os.X_OK) and os.access(IMAGE / "postBuild", os.X_OK)
    assert values["singleuser"]["defaultUrl"] == classroom.LESSONS_URL


def test_the_image_conda_file_is_binders():
    image = yaml.safe_load((IMAGE / "environment.yml").read_text())
    binder = yaml.safe_load((REPO / "binder" / "environment.yml").read_text())
    assert image["dependencies"] == binder["dependencies"] and image["channels"] == binder["channels"]


def test_build_context_holds_the_learners_edition_and_no_solved_lesson(context):
    assert sorted(p.name for p in context.iterdir()) == ["binder", "course", "jupyter-config", "src"]
    assert sorted(p.name for p in (context / "binder").iterdir()) == sorted(
        ["environment.yml", "requirements.txt", "postBuild", HOOK])
    assert os.access(context / "binder" / "postBuild", os.X_OK)
    solved = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    lessons = sorted((context / "course" / "notebooks").iterdir())
    assert [p.name for p in lessons] == [p.name for p in solved]
    for mine, theirs in zip(lessons, solved):
        text = "\n".join(c.source for c in nbformat.read(mine, as_version=4).cells)
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, mine.name
        answers = solutions_of(nbformat.read(theirs, as_version=4))
        assert answers, f"{theirs.name} has no exercise"
        for ex_id, answer in answers.items():
            assert f'raise NotImplementedError("Exercise {ex_id}: ' in text, f"{mine.name}: no blank for {ex_id}"
            assert answer.strip() not in text, f"{mine.name} holds the answer to {ex_id}"
        assert "solution after two tries" not in text  # the --no-solutions stubs promise none
    every = [p for p in context.rglob("*") if p.is_file()]
    assert not [p for p in every if p.name == "solutions.json"]
    engine = (REPO / "tests" / "lesson3_engine.py").read_bytes()
    assert not [p for p in every if p.read_bytes() == engine], "tests/' solved engine is in the image"
    with pytest.raises(SystemExit, match="not empty"):
        build_context(context)


def _run_hook(prefix, home):
    return subprocess.run([sys.executable, str(prefix / "bin" / HOOK)], env={**os.environ, "HOME": str(home)},
                          capture_output=True, text=True, timeout=60)


def test_start_hook_copies_the_lessons_and_keeps_a_learners_edits(context, tmp_path):
    prefix, home = tmp_path / "prefix", tmp_path / "home"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy2(IMAGE / HOOK, prefix / "bin" / HOOK)
    r = _run_hook(prefix, home)
    assert r.returncode != 0 and "no lessons" in r.stderr  # an image without the lessons fails loudly
    shutil.copytree(context / "course", prefix / "share" / "backprop_lab" / "course")
    assert _run_hook(prefix, home).returncode == 0
    lessons = home / classroom.LESSONS_URL.removeprefix("/lab/tree/")  # where defaultUrl opens
    names = sorted(p.name for p in lessons.glob("*.ipynb"))
    assert names == sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert (lessons / ".." / "README.md").resolve().is_file()
    (lessons / names[0]).write_text("my answers")
    (lessons / names[1]).unlink()
    r = _run_hook(prefix, home)
    assert r.returncode == 0 and "1 file(s) copied" in r.stdout
    assert (lessons / names[0]).read_text() == "my answers", "a learner's edit was overwritten"
    assert (lessons / names[1]).is_file(), "a deleted lesson was not copied back"


# ------------------------------------------------------------------ the image's environment (slow)

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (e.g. to the login page) is an answer of its own


def _get(url, token=None):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.build_opener(_NoRedirect).open(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _serve(env, home, port, token):
    """`jupyter server` of the venv on 127.0.0.1 with a token, up and answering, or a failed test."""
    server = subprocess.Popen([str(env["VENV"] / "bin" / "jupyter"), "server", "--no-browser", "--allow-root",
                               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}"],
                              env=env["vars"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter server stopped: {server.stderr.read()[-3000:]}")
        try:
            if _get(f"http://127.0.0.1:{port}/api/status", token)[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.kill()
    pytest.fail("jupyter server did not answer within 90 s")


@pytest.mark.slow
def test_image_environment_builds_runs_singleuser_and_serves_the_learner_extensions(tmp_path):
    """requirements.txt then postBuild into a fresh venv (pip's cache reused); about 2.5-3 minutes."""
    context = build_context(tmp_path / "build")  # a folder of its own: postBuild removes what it installed
    venv, home = tmp_path / "venv", tmp_path / "home"
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV", "PYTHONPATH"))}
    env = {"VENV": venv, "vars": {**clean, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(home),
                                  "NB_PYTHON_PREFIX": str(venv)}}

    def run(*cmd, timeout=120):
        r = subprocess.run(cmd, cwd=context, env=env["vars"], capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, f"{cmd} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
        return ANSI.sub("", r.stdout + r.stderr)

    # The same requirement lines with pip's cache, then the image's own postBuild (which uses none).
    run(str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt", timeout=900)
    run("bash", "binder/postBuild", timeout=600)

    assert run("jupyterhub-singleuser", "--version").strip() == pins()["jupyterhub"]
    run("jupyterhub-singleuser", "--help")
    # JupyterHub 5's single-user server is a Jupyter Server extension app: its options list says so
    assert "JupyterHubSingleUser(ExtensionApp) options" in run("jupyterhub-singleuser", "--help-all")
    where = run(str(venv / "bin" / "python"), "-c", "import backprop_lab; print(backprop_lab.__file__)")
    assert str(venv) in where, "the package must be installed into the prefix, not left editable in the home"

    server_list = run("jupyter", "server", "extension", "list")
    for ext, state in [("nbgitpuller", "enabled"), ("nbgrader.server_extensions.assignment_list", "enabled"),
                       ("nbgrader.server_extensions.formgrader", "disabled"),
                       ("nbgrader.server_extensions.course_list", "disabled"),
                       ("nbgrader.server_extensions.validate_assignment", "enabled")]:
        assert re.search(rf"^\s*{re.escape(ext)} {state}$", server_list, re.M), f"{ext} is not {state}"
        assert re.search(rf"^\s*{re.escape(ext)}( [\d.]+)?\s+OK$", server_list, re.M), f"{ext} does not load"
    lab_list = run("jupyter", "labextension", "list")
    assert re.search(r"@jupyter/nbgrader v0\.9\.6 enabled\s+OK", lab_list)
    disabled = set(re.findall(r"^\s+(@jupyter/nbgrader:[\w-]+)$", lab_list.split("Disabled extensions:")[1], re.M))
    assert disabled == {f"@jupyter/nbgrader:{p}" for p in TEACHER_PLUGINS}, "only the teacher's plugins are off"

    run(HOOK)  # the start hook, as the pod runs it: from PATH, into $HOME
    port, token = classroom.free_port(), "image-test-token"
    server = _serve(env, home, port, token)
    try:
        base = f"http://127.0.0.1:{port}"
        status, body = _get(f"{base}/nbgrader_version?version={pins()['nbgrader']}", token)
        assert status == 200 and json.loads(body) == {"success": True}  # the assignment list's API
        status, body = _get(f"{base}/git-pull?repo=https%3A%2F%2Fexample.org%2Fx&targetpath=x", token)
        assert status == 200 and "nbgitpuller" in body
        assert _get(f"{base}/formgrader", token)[0] == 404  # no teacher pages
        status, body = _get(base + classroom.LESSONS_URL, token)  # where defaultUrl opens
        assert status == 200 and "JupyterLab" in body
        status, body = _get(f"{base}/api/contents/{classroom.COURSE}/notebooks", token)
        served = sorted(c["name"] for c in json.loads(body)["content"] if c["type"] == "notebook")
        assert status == 200 and served == sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        assert _get(f"{base}/nbgrader_version?version=0.9.6")[0] in (302, 403)  # no token: login first
    finally:
        server.terminate()
        server.wait(timeout=30)
