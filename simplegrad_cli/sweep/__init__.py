"""`simplegrad sweep`: the search space, the runner of trial processes, and the Optuna adapter."""
