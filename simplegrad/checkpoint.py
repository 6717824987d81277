"""Checkpoints: a model's arrays, optimizer and scheduler state, and JSON metadata in one .npz.

Layout of the archive (every entry a plain array, so loading never unpickles anything):
  model/<name>     one array per parameter and buffer (`model.state_dict()`)
  optim/<path>     the optimizer's arrays (e.g. optim/state/0/exp_avg)
  sched/<path>     the scheduler's arrays, if any
  extra/<name>     the caller's other arrays (e.g. a fingerprint of the training data)
  metadata         a 0-d string array holding JSON: format and library version, a manifest of
                   every array's shape and dtype, the non-array parts of the optimizer and
                   scheduler state, the RNG state, and the caller's metadata (config, epoch...)
Files are written to a hidden temp file next to the target, fsynced, then renamed over it, so
an interrupted save never leaves half a checkpoint.
"""
import json
from dataclasses import dataclass, field

import numpy as np

from simplegrad.npz_headers import check_members, open_npz
from simplegrad.atomic import WriteError, write_atomically
from simplegrad.errors import InputError

FORMAT_NAME = "simplegrad-checkpoint"
FORMAT_VERSION = 1
METADATA_KEY = "metadata"
_SECTIONS = {"optimizer": "optim", "scheduler": "sched"}


class CheckpointError(InputError):
    """A checkpoint (or state-dict file) that cannot be read, written or used; the message is
    one line naming the file and the problem."""


@dataclass
class Checkpoint:
    """What `load_checkpoint` returns. `metadata` holds the caller's keys plus
    format_version, library_version and rng_state."""

    path: str
    model_state: dict
    optimizer_state: dict = None
    scheduler_state: dict = None
    metadata: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # the `extra` arrays given to save_checkpoint

    def restore(self, model, optimizer=None, scheduler=None, strict=True, restore_rng=True):
        """Load the saved state into `model` (and `optimizer`, `scheduler`, and the global RNG),
        so training continues exactly where it stopped. Returns self."""
        steps = [("model", model, self.model_state)]
        if optimizer is not None:
            steps.append(("optimizer", optimizer, self.optimizer_state))
        if scheduler is not None:
            steps.append(("scheduler", scheduler, self.scheduler_state))
        for what, target, state in steps:
            if state is None:
                raise CheckpointError(f"{self.path}: the checkpoint has no {what} state")
            try:
                if what == "model":
                    target.load_state_dict(state, strict=strict)
                else:
                    target.load_state_dict(state)
            except (ValueError, KeyError, TypeError) as exc:
                raise CheckpointError(f"{self.path}: cannot restore the {what}: "
                                      f"{_one_line(exc)}") from exc
        if restore_rng and self.metadata.get("rng_state") is not None:
            from simplegrad import rng
            try:
                rng.set_state(self.metadata["rng_state"])
            except (ValueError, KeyError, TypeError) as exc:
                raise CheckpointError(f"{self.path}: cannot restore the random generator: "
                                      f"{_one_line(exc)}") from exc
        return self


def save_checkpoint(path, model, optimizer=None, scheduler=None, extra=None, **metadata):
    """Write model (a Module or a state dict), optional optimizer and scheduler state, the RNG
    state, `extra` arrays ({name: ndarray}) and any JSON-able `metadata` (config=...,
    epoch=..., metrics=...) to `path`. Returns the path."""
    import simplegrad
    from simplegrad import rng

    arrays = {}
    model_state = model if isinstance(model, dict) else model.state_dict()
    for name, value in model_state.items():
        arrays[f"model/{name}"] = np.asarray(value)
    for name, value in (extra or {}).items():
        arrays[f"extra/{name}"] = np.asarray(value)
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
              "library_version": getattr(simplegrad, "__version__", "unknown")}
    for section, prefix in _SECTIONS.items():
        owner = optimizer if section == "optimizer" else scheduler
        header[section] = None if owner is None else _split(owner.state_dict(), prefix, arrays)
    for key, value in arrays.items():
        if value.dtype.hasobject:
            raise TypeError(f"save_checkpoint: array {key!r} has dtype object, which cannot be "
                            f"stored safely")
    header["arrays"] = {k: {"shape": list(v.shape), "dtype": v.dtype.str}
                        for k, v in arrays.items()}
    metadata.setdefault("rng_state", rng.get_state())
    header["metadata"] = {key: _jsonable(key, value) for key, value in metadata.items()}
    text = json.dumps(header, sort_keys=True)
    atomic_savez(path, {**arrays, METADATA_KEY: np.array(text)})
    return path


def load_checkpoint(path):
    """Read a checkpoint written by `save_checkpoint`, checking every array against the
    manifest. Raises CheckpointError (one line) for any bad or foreign file."""
    return _read_npz(path, _checkpoint)


