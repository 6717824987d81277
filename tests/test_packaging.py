"""Every third-party package the tests import is installed by the `test` extra (or is a runtime
dependency), so the README's test command runs every test on a fresh machine."""
import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCAL = {"simplegrad", "simplegrad_cli", "benchmarks", "tests", "conftest"}
ORACLES = {"torch"}  # the optional PyTorch reference: its tests skip without it, by design


def _requirement_names(requirements):
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-")
            for r in requirements}


def _imported_modules(folder):
    """Top-level module names imported anywhere (also inside functions, and by importorskip)."""
    names = set()
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip"
                  and node.args and isinstance(node.args[0], ast.Constant)):
                names.add(node.args[0].value.split(".")[0])
    return names


def test_every_package_a_test_imports_is_in_the_test_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    allowed = _requirement_names(project["dependencies"])
    allowed |= _requirement_names(project["optional-dependencies"]["test"])
    local = LOCAL | {p.stem for folder in ("tests", "examples")
                     for p in (ROOT / folder).rglob("*.py")}
    third_party = {name for name in _imported_modules(ROOT / "tests") | _imported_modules(
        ROOT / "benchmarks") if name not in sys.stdlib_module_names and name not in local}
    distributions = packages_distributions()
    missing = []
    for module in sorted(third_party - ORACLES):
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not dists & allowed:
            missing.append(f"{module} (from {sorted(dists)})")
    assert not missing, f"imported by tests but not in the test extra: {missing}"


def test_pytest_says_why_tests_skip():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    assert "-rs" in options["ini_options"]["addopts"].split()


def test_the_torch_extra_is_a_range_and_ci_pins_the_build_it_tests():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch = project["optional-dependencies"]["torch"]
    assert len(torch) == 1 and "==" not in torch[0] and ">=" in torch[0] and "<" in torch[0]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    pinned = next(i for i, line in enumerate(ci) if 'pip install -q "torch==' in line)
    assert pinned < next(i for i, line in enumerate(ci) if 'pip install -e ".[test]"' in line)
