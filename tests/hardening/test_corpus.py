"""The bad-input corpus: every row exits with code 2 and prints ONE stderr line that names the
file / key / value and what was expected, and never a traceback.

Every row runs in-process (Typer's CliRunner, fast); a sample of rows (every row with
SIMPLEGRAD_HARDENING_ALL=1) also runs through the installed `simplegrad` command as a real
process with stdin closed and the hub offline. Those processes run in parallel, once.
"""
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from corpus_bombs import BOMB_CASES
from corpus_checkpoint import CHECKPOINT_CASES
from corpus_cli import CLI_CASES
from corpus_config import CONFIG_CASES
from corpus_data import DATA_CASES
from corpus_messages import MESSAGE_CASES
from hardening_helpers import TINY, assert_words, error_line, invoke, offline_env, run
from simplegrad_command import SIMPLEGRAD

CASES = CONFIG_CASES + DATA_CASES + CHECKPOINT_CASES + CLI_CASES + BOMB_CASES + MESSAGE_CASES
RUN_ALL = os.environ.get("SIMPLEGRAD_HARDENING_ALL") == "1"
SAMPLE_EVERY = 20  # without RUN_ALL, every 20th row (and rows marked `real`) runs as a process
REAL = [case for index, case in enumerate(CASES)
        if RUN_ALL or case.real or index % SAMPLE_EVERY == 0]
CASE_TIMEOUT = 30  # seconds; a hang is a failure, not a stuck test run
WORKERS = max(2, min(8, 2 * (os.cpu_count() or 1)))


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def _write(folder, files, base):
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path, base)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _check(case, code, stderr, folder):
    line = error_line(stderr)
    assert code == case.code, (code, line)
    assert_words(line, case.words)
    assert not line.startswith("internal error"), line
    assert not (folder / "pwned").exists()  # no YAML tag or pickle ever ran code


@pytest.fixture(scope="session")
def base_run(tmp_path_factory):
    """A real finished run (last.npz, best.npz) that the checkpoint rows damage."""
    root = tmp_path_factory.mktemp("base")
    (root / "tiny.yaml").write_text(TINY)
    result = invoke("train", root / "tiny.yaml", "--out", root)
    assert result.exit_code == 0, result.stderr
    return root


@pytest.mark.parametrize("case", [c for c in CASES if not c.real_only],
                         ids=[c.id for c in CASES if not c.real_only])
def test_bad_input_in_process(case, base_run, workdir):
    _write(workdir, case.files, base_run)
    result = invoke(*case.args)
    _check(case, result.exit_code, result.stderr, workdir)


@pytest.fixture(scope="session")
def real_results(tmp_path_factory, base_run):
    """{case id: (CompletedProcess, folder)} for the REAL rows, run as parallel processes."""
    root = tmp_path_factory.mktemp("corpus")
    env = offline_env(root)

    def one(index_case):
        index, case = index_case
        folder = root / f"case{index:03d}"
        folder.mkdir()
        _write(folder, case.files, base_run)
        try:
            result = run(case.args, cwd=folder, env=env, timeout=CASE_TIMEOUT)
        except subprocess.TimeoutExpired:
            result = subprocess.CompletedProcess(case.args, None, "", f"timeout {CASE_TIMEOUT}s")
        return case.id, result, folder

    with ThreadPoolExecutor(WORKERS) as pool:
        return {case_id: (result, folder)
                for case_id, result, folder in pool.map(one, enumerate(REAL))}


@pytest.mark.parametrize("case", REAL, ids=[case.id for case in REAL])
def test_bad_input_real_command(real_results, case):
    result, folder = real_results[case.id]
    _check(case, result.returncode, result.stderr, folder)
    if case.args:  # (plain `simplegrad` also shows the help on stdout)
        assert result.stdout == ""


def test_errors_with_stdin_really_closed(tmp_path):
    """Not just /dev/null: with file descriptor 0 closed the command still answers in one line."""
    (tmp_path / "bad.yaml").write_text("seed: -1\n")
    for args, words in [(["validate", "bad.yaml"], ["bad.yaml:1", "seed", "got -1"]),
                        (["info", "none.npz"], ["none.npz", "no such file"]),
                        (["frobnicate"], ["No such command"])]:
        result = subprocess.run([*SIMPLEGRAD, *args], cwd=tmp_path, env=offline_env(tmp_path),
                                preexec_fn=lambda: os.close(0), capture_output=True, text=True,
                                timeout=CASE_TIMEOUT)
        assert result.returncode == 2
        assert_words(error_line(result.stderr), words)
