"""See the graph: one neuron, o = tanh(x1*w1 + x2*w2 + b), the example of micrograd's lecture.

Prints each backward step (what every node sends to each input), the gradients, and, with
--out, draws the graph with each tensor's data and gradient (needs Graphviz's `dot`). Run:
python examples/see_the_graph.py --out neuron.svg
"""
import argparse

import numpy as np

import simplegrad
from simplegrad import Tensor, viz


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the picture to this .svg or .png file")
    args = parser.parse_args(argv)

    with viz.record():                       # ops keep their values for the picture
        x = Tensor([2.0, 0.0], requires_grad=True, dtype=np.float64)
        w = Tensor([-3.0, 1.0], requires_grad=True, dtype=np.float64)
        b = Tensor(6.8813735870195432, requires_grad=True, dtype=np.float64)
        n = (x * w).sum() + b                # the neuron's input
        o = n.tanh()
        n.retain_grad()                      # keep an intermediate gradient
        simplegrad.trace_backward(o, retain_graph=True, names={"x": x, "w": w, "b": b})
    print(f"o = {float(o):.4f}, do/dn = 1 - o² = {float(n.grad):.4f}")
    print("do/dx =", x.grad, " do/dw =", w.grad, f" do/db = {float(b.grad):.4f}")
    if args.out:
        dot = viz.graph(o, params={"x": x, "w": w, "b": b}, values=True, grads=True)
        print("wrote", dot.render(args.out))


if __name__ == "__main__":
    main()
