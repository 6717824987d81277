"""The run folder: config.yaml, metrics.jsonl, last.npz and best.npz of one training run.

Every write is safe: the config is written to a temp file and renamed, metrics are appended
one complete line at a time, and checkpoints are written atomically by simplegrad.checkpoint.
Problems that can be known before training (folder not writable, disk too full, an earlier
run in the way) are reported before any work starts.
"""
import json
import os
import re
import shutil

from simplegrad_cli.errors import CliError

RUN_FILES = ("config.yaml", "metrics.jsonl", "last.npz", "best.npz")
# `.last.npz.<pid>-<hex>.partial`, `config.yaml.<pid>.partial`, and the older
# `.last.npz.<hex>.partial` (no process id: always debris)
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

    def __init__(self, path):
        self.path = os.path.expanduser(str(path))  # `--out ~/runs/x` never makes a folder `~`
        self.config = os.path.join(self.path, "config.yaml")
        self.metrics = os.path.join(self.path, "metrics.jsonl")
        self.last = os.path.join(self.path, "last.npz")
        self.best = os.path.join(self.path, "best.npz")

    def check(self, overwrite=False, resuming=False):
        """Before any work: refuse to mix a new run into an earlier one (unless `overwrite`)
        and make sure the folder can be created and written."""
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
        existing = [name for name in RUN_FILES if os.path.exists(os.path.join(self.path, name))]
        if existing and not resuming and not overwrite:
            raise CliError(f"{self.path}: already holds a run ({', '.join(existing)}); use "
                           f"--overwrite to replace it, --out DIR for a new folder, or --resume "
                           f"{self.last} to continue it")
        folder = os.path.abspath(self.path)
        while not os.path.exists(folder):  # the closest existing folder must be writable
            folder = os.path.dirname(folder)
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
            raise CliError(f"{self.path}: cannot write there ({folder} is not a writable "
                           "folder); choose another --out")

    def prepare(self, overwrite=False, resuming=False):
        """Create the folder, removing an earlier run's files when overwriting."""
        self.check(overwrite, resuming)
        if overwrite and not resuming:
            for name in RUN_FILES:
                if os.path.exists(os.path.join(self.path, name)):
                    os.remove(os.path.join(self.path, name))
        try:
            os.makedirs(self.path, exist_ok=True)
        except OSError as error:
            raise CliError(f"{self.path}: cannot create the run folder: "
                           f"{error.strerror or error}") from None
        self.remove_partials()

    def remove_partials(self):
        """Delete temp files that a killed run left behind (`.last.npz.<pid>-<random>.partial`,
        `config.yaml.<pid>.partial`): they are never checkpoints, only debris. A temp file of
        a process that is still running is its save in progress, and is left alone."""
        for name in os.listdir(self.path):
            found = _PARTIAL.match(name)
            if not found or found["base"] not in RUN_FILES:
                continue
            if found["pid"] and int(found["pid"]) != os.getpid() and _alive(int(found["pid"])):
                continue
            try:
                os.remove(os.path.join(self.path, name))
            except OSError:
                pass

    def check_space(self, checkpoint_bytes):
        """Fail before training if the disk cannot hold last.npz, best.npz and a temp copy."""
        free = shutil.disk_usage(self.path).free
        need = 3 * checkpoint_bytes + 1_000_000
        if free < need:
            raise CliError(f"{self.path}: only {free / 1e6:.1f} MB free, but checkpoints need "
                           f"about {need / 1e6:.1f} MB; free some space or choose another --out")

    def write_text(self, path, text):
        """Write a small text file atomically (temp file + rename)."""
        tmp = f"{path}.{os.getpid()}.partial"
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError as error:
            try:
                os.remove(tmp)
            except OSError:
                pass
            raise CliError(f"{path}: cannot write: {error.strerror or error}") from None

    def append_metrics(self, record):
        """Append one JSON record as one complete line of metrics.jsonl."""
        line = json.dumps(record) + "\n"
        try:
            with open(self.metrics, "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError as error:
            raise CliError(f"{self.metrics}: cannot write: {error.strerror or error}",
                           exit_code=1) from None

    def keep_metrics_until(self, step):
        """On resume: drop records written after the checkpoint's step (and any torn line)."""
        if not os.path.exists(self.metrics):
            return
        kept = []
        with open(self.metrics, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash
                mark = record.get("step", 0) if isinstance(record, dict) else None
                if isinstance(mark, int) and mark <= step:  # null or damaged: dropped too
                    kept.append(json.dumps(record) + "\n")
        self.write_text(self.metrics, "".join(kept))
