"""The config schema: every key, its type, default, range and one line of docs (model, loss,
optimizer and scheduler keys read from the registry); `validation.py` checks configs against it,
`json_schema()` and `docs_tables.py` render it."""
import functools
import inspect
import typing
from types import UnionType

from simplegrad.data.loading import sources

from simplegrad_cli.config import registry
from simplegrad_cli.config.registry import MAX_SIZE
from simplegrad_cli.config.spec import REQUIRED


class Field:
    """One scalar or list value: type, default, range, allowed choices and documentation."""

    def __init__(self, kind, doc, default=REQUIRED, *, minimum=None, maximum=None,
                 exclusive_minimum=False, choices=None, nullable=False, length=None):
        self.kind, self.doc, self.default = kind, doc, default  # kind: a key of _JSON_TYPES
        self.minimum, self.maximum, self.exclusive_minimum = minimum, maximum, exclusive_minimum
        self.choices, self.nullable, self.length = choices, nullable, length  # "numbers", "shape"


class Section:
    """A mapping with fixed keys, each a Field, Section, Choice or LayerList."""

    def __init__(self, doc, fields, default=REQUIRED, nullable=False):
        self.doc, self.fields, self.default, self.nullable = doc, fields, default, nullable


class Choice:
    """A mapping whose `name` key picks one of several Sections (optimizers, schedulers)."""

    def __init__(self, doc, variants, default=REQUIRED, nullable=False):
        self.doc, self.variants, self.default, self.nullable = doc, variants, default, nullable


class LayerList:
    """The model: a list of layers, each `name` or `{name: {argument: value}}`; `layers` are
    the registry's layers as they are now (a LayerSpec registered later is known too)."""

    default, nullable = REQUIRED, False

    def __init__(self, doc):
        self.doc = doc

    @property
    def layers(self):
        """{layer name: its config keys (Fields)}."""
        return layer_fields()


_KINDS = {int: "int", float: "number", bool: "bool", str: "string", tuple: "numbers"}


def _kind(annotation):
    """(kind, list length, nullable) of an annotation such as `int | None` or
    `tuple[float, float]`; of a union, the first type that is not None is what configs use."""
    members = typing.get_args(annotation) if isinstance(annotation, UnionType) else (annotation,)
    first = next(member for member in members if member is not type(None))
    length = len(typing.get_args(first)) or None
    return _KINDS[typing.get_origin(first) or first], length, type(None) in members


@functools.lru_cache(maxsize=None)
def fields_of(entry):
    """The config keys of a registry entry, in signature order: kinds and defaults read from
    its constructor's signature, docs and ranges (and any config default) from the entry."""
    keys = {entry.rename.get(key, key): key for key in entry.args}  # constructor -> config
    fields = {}
    for name, parameter in inspect.signature(entry.builds).parameters.items():
        if name in entry.hide or name in ("params", "optimizer"):
            continue
        if name not in keys:
            raise TypeError(f"{entry.builds.__name__}: document argument '{name}' in the "
                            "registry or hide it")
        arg = entry.args[keys[name]]
        kind, length, nullable = _kind(parameter.annotation)
        declared = dict(arg.field)
        default = declared.pop("default", parameter.default)
        if default is parameter.empty:
            default = REQUIRED
        elif default is not None and kind in ("number", "numbers"):  # 0 -> 0.0, tuples -> lists
            default = [float(v) for v in default] if kind == "numbers" else float(default)
        fields[keys[name]] = Field(kind, arg.doc, default, length=length,
                                   nullable=nullable or default is None, **declared)
    return fields


def layer_fields():
    """{layer name: its config keys}, for every layer the registry holds now."""
    return {name: fields_of(entry) for name, entry in registry.LAYERS.items()}


_WARMUP = Field("int", "epochs of linear warmup (from 0.1 x lr) before the schedule", 0,
                minimum=0, maximum=100_000)

