"""The CLI's import layers: data flows config -> inputs -> run (build, train loop, checkpoint);
ui shows it, trackers send it to TensorBoard, MLflow or W&B, sweep runs many runs, doctor
explains one, commands use all of them, main.py and boundary.py wire them to the command line.
No module imports one of a layer above its own, and there is no import circle (imports inside
functions count)."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "simplegrad_cli"
LAYERS = [  # bottom to top
    {"__init__", "errors", "redact", "words"},
    {"config"}, {"inputs"}, {"run"}, {"ui", "trackers"}, {"sweep", "learn", "doctor"}, {"commands"},
    {"main", "boundary", "__main__"},
]


def _module(path):
    """'run.trainer' for simplegrad_cli/run/trainer.py, 'errors' for simplegrad_cli/errors.py."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def _layer(module):
    first = module.split(".")[0]
    return next(i for i, names in enumerate(LAYERS) if first in names)


def _imports(path):
    """The simplegrad_cli modules `path` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simplegrad_cli"):
            base = node.module.removeprefix("simplegrad_cli").lstrip(".")
            for alias in node.names:
                name = f"{base}.{alias.name}" if base else alias.name
                found.add(name if (PACKAGE / name.replace(".", "/")).with_suffix(".py").exists()
                          or (PACKAGE / name.replace(".", "/")).is_dir() else base or "__init__")
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("simplegrad_cli.") for a in node.names
                      if a.name.startswith("simplegrad_cli.")}
    return found


GRAPH = {_module(path): _imports(path) for path in PACKAGE.rglob("*.py")}


def test_no_module_imports_a_layer_above_its_own():
    above = [(module, imported) for module, imports in GRAPH.items() for imported in imports
             if _layer(imported) > _layer(module)]
    assert not above


def test_the_cli_has_no_import_circle():
    done, path = set(), []

    def visit(module):
        if module in path:
            raise AssertionError(f"import circle: {' -> '.join(path[path.index(module):])}")
        if module in done:
            return
        path.append(module)
        for imported in GRAPH.get(module, ()):
            visit(imported)
        path.pop()
        done.add(module)

    for module in GRAPH:
        visit(module)


def test_no_folder_holds_more_than_twelve_modules():
    for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir())]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 12, folder.relative_to(PACKAGE).as_posix()
