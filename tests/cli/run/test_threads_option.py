"""`simplegrad train --threads N`, `train.threads` and SIMPLEGRAD_THREADS set simplegrad's
threads."""
import pytest
from cli_helpers import one_line

from simplegrad import parallel


@pytest.fixture(autouse=True)
def restore_threads():
    before = parallel.get_num_threads()
    yield
    parallel.set_num_threads(before)


def test_threads_option_and_config_key_set_simplegrad_threads(cli, write_config):
    result = cli("train", write_config(), "--threads", "1", "--epochs", "1")
    assert result.exit_code == 0, result.stderr
    assert parallel.get_num_threads() == 1
    result = cli("train", write_config(), "--set", "train.threads=3", "--epochs", "1",
                 "--overwrite")
    assert result.exit_code == 0, result.stderr
    assert parallel.get_num_threads() == 3


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
