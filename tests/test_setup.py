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


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = {}
    pip_lines = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_lines += dep["pip"]
            continue
        name, spec = _name_and_spec(dep)
        conda[CONDA_NAMES.get(name, name)] = spec
    conda.pop("python", None)
    conda.pop("pip", None)
    assert conda == dict(_name_and_spec(r) for r in project["dependencies"])
    assert pip_lines == ["-e .[test]"]


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
