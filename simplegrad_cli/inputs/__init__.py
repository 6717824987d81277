"""What a model reads: the training data a config names, and new inputs for `predict`, turned
into what the model saw in training."""