LOSSES = tuple(registry.LOSSES)
OPTIMIZERS = {name: fields_of(entry) for name, entry in registry.OPTIMIZERS.items()}
SCHEDULERS = {name: fields_of(entry) | {"warmup_epochs": _WARMUP}
              for name, entry in registry.SCHEDULERS.items()}

METRICS = ("val_accuracy", "val_loss", "train_accuracy", "train_loss")


TRACKERS = ("tensorboard", "mlflow", "wandb")
TRACKING = {  # train.log_to and each tracker's settings (docs/tracking.md)
    "log_to": Field("names", "experiment trackers that also receive the run: params, metrics, "
                    "checkpoints", [], choices=TRACKERS),
    "mlflow": Section("Where `log_to: [mlflow]` logs.", {
        "tracking_uri": Field("string", "tracking server or store; null = "
                              "$MLFLOW_TRACKING_URI, else MLflow's default", None, nullable=True),
        "experiment": Field("string", "experiment; null = $MLFLOW_EXPERIMENT_NAME, else the "
                            "run's name", None, nullable=True),
    }, default={}),
    "wandb": Section("Where `log_to: [wandb]` logs.", {
        "project": Field("string", "project; null = $WANDB_PROJECT, else the run's name", None,
                         nullable=True),
        "entity": Field("string", "team or user; null = $WANDB_ENTITY, else your default", None,
                        nullable=True),
    }, default={}),
}


def sources_in_words(form="written"):
    """The kinds of data source, as `written` in help texts (builtin:NAME, ..., hub id or
    local path) or as a `doc` phrase, from the library's SourceSpecs."""
    names = [getattr(spec, form) for spec in sources()]
    return f"{', '.join(names[:-1])} or {names[-1]}"

SCHEMA = Section("A simplegrad training run.", {
    "seed": Field("int", "seed for weight initialisation, shuffling and dropout", 0, minimum=0,
                  maximum=2**32 - 1),
    "data": Section("Where the examples come from and how they are batched.", {
        "source": Field("string", sources_in_words("doc")),
        "split": Field("string", "split to train on (the validation set is cut from it)", "train"),
        "test_split": Field("string", "split `simplegrad eval` uses; null = none", "test",
                            nullable=True),
        "val_fraction": Field("number", "fraction of the training split held out for "
                              "validation (0 = no validation)", 0.1, minimum=0, maximum=0.9),
        "val_seed": Field("int", "seed of the train/validation split (separate from `seed`, so "
                          "a new training seed keeps the same validation set)", 0, minimum=0,
                          maximum=2**32 - 1),
        "batch_size": Field("int", "examples per optimisation step", 64, minimum=1,
                            maximum=MAX_SIZE),
        "shuffle": Field("bool", "reshuffle the training examples every epoch", True),
        "flatten": Field("bool", "flatten each example to a vector (images -> 784 values)", False),
        "normalize": Field("numbers", "[mean, std]: features become (x - mean) / std; "
                           "null = unchanged", None, length=2, nullable=True),
        "max_samples": Field("int", "use only the first N examples of each split; null = all",
                             None, minimum=1, maximum=MAX_SIZE, nullable=True),
        "input_shape": Field("shape", "per-sample shape the model takes (after `flatten`), "
                             "e.g. [784] or [1, 28, 28]: lets `validate` and `graph` work out "
                             "every layer without the data (`train` checks it against the "
                             "data); null = from the source where known without reading it",
                             None, minimum=1, maximum=MAX_SIZE, nullable=True, length=3),
        "options": Field("mapping", None, {}),
    }),
    "model": LayerList("The network: a list of layers applied in order."),
    "loss": Field("string", "training loss", "cross_entropy", choices=LOSSES),
    "optimizer": Choice("How parameters are updated; `name` picks the algorithm.", OPTIMIZERS,
                        default={"name": "adam"}),
    "scheduler": Choice("Optional learning-rate schedule, stepped once per epoch.", SCHEDULERS,
                        default=None, nullable=True),
    "train": Section("The training loop and where its outputs go.", {
        "epochs": Field("int", "passes over the training data", 10, minimum=1, maximum=100_000),
        "eval_every": Field("int", "validate every N epochs (and always after the last)", 1,
                            minimum=1, maximum=100_000),
        "log_every": Field("int", "write a step record to metrics.jsonl every N steps", 50,
                           minimum=1, maximum=10_000_000),
        "grad_clip": Field("number", "clip the global gradient norm to this; null = off", None,
                           minimum=0, exclusive_minimum=True, maximum=1e6, nullable=True),
        "metric": Field("string", "metric that picks best.npz and drives early stopping",
                        "val_accuracy", choices=METRICS),
        "patience": Field("int", "stop after N evaluations without improvement; null = never",
                          None, minimum=1, maximum=100_000, nullable=True),
        "out": Field("string", "run folder; null = runs/<config file name>", None, nullable=True),
        "threads": Field("int", "simplegrad's threads (convolutions, matmuls, large elementwise "
                         "ops; the results do not depend on it); null = $SIMPLEGRAD_THREADS, "
                         "else every core", None, minimum=1, maximum=4096, nullable=True),
        "detect_anomaly": Field("bool", "stop at the first op that makes NaN or inf from finite "
                                "values, naming it and its layer (slower; for debugging)", False),
        "diagnostics": Section("Per-layer statistics written to diagnostics.jsonl (`plot "
                               "--diagnostics`, `doctor`); null = off.", {
            "every": Field("int", "record weight and gradient norms, update ratios and layer "
                           "outputs every N steps", minimum=1, maximum=10_000_000),
        }, default=None, nullable=True),
        **TRACKING,
    }, default={}),
})

