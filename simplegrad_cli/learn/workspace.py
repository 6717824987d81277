"""A learning folder: laid out from the stubs by `start`, read back by `load` for the grader."""
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from simplegrad_cli.errors import CliError
from simplegrad_cli.learn.tasks import FILES, TASKS, task_table

STUBS = Path(__file__).resolve().parent / "stubs"


def start(folder):
    """Copy the stubs and a README listing the tasks into `folder`, a new or empty folder.
    They are written to a hidden folder first and moved into place at the end, so a failure
    leaves nothing half-written."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise CliError("exists and is not a folder; give a new folder's name", where=folder)
    if path.is_dir() and any(path.iterdir()):
        raise CliError("is not empty; give a new folder (your work there is left alone)",
                       where=folder)
    existing = path.is_dir()
    parent = path if existing else path.absolute().parent
    if not parent.is_dir():
        raise CliError(f"cannot create it: {parent} does not exist", where=folder)
    names = sorted(["README.md", *FILES])
    staging = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=".simplegrad-learn-", dir=parent))
        for name in names:  # the commands they show name this folder
            text = (STUBS / name).read_text().replace("THIS_FOLDER", folder)
            (staging / name).write_text(text.replace("{tasks}", task_table()))
        if existing:
            for name in names:
                os.replace(staging / name, path / name)
            staging.rmdir()
        else:
            staging.chmod(0o777 & ~_umask())  # mkdtemp made it private
            os.replace(staging, path)
    except OSError as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if existing:
            for name in names:
                (path / name).unlink(missing_ok=True)
        raise CliError(f"cannot create it: {error.strerror or error}", where=folder) from None
    return names


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(folder):
    """{task name: the student's piece, or a line saying why it cannot be used}."""
    path = Path(folder)
    if not path.is_dir():
        raise CliError("no such folder; make one with: simplegrad learn start " + folder,
                       where=folder)
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        raise CliError(f"not a learning folder: {', '.join(missing)} missing (make one with: "
                       f"simplegrad learn start NEW_FOLDER)", where=folder)
    modules = {name: _module(path / name) for name in FILES}  # a module, or why it is none
    return {task.name: modules[task.file] if isinstance(modules[task.file], str) else
            getattr(modules[task.file], task.name, f"{task.file} defines no {task.name}")
            for task in TASKS}


def _module(path):
    """The student's file run as a module, or a line saying why it does not load."""
    spec = importlib.util.spec_from_file_location(f"simplegrad_learn_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001  (the student's file: say what it raised)
        return f"{path.name} does not load: {type(error).__name__}: {error}"
    return module
