"""The examples a config names, loaded, split and preprocessed as a run uses them (or only their
shape, where the source tells it without reading them); data errors name their config key."""
import contextlib
import logging
import math
import os
import re
from dataclasses import dataclass

import numpy as np
from simplegrad import data
from simplegrad.data import DataError

from simplegrad_cli.config.validation import absolute_source

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
class DataShape:
    """What is known of the data without reading it: the per-sample shape the model takes
    (after data.flatten), the number of classes, and where they were found (None: unknown)."""

    input_shape: tuple
    num_classes: int
    origin: str


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
    with contextlib.suppress(DataError):  # an empty source: load reports it
        if "flatten" in data.find_source(source).options:
            options.setdefault("flatten", False)


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
    """(dataset, held_out) of the split `eval` scores and `predict --split` predicts: `val` of the
    run's own data is exactly the examples training held out, any other split is loaded as is."""
    d = cfg.values["data"]
    ours = source is None or absolute_source(source) == absolute_source(d["source"])
    if ours and split in VALIDATION_SPLITS and d["val_fraction"] > 0:
        return load_datasets(cfg).val, True
    return load_split(cfg, split, source=source), False


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
