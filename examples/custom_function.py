"""A user-defined differentiable op: write forward and backward yourself, then let gradcheck
confirm the backward is right.

Built-in simplegrad ops are written exactly this way. Run: python examples/custom_function.py
"""
import numpy as np

import simplegrad as sg
from simplegrad.autograd import Function
from simplegrad.gradcheck import gradcheck


class Softplus(Function):
    """softplus(x) = log(1 + exp(x)), a smooth ReLU. Its derivative is sigmoid(x)."""

    @staticmethod
    def forward(ctx, x, beta=1.0):
        # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)) never overflows.
        z = beta * x
        ctx.save_for_backward(z)
        ctx.beta = beta
        return (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta

    @staticmethod
    def backward(ctx, grad):
        z, = ctx.saved_tensors
        # d/dx softplus = sigmoid(beta * x) = exp(-log(1 + exp(-z))): never overflows, and
        # keeps tiny values such as sigmoid(-30) = 9.4e-14 (1 - tanh would round them to 0).
        # Return one gradient per positional input (here just x).
        return grad * np.exp(-np.logaddexp(0, -z))


def softplus(x, beta=1.0):
    """Apply the op to a Tensor: `apply` records it so backward can call Softplus.backward."""
    return Softplus.apply(x, beta=beta)


def main():
    x = sg.Tensor(np.array([-30.0, -1.0, 0.0, 2.0, 40.0]), requires_grad=True)
    y = softplus(x).sum()
    y.backward()
    print("softplus(x) =", softplus(x).data)
    print("d/dx        =", x.grad)

    result = gradcheck(lambda t: softplus(t, beta=2.0),
                       [np.random.default_rng(0).normal(size=(3, 4))])
    print("gradcheck:", result.summary())
    return result


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
