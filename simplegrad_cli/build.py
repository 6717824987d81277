"""Config -> data, model, loss, optimizer and scheduler, checking shapes on the way.

A shape-only walk of the layers fills in null sizes (a linear's `in`) from the shape that
arrives and refuses a model too big to train; then each layer is built and given a dry forward
pass of one sample, so a size that does not chain is reported at the layer's line in the config.
"""
import logging
import math
import os
import re
from dataclasses import dataclass

import numpy as np
import simplegrad
from simplegrad import Tensor, data, nn, no_grad
from simplegrad.data import DataError
from simplegrad.memory import MemoryLimitError, check_fits, format_bytes
from simplegrad.optim import lr_scheduler

from simplegrad_cli import registry
from simplegrad_cli.config import load_config
from simplegrad_cli.errors import first_line

MAX_LAYER_PARAMETERS = 100_000_000  # 400 MB of float32: more is a typo, not a model
# Training memory estimate (checked against simplegrad.memory's budget before allocating):
FLOAT32 = 4  # bytes of one value
BYTES_PER_ACTIVATION = 8  # each float32 value a layer keeps for backward, and its gradient


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
    """One line of the model summary."""

    index: int
    name: str
    module: object
    output_shape: tuple
    parameters: int
    activations: int = 0  # values per sample kept for backward (outputs, unfolded windows)


# ---- data ---------------------------------------------------------------------------------
def load_split(cfg, split, source=None):
    """Load one split of the configured source (or of `source`, then without the config's
    source-specific data.options), preprocessed as the config says."""
    d = cfg.values["data"]
    options = dict(d["options"]) if source is None else {}
    explicit, source = source is not None, source or d["source"]
    if not source.startswith("synthetic:"):
        options.setdefault("flatten", False)  # the CLI flattens below, for every source
        _quiet_hub_logs()
    try:
        dataset = data.load(source, split=split, **options)
    except (DataError, TypeError) as error:  # TypeError: an option of the wrong kind
        if explicit:
            raise DataError(error, where="--data") from None
        path = ("data", "options") if "option" in str(error) else ("data", "source")
        named = [key for key, value in d["options"].items()
                 if key in str(error) or _quoted_in(value, str(error))]
        if named:  # "n_samples must be ..." or "no label column 'kind'": point at that option
            path = ("data", "options", named[0])
        raise DataError(_with_fixes(error, split == d["split"]), where=cfg.where(path),
                        path=".".join(path)) from None
    x, y, cut = dataset.x, dataset.y, d["max_samples"]
    if cut is not None and cut < len(y):
        x, y = x[:cut], y[:cut]
    x = transform_features(cfg, x)
    if x is dataset.x and y is dataset.y:
        return dataset
    return data.ArrayDataset(x, y, num_classes=dataset.num_classes, name=dataset.name,
                             class_names=dataset.class_names)


def _with_fixes(error, training_split):
    """A data error's message with what to type next, for the errors a new user meets first."""
    from simplegrad.data.hub import LOCAL_HINT, HubUnavailable

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
    return Datasets(train, val, tuple(train.input_shape), int(train.num_classes),
                    getattr(train, "class_names", None))


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
    plan = check_model_memory(cfg, input_shape)  # before any weight is allocated
    x = Tensor(np.zeros((1, *input_shape), np.float32) if sample is None else sample[:1])
    shape, rows = tuple(input_shape), []
    for index, (path, name, args, columns) in enumerate(plan):
        module = make_layer(name, args)
        module.eval()
        try:
            with no_grad(), np.errstate(all="ignore"):
                x = module(x)
        except Exception as error:  # any failure here means the shapes do not chain
            cfg.fail(path, f"does not fit its input of per-sample shape {shape}: "
                           f"{first_line(error)}")
        shape = tuple(x.shape[1:])
        if not all(shape) or not np.all(np.isfinite(x.data)):
            cfg.fail(path, f"produces an unusable output of per-sample shape {shape}")
        rows.append(LayerRow(index, name, module, shape, module.num_parameters(),
                             columns + math.prod(shape)))
    if shape != (num_classes,):  # every loss we offer needs one value per class
        cfg.fail(path + (("out",) if name == "linear" else ()),
                 f"the model outputs per-sample shape {shape}, but {cfg.values['loss']} on data "
                 f"with {num_classes} classes needs ({num_classes},); end the model with a "
                 f"layer of {num_classes} outputs")
    model = nn.Sequential([row.module for row in rows])
    return model, rows, [{name: args} for _, name, args, _ in plan]


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
    layer's kept activations (and their gradients) for one batch of data.batch_size."""
    return (bytes_per_parameter(cfg) * sum(r.parameters for r in rows)
            + BYTES_PER_ACTIVATION * cfg.values["data"]["batch_size"]
            * sum(r.activations for r in rows))


def check_model_memory(cfg, input_shape):
    """Walk the layers on shapes alone, inferring sizes, and refuse a model too big to train
    before any of it is built; returns the layers as (path, name, inferred args, columns)."""
    shape, batch = tuple(input_shape), cfg.values["data"]["batch_size"]
    per_parameter = bytes_per_parameter(cfg)
    plan, totals, parameters, activations = [], [], 0, 0
    for index, spec in enumerate(cfg.values["model"]):
        (name, args), = spec.items()
        path = ("model", index, name)
        args = _infer(cfg, path, name, args, shape)
        count = registry.LAYERS[name].parameters(args)
        need, columns = registry.LAYERS[name].input, 0
        if need is not None and need.window:  # unfolded into C x k x k values per output pixel
            columns = shape[0] * args["kernel_size"] ** 2 * math.prod(_window_output(args, shape))
        shape = output_shape(name, args, shape)
        parameters, activations = parameters + count, activations + columns + math.prod(shape)
        totals.append((path, count, parameters, activations))
        plan.append((path, name, args, columns))
    whole = "" if len(totals) < 2 else f"; the whole model has {parameters:,} parameters"
    for path, count, parameters, activations in totals:
        if count > MAX_LAYER_PARAMETERS:
            cfg.fail(path, f"this layer would have {count:,} parameters; the limit is "
                           f"{MAX_LAYER_PARAMETERS:,}")
        kept = BYTES_PER_ACTIVATION * batch * activations
        try:
            check_fits(per_parameter * parameters + kept, f"training the model up to "
                       f"this layer ({parameters:,} parameters; {format_bytes(kept)} of "
                       f"activations for data.batch_size {batch})")
        except MemoryLimitError as error:
            cfg.fail(path, f"{error}{whole if path != totals[-1][0] else ''}")
    return plan


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
    eye = np.eye(num_classes, dtype=np.float32)
    return lambda out, y: entry.builds(out, eye[y.data])


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
