"""Bad checkpoints, each damaged from a real one and opened with `info`, `eval` and
`train --resume`: every command refuses it in one line naming the file and the problem.

Pickled object arrays are refused, never loaded: their payload would create a file named
`pwned` next to the checkpoint, and the corpus checks that it never appears.
"""
import io
import json
import os
import zipfile

import numpy as np

from corpus_case import Case

CK = "ck.npz"
ALL = ("info", "eval", "resume")
USE = ("eval", "resume")  # problems `info` shows rather than refuses (it only describes)


def _commands(commands):
    argv = {"info": ["info", CK], "eval": ["eval", CK], "resume": ["train", "--resume", CK]}
    return [(name, argv[name]) for name in commands]


def cases(case_id, writer, words, commands=ALL):
    """One row per command for the checkpoint `writer(path, base)` creates as ck.npz."""
    return [Case(f"{case_id} ({name})", args, (CK, *words), {CK: writer})
            for name, args in _commands(commands)]


# ---- ways to damage the real checkpoint base/last.npz -------------------------------------
def raw(data):
    """Write these bytes."""
    return lambda path, base: path.write_bytes(data)


def cut(keep):
    """The real checkpoint cut to `keep(length)` bytes."""
    def write(path, base):
        data = (base / "last.npz").read_bytes()
        path.write_bytes(data[:keep(len(data))])
    return write


def flip(find, offset=40):
    """The real checkpoint with bytes flipped inside the member whose name contains `find`."""
    def write(path, base):
        data = bytearray((base / "last.npz").read_bytes())
        with zipfile.ZipFile(base / "last.npz") as archive:
            info = next(i for i in archive.infolist() if find in i.filename)
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        for i in range(start + offset, start + offset + 8):
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))
    return write


def rezip(drop=(), add=None, compress=False):
    """The real checkpoint's members minus `drop`, plus `add` {name: bytes or
    callable(path) -> bytes}, optionally compressed."""
    def write(path, base):
        mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with zipfile.ZipFile(base / "last.npz") as src, \
                zipfile.ZipFile(path, "w", mode) as out:
            for info in src.infolist():
                if info.filename not in drop:
                    out.writestr(info.filename, src.read(info), mode)
            for name, data in (add or {}).items():
                out.writestr(name, data(path) if callable(data) else data, mode)
    return write


def npy(array, allow_pickle=False):
    """The .npy bytes of `array`."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npz_bytes(**named):
    """The .npz bytes of these arrays."""
    buffer = io.BytesIO()
    np.savez(buffer, **named)
    return buffer.getvalue()


def resave(change):
    """The real checkpoint re-saved after `change(arrays, header)` edits it in place (arrays:
    {name: ndarray}; header: the decoded metadata JSON)."""
    def write(path, base):
        with np.load(base / "last.npz") as archive:
            arrays = {key: archive[key] for key in archive.files}
        header = json.loads(str(arrays.pop("metadata")))
        change(arrays, header)
        np.savez(path, metadata=np.array(json.dumps(header)), **arrays)
    return write


def meta(**changes):
    """resave with the caller's metadata keys changed (None deletes a key)."""
    def change(arrays, header):
        for key, value in changes.items():
            if value is None:
                header["metadata"].pop(key, None)
            else:
                header["metadata"][key] = value
    return resave(change)


def header(**changes):
    """resave with top-level header keys changed (None deletes a key)."""
    def change(arrays, head):
        for key, value in changes.items():
            if value is None:
                head.pop(key, None)
            else:
                head[key] = value
    return resave(change)


def arrays(**changes):
    """resave with arrays replaced; the manifest still describes the old ones."""
    def change(arrays, head):
        arrays.update(changes)
    return resave(change)


def consistent(name, value):
    """resave with an array replaced and the manifest updated to match it."""
    def change(arrays, head):
        arrays[name] = value
        head["arrays"][name] = {"shape": list(value.shape), "dtype": value.dtype.str}
    return resave(change)


def config(change):
    """resave with the stored config edited by `change(config)`."""
    def edit(arrays, head):
        change(head["metadata"]["config"])
    return resave(edit)


class _Payload:
    """Pickles to a call that would create `pwned` next to the checkpoint if ever unpickled."""

    def __init__(self, folder):
        self.folder = folder

    def __reduce__(self):
        return os.system, (f"touch {self.folder}/pwned",)


def pickled(path):
    """.npy bytes of an object array whose unpickling would run code."""
    return npy(np.array([_Payload(path.parent)], dtype=object), allow_pickle=True)


def pickled_raw(path):
    """A bare pickle (not even .npy) with the same payload."""
    import pickle
    return pickle.dumps(_Payload(path.parent))


def _symlink_loop(path, base):
    os.symlink(path.name, path)


def _folder(path, base):
    path.mkdir()
    (path / "last.npz").write_bytes((base / "last.npz").read_bytes())


def _huge_array(path):
    """A .npy header that promises 10**13 float32 values but holds none of them."""
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (10000000000000,), }"
    text = text.ljust(117) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def _flip_file(path, base):
    """Flip bytes in the middle of a file (inside some compressed member)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, middle + 16):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _zip_of(**members):
    """A zip archive holding these raw members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


RANDOM = np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes()

CHECKPOINT_CASES = (
    cases("missing checkpoint", lambda path, base: None, ["no such file"])
    + cases("checkpoint is a folder", _folder, ["is a directory"])
    + cases("symlink loop", _symlink_loop, ["cannot read"])
    + cases("empty checkpoint", raw(b""), ["empty file"])
    + [Case("checkpoint is /dev/null", ["info", "/dev/null"], ("/dev/null", "empty file"))]
    + cases("random bytes", raw(RANDOM), ["not an .npz archive"])
    + cases("text file", raw(b"seed: 0\n"), ["not an .npz archive"])
    + cases("single npy", raw(npy(np.zeros(3))), ["single .npy array"])
    + cases("random bytes after a zip signature", raw(b"PK\x03\x04" + RANDOM),
            ["truncated or damaged"])
    + sum((cases(f"truncated to {name}", cut(keep), ["truncated or damaged"], ("info",))
           for name, keep in [("4 bytes", lambda n: 4), ("100 bytes", lambda n: 100),
                              ("1000 bytes", lambda n: 1000), ("half", lambda n: n // 2),
                              ("all but the directory end", lambda n: n - 22),
                              ("all but one byte", lambda n: n - 1)]), [])
    + cases("truncated to half", cut(lambda n: n // 2), ["truncated or damaged"], USE)
    + cases("zip that is not an npz", raw(_zip_of(**{"a.txt": b"hi"})),
            ["entry 'a.txt' is not a NumPy array", "not a checkpoint"])
    + cases("npz that is not a checkpoint", raw(npz_bytes(weights=np.zeros(3))),
            ["not a simplegrad checkpoint", "no 'metadata' entry"])
    + cases("metadata member not npy", rezip(drop=("metadata.npy",),
                                             add={"metadata": b'{"format": 1}'}),
            ["entry 'metadata' is not a NumPy array"])
    + cases("model member not npy", rezip(drop=("model/0.bias.npy",),
                                          add={"model/0.bias": b"\x00" * 64}),
            ["entry 'model/0.bias' is not a NumPy array"])
    + cases("missing array", rezip(drop=("model/0.bias.npy",)),
            ["damaged checkpoint", "missing arrays: model/0.bias"])
    + cases("extra array", rezip(add={"model/9.weight.npy": npy(np.zeros(3, np.float32))}),
            ["damaged checkpoint", "unexpected arrays: model/9.weight"])
    + cases("wrong shape", arrays(**{"model/0.weight": np.zeros((3, 16), np.float32)}),
            ["model/0.weight has shape (3, 16), expected (2, 16)"])
    + cases("wrong dtype", arrays(**{"model/0.bias": np.zeros(16, np.float64)}),
            ["model/0.bias has dtype float64, expected float32"])
    + cases("shape that does not fit the model",
            consistent("model/0.weight", np.zeros((3, 16), np.float32)),
            ["cannot restore the model", "0.weight"], USE)
    + cases("text that does not fit the model",
            consistent("model/0.bias", np.array(["x"] * 16)), ["model/0.bias", "dtype <U1"],
            USE)
    + cases("complex weights", consistent("model/0.weight", np.ones((2, 16), np.complex64)),
            ["model/0.weight has dtype complex64", "float32"], USE)
    + cases("float64 weights", consistent("model/2.bias", np.ones(3)),
            ["model/2.bias has dtype float64", "float32"], USE)
    + cases("complex optimizer state", consistent("optim/state/0/exp_avg",
                                                  np.ones((2, 16), np.complex64)),
            ["cannot resume", "optimizer.state.0.exp_avg", "float32"], ("resume",))
    + cases("flipped bytes in an array", flip("model/0.weight"), ["model/0.weight", "corrupt"])
    + cases("flipped bytes in the metadata", flip("metadata", 200), ["metadata", "corrupt"])
    + cases("flipped bytes in a compressed member",
            lambda path, base: (rezip(compress=True)(path, base), _flip_file(path, base)),
            ["corrupt"])
    + cases("array promising 10**13 values", rezip(drop=("model/0.bias.npy",),
                                                    add={"model/0.bias.npy": _huge_array}),
            ["model/0.bias"])
    + cases("format version 2", header(format_version=2), ["unsupported", "version 2"])
    + cases("format version 0", header(format_version=0), ["unsupported", "version 0"])
    + cases("format version as text", header(format_version="1"), ["unsupported", "'1'"])
    + cases("no format version", header(format_version=None), ["unsupported", "None"])
    + cases("foreign format", header(format="keras"), ["not a simplegrad checkpoint",
                                                        "keras"])
    + cases("no array manifest", header(arrays=None), ["malformed", "manifest"])
    + cases("bad manifest entry", resave(lambda a, h: h["arrays"].update(
        {"model/0.bias": {"shape": "x"}})), ["bad manifest entry for model/0.bias"])
    + cases("metadata not json", rezip(drop=("metadata.npy",),
                                       add={"metadata.npy": npy(np.array("{not json"))}),
            ["'metadata' entry is not valid JSON"])
    + cases("metadata json list", rezip(drop=("metadata.npy",),
                                        add={"metadata.npy": npy(np.array("[1, 2]"))}),
            ["not a simplegrad checkpoint"])
    + cases("metadata of numbers", rezip(drop=("metadata.npy",),
                                         add={"metadata.npy": npy(np.arange(3))}),
            ["'metadata' entry is not a JSON string"])
    + cases("pickled metadata", rezip(drop=("metadata.npy",), add={"metadata.npy": pickled}),
            ["object array", "refusing to unpickle"])
    + cases("pickled weights", rezip(drop=("model/0.weight.npy",),
                                     add={"model/0.weight.npy": pickled}),
            ["'model/0.weight' is an object array", "refusing"])
    + cases("bare pickle member", rezip(add={"model/evil": pickled_raw}),
            ["'model/evil' is not a NumPy array"])
    + cases("config that no longer validates", config(
        lambda c: c["train"].update(epochs="many")),
        ["stored config no longer validates", "train.epochs", '"many"'], USE)
    + cases("config with an unknown layer", config(
        lambda c: c["model"].__setitem__(1, "swish")),
        ["stored config", "model.1", "unknown layer 'swish'"], USE)
    + cases("config of another shape", config(
        lambda c: c["model"][0]["linear"].update(out=8)),
        ["model.", "is 16 but the input", "has 8"], USE)
    + cases("no config", meta(config=None), ["holds no run config"], USE)
    + cases("config that is a list", meta(config=[1, 2]), ["holds no run config"], USE)
    + cases("no data description", meta(data=None), ["no data description"], ("eval",))
    + cases("data description of the wrong type", meta(data=[1]),
            ["malformed checkpoint metadata", "'data'"])
    + cases("input shape too large to build", meta(data={"input_shape": [100000, 100000],
                                                         "num_classes": 3}),
            ["malformed checkpoint metadata", "'data'"])
    + cases("metrics of the wrong type", meta(metrics={"time_s": []}),
            ["malformed checkpoint metadata", "'metrics'", "numbers"])
    + cases("best value of the wrong type", meta(loop={"best": "high"}),
            ["malformed checkpoint metadata", "'loop'"])
    + cases("optimizer state that is a list", header(optimizer=[1]),
            ["malformed checkpoint metadata", "optimizer state"])
    + cases("no optimizer state", header(optimizer=None), ["cannot resume", "optimizer"],
            ("resume",))
    + cases("loader state of the wrong type", meta(loader="x"), ["malformed", "'loader'"])
    + cases("loader state out of range", resave(
        lambda a, h: h["metadata"]["loader"].update(position=99)),
        ["cannot resume", "position 99"], ("resume",))
    + cases("optimizer step that is not a number", resave(
        lambda a, h: h["optimizer"]["state"]["0"].update(step=None)),
        ["cannot resume", "optimizer.state.0.step", "integer"], ("resume",))
    + cases("optimizer state without its moments", resave(
        lambda a, h: h["optimizer"]["state"]["1"].pop("exp_avg")),
        ["cannot resume", "optimizer.state.1.exp_avg is missing"], ("resume",))
    + cases("loop state with unknown keys", meta(loop={"bogus": 1}), ["cannot resume"],
            ("resume",))
    + cases("loop state of the wrong type", meta(loop=[1]), ["malformed", "'loop'"])
    + cases("random state of the wrong type", meta(rng_state={"state": 1}),
            ["cannot resume", "random generator"], ("resume",))
    + cases("random state that is a list", meta(rng_state=[1]), ["malformed", "'rng_state'"])
    + cases("weights that are infinite", resave(
        lambda a, h: a["model/0.weight"].fill(np.inf)),
        ["cannot resume", "model/0.weight holds NaN or infinite values", "best.npz"],
        ("resume",))
    + cases("optimizer moments that are NaN", resave(
        lambda a, h: a["optim/state/2/exp_avg_sq"].fill(np.nan)),
        ["cannot resume", "optim/state/2/exp_avg_sq holds NaN or infinite values"], ("resume",))
    + [Case(f"weights of dtype {dtype} ({name})", args, (CK, "model/0.weight", "has dtype",
                                                        "expected float32"),
            {CK: resave(lambda a, h, dtype=dtype: a.update(
                {"model/0.weight": np.zeros(a["model/0.weight"].shape, dtype)}))})
       for dtype in ("float64", "int64", "bool", "<U3", "datetime64[s]", "V4")
       for name, args in _commands(ALL)]
)

