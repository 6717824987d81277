"""Every ```python block in README.md and docs/*.md runs, and its ```text output block matches.

Blocks of one file share a namespace, in order, like a notebook. A ```text block right after a
python block is the exact stdout that block must print.
"""
import contextlib
import io
import re
import subprocess
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


def test_the_cli_page_lists_every_command():
    from simplegrad_cli.main import app

    listing = (ROOT / "docs" / "cli.md").read_text().split("```", 2)[1]
    listed = set(re.findall(r"^simplegrad (\w[\w-]*)", listing, re.M))
    groups = {g.typer_instance.info.name for g in app.registered_groups}  # `simplegrad learn`
    assert listed == {c.name or c.callback.__name__ for c in app.registered_commands} | groups


def test_every_config_path_the_docs_name_is_shipped():
    for path in DOCS:
        for name in re.findall(r"\bconfigs/[\w/.-]+\.yaml", path.read_text()):
            assert (ROOT / name).is_file(), (path.name, name)


def test_the_sweep_page_example_is_the_shipped_sweep_file():
    import yaml

    page = (ROOT / "docs" / "sweep.md").read_text()
    example = yaml.safe_load(page.split("```yaml", 1)[1].split("```", 1)[0])
    shipped = yaml.safe_load((ROOT / "configs" / "sweeps" / "spirals.yaml").read_text())
    assert example["config"] == shipped["config"]
    assert (ROOT / "configs" / "sweeps" / example["config"]).is_file()


def test_gitignore_covers_the_folders_commands_write_by_default():
    """The checkout's own runs/ and sweeps/ only: a source folder of that name (the CLI's
    commands/runs/) must stay tracked (`runs/` anywhere once hid a command from git)."""
    ignored = (ROOT / ".gitignore").read_text().split()
    assert {"/runs/", "/sweeps/"} <= set(ignored)
    hidden = subprocess.run(["git", "ls-files", "--others", "--ignored", "--exclude-standard",
                             "simplegrad", "simplegrad_cli", "tests", "configs", "docs"],
                            cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert [path for path in hidden if "__pycache__" not in path] == []
