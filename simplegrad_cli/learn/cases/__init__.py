"""The cases each learning task is graded on: real graphs and gradient checks, run through the
student's piece (the grader has put it in place of the library's own), one module per stub
file. Importing this package registers them all in `learn.checks.CASES`."""
from simplegrad_cli.learn.cases import engine, layers, ops, optim  # noqa: F401  (register)
