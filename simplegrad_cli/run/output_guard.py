"""An output path never names an input: compared with each input by identity (another spelling, a
symbolic or hard link is caught), and never inside an input data folder (a new file is data)."""
import os

from simplegrad.data import find_source

from simplegrad_cli.errors import CliError
from simplegrad_cli.run.run_folder import RUN_FILES


def refuse_inputs(out, inputs, option="--out"):
    """A one-line CliError (exit 2) if writing `out` would replace or go into one of `inputs`,
    (path, role) pairs: the same file, or inside a folder (resolved, or a hard link into it)."""
    out = os.fspath(out)
    for path, role in inputs:
        path = os.fspath(path)
        if os.path.isdir(path):
            if _inside(out, path) or _linked_into(out, path):
                raise CliError(f"{out}: is inside {role} {path}, and every file there is "
                               f"input; write it elsewhere", where=option)
        elif _same_file(out, path):
            shown = "" if os.path.abspath(out) == os.path.abspath(path) else f" {path}"
            raise CliError(f"{out}: is {role}{shown}; writing there would replace it; choose "
                           f"another {option}", where=option)


def run_inputs(checkpoint_path, cfg):
    """The inputs of a command reading a checkpoint: the file, its run's records beside it
    and the local data its config trained on."""
    folder = os.path.dirname(os.path.abspath(checkpoint_path))
    inputs = [(checkpoint_path, "the checkpoint being read")]
    inputs += [(os.path.join(folder, name), f"the run's {name}") for name in RUN_FILES
               if os.path.isfile(os.path.join(folder, name))]
    return inputs + data_inputs(cfg.values["data"]["source"])


def data_inputs(source, role="the data source"):
    """[(path, role)] of the local files or folders a data source reads (none for synthetic,
    built-in and hub data)."""
    if not (source or "").strip():
        return []
    return [(path, role) for path in find_source(source).files(source.strip())]


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist (yet): not the same file
        return False


def _inside(out, folder):
    real, top = os.path.realpath(out), os.path.realpath(folder)
    return os.path.commonpath([real, top]) == top


def _linked_into(out, folder):
    """Whether `out` is a hard link to a file under `folder` (only looked for when `out`
    exists with more than one name: a folder of 60,000 images is walked only then)."""
    try:
        if os.stat(out).st_nlink < 2:
            return False
    except OSError:
        return False
    return any(_same_file(os.path.join(root, name), out)
               for root, _, names in os.walk(folder) for name in names)
