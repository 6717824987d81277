"""The config schema: every key, its type, default, allowed range and one line of docs.

This table is the single source of truth: `config.py` validates against it, `json_schema()`
turns it into the JSON Schema shipped as `config.schema.json` (a test keeps the two in sync),
and docs/config.md documents the same keys.
"""
REQUIRED = object()  # marks a key without a default


class Field:
    """One scalar or list value: type, default, range, allowed choices and documentation."""

    def __init__(self, kind, doc, default=REQUIRED, *, minimum=None, maximum=None,
                 exclusive_minimum=False, choices=None, nullable=False, length=None):
        self.kind = kind  # "int", "number", "bool", "string", "numbers" or "mapping"
        self.doc = doc
        self.default = default
        self.minimum, self.maximum = minimum, maximum
        self.exclusive_minimum = exclusive_minimum
        self.choices = choices
        self.nullable = nullable
        self.length = length  # for "numbers": the exact list length


class Section:
    """A mapping with fixed keys, each a Field, Section, Choice or LayerList."""

    def __init__(self, doc, fields, default=REQUIRED, nullable=False):
        self.doc, self.fields, self.default, self.nullable = doc, fields, default, nullable


class Choice:
    """A mapping whose `name` key picks one of several Sections (optimizers, schedulers)."""

    def __init__(self, doc, variants, default=REQUIRED, nullable=False):
        self.doc, self.variants, self.default, self.nullable = doc, variants, default, nullable


class LayerList:
    """The model: a list of layers, each `name` or `{name: {argument: value}}`."""

    def __init__(self, doc, layers):
        self.doc, self.layers = doc, layers
        self.default = REQUIRED
        self.nullable = False


MAX_SIZE = 1_000_000  # largest layer width / batch size accepted; bigger is a typo

INFER = "inferred from the data when null"


def _size(doc, default=REQUIRED, nullable=False):
    """A positive count such as a layer width or a batch size."""
    return Field("int", doc, default, minimum=1, maximum=MAX_SIZE, nullable=nullable)


def _pool(name):
    """Arguments of max_pool2d / avg_pool2d."""
    return {
        "kernel_size": Field("int", f"{name} window size (square)", minimum=1, maximum=1024),
        "stride": Field("int", "step between windows; null = kernel_size", None, minimum=1,
                        maximum=1024, nullable=True),
        "padding": Field("int", "zero padding on each side", 0, minimum=0, maximum=1024),
    }


def _norm_args(size_key, size_doc):
    """Arguments shared by layer_norm and the batch norms."""
    return {
        size_key: _size(f"{size_doc}; {INFER}", None, nullable=True),
        "eps": Field("number", "added to the variance for stability", 1e-5, minimum=0,
                     exclusive_minimum=True, maximum=1.0),
    }


_BATCH_NORM = {
    **_norm_args("num_features", "channels (or features) to normalise"),
    "momentum": Field("number", "running-statistics update rate", 0.1, minimum=0, maximum=1),
}

LAYERS = {
    "linear": {
        "in": _size(f"input features; {INFER}", None, nullable=True),
        "out": _size("output features"),
        "bias": Field("bool", "learn an additive bias", True),
    },
    "conv2d": {
        "in": _size(f"input channels; {INFER}", None, nullable=True),
        "out": _size("output channels"),
        "kernel_size": Field("int", "kernel size (square)", minimum=1, maximum=1024),
        "stride": Field("int", "step between kernel positions", 1, minimum=1, maximum=1024),
        "padding": Field("int", "zero padding on each side", 0, minimum=0, maximum=1024),
        "bias": Field("bool", "learn an additive bias per channel", True),
    },
    "max_pool2d": _pool("max-pooling"),
    "avg_pool2d": _pool("average-pooling"),
    "flatten": {},
    "relu": {},
    "sigmoid": {},
    "tanh": {},
    "gelu": {},
    "leaky_relu": {
        "negative_slope": Field("number", "slope for negative inputs", 0.01, minimum=0,
                                maximum=1),
    },
    "softmax": {},
    "dropout": {
        "p": Field("number", "probability of zeroing each activation while training", 0.5,
                   minimum=0, maximum=0.999),
    },
    "layer_norm": _norm_args("normalized_shape", "size of the last axis"),
    "batch_norm1d": _BATCH_NORM,
    "batch_norm2d": _BATCH_NORM,
}

