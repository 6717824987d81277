"""`backward(trace=True)`: the table students draw by hand, printed by the engine itself.

One block per node, in the order backward runs them: the gradient of the node's output (the sum
of what its consumers sent it), then what its backward sends to each input, another node (by
its step number) or a leaf. Small gradients are shown whole, large ones by shape and norm.
"""
import numpy as np

from simplegrad import autograd, hooks

SHOWN = 8  # elements: a gradient with more is summarised


def show(array):
    """A gradient in a few characters: the values when small, else shape and norm."""
    array = np.asarray(array)
    if array.size > SHOWN:
        return f"shape {array.shape}, norm {np.linalg.norm(array):.4g}"
    if array.ndim == 0:
        return f"{array.item():.4g}"
    text = np.array2string(array, separator=" ", formatter={"all": lambda v: f"{v:.4g}"})
    return " ".join(text.split())


class Tracer:
    """An observer (hooks.observe) that collects each backward step, for `table()`."""

    def __init__(self, names=None):
        self.steps = []  # (node, its gradient, its inputs' gradients), in run order
        self.names = {id(t): name for name, t in (names or {}).items()}

    def forward(self, ctx, arrays, out):
        pass

    def backward(self, node, grad, in_grads):
        self.steps.append((node, np.array(grad), [None if g is None else np.array(g)
                                                  for g in in_grads], node.next_functions))

    def _target(self, target, number):
        if isinstance(target, autograd.Function):
            step = number.get(target)
            return f"step {step} ({type(target).__name__})" if step else type(target).__name__
        name = self.names.get(id(target))
        return f"leaf {name}" if name else f"leaf of shape {target.shape}"

    def table(self):
        """The collected steps as text, one block per node."""
        number = {node: i for i, (node, *_) in enumerate(self.steps, 1)}
        lines = []
        for i, (node, grad, in_grads, targets) in enumerate(self.steps, 1):
            lines.append(f"step {i}: {type(node).__name__}, gradient of its output {show(grad)}")
            for k, (target, g) in enumerate(zip(targets, in_grads)):
                if target is None or g is None:
                    continue
                lines.append(f"    input {k} -> {self._target(target, number)}: {show(g)}")
        return "\n".join(lines)


def trace_backward(tensor, grad=None, retain_graph=False, names=None, file=None):
    """Run `tensor.backward(grad, retain_graph)` and print (to `file`, default stdout) which
    node ran when and what gradient it sent to each input; `names` ({"x": x, ...}) labels
    leaves. Returns the text."""
    tracer = Tracer(names)
    with hooks.observe(tracer):
        autograd.backward(tensor, grad, retain_graph)
    text = tracer.table()
    print(text, file=file)
    return text
