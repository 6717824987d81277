"""Weights & Biases: a run in a project (train.wandb.project, else $WANDB_PROJECT, else the
config's name), its files in RUN/wandb (WANDB_MODE=offline, then `wandb sync`), grouped by sweep."""
import os

from simplegrad_cli.errors import shown_path
from simplegrad_cli.trackers.tracker import STATUS_OK, Tracker


class WandbTracker(Tracker):
    """One W&B run (continued, same id, when `start` is given the run it saved before)."""

    def start(self, saved, resume_step):
        import wandb

        settings, saved = self.run.settings("wandb"), saved or {}
        project = settings.get("project") or os.environ.get("WANDB_PROJECT") \
            or self.run.config_name
        self.continued = bool(saved.get("id")) and saved.get("project") == project
        quiet = wandb.Settings(console="off", silent=True, x_disable_stats=True,
                               disable_git=True, save_code=False)  # our output stays ours
        self.wandb = wandb.init(project=project, entity=settings.get("entity"),
                                name=self.run.name, resume="allow",
                                id=saved["id"] if self.continued else None,
                                dir=os.path.abspath(self.run.folder),  # W&B's cwd may differ
                                group=(self.run.group or {}).get("name"),
                                reinit="create_new", settings=quiet)
        return {"id": self.wandb.id, "project": project}

    def where(self):
        run = self.wandb
        if run.settings.mode == "offline":
            folder = shown_path(os.path.dirname(run.dir))
            return f"offline run {run.id}; upload it with: wandb sync {folder}"
        return run.url

    def log_params(self, params):
        self.wandb.config.update(params, allow_val_change=True)

    def log(self, step, metrics):
        self.wandb.log(metrics, step=step)

    def log_files(self, paths):
        import wandb

        artifact = wandb.Artifact(f"model-{self.wandb.id}", type="model",
                                  metadata={"run_dir": os.path.abspath(self.run.folder)})
        for path in paths:
            artifact.add_file(path)
        self.wandb.log_artifact(artifact)

    def finish(self, status):
        self.wandb.finish(exit_code=0 if status in STATUS_OK else 1)
