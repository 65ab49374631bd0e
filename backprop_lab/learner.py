"""The learner's own engine, carried from lesson 3 to the capstone.

Lesson 3 ends with ``save_engine(Scalar)``: the source of the class the learner wrote (and of the
functions it calls) goes to ``my_engine.py`` beside the lessons. Lessons 4–7 start with
``Scalar = learner_engine()``: that class if it is there, else the reference ``Value``, with one line
that says which.
"""

import ast
import importlib.util
import inspect
import textwrap
import types
from pathlib import Path

__all__ = ["save_engine", "learner_engine", "ENGINE_FILE", "NEEDED"]

ENGINE_FILE = "my_engine.py"
LESSON_3 = "03_building_the_engine"  # a lesson handed out alone (nbgrader) sits in a folder of this name


def _functions_in(code):
    """Every name a code object (and the functions nested in it) looks up."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _functions_in(const)
    return names


_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _source(fn):
    """A function's source, without the solved edition's solution markers (the learner's has none)."""
    lines = textwrap.dedent(inspect.getsource(fn)).rstrip().split("\n")
    return "\n".join(line for line in lines if line.strip() not in _MARKERS) + "\n"


def _lambda_source(name, fn):
    """The text of one lambda, found in its statement by where its code starts (a line may hold several)."""
    lines, first = inspect.getsourcelines(fn)
    text = textwrap.dedent("".join(lines))
    shift = len(lines[0]) - len(text.split("\n", 1)[0] + "\n")
    where = next((p for p in fn.__code__.co_positions()  # the first instruction of the body (RESUME has no span)
                  if None not in p and p[3] > p[2]), None)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    for node in ast.walk(tree) if tree and where else ():
        body = node.body if isinstance(node, ast.Lambda) else None
        if body is not None and (body.lineno + first - 1, body.col_offset + shift) <= where[::2] \
                <= (body.end_lineno + first - 1, body.end_col_offset + shift):
            return ast.get_source_segment(text, node)
    raise ValueError(f"{name} is a lambda that save_engine() cannot read back: write it with def")


def _method_source(name, fn):
    """A method's source for the class body: a def as written, or a lambda as ``name = lambda ...``."""
    if fn.__name__ == "<lambda>":
        return f"    {name} = {_lambda_source(name, fn)}\n", False
    return textwrap.indent(_source(fn), "    "), fn.__name__ != name


def engine_source(cls):
    """The source of a class built cell by cell, and of the module-level functions and modules it uses."""
    methods, aliases, seen = [], [], {}
    for name, attr in vars(cls).items():
        if not isinstance(attr, types.FunctionType):
            continue
        if attr in seen and attr.__name__ != "<lambda>":  # one function under a second name: __radd__ = __add__
            aliases.append(f"    {name} = {seen[attr]}\n")
            continue
        try:
            text, renamed = _method_source(name, attr)
        except (OSError, TypeError):
            raise ValueError(f"save_engine() cannot read the source of {cls.__name__}.{name}: define it in a "
                             f"cell with def, then attach it: {cls.__name__}.{name} = ...") from None
        seen[attr] = attr.__name__
        methods.append(text)
        if renamed:  # def mul(...) attached as Scalar.__mul__ = mul
            aliases.append(f"    {name} = {attr.__name__}\n")
    if not methods:
        raise TypeError(f"{cls.__name__} has no methods to save: pass the class you wrote, e.g. save_engine(Scalar)")
    env = next(iter(seen)).__globals__
    helpers, modules, todo = [], set(), [f.__code__ for f in seen]
    while todo:  # the functions the methods call, and the functions those call, ...
        for n in sorted(_functions_in(todo.pop())):
            found = env.get(n)
            if isinstance(found, types.ModuleType):
                modules.add(n)
            elif (isinstance(found, types.FunctionType) and found.__module__ == env.get("__name__")
                  and found not in seen and found not in helpers and n != cls.__name__):
                helpers.append(found)
                todo.append(found.__code__)
    parts = [f'"""Your {cls.__name__} engine from lesson 3, saved by save_engine(). Lessons 4–7 import it."""\n']
    parts += [f"import {env[n].__name__} as {n}\n" if env[n].__name__ != n else f"import {n}\n"
              for n in sorted(modules)]
    parts += ["\n\n" + _source(f) for f in helpers]
    doc = f"    {cls.__doc__!r}\n\n" if isinstance(cls.__doc__, str) and cls.__doc__ else ""
    parts.append(f"\n\nclass {cls.__name__}:\n" + doc + "\n".join(methods) + "".join(aliases))
    return "".join(parts)


# What lessons 4–7 use of the engine (each also on the reference Value).
NEEDED = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
          "__pow__", "__neg__", "tanh", "exp", "relu", "sigmoid", "backward")


def _missing(cls, needed):
    return [n for n in needed if not callable(getattr(cls, n, None))]


def save_engine(cls, folder=".", needed=NEEDED):
    """Save your engine class to my_engine.py (beside the lessons) so that lessons 4–7 run on it."""
    source = engine_source(cls)
    missing = _missing(cls, needed)
    if missing:
        raise ValueError(f"your {cls.__name__} has no {', '.join(missing)}, which lessons 4–7 use, so it was "
                         "not saved: run the cells of lesson 3 that attach them, then this one again")
    path = Path(folder) / ENGINE_FILE
    try:  # a class that will not load again is not saved
        exec(compile(source, str(path), "exec"), {"__name__": "my_engine"})
    except Exception as exc:  # noqa: BLE001 - the learner's code may hold anything
        raise ValueError(f"your {cls.__name__} did not load again from its saved source "
                         f"({type(exc).__name__}: {exc}), so it was not saved. Define each method with def "
                         f"in a cell, then attach it: {cls.__name__}.name = name") from None
    path.write_text(source, encoding="utf-8")
    print(f"Saved your {cls.__name__} ({source.count(chr(10))} lines) to {path.name}: lessons 4–7 run on it.")
    return path


def learner_engine(folder=".", name="Scalar"):
    """Your Scalar from my_engine.py if lesson 3 saved it; else the reference Value, saying so in one line.

    It looks beside this lesson, then in ../03_building_the_engine/, where a handed-out lesson 3 saves it.
    """
    here, handed_out = Path(folder) / ENGINE_FILE, Path(folder) / ".." / LESSON_3 / ENGINE_FILE
    path = here if here.exists() or not handed_out.exists() else handed_out
    if path.exists():
        spec = importlib.util.spec_from_file_location("my_engine", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            cls = getattr(module, name)
            missing = _missing(cls, NEEDED)
            if missing:
                raise AttributeError(f"its {name} has no {', '.join(missing)}")
        except Exception as exc:  # noqa: BLE001 - the learner's file may hold anything
            print(f"{path.name} did not load ({type(exc).__name__}: {exc}); this lesson runs on the reference "
                  "engine, backprop_lab.Value. Re-run lesson 3's last cells to save your engine again.")
        else:
            print(f"This lesson runs on your {name} from lesson 3 ({path.name}).")
            return cls
    else:
        print(f"{path.name} is not here yet (lesson 3 saves it when its checks pass), so this lesson runs "
              "on the reference engine, backprop_lab.Value.")
    from .engine import Value
    return Value
