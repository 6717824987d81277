"""A training run: build it from a config, train it (with hooks), and keep it in its run folder
(checkpoints, metrics log, metadata) for the commands that read it back."""
