"""Softplus was added as the registry's worked example: the layer class and one
registry line; its config keys, gradcheck row, parameter count and docs row follow."""
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from simplegrad import Tensor, nn

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "tests" / "fixtures" / "softplus_mlp.yaml"


def test_softplus_matches_the_formula_and_is_linear_above_the_threshold():
    x = np.array([-30.0, -2.0, 0.0, 1.5, 9.0, 30.0])
    np.testing.assert_allclose(nn.Softplus()(Tensor(x, dtype=np.float64)).data,
                               np.log1p(np.exp(x)), rtol=1e-12)
    sharp = nn.Softplus(beta=2.0, threshold=3.0)(Tensor(x, dtype=np.float64)).data
    expected = np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)
    np.testing.assert_array_equal(sharp, expected)


def test_softplus_keeps_float32_and_refuses_bad_arguments():
    assert nn.Softplus()(Tensor(np.ones(3, np.float32))).dtype == np.float32
    with pytest.raises(ValueError, match="beta"):
        nn.Softplus(beta=0)
    with pytest.raises(TypeError, match="threshold"):
        nn.Softplus(threshold="high")


def test_softplus_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(scale=4, size=(5, 7))
    for beta, threshold in [(1.0, 20.0), (2.0, 3.0), (0.5, 1.0)]:
        ours = Tensor(x, requires_grad=True, dtype=np.float64)
        nn.Softplus(beta, threshold)(ours).sum().backward()
        theirs = torch.tensor(x, requires_grad=True)
        torch.nn.Softplus(beta, threshold)(theirs).sum().backward()
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_a_softplus_config_trains_evaluates_and_exports(cli, workdir):
    result = cli("train", CONFIG, "--json", "--out", "run")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["best"] > 0.6  # three classes: chance is 1/3
    resolved = yaml.safe_load((workdir / "run" / "config.yaml").read_text())
    assert resolved["model"][1] == {"softplus": {"beta": 2.0, "threshold": 20.0}}
    evaluated = cli("eval", workdir / "run" / "best.npz", "--json")
    assert evaluated.exit_code == 0 and json.loads(evaluated.stdout)["accuracy"] > 0.5
    pytest.importorskip("onnxruntime")
    exported = cli("export", workdir / "run" / "best.npz", "--out", "model.onnx", "--json")
    assert exported.exit_code == 0, exported.stderr


def test_softplus_keys_are_validated_from_its_signature(cli, workdir):
    text = CONFIG.read_text().replace("softplus: {beta: 2.0}", "softplus: {beta: -1.0}")
    (workdir / "bad.yaml").write_text(text)
    result = cli("validate", "bad.yaml")
    assert result.exit_code == 2 and "model.1.softplus.beta" in result.stderr
    text = CONFIG.read_text().replace("softplus: {beta: 2.0}", "softplus: {betta: 2.0}")
    (workdir / "typo.yaml").write_text(text)
    result = cli("validate", "typo.yaml")
    assert result.exit_code == 2 and "beta" in result.stderr  # did you mean 'beta'?


def test_softplus_has_a_gradcheck_row_and_a_docs_row(cli):
    result = cli("gradcheck", "--op", "softplus", "--op", "softplus_beta", "--json")
    assert result.exit_code == 0, result.stderr
    assert {(row["name"], row["kind"]) for row in json.loads(result.stdout)["checks"]} == {
        ("softplus", "op"), ("softplus", "layer"), ("softplus_beta", "op")}
    assert "| `softplus` | `nn.Softplus` |" in (ROOT / "docs" / "config.md").read_text()
