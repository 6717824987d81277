"""Tasks 1 and 2: the two pieces of the backward engine that every op relies on.

A graph node is a `Function` object: the `grad_fn` of a tensor an op made. `node.next_functions`
has one entry per input of that op: another node (a `Function`), a leaf `Tensor` (a tensor you
made, which collects `.grad`), or None (an input that needs no gradient).
Check your work with: simplegrad learn check THIS_FOLDER --task 1
"""
import numpy as np

from simplegrad.autograd import Function


def topological_order(root):
    """Task 1. Return a list of every node `root` depends on, `root` first, in which each node
    comes before all the nodes that feed it (its `next_functions`). Backward runs the nodes in
    this order, so a node runs only once every node that uses its output has sent it a gradient.

    - Put only `Function` nodes in the list (skip leaf tensors and None), each node once.
    - The classic way (micrograd's build_topo): a depth-first search that appends a node after
      all of its inputs have been appended, then reverses the list.
    - Write it with a list as a stack, not with recursion: the grader backpropagates through a
      chain of 100,000 ops, and Python stops recursing after about 1,000 calls.
    - Careful: a node is finished when all of its inputs are, not when you first see it.

    The library's answer: simplegrad/autograd.py, `_topological_order`.
    """
    raise NotImplementedError("task 1: write topological_order in engine.py")


def unbroadcast(grad, shape):
    """Task 2. Sum `grad` down to `shape` and return it as an ndarray of exactly that shape.

    NumPy broadcasting copies an input to fill a bigger result: a (3,) bias added to a (4, 3)
    batch is used once per row. The gradient of a copy is the sum over its copies, so:
    - sum over the leading axes that `shape` does not have ((4, 3) -> (3,): sum axis 0);
    - then sum, keeping the axis, over each axis where `shape` has 1 and `grad` does not
      ((4, 3) -> (4, 1): sum axis 1 with keepdims=True).
    A full sum gives a NumPy scalar: turn it back into an array with np.asarray.

    The library's answer: simplegrad/autograd.py, `_unbroadcast`.
    """
    raise NotImplementedError("task 2: write unbroadcast in engine.py")
