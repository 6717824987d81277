"""Benchmarks: simplegrad vs hand-written NumPy and PyTorch CPU eager (`python -m benchmarks.run`).

Not part of the installed package and never run in CI (a tiny smoke run lives in
tests/benchmarks). See docs/benchmarks.md for what is measured and how to read the numbers.
"""
