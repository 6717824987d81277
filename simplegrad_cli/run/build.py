"""Config -> data, model, loss, optimizer and scheduler, checking shapes on the way.

A shape-only walk of the layers fills in null sizes (a linear's `in`) from the shape that
arrives and refuses a model too big to train; then each layer is built and given a dry forward
pass of one sample, so a size that does not chain is reported at the layer's line in the config.
"""
import json
import logging
import math
import os
import re
from dataclasses import dataclass

import numpy as np
import simplegrad
from simplegrad import Tensor, data, nn, no_grad
from simplegrad.data import DataError
from simplegrad.errors import first_line
from simplegrad.memory import MemoryLimitError, check_fits, format_bytes
from simplegrad.optim import lr_scheduler

from simplegrad_cli.config import registry
from simplegrad_cli.config.validation import absolute_source, load_config

MAX_LAYER_PARAMETERS = 100_000_000  # 400 MB of float32: more is a typo, not a model
# Training memory estimate (checked against simplegrad.memory's budget before allocating):
FLOAT32 = 4  # bytes of one value
BYTES_PER_ACTIVATION = 8  # each float32 value a layer keeps for backward, and its gradient
VALIDATION_SPLITS = ("val", "validation")  # the examples a run held out of data.split


@dataclass
class Datasets:
    """The examples one run uses: training, validation (or None) and what they look like."""

    train: object
    val: object
    input_shape: tuple
    num_classes: int
    class_names: list


@dataclass
class LayerRow:
    """One line of the model summary: the layer's config name and arguments (inferred sizes
    filled in), its output shape and parameters (None while the input shape is unknown)."""

    index: int
    name: str
    args: dict
    output_shape: tuple = None
    parameters: int = None
    activations: int = 0  # values per sample kept for backward (outputs, unfolded windows)
    module: object = None  # once built

    @property
    def path(self):
        """Where the layer is in the config: ('model', 2, 'linear')."""
        return ("model", self.index, self.name)

    def arguments_text(self):
        """'in=784, out=128, bias=true': the config's names and spellings ('?' for a size not
        inferred yet)."""
        def shown(key, value):
            if value is None and key in self.inferred:
                return "?"
            return json.dumps(value) if value is None or isinstance(value, bool) else str(value)
        return ", ".join(f"{key}={shown(key, value)}" for key, value in self.args.items())

    @property
    def inferred(self):
        """The argument read off the input shape (a linear's `in`), if the layer has one."""
        need = registry.LAYERS[self.name].input
        return (need.size,) if need is not None and need.size else ()

    def to_json(self):
        """The row as --json reports it (null where the input shape is unknown)."""
        return {"index": self.index, "layer": self.name, "arguments": self.args,
                "output_shape": None if self.output_shape is None else list(self.output_shape),
                "parameters": self.parameters}


def shape_text(shape):
    """A per-sample shape as a summary shows it: '(1, 28, 28)', or '?' when unknown."""
    return "?" if shape is None else str(tuple(shape))


def total_parameters(rows):
    """The model's parameter count, or None while one layer's is unknown."""
    counts = [row.parameters for row in rows]
    return None if None in counts else sum(counts)


@dataclass
class DataShape:
    """What is known of the data without reading it: the per-sample shape the model takes
    (after data.flatten), the number of classes, and where they were found (None: unknown)."""

    input_shape: tuple
    num_classes: int
    origin: str


# ---- data ---------------------------------------------------------------------------------
def load_split(cfg, split, source=None):
    """Load one split of the configured source (or of `source`, then without the config's
    source-specific data.options), preprocessed as the config says."""
    d = cfg.values["data"]
    options = dict(d["options"]) if source is None else {}
    explicit, source = source is not None, source or d["source"]
    _unflattened(source, options)
    _quiet_hub_logs()
    try:
        dataset = data.load(source, split=split, **options)
    except (DataError, TypeError) as error:  # TypeError: an option of the wrong kind
        if explicit:
            raise DataError(error, where="--data") from None
        raise _source_error(cfg, error, split) from None
    x, y, cut = dataset.x, dataset.y, d["max_samples"]
    if cut is not None and cut < len(y):
        x, y = x[:cut], y[:cut]
    x = transform_features(cfg, x)
    if x is dataset.x and y is dataset.y:
        return dataset
    return data.ArrayDataset(x, y, num_classes=dataset.num_classes, name=dataset.name,
                             class_names=dataset.class_names)


