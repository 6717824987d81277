"""Helpers shared by the CLI tests (imported as a top-level module: tests/ is on sys.path)."""
from pathlib import Path

TINY = (Path(__file__).resolve().parent / "fixtures" / "tiny_config.yaml").read_text()


def one_line(result):
    """The single line a failing command printed on stderr (asserting there is exactly one)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def model_input(shape, profile=None, normalize=None):
    """What `predict` knows of a model trained on samples of `shape` (a ModelInput), with a
    config reduced to the data settings it reads."""
    from types import SimpleNamespace

    from simplegrad_cli.inputs.model_input import ModelInput

    cfg = SimpleNamespace(values={"data": {"options": {}, "flatten": len(shape) == 1,
                                           "normalize": normalize}})
    return ModelInput.of(cfg, shape, profile)
