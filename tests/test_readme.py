"""README.md's Python blocks run, in order, in one fresh process: the examples a reader copies work."""

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(text):
    """The source of every ```python block, in order."""
    return BLOCK.findall(text)


def test_readme_has_python_blocks():
    assert python_blocks(README.read_text(encoding="utf-8")), "README.md has no ```python block to run"


def test_readme_python_blocks_run_in_order_in_a_fresh_process(tmp_path):
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    script = "\n\n".join(f"# ---- README block {i + 1} ----\n{code}" for i, code in enumerate(blocks))
    (tmp_path / "readme_blocks.py").write_text(script, encoding="utf-8")
    out = subprocess.run([sys.executable, "readme_blocks.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.returncode == 0, f"a README block failed:\n{out.stderr[-3000:]}"


def test_block_finder_sees_only_python_blocks():
    text = "```bash\nmake lab\n```\n```python\nx = 1\n```\ntext\n```python\ny = 2\n```\n"
    assert python_blocks(text) == ["x = 1\n", "y = 2\n"]
