"""A checkpoint read back as a run: its stored config (re-validated), model and, for `--resume`,
training state; every entry must look as `train` writes it, or it fails here with one line."""
import contextlib
import copy
import math
import os
import stat

import numpy as np
from simplegrad.checkpoint import CheckpointError, load_checkpoint

from simplegrad_cli.config.validation import absolute_source, apply_all, validate
from simplegrad_cli.config.yaml_source import dotted
from simplegrad_cli.errors import ConfigError
from simplegrad_cli.run.build import build_model
from simplegrad_cli.run.run_metadata import RunMetadata, _count, _number


def open_checkpoint(path):
    """load_checkpoint with every failure as one CheckpointError line (exit code 2)."""
    path = str(path)
    if os.path.isdir(path):
        such_as = "" if path.endswith(".npz") else f" such as {os.path.join(path, 'best.npz')}"
        raise CheckpointError(f"{path}: is a directory; expected a checkpoint file{such_as}")
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        mode = 0  # missing or unreadable: load_checkpoint says which
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):  # opening a FIFO would wait for a writer
        raise CheckpointError(f"{path}: is a named pipe or socket, not a file; expected a "
                              "checkpoint file (.npz)")
    if path.endswith(".partial"):
        raise CheckpointError(f"{path}: is the temp file of a checkpoint save that never "
                              "finished; use last.npz or best.npz from the same folder")
    try:
        checkpoint = load_checkpoint(path)
    except CheckpointError:
        raise
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path}: cannot read the checkpoint: {error}") from None
    RunMetadata.read(checkpoint)  # every entry checked before a command trusts it
    return checkpoint


def stored_config(checkpoint, overrides=(), shortcuts=()):
    """The Config saved in a checkpoint, validated again (it may come from an older version)."""
    meta = RunMetadata.read(checkpoint)
    where = f"{checkpoint.path} (stored config)"
    if not isinstance(meta.config, dict):
        raise CheckpointError(f"{checkpoint.path}: holds no run config (was it written by "
                              "`simplegrad train`?)")
    data, origins = apply_all(copy.deepcopy(meta.config), {}, where, overrides, shortcuts)
    try:
        return validate(data, origins, where, meta.name or "run")
    except ConfigError as error:
        if error.where == where:
            raise CheckpointError(f"the stored config no longer validates: {error.line()}") \
                from None
        raise


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
    input_shape, num_classes, _ = RunMetadata.read(checkpoint).data_info(checkpoint.path)
    model, rows, _ = build_model(cfg, input_shape, num_classes)
    check_model_dtypes(checkpoint, model)
    checkpoint.restore(model, restore_rng=False)
    return model, rows


TRAINING_ROWS = "train_rows"  # the extra array of row hashes of the training examples


def training_rows(checkpoint):
    """The fingerprint of the examples the checkpoint's model trained on (sorted uint64 row
    hashes, simplegrad.data.fingerprint), or None for a checkpoint written before it was kept."""
    rows = checkpoint.extra.get(TRAINING_ROWS)
    if rows is not None and (rows.ndim != 1 or rows.dtype != np.uint64):
        raise CheckpointError(f"{checkpoint.path}: malformed checkpoint: extra/{TRAINING_ROWS} "
                              f"should be a 1-D uint64 array, not {rows.dtype} of shape "
                              f"{rows.shape}")
    return rows


def non_finite(state, name=""):
    """The names (`model/0.weight`, `optim/state/0/exp_avg`) of the float arrays holding NaN or
    inf in a nested state dict, in order."""
    if isinstance(state, np.ndarray):
        if state.dtype.kind == "f" and not np.isfinite(state).all():
            yield name
    elif isinstance(state, (dict, list, tuple)):
        items = state.items() if isinstance(state, dict) else enumerate(state)
        for key, value in items:
            yield from non_finite(value, f"{name}/{key}".lstrip("/"))


def weights_not_finite(model):
    """'the weights are not finite (NaN or inf in 0.weight and 2 more)', or None when every
    weight and buffer is finite: such a model's outputs (and any answer from them) are void."""
    bad = list(non_finite(model.state_dict()))
    if not bad:
        return None
    more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
    return f"the weights are not finite (NaN or inf in {bad[0]}{more})"


def load_run(path):
    """(checkpoint, cfg, model, summary rows, (input_shape, num_classes, class_names)) of the
    checkpoint at `path`: where eval, predict, export and graph start."""
    checkpoint = open_checkpoint(path)
    cfg = stored_config(checkpoint)
    model, rows = rebuild_model(checkpoint, cfg)
    return checkpoint, cfg, model, rows, RunMetadata.read(checkpoint).data_info(checkpoint.path)


