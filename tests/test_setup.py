"""The set-up files agree with each other: one dependency list, two commands, a guarded CI."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"python-graphviz": "graphviz"}  # conda-forge name -> PyPI name


def _name_and_spec(req):
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req)
    return m.group(1).lower(), m.group(2).replace(" ", "")


def _conda_deps(path):
    """(conda packages by PyPI name -> version spec, pip lines) from an environment.yml."""
    env = yaml.safe_load(path.read_text())
    assert "conda-forge" in env["channels"]
    conda, pip_lines = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_lines += dep["pip"]
            continue
        name, spec = _name_and_spec(dep)
        conda[CONDA_NAMES.get(name, name)] = spec
    conda.pop("python", None)
    conda.pop("pip", None)
    return conda, pip_lines


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    conda, pip_lines = _conda_deps(ROOT / "environment.yml")
    assert conda == dict(_name_and_spec(r) for r in project["dependencies"])
    assert pip_lines == ["-e .[test]"]


def test_binder_installs_the_same_packages_then_the_project():
    # repo2docker installs binder/environment.yml before the repository is copied in, so the
    # project itself is installed by binder/postBuild.
    assert _conda_deps(ROOT / "binder" / "environment.yml") == (_conda_deps(ROOT / "environment.yml")[0], [])
    post = ROOT / "binder" / "postBuild"
    assert "pip install" in post.read_text() and " -e ." in post.read_text() and post.stat().st_mode & 0o111


def test_ci_runs_make_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def test_lab_listens_on_localhost_with_a_token():
    lab = (ROOT / "Makefile").read_text().split("\nlab:")[1].split("\n\n")[0]
    assert "--ServerApp.ip=127.0.0.1" in lab and "--IdentityProvider.token=" in lab and "secrets" in lab


def test_make_test_runs_unit_notebook_and_browser_tests():
    rule = (ROOT / "Makefile").read_text().split("\ntest:")[1].split("\n\n")[0]
    assert "pytest tests" in rule and "--nbval notebooks" in rule and "--ignore" not in rule
    assert any((ROOT / "tests" / "browser").glob("test_*.py"))
    assert len(list((ROOT / "notebooks").glob("*.ipynb"))) >= 6