def _checkpoint(path, archive):
    """The Checkpoint in the open .npz `archive` (of the file `path`): the metadata first, and
    only then the arrays its manifest lists, so a stray member is refused unread."""
    odd = [name for name in archive.zip.namelist() if not name.endswith(".npy")]
    if odd:
        raise CheckpointError(f"{path}: entry {odd[0]!r} is not a NumPy array (.npy); not a "
                              f"checkpoint written by simplegrad")
    if METADATA_KEY not in archive.files:
        raise CheckpointError(f"{path}: not a simplegrad checkpoint (no '{METADATA_KEY}' entry;"
                              f" a plain state dict loads with Module.load_state_dict)")
    header = _parse_header(path, _read_arrays(path, archive, [METADATA_KEY])[METADATA_KEY])
    names = [key for key in archive.files if key != METADATA_KEY]
    _check_manifest(path, header["arrays"], dict.fromkeys(names))  # names alone, unread
    arrays = _read_arrays(path, archive, names)
    _check_manifest(path, header["arrays"], arrays)
    try:
        model_state = {k[len("model/"):]: v for k, v in arrays.items() if k.startswith("model/")}
        extra = {k[len("extra/"):]: v for k, v in arrays.items() if k.startswith("extra/")}
        states = {s: None if header.get(s) is None else _join(header[s], arrays)
                  for s in _SECTIONS}
        metadata = dict(header.get("metadata") or {})
    except (KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{path}: malformed checkpoint metadata ({_one_line(exc)})") \
            from exc
    for section, state in states.items():
        if state is not None and not isinstance(state, dict):
            raise CheckpointError(f"{path}: malformed checkpoint metadata (the {section} state "
                                  f"is not a mapping)")
    metadata["format_version"] = header["format_version"]
    metadata["library_version"] = header.get("library_version", "unknown")
    return Checkpoint(str(path), model_state, states["optimizer"], states["scheduler"],
                      metadata, extra)


def restore_checkpoint(path, model, optimizer=None, scheduler=None, strict=True,
                       restore_rng=True):
    """`load_checkpoint(path).restore(...)`: put a saved run back into live objects."""
    return load_checkpoint(path).restore(model, optimizer, scheduler, strict, restore_rng)


def read_state_dict(path):
    """{name: ndarray} from a .npz written by `Module.save_state_dict` or a checkpoint's model
    part (what `Module.load_state_dict(path)` uses)."""
    def read(name, archive):
        if METADATA_KEY in archive.files:
            return _checkpoint(name, archive).model_state
        return _read_arrays(name, archive, archive.files)

    return _read_npz(path, read)


def atomic_savez(path, arrays):
    """np.savez through `simplegrad.atomic.write_atomically` (temp file, fsync, rename), so
    readers never see half a file; a failed write is a CheckpointError naming the file."""
    try:
        write_atomically(path, lambda file: np.savez(file, **arrays))
    except WriteError as error:
        raise CheckpointError(str(error)) from error


# ---- helpers -------------------------------------------------------------------------------

def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


def _name(source):
    """How messages name a path, or an open file (by its name when it has one)."""
    return getattr(source, "name", "file object") if hasattr(source, "read") else source


def _read_npz(path, read):
    """read(name, archive) of the .npz file `path` (or an open binary file) opened with
    allow_pickle=False, no member checked or read yet; errors become one line."""
    if hasattr(path, "read"):  # an open file: the caller owns it and closes it
        return _read_archive(_name(path), path, read)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path}: is a directory, not a checkpoint file") from None
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with f:  # we own the file, so it is closed even when NumPy fails half-way
        return _read_archive(path, f, read)


def _read_archive(path, f, read):
    """read(path, archive) of the .npz archive in the open binary file `f`."""
    start = f.tell()
    magic = f.read(6)
    f.seek(start)
    if not magic:
        raise CheckpointError(f"{path}: empty file, not an .npz archive")
    if magic.startswith(b"\x93NUMPY"):
        raise CheckpointError(f"{path}: holds a single .npy array, not an .npz archive")
    if not magic.startswith(b"PK"):
        raise CheckpointError(f"{path}: not an .npz archive (it does not start like a "
                              f"zip file)")
    with open_npz(f, path, CheckpointError, arrays=()) as archive:
        return read(path, archive)


def _read_arrays(path, archive, keys):
    """{key: array} of the named members of an open archive, their declared sizes checked
    before any of them is inflated."""
    try:
        check_members(archive.zip, path, keys)
    except ValueError as exc:
        raise CheckpointError(str(exc)) from None
    return {key: _read_entry(path, archive, key) for key in keys}


def _read_entry(path, archive, key):
    """One array of an open archive; object arrays and damaged entries become one line."""
    try:
        value = archive[key]
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise CheckpointError(f"{path}: entry {key!r} is an object array; refusing to "
                                  f"unpickle it (it could run code)") from None
        raise CheckpointError(f"{path}: entry {key!r} is corrupt ({_one_line(exc)})") from None
    except Exception as exc:  # zlib, CRC and EOF errors of a damaged archive
        raise CheckpointError(f"{path}: entry {key!r} is truncated or corrupt "
                              f"({_one_line(exc)})") from None
    if not isinstance(value, np.ndarray):  # NumPy returns members that are not .npy as bytes
        raise CheckpointError(f"{path}: entry {key!r} is not a NumPy array (.npy); not a "
                              f"checkpoint written by simplegrad")
    return value


