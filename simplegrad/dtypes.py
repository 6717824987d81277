"""PyTorch's dtype names as NumPy dtypes: `simplegrad.float32 == np.float32`, `t.dtype ==
simplegrad.long`. (This module defines `float`, `int` and `bool`, so it holds nothing else.)"""
import numpy as np


def resolve(value, default=None):
    """A NumPy dtype from a dtype, a type (float is float64, as NumPy and PyTorch) or a name;
    None gives `default`."""
    if value is None:
        return default
    try:
        return np.dtype(value)
    except TypeError:
        raise TypeError(f"not a dtype: {value!r} (use e.g. simplegrad.float32 or np.float64)") \
            from None


float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001
float64 = double = np.dtype(np.float64)
int8, int16, uint8 = np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.uint8)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001

__all__ = ["float16", "half", "float32", "float", "float64", "double", "int8", "int16", "uint8",
           "int32", "int", "int64", "long", "bool"]
