"""Opening a lesson must not mark it modified: its kernelspec is the one the lab's kernel reports."""

import json
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager

NOTEBOOKS = sorted(Path(__file__).resolve().parent.parent.joinpath("notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernelspec_matches_the_installed_kernel(path):
    installed = KernelSpecManager().get_kernel_spec("python3")
    spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
    assert spec == {"display_name": installed.display_name, "language": installed.language, "name": "python3"}
