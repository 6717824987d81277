"""What a learning task's cases (learn/cases/) are made of: the registry (`case`), the `Wrong`
a case raises, saying what it saw, when the student's answer is not right, and shared checks."""
from dataclasses import dataclass

import numpy as np

from simplegrad import Tensor, gradcheck


class Wrong(AssertionError):
    """What a case saw instead of the right answer."""


@dataclass(frozen=True)
class Case:
    title: str
    hint: str
    run: object  # run(solution) raises Wrong (or any error) when the solution is not right


CASES = {}  # task number -> [Case], in the order they run


def case(task, title, hint):
    """Register the decorated function as a case of `task`."""
    def register(run):
        CASES.setdefault(task, []).append(Case(title, hint, run))
        return run
    return register


def expect(condition, message):
    if not condition:
        raise Wrong(message)


def show(value):
    return np.array2string(np.asarray(value), precision=4, separator=", ")


def expect_close(got, want, what):
    """`got` (a gradient or array) equals `want`, with its shape."""
    expect(got is not None, f"{what} is None: no gradient reached it")
    expect(np.shape(got) == np.shape(want),
           f"{what} has shape {np.shape(got)}, expected {np.shape(want)}")
    expect(np.allclose(got, want), f"{what} is {show(got)}, expected {show(want)}")


def leaf(values):
    return Tensor(values, requires_grad=True, dtype=np.float64)


def random(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def expect_gradcheck(fn, inputs):
    result = gradcheck(fn, inputs)
    expect(result.ok, f"gradient check against finite differences: {result.summary()}")
