"""The `Optimizer` base class: a flat list of parameters, a learning rate, per-parameter state.

Subclasses implement `_update(param, grad, state)` for one parameter; the base class does the
bookkeeping (skipping parameters without a gradient, saving and restoring state) so that the
update rules themselves stay short and read like the papers.
"""
import math
import numbers

import numpy as np

from simplegrad.inplace import mark_written

BLOCK = 1 << 16  # elements: an update's passes over 5 such slices stay in a 2 MiB L2 cache


def check_at_least(owner, name, value, low=0.0):
    """`value` as a float if it is a finite real number >= `low`, else a one-line ValueError
    naming `owner` and the argument (constructors and load_state_dict share these checks)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or value < low:
        raise ValueError(f"{owner}: {name} must be a finite number >= {low:g}, got {value!r}")
    return float(value)


def elementwise_in_place(update, param, grad, *state):
    """Call update(param, grad, *state), an elementwise rule writing param and state in place,
    block by block: Adam's 13 passes then run in L2 cache rather than memory (its step on a
    784x512 weight took 0.85x the time of whole-array passes, measured; SGD's few passes gain
    too little to need it)."""
    size = param.size
    if size <= BLOCK or not all(a.flags.c_contiguous for a in (param, *state)):
        update(param, grad, *state)
        return
    flat = [param.reshape(-1), np.reshape(grad, -1), *(a.reshape(-1) for a in state)]
    for start in range(0, size, BLOCK):
        update(*(a[start:start + BLOCK] for a in flat))


class Optimizer:
    """Base class: holds `params`, the learning rate `lr`, and a state dict per parameter.

    `hyperparams` names the constructor arguments saved by `state_dict()` besides `lr`.
    """

    hyperparams = ()
    state_arrays = ()  # names of per-parameter ndarrays in `state` (checked on load)
    state_counters = ()  # names of per-parameter integer counters in `state` (Adam's step)

    def __init__(self, params, lr):
        if hasattr(params, "parameters") and callable(params.parameters):
            params = params.parameters()  # accept a Module for convenience
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        first = {}
        for i, p in enumerate(params):
            if not hasattr(p, "data") or not hasattr(p, "requires_grad"):
                raise ValueError(f"{type(self).__name__}: parameter {i} is not a Tensor")
            if id(p) in first:  # it would be updated twice per step
                raise ValueError(f"{type(self).__name__}: parameter {i} is the same tensor as "
                                 f"parameter {first[id(p)]}; pass each parameter once")
            first[id(p)] = i
        # Frozen tensors (requires_grad=False) stay in the list, as in PyTorch: they have no
        # gradient so step() leaves them alone, and they are updated once they are unfrozen.
        self.params = params
        self.lr = lr
        self.state = [{} for _ in self.params]

    @property
    def lr(self):
        """The current learning rate (a Python float; schedulers set it)."""
        return self._lr

    @lr.setter
    def lr(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{type(self).__name__}: lr must be a number, got {value!r}")
        value = float(value)  # a Python float never upcasts float32 arrays
        if not 0.0 <= value < math.inf:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0 and finite, got {value}")
        self._lr = value

    def set_hyperparams(self, **values):
        """Check and set the hyperparameters named in `hyperparams` (each subclass's constructor
        calls its own, and `load_state_dict` reuses it: a saved state passes the same checks)."""

    def zero_grad(self):
        """Forget every parameter's gradient (before the next backward)."""
        for p in self.params:
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient, in place."""
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                self._update(p.data, p.grad, state)
                mark_written(p.data)  # a graph that saved this weight can no longer backward

    def _update(self, param, grad, state):
        """Apply one update to the ndarray `param` (in place) given its gradient."""
        raise NotImplementedError

    def state_dict(self):
        """Everything needed to resume exactly: hyperparameters and per-parameter state.

        Arrays are copies, so later steps do not change a saved state.
        """
        hyper = {"lr": self.lr}
        for name in self.hyperparams:
            value = getattr(self, name)
            hyper[name] = list(value) if isinstance(value, tuple) else value
        state = {}
        for i, st in enumerate(self.state):
            public = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                      for k, v in st.items() if not k.startswith("_")}
            if public:
                state[str(i)] = public
        return {"type": type(self).__name__, "hyperparams": hyper, "state": state}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` returned (from this optimizer type, same parameters)."""
        name = type(self).__name__
        if state_dict.get("type") != name:
            raise ValueError(f"{name}.load_state_dict: state is for "
                             f"{state_dict.get('type')!r}, not {name!r}")
        hyper = dict(state_dict["hyperparams"])
        lr = hyper.pop("lr")
        values = {key: getattr(self, key) for key in self.hyperparams}
        for key, value in hyper.items():
            if key not in self.hyperparams:
                raise ValueError(f"{name}.load_state_dict: unknown hyperparameter {key!r}")
            values[key] = tuple(value) if isinstance(values[key], tuple) else value
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
        before = self.lr
        self.lr = lr  # checked, as the constructor checks it
        try:
            self.set_hyperparams(**values)
        except (TypeError, ValueError):
            self.lr = before
            raise
        self.state = new_state

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("lr", *self.hyperparams))
        return f"{type(self).__name__}({len(self.params)} params, {args})"
