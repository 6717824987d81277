"""The library imports NumPy and nothing else; the public surface is where DESIGN.md says."""
import subprocess
import sys

BLOCKED = ["typer", "rich", "yaml", "datasets", "pandas", "pyarrow", "torch", "scipy", "click",
           "simplegrad_cli"]


def test_simplegrad_imports_only_numpy():
    code = (
        "import sys\n"
        f"for name in {BLOCKED!r}: sys.modules[name] = None\n"
        "import simplegrad\n"
        "from simplegrad import Tensor, nn, optim, no_grad, data\n"
        "from simplegrad.nn import functional as F\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        f"{BLOCKED!r} and sys.modules[m] is not None]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_surface():
    import simplegrad as sg
    for name in ["Tensor", "no_grad", "manual_seed", "nn", "optim", "data", "cat", "stack",
                 "where", "gradcheck", "Function"]:
        assert hasattr(sg, name), name
