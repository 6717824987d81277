"""`extends: base.yaml`: a config built on another, its errors still naming the file and line
where each key was written."""
import pathlib

import pytest
import yaml
from cli_helpers import TINY, one_line

from simplegrad_cli.config.validation import load_config
from simplegrad_cli.errors import ConfigError

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_child_overrides_merges_mappings_and_replaces_lists(tmp_path):
    _write(tmp_path, "bases/base.yaml", TINY)
    child = _write(tmp_path, "child.yaml", "extends: bases/base.yaml\n"
                   "data: {batch_size: 8}\nmodel: [flatten, {linear: {out: 3}}]\n"
                   "optimizer: {lr: 0.5}\n")
    values = load_config(child).values
    assert values["data"]["batch_size"] == 8
    assert values["data"]["source"] == "synthetic:spirals"  # kept from the base
    assert values["data"]["options"] == {"n_samples": 200, "noise": 0.1, "num_classes": 3}
    assert values["model"] == [{"flatten": {}},
                               {"linear": {"in": None, "out": 3, "bias": True}}]
    assert values["optimizer"]["name"] == "adam" and values["optimizer"]["lr"] == 0.5


def test_chains_resolve_relative_to_each_file(tmp_path):
    _write(tmp_path, "a/base.yaml", TINY)
    _write(tmp_path, "a/b/middle.yaml", "extends: ../base.yaml\ntrain: {epochs: 7}\n")
    child = _write(tmp_path, "child.yaml", "extends: a/b/middle.yaml\nseed: 3\n")
    values = load_config(child).values
    assert (values["seed"], values["train"]["epochs"], values["data"]["batch_size"]) == (3, 7, 16)


def test_another_variant_replaces_the_base_settings(tmp_path):
    _write(tmp_path, "base.yaml", TINY.replace("lr: 0.01", "lr: 0.02, betas: [0.8, 0.9]")
           + "scheduler: {name: step, step_size: 2}\n")
    child = _write(tmp_path, "child.yaml", "extends: base.yaml\n"
                   "optimizer: {name: sgd, momentum: 0.9}\nscheduler: null\n")
    values = load_config(child).values
    assert values["optimizer"]["name"] == "sgd" and values["optimizer"]["lr"] != 0.02
    assert values["scheduler"] is None


def test_errors_name_the_file_and_line_where_the_key_was_written(tmp_path):
    _write(tmp_path, "base.yaml", TINY.replace("  batch_size: 16", "  batch_sise: 16"))
    child = _write(tmp_path, "child.yaml", "extends: base.yaml\nseed: 1\n")
    with pytest.raises(ConfigError) as error:
        load_config(child)
    assert error.value.where == f"{tmp_path / 'base.yaml'}:6"
    assert error.value.path == "data.batch_sise"
    child.write_text("extends: base.yaml\n\ndata: {batch_size: 0}\n")
    _write(tmp_path, "base.yaml", TINY)
    with pytest.raises(ConfigError) as error:
        load_config(child)
    assert error.value.where == f"{child}:3" and error.value.path == "data.batch_size"


@pytest.mark.parametrize("files, expected", [
    ({"a.yaml": "extends: b.yaml\n", "b.yaml": "extends: a.yaml\n"},
     "b.yaml:1: extends: configs extend each other in a cycle: a.yaml -> b.yaml -> a.yaml"),
    ({"a.yaml": "extends: a.yaml\n"},
     "a.yaml:1: extends: configs extend each other in a cycle: a.yaml -> a.yaml"),
    ({"a.yaml": "extends: missing.yaml\n"},
     "a.yaml:1: extends: missing.yaml: no such config file (looked for missing.yaml)"),
    ({"a.yaml": "extends: [b.yaml]\n"},
     "a.yaml:1: extends: expected the path of the config this one builds on (relative to "
     "a.yaml), got ['b.yaml']"),
    ({"a.yaml": "extends: b.yaml\n", "b.yaml": "- 1\n"},
     "a.yaml:1: extends: b.yaml: is not a config (a mapping of keys such as data, model)"),
])
def test_bad_chains_are_one_line(cli, workdir, files, expected):
    for name, text in files.items():
        (workdir / name).write_text(text)
    result = cli("validate", "a.yaml")
    assert result.exit_code == 2
    assert one_line(result) == expected


def test_print_config_shows_the_resolved_config(cli, workdir):
    (workdir / "base.yaml").write_text(TINY)
    (workdir / "child.yaml").write_text("extends: base.yaml\ntrain: {epochs: 5}\n")
    for command in ("validate", "train"):
        result = cli(command, "child.yaml", "--print-config")
        assert result.exit_code == 0, result.stderr
        shown = yaml.safe_load(result.stdout)
        assert "extends" not in shown
        assert shown["train"]["epochs"] == 5 and shown["data"]["batch_size"] == 16


def test_the_shipped_cnn_config_builds_on_digits_yaml():
    cnn, mlp = (load_config(ROOT / "configs" / name).values
                for name in ("digits_cnn.yaml", "digits.yaml"))
    assert "extends: digits.yaml" in (ROOT / "configs" / "digits_cnn.yaml").read_text()
    assert cnn["data"] == {**mlp["data"], "flatten": False}
    assert {k: v for k, v in cnn.items() if k not in ("data", "model")} == \
        {k: v for k, v in mlp.items() if k not in ("data", "model")}
    assert [next(iter(layer)) for layer in cnn["model"]][:2] == ["conv2d", "relu"]


def test_the_json_schema_takes_part_of_a_config_with_extends():
    jsonschema = pytest.importorskip("jsonschema")
    from simplegrad_cli.config.schema import json_schema

    validator = jsonschema.Draft202012Validator(json_schema())
    part = {"extends": "base.yaml", "data": {"flatten": False}, "optimizer": {"lr": 0.1}}
    assert validator.is_valid(part)
    assert not validator.is_valid({k: v for k, v in part.items() if k != "extends"})
    for bad in [{"seed": "1"}, {"data": {"flatn": True}}, {"extends": 3}]:
        assert not validator.is_valid({**part, **bad}), bad
