"""TensorBoard: event files in RUN/tensorboard, by tensorboardX (no TensorFlow, no PyTorch); a
continued run's new file purges the earlier files' steps after the resume point (no step twice)."""
import json
import os
import shutil

from simplegrad_cli.config.yaml_source import to_yaml
from simplegrad_cli.errors import shown_path
from simplegrad_cli.trackers.tracker import Tracker

FOLDER = "tensorboard"
EVENTS = "events.out.tfevents."
HPARAM_METRICS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")


class TensorBoardTracker(Tracker):
    """The run's scalars, under the names metrics.jsonl gives them, against the step."""

    rewinds = True

    def start(self, saved, resume_step):
        from tensorboardX import SummaryWriter

        self.path = os.path.join(self.run.folder, FOLDER)
        self.continued = saved is not None and os.path.isdir(self.path)
        if not self.continued:  # an earlier run's events would mix into this one's
            shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path, exist_ok=True)
        earlier = sum(name.startswith(EVENTS) for name in os.listdir(self.path))
        purge = (0 if resume_step is None else resume_step + 1) if self.continued else None
        # numbered: files made in the same second still sort in the order they were written
        self.writer = SummaryWriter(self.path, purge_step=purge, max_queue=1000,
                                    filename_suffix=f".{earlier:04d}")
        return {"folder": FOLDER}

    def where(self):
        path = shown_path(self.path)
        return f"{path} (see it with: tensorboard --logdir {path})"

    def log_params(self, params):
        from tensorboardX.summary import hparams

        writer = self.writer._get_file_writer()
        shown = {key: value if isinstance(value, (bool, int, float, str)) else json.dumps(value)
                 for key, value in params.items()}  # what the HParams dashboard takes
        for summary in hparams(shown, dict.fromkeys(HPARAM_METRICS, 0.0)):
            writer.add_summary(summary)
        text = "\n".join("    " + line for line in to_yaml(self.run.config).splitlines())
        self.writer.add_text("config", text, 0)

    def log(self, step, metrics):
        for name, value in metrics.items():
            self.writer.add_scalar(name, value, step)

    def flush(self):
        self.writer.flush()

    def finish(self, status):
        self.writer.close()

