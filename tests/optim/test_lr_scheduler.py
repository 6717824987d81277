"""StepLR, CosineAnnealingLR and LinearWarmup: learning-rate sequences equal PyTorch's."""
import numpy as np
import pytest

from simplegrad import optim
from simplegrad.nn import Parameter
from simplegrad.optim.lr_scheduler import CosineAnnealingLR, LinearWarmup, StepLR


def _ours(make, steps, lr=0.1):
    opt = optim.SGD([Parameter(np.ones(2))], lr=lr)
    sched = make(opt)
    lrs = [opt.lr]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.lr)
    return lrs


def _torchs(torch, make, steps, lr=0.1):
    opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=lr)
    sched = make(torch.optim.lr_scheduler, opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


CASES = {
    "step": (lambda o: StepLR(o, 3, gamma=0.5), lambda S, o: S.StepLR(o, 3, gamma=0.5)),
    "step_default_gamma": (lambda o: StepLR(o, 4), lambda S, o: S.StepLR(o, 4)),
    "cosine": (lambda o: CosineAnnealingLR(o, T_max=10, eta_min=0.01),
               lambda S, o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
    "warmup_cosine": (
        lambda o: LinearWarmup(o, 5, after=CosineAnnealingLR(o, T_max=12), start_factor=0.1),
        lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, total_iters=5),
                                        S.CosineAnnealingLR(o, T_max=12)], milestones=[5])),
    "warmup_step": (
        lambda o: LinearWarmup(o, 3, after=StepLR(o, 4, gamma=0.3), start_factor=0.25),
        lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.25, 1.0, total_iters=3),
                                        S.StepLR(o, 4, gamma=0.3)], milestones=[3])),
    "warmup_alone": (lambda o: LinearWarmup(o, 6, start_factor=0.2),
                     lambda S, o: S.LinearLR(o, 0.2, 1.0, total_iters=6)),
}


@pytest.mark.parametrize("name", CASES)
def test_lr_sequence_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = CASES[name]
    np.testing.assert_allclose(_ours(ours, 30), _torchs(torch, theirs, 30), rtol=1e-12,
                               atol=1e-15)


def test_known_values_without_torch():
    assert _ours(lambda o: StepLR(o, 2, gamma=0.5), 5, lr=1.0) == [1, 1, 0.5, 0.5, 0.25, 0.25]
    cosine = _ours(lambda o: CosineAnnealingLR(o, T_max=4), 4, lr=1.0)
    np.testing.assert_allclose(cosine, [1.0, 0.8535534, 0.5, 0.1464466, 0.0], atol=1e-7)
    warm = _ours(lambda o: LinearWarmup(o, 4, start_factor=0.0), 5, lr=1.0)
    np.testing.assert_allclose(warm, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0])


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip(name):
    make = CASES[name][0]
    opt = optim.SGD([Parameter(np.ones(2))], lr=0.1)
    sched = make(opt)
    for _ in range(7):
        sched.step()
    state = sched.state_dict()
    expected = []
    for _ in range(10):
        sched.step()
        expected.append(opt.lr)

    opt2 = optim.SGD([Parameter(np.ones(2))], lr=0.1)
    sched2 = make(opt2)
    sched2.load_state_dict(state)
    got = []
    for _ in range(10):
        sched2.step()
        got.append(opt2.lr)
    assert got == expected


def test_wrong_state_type_is_rejected():
    opt = optim.SGD([Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="not 'StepLR'"):
        StepLR(opt, 2).load_state_dict(CosineAnnealingLR(opt, 3).state_dict())


def test_bad_arguments():
    opt = optim.SGD([Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, 0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt, 0)
    with pytest.raises(ValueError, match="same optimizer"):
        other = optim.SGD([Parameter(np.ones(2))], lr=0.1)
        LinearWarmup(opt, 3, after=StepLR(other, 2))