_DATA = SCHEMA.fields["data"].fields
_DATA["options"].doc = "extra options for the source (" + "; ".join(
    f"{spec.kind}: {', '.join(names)}" for spec in sources()
    if (names := [name for name in spec.options if name not in _DATA])) + ")"

_FAMILIES = (registry.LAYERS, registry.LOSSES, registry.OPTIMIZERS, registry.SCHEDULERS)

# Words users try, mapped to what they probably meant (for "did you mean"): the library's
# class and argument names (`BatchNorm2d`, `in_channels`), each entry's own synonyms (`dense`),
# then common synonyms of keys.
ALIASES = {
    **{entry.builds.__name__.lower(): name for family in _FAMILIES
       for name, entry in family.items() if entry.builds.__name__.lower() != name},
    **{argument.lower(): key for family in _FAMILIES for entry in family.values()
       for key, argument in entry.rename.items()},
    **{alias: name for family in _FAMILIES for name, entry in family.items()
       for alias in entry.aliases},
    "in_features": "in", "out_features": "out",
    "learning_rate": "lr", "epoch": "epochs", "batch": "batch_size",
    "kernel": "kernel_size", "dataset": "source", "path": "source", "clip": "grad_clip",
    "max_norm": "grad_clip", "output": "out", "out_dir": "out", "early_stopping": "patience",
}


def config_keys():
    """{leaf key name: dotted path} for the keys of SCHEMA's sections and choices (the first
    path wins), so `--lr 0.1` can be answered with `--set optimizer.lr=0.1`."""
    found = {}

    def walk(fields, path):
        for key, spec in fields.items():
            if isinstance(spec, Section):
                walk(spec.fields, path + (key,))
            elif isinstance(spec, Choice):
                for variant in spec.variants.values():
                    walk(variant, path + (key,))
            elif isinstance(spec, Field):
                found.setdefault(key, ".".join(path + (key,)))

    walk(SCHEMA.fields, ())
    for alias, key in ALIASES.items():
        if key in found:
            found.setdefault(alias, found[key])
    return found


