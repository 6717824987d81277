"""The graph pictures in docs/images show what the code of docs/how-it-works.md draws today.

Each picture is compared by its text (node labels: op names, shapes, data, gradients), so a
change of Graphviz version that only moves boxes does not matter. After a change to the graphs,
`python tests/test_doc_pictures.py` renders the pictures again (needs Graphviz's `dot`).
"""
import contextlib
import io
import os
import re
import sys
from pathlib import Path

from dot_text import parse, svg_parts

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "how-it-works.md"
PICTURES = {  # picture in docs/images -> the variable holding its DOT text in how-it-works.md
    "autograd_diamond.svg": "diamond_dot",
    "autograd_expression.svg": "dot",
    "autograd_mlp_loss.svg": "mlp_dot",
}


def page_graphs(tmp_path):
    """{picture: Dot} from running the page's code blocks, in order, in `tmp_path`."""
    from test_docs import python_blocks

    namespace, cwd = {"__name__": "__doc__"}, Path.cwd()
    try:
        os.chdir(tmp_path)
        with contextlib.redirect_stdout(io.StringIO()):
            for code, _ in python_blocks(PAGE):
                exec(compile(code, PAGE.name, "exec"), namespace)
    finally:
        os.chdir(cwd)
    return {picture: namespace[name] for picture, name in PICTURES.items()}


def label_lines(dot):
    """Every line of every node label of a DOT text, sorted."""
    nodes, _ = parse(dot)
    return sorted(line for node in nodes.values() for line in node["label"].split("\\n"))


def test_every_picture_is_shown_on_the_page():
    shown = set(re.findall(r"\]\(images/(autograd_\w+\.svg)\)", PAGE.read_text()))
    assert shown == set(PICTURES)


def test_pictures_match_the_code_that_draws_them(tmp_path):
    for picture, dot in page_graphs(tmp_path).items():
        nodes, edges = parse(dot)
        node_count, edge_count, texts = svg_parts(ROOT / "docs" / "images" / picture)
        assert (node_count, edge_count) == (len(nodes), len(edges)), picture
        assert sorted(texts) == label_lines(dot), (
            f"docs/images/{picture} is out of date: run python tests/test_doc_pictures.py")


if __name__ == "__main__":
    import tempfile
    sys.path.insert(0, str(Path(__file__).parent))
    for picture, dot in page_graphs(Path(tempfile.mkdtemp())).items():
        print("wrote", dot.render(ROOT / "docs" / "images" / picture))
