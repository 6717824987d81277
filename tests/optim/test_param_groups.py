"""Parameter groups as in PyTorch: per-group lr and hyperparameters, schedulers per group, exact
resume, and the one-group state format of 0.2 checkpoints unchanged."""
import numpy as np
import pytest

from simplegrad import Tensor, optim
from simplegrad.nn import Parameter
from simplegrad.optim import lr_scheduler

RNG = np.random.default_rng(0)
X, W0, B0, V0 = (RNG.standard_normal(s) for s in ((6, 3), (3, 4), 4, (4, 2)))


def _loss(x, w, b, v):
    hidden = (x @ w + b).tanh()
    out = hidden @ v
    return (out * out).mean()


def _groups(params, make_group):
    w, b, v = params
    return [make_group([w, b], lr=0.05, weight_decay=0.1), make_group([v])]


def _train(opt, params, steps, x, scheduler=None):
    for _ in range(steps):
        opt.zero_grad()
        _loss(x, *params).backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()


CONFIGS = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.02)),
           ("AdamW", dict(lr=0.02, weight_decay=0.01)), ("RMSprop", dict(lr=0.01)),
           ("Adadelta", dict(lr=0.5))]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_groups_with_their_own_lr_and_weight_decay_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours = [Parameter(a, dtype=np.float64) for a in (W0, B0, V0)]
    opt = getattr(optim, name)(_groups(ours, lambda ps, **kw: {"params": ps, **kw}), **kwargs)
    schedule = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    theirs = [torch.tensor(a, requires_grad=True) for a in (W0, B0, V0)]
    ref = getattr(torch.optim, name)(_groups(theirs, lambda ps, **kw: {"params": ps, **kw}),
                                     **kwargs)
    ref_schedule = torch.optim.lr_scheduler.StepLR(ref, step_size=3, gamma=0.5)
    _train(opt, ours, 20, Tensor(X, dtype=np.float64), schedule)
    _train(ref, theirs, 20, torch.tensor(X), ref_schedule)
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, other.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert schedule.get_last_lr() == pytest.approx(ref_schedule.get_last_lr(), rel=1e-12)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in ref.param_groups]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_two_groups_resume_bitwise(name, kwargs):
    params = [Parameter(a) for a in (W0, B0, V0)]
    opt = getattr(optim, name)(_groups(params, lambda ps, **kw: {"params": ps, **kw}), **kwargs)
    warmup = lr_scheduler.LinearWarmup(opt, 3, after=lr_scheduler.CosineAnnealingLR(opt, 10))
    _train(opt, params, 4, Tensor(X), warmup)
    saved_params, saved, saved_schedule = [p.data.copy() for p in params], opt.state_dict(), \
        warmup.state_dict()
    assert len(saved["param_groups"]) == 2 and saved["param_groups"][1]["params"] == [2]
    _train(opt, params, 4, Tensor(X), warmup)

    fresh = [Parameter(a) for a in saved_params]
    opt2 = getattr(optim, name)(_groups(fresh, lambda ps, **kw: {"params": ps, "lr": 9.0}),
                                lr=7.0)
    warmup2 = lr_scheduler.LinearWarmup(opt2, 3, after=lr_scheduler.CosineAnnealingLR(opt2, 10))
    opt2.load_state_dict(saved)
    warmup2.load_state_dict(saved_schedule)
    _train(opt2, fresh, 4, Tensor(X), warmup2)
    for p, q in zip(params, fresh):
        np.testing.assert_array_equal(p.data, q.data)


def test_one_group_state_keeps_the_0_2_format_and_old_states_load():
    w = Parameter(np.ones(2, np.float32))
    opt = optim.Adam([w], lr=0.1)
    w.grad = np.ones(2, np.float32)
    opt.step()
    state = opt.state_dict()
    assert set(state) == {"type", "hyperparams", "state"}  # what 0.2 checkpoints hold
    old = {"type": "Adam", "hyperparams": {"lr": 0.5, "betas": [0.8, 0.9], "eps": 1e-6,
                                           "weight_decay": 0.0},
           "state": {"0": {"step": 3, "exp_avg": np.ones(2, np.float32),
                           "exp_avg_sq": np.ones(2, np.float32)}}}
    opt.load_state_dict(old)
    assert opt.lr == 0.5 and opt.betas == (0.8, 0.9) and opt.state[0]["step"] == 3
    sched = lr_scheduler.StepLR(opt, 2)
    assert set(sched.state_dict()) == {"type", "base_lr", "last_epoch", "step_size", "gamma"}
    sched.load_state_dict({"type": "StepLR", "base_lr": 0.4, "last_epoch": 2, "step_size": 2,
                           "gamma": 0.5})
    assert opt.lr == pytest.approx(0.2)


def test_group_errors_and_the_shared_lr():
    w, v = Parameter(np.ones(2)), Parameter(np.ones(3))
    with pytest.raises(ValueError, match="unknown parameter group key 'weight_decy'"):
        optim.SGD([{"params": [w], "weight_decy": 0.1}], lr=0.1)
    with pytest.raises(ValueError, match="same tensor"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([{"params": [w], "betas": (0.9, 1.5)}])
    opt = optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.5}], lr=0.1, momentum=0.9)
    with pytest.raises(AttributeError, match=r"param_groups\[i\]\['lr'\]"):
        opt.lr
    assert opt.momentum == 0.9 and len(opt.params) == 2
    opt.lr = 0.01  # sets every group
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.01] and opt.lr == 0.01
    u = Parameter(np.ones(1))
    opt.add_param_group({"params": [u], "momentum": 0.0})
    assert opt.params[-1] is u and opt.param_groups[-1]["lr"] == 0.1
    state = opt.state_dict()
    with pytest.raises(ValueError, match="3 parameter group"):
        optim.SGD([w, v, u], lr=0.1).load_state_dict(state)


def test_zero_grad_set_to_none_false_gives_new_zero_arrays():
    w = Parameter(np.ones(2))
    opt = optim.SGD([w], lr=0.1)
    w.grad = held = np.ones(2, np.float32)
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0] and held.tolist() == [1.0, 1.0]
    opt.zero_grad()
    assert w.grad is None
