"""`simplegrad graph CONFIG_OR_CHECKPOINT`: one box per layer with its output shape and
parameter count, top to bottom; DOT on stdout, or a .dot/.svg/.png file."""
import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import one_line
from dot_text import parse, svg_parts

ROOT = Path(__file__).resolve().parents[3]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")

# tiny_config.yaml: linear(2 -> 16), relu, linear(16 -> 3)
# (the arguments in the config's own names, as validate shows them)
EXPECTED_LABELS = [r"input (2,)",
                   r"0: linear\nin=2, out=16, bias=true\noutput (16,)\n48 parameters",
                   r"1: relu\noutput (16,)\n0 parameters",
                   r"2: linear\nin=16, out=3, bias=true\noutput (3,)\n51 parameters"]


def labels_in_order(dot):
    """Node labels following the edges from the input: the chain must be a single path."""
    nodes, edges = parse(dot)
    following = dict(edges)
    assert len(following) == len(edges) == len(nodes) - 1
    order, node = [], "input"
    while node is not None:
        order.append(nodes[node]["label"])
        node = following.get(node)
    assert len(order) == len(nodes)
    return order


def test_config_graph_is_dot_on_stdout(cli, write_config):
    result = cli("graph", write_config())
    assert result.exit_code == 0, result.stderr
    assert labels_in_order(result.stdout) == EXPECTED_LABELS
    assert 'label="tiny: 99 parameters"' in result.stdout


def test_checkpoint_graph_needs_no_config_file(cli, write_config, workdir):
    config = write_config()
    assert cli("train", config, "--json").exit_code == 0
    (workdir / config).unlink()
    result = cli("graph", "runs/tiny/best.npz")
    assert result.exit_code == 0, result.stderr
    assert labels_in_order(result.stdout) == EXPECTED_LABELS


def test_dot_file(cli, write_config, workdir):
    config = write_config()
    result = cli("graph", config, "--out", "model.dot")
    assert result.exit_code == 0 and result.stdout == ""
    assert (workdir / "model.dot").read_text() == cli("graph", config).stdout
    assert "wrote model.dot (3 layers" in result.stderr


@needs_dot
def test_svg_and_png_pictures(cli, write_config, workdir):
    from PIL import Image

    config = write_config()
    assert cli("graph", config, "--out", "model.svg").exit_code == 0
    nodes, edges, texts = svg_parts(workdir / "model.svg")
    assert (nodes, edges) == (4, 3)
    assert {"output (16,)", "51 parameters", "2: linear", "tiny: 99 parameters"} <= set(texts)
    assert cli("graph", config, "--out", "model.png").exit_code == 0
    with Image.open(workdir / "model.png") as image:
        image.load()
        width, height = image.size
    assert height > 1.5 * width  # four boxes stacked top to bottom


def test_missing_dot_program_is_one_line(cli, write_config, workdir, monkeypatch):
    import graphviz

    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(("dot",))

    monkeypatch.setattr(graphviz.Source, "pipe", missing)
    result = cli("graph", write_config(), "--out", "model.svg")
    assert result.exit_code == 2
    line = one_line(result)
    assert line.startswith("cannot write model.svg: rendering needs Graphviz's `dot` program")
    assert line.endswith("or use --out FILE.dot")
    assert not list(workdir.glob("model*"))


@pytest.mark.parametrize("args,expected", [
    (["--out", "model.jpg"], "--out: model.jpg: unknown picture format; use a name ending in "
                             ".svg, .png, .dot"),
])
def test_bad_out_is_one_line(cli, write_config, args, expected):
    result = cli("graph", write_config(), *args)
    assert result.exit_code == 2 and one_line(result) == expected


def test_bad_config_and_missing_file_are_one_line(cli, write_config):
    bad = write_config("model:\n  - linear: {out: -1}\n", "bad.yaml")
    result = cli("graph", bad)
    assert result.exit_code == 2 and one_line(result).startswith("bad.yaml:")
    result = cli("graph", "missing.yaml")
    assert result.exit_code == 2 and "missing.yaml" in one_line(result)


def test_help_lists_the_new_commands(cli):
    result = cli("--help")
    assert "export" in result.stdout and "graph" in result.stdout


def test_a_hub_config_is_drawn_offline_with_shapes_unknown(cli, write_config, monkeypatch,
                                                           tmp_path):
    import simplegrad.data
    from simplegrad.data.sources import hub

    monkeypatch.setenv("SIMPLEGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hub, "download", lambda *a, **k: pytest.fail("downloaded the data"))
    monkeypatch.setattr(simplegrad.data, "load", lambda *a, **k: pytest.fail("read the data"))
    config = write_config((ROOT / "configs" / "mnist_cnn.yaml").read_text(), "cnn.yaml")
    result = cli("graph", config)
    assert result.exit_code == 0, result.stderr
    labels = labels_in_order(result.stdout)
    assert labels[0] == "input ?" and labels[1].startswith(r"0: conv2d\nin=?, out=8, ")
    assert r"output ?\n? parameters" in labels[1]
    assert 'label="cnn: ? parameters (input shape unknown: set data.input_shape)"' in result.stdout
    result = cli("graph", config, "--set", "data.input_shape=[1, 28, 28]", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["input_shape"], report["parameters"], report["out"]) == ([1, 28, 28], 9098,
                                                                             None)
    assert report["layers"][0] == {"index": 0, "layer": "conv2d", "output_shape": [8, 28, 28],
                                   "parameters": 80, "arguments": {
                                       "in": 1, "out": 8, "kernel_size": 3, "stride": 1,
                                       "padding": 1, "bias": True}}


def test_set_applies_to_a_config_only(cli, write_config):
    assert cli("train", write_config()).exit_code == 0
    result = cli("graph", write_config(), "--set", "model.0.linear.out=8")
    assert result.exit_code == 0 and "in=2, out=8" in result.stdout
    result = cli("graph", "runs/tiny/best.npz", "--set", "model.0.linear.out=8")
    assert result.exit_code == 2
    assert one_line(result) == ("--set: applies to a config; a checkpoint's model is drawn as it "
                                "was trained")
