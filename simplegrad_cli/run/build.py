"""Config -> data, model, loss, optimizer and scheduler: a shape-only walk infers null sizes and
refuses a model too big to train, then each layer gets a dry run, so errors name its config line."""
import json
import math
from dataclasses import dataclass

import numpy as np
import simplegrad
from simplegrad import Tensor, data, nn, no_grad, parallel
from simplegrad.errors import first_line
from simplegrad.memory import MemoryLimitError, check_fits, format_bytes
from simplegrad.optim import lr_scheduler

from simplegrad_cli.config import registry
from simplegrad_cli.errors import CliError
from simplegrad_cli.inputs.datasets import load_datasets

MAX_LAYER_PARAMETERS = 100_000_000  # 400 MB of float32: more is a typo, not a model
# Training memory estimate (checked against simplegrad.memory's budget before allocating):
FLOAT32 = 4  # bytes of one value
BYTES_PER_ACTIVATION = 8  # each float32 value a layer keeps for backward, and its gradient


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
        """Where the layer is in the config: ('model', index, name)."""
        return ("model", self.index, self.name)

    def arguments_text(self):
        """'in=784, out=128, bias=true': the config's names and spellings ('?' for a size not
        inferred yet)."""
        def shown(key, value):
            if value is None and key in self.spec.inferred:
                return "?"
            return json.dumps(value) if value is None or isinstance(value, bool) else str(value)
        return ", ".join(f"{key}={shown(key, value)}" for key, value in self.args.items())

    @property
    def spec(self):
        """The layer's LayerSpec (everything known of its shapes)."""
        return registry.LAYERS[self.name]

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


# ---- model --------------------------------------------------------------------------------
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
        try:
            row.module = make_layer(row.name, row.args)
        except (TypeError, ValueError) as error:  # a rule between arguments no check knew
            cfg.fail(row.path, first_line(error))
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


def build_run(cfg):
    """(data, model, summary rows, layers) of a validated config, seeded as training starts."""
    simplegrad.manual_seed(cfg.values["seed"])
    datasets = load_datasets(cfg)
    return (datasets, *build_model(cfg, datasets.input_shape, datasets.num_classes,
                                   datasets.train.x))


def use_threads(threads):
    """simplegrad's threads for training: `threads` (--threads, else train.threads), else
    $SIMPLEGRAD_THREADS, else every core."""
    try:
        parallel.set_num_threads(threads or parallel.default_threads())
    except ValueError as error:  # a bad SIMPLEGRAD_THREADS
        raise CliError(str(error)) from None


def drop_single_last_batch(cfg, rows, train_samples):
    """Whether training skips a last batch of one sample, as a batch norm layer with one value
    per channel cannot take it (fails if every batch has one sample)."""
    batch = cfg.values["data"]["batch_size"]
    norms = [r for r in rows if r.spec.batch_statistics and math.prod(r.output_shape[1:]) == 1]
    if not norms:
        return False
    if batch == 1 or train_samples == 1:
        what = "data.batch_size is 1" if batch == 1 else "there is 1 training sample"
        cfg.fail(norms[0].path, "needs at least 2 samples per batch while training (one value "
                                f"per channel per sample), but {what}")
    return train_samples % batch == 1


def bytes_per_parameter(cfg):
    """Peak bytes of one float32 parameter in training: weight, gradient, optimizer arrays, check
    scratch and the copies a checkpoint save makes (tests/cli/run/test_build_memory.py)."""
    optimizer = cfg.values["optimizer"]
    arrays = registry.OPTIMIZERS[optimizer["name"]].per_weight(optimizer)
    return FLOAT32 * (4 + 2 * arrays)


def training_memory(cfg, rows):
    """Estimated peak bytes of training: the parameters, plus the activations (and gradients)
    kept for one batch of data.batch_size; None while a parameter count is unknown."""
    if any(r.parameters is None for r in rows):
        return None
    return (bytes_per_parameter(cfg) * sum(r.parameters for r in rows)
            + BYTES_PER_ACTIVATION * cfg.values["data"]["batch_size"]
            * sum(r.activations for r in rows))


def plan_model(cfg, input_shape):
    """Summary rows of the layers worked out on shapes alone from `input_shape` (None: unknown,
    nothing inferred), refusing a layer that does not fit and a model too big to train."""
    shape = None if input_shape is None else tuple(input_shape)
    rows, parameters, activations, totals = [], 0, 0, []
    for index, spec in enumerate(cfg.values["model"]):
        (name, args), = spec.items()
        row = LayerRow(index, name, dict(args))
        if shape is not None:
            row.args = row.spec.infer(args, shape, lambda key, message, path=row.path: cfg.fail(
                path + ((key,) if key else ()), message), cfg.values["data"]["flatten"])
            row.output_shape = row.spec.output_shape(row.args, shape)
            if not all(row.output_shape):
                cfg.fail(row.path, "produces an unusable output of per-sample shape "
                                   f"{row.output_shape}")
            row.activations = row.spec.activations(row.args, shape, row.output_shape)
            shape = row.output_shape
        if all(row.args[key] is not None for key in row.spec.inferred):  # else still to infer
            row.parameters = row.spec.parameters(row.args)
        parameters += row.parameters or 0
        activations += row.activations
        totals.append((row, parameters, activations))
        rows.append(row)
    _check_memory(cfg, totals)
    return rows


def _check_memory(cfg, totals):
    """Refuse, at the layer where the running total stops fitting, a model whose training
    would not fit in memory (or a layer over MAX_LAYER_PARAMETERS)."""
    per_parameter, whole = bytes_per_parameter(cfg), totals[-1][1]
    batch = cfg.values["data"]["batch_size"]
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
