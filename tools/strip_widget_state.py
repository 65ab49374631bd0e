"""Remove saved widget state (`metadata.widgets`) from notebooks, and nothing else.

The lessons keep their outputs (nbval compares them), but the ipywidgets state that Jupyter can
save into a notebook's metadata is hundreds of kilobytes that JupyterLab does not even use.

    python tools/strip_widget_state.py notebooks/*.ipynb           # strip it in place
    python tools/strip_widget_state.py --check notebooks/*.ipynb   # only report it

Exits 1 when a notebook had widget state (stripped, or only reported with --check), so a
pre-commit hook shows the change; 2 when a file is not a notebook. Uses the standard library only.
"""

import argparse
import json
import sys
from pathlib import Path


def dump_notebook(nb: dict) -> str:
    """The notebook as Jupyter writes it: one-space indent, unescaped Unicode, a final newline."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def load_notebook(path: Path) -> dict:
    """Read a notebook's JSON, with a clear error for a file that is not one."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable notebook ({exc}). Open and save it in Jupyter.") from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path}: not a notebook (no 'cells' list). Pass only .ipynb files.")
    return nb


def strip_widget_state(path: Path, write: bool = True) -> bool:
    """Remove `metadata.widgets` from one notebook; True if it had some."""
    nb = load_notebook(path)
    metadata = nb.get("metadata", {})
    if "widgets" not in metadata:
        return False
    del metadata["widgets"]
    if write:
        path.write_text(dump_notebook(nb), encoding="utf-8")
    return True


def main(argv=None) -> int:
    """Command line: strip (or with --check report) widget state in the given notebooks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="report only, change no file")
    args = parser.parse_args(argv)
    found = False
    for path in args.notebooks:
        try:
            had_state = strip_widget_state(path, write=not args.check)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        if had_state:
            found = True
            if args.check:
                print(f"{path}: has saved widget state. Fix: python tools/strip_widget_state.py {path}")
            else:
                print(f"{path}: removed saved widget state (outputs kept). Review and commit the change.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
