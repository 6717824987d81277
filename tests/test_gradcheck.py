"""The gradient checker itself must catch a wrong gradient and name where."""
import numpy as np

from simplegrad import Tensor
from simplegrad.gradcheck import gradcheck
from wrong_ops import WrongSquare


def test_detects_and_locates_a_wrong_gradient():
    result = gradcheck(WrongSquare.apply, [np.linspace(-1, 1, 6).reshape(2, 3)])
    assert not result
    assert result.input_index == 0 and result.index == (1, 0)
    assert "MISMATCH" in result.summary()


def test_passes_a_right_gradient_and_casts_to_float64():
    seen = []

    def fn(a, labels):
        seen.append(a.dtype)
        return a.cross_entropy_loss(labels)

    result = gradcheck(fn, [np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32),
                            np.array([0, 2, 1, 1])])
    assert result, result.summary()
    assert set(seen) == {np.dtype(np.float64)} and result.checked == 12


def test_accepts_tensors():
    assert gradcheck(lambda t: t.tanh(), Tensor([0.1, -0.4]))
