"""The set-up files agree: one dependency list, a light lab install, two commands, a guarded CI."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MAKEFILE = (ROOT / "Makefile").read_text()
NOT_FROM_PIP = {"python", "pip", "graphviz"}  # what the conda files may name: pip can't supply these


def _rule(name):
    """The recipe of one Makefile rule, up to the next blank line."""
    return MAKEFILE.split(f"\n{name}:")[1].split("\n\n")[0]


def _conda(path):
    """(conda package names, pip lines) of an environment.yml."""
    env = yaml.safe_load(path.read_text())
    assert env["channels"] == ["conda-forge"]
    names, pip_lines = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_lines += dep["pip"]
        else:
            names.add(re.match(r"[A-Za-z0-9_.\-]+", dep).group(0))
    return names, pip_lines


def test_lab_extra_is_the_one_make_lab_installs():
    assert re.search(r"^LAB_EXTRAS\s*:=\s*lab$", MAKEFILE, re.M)
    assert "'.[$(LAB_EXTRAS)]'" in MAKEFILE
    test_extras = re.search(r"^TEST_EXTRAS\s*:=\s*(\S+)$", MAKEFILE, re.M).group(1).split(",")
    assert set(test_extras) == set(PYPROJECT["project"]["optional-dependencies"]), "make test installs every extra"


def test_lab_extra_holds_no_test_tools_or_torch():
    extras = PYPROJECT["project"]["optional-dependencies"]
    lab = " ".join(PYPROJECT["project"]["dependencies"] + extras["lab"]).lower()
    for heavy in ("torch", "pytest", "playwright", "nbval", "hypothesis", "micrograd"):
        assert heavy not in lab, f"{heavy} would make `make lab` heavy"
    assert "jupyterlab" not in " ".join(PYPROJECT["project"]["dependencies"]), "jupyterlab is the [lab] extra's"


def test_every_runtime_dependency_has_a_lower_bound():
    for req in PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["lab"]:
        assert re.search(r"(>=|==)\d", req), f"{req} has no lower bound"


def test_conda_and_binder_name_only_what_pip_cannot_supply_then_install_the_lab_extra():
    names, pip_lines = _conda(ROOT / "environment.yml")
    assert names == NOT_FROM_PIP and pip_lines == ["-e .[lab]"]
    # repo2docker installs binder/environment.yml before it copies the repository in, so the
    # package itself comes from binder/postBuild.
    assert _conda(ROOT / "binder" / "environment.yml") == (NOT_FROM_PIP, [])
    # the Kubernetes hub's image (deploy/image/) likewise; its pinned pip packages are in requirements.txt
    assert _conda(ROOT / "deploy" / "image" / "environment.yml") == (NOT_FROM_PIP, [])
    assert "./src[lab]" in (ROOT / "deploy" / "image" / "requirements.txt").read_text().splitlines()
    post = ROOT / "binder" / "postBuild"
    assert "pip install --no-cache-dir -e '.[lab]'" in post.read_text() and post.stat().st_mode & 0o111


def test_the_version_is_written_once():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "backprop_lab.__version__"}
    from importlib.metadata import version

    import backprop_lab

    assert version("backprop_lab") == backprop_lab.__version__


def test_license_file_and_spdx_string():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_requires_python_admits_the_running_interpreter():
    floor = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert floor and sys.version_info[:2] >= tuple(map(int, floor.groups()))


def test_jupyter_config_turns_off_news_and_update_prompts():
    cfg = ROOT / "jupyter-config"
    server = json.loads((cfg / "etc/jupyter/jupyter_server_config.json").read_text())["LabApp"]
    assert server["news_url"] is None and server["check_for_updates_class"] == "jupyterlab.NeverCheckForUpdate"
    page = json.loads((cfg / "etc/jupyter/labconfig/page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True
    overrides = json.loads((cfg / "share/jupyter/lab/settings/overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
    assert "cp -r jupyter-config/etc jupyter-config/share" in MAKEFILE


def test_the_installed_lab_sees_the_settings():
    # `make lab` copied jupyter-config/ into the environment: the server reads it from there.
    out = subprocess.run([sys.executable, "-m", "jupyter", "--paths", "--json"], capture_output=True,
                         text=True, check=True)
    config_dirs = json.loads(out.stdout)["config"]
    assert any((Path(d) / "labconfig" / "page_config.json").is_file() for d in config_dirs)


def test_ci_runs_make_test():
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_lab_listens_on_localhost_with_a_token_and_serves_the_repo_root():
    lab = _rule("lab")
    assert "--ServerApp.ip=127.0.0.1" in lab and "--IdentityProvider.token=" in lab and "secrets" in lab
    assert "--ServerApp.root_dir=." in lab and "/lab/tree/$(LESSONS)/01_derivatives.ipynb" in lab


def test_make_test_runs_unit_notebook_and_browser_tests():
    rule = _rule("test")
    assert "$(PYTEST) $(CURDIR)/tests" in rule and "--nbval notebooks" in rule and "--ignore" not in rule
    assert " -m " not in rule.split("/tests")[1].split("\n")[0], "make test runs the slow tests too"
    # nbval runs on a copy of notebooks/ in a temporary folder: a test run changes no tracked file.
    assert "\t@$(IN_A_COPY) && $(PYTEST)" in rule
    assert "mktemp -d" in MAKEFILE and "cp -r notebooks" in MAKEFILE
    assert any((ROOT / "tests" / "browser").glob("test_*.py"))
    assert len(list((ROOT / "notebooks").glob("*.ipynb"))) >= 7


def test_running_the_lessons_writes_no_bytecode_into_the_repository():
    # Lessons 4-7 import my_engine.py; every make target's kernels inherit this setting.
    assert re.search(r"^export PYTHONDONTWRITEBYTECODE := 1$", MAKEFILE, re.M)
