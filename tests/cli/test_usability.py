"""What a new user trips over: exit codes under --debug, --json errors, help text,
hints for options that are config keys, and bounds that are no errors."""
import json
import os
import subprocess
import sys

from cli_helpers import one_line


def test_debug_keeps_the_exit_code_and_adds_only_the_traceback(cli):
    plain = cli("validate", "missing.yaml")
    debug = cli("--debug", "validate", "missing.yaml")
    assert plain.exit_code == debug.exit_code == 2
    assert "Traceback" in debug.stderr
    assert debug.stderr.splitlines()[-1] == one_line(plain)


def test_json_errors_are_a_json_object_on_stdout(cli):
    result = cli("validate", "missing.yaml", "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report == {"ok": False, "error": one_line(result), "exit_code": 2}


def test_json_usage_errors_are_json_too(cli, write_config):
    result = cli("train", write_config(), "--epochs", "zero", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["ok"] is False


def test_unknown_option_that_is_a_config_key_suggests_set(cli, write_config):
    result = cli("train", write_config(), "--lr", "0.1")
    assert result.exit_code == 2
    assert one_line(result).endswith("No such option: --lr; to set optimizer.lr, use --set "
                                     "optimizer.lr=0.1")
    line = one_line(cli("train", write_config(), "--batch-size=8"))
    assert "--set data.batch_size=8" in line


def _help(*command):
    env = dict(os.environ, COLUMNS="80", TERM="dumb")
    done = subprocess.run([sys.executable, "-c", "from simplegrad_cli.main import main; main()",
                           *command, "-h"],
                          capture_output=True, text=True, env=env, check=True)
    return done.stdout


def test_help_reads_cleanly_at_80_columns():
    for command in ([], ["train"], ["eval"], ["gradcheck"], ["validate"], ["info"]):
        text = _help(*command)
        assert all(len(line) <= 80 for line in text.splitlines()), command
        assert "<bool>" not in text and "<str>" not in text, command
        usage = next(line for line in text.splitlines() if "Usage:" in line)
        assert "{" not in usage, command
    assert "Usage: simplegrad eval [OPTIONS] CHECKPOINT" in _help("eval")
    assert "config file's name" in _help("train")  # was eaten as markup: "(default runs/)"


def test_large_learning_rate_is_legal(cli, write_config):
    result = cli("validate", write_config(), "--set", "optimizer.lr=1e6")
    assert result.exit_code == 0, result.stderr
    for bad in ("0", "-1", ".inf", ".nan"):
        assert cli("validate", write_config(), "--set", f"optimizer.lr={bad}").exit_code == 2


def test_root_folder_as_source_is_one_line_exit_2(cli, write_config):
    for command in (["validate", "--load-data"], ["train"]):
        result = cli(*command, write_config(), "--set", "data.source=/")
        assert result.exit_code == 2
        assert one_line(result).startswith("--set: data.source: /: ")


def test_unreachable_hub_names_the_fixes(cli, write_config, monkeypatch):
    from simplegrad.data.sources import hub

    def unavailable(name, *args, **kwargs):
        raise hub.HubUnavailable(f"dataset {name!r} is not in the local cache and the hub "
                                 f"cannot be reached; {hub.LOCAL_HINT}")

    monkeypatch.setattr(hub, "download", unavailable)
    result = cli("validate", write_config(), "--load-data", "--set",
                 "data.source=someone/nothing", "--set", "data.options={}")
    assert result.exit_code == 2
    line = one_line(result)
    for fix in ("--set data.source=PATH", "configs/spirals.yaml", "configs/digits.yaml",
                "HF_HUB_OFFLINE=1"):
        assert fix in line, fix
