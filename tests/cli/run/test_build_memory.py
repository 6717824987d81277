"""The training-memory estimate `validate` and `train` check before building anything: it
covers what training really allocates (weights, gradients, optimizer state, the copies a
checkpoint save makes), so a 600M-parameter model is refused up front, not out of memory."""
import tracemalloc

import pytest
from cli_helpers import TINY, one_line

from simplegrad_cli.config.validation import load_config
from simplegrad_cli.run import build

WIDE = TINY.replace("  - linear: {out: 16}\n  - relu\n",
                    "  - linear: {out: 2000}\n  - relu\n  - linear: {out: 2000}\n  - relu\n") \
    .replace("n_samples: 200", "n_samples: 64")


@pytest.mark.parametrize("optimizer", ["{name: adam, lr: 0.001}", "{name: adamw, lr: 0.001}",
                                       "{name: sgd, lr: 0.01, momentum: 0.9}",
                                       "{name: sgd, lr: 0.01}"])
def test_the_estimate_covers_the_peak_of_a_real_run(cli, write_config, optimizer):
    config = write_config(WIDE.replace("{name: adam, lr: 0.01}", optimizer))
    cfg = load_config(config)
    _, rows, _ = build.build_model(cfg, (2,), 3)
    estimate = build.training_memory(cfg, rows)
    tracemalloc.start()
    try:
        assert cli("train", config, "--overwrite").exit_code == 0  # 3 epochs: 3 saves
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    parameters = sum(row.parameters for row in rows)
    assert peak <= estimate <= 1.5 * peak + 1e6, (peak / parameters, estimate / parameters)


def test_600m_parameters_are_refused_before_any_layer_is_built(cli, write_config,
                                                               monkeypatch):
    monkeypatch.setenv("SIMPLEGRAD_MEMORY_LIMIT", "16G")
    layers = "  - linear: {out: 9000}\n" + "  - relu\n  - linear: {out: 9000}\n" * 7
    config = write_config(TINY.replace("  - linear: {out: 16}\n", layers))
    result = cli("validate", config)
    assert result.exit_code == 2
    line = one_line(result)
    assert line.startswith("tiny.yaml:")  # the layer where the model stops fitting
    assert "needs about" in line and "more than this machine can give (17.2 GB, " \
        "SIMPLEGRAD_MEMORY_LIMIT)" in line
    assert "the whole model has 567,117,003 parameters" in line
