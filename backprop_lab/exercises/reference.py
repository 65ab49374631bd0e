"""The checkers' own copy of the engine, so that a learner who patches ``Value`` cannot change the answers.

Lesson 3 shows how to patch an op onto a class (``Value.sigmoid = ...``). A checker that computed
its reference with the shared ``backprop_lab.Value`` would then agree with a wrong patch. This
module loads ``engine.py`` a second time, as a private module with its own ``Value`` class.
"""

import importlib.util
from pathlib import Path

__all__ = ["Value"]


def _private_engine():
    """engine.py loaded again under a private name: a separate Value class, untouched by patches."""
    spec = importlib.util.spec_from_file_location("backprop_lab._checkers_engine",
                                                  Path(__file__).resolve().parent.parent / "engine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


Value = _private_engine().Value