def _source_error(cfg, error, split):
    """A data error pointing at the config key it comes from: the option it names, else
    data.options or data.source."""
    d = cfg.values["data"]
    path = ("data", "options") if "option" in str(error) else ("data", "source")
    named = [key for key, value in d["options"].items()
             if key in str(error) or _quoted_in(value, str(error))]
    if named:  # "n_samples must be ..." or "no label column 'kind'": point at that option
        path = ("data", "options", named[0])
    return DataError(_with_fixes(error, split == d["split"]), where=cfg.where(path),
                     path=".".join(path))


def _with_fixes(error, training_split):
    """A data error's message with what to type next, for the errors a new user meets first."""
    from simplegrad.data.sources.hub import LOCAL_HINT, HubUnavailable

    message = str(error)
    if isinstance(error, HubUnavailable):
        cache = "" if error.offline else "; HF_HUB_OFFLINE=1 to use only the local cache"
        return (message.replace(f"; {LOCAL_HINT}", "") + "; fixes: --set data.source=PATH for "
                "local files (MNIST IDX files, .npz, parquet/csv/json, images); "
                f"configs/spirals.yaml or configs/digits.yaml for an offline try{cache}")
    only = re.search(r"holds only split '(\w+)'", message)
    if only and training_split:
        return (f"{message}; to train on it, add --set data.split={only[1]} --set "
                "data.val_fraction=0.2")
    return message


def _quoted_in(value, text):
    """Whether an option's value (or one of its items) appears quoted in an error message."""
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, str) and f"'{v}'" in text for v in values)


def _unflattened(source, options):
    """`options` asking the source not to flatten (the CLI flattens after, for every source;
    data.flatten is not the source's own option), where the source flattens at all."""
    try:
        if "flatten" in data.find_source(source).options:
            options.setdefault("flatten", False)
    except DataError:
        pass  # an empty source: load reports it


def _quiet_hub_logs():
    """Keep huggingface_hub's and datasets' warnings and error logs off stderr: a failure
    ends in one DataError line, which says it all."""
    for variable in ("HF_HUB_VERBOSITY", "DATASETS_VERBOSITY"):  # read when they are imported
        os.environ.setdefault(variable, "critical")
    for name in ("huggingface_hub", "datasets"):  # in case they already were
        logging.getLogger(name).setLevel(logging.CRITICAL)


def transform_features(cfg, x):
    """data.flatten and data.normalize applied to a float32 feature array (N, ...): what the
    model saw in training, also applied to new inputs by `simplegrad predict`."""
    d = cfg.values["data"]
    if d["flatten"] and x.ndim > 2:
        x = x.reshape(len(x), -1)
    if d["normalize"] is not None:
        mean, std = d["normalize"]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            normalised = (x - np.float32(mean)) / np.float32(std)
        if not np.isfinite(normalised).all() and np.isfinite(x).all():
            cfg.fail(("data", "normalize"), f"[mean, std] = {d['normalize']} turns finite "
                     "features into inf or NaN (beyond float32); expected a mean and std of the "
                     "order of the data")
        x = normalised
    return x


def load_datasets(cfg):
    """The training split, cut into train/validation by data.val_fraction and data.val_seed."""
    d = cfg.values["data"]
    train, val, where = load_split(cfg, d["split"]), None, cfg.where(("data", "val_fraction"))
    if d["val_fraction"] > 0:
        if len(train) < 2:
            raise DataError(f"the '{d['split']}' split has {len(train)} sample(s); cannot hold "
                            "out a validation set", where=where, path="data.val_fraction")
        try:
            train, val = train.split(d["val_fraction"], seed=d["val_seed"])
        except DataError as error:
            raise DataError(error, where=where, path="data.val_fraction") from None
    shape, declared = tuple(train.input_shape), d["input_shape"]
    if declared is not None and tuple(declared) != shape:
        cfg.fail(("data", "input_shape"), f"is {declared}, but the data gives per-sample shape "
                                          f"{list(shape)}; correct it or set it to null")
    return Datasets(train, val, shape, int(train.num_classes),
                    getattr(train, "class_names", None))


