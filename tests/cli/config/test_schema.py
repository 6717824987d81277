"""The shipped JSON Schema, the docs and the example configs agree with the validator."""
import json
import pathlib

import pytest

from simplegrad_cli.config import docs_tables, schema
from simplegrad_cli.config.validation import load_config

ROOT = pathlib.Path(__file__).resolve().parents[3]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def test_shipped_schema_is_up_to_date():
    shipped = json.loads((ROOT / "simplegrad_cli" / "config" / "config.schema.json").read_text())
    assert shipped == schema.json_schema(), \
        "regenerate: python -m simplegrad_cli.config.schema > " \
        "simplegrad_cli/config/config.schema.json"


def _keys(spec, prefix=""):
    """Every documented key path of the schema (layers and variants included)."""
    if isinstance(spec, schema.Section):
        for key, sub in spec.fields.items():
            yield f"{prefix}{key}"
            yield from _keys(sub, f"{prefix}{key}.")
    elif isinstance(spec, schema.Choice):
        for fields in spec.variants.values():
            for key in fields:
                yield f"{prefix}{key}"
    elif isinstance(spec, schema.LayerList):
        for name, args in spec.layers.items():
            yield name
            for key in args:
                yield f"{name}.{key}"


@pytest.mark.parametrize("name, regions", [("config.md", 4), ("data.md", 2)])
def test_docs_tables_are_up_to_date(name, regions):
    doc = (ROOT / "docs" / name).read_text()
    assert doc.count("<!-- generated: ") == regions
    assert docs_tables.render(doc) == doc, \
        "regenerate: python -m simplegrad_cli.config.docs_tables docs/config.md docs/data.md"


def test_docs_mention_every_key_layer_and_name():
    doc = (ROOT / "docs" / "config.md").read_text()
    missing = [key for key in _keys(schema.SCHEMA) if f"`{key.split('.')[-1]}`" not in doc]
    names = list(schema.OPTIMIZERS) + list(schema.SCHEDULERS) + list(schema.LOSSES)
    missing += [name for name in names if f"`{name}`" not in doc]
    assert not missing


def test_example_configs_exist_and_validate():
    assert {p.name for p in CONFIGS} >= {"mnist.yaml", "mnist_cnn.yaml", "fashion_mnist.yaml",
                                         "spirals.yaml"}
    for path in CONFIGS:
        load_config(path)  # raises ConfigError if not valid


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_configs_and_resolved_configs_match_the_json_schema(path):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    validator = jsonschema.Draft202012Validator(schema.json_schema())
    validator.validate(yaml.safe_load(path.read_text()))
    validator.validate(load_config(path).values)


def test_json_schema_rejects_what_the_validator_rejects():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(schema.json_schema())
    good = {"data": {"source": "synthetic:spirals"}, "model": ["relu", {"linear": {"out": 3}}]}
    assert validator.is_valid(good)
    for bad in [{**good, "seed": "1"}, {**good, "extra": 1}, {**good, "model": ["rellu"]},
                {**good, "optimizer": {"name": "adam", "momentum": 0.9}},
                {**good, "train": {"epochs": 0}}, {"model": good["model"]}]:
        assert not validator.is_valid(bad), bad
