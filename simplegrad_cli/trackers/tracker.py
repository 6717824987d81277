"""What every tracker is given and does: `Tracker` (start or continue its run, log params,
metrics at a step and files, finish) and `RunInfo`, the run it tracks."""
import json
from dataclasses import dataclass

from simplegrad.errors import first_line

from simplegrad_cli.config.yaml_source import flatten_config
from simplegrad_cli.errors import Interrupted

STATUS_OK = ("completed", "early_stopped")  # runs whose checkpoints are sent as artifacts
STATE_FILE = "trackers.json"  # in a run (or sweep) folder: its tracker runs, to continue them
MAX_ERROR = 300  # characters of a tracker's error quoted in its warning


def attempt(kind, action, warn, goes_on="training goes on without it (metrics.jsonl keeps "
                                        "every record)"):
    """Run a tracker's `action`: True if it worked, else one warning line through `warn` (a
    tracker's failure, a server down or a full disk, never stops a run)."""
    try:
        action()
        return True
    except Interrupted:  # a second Ctrl-C: stop at once, as anywhere else
        raise
    except Exception as error:  # noqa: BLE001  (whatever a tracker raises)
        warn(f"warning: {kind} failed: {first_line(error)[:MAX_ERROR]}; {goes_on}")
        return False


def read_state(path):
    """The mapping a trackers.json holds, or {} if there is none (or it is not one)."""
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


@dataclass
class RunInfo:
    """The run a tracker follows: its name (the run folder's), its folder, the resolved config
    (`settings` is the tracker's own section of it, train.mlflow...), the config's name (the
    default experiment or project) and the sweep it belongs to (a dict, or None)."""

    name: str
    folder: str
    config: dict
    config_name: str
    group: dict = None

    def settings(self, kind):
        """train.<kind> of the config (empty for a tracker that has no settings)."""
        return self.config["train"].get(kind) or {}

    def params(self):
        """The config as flat params: {"optimizer.lr": 0.001, "model.0.linear.out": 128...}."""
        return flatten_config(self.config)


class Tracker:
    """One tracker's run. `start` opens it (or continues the one `saved` describes) and returns
    what to save to continue it later; each method may raise: the hook turns any error into one
    warning and goes on without the tracker."""

    rewinds = False  # continuing, it forgets what was logged after `resume_step` (TensorBoard)

    def __init__(self, run):
        self.run, self.continued = run, False

    def start(self, saved, resume_step):
        """Open the tracker's run, or continue the run `saved` describes (None: a new run; set
        `self.continued` when the run goes on); returns what to save to continue it."""
        raise NotImplementedError

    def where(self):
        """Where the run can be seen, for the line printed at its start."""
        raise NotImplementedError

    def log_params(self, params):
        """The flat config (`RunInfo.params`), once, when the run is new."""

    def log(self, step, metrics):
        """{name: number} at optimizer step `step`."""
        raise NotImplementedError

    def flush(self):
        """Make what was logged so far durable (called before it is marked as logged)."""

    def log_files(self, paths):
        """The run's checkpoints and config.yaml at its end (where the tracker keeps files)."""

    def finish(self, status):
        """The run ended with `status` (completed, early_stopped, interrupted, diverged,
        failed)."""
