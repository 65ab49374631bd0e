"""Checked exercises: each checker returns a Verdict (a coloured box in Jupyter, plain text elsewhere)."""

from . import core, lessons123, lessons456
from .core import Mark, Verdict, checker, close
from .lessons123 import *  # noqa: F401,F403
from .lessons456 import *  # noqa: F401,F403

__all__ = ["Verdict", "Mark", "checker", "close", *lessons123.__all__, *lessons456.__all__]
