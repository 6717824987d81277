"""Optimizers declare their per-parameter state (what resume checks a checkpoint against)."""
import re

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


@pytest.mark.parametrize("make, key, value, words", [
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), "momentum", -5,
     "SGD: momentum must be a finite number >= 0, got -5"),
    (lambda p: optim.Adam(p), "betas", [0.9, 1.5], "Adam: betas must be two numbers in [0, 1)"),
    (lambda p: optim.Adam(p), "eps", float("nan"), "Adam: eps must be a finite number >= 0"),
    (lambda p: optim.SGD(p, lr=0.1), "lr", float("inf"), "SGD: lr must be a finite number >= 0"),
])
def test_load_state_dict_checks_hyperparameters_as_the_constructor(make, key, value, words):
    """A saved state passes the constructor's checks, and a refused one changes nothing."""
    opt = make([nn.Parameter(np.ones(3, np.float32))])
    state = opt.state_dict()
    before = repr(opt)
    state["hyperparams"][key] = value
    with pytest.raises(ValueError, match=re.escape(words)):
        opt.load_state_dict(state)
    assert repr(opt) == before


def test_scheduler_load_state_dict_checks_as_the_constructor():
    from simplegrad.optim.lr_scheduler import StepLR

    scheduler = StepLR(optim.SGD([nn.Parameter(np.ones(2, np.float32))], lr=0.1), step_size=2)
    for key, value, words in [("step_size", 0, "step_size must be a positive integer"),
                              ("gamma", 0.0, "gamma must be > 0"),
                              ("base_lr", -1, "base_lr must be a finite number >= 0")]:
        state = scheduler.state_dict()
        state[key] = value
        with pytest.raises(ValueError, match=words):
            scheduler.load_state_dict(state)
