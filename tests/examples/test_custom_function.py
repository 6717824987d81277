"""examples/custom_function.py: a user-defined Function whose backward passes gradcheck."""
import runpy
from pathlib import Path

import numpy as np

from simplegrad import Tensor
from simplegrad.gradcheck import gradcheck

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "custom_function.py"


def test_example_runs_and_its_gradcheck_passes(capsys):
    module = runpy.run_path(str(SCRIPT))
    result = module["main"]()
    assert result, result.summary()
    assert "gradcheck: ok" in capsys.readouterr().out


def test_example_keeps_tiny_gradients_in_float32():
    softplus = runpy.run_path(str(SCRIPT))["softplus"]
    x = Tensor(np.array([-30.0, -20.0]), requires_grad=True)  # float32, as the example prints
    softplus(x).sum().backward()
    np.testing.assert_allclose(x.grad, 1 / (1 + np.exp([30.0, 20.0])), rtol=1e-5)


def test_softplus_values_and_gradients():
    softplus = runpy.run_path(str(SCRIPT))["softplus"]
    x = Tensor(np.array([-100.0, 0.0, 100.0]), requires_grad=True, dtype=np.float64)
    y = softplus(x)
    np.testing.assert_allclose(y.data, [0.0, np.log(2.0), 100.0], atol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.5, 1.0], atol=1e-12)
    rng = np.random.default_rng(1)
    assert gradcheck(lambda t: softplus(t, beta=0.5), [rng.normal(size=(4, 3)) * 5])
