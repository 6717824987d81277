"""An .npz is read member by member: a checkpoint or data archive with one extra member that
declares hundreds of MB of deflated zeros is answered without inflating that member."""
import tracemalloc
import zipfile

import numpy as np
import pytest

from simplegrad import nn
from simplegrad.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from simplegrad.data.sources.local import load_npz

BOMB = 256 * 2**20  # bytes of zeros the extra member declares (about 1 MB deflated)


def add_bomb(path, name="junk.npy"):
    """Append a member holding BOMB zero bytes as a uint8 array, deflated (streamed: the test
    itself never holds them)."""
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0, np.uint8))
    header["shape"] = (BOMB,)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open(name, "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(member, header)
            chunk = bytes(2**20)
            for _ in range(BOMB // len(chunk)):
                member.write(chunk)


def peak_while(action):
    """The largest traced allocation while `action()` runs."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_extra_checkpoint_member_is_refused_without_inflating_it(tmp_path):
    path = tmp_path / "ck.npz"
    save_checkpoint(path, nn.Linear(4, 3), epoch=1)
    add_bomb(path)
    assert path.stat().st_size < 3 * 2**20

    def load():
        with pytest.raises(CheckpointError, match="unexpected arrays: junk"):
            load_checkpoint(path)

    assert peak_while(load) < 16 * 2**20


def test_a_data_archive_reads_only_the_arrays_it_needs(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.ones((10, 2), np.float32), y=np.arange(10) % 2)
    add_bomb(path)
    loaded = []
    assert peak_while(lambda: loaded.append(load_npz(str(path)))) < 16 * 2**20
    assert loaded[0].x.shape == (10, 2)
