"""ZeroPad2d: a border of zeros around each image, as PyTorch's (negative amounts crop)."""
from simplegrad.nn import functional as F
from simplegrad.nn.checks import check_int
from simplegrad.nn.module import Module


class ZeroPad2d(Module):
    """Zeros around the last two dims: `padding` on every side, or (left, right, top, bottom)."""

    def __init__(self, padding: int | tuple[int, int, int, int]):
        super().__init__()
        sides = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * 4
        if len(sides) != 4:
            raise ValueError(f"ZeroPad2d padding must be an int or (left, right, top, bottom), "
                             f"got {padding!r}")
        self.padding = tuple(check_int(side, "ZeroPad2d padding", minimum=None) for side in sides)

    def forward(self, x):
        return F.pad(x, self.padding)

    def extra_repr(self):
        return f"padding={self.padding}"
