"""A deliberately wrong op, for the tests that prove gradient checks catch a bad backward."""
from simplegrad.autograd import Function


class WrongSquare(Function):
    """x * x whose backward is off by 0.01 at one element (flat index 3)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        wrong = 2 * a
        wrong.flat[3] += 0.01  # one bad element
        return grad * wrong
