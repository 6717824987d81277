"""The command line itself: global flags anywhere, help without raw markers, examples that run
offline."""
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simplegrad_cli.config.validation import load_config
from simplegrad_cli.main import app

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_debug_after_the_command_is_the_global_flag(cli, write_config):
    config = write_config()
    result = cli("validate", config, "--debug")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr and "OK" in result.stdout
    result = cli("validate", "missing.yaml", "--debug")  # a mistake: traceback, then the line
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1] == "missing.yaml: no such file; expected the path of " \
                                             "a YAML config"
    result = cli("validate", config, "--", "--debug")  # after `--`: an argument, no flag
    assert result.exit_code == 2 and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_raw_markers(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert not re.search(r"\{[A-Z_]+\}|<[a-z ]+>", result.stdout), result.stdout


def test_the_help_examples_run_offline():
    """The examples of `simplegrad --help` name configs that need no network."""
    result = CliRunner().invoke(app, ["--help"])
    configs = set(re.findall(r"configs/\S+\.yaml", result.stdout))
    assert configs
    for config in configs:
        source = load_config(ROOT / config).values["data"]["source"]  # extends resolved
        assert source.startswith(("builtin:", "synthetic:")), (config, source)
    runs = set(re.findall(r"runs/(\w+)/", result.stdout))
    assert runs <= {c.split("/")[-1].removesuffix(".yaml") for c in configs}, runs


def test_help_and_schema_know_every_kind_of_source(cli):
    """The help of --data and the schema's data.source name each SourceSpec, from the specs."""
    from simplegrad.data.loading import sources
    from simplegrad_cli.config import schema

    full = schema.json_schema()["else"]  # (a config with `extends` may hold part of one)
    described = full["properties"]["data"]["properties"]["source"]["description"]
    helps = [" ".join(cli(command, "--help").stdout.replace("│", " ").split())
             for command in ("eval", "predict")]
    for spec in sources():
        assert spec.doc in described and all(spec.written in text for text in helps), spec.kind


def _leaf_commands(group, path=()):
    """(command path, click command) of every command the app registers, groups included."""
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _leaf_commands(command, path + (name,))
        else:
            yield path + (name,), command


def test_every_command_takes_json():
    """One output path: a command returns a report and `emit` prints it, so --json exists for
    every command by construction."""
    import typer

    commands = dict(_leaf_commands(typer.main.get_command(app)))
    assert len(commands) >= 11
    for path, command in commands.items():
        assert any("--json" in param.opts for param in command.params), " ".join(path)


def test_a_command_runs_from_python_with_its_options(workdir):
    """What the command line passes a command module: its arguments as main.py declares
    them, defaults filled in."""
    from simplegrad_cli.commands import gradcheck
    from simplegrad_cli.main import options

    chosen = options("gradcheck", ops=["relu"])
    assert (chosen.config, chosen.batch_size) == (None, 4)
    report = gradcheck.run(chosen)
    assert report.exit_code == 0 and report.to_json()["failed"] == []