# ---- resume: the saved config and training state against a fresh run's ---------------------
RESUMABLE_CHANGES = {("train", key) for key in (
    "epochs", "out", "patience", "eval_every", "log_every", "threads", "log_to", "mlflow", "wandb",
    "detect_anomaly", "diagnostics")}


def _first_difference(new, old, path=(), inferred=False):
    """The first key path where two configs differ (None if equal); with `inferred`, a layer
    argument that is null in `new` is yet to be inferred from the data, and matches any."""
    if inferred and new is None and len(path) == 4 and path[0] == "model":
        return None
    if isinstance(new, dict) and isinstance(old, dict):
        keys = list(new) + [k for k in old if k not in new]
        pairs = [(k, new.get(k), old.get(k)) for k in keys
                 if path + (k,) not in RESUMABLE_CHANGES]
    elif isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        pairs = [(index, a, b) for index, (a, b) in enumerate(zip(new, old))]
    else:
        return None if new == old else path
    found = (_first_difference(a, b, path + (key,), inferred) for key, a, b in pairs)
    return next((f for f in found if f is not None), None)


def check_same_config(checkpoint, resolved, cfg, inferred=False):
    """A resumed run must use the checkpoint's config (only epochs/out/logging may change); before
    the model is built (`inferred`), sizes still to be inferred match the stored ones."""
    stored = copy.deepcopy(RunMetadata.read(checkpoint).config)
    # checkpoints written before sources were stored absolute (a config without one: as is)
    with contextlib.suppress(KeyError, TypeError, AttributeError):
        stored["data"]["source"] = absolute_source(stored["data"]["source"])
    path = _first_difference(resolved, stored, inferred=inferred)
    if path is not None:
        allowed = ", ".join(dotted(p) for p in sorted(RESUMABLE_CHANGES))
        raise ConfigError(f"differs from the checkpoint's config; a resumed run must use the "
                          f"same settings (only {allowed} may change)", where=cfg.where(path),
                          path=dotted(path))


def resumable_state(checkpoint, template, model):
    """The checkpoint's optimizer, scheduler, loader and loop state, checked against `template`
    (the fresh run's) and its weights' dtypes against `model` ('cannot resume' otherwise)."""
    check_model_dtypes(checkpoint, model)
    meta = RunMetadata.read(checkpoint)
    loop = meta.loop
    if isinstance(loop, dict):  # older checkpoints also kept a copy of `metrics` here
        loop = {key: value for key, value in loop.items() if key != "last_record"}
    saved = {"optimizer": checkpoint.optimizer_state, "scheduler": checkpoint.scheduler_state,
             "loader": meta.loader, "loop": loop}
    problem = _mismatch(template, saved)
    if problem:
        raise CheckpointError(f"{checkpoint.path}: cannot resume from this checkpoint: its "
                              f"saved {problem}")
    return saved


class Each:
    """A template for a mapping with any keys, every value shaped like `template`
    (an optimizer's per-parameter state, keyed by parameter index)."""

    def __init__(self, template):
        self.template = template


def _mismatch(template, saved, path=""):
    """The first 'key.path should be ...' where `saved` does not fit `template`, or None."""
    where = path or "state"
    if isinstance(template, (Each, dict)):
        if not isinstance(saved, dict):
            return f"{where} should be a mapping"
        if isinstance(template, Each):
            template = {key: template.template for key in saved}
        odd = sorted(template.keys() ^ saved.keys(), key=str)
        if odd:
            return f"{where}.{odd[0]} is {'missing' if odd[0] in template else 'unexpected'}"
        found = (_mismatch(template[k], saved[k], f"{path}.{k}" if path else str(k))
                 for k in template)
        return next((f for f in found if f), None)
    if isinstance(template, (list, tuple)):
        if not isinstance(saved, list) or len(saved) != len(template):
            return f"{where} should be a list of {len(template)} values"
        found = (_mismatch(a, b, f"{path}.{i}") for i, (a, b) in enumerate(zip(template, saved)))
        return next((f for f in found if f), None)
    if isinstance(template, np.ndarray):
        ok = isinstance(saved, np.ndarray) and saved.dtype == template.dtype
        return None if ok else f"{where} should be an array of {template.dtype}"
    if isinstance(template, (bool, str)):
        return None if type(saved) is type(template) else \
            f"{where} should be a {type(template).__name__}"
    if isinstance(template, int):  # counters: epochs, steps, positions, sizes, seeds
        return None if _count(saved) else f"{where} should be an integer >= 0"
    # rates: finite numbers, or None while not yet known
    ok = (saved is None and template is None) or (_number(saved) and math.isfinite(saved))
    return None if ok else f"{where} should be a finite number"