LOSSES = ("cross_entropy", "mse", "binary_cross_entropy")

_LR = dict(minimum=0, exclusive_minimum=True)  # a huge lr is legal: it shows divergence
_WEIGHT_DECAY = dict(minimum=0, maximum=1.0)


def _adam(weight_decay):
    """Arguments of adam / adamw (they differ only in the default weight decay)."""
    return {
        "lr": Field("number", "learning rate", 1e-3, **_LR),
        "betas": Field("numbers", "decay rates of the moment estimates", [0.9, 0.999],
                       minimum=0, maximum=0.99999, length=2),
        "eps": Field("number", "added to the denominator for stability", 1e-8, minimum=0,
                     exclusive_minimum=True, maximum=1.0),
        "weight_decay": Field("number", "weight decay", weight_decay, **_WEIGHT_DECAY),
    }


OPTIMIZERS = {
    "sgd": {
        "lr": Field("number", "learning rate", 0.01, **_LR),
        "momentum": Field("number", "momentum factor", 0.0, minimum=0, maximum=0.9999),
        "nesterov": Field("bool", "use Nesterov momentum (needs momentum > 0)", False),
        "weight_decay": Field("number", "L2 penalty added to the gradient", 0.0,
                              **_WEIGHT_DECAY),
    },
    "adam": _adam(0.0),
    "adamw": _adam(0.01),
}

_WARMUP = Field("int", "epochs of linear warmup (from 0.1 x lr) before the schedule", 0,
                minimum=0, maximum=100_000)

SCHEDULERS = {
    "step": {
        "step_size": Field("int", "epochs between learning-rate decays", minimum=1,
                           maximum=100_000),
        "gamma": Field("number", "factor applied to the learning rate at each decay", 0.1,
                       minimum=0, exclusive_minimum=True, maximum=1.0),
        "warmup_epochs": _WARMUP,
    },
    "cosine": {
        "t_max": Field("int", "epochs of one cosine half-period; null = train.epochs - "
                       "warmup_epochs", None, minimum=1, maximum=100_000, nullable=True),
        "eta_min": Field("number", "learning rate at the end of the cosine", 0.0, minimum=0),
        "warmup_epochs": _WARMUP,
    },
}

METRICS = ("val_accuracy", "val_loss", "train_accuracy", "train_loss")

SCHEMA = Section("A simplegrad training run.", {
    "seed": Field("int", "seed for weight initialisation, shuffling and dropout", 0, minimum=0,
                  maximum=2**32 - 1),
    "data": Section("Where the examples come from and how they are batched.", {
        "source": Field("string", "`synthetic:NAME`, a Hugging Face hub id (e.g. ylecun/mnist) "
                        "or a local path"),
        "split": Field("string", "split to train on (the validation set is cut from it)",
                       "train"),
        "test_split": Field("string", "split `simplegrad eval` uses; null = none", "test",
                            nullable=True),
        "val_fraction": Field("number", "fraction of the training split held out for "
                              "validation (0 = no validation)", 0.1, minimum=0, maximum=0.9),
        "val_seed": Field("int", "seed of the train/validation split (separate from `seed`, so "
                          "a new training seed keeps the same validation set)", 0, minimum=0,
                          maximum=2**32 - 1),
        "batch_size": _size("examples per optimisation step", 64),
        "shuffle": Field("bool", "reshuffle the training examples every epoch", True),
        "flatten": Field("bool", "flatten each example to a vector (images -> 784 values)",
                         False),
        "normalize": Field("numbers", "[mean, std]: features become (x - mean) / std; "
                           "null = unchanged", None, length=2, nullable=True),
        "max_samples": _size("use only the first N examples of each split; null = all",
                             None, nullable=True),
        "options": Field("mapping", "extra options for the source (synthetic: n_samples, "
                         "noise, num_classes, seed; hub/files: image_column, label_column, "
                         "cache_dir)", {}),
    }),
    "model": LayerList("The network: a list of layers applied in order.", LAYERS),
    "loss": Field("string", "training loss", "cross_entropy", choices=LOSSES),
    "optimizer": Choice("How parameters are updated; `name` picks the algorithm.", OPTIMIZERS,
                        default={"name": "adam"}),
    "scheduler": Choice("Optional learning-rate schedule, stepped once per epoch.", SCHEDULERS,
                        default=None, nullable=True),
    "train": Section("The training loop and where its outputs go.", {
        "epochs": Field("int", "passes over the training data", 10, minimum=1,
                        maximum=100_000),
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
        "out": Field("string", "run folder; null = runs/<config file name>", None,
                     nullable=True),
    }, default={}),
}, default=REQUIRED)

