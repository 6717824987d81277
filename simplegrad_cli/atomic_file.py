"""Write an output file all at once or not at all: into a temp file beside it, then rename."""
import os

from simplegrad_cli.errors import CliError


def write_atomically(path, write):
    """Call `write(temp_path)` and rename the result to `path`; on failure remove the temp
    file and raise one CliError line, so a reader never sees half a file."""
    path = str(path)
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise CliError(f"{path}: the folder {folder} does not exist")
    base, extension = os.path.splitext(os.path.basename(path))
    temp = os.path.join(folder, f".{base}.{os.getpid()}.partial{extension}")
    try:
        write(temp)
        os.replace(temp, path)
    except OSError as error:
        raise CliError(f"{path}: cannot write: {error.strerror or error}") from None
    finally:
        if os.path.exists(temp):
            os.remove(temp)
    return path


def write_text_atomically(path, text):
    """write_atomically for a text file."""
    def write(temp):
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return write_atomically(path, write)
