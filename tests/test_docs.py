"""Every ```python block in README.md and docs/*.md runs, and its ```text output block matches.

Blocks of one file share a namespace, in order, like a notebook. A ```text block right after a
python block is the exact stdout that block must print.
"""
import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```(\w+)[^\n]*\n(.*?)```", re.S)
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(path):
    """(code, expected output or None) for each python block of a markdown file."""
    blocks = [(m.group(1), m.group(2), m.start(), m.end()) for m in BLOCK.finditer(path.read_text())]
    text = path.read_text()
    pairs = []
    for i, (lang, body, _, end) in enumerate(blocks):
        if lang != "python":
            continue
        expected = None
        if i + 1 < len(blocks) and blocks[i + 1][0] == "text" \
                and not text[end:blocks[i + 1][2]].strip():
            expected = blocks[i + 1][1]
        pairs.append((body, expected))
    return pairs


@pytest.mark.parametrize("path", [p for p in DOCS if python_blocks(p)],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_markdown_code_blocks_run_as_shown(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__doc__"}
    for number, (code, expected) in enumerate(python_blocks(path), 1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{path.name} block {number}", "exec"), namespace)
        if expected is not None:
            assert out.getvalue().strip() == expected.strip(), f"{path.name} block {number}"
