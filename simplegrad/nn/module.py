"""`Module`, the base of every layer and model, and `Parameter`, a trainable tensor.

A Module finds its parameters and sub-modules by looking at its own attributes (and inside
lists, tuples and dicts stored there), so a model is just a class that assigns layers in
`__init__` and uses them in `forward`. Buffers (non-trained state such as BatchNorm's running
statistics) are ndarrays registered with `register_buffer`; they are saved in `state_dict()`.
"""
import itertools
import os
from collections.abc import Mapping

import numpy as np

from simplegrad import anomaly, devices, hooks
from simplegrad.tensor import Tensor

_BOOKKEEPING = frozenset({"training", "_buffer_names", "_forward_hooks"})
_hook_ids = itertools.count()


class Parameter(Tensor):
    """A Tensor that a Module trains: `requires_grad=True` and found by `parameters()`."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self):
        return "Parameter" + super().__repr__()[len("Tensor"):]


class Module:
    """Base class for layers and models: subclass it, set layers in `__init__`, define
    `forward`, and call the module like a function."""

    def __init__(self):
        self.training = True
        self._buffer_names = []

    def forward(self, *args, **kwargs):
        """Compute the output; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    _forward_hooks = None  # {id: hook} once a hook is registered

    def __call__(self, *args, **kwargs):
        if not (self._forward_hooks or hooks.observers):
            return self.forward(*args, **kwargs)
        watched = bool(hooks.observers)
        if watched:
            anomaly.enter_module(self)  # so an anomaly can name the layer it happened in
        try:
            output = self.forward(*args, **kwargs)
        finally:
            if watched:
                anomaly.exit_module()
        for hook in list((self._forward_hooks or {}).values()):
            replaced = hook(self, args, output)
            if replaced is not None:
                output = replaced
        return output

    def register_forward_hook(self, hook):
        """Call `hook(module, args, output)` after every forward (as PyTorch); a hook that
        returns a value replaces the output. Returns a handle whose `remove()` undoes it."""
        if self._forward_hooks is None:
            self._forward_hooks = {}
        key = next(_hook_ids)
        self._forward_hooks[key] = hook
        return hooks.RemovableHandle(self._forward_hooks, key)

    # ---- discovering parameters, buffers and sub-modules -------------------------------
    def register_buffer(self, name, array):
        """Keep an ndarray as non-trained state (saved in state_dict, not given to optimizers)."""
        if "_buffer_names" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__() "
                               f"before register_buffer")
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        setattr(self, name, array)

    def _named_members(self):
        """(name, value) for every attribute value, expanding lists, tuples and dicts one level
        (`layers.0`, `heads.key`). Sequential-like containers override this."""
        for name, value in vars(self).items():
            if name in _BOOKKEEPING:
                continue
            if isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    yield f"{name}.{i}", item
            elif isinstance(value, dict):
                for key, item in value.items():
                    yield f"{name}.{key}", item
            else:
                yield name, value

    def named_children(self):
        """(name, module) for each direct sub-module."""
        for name, value in self._named_members():
            if isinstance(value, Module):
                yield name, value

    def children(self):
        """The direct sub-modules."""
        return (module for _, module in self.named_children())

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module ("") and every module inside it, each once."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(kids))

    def modules(self):
        """This module and every module inside it."""
        return (module for _, module in self.named_modules())

    def named_parameters(self):
        """(dotted name, Parameter) pairs such as ("0.weight", ...); shared ones appear once."""
        seen = set()
        for prefix, module in self.named_modules():
            for name, value in module._named_members():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{prefix}.{name}" if prefix else name), value

    def parameters(self):
        """Every Parameter, in a stable order (what optimizers take)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self):
        """(dotted name, ndarray) for every registered buffer."""
        for name, (module, attribute) in self._buffer_owners():
            yield name, getattr(module, attribute)

    def num_parameters(self, trainable_only=False):
        """Total number of scalar parameters (trainable_only: only those requiring grad)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    # ---- modes and gradients -----------------------------------------------------------
    def train(self, mode=True):
        """Set training mode here and in every sub-module (Dropout, BatchNorm use it)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Set evaluation mode (same as `train(False)`)."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient (set_to_none=False: new zero arrays instead)."""
        for p in self.parameters():
            p.grad = None if set_to_none or p.grad is None else np.zeros_like(p.grad)

    def apply(self, fn):
        """Call fn(module) on every sub-module, then on this one (e.g. to initialise weights,
        as PyTorch's Module.apply); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze (True) every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def to(self, *args, dtype=None, device=None):
        """Cast every floating parameter and buffer: to(np.float64), to("cpu", dtype), to(
        device="cpu"); the device must be the CPU. Returns self. Do it before creating the
        optimizer: parameters get new arrays."""
        for arg in args:
            if devices.is_device(arg):
                device = arg
            else:
                dtype = arg
        devices.check(device)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        for p in self.parameters():
            p.data, p.grad = p.data.astype(dtype), None
        for _, (module, attribute) in self._buffer_owners():
            value = getattr(module, attribute)
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                setattr(module, attribute, value.astype(dtype))
        return self

    def cpu(self):
        """self: simplegrad runs on the CPU."""
        return self

    def cuda(self, device=None):
        """Refused with a clear message: simplegrad runs on the CPU only."""
        return self.to("cuda")

    def double(self):
        """Cast to float64 (for gradient checks and PyTorch comparisons)."""
        return self.to(np.float64)

    def float(self):
        """Cast to float32 (the default)."""
        return self.to(np.float32)

    # ---- saving and loading ------------------------------------------------------------
    def state_dict(self):
        """{dotted name: ndarray copy} of every parameter and buffer, as PyTorch names them."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update((name, np.array(b)) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from a dict (or a .npz path: a saved state dict or a checkpoint) into
        this module. strict=True: missing or unexpected keys are an error; a shape mismatch
        always is. The error is one line naming every offending key."""
        source = "state dict"
        if isinstance(state_dict, (str, os.PathLike)) or hasattr(state_dict, "read"):
            from simplegrad.checkpoint import read_state_dict
            source = str(getattr(state_dict, "name", state_dict))
            state_dict = read_state_dict(state_dict)
        elif not isinstance(state_dict, Mapping):  # an int would be read as a file descriptor
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected a mapping of "
                            f"arrays, a path or an open file, got {type(state_dict).__name__}")
        targets = dict(self.named_parameters())
        buffers = dict(self._buffer_owners())
        expected = [*targets, *buffers]
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets and k not in buffers]
        shapes = []
        unreal = {k: np.asarray(v).dtype for k, v in state_dict.items()
                  if np.asarray(v).dtype.kind not in "biuf"}  # object/complex/text: refused
        for key in expected:
            if key in state_dict and key not in unreal:
                have = np.shape(state_dict[key])
                want = targets[key].shape if key in targets else np.shape(getattr(*buffers[key]))
                if have != want:
                    shapes.append(f"{key} (got {have}, expected {want})")
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if shapes:
            problems.append("shape mismatch: " + ", ".join(shapes))
        if unreal:
            problems.append("not real numbers: " + ", ".join(f"{k} ({d})"
                                                            for k, d in unreal.items()))
        if problems:
            raise ValueError(f"{type(self).__name__}.load_state_dict from {source}: "
                             + "; ".join(problems))
        for key, p in targets.items():
            if key in state_dict:
                p.data[...] = np.asarray(state_dict[key])
        for key, (owner, name) in buffers.items():
            if key in state_dict:
                old = getattr(owner, name)
                setattr(owner, name, np.array(state_dict[key], dtype=np.asarray(old).dtype))
        return self

    def _buffer_owners(self):
        """(dotted name, (module, attribute)) for every buffer, to assign loaded values."""
        for prefix, module in self.named_modules():
            for name in module.__dict__.get("_buffer_names", ()):
                yield (f"{prefix}.{name}" if prefix else name), (module, name)

    def save_state_dict(self, path="checkpoints/model.npz"):
        """Write `state_dict()` to a .npz file atomically (load it with `load_state_dict`),
        creating its folder, as the original simplegrad did."""
        from simplegrad.checkpoint import atomic_savez
        try:
            os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)
        except OSError:
            pass  # atomic_savez reports the problem in one line
        atomic_savez(path, self.state_dict())

    # ---- printing ----------------------------------------------------------------------
    def extra_repr(self):
        """The constructor arguments shown in repr, e.g. "in_dim=2, out_dim=16"."""
        return ""

    def __repr__(self):
        lines = []
        for name, value in self._named_members():
            if isinstance(value, Module):
                body = repr(value).replace("\n", "\n  ")
            elif callable(value) and not isinstance(value, (Tensor, type)):
                body = getattr(value, "__name__", repr(value))
            else:
                continue
            lines.append(f"  ({name}): {body}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ")" if not lines else head + "\n" + "\n".join(lines) + "\n)"
