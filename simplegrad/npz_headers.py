"""Check an .npz archive's declared sizes before reading it, so a small file that inflates to
gigabytes (a decompression bomb) is refused without being decompressed.

Each member's .npy header (shape and dtype) is read on its own; the data it declares must match
the size the zip directory records, fit within what deflate can expand the stored bytes to, and
all members together must fit the memory budget (simplegrad.memory).
"""
import math
import os
import zipfile

import numpy as np

from simplegrad.memory import check_fits

DEFLATE_MAX_RATIO = 1032  # deflate's largest expansion of its input
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


def check_npz(file, name, arrays=None):
    """Raise ValueError (one line, starting with `name`) if the .npz `file` (a path or an open
    binary file, left at its position) declares more data than it can hold or than fits in
    memory; only the members holding `arrays` count, when given. Returns the total bytes of
    array data declared."""
    start = file.tell() if hasattr(file, "tell") else None
    try:
        with zipfile.ZipFile(file) as archive:
            return check_members(archive, name, arrays)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return 0  # not an archive we can inspect (RuntimeError: a member flagged encrypted):
        # the reader reports the damage itself
    finally:
        if start is not None:
            file.seek(start)


def check_members(archive, name, arrays=None):
    """check_npz for the open ZipFile `archive` (an NpzFile's `.zip`), or only for the members
    holding `arrays` (names without .npy): a reader checks what it reads, never the rest."""
    infos = archive.infolist() if arrays is None else [
        archive.getinfo(f"{key}.npy") for key in arrays if f"{key}.npy" in archive.NameToInfo]
    total = sum(_member_bytes(archive, info, name) for info in infos)
    try:
        check_fits(total, f"the arrays of {name}")
    except ValueError as error:
        raise ValueError(str(error)) from None
    return total


def open_npz(file, name, error=ValueError, arrays=None):
    """np.load(file, allow_pickle=False) of the .npz archive `file` (a path or an open binary
    file) once check_npz has accepted its declared sizes (of `arrays` alone when given: check
    any other member with check_members before reading it): nothing is unpickled, nor
    inflated past what the file can hold or memory can take. Failures raise `error` with one
    line."""
    try:
        check_npz(file, name, arrays)
    except ValueError as exc:
        raise error(str(exc)) from None
    try:
        return np.load(file, allow_pickle=False)
    except Exception as exc:  # zipfile alone raises six kinds of error for a damaged file
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise error(f"{name}: not a readable .npz archive (truncated or damaged: "
                    f"{reason})") from None


def _member_bytes(archive, info, name):
    """The data size one member declares, checked against the zip's records of it."""
    if info.compress_type != zipfile.ZIP_STORED \
            and info.file_size > DEFLATE_MAX_RATIO * max(info.compress_size, 1):
        raise ValueError(f"{name}: entry {info.filename!r} claims {info.file_size:,} bytes from "
                         f"{info.compress_size:,} compressed bytes, more than deflate can "
                         f"expand to; the archive is corrupt or hostile")
    if not info.filename.endswith(".npy"):
        return info.file_size
    try:
        with archive.open(info) as member:
            header = read_npy_header(member)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return info.file_size  # a damaged (or "encrypted") member: reading it will say so
    return 0 if header is None else _declared(name, f"entry {info.filename!r}", *header,
                                              info.file_size)


def read_npy_header(stream):
    """(shape, dtype, header length) from the start of a .npy stream, or None when it is not
    a readable header (the array reader then says what is wrong)."""
    try:
        version = np.lib.format.read_magic(stream)
        read_header = _HEADER_READERS.get(version)
        if read_header is None:
            return None
        shape, _, dtype = read_header(stream, max_header_size=10000)
    except Exception:  # noqa: BLE001  (NumPy's parser also raises tokenize's TokenError)
        return None
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        return None
    return tuple(shape), dtype, stream.tell() if stream.seekable() else 0


def npz_shapes(path):
    """{array name: shape} of an .npz read from the .npy headers alone (no data inflated);
    members without a readable header are left out."""
    shapes = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.endswith(".npy"):
                with archive.open(info) as member:
                    header = read_npy_header(member)
                if header is not None:
                    shapes[info.filename[:-4]] = header[0]
    return shapes


def check_npy(path, name):
    """Raise ValueError if the .npy file `path` declares more data than it holds or than fits
    in memory."""
    with open(path, "rb") as file:
        header = read_npy_header(file)
        size = os.fstat(file.fileno()).st_size
    if header is not None:
        check_fits(_declared(name, "the array", *header, size), f"the array of {name}")


def _declared(name, what, shape, dtype, header, stored):
    """Bytes of data `shape` x `dtype` declares; more than the `stored` bytes is an error."""
    declared = math.prod(shape) * dtype.itemsize
    if header and not dtype.hasobject and declared > stored - header:
        raise ValueError(f"{name}: {what} declares shape {shape} ({declared:,} bytes) but "
                         f"holds {stored - header:,}; the file is truncated or corrupt")
    return declared
