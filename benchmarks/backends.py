"""Which backends can run here: NumPy always, PyTorch if installed, simplegrad if importable.

A backend is a module with NAME, prepare(x, y), build_mlp(weights, lr), build_cnn(weights, lr);
the models it builds have step(x_batch, y_batch) -> float loss.
"""
import importlib

ALL = ("numpy", "torch", "simplegrad")
_MODULES = {"numpy": "benchmarks.numpy_reference", "torch": "benchmarks.torch_reference",
            "simplegrad": "benchmarks.simplegrad_models"}


def load(names=ALL):
    """({name: module} of the runnable backends, {name: why not} for the others)."""
    ready, skipped = {}, {}
    for name in names:
        try:
            module = importlib.import_module(_MODULES[name])
            reason = module.unavailable() if hasattr(module, "unavailable") else None
        except ImportError as exc:
            reason = f"import failed: {exc}"
        if reason:
            skipped[name] = reason
        else:
            ready[name] = module
    return ready, skipped