# Common words users try, mapped to what they probably meant (for "did you mean").
ALIASES = {
    "dense": "linear", "fc": "linear", "in_features": "in", "out_features": "out",
    "in_dim": "in", "out_dim": "out", "in_channels": "in", "out_channels": "out",
    "conv": "conv2d", "maxpool": "max_pool2d", "avgpool": "avg_pool2d",
    "batchnorm": "batch_norm1d", "batchnorm2d": "batch_norm2d", "layernorm": "layer_norm",
    "learning_rate": "lr", "ce": "cross_entropy", "crossentropy": "cross_entropy",
    "nll": "cross_entropy", "bce": "binary_cross_entropy", "epoch": "epochs",
    "batch": "batch_size", "kernel": "kernel_size", "dataset": "source", "path": "source",
    "clip": "grad_clip", "max_norm": "grad_clip", "output": "out", "out_dir": "out",
    "early_stopping": "patience",
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


def defaults_of(fields):
    """The defaults of a dict of Fields (REQUIRED ones left out)."""
    return {key: field.default for key, field in fields.items()
            if isinstance(field, Field) and field.default is not REQUIRED}


# ---- JSON Schema ------------------------------------------------------------------------
def _field_schema(field):
    types = {"int": "integer", "number": "number", "bool": "boolean", "string": "string",
             "mapping": "object", "numbers": "array"}
    out = {"description": field.doc, "type": types[field.kind]}
    if field.kind == "numbers":
        out["items"] = {"type": "number"}
        if field.minimum is not None:
            out["items"]["minimum"] = field.minimum
        if field.maximum is not None:
            out["items"]["maximum"] = field.maximum
        out["minItems"] = out["maxItems"] = field.length
    else:
        if field.minimum is not None:
            out["exclusiveMinimum" if field.exclusive_minimum else "minimum"] = field.minimum
        if field.maximum is not None:
            out["maximum"] = field.maximum
    if field.choices:
        out["enum"] = list(field.choices)
    if field.nullable:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"].append(None)
    if field.default is not REQUIRED:
        out["default"] = field.default
    return out


def _object_schema(doc, fields, extra=None):
    properties = dict(extra or {})
    properties.update({key: _any_schema(value) for key, value in fields.items()})
    required = [key for key, value in fields.items() if value.default is REQUIRED]
    out = {"description": doc, "type": "object", "properties": properties,
           "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def _any_schema(spec):
    if isinstance(spec, Field):
        return _field_schema(spec)
    if isinstance(spec, Section):
        out = _object_schema(spec.doc, spec.fields)
    elif isinstance(spec, Choice):
        shorthand = [name for name, fields in spec.variants.items()
                     if all(f.default is not REQUIRED for f in fields.values())]
        out = {"description": spec.doc, "oneOf": [{"enum": shorthand}] + [
            _object_schema(f"{spec.doc} ({name})", fields,
                           {"name": {"const": name, "description": "which one"}})
            | {"required": ["name"] + [k for k, v in fields.items() if v.default is REQUIRED]}
            for name, fields in spec.variants.items()]}
    else:
        plain = [name for name, args in spec.layers.items()
                 if all(arg.default is not REQUIRED for arg in args.values())]
        layer_objects = []
        for name, args in spec.layers.items():
            arguments = _object_schema(f"{name} arguments", args) | {"type": ["object", "null"]}
            layer_objects.append({"type": "object", "additionalProperties": False,
                                  "required": [name], "properties": {name: arguments}})
        out = {"description": spec.doc, "type": "array", "minItems": 1,
               "items": {"oneOf": [{"enum": plain}] + layer_objects}}
    if spec.nullable:
        out = {"description": out.pop("description"),
               "oneOf": [{"type": "null"}, out]}
    return out


def json_schema():
    """The JSON Schema (draft 2020-12) of a config file, generated from SCHEMA."""
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "title": "simplegrad config"}
    out.update(_any_schema(SCHEMA))
    return out


# Regenerate the shipped file: python -m simplegrad_cli.schema > simplegrad_cli/config.schema.json
if __name__ == "__main__":
    import json

    print(json.dumps(json_schema(), indent=2))
