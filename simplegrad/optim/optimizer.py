"""The `Optimizer` base class: parameter groups, their hyperparameters, per-parameter state.

Subclasses implement `_update(param, grad, state, group)` for one parameter (`group` holds its
lr and other hyperparameters); the base class does the bookkeeping (parameter groups as in
PyTorch, skipping parameters without a gradient, saving and restoring state) so that the
update rules themselves stay short and read like the papers.
"""
import functools
import math
import numbers

import numpy as np

from simplegrad import parallel
from simplegrad.inplace import mark_written

def check_at_least(owner, name, value, low=0.0):
    """`value` as a float if it is a finite real number >= `low`, else a one-line ValueError
    naming `owner` and the argument (constructors and load_state_dict share these checks)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or value < low:
        raise ValueError(f"{owner}: {name} must be a finite number >= {low:g}, got {value!r}")
    return float(value)


BLOCK = 1 << 16  # elements: an update's passes over 5 such slices stay in a 2 MiB L2 cache


def elementwise_in_place(update, param, grad, *state):
    """Call update(param, grad, *state), an elementwise rule writing param and state in place,
    block by block: Adam's 13 passes then run in L2 cache rather than memory (its step on a
    784x512 weight took 0.85x the time of whole-array passes, measured; SGD's few passes gain
    too little to need it). The blocks are shared out over simplegrad's threads."""
    size = param.size
    if size <= BLOCK or not all(a.flags.c_contiguous for a in (param, *state)):
        update(param, grad, *state)
        return
    flat = [param.reshape(-1), np.reshape(grad, -1), *(a.reshape(-1) for a in state)]
    parallel.run([functools.partial(update, *(a[block] for a in flat))
                  for block in parallel.chunks(size, BLOCK)])


