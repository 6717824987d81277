"""`train.detect_anomaly`: the run trains in `simplegrad.detect_anomaly()`, and the first op to make
NaN or inf from finite values stops it (exit 1) with one line naming its config layer and op."""
import contextlib

from simplegrad import detect_anomaly
from simplegrad.anomaly import AnomalyError

from simplegrad_cli.config.yaml_source import dotted
from simplegrad_cli.errors import CheckFailed


def layer_path(rows, modules):
    """The config path (`model.2.linear` as a tuple) of the outermost of `modules` that is one of
    the model's layers (`rows`, the model summary), or ("loss",) if the op ran in none."""
    layers = {id(row.module): row for row in rows}
    row = next((layers[id(m)] for m in modules if id(m) in layers), None)
    return row.path if row is not None else ("loss",)


@contextlib.contextmanager
def anomalies_named(trainer):
    """Run the block in anomaly mode if the config asks for it, an AnomalyError becoming one
    CheckFailed line in config terms (its `details` go to the run's end record)."""
    if not trainer.cfg.values["train"]["detect_anomaly"]:
        yield
        return
    try:
        with detect_anomaly():
            yield
    except AnomalyError as error:
        state, path = trainer.state, layer_path(trainer.rows, error.modules)
        training = trainer.model.training
        when = (f"at epoch {state.epoch + 1}, step {state.step + 1}" if training
                else f"in the validation after epoch {state.epoch + 1} (step {state.step})")
        found = CheckFailed(f"anomaly {when}: {error}; stopped, {trainer.kept()}",
                            where=trainer.cfg.where(path), path=dotted(path))
        found.details = {"layer": dotted(path), "op": error.op, "phase": error.phase,
                         "non_finite": "loss" if training else "validation loss"}
        raise found from None
