"""simplegrad.viz.graph: the DOT text is the graph backward() walks, and it renders."""
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from dot_text import parse, svg_parts

from simplegrad import Tensor, nn, viz
from simplegrad.nn import functional as F

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def of_kind(nodes, kind):
    return {key: value for key, value in nodes.items() if value["comment"] == kind}


def expression():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    c = Tensor([5.0, 6.0])  # needs no grad: backward does not walk it
    return a, b, ((a * b + a) * c).sum()


def test_expression_graph_has_one_node_per_op_and_marks_leaves():
    a, b, out = expression()
    nodes, edges = parse(viz.graph(out))
    ops = of_kind(nodes, "op")
    assert sorted(op["label"] for op in ops.values()) == ["Add", "Mul", "Mul", "Sum"]
    leaves = of_kind(nodes, "leaf")
    assert len(leaves) == 2 and all(leaf["style"] == "filled" for leaf in leaves.values())
    assert all(r"(2,) float32\nrequires_grad" in leaf["label"] for leaf in leaves.values())
    tensors = of_kind(nodes, "tensor")
    assert len(tensors) == len(ops)  # each op's output
    assert [t["label"] for t in tensors.values() if t["label"].startswith("output")] == \
        [r"output\n() float32\nrequires_grad"]
    # each op has one edge to its output plus one per input that needs grad: Mul(a, b) 2,
    # Add(ab, a) 2, Mul(., c) 1 (c is constant), Sum 1
    into = {op: sum(1 for _, b in edges if b == op) for op in ops}
    assert sorted(into.values()) == [1, 1, 2, 2]
    assert sum(1 for a, _ in edges if a in ops) == len(ops)


def test_mlp_loss_graph_names_parameters_and_shows_shapes_and_dtypes():
    model = nn.Sequential([nn.Linear(3, 5), F.relu, nn.Linear(5, 2)])
    x = np.ones((4, 3), np.float64)
    loss = model(Tensor(x, dtype=np.float64)).cross_entropy_loss(np.array([0, 1, 1, 0]))
    nodes, edges = parse(viz.graph(loss, params=model.named_parameters()))
    labels = sorted(op["label"] for op in of_kind(nodes, "op").values())
    assert labels == ["CrossEntropy", "Linear", "Linear", "ReLU"]
    leaves = sorted(leaf["label"] for leaf in of_kind(nodes, "leaf").values())
    assert leaves == [r"0.bias\n(5,) float32\nrequires_grad",
                      r"0.weight\n(3, 5) float32\nrequires_grad",
                      r"2.bias\n(2,) float32\nrequires_grad",
                      r"2.weight\n(5, 2) float32\nrequires_grad"]
    shapes = sorted(t["label"] for t in of_kind(nodes, "tensor").values())
    assert r"(4, 5) float64\nrequires_grad" in shapes  # the op's real output dtype
    assert len(edges) == 4 + 4 + 3  # op -> output, params into Linear, chained activations


def test_leaves_named_by_a_dict():
    a, b, out = expression()
    nodes, _ = parse(viz.graph(out, params={"a": a, "b": b}))
    assert sorted(n["label"].split("\\n")[0] for n in of_kind(nodes, "leaf").values()) == ["a", "b"]


def test_graph_is_the_one_backward_walks_and_refuses_a_freed_graph():
    a, _, out = expression()
    assert "Sum" in viz.graph(out)
    out.backward()
    with pytest.raises(RuntimeError, match="already freed"):
        viz.graph(out)


def test_a_leaf_alone_and_a_tensor_without_grad():
    nodes, edges = parse(viz.graph(Tensor([1.0], requires_grad=True)))
    assert list(of_kind(nodes, "leaf")) and not edges
    nodes, _ = parse(viz.graph(Tensor(np.array([1, 2]))))
    assert [n["label"] for n in nodes.values()] == [r"leaf\n(2,) int64\nno grad"]


def test_labels_are_quoted():
    assert viz.quote('a "b"\nc\\') == r'"a \"b\"\nc\\"'


def test_render_without_dot_says_what_to_install(monkeypatch, tmp_path):
    import graphviz

    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(("dot",))

    monkeypatch.setattr(graphviz.Source, "pipe", missing)
    with pytest.raises(viz.GraphvizMissing, match="install graphviz"):
        viz.graph(expression()[2]).render(tmp_path / "g.svg")
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_render_dot_text_and_unknown_format(tmp_path):
    dot = viz.graph(expression()[2])
    assert dot.render(tmp_path / "g.dot") == str(tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == dot
    with pytest.raises(ValueError, match="unknown picture format"):
        dot.render(tmp_path / "g.jpg")


@needs_dot
def test_rendered_svg_has_every_node_and_edge(tmp_path):
    dot = viz.graph(expression()[2])
    nodes, edges = parse(dot)
    node_count, edge_count, texts = svg_parts(dot.render(tmp_path / "g.svg"))
    assert node_count == len(nodes) and edge_count == len(edges)
    assert texts.count("Mul") == 2 and "Sum" in texts and "(2,) float32" in texts


@needs_dot
def test_rendered_png_has_the_svg_size(tmp_path):
    from PIL import Image

    dot = viz.graph(expression()[2])
    svg = ET.parse(dot.render(tmp_path / "g.svg")).getroot()
    width_pt, height_pt = (float(svg.get(k).rstrip("pt")) for k in ("width", "height"))
    with Image.open(dot.render(tmp_path / "g.png")) as image:
        image.load()
        width, height = image.size
    # Graphviz draws PNGs at 96 dpi and SVGs in points (72 per inch)
    assert abs(width - width_pt * 96 / 72) <= 2 and abs(height - height_pt * 96 / 72) <= 2
    assert width > 100 and height > 200


def test_values_and_gradients_on_the_picture_inside_record():
    """The diamond of docs/how-it-works.md §2, as micrograd's draw_dot shows it."""
    with viz.record():
        x = Tensor(3.0, requires_grad=True)
        u = x * 2
        y = u * u + u
        y.backward(retain_graph=True)
    nodes, _ = parse(viz.graph(y, params={"x": x}, values=True, grads=True))
    labels = [node["label"].replace("\\n", "\n") for node in nodes.values()
              if "data" in node["label"]]
    assert any(label.startswith("x\n") and "data 3\ngrad 26" in label for label in labels)
    assert any("data 6\ngrad 13" in label for label in labels)  # u: dy/du = 2u + 1
    assert any(label.startswith("output") and "data 42\ngrad 1" in label for label in labels)
    assert any("data 36\ngrad 1" in label for label in labels)  # u * u


def test_values_need_record_and_large_tensors_show_no_values():
    x = Tensor(np.ones(20), requires_grad=True)
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="inside `with simplegrad.viz.record"):
        viz.graph(out, values=True)
    out.backward(retain_graph=True)
    nodes, _ = parse(viz.graph(out, grads=True))  # leaves carry their gradient anyway
    assert not any("grad [" in node["label"] for node in nodes.values())  # 20 elements: too many
