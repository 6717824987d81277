"""One module per command: `run(options)` (its arguments, as main.py declares them) returns a
report for `main.py` to emit."""
