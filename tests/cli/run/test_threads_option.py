"""`simplegrad train --threads N` and SIMPLEGRAD_THREADS set the BLAS threads."""
from cli_helpers import one_line

from simplegrad_cli.run.blas_threads import get_num_threads


def test_threads_option_sets_the_blas_threads(cli, write_config):
    result = cli("train", write_config(), "--threads", "1", "--epochs", "1")
    assert result.exit_code == 0, result.stderr
    assert get_num_threads() == 1


def test_zero_threads_is_a_usage_error(cli, write_config):
    result = cli("train", write_config(), "--threads", "0")
    assert result.exit_code == 2
    assert "--threads" in one_line(result)


def test_bad_environment_variable_is_one_line(cli, write_config, monkeypatch):
    monkeypatch.setenv("SIMPLEGRAD_THREADS", "many")
    result = cli("train", write_config(), "--epochs", "1")
    assert result.exit_code == 2
    line = one_line(result)
    assert "SIMPLEGRAD_THREADS" in line and "'many'" in line
