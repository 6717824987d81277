"""Scratch buffers for the big temporaries of convolution and pooling, reused from step to step.

An im2col matrix, a padded copy or a column gradient lives for one call and has the same shape
at every training step. Allocating it fresh each time costs more than it seems: the allocator
returns large blocks to the operating system when they are freed, so the next step's block is
new memory and every 4 KiB page of it faults on first touch (a small CNN's training step made
~3,000 such faults, 12 MB, per step). Each thread keeps one buffer per *role* here instead,
grown to the largest size asked for, and hands out a view of it.

A role's buffer is overwritten by the next call that asks for the same role in the same thread,
so a role is only for an array that is dead before its op returns: never an op's output, a
gradient it returns, or anything saved for backward.
"""
import math
import threading

import numpy as np

_buffers = threading.local()  # role -> 1-D uint8 array: one set per thread, no locking


def empty(role, shape, dtype):
    """An uninitialised array of `shape` and `dtype`, in `role`'s reusable buffer."""
    dtype = np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    pool = _buffers.__dict__
    buffer = pool.get(role)
    if buffer is None or buffer.size < size:
        buffer = pool[role] = np.empty(size, dtype=np.uint8)
    return buffer[:size].view(dtype).reshape(shape)


def zeros(role, shape, dtype):
    """Like `empty`, filled with zeros."""
    array = empty(role, shape, dtype)
    array.fill(0)
    return array


def release():
    """Free this thread's scratch buffers (they are made again when next needed)."""
    _buffers.__dict__.clear()