class Optimizer:
    """Base class: `param_groups` (PyTorch's list of {"params": [...], "lr": ..., ...} dicts),
    `params` (every parameter, in order) and a state dict per parameter.

    `params` is a list of tensors (or a Module) or of group dicts whose keys override the
    constructor's hyperparameters for their parameters. `hyperparams` names the constructor
    arguments kept per group (and saved by `state_dict()`) besides `lr`.
    """

    hyperparams = ()
    state_arrays = ()  # names of per-parameter ndarrays in `state` (checked on load)
    state_counters = ()  # names of per-parameter integer counters in `state` (Adam's step)

    def __init__(self, params, lr, **defaults):
        if hasattr(params, "parameters") and callable(params.parameters):
            params = params.parameters()  # accept a Module for convenience
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        self.defaults = {"lr": self._checked_lr(lr), **defaults}
        self.param_groups, self.params, self.state, self._group_of = [], [], [], []
        groups = params if all(isinstance(p, dict) for p in params) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group {"params": [...], hyperparameter: value, ...}; hyperparameters it does
        not set take the constructor's values."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' list, got "
                            f"{type(group).__name__}")
        unknown = sorted(set(group) - {"params", *self.defaults})
        if unknown:
            raise ValueError(f"{name}: unknown parameter group key {unknown[0]!r}; expected "
                             f"'params' or one of {', '.join(self.defaults)}")
        group = {**self.defaults, **group}
        group["params"] = list(group["params"])
        group["lr"] = self._checked_lr(group["lr"])
        self._check_group(group)
        first = {id(p): i for i, p in enumerate(self.params)}
        for p in group["params"]:
            i = len(self.params)
            if not hasattr(p, "data") or not hasattr(p, "requires_grad"):
                raise ValueError(f"{name}: parameter {i} is not a Tensor")
            if id(p) in first:  # it would be updated twice per step
                raise ValueError(f"{name}: parameter {i} is the same tensor as parameter "
                                 f"{first[id(p)]}; pass each parameter once")
            first[id(p)] = i
            # Frozen tensors (requires_grad=False) stay in the list, as in PyTorch: they have
            # no gradient so step() leaves them alone, and are updated once unfrozen.
            self.params.append(p)
            self.state.append({})
            self._group_of.append(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Check a group's hyperparameters, and put them in their plain types (subclasses
        refuse values their rule cannot use; the constructor and load_state_dict both ask)."""

    def _checked_lr(self, value):
        """A learning rate as a Python float (which never upcasts float32 arrays), finite and
        >= 0."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{type(self).__name__}: lr must be a number, got {value!r}")
        return check_at_least(type(self).__name__, "lr", value)

    @property
    def lr(self):
        """The learning rate, shared by every group (schedulers set it per group)."""
        return self._shared("lr")

    @lr.setter
    def lr(self, value):
        value = self._checked_lr(value)
        for group in self.param_groups:
            group["lr"] = value

    def _shared(self, name):
        """A hyperparameter's value in every group; an error when the groups differ."""
        values = [group[name] for group in self.param_groups]
        if any(v != values[0] for v in values[1:]):
            raise AttributeError(f"{type(self).__name__}.{name}: the parameter groups have "
                                 f"different values ({values}); read param_groups[i]['{name}']")
        return values[0]

    def __getattr__(self, name):
        """The hyperparameters read as attributes (opt.momentum, opt.betas), as before groups."""
        if name in ("lr", *type(self).hyperparams) and "param_groups" in self.__dict__:
            return self._shared(name)  # (lr comes here when its property raised)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient (before the next backward); set_to_none=False
        gives zero arrays instead (new ones: an old .grad someone holds is left alone)."""
        for p in self.params:
            p.grad = None if set_to_none or p.grad is None else np.zeros_like(p.grad)

    def step(self):
        """Update every parameter that has a gradient, in place."""
        for p, state, group in zip(self.params, self.state, self._group_of):
            if p.grad is not None:
                self._update(p.data, p.grad, state, group)
                mark_written(p.data)  # a graph that saved this weight can no longer backward

    def _update(self, param, grad, state, group):
        """Apply one update to the ndarray `param` (in place) given its gradient."""
        raise NotImplementedError

    def state_dict(self):
        """Everything needed to resume exactly: hyperparameters and per-parameter state.

        Arrays are copies, so later steps do not change a saved state. With one parameter
        group the hyperparameters are "hyperparams"; with several, "param_groups" also lists
        each group's hyperparameters and parameter indices.
        """
        state = {}
        for i, st in enumerate(self.state):
            public = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                      for k, v in st.items() if not k.startswith("_")}
            if public:
                state[str(i)] = public
        saved = {"type": type(self).__name__, "hyperparams": self._hyper(self.param_groups[0]),
                 "state": state}
        if len(self.param_groups) > 1:
            ids = {id(p): i for i, p in enumerate(self.params)}
            saved["param_groups"] = [{**self._hyper(g), "params": [ids[id(p)]
                                                                  for p in g["params"]]}
                                     for g in self.param_groups]
        return saved

    def _hyper(self, group):
        """A group's hyperparameters as JSON-able values (tuples as lists)."""
        return {key: list(group[key]) if isinstance(group[key], tuple) else group[key]
                for key in ("lr", *self.hyperparams)}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` returned (from this optimizer type, same parameters)."""
        name = type(self).__name__
        if state_dict.get("type") != name:
            raise ValueError(f"{name}.load_state_dict: state is for "
                             f"{state_dict.get('type')!r}, not {name!r}")
        groups = state_dict.get("param_groups") or [dict(state_dict["hyperparams"])]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: state has {len(groups)} parameter "
                             f"group(s), the optimizer has {len(self.param_groups)}")
        updates = []  # applied only once everything checks out
        for saved, group in zip(groups, self.param_groups):
            saved = dict(saved)
            count = len(saved.pop("params", group["params"]))
            if count != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: a saved group has {count} "
                                 f"parameters, the optimizer's has {len(group['params'])}")
            restored = {"lr": self._checked_lr(saved.pop("lr"))}
            for key, value in saved.items():
                if key not in self.hyperparams:
                    raise ValueError(f"{name}.load_state_dict: unknown hyperparameter {key!r}")
                restored[key] = tuple(value) if isinstance(group[key], tuple) else value
            checked = {**group, **restored}
            self._check_group(checked)  # a saved state passes the constructor's checks
            updates.append({key: checked[key] for key in restored})
        new_state = [{} for _ in self.params]
        for key, st in state_dict["state"].items():
            index = int(key)
            if not 0 <= index < len(self.params):
                raise ValueError(f"{name}.load_state_dict: state for parameter {index}, but the "
                                 f"optimizer has {len(self.params)} parameters")
            param = self.params[index].data
            for k, v in st.items():
                if k in self.state_arrays:
                    v = np.asarray(v)
                    if v.shape != param.shape:
                        raise ValueError(f"{name}.load_state_dict: state {key}.{k} has shape "
                                         f"{v.shape}, parameter {index} has {param.shape}")
                    v = np.array(v, dtype=param.dtype)  # an owned copy in the param's dtype
                new_state[index][k] = v
        for group, restored in zip(self.param_groups, updates):
            group.update(restored)
        self.state = new_state

    def __repr__(self):
        groups = self.param_groups
        if len(groups) > 1:
            return f"{type(self).__name__}({len(self.params)} params in {len(groups)} groups)"
        args = ", ".join(f"{k}={groups[0][k]!r}" for k in ("lr", *self.hyperparams))
        return f"{type(self).__name__}({len(self.params)} params, {args})"
