"""One training run's folder (RUN_FILES): checked before any work, written atomically, and locked
by `fcntl.flock` on `.lock`, which the kernel drops when its process dies."""
import contextlib
import fcntl
import os
import re
import shutil
import socket
import sys

from simplegrad.atomic import write_atomically
from simplegrad.checkpoint import CheckpointError, load_checkpoint

from simplegrad_cli.errors import CliError
from simplegrad_cli.redact import redact
from simplegrad_cli.run.metrics_log import MetricsLog
from simplegrad_cli.run.run_metadata import RunMetadata

RUN_FILES = ("config.yaml", "metrics.jsonl", "last.npz", "best.npz", "diagnostics.jsonl")
LOCK_FILE = ".lock"
MODES = ("new", "overwrite", "continue")  # how `open` takes a folder that already holds a run
# simplegrad.atomic's `.last.npz.<pid>-<hex>.partial`, the older `config.yaml.<pid>.partial`,
# and the oldest `.last.npz.<hex>.partial` (no process id: always debris)
_PARTIAL = re.compile(r"^\.?(?P<base>.+?)\.(?:(?P<pid>\d+)(?:-[0-9a-f]+)?|[0-9a-f]+)\.partial$")


def _alive(pid):
    """Whether a process with this id is running (signal 0 only checks)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


class RunFolder:
    """Paths and safe writes for one run's output folder."""

    def __init__(self, path, mode="new", input_config=None):
        self.path = os.path.expanduser(str(path))  # `--out ~/runs/x` never makes a folder `~`
        self.config, self.metrics, self.last, self.best, self.diagnostics = (
            os.path.join(self.path, name) for name in RUN_FILES)
        self.log, self.diagnostics_log = MetricsLog(self.metrics), MetricsLog(self.diagnostics)
        self.mode, self.input_config = mode, input_config
        self._lock = None

    @classmethod
    def open(cls, path, mode="new", input_config=None):
        """The folder checked for a run in `mode` (one of MODES) and locked if it exists, so a run
        still writing there is refused before any work; a context manager that unlocks."""
        folder = cls(path, mode, input_config)
        folder.check()
        if os.path.isdir(folder.path):
            folder.lock()
        return folder

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.unlock()

    def same_as(self, other):
        """Whether `other` (a folder path) is this run folder, however it is spelled."""
        return same_path(self.path, other)

    def check(self):
        """Refuse what `open` refuses (run again once the folder is locked: it may have changed
        meanwhile)."""
        if os.path.islink(self.path) and not os.path.exists(self.path):
            raise CliError(f"{self.path}: is a symbolic link to {os.readlink(self.path)}, which "
                           "does not exist; create that folder or choose another --out")
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise CliError(f"{self.path}: exists and is not a folder; choose another --out")
        for name in RUN_FILES:
            path = os.path.join(self.path, name)
            if os.path.lexists(path) and not os.path.isfile(path):
                kind = "a folder" if os.path.isdir(path) else "not a regular file"
                raise CliError(f"{path}: is {kind}, where a run keeps its {name} file; move it "
                               "away or choose another --out")
        input_config = self.input_config
        if input_config is not None and same_path(input_config, self.config):
            raise CliError(f"{input_config}: is the config being trained and would be replaced "
                           f"by the run's config.yaml in {self.path}; copy it elsewhere or "
                           "choose another --out")
        existing = [name for name in RUN_FILES if os.path.exists(os.path.join(self.path, name))]
        if existing and self.mode == "new":
            raise CliError(f"{self.path}: already holds a run ({', '.join(existing)}); use "
                           f"--overwrite to replace it, --out DIR for a new folder, or --resume "
                           f"{self.last} to continue it")
        folder = os.path.abspath(self.path)
        while not os.path.exists(folder):  # the closest existing folder must be writable
            folder = os.path.dirname(folder)
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
            raise CliError(f"{self.path}: cannot write there ({folder} is not a writable "
                           "folder); choose another --out")

    def start(self):
        """Create and lock the folder, then remove an earlier run's files when overwriting (and
        any temp files a killed run left)."""
        self.check()
        try:
            os.makedirs(self.path, exist_ok=True)
        except OSError as error:
            raise CliError(f"{self.path}: cannot create the run folder: "
                           f"{error.strerror or error}") from None
        self.lock()
        self.check()  # the folder may have changed meanwhile
        if self.mode == "overwrite":
            for name in RUN_FILES:
                if os.path.lexists(os.path.join(self.path, name)):
                    os.remove(os.path.join(self.path, name))
        self.remove_partials()

    def lock(self):
        """Become the folder's only writer until `unlock` (or this process ends); refuse with
        the other process's pid, host and command while it holds the folder."""
        if self._lock is not None:
            return
        path = os.path.join(self.path, LOCK_FILE)
        while True:
            try:  # only its owner reads it: the command line may name a database
                handle = open(os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600),
                              "a+", encoding="utf-8")
            except OSError as error:
                raise CliError(f"{path}: cannot create the run folder's lock: "
                               f"{error.strerror or error}") from None
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.seek(0)
                holder = redact(" ".join(handle.read().split())) or "another process"
                handle.close()
                raise CliError(f"{self.path}: in use by {holder}; wait for it to finish or "
                               "choose another --out") from None
            if _same_inode(handle, path):  # not a lock file its last holder just removed
                break
            handle.close()
        handle.seek(0)
        handle.truncate()
        os.fchmod(handle.fileno(), 0o600)  # a lock file left by an older version
        command = redact(" ".join(["simplegrad", *sys.argv[1:]]))
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} ({command[:200]})\n")
        handle.flush()
        self._lock = handle

    def unlock(self):
        """Release the lock taken by `lock` and remove its file."""
        if self._lock is None:
            return
        with contextlib.suppress(OSError):
            os.remove(os.path.join(self.path, LOCK_FILE))
        self._lock.close()
        self._lock = None

    def keep_logs_until(self, step, source=None):
        """On resume: keep the metrics and diagnostics of `source` (a RunFolder; default this
        one) written up to the checkpoint's `step` (MetricsLog.keep_until)."""
        source = source or self
        self.log.keep_until(step, source.log)
        self.diagnostics_log.keep_until(step, source.diagnostics_log)

    def adopt(self, source, step, best_epoch):
        """Resuming into a new folder: start it with the source run's metrics and diagnostics
        up to `step` and its best.npz (if that is still the best the checkpoint knows of)."""
        source = RunFolder(source)
        self.keep_logs_until(step, source)
        try:  # a best.npz that is missing, unreadable or newer than the checkpoint: not kept
            keep_best = best_epoch is not None and os.path.isfile(source.best) \
                and RunMetadata.read(load_checkpoint(source.best)).epoch == best_epoch
        except (CheckpointError, OSError, AttributeError):
            keep_best = False
        if keep_best:
            try:
                with open(source.best, "rb") as handle:
                    write_atomically(self.best, lambda file: shutil.copyfileobj(handle, file))
            except OSError as error:
                raise CliError(f"{self.best}: cannot write: {error.strerror or error}") from None

    def remove_partials(self):
        """Delete the temp files (`.last.npz.<pid>-<random>.partial`) a killed run left behind; a
        live process's is its save in progress, and is left alone."""
        for name in os.listdir(self.path):
            found = _PARTIAL.match(name)
            if not found or found["base"] not in RUN_FILES:
                continue
            if found["pid"] and int(found["pid"]) != os.getpid() and _alive(int(found["pid"])):
                continue
            with contextlib.suppress(OSError):
                os.remove(os.path.join(self.path, name))

    def check_space(self, checkpoint_bytes):
        """Fail before training if the disk cannot hold last.npz, best.npz and a temp copy."""
        free = shutil.disk_usage(self.path).free
        need = 3 * checkpoint_bytes + 1_000_000
        if free < need:
            raise CliError(f"{self.path}: only {free / 1e6:.1f} MB free, but checkpoints need "
                           f"about {need / 1e6:.1f} MB; free some space or choose another --out")


def same_path(a, b):
    """Whether two paths name the same file or folder, however they are spelled."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _same_inode(handle, path):
    try:
        return os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
    except OSError:
        return False
