"""One error vocabulary: the library's InputError family, mapped to exit codes by app.py."""
import simplegrad_cli.errors as cli_errors
from simplegrad.atomic import WriteError
from simplegrad.checkpoint import CheckpointError
from simplegrad.data import DataError
from simplegrad.errors import InputError
from simplegrad_cli.boundary import report as _report


def test_input_error_is_one_located_line():
    error = DataError("no label\ncolumn 'kind'", where="a.yaml:3", path="data.options")
    assert str(error) == "a.yaml:3: data.options: no label column 'kind'"
    assert isinstance(error, (InputError, ValueError))
    assert str(CheckpointError("x.npz: truncated")) == "x.npz: truncated"


def test_the_cli_does_not_shadow_the_library_errors():
    assert not hasattr(cli_errors, "CheckpointError") and not hasattr(cli_errors, "DataError")


def test_library_errors_map_to_exit_code_2_and_their_line():
    assert _report(CheckpointError("x.npz: truncated")) == (2, "x.npz: truncated")
    assert _report(DataError("bad", where="c.yaml:1")) == (2, "c.yaml:1: bad")
    assert _report(WriteError("o.csv", "No space left on device")) == \
        (2, "o.csv: cannot write: No space left on device")
    assert _report(cli_errors.CheckFailed("accuracy 0.5 < 0.9")) == (1, "accuracy 0.5 < 0.9")


def test_no_command_shows_the_help_even_with_global_options():
    from typer.testing import CliRunner

    from simplegrad_cli.main import app

    for args in ([], ["--debug"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2
        assert "Usage: simplegrad" in result.stdout and "Commands" in result.stdout
        assert result.stderr.splitlines()[-1] == \
            "simplegrad: error: missing command (see 'simplegrad --help')"


def test_first_line_of_an_error():
    """How every message quotes an error: its first line, or its type when it says nothing."""
    from simplegrad.errors import first_line

    assert first_line(ValueError("bad value\nTraceback details")) == "bad value"
    assert first_line(OSError()) == "OSError"
    assert first_line(ValueError("  \n ")) == "ValueError"