def _parse_header(path, raw):
    """Decode and check the JSON metadata entry."""
    if raw.shape != () or raw.dtype.kind != "U":
        raise CheckpointError(f"{path}: '{METADATA_KEY}' entry is not a JSON string")
    try:
        header = json.loads(str(raw[()]))
    except ValueError as exc:
        raise CheckpointError(f"{path}: '{METADATA_KEY}' entry is not valid JSON "
                              f"({_one_line(exc)})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{path}: not a simplegrad checkpoint (format "
                              f"{header.get('format') if isinstance(header, dict) else None!r})")
    version = header.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise CheckpointError(f"{path}: unsupported checkpoint format version {version!r} "
                              f"(this simplegrad reads version {FORMAT_VERSION})")
    if not isinstance(header.get("arrays"), dict):
        raise CheckpointError(f"{path}: malformed checkpoint metadata (no array manifest)")
    return header


def _check_manifest(path, manifest, arrays):
    """Every listed array present with its shape and dtype, and nothing unlisted (with
    `arrays` {name: None}, only the names: the members are not read yet)."""
    missing = [k for k in manifest if k not in arrays]
    extra = [k for k in arrays if k not in manifest]
    problems = []
    if missing:
        problems.append("missing arrays: " + _some(missing))
    if extra:
        problems.append("unexpected arrays: " + _some(extra))
    for key, spec in manifest.items():
        if arrays.get(key) is None:
            continue
        value = arrays[key]
        try:
            shape, dtype = tuple(spec["shape"]), np.dtype(spec["dtype"])
        except (KeyError, TypeError, ValueError):
            problems.append(f"bad manifest entry for {key}")
            continue
        if value.shape != shape:
            problems.append(f"{key} has shape {value.shape}, expected {shape}")
        elif value.dtype != dtype:
            problems.append(f"{key} has dtype {value.dtype}, expected {dtype}")
    if problems:
        raise CheckpointError(f"{path}: damaged checkpoint: " + _some(problems, "; ", "problems"))


def _some(items, separator=", ", noun="", shown=5):
    """The first `shown` items joined, and how many more: a checkpoint with 10,000 stray
    arrays gets a one-line error, not a 169 kB one."""
    text = separator.join(str(item)[:200] for item in items[:shown])
    rest = len(items) - shown
    return text + (f"{separator}and {rest:,} more{' ' + noun if noun else ''}" if rest > 0 else "")


def _split(state, prefix, arrays):
    """JSON skeleton of a nested state, moving each ndarray into `arrays` under prefix/path."""
    if isinstance(state, dict):
        return {str(k): _split(v, f"{prefix}/{k}", arrays) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return [_split(v, f"{prefix}/{i}", arrays) for i, v in enumerate(state)]
    if isinstance(state, np.ndarray):
        arrays[prefix] = state
        return {"__array__": prefix}
    if isinstance(state, np.generic):
        return state.item()
    return state


def _join(skeleton, arrays):
    """Inverse of `_split`: put the arrays back into the JSON skeleton."""
    if isinstance(skeleton, dict):
        if set(skeleton) == {"__array__"}:
            return arrays[skeleton["__array__"]]
        return {k: _join(v, arrays) for k, v in skeleton.items()}
    if isinstance(skeleton, list):
        return [_join(v, arrays) for v in skeleton]
    return skeleton


def _jsonable(key, value):
    """`value` as plain JSON types (NumPy scalars and arrays converted), or a one-line error."""
    def convert(obj):
        if isinstance(obj, (np.generic, np.ndarray)):
            return obj.tolist()
        raise TypeError(type(obj).__name__)
    try:
        return json.loads(json.dumps(value, default=convert))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"save_checkpoint: metadata {key!r} is not JSON-serialisable "
                        f"({_one_line(exc)})") from None


def save(state_dict, path):
    """torch.save for state dicts: write {name: array or Tensor} (or a Module's state dict) to
    a .npz file atomically; read it back with `load`. Other objects are refused: nothing is
    pickled (a checkpoint with optimizer state is `save_checkpoint`)."""
    if hasattr(state_dict, "state_dict") and callable(state_dict.state_dict):
        state_dict = state_dict.state_dict()
    if not isinstance(state_dict, dict) or not all(isinstance(k, str) for k in state_dict):
        raise TypeError(f"save: expected a state dict {{name: array}}, got "
                        f"{type(state_dict).__name__}; simplegrad saves arrays only (.npz, no "
                        f"pickle); use save_checkpoint for a model with its optimizer")
    arrays = {name: np.asarray(getattr(value, "data", value)) for name, value in
              state_dict.items()}
    bad = [name for name, array in arrays.items() if array.dtype.kind not in "biuf"]
    if bad:
        raise TypeError(f"save: {', '.join(bad)} are not arrays of numbers")
    atomic_savez(path, arrays)


def load(path):
    """torch.load for state dicts: {name: ndarray} from a file written by `save`,
    `Module.save_state_dict` or a checkpoint (its model part); no code runs."""
    return read_state_dict(path)
