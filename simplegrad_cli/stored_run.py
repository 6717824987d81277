"""Reading a checkpoint back as a run: its arrays, its stored config (re-validated) and model."""
import math
import os
import stat

from simplegrad_cli.config import apply_all, validate
from simplegrad_cli.errors import CheckpointError, ConfigError
from simplegrad_cli.schema import MAX_SIZE


def open_checkpoint(path):
    """load_checkpoint with every failure as one CheckpointError line (exit code 2)."""
    from simplegrad.checkpoint import CheckpointError as LibCheckpointError
    from simplegrad.checkpoint import load_checkpoint

    path = str(path)
    if os.path.isdir(path):
        such_as = "" if path.endswith(".npz") else f" such as {os.path.join(path, 'best.npz')}"
        raise CheckpointError(f"{path}: is a directory; expected a checkpoint file{such_as}")
    if _is_pipe(path):  # opening a FIFO would wait for a writer forever
        raise CheckpointError(f"{path}: is a named pipe or socket, not a file; expected a "
                              "checkpoint file (.npz)")
    if path.endswith(".partial"):
        raise CheckpointError(f"{path}: is the temp file of a checkpoint save that never "
                              "finished; use last.npz or best.npz from the same folder")
    try:
        checkpoint = load_checkpoint(path)
    except LibCheckpointError as error:
        raise CheckpointError(error) from None
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path}: cannot read the checkpoint: {error}") from None
    _check_metadata(checkpoint)
    return checkpoint


def _is_pipe(path):
    """Whether `path` is a FIFO or a socket (never a checkpoint, and reading may block)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False  # missing or unreadable: load_checkpoint says which
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


MAX_SAMPLE_VALUES = 10**8  # per sample; eval builds the model on a dummy sample of this shape


def _data_info(value):
    if not isinstance(value, dict) or not isinstance(value.get("input_shape"), list):
        return False
    shape, classes = value["input_shape"], value.get("num_classes")
    return all(_count(s) and s > 0 for s in shape) and math.prod(shape) <= MAX_SAMPLE_VALUES \
        and _count(classes) and 1 <= classes <= MAX_SIZE \
        and all(_count(value.get(k, 0)) for k in ("train_samples", "val_samples")) \
        and (value.get("class_names") is None or isinstance(value["class_names"], list))


def _loop(value):
    return isinstance(value, dict) and (value.get("best") is None or _number(value["best"])) \
        and (value.get("best_epoch") is None or _count(value["best_epoch"]))


# What `simplegrad train` writes into a checkpoint's metadata, so the commands can trust it.
# Keys may be missing (the commands that need them say so); present ones must look right.
_METADATA = {
    "name": (lambda v: isinstance(v, str), "a string"),
    "epoch": (_count, "an integer >= 0"),
    "step": (_count, "an integer >= 0"),
    "metrics": (lambda v: isinstance(v, dict) and all(_number(x) or k == "type" and
                                                      isinstance(x, str) for k, x in v.items()),
                "a mapping of metric names to numbers"),
    "data": (_data_info, "a mapping with a positive input_shape, num_classes and sample "
                         "counts"),
    "loop": (_loop, "a mapping of the training loop's counters"),
    "loader": (lambda v: isinstance(v, dict), "a mapping (the data loader's position)"),
    "rng_state": (lambda v: isinstance(v, dict), "a mapping (the random generator's state)"),
}


def _check_metadata(checkpoint):
    """One line naming the first metadata entry that is not what `simplegrad train` writes."""
    meta = checkpoint.metadata
    for key, (valid, expected) in _METADATA.items():
        if meta.get(key) is not None and not valid(meta[key]):
            raise CheckpointError(f"{checkpoint.path}: malformed checkpoint metadata: '{key}' "
                                  f"should be {expected}")


def stored_config(checkpoint, overrides=(), shortcuts=()):
    """The Config saved in a checkpoint, validated again (it may come from an older version)."""
    meta = checkpoint.metadata
    where = f"{checkpoint.path} (stored config)"
    data = meta.get("config")
    if not isinstance(data, dict):
        raise CheckpointError(f"{checkpoint.path}: holds no run config (was it written by "
                              "`simplegrad train`?)")
    import copy

    data = copy.deepcopy(data)
    data, origins = apply_all(data, {}, where, overrides, shortcuts)
    try:
        return validate(data, origins, where, str(meta.get("name") or "run"))
    except ConfigError as error:
        if error.where == where:
            raise CheckpointError(f"the stored config no longer validates: {error.line()}") \
                from None
        raise


def stored_data_info(checkpoint):
    """(input_shape, num_classes, class_names) recorded when the checkpoint was saved."""
    info = checkpoint.metadata.get("data")
    try:
        return tuple(int(s) for s in info["input_shape"]), int(info["num_classes"]), \
            info.get("class_names")
    except (TypeError, KeyError, ValueError):
        raise CheckpointError(f"{checkpoint.path}: holds no data description (input shape, "
                              "classes)") from None


def check_model_dtypes(checkpoint, model):
    """Saved weights must have the model's dtypes: NumPy would cast a float64, int or complex
    array into a float32 weight without a word (dropping digits or imaginary parts)."""
    for name, array in model.state_dict().items():
        saved = checkpoint.model_state.get(name)
        if saved is not None and saved.dtype != array.dtype:
            raise CheckpointError(f"{checkpoint.path}: model/{name} has dtype {saved.dtype}, "
                                  f"but the model's {name} is {array.dtype}")


def rebuild_model(checkpoint, cfg):
    """The model described by the checkpoint's config, with the checkpoint's weights loaded."""
    from simplegrad.checkpoint import CheckpointError as LibCheckpointError

    from simplegrad_cli.build import build_model

    input_shape, num_classes, _ = stored_data_info(checkpoint)
    model, rows, _ = build_model(cfg, input_shape, num_classes)
    check_model_dtypes(checkpoint, model)
    try:
        checkpoint.restore(model, restore_rng=False)
    except LibCheckpointError as error:
        raise CheckpointError(error) from None
    return model, rows