def load_scored_split(cfg, split, source=None):
    """(dataset, held_out) of the split `eval` scores and `predict --split` predicts: `val` of
    the run's own data is exactly the examples training held out (same data.val_fraction and
    data.val_seed), any other split is loaded as it is."""
    d = cfg.values["data"]
    ours = source is None or absolute_source(source) == absolute_source(d["source"])
    if ours and split in VALIDATION_SPLITS and d["val_fraction"] > 0:
        return load_datasets(cfg).val, True
    return load_split(cfg, split, source=source), False


# ---- model --------------------------------------------------------------------------------
def _infer(cfg, path, name, args, shape):
    """Fill in null sizes from the per-sample input `shape`; check explicit ones against it."""
    args, need = dict(args), registry.LAYERS[name].input
    if need is None:
        return args
    if need.ndims and len(shape) not in need.ndims:
        hint = need.hint or ("set data.flatten: false so images keep their (channels, height, "
                             "width) shape" if cfg.values["data"]["flatten"] else "")
        cfg.fail(path, f"expects per-sample input of shape {need.text}, but gets shape "
                       f"{shape}{'; ' + hint if hint else ''}")
    key = need.size
    if key and args[key] is None:
        args[key] = shape[need.axis]
    elif key and args[key] != shape[need.axis]:
        size = shape[need.axis]
        cfg.fail(path + (key,), f"is {args[key]} but the input to this layer has {size} "
                                f"(per-sample shape {shape}); set it to {size} or leave it out "
                                "to infer it")
    for axis, size in zip(("height", "width"), shape[1:] if need.window else ()):
        if size + 2 * args["padding"] < args["kernel_size"]:  # the kernel must fit
            cfg.fail(path + ("kernel_size",), f"kernel_size {args['kernel_size']} is larger than "
                     f"the input {axis} {size} (+ 2 x padding {args['padding']})")
    if need.pool and args["padding"] * 2 > args["kernel_size"]:
        cfg.fail(path + ("padding",), f"padding {args['padding']} must be at most half of "
                                      f"kernel_size {args['kernel_size']}")
    return args


def make_layer(name, args):
    """The nn module for one config layer (arguments already validated and inferred)."""
    entry = registry.LAYERS[name]
    return entry.builds(**entry.kwargs(args))


def build_model(cfg, input_shape, num_classes, sample=None):
    """(model, summary rows, the config's layers with inferred sizes filled in: checkpoints
    store them, so `eval` rebuilds the model without the data), each layer given a dry run."""
    rows = plan_model(cfg, input_shape)  # before any weight is allocated
    x = Tensor(np.zeros((1, *input_shape), np.float32) if sample is None else sample[:1])
    shape = tuple(input_shape)
    for row in rows:
        row.module = make_layer(row.name, row.args)
        row.module.eval()
        try:
            with no_grad(), np.errstate(all="ignore"):
                x = row.module(x)
        except Exception as error:  # any failure here means the shapes do not chain
            cfg.fail(row.path, f"does not fit its input of per-sample shape {shape}: "
                               f"{first_line(error)}")
        shape = tuple(x.shape[1:])
        if not all(shape) or not np.all(np.isfinite(x.data)):
            cfg.fail(row.path, f"produces an unusable output of per-sample shape {shape}")
        row.output_shape, row.parameters = shape, row.module.num_parameters()
    check_outputs(cfg, rows, num_classes)
    model = nn.Sequential([row.module for row in rows])
    return model, rows, [{row.name: row.args} for row in rows]


