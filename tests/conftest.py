"""pytest fixtures shared by the unit tests; plain helpers live in tests/helpers.py."""

import pytest

from helpers import TORCH_MISSING, torch


@pytest.fixture
def needs_torch():
    """Skip, naming torch, where it is not installed."""
    if torch is None:
        pytest.skip(TORCH_MISSING)
    return torch
