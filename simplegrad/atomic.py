"""Write a file all at once or not at all: a hidden temp file beside it, fsync, then rename.

Readers see the old file or the new one, never half of one. The temp file is named
`.<name>.<pid>-<random>.partial`: the writer's process id lets a later run tell a killed
writer's debris from a save still in progress.
"""
import os
import secrets


class WriteError(OSError):
    """A file that could not be written. `str()` is one line, `PATH: cannot write: REASON`;
    `.strerror` is the reason alone and `.filename` the path."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: cannot write: {reason}")
        self.strerror, self.filename = reason, path

    def __str__(self):
        return self.args[0]


def temp_path(path):
    """The hidden, process-stamped temp file that `write_atomically` fills before renaming."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}.{os.getpid()}-{secrets.token_hex(4)}.partial")


def write_atomically(path, write):
    """Call `write(file)` with a binary temp file beside `path`, fsync it and rename it over
    `path`. Raises WriteError when the disk refuses; the temp file never stays behind."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise WriteError(path, f"the folder {folder} does not exist")
    temp = temp_path(path)
    try:
        with open(temp, "xb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except OSError as error:
        _remove_quietly(temp)
        raise WriteError(path, error.strerror or error) from error
    except BaseException:
        _remove_quietly(temp)
        raise
    _sync_folder(folder)
    return path


def write_bytes(path, content):
    """`write_atomically` for bytes already in memory."""
    return write_atomically(path, lambda file: file.write(content))


def write_text(path, text):
    """`write_atomically` for text, stored as UTF-8 exactly as given (no newline translation)."""
    return write_bytes(path, text.encode("utf-8"))


def _sync_folder(folder):
    """Make the rename itself durable (not possible on every platform)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass
