"""`simplegrad graph CONFIG_OR_CHECKPOINT`: one box per layer with its output shape and
parameter count, top to bottom; DOT on stdout, or a .dot/.svg/.png file."""
import shutil

import pytest
from cli_helpers import one_line
from dot_text import parse, svg_parts

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")

# tiny_config.yaml: linear(2 -> 16), relu, linear(16 -> 3)
EXPECTED_LABELS = [r"input (2,)",
                   r"0: linear\nin_dim=2, out_dim=16, bias=True\noutput (16,)\n48 parameters",
                   r"1: relu\noutput (16,)\n0 parameters",
                   r"2: linear\nin_dim=16, out_dim=3, bias=True\noutput (3,)\n51 parameters"]


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
