"""torch.* functions that take a tensor first: `simplegrad.exp(x)` is `x.exp()`,
`simplegrad.sum(x, dim=1)` is `x.sum(dim=1)`, `simplegrad.max(a, b)` is `a.max(b)`, and so on
for every name in NAMES. Each calls the Tensor method of the same name (a NumPy array or a
list becomes a Tensor first), so the method's docstring is the reference.
"""
from simplegrad.tensor import Tensor

NAMES = """
    abs absolute neg negative exp log sqrt rsqrt sigmoid tanh relu sin cos tan asin acos atan
    arcsin arccos arctan sinh cosh asinh acosh atanh arcsinh arccosh arctanh erf log2 log10
    exp2 log1p expm1 reciprocal square sign floor ceil round trunc fix frac clamp clip
    add sub subtract mul multiply div divide true_divide pow maximum minimum matmul dot
    logaddexp remainder fmod floor_divide copysign lerp
    eq ne lt le gt ge isnan isinf isfinite isclose allclose equal
    logical_not logical_and logical_or logical_xor
    sum mean prod max min amax amin var std var_mean std_mean logsumexp norm any all argmax
    argmin cumsum cumprod logcumsumexp cummax cummin sort argsort topk median
    reshape permute transpose swapaxes movedim moveaxis flatten unflatten squeeze unsqueeze
    flip roll split chunk unbind select narrow tril triu diag diagonal repeat_interleave
    gather scatter scatter_add scatter_reduce index_select masked_select masked_fill nonzero
    numel softmax log_softmax clone
""".split()


def _method_as_function(name):
    """torch.<name>(input, ...) as input.<name>(...)."""
    def function(input, *args, **kwargs):  # noqa: A002  (PyTorch's argument name)
        return getattr(input if isinstance(input, Tensor) else Tensor(input), name)(*args,
                                                                                 **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`input.{name}(...)`, as torch.{name}: see Tensor.{name}."
    return function


globals().update({name: _method_as_function(name) for name in NAMES})

__all__ = list(NAMES)
