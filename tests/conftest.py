"""The one conftest: fixtures for the library (the float64 finite-difference check and the
optional PyTorch oracle, for any function or a row of the shared op table in simplegrad.testing;
data files) and for the CLI (a work folder, configs, the command in-process and in a process,
hooks into a training run, sweep files, experiment trackers), and the fuzz report of the
hardening tests."""
import contextlib
import json
import os
import signal
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from cli_helpers import TINY
from data_files import idx_bytes, make_mnist_like, write_idx
from hardening_helpers import offline_env
from sweep_helpers import command, env
from tracker_helpers import MLFLOW
from typer.testing import CliRunner

from simplegrad import Tensor
from simplegrad.gradcheck import gradcheck
from simplegrad_cli.main import app


def _check_op(fn, arrays, torch_fn=None, atol=1e-6, **tolerances):
    """gradcheck `fn` on float64 copies of `arrays`; compare with `torch_fn` when torch exists.

    `fn` and `torch_fn` take one tensor per array. Integer arrays are passed through unchanged
    (labels), float arrays become float64 leaves.
    """
    result = gradcheck(fn, [np.array(a) for a in arrays], **tolerances)
    assert result, result.summary()
    if torch_fn is None:
        return
    try:
        import torch
    except ImportError:
        return
    ours = [Tensor(np.array(a, dtype=np.float64), requires_grad=True, dtype=np.float64)
            if np.asarray(a).dtype.kind == "f" else Tensor(np.asarray(a)) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True)
              if np.asarray(a).dtype.kind == "f" else torch.tensor(np.asarray(a)) for a in arrays]
    out, ref = fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6, atol=atol)
    projection = np.random.default_rng(1).standard_normal(out.shape)
    (out * projection).sum().backward()
    (ref * torch.tensor(projection)).sum().backward()
    for mine, other in zip(ours, theirs):
        if mine.requires_grad:
            np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-6, atol=atol)


def _check_float32(fn, arrays, torch_fn=None, rtol=1e-4, atol=1e-5):
    """`fn` on float32 copies of `arrays` keeps float32 in its output and every gradient, and
    agrees with `torch_fn` on the same float32 values (computed in float64) to float32
    rounding. Integer arrays pass through as constants; without torch only dtypes are checked."""
    def leaves(make, arrays):
        return [make(np.asarray(a, np.float32)) if np.asarray(a).dtype.kind == "f" else
                np.asarray(a) for a in arrays]
    ours = leaves(lambda a: Tensor(a, requires_grad=True), arrays)
    out = fn(*ours)
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(t.grad.dtype == np.float32 for t in ours if isinstance(t, Tensor))
    try:
        import torch
    except ImportError:
        return
    theirs = leaves(lambda a: torch.tensor(a.astype(np.float64), requires_grad=True), arrays)
    theirs = [torch.tensor(t) if isinstance(t, np.ndarray) else t for t in theirs]
    ref = torch_fn(*theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    ref.sum().backward()
    for mine, other in zip(ours, theirs):
        if isinstance(mine, Tensor):
            np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=rtol, atol=atol)


@pytest.fixture
def check_float32():
    """Fixture form of `_check_float32` (float32 stays float32, matches PyTorch)."""
    return _check_float32


def _check_case(case, inputs=None, **tolerances):
    """`_check_op` for an OpCase of simplegrad.testing, at its inputs or at `inputs`."""
    try:
        import torch
    except ImportError:
        torch = None
    reference = case.torch_fn(torch) if torch is not None else None
    _check_op(case.fn, case.inputs if inputs is None else inputs, reference, **tolerances)


@pytest.fixture
def check_case():
    """Fixture form of `_check_case` (one row of the shared op table)."""
    return _check_case


@pytest.fixture
def check_op():
    """Fixture form of `_check_op` (gradcheck in float64, then PyTorch where installed)."""
    return _check_op


@pytest.fixture
def rng():
    """A seeded NumPy generator for test inputs."""
    return np.random.default_rng(0)


