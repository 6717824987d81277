"""Learning-rate schedules: each sets the optimizer's lr (of every parameter group, from that
group's initial lr) from a closed-form function of the step.

Call `scheduler.step()` once per epoch (or per batch) after `optimizer.step()`, as in PyTorch.
Constructing a scheduler sets the step-0 learning rate. Closed forms (instead of updating the
previous lr) make state trivial to save and make composition (warmup, then cosine) exact.
"""
import math

from simplegrad.optim.optimizer import check_at_least


class LRScheduler:
    """Base class: `lr_at(epoch, base_lr)` gives the learning rate after `epoch` calls to
    `step()` for a group whose initial learning rate was base_lr (each parameter group of the
    optimizer follows the schedule from its own, as in PyTorch)."""

    hyperparams = ()

    def __init__(self, optimizer, base_lrs=None):
        self.optimizer = optimizer
        self.base_lrs = [float(group["lr"]) for group in optimizer.param_groups] \
            if base_lrs is None else list(base_lrs)
        self.last_epoch = 0
        self._set(0)

    @property
    def base_lr(self):
        """The initial learning rate (of the first parameter group)."""
        return self.base_lrs[0]

    def lr_at(self, epoch, base_lr=None):
        """The learning rate at `epoch` (a pure function of it) for `base_lr` (default: the
        first group's)."""
        raise NotImplementedError

    def _set(self, epoch):
        """Set every group's learning rate for `epoch`."""
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.optimizer._checked_lr(self.lr_at(epoch, base))

    def step(self):
        """Advance one epoch and set the optimizer's learning rate(s)."""
        self.last_epoch += 1
        self._set(self.last_epoch)

    def get_last_lr(self):
        """The learning rate of each parameter group, set by the last `step()` (PyTorch's)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """JSON-able state: the type, hyperparameters, base lr and step count (and every
        group's base lr when there are several)."""
        state = {"type": type(self).__name__, "base_lr": self.base_lr,
                 "last_epoch": self.last_epoch}
        if len(self.base_lrs) > 1:
            state["base_lrs"] = list(self.base_lrs)
        state.update({k: getattr(self, k) for k in self.hyperparams})
        return state

    def set_hyperparams(self, **values):
        """Check and set the hyperparameters named in `hyperparams` (each subclass's constructor
        calls its own, and `load_state_dict` reuses it: a saved state passes the same checks)."""

    def load_state_dict(self, state):
        """Restore what `state_dict()` returned (checked as the constructor checks its
        arguments) and set the optimizer's lr to match."""
        name = type(self).__name__
        if state.get("type") != name:
            raise ValueError(f"{name}.load_state_dict: state is for {state.get('type')!r}, "
                             f"not {name!r}")
        base_lrs = [check_at_least(name, "base_lr", v)
                    for v in state.get("base_lrs", [state["base_lr"]])]
        if len(base_lrs) != len(self.base_lrs):
            raise ValueError(f"{name}.load_state_dict: state has {len(base_lrs)} base learning "
                             f"rate(s), the optimizer has {len(self.base_lrs)} groups")
        last_epoch = int(check_at_least(name, "last_epoch", state["last_epoch"]))
        self.set_hyperparams(**{key: state[key] for key in self.hyperparams})
        self.base_lrs, self.last_epoch = base_lrs, last_epoch
        self._set(self.last_epoch)

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.hyperparams)
        return f"{type(self).__name__}({args})"


class StepLR(LRScheduler):
    """Multiply the learning rate by `gamma` every `step_size` epochs."""

    hyperparams = ("step_size", "gamma")

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        self.set_hyperparams(step_size, gamma)
        super().__init__(optimizer)

    def set_hyperparams(self, step_size, gamma):
        if not _whole(step_size) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        gamma = check_at_least("StepLR", "gamma", gamma)
        if gamma == 0:
            raise ValueError("StepLR: gamma must be > 0, got 0.0")
        self.step_size, self.gamma = int(step_size), gamma

    def lr_at(self, epoch, base_lr=None):
        base_lr = self.base_lr if base_lr is None else base_lr
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Cosine decay from the base lr to `eta_min` over `T_max` epochs (then back up, as PyTorch)."""

    hyperparams = ("T_max", "eta_min")

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        self.set_hyperparams(T_max, eta_min)
        super().__init__(optimizer)

    def set_hyperparams(self, T_max, eta_min):
        if check_at_least("CosineAnnealingLR", "T_max", T_max) == 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be > 0, got {T_max!r}")
        self.T_max, self.eta_min = T_max, check_at_least("CosineAnnealingLR", "eta_min", eta_min)

    def lr_at(self, epoch, base_lr=None):
        base_lr = self.base_lr if base_lr is None else base_lr
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        return self.eta_min + (base_lr - self.eta_min) * cosine


class LinearWarmup(LRScheduler):
    """Ramp the lr linearly from `start_factor * base_lr` to `base_lr` over `warmup_steps`
    steps, then hand over to `after` (another scheduler on the same optimizer), if given.

    Matches PyTorch's `SequentialLR([LinearLR(opt, start_factor, 1.0, warmup_steps), after],
    milestones=[warmup_steps])`: `after` starts its own schedule at its step 0.
    """

    hyperparams = ("warmup_steps", "start_factor")

    def __init__(self, optimizer, warmup_steps, after=None, start_factor=0.1):
        if after is not None and after.optimizer is not optimizer:
            raise ValueError("LinearWarmup: `after` must schedule the same optimizer")
        self.set_hyperparams(warmup_steps, start_factor)
        self.after = after
        super().__init__(optimizer, base_lrs=after.base_lrs if after is not None else None)

    def set_hyperparams(self, warmup_steps, start_factor):
        if not _whole(warmup_steps) or warmup_steps < 0:
            raise ValueError(f"LinearWarmup: warmup_steps must be an integer >= 0, "
                             f"got {warmup_steps!r}")
        start_factor = check_at_least("LinearWarmup", "start_factor", start_factor)
        if start_factor > 1.0:
            raise ValueError(f"LinearWarmup: start_factor must be in [0, 1], got {start_factor}")
        self.warmup_steps, self.start_factor = int(warmup_steps), start_factor

    def lr_at(self, epoch, base_lr=None):
        base_lr = self.base_lr if base_lr is None else base_lr
        if epoch < self.warmup_steps:
            factor = self.start_factor + (1.0 - self.start_factor) * epoch / self.warmup_steps
            return base_lr * factor
        if self.after is None:
            return base_lr
        return self.after.lr_at(epoch - self.warmup_steps, base_lr)

    def step(self):
        super().step()
        if self.after is not None:
            self.after.last_epoch = max(0, self.last_epoch - self.warmup_steps)

    def state_dict(self):
        state = super().state_dict()
        state["after"] = self.after.state_dict() if self.after is not None else None
        return state

    def load_state_dict(self, state):
        if (state.get("after") is None) != (self.after is None):
            raise ValueError("LinearWarmup.load_state_dict: saved and current warmup disagree "
                             "on whether an `after` scheduler is used")
        if self.after is not None:
            self.after.load_state_dict(state["after"])
        super().load_state_dict(state)

    def __repr__(self):
        return f"{super().__repr__()[:-1]}, after={self.after!r})"


def _whole(value):
    """Whether `value` is a whole number (an int, or a float such as 3.0), not a bool."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and \
        math.isfinite(value) and int(value) == value
