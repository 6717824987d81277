"""Experiment trackers (TensorBoard, MLflow, Weights & Biases): a Trainer hook that sends a run's
config, the records of its metrics.jsonl and, at the end, its checkpoints to the tools a team
already watches (docs/tracking.md)."""
