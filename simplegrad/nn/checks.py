"""Constructor argument checks shared by the layers, so `BatchNorm1d(0)` or `LayerNorm(2.5)`
fails at once with a clear TypeError/ValueError (as PyTorch), not later inside an op."""
import numbers


def check_int(value, what, minimum=1):
    """`value` as an int >= minimum (None: any int): a bool, float or text is a TypeError, a
    smaller int a ValueError; `what` names the argument ("BatchNorm1d num_features")."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an integer, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be >= {minimum}, got {value}")
    return int(value)


def check_number(value, what, low=None, high=None, low_inclusive=True):
    """`value` as a float in [low, high] (or (low, high] when not low_inclusive)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    if too_low or (high is not None and value > high) or value != value:
        bounds = f"{'[' if low_inclusive else '('}{low}, {'inf)' if high is None else f'{high}]'}"
        raise ValueError(f"{what} must be in {bounds}, got {value}")
    return value
