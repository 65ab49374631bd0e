"""Lesson 3's engine, built the way the lesson builds it: its engine cells run in a fresh ``__main__`` namespace.

``solved_engine()`` runs the solved edition's cells (with the solutions); ``engine_namespace(cells)`` runs
any such cells, e.g. a learner's answers, so that ``save_engine`` can read them back as it does in Jupyter.
"""

import json
import linecache
import re
from pathlib import Path

LESSON = Path(__file__).resolve().parents[1] / "notebooks" / "03_building_the_engine.ipynb"
ENGINE_CELL = re.compile(r"^(class Scalar\b|Scalar\.\w+(, Scalar\.\w+)* = |def topological_order\()", re.M)


def engine_cells(path=LESSON):
    """The sources of the cells that build Scalar: the imports, the class, each op and backward()."""
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    return [sources[0]] + [s for s in sources[1:] if ENGINE_CELL.search(s)]


def engine_namespace(cells):
    """Run cells as Jupyter does (each with its source in linecache, so inspect can read it) in a fresh __main__."""
    namespace = {"__name__": "__main__"}
    for number, source in enumerate(cells):
        filename = f"<lesson-3-cell-{number}-{abs(hash(source))}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace


def solved_engine():
    """The namespace of the solved lesson's engine: Scalar, topological_order and the functions attached."""
    return engine_namespace(engine_cells())
