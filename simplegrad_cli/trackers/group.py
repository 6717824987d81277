"""A sweep's trials as one group of tracker runs, handed to them in the environment: MLflow
children of the sweep's own run (in SWEEP/trackers.json, for a continued study), a W&B group
named after the study; for TensorBoard, the sweep folder (`tensorboard --logdir SWEEP`)."""
import json
import os

from simplegrad.atomic import write_text

from simplegrad_cli.trackers.tracker import STATE_FILE, RunInfo, attempt, read_state

ENV = "SIMPLEGRAD_TRACKER_GROUP"  # {"name": study, "mlflow_parent_run_id": id or null}
GOES_ON = "the trials are logged without a parent run"


def trial_group():
    """The group the sweep that started this process gave it, or None."""
    try:
        group = json.loads(os.environ.get(ENV) or "null")
    except ValueError:
        return None
    return group if isinstance(group, dict) and isinstance(group.get("name"), str) else None


class SweepGroup:
    """The sweep's side of the group: `open` it (the MLflow parent run, if the trials log to
    MLflow) and give `env` to each trial; `close` it when the sweep ends."""

    def __init__(self, kinds, name, folder, config, config_name):
        self.kinds, self.parent = kinds, None
        self.run = RunInfo(name, folder, config, config_name)

    def open(self, warn):
        """Start (or continue) the MLflow parent run; warnings go to `warn`."""
        if "mlflow" not in self.kinds:
            return
        from simplegrad_cli.trackers.mlflow_tracker import MlflowTracker

        tracker = MlflowTracker(self.run)
        path = os.path.join(self.run.folder, STATE_FILE)

        def start():
            saved = tracker.start(read_state(path).get("mlflow"), None)
            if not tracker.continued:
                tracker.log_params(self.run.params())
                tracker.client.set_tag(saved["run_id"], "simplegrad.sweep", self.run.name)
            write_text(path, json.dumps({"mlflow": saved}, indent=1) + "\n")
            self.parent = tracker
            warn(f"mlflow: the trials are children of {tracker.where()}")
        attempt("mlflow", start, warn, GOES_ON)

    @property
    def env(self):
        """The environment variable that puts a trial in the group."""
        parent = self.parent.info.run_id if self.parent is not None else None
        return {ENV: json.dumps({"name": self.run.name, "mlflow_parent_run_id": parent})}

    def close(self, status, warn):
        """The sweep ended (`status` as a training run's): end the parent run."""
        if self.parent is not None:
            attempt("mlflow", lambda: self.parent.finish(status), warn, GOES_ON)
            self.parent = None
