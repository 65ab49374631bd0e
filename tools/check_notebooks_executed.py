"""Check that every notebook's stored outputs come from one run, top to bottom, in a fresh kernel.

nbval compares a notebook's stored outputs with a fresh run, so a code cell that was never run (or
that was re-run by hand after the others) leaves outputs that no longer match the code.

    python tools/check_notebooks_executed.py notebooks/*.ipynb

A code cell with code must have an execution count, and the counts must read 1, 2, 3, ... in
order (blank code cells are not run, and are skipped). Exits 1 when a notebook fails, with the
command that re-runs it; 2 when a file is not a notebook. Uses the standard library only.
"""

import argparse
import sys
from pathlib import Path

from strip_widget_state import load_notebook

RERUN = ("cd {folder} && jupyter nbconvert --to notebook --execute --inplace "
         "--ExecutePreprocessor.store_widget_state=False {name}")


def problems(nb: dict) -> list[str]:
    """What is wrong with a notebook's execution counts, one line per cell (empty: all good)."""
    found, expected = [], 1
    for position, cell in enumerate(nb["cells"], start=1):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") != "code" or not source.strip():
            continue
        first_line = source.strip().splitlines()[0][:60]
        count = cell.get("execution_count")
        if count is None:
            found.append(f"cell {position} was never run: {first_line!r}")
            continue
        if count != expected:
            found.append(f"cell {position} has execution count {count}, expected {expected} "
                         f"(run out of order): {first_line!r}")
        expected = count + 1
    return found


def main(argv=None) -> int:
    """Command line: report every notebook whose outputs are not from one top-to-bottom run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    failed = False
    for path in args.notebooks:
        try:
            found = problems(load_notebook(path))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        if found:
            failed = True
            print(f"{path}: not run top to bottom in a fresh kernel:")
            print("".join(f"  {line}\n" for line in found), end="")
            print("  Fix: " + RERUN.format(folder=path.parent, name=path.name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
