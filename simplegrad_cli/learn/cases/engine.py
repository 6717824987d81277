"""Cases of tasks 1 and 2 (engine.py): topological order and unbroadcast."""
import numpy as np

from simplegrad import Tensor
from simplegrad.autograd import Function
from simplegrad_cli.learn.checks import case, expect, expect_close, leaf, random


# ---- task 1: topological order ------------------------------------------------------------
ORDER_HINT = ("put a node in the list only after every node it feeds from (its next_functions) "
              "is in it, then reverse the list; only Function nodes go in, each once. A node is "
              "finished when its inputs are, not when you first see it")


def expect_order(order, root):
    """`order` lists every node reachable from `root` once, root first, each before its inputs."""
    reachable, stack = {root}, [root]
    while stack:
        for source in stack.pop().next_functions:
            if isinstance(source, Function) and source not in reachable:
                reachable.add(source)
                stack.append(source)
    order = list(order)
    expect(all(isinstance(node, Function) for node in order),
           f"the list holds {sorted({type(n).__name__ for n in order})}: only Function nodes "
           f"belong in it")
    expect(len(order) == len(set(order)), "a node appears more than once")
    expect(set(order) == reachable, f"the list has {len(order)} nodes, the graph "
                                    f"{len(reachable)}")
    expect(order[0] is root, f"the first node is {type(order[0]).__name__}, not the output's")
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for source in node.next_functions:
            if isinstance(source, Function):
                expect(position[node] < position[source],
                       f"{type(source).__name__} (position {position[source]}) is listed "
                       f"before the {type(node).__name__} that uses its output (position "
                       f"{position[node]}): it would run before that gradient reaches it")


@case(1, "a chain y = (x * 2 + 1) * 3", ORDER_HINT)
def _chain(topological_order):
    y = (leaf(1.0) * 2 + 1) * 3
    expect_order(topological_order(y.grad_fn), y.grad_fn)


@case(1, "the diamond u = 2x, y = u * u + u: x.grad is 26 at x = 3", ORDER_HINT)
def _diamond(topological_order):
    x = leaf(3.0)
    u = x * 2
    y = u * u + u
    expect_order(topological_order(y.grad_fn), y.grad_fn)
    y.backward()
    expect_close(x.grad, 26.0, "x.grad")


@case(1, "a shortcut, as in a residual block: z + f(z) and f(z) + z",
      "z must run after both paths have sent it their gradient, the long one through f too. "
      + ORDER_HINT)
def _shortcut(topological_order):
    for shortcut_first in (True, False):
        x = leaf(0.5)
        z = x * 2
        f = (z * z).tanh() * 3
        y = z + f if shortcut_first else f + z
        expect_order(topological_order(y.grad_fn), y.grad_fn)
        y.backward()
        want = 2 * (1 + 3 * (1 - np.tanh(1.0) ** 2) * 2)  # dy/dz = 1 + 3 tanh'(z²) 2z, z = 1
        expect_close(x.grad, want, "x.grad")


@case(1, "the same tensor twice: y = x * x", "the Mul node appears once in the list, though "
      "both of its inputs are x")
def _twice(topological_order):
    x = leaf([1.0, -2.0])
    y = (x * x).sum()
    expect_order(topological_order(y.grad_fn), y.grad_fn)
    y.backward()
    expect_close(x.grad, [2.0, -4.0], "x.grad")


@case(1, "a chain of 100,000 ops", "no recursion (Python stops after about 1,000 nested calls): "
      "keep the nodes still to finish in a list used as a stack, and remember the nodes seen in "
      "a set, not a list (`in` on a list is slow)")
def _long_chain(topological_order):
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    expect_close(x.grad, 1.0, "x.grad")


# ---- task 2: unbroadcast ------------------------------------------------------------------
UNBROADCAST_HINT = ("first sum over the leading axes `shape` does not have, then (keepdims=True) "
                    "over each axis where `shape` has 1 and grad does not; a full sum gives a "
                    "NumPy scalar: wrap it in np.asarray")


@case(2, "summing (2, 4, 3) down to (3,), (4, 1), (1, 3), (4, 3) and ()", UNBROADCAST_HINT)
def _unbroadcast_shapes(unbroadcast):
    grad = random(2, 4, 3)
    wants = {(3,): grad.sum(axis=(0, 1)), (4, 1): grad.sum(axis=(0, 2))[:, None],
             (1, 3): grad.sum(axis=(0, 1))[None, :], (4, 3): grad.sum(axis=0),
             (2, 4, 3): grad, (): grad.sum()}
    for shape, want in wants.items():
        got = unbroadcast(grad, shape)
        expect(isinstance(got, np.ndarray),
               f"unbroadcast(grad, {shape}) returned a {type(got).__name__}, not an ndarray")
        expect_close(got, want, f"unbroadcast(grad of shape (2, 4, 3), {shape})")


@case(2, "a bias added to a batch: (W + b).sum() gives b.grad = [4, 4, 4]", UNBROADCAST_HINT)
def _bias(unbroadcast):
    b = leaf(np.zeros(3))
    (Tensor(np.ones((4, 3))) + b).sum().backward()
    expect_close(b.grad, [4.0, 4.0, 4.0], "b.grad")


@case(2, "a (3,) tensor used by a broadcasting add and by a multiply", UNBROADCAST_HINT)
def _shared(unbroadcast):
    b = leaf(np.zeros(3))
    ((Tensor(np.ones((4, 1))) + b).sum() + (b * 2).sum()).backward()
    expect_close(b.grad, [6.0, 6.0, 6.0], "b.grad")
