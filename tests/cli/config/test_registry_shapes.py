"""Every registry layer's shape-only arithmetic (output shape, parameter count) is what the built
module really does, on the input its LayerSpec gradchecks with and on larger, odd-sized ones."""
import numpy as np
import pytest

from simplegrad import Tensor, no_grad
from simplegrad_cli.config import registry, schema
from simplegrad_cli.run import build

SHAPES = {1: [(4,), (10,)], 2: [(2, 6), (4, 11)], 3: [(2, 5, 5), (4, 9, 7), (2, 12, 16)]}
VARIANTS = {  # arguments beside the defaults, where they change the shape arithmetic
    "conv2d": [{"stride": 2, "padding": 1}], "conv1d": [{"stride": 2, "padding": 1}],
    "conv_transpose2d": [{"stride": 2, "padding": 1, "output_padding": 1}, {"stride": 3}],
    "max_pool2d": [{"kernel_size": 2, "stride": 1, "padding": 1}],
    "avg_pool2d": [{"kernel_size": 2}],
    "adaptive_avg_pool2d": [{"output_size": 1}, {"output_size": 4}],
    "upsample": [{"scale_factor": 1.5, "mode": "bilinear"}, {"scale_factor": 0.5, "mode": "area"},
                 {"size": 7, "scale_factor": None, "mode": "nearest-exact"}],
    "linear": [{"out": 1}], "group_norm": [{"num_groups": 1}],
}


def _cases():
    for name, spec in registry.LAYERS.items():
        ndims = spec.input.ndims if spec.input is not None and spec.input.ndims else (1, 2, 3)
        for index, extra in enumerate([{}, *VARIANTS.get(name, [])]):
            for shape in (shape for n in ndims for shape in SHAPES[n]):
                yield pytest.param(name, extra, shape,
                                   id=f"{name}{index or ''}-{'x'.join(map(str, shape))}")


@pytest.mark.parametrize("name, extra, shape", list(_cases()))
def test_the_pre_pass_knows_each_layers_output_shape_and_parameters(name, extra, shape):
    spec = registry.LAYERS[name]
    args = spec.sample(schema.layer_fields()[name])[0] | extra
    args = spec.infer({key: None if key in spec.inferred else value
                       for key, value in args.items()}, shape,
                      lambda key, message: pytest.fail(f"{name} {shape}: {key}: {message}"))
    module = build.make_layer(name, args)
    module.eval()
    with no_grad():
        out = module(Tensor(np.random.default_rng(0).normal(size=(2, *shape))))
    assert spec.output_shape(args, shape) == out.shape[1:]
    assert spec.parameters(args) == module.num_parameters()
