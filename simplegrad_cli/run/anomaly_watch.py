"""`train.detect_anomaly` (`train --detect-anomaly`): the run trains inside
`simplegrad.detect_anomaly()`, and the first op that makes NaN or inf from finite values stops it
with one line naming the layer of the config it ran in (`model.2.linear`, at that layer's line of
the config file), the op and the line of code that called it: exit code 1, as a diverged run,
with the last good checkpoint kept."""
import contextlib

from simplegrad import detect_anomaly
from simplegrad.anomaly import AnomalyError

from simplegrad_cli.config.yaml_source import dotted
from simplegrad_cli.errors import CheckFailed


class AnomalyFound(CheckFailed):
    """An AnomalyError told in config terms; `details` are what the run's end record keeps
    (layer path, op, phase)."""

    def __init__(self, message, where, path, details):
        super().__init__(message, where=where, path=path)
        self.details = details


def layer_path(rows, modules):
    """The config path (`model.2.linear` as a tuple) of the outermost of `modules` that is one of
    the model's layers (`rows`, the model summary), or ("loss",) if the op ran in none."""
    layers = {id(row.module): row for row in rows}
    row = next((layers[id(m)] for m in modules if id(m) in layers), None)
    return row.path if row is not None else ("loss",)


@contextlib.contextmanager
def anomalies_named(trainer):
    """Run the block in anomaly mode if the config asks for it, an AnomalyError becoming an
    AnomalyFound line (nothing at all happens otherwise)."""
    if not trainer.cfg.values["train"]["detect_anomaly"]:
        yield
        return
    try:
        with detect_anomaly():
            yield
    except AnomalyError as error:
        raise found(trainer, error) from None


def found(trainer, error):
    """The AnomalyFound of `error`, raised by the trainer's step (or its validation)."""
    cfg, state = trainer.cfg, trainer.state
    path = layer_path(trainer.rows, error.modules)
    training = trainer.model.training
    when = (f"at epoch {state.epoch + 1}, step {state.step + 1}" if training
            else f"in the validation after epoch {state.epoch + 1} (step {state.step})")
    return AnomalyFound(f"anomaly {when}: {error}; stopped, {trainer.kept()}", cfg.where(path),
                        dotted(path), {"layer": dotted(path), "op": error.op,
                                       "phase": error.phase,
                                       "non_finite": "loss" if training else "validation loss"})
