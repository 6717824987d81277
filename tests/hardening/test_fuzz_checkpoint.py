"""Property-based fuzzing of checkpoints: a real checkpoint truncated, with bytes flipped, with
zip members dropped, renamed or duplicated, or with its JSON metadata or arrays changed, is
opened with `info`, `eval` and `train --resume`; none of them ever shows a traceback. Each
exits 0 (the damage did not matter) or 2 with one line (1 only for a resumed run that
diverged)."""
import io
import itertools
import json
import types
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_helpers import assert_clean, count, fuzz
from hardening_helpers import TINY, invoke
from simplegrad_cli.run import trainer as train

COMMANDS = (("info", "ck.npz"), ("eval", "ck.npz"),
            ("train", "--resume", "ck.npz", "--epochs", "3"))
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 10**6), st.integers(-10**20, 10**20),
              st.floats(allow_nan=False), st.text(max_size=8),
              st.sampled_from(["0.weight", "model/0.weight", "adam", "train", "<f4", "|O"])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=5)


class Original(bytes):
    """The bytes of the real checkpoint, with a short repr for hypothesis' reports."""

    def __repr__(self):
        return f"<last.npz, {len(self)} bytes>"


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """The bytes of a real last.npz (epoch 2 of a tiny run), the same bytes on every run: a
    relative --out and a fake clock for the timings (np.savez dates every member 1980-01-01),
    so the default run fuzzes the same inputs each time."""
    root = tmp_path_factory.mktemp("fuzz-checkpoint")
    (root / "tiny.yaml").write_text(TINY)
    ticks = itertools.count()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr(train, "time", types.SimpleNamespace(monotonic=lambda: next(ticks) / 64))
        result = invoke("train", "tiny.yaml", "--out", "run")
    assert result.exit_code == 0, result.stderr
    return Original((root / "run" / "last.npz").read_bytes())


def _open_with_every_command(workdir, data, test):
    (workdir / "ck.npz").write_bytes(data)
    for command in COMMANDS:
        result = invoke(*command)
        assert_clean(result, allowed=(0, 1, 2), what=(test, command[0]))
        count(f"checkpoint {test} {command[0]}", result.exit_code)
        (workdir / "ck.npz").write_bytes(data)  # a resumed run overwrites it


@fuzz(80)
@given(fraction=st.floats(0, 1, exclude_max=True))
def test_truncated(workdir, original, fraction):
    _open_with_every_command(workdir, original[:int(len(original) * fraction)], "truncated")


@fuzz(100)
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
                      min_size=1, max_size=8))
def test_flipped_bytes(workdir, original, flips):
    data = bytearray(original)
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    _open_with_every_command(workdir, bytes(data), "flipped")


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _zip(members):
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # "Duplicate name": we mean it
        for name, payload in members:
            archive.writestr(name, payload)
    return buffer.getvalue()


@fuzz(120)
@given(data=st.data())
def test_zip_members_dropped_renamed_or_duplicated(workdir, original, data):
    members = _members(original)
    names = [name for name, _ in members]
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(members) - 1))
        name, payload = members[index]
        action = data.draw(st.sampled_from(["drop", "rename", "duplicate", "swap", "strip"]))
        if action == "drop" and len(members) > 1:
            del members[index]
        elif action == "rename":
            new = data.draw(st.sampled_from(names) | st.text(
                st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1,
                max_size=12))
            members[index] = (new, payload)
        elif action == "duplicate":
            members.append((name, members[data.draw(st.integers(0, len(members) - 1))][1]))
        elif action == "swap":  # another member's bytes under this name
            members[index] = (name, members[data.draw(st.integers(0, len(members) - 1))][1])
        elif action == "strip":  # keep the name, drop the .npy framing
            members[index] = (name.removesuffix(".npy"), payload)
    _open_with_every_command(workdir, _zip(members), "zip")


def _json_paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _json_paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _json_paths(value, prefix + (index,))


def _arrays_and_header(data):
    with np.load(io.BytesIO(data)) as archive:
        arrays = {key: archive[key] for key in archive.files}
    return arrays, json.loads(str(arrays.pop("metadata")))


def _npz(arrays, header):
    buffer = io.BytesIO()
    np.savez(buffer, metadata=np.array(json.dumps(header)), **arrays)
    return buffer.getvalue()


@fuzz(120)
@given(data=st.data())
def test_metadata_changed(workdir, original, data):
    arrays, header = _arrays_and_header(original)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from([p for p in _json_paths(header) if p]))
        parent = header
        for part in path[:-1]:
            parent = parent[part]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON_VALUES)
    _open_with_every_command(workdir, _npz(arrays, header), "metadata")


DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.bool_, np.float16,
                          np.complex64, "U3", "S2"])


@fuzz(80)
@given(data=st.data())
def test_arrays_changed(workdir, original, data):
    arrays, header = _arrays_and_header(original)
    name = data.draw(st.sampled_from(sorted(arrays)))
    shape = data.draw(st.lists(st.integers(0, 20), max_size=3).map(tuple)
                      | st.just(arrays[name].shape))
    value = np.zeros(shape, dtype=data.draw(DTYPES))
    if value.dtype.kind == "f" and data.draw(st.booleans()):
        with np.errstate(over="ignore"):  # 1e38 is inf in float16: fine, also a bad value
            value[...] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e38]))
    arrays[name] = value
    if data.draw(st.booleans()):  # also make the manifest agree, so loading gets further
        header["arrays"][name] = {"shape": list(value.shape), "dtype": value.dtype.str}
    _open_with_every_command(workdir, _npz(arrays, header), "arrays")


HEADER_DTYPES = st.sampled_from(["<f4", ">f4", "<f8", "<f2", "<i8", "|u1", "|b1", "<c8", "|O",
                                 "<U3", "|S0", "|V8", "<M8[s]", "[('a', '<f4')]", "f4", "x"])
HEADER_SHAPES = st.one_of(st.lists(st.integers(0, 40), max_size=3).map(tuple),
                          st.lists(st.integers(-3, 2**62), min_size=1, max_size=3).map(tuple),
                          st.sampled_from(["()", "(1,)", "None", "'a'", "(1.5,)"]))


def _npy_member(payload, change):
    """A member's .npy bytes with its header dict's shape/descr/fortran_order rewritten by
    change(header) (text edits included), the array data left as it was."""
    version = payload[6:8]
    size_bytes = 2 if version == b"\x01\x00" else 4
    length = int.from_bytes(payload[8:8 + size_bytes], "little")
    start = 8 + size_bytes
    header = change(payload[start:start + length].decode("latin1"))
    text = header.encode("latin1")
    text += b" " * (-(start + len(text) + 1) % 64) + b"\n"
    return payload[:8] + len(text).to_bytes(size_bytes, "little") + text + \
        payload[start + length:]


@fuzz(100)
@given(data=st.data())
def test_npy_headers_changed(workdir, original, data):
    """Members whose .npy header declares another shape, dtype or order than the data it
    frames (big-endian and object dtypes, negative and huge dimensions, broken text)."""
    import ast

    members = _members(original)
    for _ in range(data.draw(st.integers(1, 2))):
        index = data.draw(st.integers(0, len(members) - 1))
        name, payload = members[index]
        field = data.draw(st.sampled_from(["shape", "descr", "fortran_order", "text"]))

        def change(text):
            try:
                header = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                header = None  # already broken by an earlier text edit
            if not isinstance(header, dict):  # (or edited into a set, a tuple, a number)
                return text[::-1]
            if field == "shape":
                header["shape"] = data.draw(HEADER_SHAPES)
            elif field == "descr":
                header["descr"] = data.draw(HEADER_DTYPES)
            elif field == "fortran_order":
                header["fortran_order"] = data.draw(st.sampled_from([True, False, 1, "yes"]))
            else:
                at = data.draw(st.integers(0, len(text)))
                return text[:at] + data.draw(st.text("{}()[]',:0123456789 ", max_size=3)) + \
                    text[at + data.draw(st.integers(0, 3)):]
            return "{" + ", ".join(f"'{k}': {v!r}" if not (k == "shape" and isinstance(v, str))
                                   else f"'{k}': {v}" for k, v in header.items()) + ", }"
        members[index] = (name, _npy_member(payload, change))
    _open_with_every_command(workdir, _zip(members), "npy header")


@fuzz(60)
@given(data=st.data())
def test_weights_and_moments_made_non_finite(workdir, original, data):
    """NaN, inf or huge values in weights, biases or optimizer moments (every dtype and shape
    right): `info` describes, `eval` reports, `train --resume` refuses or diverges cleanly."""
    arrays, header = _arrays_and_header(original)
    floats = sorted(name for name, value in arrays.items() if value.dtype.kind == "f")
    for name in data.draw(st.lists(st.sampled_from(floats), min_size=1, max_size=3)):
        value = arrays[name].copy()
        flat = value.reshape(-1)
        if flat.size:
            where = data.draw(st.lists(st.integers(0, flat.size - 1), min_size=1, max_size=4))
            flat[where] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf, 3e38, -3e38,
                                                     1e-45]))
        arrays[name] = value
    _open_with_every_command(workdir, _npz(arrays, header), "non-finite")
