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


def resave(checkpoint, out, fill=None):
    """Save `checkpoint`'s model as `out` the way an older version would (no version fields),
    each parameter named in `fill` ({name: value}) filled with that value (NaN, 3e38...)."""
    import numpy as np

    from simplegrad.checkpoint import load_checkpoint, save_checkpoint

    saved = load_checkpoint(checkpoint)
    state = dict(saved.model_state)
    for name, value in (fill or {}).items():
        state[name] = np.full_like(state[name], value)
    save_checkpoint(out, state, **{k: v for k, v in saved.metadata.items()
                                   if k not in ("format_version", "library_version")})
    return saved

