"""simplegrad_cli.run.blas_threads: BLAS thread control, SIMPLEGRAD_THREADS, and its one-line errors."""
import os
import subprocess
import sys

import pytest

from simplegrad_cli.run import blas_threads as threads

threadpoolctl = pytest.importorskip("threadpoolctl")


@pytest.fixture
def restore_blas_threads():
    """Put NumPy's BLAS thread count and the BLAS variables back after the test."""
    before = threads.get_num_threads()
    saved = {name: os.environ.get(name) for name in threads.BLAS_ENV_VARS}
    yield
    threadpoolctl.threadpool_limits(limits=before, user_api="blas")
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_set_num_threads_changes_blas_and_environment(restore_blas_threads):
    assert threads.set_num_threads(1) == 1
    assert threads.get_num_threads() == 1
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"  # child processes inherit it


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5", ""])
def test_environment_variable_errors_name_the_variable(value):
    if not value:
        assert threads.threads_from_environment({threads.ENV_VAR: value}) is None
        return
    with pytest.raises(ValueError, match="SIMPLEGRAD_THREADS must be a whole number"):
        threads.threads_from_environment({threads.ENV_VAR: value})


@pytest.mark.parametrize("value", [0, True, "x"])
def test_bad_counts_are_rejected(value):
    with pytest.raises(ValueError, match=">= 1"):
        threads.set_num_threads(value)


def test_configure_threads_precedence(restore_blas_threads):
    env = {threads.ENV_VAR: "2"}
    assert threads.configure_threads(1, environ=env) == 1  # the explicit value wins
    assert threads.threads_from_environment(env) == 2
    assert threads.configure_threads(None, environ={}) == threads.DEFAULT_THREADS
    with pytest.raises(ValueError, match="--threads"):
        threads.configure_threads(0)


LOAD_STANDALONE = ("import sys, importlib.util; "
                   "spec = importlib.util.spec_from_file_location('t', sys.argv[1]); "
                   "t = importlib.util.module_from_spec(spec); spec.loader.exec_module(t); ")


def test_set_before_numpy_loads_reaches_blas_through_the_environment():
    code = LOAD_STANDALONE + ("t.set_num_threads(1); import numpy; "
                              "print('numpy' in sys.modules, t.get_num_threads())")
    env = {k: v for k, v in os.environ.items() if k not in threads.BLAS_ENV_VARS}
    out = subprocess.run([sys.executable, "-c", code, threads.__file__], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "1"]


def test_module_imports_neither_numpy_nor_threadpoolctl():
    code = LOAD_STANDALONE + "print('numpy' in sys.modules, 'threadpoolctl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code, threads.__file__], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_default_is_skipped_quietly_without_threadpoolctl(monkeypatch, restore_blas_threads):
    import builtins
    real_import = builtins.__import__

    def no_threadpoolctl(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError("no threadpoolctl here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_threadpoolctl)
    assert threads.configure_threads(None, environ={}) is None  # the default: no error
    with pytest.raises(RuntimeError, match="needs threadpoolctl"):
        threads.configure_threads(2)  # asked for explicitly: say what is missing
