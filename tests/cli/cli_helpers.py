"""Helpers shared by the CLI tests (imported as a top-level module: tests/cli is on sys.path)."""
import textwrap

TINY = textwrap.dedent("""\
    seed: 0
    data:
      source: synthetic:spirals
      options: {n_samples: 200, noise: 0.1, num_classes: 3}
      val_fraction: 0.2
      batch_size: 16
    model:
      - linear: {out: 16}
      - relu
      - linear: {out: 3}
    optimizer: {name: adam, lr: 0.01}
    train:
      epochs: 2
    """)


def one_line(result):
    """The single line a failing command printed on stderr (asserting there is exactly one)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]
