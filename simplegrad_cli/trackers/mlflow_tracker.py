"""MLflow: a run, logged with MlflowClient, in an experiment of train.mlflow.tracking_uri (else
$MLFLOW_TRACKING_URI, else MLflow's default); a sweep's trials are children of the sweep's run."""
import json
import logging
import os
import time

from simplegrad_cli.redact import redact
from simplegrad_cli.trackers.tracker import STATUS_OK, Tracker

# A server that is down should cost a few seconds once, not MLflow's default of 7 retries over
# minutes per call (each is still the user's to set).
QUICK_FAILURE = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                 "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
                 "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}  # stdout is the results'
PARAMS_PER_CALL, METRICS_PER_CALL = 100, 1000  # MLflow's log_batch limits
MAX_PARAM = 6000  # characters of a param's value MLflow keeps
PARENT = "mlflow.parentRunId"


def _text(value):
    """A param's value as YAML writes it: text as is, null, true, 0.001, [0.9, 0.999]."""
    return (value if isinstance(value, str) else json.dumps(value))[:MAX_PARAM]


class MlflowTracker(Tracker):
    """One MLflow run (continued when `start` is given the run it saved before)."""

    def start(self, saved, resume_step):
        for name, value in QUICK_FAILURE.items():
            os.environ.setdefault(name, value)
        from mlflow.tracking import MlflowClient

        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no INFO lines amid progress
        settings = self.run.settings("mlflow")
        self.client = MlflowClient(settings.get("tracking_uri"))
        self.uri, self.pending = redact(self.client.tracking_uri), []
        saved = saved or {}
        if saved.get("tracking_uri") == self.uri and saved.get("run_id"):
            self.continued = self._continue(saved["run_id"])
        if not self.continued:
            name = settings.get("experiment") or os.environ.get("MLFLOW_EXPERIMENT_NAME") \
                or self.run.config_name
            tags = {"mlflow.source.name": "simplegrad", "mlflow.source.type": "LOCAL",
                    "simplegrad.run_dir": os.path.abspath(self.run.folder)}
            group = self.run.group or {}
            if group.get("mlflow_parent_run_id"):
                tags |= {PARENT: group["mlflow_parent_run_id"], "simplegrad.sweep": group["name"]}
            self.info = self.client.create_run(self.experiment_id(name), run_name=self.run.name,
                                               tags=tags).info
        return {"tracking_uri": self.uri, "run_id": self.info.run_id,
                "experiment_id": self.info.experiment_id}

    def _continue(self, run_id):
        """Take up run `run_id` again; False if the store no longer has it."""
        from mlflow.exceptions import MlflowException

        try:
            self.info = self.client.get_run(run_id).info
        except MlflowException as error:
            if error.error_code == "RESOURCE_DOES_NOT_EXIST":
                return False
            raise
        if self.info.lifecycle_stage != "active":  # deleted in the UI: start a new one
            return False
        self.client.update_run(run_id, status="RUNNING")
        return True

    def experiment_id(self, name):
        """The id of experiment `name`, created if it does not exist (by us or, at the same
        moment, by another trial)."""
        from mlflow.exceptions import MlflowException

        found = self.client.get_experiment_by_name(name)
        if found is None:
            try:
                return self.client.create_experiment(name)
            except MlflowException:
                found = self.client.get_experiment_by_name(name)
                if found is None:
                    raise
        return found.experiment_id

    def where(self):
        info = self.info
        if self.uri.startswith(("http://", "https://")):
            return f"{self.uri}/#/experiments/{info.experiment_id}/runs/{info.run_id}"
        return f"run {info.run_id} of experiment {info.experiment_id} in {self.uri}"

    def log_params(self, params):
        from mlflow.entities import Param

        items = [Param(key, _text(value)) for key, value in params.items()]
        for first in range(0, len(items), PARAMS_PER_CALL):
            self.client.log_batch(self.info.run_id, params=items[first:first + PARAMS_PER_CALL])

    def log(self, step, metrics):
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.pending += [Metric(name, value, now, step) for name, value in metrics.items()]

    def flush(self):
        pending, self.pending = self.pending, []
        for first in range(0, len(pending), METRICS_PER_CALL):
            self.client.log_batch(self.info.run_id,
                                  metrics=pending[first:first + METRICS_PER_CALL])

    def log_files(self, paths):
        for path in paths:
            self.client.log_artifact(self.info.run_id, path)

    def finish(self, status):
        state = "FINISHED" if status in STATUS_OK else \
            "KILLED" if status == "interrupted" else "FAILED"
        self.client.set_terminated(self.info.run_id, state)