def check_outputs(cfg, rows, num_classes):
    """The model must end in one value per class: every loss we offer needs that."""
    last = rows[-1]
    if last.output_shape is not None and num_classes is not None \
            and last.output_shape != (num_classes,):
        cfg.fail(last.path + (("out",) if "out" in last.args else ()),
                 f"the model outputs per-sample shape {last.output_shape}, but "
                 f"{cfg.values['loss']} on data with {num_classes} classes needs "
                 f"({num_classes},); end the model with a layer of {num_classes} outputs")


def data_shape(cfg):
    """The DataShape of the configured training data, without reading it: data.input_shape,
    else what the source can tell without loading (simplegrad.data.describe), else unknown."""
    d = cfg.values["data"]
    classes = d["options"].get("num_classes")
    if d["input_shape"] is not None:
        return DataShape(tuple(d["input_shape"]), classes, "data.input_shape")
    options = dict(d["options"])
    _unflattened(d["source"], options)  # as load_split reads it
    try:
        described = data.describe(d["source"], split=d["split"], **options)
    except (DataError, TypeError) as error:
        raise _source_error(cfg, error, d["split"]) from None
    if described is None:
        return DataShape(None, classes, None)
    shape, classes = described
    if d["flatten"] and len(shape) > 1:
        shape = (math.prod(shape),)
    return DataShape(tuple(shape), classes, data.find_source(d["source"]).shape_from)


def build_run(cfg):
    """(data, model, summary rows, layers) of a validated config, seeded as training starts."""
    simplegrad.manual_seed(cfg.values["seed"])
    datasets = load_datasets(cfg)
    return (datasets, *build_model(cfg, datasets.input_shape, datasets.num_classes,
                                   datasets.train.x))


def build_from_config(config, overrides=()):
    """(cfg, data, model, summary rows, layers) of a config file, as `train` would build them."""
    cfg = load_config(config, overrides)
    return (cfg, *build_run(cfg))


def drop_single_last_batch(cfg, rows, train_samples):
    """Whether training skips a last batch of one sample, as a batch norm layer with one value
    per channel cannot take it (fails if every batch has one sample)."""
    batch = cfg.values["data"]["batch_size"]
    norms = [r for r in rows if r.name.startswith("batch_norm") and
             math.prod(r.output_shape[1:]) == 1]
    if not norms:
        return False
    if batch == 1 or train_samples == 1:
        what = "data.batch_size is 1" if batch == 1 else "there is 1 training sample"
        cfg.fail(("model", norms[0].index, norms[0].name),
                 f"needs at least 2 samples per batch while training (one value per channel "
                 f"per sample), but {what}")
    return train_samples % batch == 1


def bytes_per_parameter(cfg):
    """Peak bytes of one float32 parameter in training with the config's optimizer: the weight,
    its gradient and the optimizer's arrays, scratch for the finiteness checks, and while a
    checkpoint is saved a copy of the weight and of those arrays (tests/cli/
    test_build_memory.py measures a real run against it)."""
    optimizer = cfg.values["optimizer"]
    arrays = registry.OPTIMIZERS[optimizer["name"]].per_weight(optimizer)
    return FLOAT32 * (4 + 2 * arrays)


def training_memory(cfg, rows):
    """Estimated peak bytes of training: every parameter (bytes_per_parameter), plus every
    layer's kept activations (and their gradients) for one batch of data.batch_size; None
    while a parameter count is unknown."""
    if any(r.parameters is None for r in rows):
        return None
    return (bytes_per_parameter(cfg) * sum(r.parameters for r in rows)
            + BYTES_PER_ACTIVATION * cfg.values["data"]["batch_size"]
            * sum(r.activations for r in rows))