# ---- JSON Schema ------------------------------------------------------------------------
_JSON_TYPES = {"int": "integer", "number": "number", "bool": "boolean", "string": "string",
               "mapping": "object", "numbers": "array", "shape": "array", "names": "array"}


def _field_schema(field):
    out = {"description": field.doc, "type": _JSON_TYPES[field.kind]}
    low = "exclusiveMinimum" if field.exclusive_minimum else "minimum"
    bounds = {key: value for key, value in [(low, field.minimum), ("maximum", field.maximum)]
              if value is not None}
    if field.kind in ("numbers", "shape"):  # the bounds are each item's
        out.update(items={"type": "number" if field.kind == "numbers" else "integer", **bounds},
                   minItems=field.length if field.kind == "numbers" else 1,
                   maxItems=field.length)
    else:
        out.update(bounds)
    if field.kind == "names":  # distinct names, each one of the choices
        out.update(items={"enum": list(field.choices)}, uniqueItems=True)
    elif field.choices:
        out["enum"] = list(field.choices) + [None] * field.nullable
    if field.nullable:
        out["type"] = [out["type"], "null"]
    if field.default is not REQUIRED:
        out["default"] = field.default
    return out


def _object_schema(doc, fields, extra=None):
    """A mapping of `fields` (and the `extra` properties, all required), nothing else."""
    required = list(extra or {}) + [key for key, spec in fields.items()
                                    if spec.default is REQUIRED]
    properties = {**(extra or {}), **{key: _any_schema(spec) for key, spec in fields.items()}}
    return {"description": doc, "type": "object", "properties": properties,
            "additionalProperties": False} | ({"required": required} if required else {})


def _optional(variants):
    """The names whose every key has a default (so the name alone is a valid value)."""
    return [name for name, fields in variants.items()
            if all(field.default is not REQUIRED for field in fields.values())]


def _any_schema(spec):
    if isinstance(spec, Field):
        return _field_schema(spec)
    if isinstance(spec, Section):
        out = _object_schema(spec.doc, spec.fields)
    elif isinstance(spec, Choice):
        out = {"description": spec.doc, "oneOf": [{"enum": _optional(spec.variants)}] + [
            _object_schema(f"{spec.doc} ({name})", fields,
                           {"name": {"const": name, "description": "which one"}})
            for name, fields in spec.variants.items()]}
    else:
        layers = [{"type": "object", "additionalProperties": False, "required": [name],
                   "properties": {name: _object_schema(f"{name}: {registry.LAYERS[name].doc}",
                                                       args) | {"type": ["object", "null"]}}}
                  for name, args in spec.layers.items()]
        out = {"description": spec.doc, "type": "array", "minItems": 1,
               "items": {"oneOf": [{"enum": _optional(spec.layers)}] + layers}}
    if spec.nullable:
        out = {"description": out.pop("description"), "oneOf": [{"type": "null"}, out]}
    return out


def _partial(schema):
    """`schema` with nothing required (and variants that may overlap): what a config that
    `extends` another may hold, as it writes only what it changes."""
    if isinstance(schema, list):
        return [_partial(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {"anyOf" if key == "oneOf" else key: _partial(value)
            for key, value in schema.items() if key != "required"}


EXTENDS = {"type": "string", "description": "a config this one builds on (a path relative to "
           "this file): its keys apply unless this file sets them"}


def json_schema():
    """The JSON Schema (draft 2020-12) of a config file, generated from SCHEMA: a config with
    `extends` holds any part of one."""
    strict = _any_schema(SCHEMA)
    partial = _partial(strict)
    partial["properties"] = {"extends": EXTENDS, **partial["properties"]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "simplegrad config", "description": strict["description"],
            "type": "object", "if": {"required": ["extends"]}, "then": partial, "else": strict}


# Regenerate the shipped file:
#   python -m simplegrad_cli.config.schema > simplegrad_cli/config/config.schema.json
if __name__ == "__main__":
    import json

    print(json.dumps(json_schema(), indent=2))
