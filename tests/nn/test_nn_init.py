"""nn.init: in-place fills with the right bounds and spread, reproducible from manual_seed."""
import math

import numpy as np
import pytest

import simplegrad
from simplegrad import nn
from simplegrad.nn import init


def test_fans_follow_simplegrad_layouts():
    assert init.fan_in_and_out((3, 5)) == (3, 5)  # Linear: (in, out)
    assert init.fan_in_and_out((8, 4, 3, 3)) == (36, 72)  # Conv2d: (out, in, kh, kw)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.fan_in_and_out((3,))


def test_xavier_uniform_bounds_and_in_place():
    p = nn.Parameter(np.zeros((200, 300)))
    array = p.data
    assert init.xavier_uniform(p) is p and p.data is array and p.dtype == np.float32
    bound = math.sqrt(6 / 500)
    assert np.abs(p.data).max() <= bound
    assert abs(p.data.std() - bound / math.sqrt(3)) < 0.02 * bound


@pytest.mark.parametrize("fn, std", [
    (init.xavier_normal, math.sqrt(2 / (400 + 500))),
    (init.kaiming_normal, math.sqrt(2 / 400) / math.sqrt(1 + 0.0)),
    (init.kaiming_uniform, math.sqrt(2 / 400)),
])
def test_spread(fn, std):
    p = nn.Parameter(np.zeros((400, 500)))
    fn(p)
    assert abs(p.data.std() - std) < 0.02 * std
    assert abs(p.data.mean()) < 0.02 * std


def test_kaiming_fan_out_and_gain():
    p = nn.Parameter(np.zeros((16, 8, 3, 3)))
    init.kaiming_uniform(p, a=math.sqrt(5))  # PyTorch's Conv2d default: bound 1/sqrt(fan_in)
    assert np.abs(p.data).max() <= 1 / math.sqrt(72)
    init.kaiming_normal(p, mode="fan_out", nonlinearity="relu")
    assert abs(p.data.std() - math.sqrt(2 / 144)) < 0.1 * math.sqrt(2 / 144)
    assert init.calculate_gain("tanh") == 5 / 3
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal(p, mode="fan_sideways")


def test_zeros_ones_and_ndarrays():
    p = nn.Parameter(np.full(3, 7.0))
    init.zeros(p)
    assert not p.data.any()
    init.ones(p)
    assert (p.data == 1).all()
    a = np.zeros((4, 4))
    init.xavier_uniform_(a)
    assert a.any()


def test_manual_seed_reproduces_init():
    simplegrad.manual_seed(42)
    a = nn.Conv2d(2, 3, 3)
    simplegrad.manual_seed(42)
    b = nn.Conv2d(2, 3, 3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    c = nn.Conv2d(2, 3, 3)
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_layer_defaults():
    lin = nn.Linear(20, 30)
    assert lin.weight.shape == (20, 30) and np.abs(lin.weight.data).max() <= math.sqrt(6 / 50)
    assert not lin.bias.data.any()
    emb = nn.Embedding(1000, 20)
    assert abs(emb.weight.data.std() - 1.0) < 0.05
    ln = nn.LayerNorm(4)
    assert (ln.weight.data == 1).all() and not ln.bias.data.any()
