"""Containers: Sequential (a pipeline), ModuleList and ModuleDict (hold sub-modules so their
parameters are found, named by position or key)."""
from simplegrad.nn.module import Module


class ModuleList(Module):
    """A list of modules whose parameters the parent finds ("0.weight", ...); no forward."""

    def __init__(self, modules=()):
        super().__init__()
        self._items = list(modules)

    def _named_members(self):
        return ((str(i), m) for i, m in enumerate(self._items))

    def __getitem__(self, index):
        return self._items[index]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def append(self, module):
        """Add a module at the end; returns self."""
        self._items.append(module)
        return self


class Sequential(ModuleList):
    """Apply layers in order. Accepts a list (`Sequential([a, b])`) or arguments
    (`Sequential(a, b)`); items are Modules or plain callables such as `F.relu`.
    Parameters are named by position: "0.weight", "2.bias"."""

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = layers[0]
        for i, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(f"Sequential: item {i} ({type(layer).__name__}) is not a "
                                f"Module or callable")
        super().__init__(layers)

    def forward(self, x):
        for layer in self._items:
            x = layer(x)
        return x

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(self._items[index])
        return self._items[index]


class ModuleDict(Module):
    """A dict of modules named by key ("encoder.weight", ...), read as md["encoder"] or
    md.encoder; no forward."""

    def __init__(self, modules=None):
        super().__init__()
        self._items = dict(modules or {})

    def _named_members(self):
        return iter(self._items.items())

    def __getitem__(self, key):
        return self._items[key]

    def __getattr__(self, name):
        """md.encoder is md["encoder"], as in PyTorch (only called for names not found)."""
        items = self.__dict__.get("_items", {})
        if name in items:
            return items[name]
        raise AttributeError(f"ModuleDict has no attribute or key {name!r}")

    def __setitem__(self, key, module):
        self._items[key] = module

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        """The keys, in insertion order."""
        return self._items.keys()

    def items(self):
        """(key, module) pairs."""
        return self._items.items()

    def values(self):
        """The modules."""
        return self._items.values()