def plan_model(cfg, input_shape):
    """Summary rows of the config's layers worked out on shapes alone, inferring sizes from
    the per-sample `input_shape` (None: unknown, so nothing is inferred and shapes stay None),
    refusing a layer that does not fit and a model too big to train before any is built."""
    shape, batch = (None if input_shape is None else tuple(input_shape)), \
        cfg.values["data"]["batch_size"]
    rows, parameters, activations, totals = [], 0, 0, []
    for index, spec in enumerate(cfg.values["model"]):
        (name, args), = spec.items()
        row = LayerRow(index, name, dict(args))
        need = registry.LAYERS[name].input
        if shape is not None:
            row.args = _infer(cfg, row.path, name, args, shape)
            if need is not None and need.window:  # unfolded: C x k x k values per pixel
                row.activations = shape[0] * args["kernel_size"] ** 2 * \
                    math.prod(_window_output(args, shape))
            shape = row.output_shape = output_shape(name, row.args, shape)
            if not all(shape):
                cfg.fail(row.path, f"produces an unusable output of per-sample shape {shape}")
            row.activations += math.prod(shape)
        if all(row.args[key] is not None for key in row.inferred):  # else still to infer
            row.parameters = registry.LAYERS[name].parameters(row.args)
        parameters += row.parameters or 0
        activations += row.activations
        totals.append((row, parameters, activations))
        rows.append(row)
    _check_memory(cfg, totals, batch)
    return rows


def _check_memory(cfg, totals, batch):
    """Refuse, at the layer where the running total stops fitting, a model whose training
    would not fit in memory (or a layer over MAX_LAYER_PARAMETERS)."""
    per_parameter, whole = bytes_per_parameter(cfg), totals[-1][1]
    for row, parameters, activations in totals:
        if (row.parameters or 0) > MAX_LAYER_PARAMETERS:
            cfg.fail(row.path, f"this layer would have {row.parameters:,} parameters; the limit "
                               f"is {MAX_LAYER_PARAMETERS:,}")
        kept = BYTES_PER_ACTIVATION * batch * activations
        try:
            check_fits(per_parameter * parameters + kept, f"training the model up to "
                       f"this layer ({parameters:,} parameters; {format_bytes(kept)} of "
                       f"activations for data.batch_size {batch})")
        except MemoryLimitError as error:
            rest = f"; the whole model has {whole:,} parameters" \
                if row is not totals[-1][0] else ""
            cfg.fail(row.path, f"{error}{rest}")


def output_shape(name, args, shape):
    """A config layer's per-sample output shape, worked out from its arguments alone."""
    need = registry.LAYERS[name].input
    if name == "flatten":
        return (math.prod(shape),)
    if need is not None and need.window:
        return (args.get("out", shape[0]), *_window_output(args, shape))
    if "out" in args:
        return (*shape[:-1], args["out"])
    return tuple(shape)


def _window_output(args, shape):
    """Height and width after a conv or pooling window slides over a (C, H, W) sample."""
    kernel, padding = args["kernel_size"], args["padding"]
    stride = args.get("stride") or kernel
    return tuple(max((size + 2 * padding - kernel) // stride + 1, 0) for size in shape[1:])


# ---- loss, optimizer, scheduler -------------------------------------------------------------
def make_loss(name, num_classes):
    """loss(outputs, labels) -> scalar Tensor, for the configured loss name."""
    entry = registry.LOSSES[name]
    if not entry.one_hot:
        return entry.builds
    return lambda out, y: entry.builds(out, data.one_hot(y.data, num_classes))


def make_optimizer(cfg, parameters):
    """The configured optimizer over `parameters`."""
    o = cfg.values["optimizer"]
    entry = registry.OPTIMIZERS[o["name"]]
    return entry.builds(parameters, **entry.kwargs(o))


def make_scheduler(cfg, optimizer):
    """The configured per-epoch learning-rate schedule (after any warmup), or None."""
    s = cfg.values["scheduler"]
    if s is None:
        return None
    entry, warmup = registry.SCHEDULERS[s["name"]], s["warmup_epochs"]
    kwargs = entry.kwargs(s)
    if kwargs.get("T_max", 1) is None:  # cosine over the epochs after the warmup
        kwargs["T_max"] = max(1, cfg.values["train"]["epochs"] - warmup)
    main = entry.builds(optimizer, **kwargs)
    return lr_scheduler.LinearWarmup(optimizer, warmup, after=main) if warmup else main
