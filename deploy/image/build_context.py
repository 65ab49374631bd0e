"""The build folder of the learners' image for the Kubernetes hub: all that repo2docker sees.

    .venv/bin/python deploy/image/build_context.py BUILD      (BUILD: a new or empty folder)
    repo2docker --no-run --user-id 1000 --user-name jovyan --image-name REGISTRY/backprop-lab:TAG BUILD

BUILD holds only what a learner may have, so no layer of the image holds more:

- binder/: this folder's environment.yml, requirements.txt, postBuild and backprop-lab-home;
- src/: the package (pyproject.toml, README.md, LICENSE, backprop_lab/);
- jupyter-config/: the lab's settings, as `make lab` uses them;
- course/: the learner's edition (README.md, docs/, notebooks/ with a blank for every exercise and
  no solutions.json), made by backprop_lab.edition from notebooks/.

The solved lessons (notebooks/) and tests/ (which holds a solved engine) never enter it.
"""

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
from backprop_lab.edition import make_edition  # noqa: E402

BINDER_FILES = ("environment.yml", "requirements.txt", "postBuild", "backprop-lab-home")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints")


def build_context(dest):
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"{dest} is not empty: give a new or empty folder")
    (dest / "binder").mkdir(parents=True, exist_ok=True)
    for name in BINDER_FILES:
        shutil.copy2(HERE / name, dest / "binder" / name)  # copy2 keeps postBuild executable
    (dest / "src").mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, dest / "src" / name)
    shutil.copytree(REPO / "backprop_lab", dest / "src" / "backprop_lab", ignore=SKIP)
    shutil.copytree(REPO / "jupyter-config", dest / "jupyter-config", ignore=SKIP)
    course = dest / "course"
    shutil.copytree(REPO / "docs", course / "docs", ignore=SKIP)
    shutil.copy2(REPO / "README.md", course / "README.md")
    make_edition(REPO / "notebooks", course / "notebooks", solutions=False, quiet=True)
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dest", help="a new or empty folder")
    dest = build_context(parser.parse_args(argv).dest)
    print(f"{dest}: ready for repo2docker")


if __name__ == "__main__":
    main()
