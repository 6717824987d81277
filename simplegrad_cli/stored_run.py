"""Reading a checkpoint back as a run: its arrays, its stored config (re-validated) and model."""
import os

from simplegrad_cli.config import apply_all, validate
from simplegrad_cli.errors import CheckpointError, ConfigError


def open_checkpoint(path):
    """load_checkpoint with every failure as one CheckpointError line (exit code 2)."""
    from simplegrad.checkpoint import CheckpointError as LibCheckpointError
    from simplegrad.checkpoint import load_checkpoint

    path = str(path)
    if os.path.isdir(path):
        raise CheckpointError(f"{path}: is a directory; expected a checkpoint file such as "
                              f"{os.path.join(path, 'best.npz')}")
    try:
        return load_checkpoint(path)
    except LibCheckpointError as error:
        raise CheckpointError(error) from None
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path}: cannot read the checkpoint: {error}") from None


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


def rebuild_model(checkpoint, cfg):
    """The model described by the checkpoint's config, with the checkpoint's weights loaded."""
    from simplegrad.checkpoint import CheckpointError as LibCheckpointError

    from simplegrad_cli.build import build_model

    input_shape, num_classes, _ = stored_data_info(checkpoint)
    model, rows, _ = build_model(cfg, input_shape, num_classes)
    try:
        checkpoint.restore(model, restore_rng=False)
    except LibCheckpointError as error:
        raise CheckpointError(error) from None
    return model, rows
