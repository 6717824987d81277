"""The registry: signatures give types and defaults, declared counts match the real modules,
every layer is gradchecked, and a layer added there (silu) works from config to checkpoint."""
import inspect
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from simplegrad import nn
from simplegrad_cli.commands import gradcheck as gradchecks
from simplegrad_cli.config import registry, schema
from simplegrad_cli.run import build

SILU_CONFIG = Path(__file__).resolve().parents[2] / "fixtures" / "silu_mlp.yaml"
FAMILIES = [(registry.LAYERS, schema.layer_fields()), (registry.OPTIMIZERS, schema.OPTIMIZERS),
            (registry.SCHEDULERS, schema.SCHEDULERS)]


@pytest.mark.parametrize("entries, fields", FAMILIES, ids=["layers", "optimizers", "schedulers"])
def test_defaults_and_keys_come_from_the_signatures(entries, fields):
    for name, entry in entries.items():
        signature = inspect.signature(entry.builds).parameters
        for key, field in fields[name].items():
            if key == "warmup_epochs":  # the CLI's own scheduler setting
                continue
            parameter = signature[entry.rename.get(key, key)]
            if "default" in entry.args[key].field:
                assert field.default == entry.args[key].field["default"], (name, key)
            elif parameter.default is parameter.empty:
                assert field.default is schema.REQUIRED, (name, key)
            else:
                assert field.default == list(parameter.default) if field.kind == "numbers" \
                    else field.default == parameter.default, (name, key)
        offered = {entry.rename.get(key, key) for key in fields[name]} | entry.hide
        assert offered >= set(signature) - {"params", "optimizer"}, name


def test_types_come_from_annotations():
    assert schema.layer_fields()["linear"]["bias"].kind == "bool"
    assert schema.layer_fields()["max_pool2d"]["stride"].nullable
    assert schema.layer_fields()["conv2d"]["kernel_size"].kind == "int"  # int | tuple: the first
    betas = schema.OPTIMIZERS["adam"]["betas"]
    assert (betas.kind, betas.length) == ("numbers", 2)
    assert schema.OPTIMIZERS["adamw"]["weight_decay"].default == 0.01  # AdamW's own default


def test_an_undocumented_constructor_argument_is_refused():
    class Scaled(nn.Module):
        def __init__(self, factor: float = 2.0, offset: float = 0.0):
            super().__init__()

    entry = registry.Entry(Scaled, "scale", {"factor": registry.Arg("the factor")})
    with pytest.raises(TypeError, match="document argument 'offset'"):
        schema.fields_of(entry)
    entry.hide.add("offset")
    assert list(schema.fields_of(entry)) == ["factor"]


def test_declared_parameter_counts_match_the_built_modules():
    for name, entry in registry.LAYERS.items():
        args = {key: 3 if field.default is schema.REQUIRED else field.default
                for key, field in schema.layer_fields()[name].items()} | entry.example
        for key in entry.inferred:
            args[key] = 6  # not 3, so swapped sizes show; divisible by group_norm's 2 groups
        assert entry.parameters(args) == build.make_layer(name, args).num_parameters(), name


def test_every_registry_layer_is_gradchecked():
    layers = {name for name, *_ in gradchecks._layer_cases()}  # by their config names
    assert layers == set(registry.LAYERS) and layers <= set(gradchecks.available_checks())
    assert "silu" in layers


def test_every_registry_layer_can_be_exported_to_onnx():
    """Each LayerSpec names the ONNX converter of the class it builds."""
    missing = [name for name, spec in registry.LAYERS.items() if spec.converter is None]
    assert not missing


def test_a_config_with_silu_trains_evaluates_and_reloads(cli, workdir):
    result = cli("train", SILU_CONFIG, "--json", "--out", "run")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["best"] > 0.6  # three classes: chance is 1/3
    resolved = yaml.safe_load((workdir / "run" / "config.yaml").read_text())
    names = [layer if isinstance(layer, str) else next(iter(layer)) for layer in resolved["model"]]
    assert names == ["linear", "silu", "linear", "silu", "linear"]
    evaluated = cli("eval", workdir / "run" / "best.npz", "--json")  # rebuilt from the checkpoint
    assert evaluated.exit_code == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["accuracy"] > 0.5


def test_silu_layer_is_x_times_sigmoid():
    x = np.linspace(-4, 4, 9)
    np.testing.assert_allclose(build.make_layer("silu", {})(x).data, x / (1 + np.exp(-x)),
                               rtol=1e-6)


class Doubling(nn.Module):
    """A layer the CLI has never heard of, with a shape of its own: x beside x * weight."""

    def __init__(self, features: int):
        super().__init__()
        self.weight = nn.Parameter(np.linspace(0.5, 1.5, features, dtype=np.float32))

    def forward(self, x):
        from simplegrad import cat
        return cat([x, x * self.weight], axis=-1)


def test_a_layer_is_its_class_and_one_layer_spec(cli, write_config, monkeypatch):
    """Registered in the registry alone, a new layer validates (its size inferred, its output
    shape and parameters worked out), draws, trains, gradchecks, and is in the JSON Schema
    and the docs: nothing else knows a layer by its name."""
    from simplegrad_cli.config import docs_tables
    from simplegrad_cli.config.spec import Arg, Input, LayerSpec

    monkeypatch.setitem(registry.LAYERS, "doubling", LayerSpec(
        Doubling, "`x` beside `x * weight`",
        {"features": Arg("features of x; inferred from the data when null", default=None)},
        input=Input((1,), "(features,)", "features", axis=-1),
        parameters=lambda a: a["features"], output=lambda a, shape: (2 * shape[0],)))
    config = write_config(TINY_WITH_DOUBLING)
    validated = json.loads(cli("validate", config, "--json").stdout)
    assert validated["layers"][1] == {"index": 1, "layer": "doubling",
                                      "arguments": {"features": 16}, "output_shape": [32],
                                      "parameters": 16}
    drawn = json.loads(cli("graph", config, "--json").stdout)
    assert drawn["layers"][1]["output_shape"] == [32] and drawn["parameters"] == 16 * 2 + 16 + \
        16 + 32 * 3 + 3
    assert cli("train", config, "--epochs", "1").exit_code == 0
    checked = json.loads(cli("gradcheck", "--op", "doubling", "--json").stdout)
    assert checked["passed"] and [c["name"] for c in checked["checks"]] == ["doubling"]
    assert "doubling" in json.dumps(schema.json_schema())
    assert "| `doubling` | `test_registry.Doubling` | `x` beside `x * weight` | `(features,)` |" \
        in docs_tables.tables()["layers"]


TINY_WITH_DOUBLING = """\
data:
  source: synthetic:spirals
  options: {n_samples: 100, num_classes: 3}
model:
  - linear: {out: 16}
  - doubling
  - linear: {out: 3}
train: {epochs: 1}
"""


def test_no_layer_is_known_by_its_name_outside_the_registry():
    """Shapes, sizes, memory, batch statistics and gradcheck inputs come from the LayerSpecs:
    no module but the registry spells a layer's config name (a config key of the same name,
    data.flatten, is not a layer)."""
    root = Path(__file__).resolve().parents[3] / "simplegrad_cli"
    keys = set(schema.SCHEMA.fields["data"].fields)
    names = [name for name in registry.LAYERS if name not in keys] + ["batch_norm"]
    for path in root.rglob("*.py"):
        if path.name == "registry.py":
            continue
        text = path.read_text()
        found = [name for name in names if f'"{name}"' in text or f"'{name}'" in text]
        assert not found, (path.name, found)
