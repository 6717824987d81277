"""Adam and AdamW update big parameters block by block: the same values as whole arrays."""
import numpy as np
import pytest

from simplegrad.nn import Parameter
from simplegrad.optim import optimizer

from tests.optim.test_optimizers import CONFIGS


def _train(cls, kwargs, steps=5, fortran_grads=False):
    rng = np.random.default_rng(3)
    params = [Parameter(rng.standard_normal(shape)) for shape in ((7, 9), (4,), (2, 3, 5))]
    opt = cls(params, **kwargs)
    for _ in range(steps):
        for p in params:
            grad = rng.standard_normal(p.shape)
            p.grad = np.asfortranarray(grad) if fortran_grads else grad
        opt.step()
    return [p.data.copy() for p in params] + [
        v for st in opt.state for k, v in sorted(st.items()) if isinstance(v, np.ndarray)]


@pytest.mark.parametrize("cls, name, kwargs", [c for c in CONFIGS if c[1] != "SGD"])
@pytest.mark.parametrize("fortran_grads", [False, True])
def test_blocks_give_the_same_update(cls, name, kwargs, fortran_grads, monkeypatch):
    whole = _train(cls, kwargs, fortran_grads=fortran_grads)
    monkeypatch.setattr(optimizer, "BLOCK", 5)  # 63 elements: 13 blocks; 4 stays whole
    blocked = _train(cls, kwargs, fortran_grads=fortran_grads)
    assert len(blocked) == len(whole)
    for a, b in zip(blocked, whole):
        np.testing.assert_array_equal(a, b)
