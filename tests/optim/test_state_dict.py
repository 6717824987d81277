"""Optimizers declare their per-parameter state (what resume checks a checkpoint against)."""
import numpy as np
import pytest

from simplegrad import nn, optim


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.1),
    lambda ps: optim.AdamW(ps, lr=0.1),
    lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.9, centered=True),
    lambda ps: optim.Adadelta(ps),
], ids=["sgd-momentum", "adam", "adamw", "rmsprop", "adadelta"])
def test_declared_state_is_what_a_step_saves(make):
    weight = nn.Parameter(np.ones((2, 3), np.float32))
    optimizer = make([weight])
    weight.grad = np.full((2, 3), 0.5, np.float32)
    optimizer.step()
    saved = optimizer.state_dict()["state"]["0"]
    assert set(saved) == set(optimizer.state_arrays) | set(optimizer.state_counters)
    assert all(saved[k].dtype == np.float32 for k in optimizer.state_arrays)
    assert all(isinstance(saved[k], int) for k in optimizer.state_counters)


def test_sgd_without_momentum_saves_no_state():
    weight = nn.Parameter(np.ones(2, np.float32))
    optimizer = optim.SGD([weight], lr=0.1)
    weight.grad = np.ones(2, np.float32)
    optimizer.step()
    assert optimizer.state_dict()["state"] == {}
