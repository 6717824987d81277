"""Checks that pass when they should fail: a NaN model never passes
`eval --min-accuracy`, empty eval options are refused, and `| head` does not change the
exit code."""
import json
import subprocess

import numpy as np
import pytest

from hardening_helpers import TINY, assert_words, error_line, invoke, offline_env
from simplegrad_command import SIMPLEGRAD


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished tiny run, and a copy of its checkpoint with every weight set to NaN."""
    root = tmp_path_factory.mktemp("run")
    (root / "tiny.yaml").write_text(TINY)
    assert invoke("train", root / "tiny.yaml", "--out", root / "run").exit_code == 0
    arrays = dict(np.load(root / "run" / "last.npz"))
    for name in arrays:
        if name.startswith("model/"):
            arrays[name] = np.full_like(arrays[name], np.nan)
    np.savez(root / "nan.npz", **arrays)
    return root


def test_nan_weights_fail_the_accuracy_gate(trained):
    """Argmax over NaN outputs picks class 0 (a third of spirals): that once passed 0.3."""
    result = invoke("eval", trained / "nan.npz", "--min-accuracy", "0.3")
    assert result.exit_code == 1
    assert_words(result.stderr, ["nan.npz", "not finite", "0.weight", "loss nan",
                                 "fails --min-accuracy 30.00%"])


def test_nan_weights_are_reported_in_json(trained):
    result = invoke("eval", trained / "nan.npz", "--min-accuracy", "0.3", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["passed"] is False
    assert "not finite" in report["not_finite"]


def test_nan_weights_without_a_gate_are_said_but_exit_0(trained):
    result = invoke("eval", trained / "nan.npz")
    assert result.exit_code == 0
    assert "its accuracy means nothing" in result.stderr


def test_a_finite_model_still_passes(trained):
    result = invoke("eval", trained / "run" / "last.npz", "--min-accuracy", "0.1", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["not_finite"] is None


@pytest.mark.parametrize("option", ["--data", "--split", "--plots"])
@pytest.mark.parametrize("value", ["", "  "])
def test_empty_eval_options_are_refused(trained, option, value):
    """`--data ""` used to mean "the checkpoint's own data" without a word."""
    result = invoke("eval", trained / "run" / "last.npz", option, value)
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), [option, "must not be empty"])


@pytest.mark.parametrize("args, code", [(["gradcheck"], 0), (["info", "run/last.npz"], 0),
                                        (["eval", "run/last.npz", "--min-accuracy", "1"], 1)])
def test_a_closed_pipe_keeps_the_exit_code(trained, args, code):
    """`simplegrad gradcheck | head -1` (with pipefail) exits as `gradcheck` alone: the
    reader has gone before the command writes anything, and the command runs on."""
    process = subprocess.Popen([*SIMPLEGRAD, *args], cwd=trained, env=offline_env(trained),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == code, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


def test_pipe_safe_stdout_drops_output_after_the_reader_goes():
    from simplegrad_cli.ui.pipe_safe import PipeSafeStdout

    class Closed:
        writes = 0

        def write(self, text):
            self.writes += 1
            raise BrokenPipeError

        def flush(self):
            raise BrokenPipeError

    stream = Closed()
    out = PipeSafeStdout(stream)
    assert out.write("abc") == 3
    out.flush()
    assert out.write("more") == 4 and stream.writes == 1
