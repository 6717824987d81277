"""Which package each tracker needs and the extra that installs it (a missing one is one line,
before any training), and the tracker itself, imported only when a run uses it."""
import importlib.util

from simplegrad_cli.config.schema import TRACKERS
from simplegrad_cli.config.validation import suggest
from simplegrad_cli.errors import CliError, usage_error

PACKAGES = {"tensorboard": "tensorboardX", "mlflow": "mlflow", "wandb": "wandb"}  # kind: module


def log_to_option(values):
    """`--log-to` as a list of trackers (repeated or comma-separated; `none`: no tracker), or
    None when it was not given."""
    names = [name.strip() for value in values or () for name in value.split(",") if name.strip()]
    if not values:
        return None
    if names in ([], ["none"]):
        return []
    for name in names:
        if name not in TRACKERS:
            raise usage_error(f"unknown tracker '{name}'; {suggest(name, TRACKERS, True)}",
                              "--log-to")
    return list(dict.fromkeys(names))


def check_installed(cfg, option=None):
    """Raise a one-line error (exit code 2) naming the extra to install if a tracker of
    train.log_to, or of the `--log-to` list `option` when given, has no package."""
    kinds = cfg.values["train"]["log_to"] if option is None else option
    for index, kind in enumerate(kinds):
        if importlib.util.find_spec(PACKAGES[kind]) is None:
            line = f'{kind} needs the {PACKAGES[kind]} package, which is not installed: pip ' \
                   f'install "simplegrad[{kind}]"'
            if option is not None:
                raise CliError(line, where="--log-to")
            cfg.fail(("train", "log_to", index), line)


def make(kind, run):
    """The Tracker of `kind` for a run (a RunInfo)."""
    if kind == "tensorboard":
        from simplegrad_cli.trackers.tensorboard_tracker import TensorBoardTracker as tracker
    elif kind == "mlflow":
        from simplegrad_cli.trackers.mlflow_tracker import MlflowTracker as tracker
    else:
        from simplegrad_cli.trackers.wandb_tracker import WandbTracker as tracker
    return tracker(run)

