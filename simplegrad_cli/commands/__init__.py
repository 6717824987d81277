"""One module per command: `run(options)` returns a report for `main.py` to emit."""
