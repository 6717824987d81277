"""Draw the autograd graph: `graph(loss)` is the graph `loss.backward()` would walk, as DOT.

Tensors are boxes (shape, dtype, requires_grad; leaves filled, named when you pass
`params=model.named_parameters()`), ops are ellipses named after their Function. Edges follow
the forward pass, inputs at the top; backward walks them bottom-up. `Dot.render` turns the text
into SVG or PNG with Graphviz's `dot` program, through the optional `graphviz` package.
"""
import os

import numpy as np

from simplegrad import hooks
from simplegrad.atomic import write_bytes
from simplegrad.tensor import Tensor
from simplegrad.trace import SHOWN, show

RENDER_FORMATS = ("svg", "png")


class GraphvizMissing(RuntimeError):
    """Rendering needs Graphviz: the `graphviz` Python package and its `dot` program."""


def quote(text):
    """`text` as a DOT double-quoted string (newlines become line breaks)."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def dot_attributes(**attributes):
    """`[key="value", ...]` for a DOT node or graph statement."""
    return "[" + ", ".join(f"{key}={quote(value)}" for key, value in attributes.items()) + "]"


class Dot(str):
    """DOT source text (a `str`) that can render itself to SVG or PNG with Graphviz."""

    def pipe(self, format="svg"):  # noqa: A002  (Graphviz's own argument name)
        """The rendered picture as bytes (format "svg" or "png")."""
        if format not in RENDER_FORMATS:
            raise ValueError(f"cannot render to {format!r}; formats: {', '.join(RENDER_FORMATS)}")
        try:
            import graphviz
        except ImportError:
            raise GraphvizMissing('rendering needs the graphviz package: pip install '
                                  '"simplegrad[plot]" (and Graphviz\'s dot program)') from None
        try:
            return graphviz.Source(str(self)).pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissing("rendering needs Graphviz's `dot` program, which is not "
                                  "installed (apt-get install graphviz, brew install graphviz, "
                                  "or graphviz.org/download); the DOT text itself needs "
                                  "nothing") from None

    def render(self, path):
        """Write the picture to `path`; the format comes from its suffix (.svg, .png, .dot)."""
        path = os.fspath(path)
        suffix = os.path.splitext(path)[1].lower().lstrip(".")
        if suffix == "dot":
            content = str(self).encode()
        elif suffix in RENDER_FORMATS:
            content = self.pipe(suffix)
        else:
            raise ValueError(f"{path}: unknown picture format; use .svg, .png or .dot")
        return write_bytes(path, content)  # never leave half a picture behind

    def _repr_svg_(self):
        """Show the picture inline in Jupyter (the text, when Graphviz is missing)."""
        try:
            return self.pipe("svg").decode()
        except GraphvizMissing:
            return None


def _tensor_label(shape, dtype, requires_grad, name=None, value=None, grad=None):
    lines = [name] if name else []
    lines += [f"{tuple(shape)} {dtype}", "requires_grad" if requires_grad else "no grad"]
    lines += [f"{word} {show(array)}" for word, array in (("data", value), ("grad", grad))
              if array is not None]
    return "\n".join(lines)


class _Recorder:
    """The observer behind `record()`: keeps each op's output and, in backward, the gradient
    of that output, on the graph node itself (where `graph` finds them)."""

    def forward(self, ctx, arrays, out):
        ctx.value = np.array(out) if out.size <= SHOWN else None

    def backward(self, node, grad, in_grads):
        if grad.size <= SHOWN:
            old = node.__dict__.get("grad_value")
            node.grad_value = np.array(grad) if old is None else old + grad


def record():
    """Inside this block ops keep their (small) values and, at backward, their gradients, so
    that `graph(t, values=True, grads=True)` can print them on the picture, as micrograd's
    draw_dot does. The engine keeps nothing it does not need otherwise."""
    return hooks.observe(_Recorder())


def graph(tensor, params=None, title=None, values=False, grads=False):
    """The autograd graph behind `tensor` as DOT source: what `tensor.backward()` would walk.

    `params` names the leaves: `model.named_parameters()` or a dict such as `{"w": w}`. Inputs
    that need no gradient are not part of that walk, so they are not drawn. `values` and
    `grads` print each tensor's data and gradient (up to 8 elements): leaves always have them;
    op outputs when the graph was built, and backward run with `retain_graph=True`, inside
    `with record():`.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"graph() takes a Tensor, got {type(tensor).__name__}")
    if hasattr(params, "items"):
        params = params.items()
    names = {id(p): name for name, p in (params or ())}
    ids = {}
    lines = [f"digraph {quote(title or 'autograd')} {{",
             '  node [fontname="Helvetica", fontsize=11];']

    def node_id(obj):
        if id(obj) not in ids:
            ids[id(obj)] = len(ids)
        return ids[id(obj)]

    def small(array):
        return array if array is not None and np.size(array) <= SHOWN else None

    def add_leaf(leaf, name=None):
        label = _tensor_label(leaf.shape, leaf.dtype, leaf.requires_grad,
                              name or names.get(id(leaf), "leaf"),
                              small(leaf.data) if values else None,
                              small(leaf.grad) if grads else None)
        style = dot_attributes(label=label, shape="box", style="filled", fillcolor="lightblue",
                               comment="leaf")
        lines.append(f"  t{node_id(leaf)} {style};")

    root = tensor.grad_fn
    if root is None:  # a leaf on its own: backward() only seeds its .grad
        add_leaf(tensor)
        return Dot("\n".join(lines + ["}"]) + "\n")
    stack, seen = [root], {id(root)}
    while stack:
        node = stack.pop()
        if node.next_functions is None:
            raise RuntimeError("graph(): backward() has already freed this graph; draw it before "
                               "backward(), or pass retain_graph=True to backward()")
        n = node_id(node)
        if values and "value" not in node.__dict__:
            raise RuntimeError("graph(values=True): the ops kept no values; build the graph "
                               "inside `with simplegrad.viz.record():`")
        output_label = _tensor_label(node.out_shape, node.out_dtype, True,
                                     "output" if node is root else None,
                                     node.__dict__.get("value") if values else None,
                                     node.__dict__.get("grad_value") if grads else None)
        op_style = dot_attributes(label=type(node).__name__, shape="ellipse", comment="op")
        lines.append(f"  op{n} {op_style};")
        lines.append(f"  t{n} {dot_attributes(label=output_label, shape='box', comment='tensor')};")
        lines.append(f"  op{n} -> t{n};")
        for source in node.next_functions:
            if source is None:
                continue
            if id(source) not in seen:
                seen.add(id(source))
                if isinstance(source, Tensor):
                    add_leaf(source)
                else:
                    stack.append(source)
            lines.append(f"  t{node_id(source)} -> op{n};")
    return Dot("\n".join(lines + ["}"]) + "\n")


__all__ = ["graph", "record", "Dot", "GraphvizMissing", "quote", "dot_attributes"]