def _write_pattern_digits(folder, prefix, n, rng):
    """Learnable fake digits as IDX files `{prefix}-images/labels-...`: class k lights up a
    6x4 bar at a k-dependent spot, on noise."""
    labels = rng.permutation(np.arange(n) % 10)
    images = rng.integers(0, 60, (n, 28, 28))
    for k in range(10):
        row, col = 2 + (k // 5) * 12, 1 + (k % 5) * 5
        images[labels == k, row:row + 6, col:col + 4] = 255
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + \
            struct.pack(f">{array.ndim}I", *array.shape)
        (folder / f"{prefix}-{kind}-ubyte").write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def pattern_digits():
    """`write(folder, prefix, n, rng)`: learnable MNIST-style IDX files (see above)."""
    return _write_pattern_digits


@pytest.fixture
def train_hook():
    """train_hook(hook): every in-process `simplegrad train` of this test also gets `hook` (a
    simplegrad_cli.run.hooks.Hook: the seam for watching a run or injecting a fault)."""
    from simplegrad_cli.run.hooks import installed

    with contextlib.ExitStack() as stack:
        def install(hook):
            stack.enter_context(installed(hook))
            return hook
        yield install


@pytest.fixture
def signals_after_step(train_hook):
    """signals_after_step(step, *signums): send ourselves those signals (default Ctrl-C) right
    after that optimizer step of the run being trained."""
    from simplegrad_cli.run.hooks import Hook

    plan = {}

    class Signals(Hook):
        def on_step(self, trainer, step):
            for signum in plan.pop(trainer.state.step, ()):
                os.kill(os.getpid(), signum)

    train_hook(Signals())
    return lambda step, *signums: plan.setdefault(step, []).extend(signums or [signal.SIGINT])


# ---- data files ---------------------------------------------------------------------------
@pytest.fixture
def hf_cache(tmp_path):
    """A private cache folder for `datasets`, so tests never touch ~/.cache/huggingface."""
    return str(tmp_path / "hf-cache")


@pytest.fixture
def table_data():
    """A small tabular dataset: two numeric features, a text column, and string-free labels."""
    rng = np.random.default_rng(0)
    n = 12
    return {"a": rng.normal(size=n).tolist(), "b": rng.normal(size=n).tolist(),
            "name": [f"row{i}" for i in range(n)], "label": (np.arange(n) % 3).tolist()}


@pytest.fixture
def idx_writer():
    """`write_idx(path, array, gz=False)` for tests that build their own IDX files."""
    return write_idx


@pytest.fixture
def mnist_folder(tmp_path):
    """A folder with tiny train (20) and t10k (8) IDX files; returns (folder, arrays)."""
    folder = tmp_path / "mnist"
    return folder, make_mnist_like(folder)


@pytest.fixture
def idx_encoder():
    """`idx_bytes(array)`: the raw IDX encoding, for tests that corrupt it."""
    return idx_bytes


@pytest.fixture
def mnist_maker():
    """`make_mnist_like(folder, n_train, n_test, gz, seed, prefix)`."""
    return make_mnist_like


# ---- the CLI --------------------------------------------------------------------------------
@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Run each test in its own folder (default run folders, runs/NAME, land there), offline,
    with no shared dataset caches."""
    for key, value in offline_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write_config(workdir):
    """write_config(text=TINY, name="tiny.yaml") -> path of a config file in the work dir."""
    def write(text=TINY, name="tiny.yaml"):
        path = workdir / name
        path.write_text(textwrap.dedent(text))
        return str(path.name)
    return write


@pytest.fixture
def cli(workdir):
    """cli(*args) runs `simplegrad ARGS` in-process and returns the Result (exit_code,
    stdout, stderr)."""
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def tiny_yaml(workdir):
    """tiny.yaml, the tiny config, in the work folder (the sweeps' base config)."""
    (workdir / "tiny.yaml").write_text(TINY)


@pytest.fixture
def sweep_file(workdir):
    """sweep_file(text, name="s.yaml") writes a sweep file and returns its name."""
    def write(text, name="s.yaml"):
        (workdir / name).write_text(textwrap.dedent(text))
        return name
    return write


@pytest.fixture
def run(workdir):
    """run(*args) -> CompletedProcess of `simplegrad ARGS` as a real process (trials are
    processes, and Ctrl-C is a signal); `.json` holds the parsed stdout when it is JSON."""
    def go(*args, timeout=600):
        result = subprocess.run(command(*args), cwd=workdir, env=env(), capture_output=True,
                                text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        try:
            result.json = json.loads(result.stdout)
        except ValueError:
            result.json = None
        return result
    return go


# ---- experiment trackers ----------------------------------------------------------------------
def pytest_collection_finish(session):
    """Launch the MLflow server as soon as a collected test needs it: it takes seconds to start,
    so it starts while the tests before it run."""
    import importlib.util

    if importlib.util.find_spec("mlflow") and any(
            "mlflow_server" in getattr(item, "fixturenames", ()) for item in session.items):
        MLFLOW.launch()


@pytest.fixture
def mlflow_server():
    """The URL of a real `mlflow server` (SQLite store, temp artifact root, loopback port),
    shared by the session's tests; `tracker_helpers.MLFLOW.kill()` stops it (the next test to
    ask gets a new one)."""
    pytest.importorskip("mlflow")
    return MLFLOW.url()


@pytest.fixture
def wandb_offline(monkeypatch, workdir):
    """Weights & Biases in offline mode, its settings, caches and staged artifacts in the work
    folder (never the home folder), no network."""
    pytest.importorskip("wandb")
    for name, folder in [("WANDB_DIR", "wandb-dir"), ("WANDB_DATA_DIR", "wandb-data"),
                         ("WANDB_CACHE_DIR", "wandb-cache"), ("WANDB_CONFIG_DIR", "wandb-config")]:
        monkeypatch.setenv(name, str(workdir / folder))
    for name, value in [("WANDB_MODE", "offline"), ("WANDB_SILENT", "true"),
                        ("WANDB_DISABLE_CODE", "true")]:
        monkeypatch.setenv(name, value)
    for name in ("WANDB_PROJECT", "WANDB_ENTITY", "WANDB_API_KEY", "WANDB_RUN_GROUP"):
        monkeypatch.delenv(name, raising=False)


def pytest_terminal_summary(terminalreporter):
    """How many fuzz examples ran, by exit code (with -v, by test and exit code too)."""
    fuzz = sys.modules.get("fuzz_helpers")  # loaded only when the hardening tests ran
    if fuzz is not None:
        for line in fuzz.summary_lines(fuzz.COUNTS, terminalreporter.config.option.verbose > 0):
            terminalreporter.write_line(line)
