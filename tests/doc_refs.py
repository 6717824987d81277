"""Line references in the docs, kept honest: `simplegrad/autograd.py:304 _topological_order`.

A reference is a code span holding a path, a line or a range of lines, and the symbol found
there: `path:LINE NAME` (NAME is defined on LINE), `path:START-END NAME` (NAME spans the lines)
or `path:START-END FIRST to LAST` (from FIRST's first line to LAST's last). NAME is a function,
class or assignment, dotted for methods (`Function.apply`). tests/test_doc_refs.py checks every
reference; after code moves, `python tests/doc_refs.py --fix` rewrites the numbers.
"""
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = re.compile(r"`((?:simplegrad|simplegrad_cli)/[\w/]+\.py):(\d+)(?:-(\d+))? "
                 r"([\w.]+)(?: to ([\w.]+))?`")
DOCS = [ROOT / "README.md", ROOT / "examples" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _definitions(body):
    """{name: node} for the functions, classes and assigned names of a module or class body."""
    found = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        found[name.id] = node
    return found


def locate(path, symbol):
    """(first line, last line) of `symbol` (dotted for methods) in the file `path`."""
    node = ast.parse((ROOT / path).read_text())
    for part in symbol.split("."):
        definitions = _definitions(getattr(node, "body", []))
        if part not in definitions:
            raise LookupError(f"{path} defines no {symbol}")
        node = definitions[part]
    return node.lineno, node.end_lineno


def expected(match):
    """The reference as it should read, computed from the code."""
    path, start, end, first, last = match.groups()
    begin, finish = locate(path, first)
    if last is not None:
        finish = locate(path, last)[1]
    lines = f"{begin}-{finish}" if end is not None or last is not None else f"{begin}"
    return f"`{path}:{lines} {first}" + (f" to {last}`" if last else "`")


def references(text):
    """(the reference as written, as it should be) for each reference in a markdown text."""
    return [(m.group(0), expected(m)) for m in REF.finditer(text)]


def fix(path):
    """Rewrite the line numbers of every reference in the file `path`; True if it changed."""
    text = Path(path).read_text()
    fixed = REF.sub(expected, text)
    if fixed != text:
        Path(path).write_text(fixed)
    return fixed != text


if __name__ == "__main__":
    if sys.argv[1:] != ["--fix"]:
        sys.exit("usage: python tests/doc_refs.py --fix")
    for doc in DOCS:
        if doc.exists() and fix(doc):
            print(f"fixed {doc.relative_to(ROOT)}")
