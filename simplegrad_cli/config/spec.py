"""The kinds of registry entry: what a config name builds and what its constructor's signature
cannot say. A `LayerSpec` owns everything the CLI knows about a layer, so `validate`, `graph`,
`train`, `gradcheck`, the schema and the docs ask it and never compare a layer's name."""
import math

import numpy as np

REQUIRED = object()  # the default of a key a config must give


class Arg:
    """What a signature cannot say about one argument: its doc, range, or a config default."""

    def __init__(self, doc, **field):
        self.doc, self.field = doc, field  # field: keyword arguments of schema.Field


class Entry:
    """One config name: what it builds and what its constructor's signature cannot say."""

    def __init__(self, builds, doc, args=None, rename=None, hide=(), one_hot=False,
                 per_weight=None, aliases=()):
        self.builds, self.doc, self.aliases = builds, doc, aliases  # aliases: words users try
        self.args = args or {}  # config key -> Arg
        self.rename = rename or {}  # config key -> constructor argument, where they differ
        self.hide = set(hide)  # constructor arguments a config does not set
        self.one_hot = one_hot  # losses: compare against one-hot labels
        # optimizers: float arrays kept per weight while stepping (moments, momentum, scratch)
        self.per_weight = per_weight or (lambda settings: 0)

    def kwargs(self, args):
        """Constructor keyword arguments from config arguments (lists become tuples)."""
        return {self.rename.get(key, key): tuple(value) if isinstance(value, list) else value
                for key, value in args.items() if key in self.args}


class Input:
    """The per-sample input shape a layer accepts, and the size argument read off it."""

    def __init__(self, ndims, text, size=None, axis=0, window=False, pool=False, hint=None):
        self.ndims, self.text = ndims, text  # accepted len(shape) (None = any), in words
        self.size, self.axis, self.hint = size, axis, hint  # size: argument set to shape[axis]
        # window: kernel_size/padding must fit height and width; pool: padding <= kernel / 2
        self.window, self.pool = window, pool


_AXES = {2: ("length",), 3: ("height", "width")}  # the spatial axes of a (C, ...) sample


class LayerSpec(Entry):
    """A config layer: what it builds, and the per-sample input it takes (`input`, an Input;
    by default any), its output shape (`output(args, shape)`; default: the input's, or a
    window's), its parameter count (`parameters(args)`), whether it needs batch statistics
    (two samples per batch at least) and an input to gradcheck it on. For diagnostics: an
    activation that `zeroes` (ReLU: an exact 0 passes no gradient, a unit always 0 is dead)
    or `saturates` towards (low, high), where its gradient vanishes (sigmoid, tanh)."""

    def __init__(self, builds, doc, args=None, rename=None, hide=(), input=None,
                 parameters=None, output=None, batch_statistics=False, aliases=(), check=None,
                 example=None, zeroes=False, saturates=None):
        super().__init__(builds, doc, args, rename, hide, aliases=aliases)
        self.input = input or Input(None, "any")
        self.parameters = parameters or (lambda args: 0)  # the count, before any allocation
        self.output = output
        self.batch_statistics = batch_statistics
        # check(args) -> (key, problem) or None: a rule between arguments, tested as the config
        # is read (sizes not inferred yet are None) and again once they are
        self.check = check or (lambda args: None)
        self.example = example or {}  # arguments to gradcheck it with, over the defaults
        self.zeroes, self.saturates = zeroes, saturates

    @property
    def inferred(self):
        """The argument read off the input shape (a linear's `in`), if the layer has one."""
        return (self.input.size,) if self.input.size else ()

    def infer(self, args, shape, fail, flattened=False):
        """`args` with null sizes read off the per-sample input `shape`, explicit ones checked
        against it; `fail(key or None, message)` reports a problem (`flattened`: the config
        flattens its data, which is why an image layer may get a vector)."""
        args, need = dict(args), self.input
        if need.ndims and len(shape) not in need.ndims:
            hint = need.hint or ("set data.flatten: false so images keep their (channels, "
                                 "height, width) shape" if flattened else "")
            fail(None, f"expects per-sample input of shape {need.text}, but gets shape "
                       f"{shape}{'; ' + hint if hint else ''}")
        key = need.size
        if key and args[key] is None:
            args[key] = shape[need.axis]
        elif key and args[key] != shape[need.axis]:
            size = shape[need.axis]
            fail(key, f"is {args[key]} but the input to this layer has {size} (per-sample shape "
                      f"{shape}); set it to {size} or leave it out to infer it")
        problem = self.check(args)
        if problem:
            fail(*problem)
        for axis, size in zip(_AXES.get(len(shape), ()), shape[1:] if need.window else ()):
            if size + 2 * args["padding"] < args["kernel_size"]:  # the kernel must fit
                fail("kernel_size", f"kernel_size {args['kernel_size']} is larger than the "
                                    f"input {axis} {size} (+ 2 x padding {args['padding']})")
        if need.pool and args["padding"] * 2 > args["kernel_size"]:
            fail("padding", f"padding {args['padding']} must be at most half of kernel_size "
                            f"{args['kernel_size']}")
        return args

    def output_shape(self, args, shape):
        """The per-sample output shape, worked out from the arguments alone."""
        if self.output is not None:
            return tuple(self.output(args, shape))
        if self.input.window:  # a conv or pooling window slides over each side of (C, L, ...)
            kernel, padding = args["kernel_size"], args["padding"]
            stride = args.get("stride") or kernel
            return (args.get("out", shape[0]),
                    *(max((side + 2 * padding - kernel) // stride + 1, 0) for side in shape[1:]))
        return tuple(shape)

    def activations(self, args, shape, output):
        """Values per sample this layer keeps for backward: its output, and for a window
        layer the unfolded windows (C x k x k values per output pixel, C x k in 1-D)."""
        unfolded = shape[0] * args["kernel_size"] ** (len(shape) - 1) * math.prod(output[1:]) \
            if self.input.window else 0
        return unfolded + math.prod(output)

    def sample(self, fields, seed=0):
        """(arguments, input batch) to gradcheck the layer on in float64: required sizes 3
        (or the spec's example), sizes read off the input filled in from it, values away from
        kinks (|x| >= 0.2)."""
        ndims = self.input.ndims[0] if self.input.ndims else 1
        shape, rng = {1: (3, 4), 2: (2, 2, 6), 3: (2, 2, 5, 5)}[ndims], \
            np.random.default_rng(seed)
        x = rng.uniform(0.2, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
        args = {key: 3 if field.default is REQUIRED else field.default
                for key, field in fields.items()} | self.example
        if self.inferred:
            args[self.input.size] = x.shape[1:][self.input.axis]
        return args, x

    @property
    def converter(self):
        """The ONNX converter of the class it builds (simplegrad.export), or None."""
        from simplegrad.export import LAYERS
        return LAYERS.get(self.builds)
