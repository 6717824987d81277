"""Checkpoints: bitwise resume, safe loading, one-line errors for every kind of bad file."""
import json
import os

import numpy as np
import pytest

import simplegrad
from simplegrad import Tensor, nn, optim
from simplegrad.checkpoint import (CheckpointError, atomic_savez, load_checkpoint,
                                   restore_checkpoint, save_checkpoint)
from simplegrad.optim.lr_scheduler import CosineAnnealingLR, LinearWarmup

DATA = np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32)
LABELS = np.arange(16) % 3


def _build():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(8, 3))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = LinearWarmup(opt, 2, after=CosineAnnealingLR(opt, T_max=10))
    return model, opt, sched


def _train(model, opt, sched, steps):
    for _ in range(steps):
        opt.zero_grad()
        model(Tensor(DATA)).cross_entropy_loss(LABELS).backward()
        opt.step()
        sched.step()


def _assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        np.testing.assert_array_equal(sa[key], sb[key], err_msg=key)
        assert sa[key].dtype == sb[key].dtype


@pytest.fixture
def saved(tmp_path):
    """A checkpoint of a model trained a few steps: (path, model, opt, sched)."""
    simplegrad.manual_seed(0)
    model, opt, sched = _build()
    _train(model, opt, sched, 3)
    path = tmp_path / "run.npz"
    save_checkpoint(path, model, opt, sched, epoch=1, step=3, config={"lr": 0.01},
                    metrics={"loss": np.float32(0.5)})
    return path, model, opt, sched


def test_round_trip_is_bitwise(saved):
    path, model, opt, sched = saved
    _train(model, opt, sched, 5)  # the uninterrupted run

    simplegrad.manual_seed(123)  # a different init and RNG stream, undone by restore
    model2, opt2, sched2 = _build()
    restore_checkpoint(path, model2, opt2, sched2)
    _train(model2, opt2, sched2, 5)
    _assert_same_state(model, model2)
    assert opt2.lr == opt.lr
    assert opt2.state_dict()["state"]["0"]["step"] == opt.state_dict()["state"]["0"]["step"]


def test_loaded_fields(saved):
    path, model, opt, sched = saved
    ckpt = load_checkpoint(path)
    assert set(ckpt.model_state) == set(model.state_dict())
    assert "1.running_mean" in ckpt.model_state and "1.num_batches_tracked" in ckpt.model_state
    assert ckpt.model_state["1.num_batches_tracked"].dtype == np.int64
    assert ckpt.optimizer_state["type"] == "Adam"
    assert ckpt.scheduler_state["type"] == "LinearWarmup"
    meta = ckpt.metadata
    assert meta["epoch"] == 1 and meta["step"] == 3 and meta["config"] == {"lr": 0.01}
    assert meta["metrics"] == {"loss": 0.5}
    assert meta["format_version"] == 1 and meta["library_version"] == simplegrad.__version__
    assert "rng_state" in meta
    with np.load(path, allow_pickle=False) as z:  # the documented layout
        assert "model/0.weight" in z.files and "optim/state/0/exp_avg" in z.files
        assert z["metadata"].shape == () and json.loads(str(z["metadata"]))["format_version"] == 1


def test_model_only_checkpoint_and_load_state_dict_from_path(tmp_path):
    model = nn.Linear(3, 2)
    path = tmp_path / "model.npz"
    save_checkpoint(path, model)
    ckpt = load_checkpoint(path)
    assert ckpt.optimizer_state is None and ckpt.scheduler_state is None
    other = nn.Linear(3, 2).load_state_dict(str(path))  # Module reads checkpoints too
    _assert_same_state(model, other)
    with pytest.raises(CheckpointError, match="no optimizer state"):
        ckpt.restore(nn.Linear(3, 2), optim.SGD(other.parameters(), lr=0.1))


def _flip_middle(data):
    """Damage the bytes of the first stored array (the zip directory stays valid)."""
    data = bytearray(data)
    start = data.index(b"\x93NUMPY") + 200
    data[start:start + 16] = bytes(16)
    return bytes(data)


def _write(path, save, *args, **kwargs):
    """np.save/np.savez into exactly `path` (given a path, NumPy would add a suffix)."""
    with open(path, "wb") as f:
        save(f, *args, **kwargs)


def _rewrite(path, edit):
    """Load every entry of an .npz, let `edit` change the dict, and write it back."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    edit(arrays)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _edit_header(change):
    def edit(arrays):
        header = json.loads(str(arrays["metadata"]))
        change(header)
        arrays["metadata"] = np.array(json.dumps(header))
    return edit


BAD_FILES = {
    "text": (lambda p: p.write_text("hello, not a checkpoint"), "not an .npz archive"),
    "empty": (lambda p: p.write_bytes(b""), "empty file"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
                  "truncated or damaged"),
    "corrupt_entry": (lambda p: p.write_bytes(_flip_middle(p.read_bytes())), "corrupt"),
    "npy": (lambda p: _write(p, np.save, np.ones(3)), "single .npy array"),
    "missing_key": (lambda p: _rewrite(p, lambda a: a.pop("model/0.bias")),
                    "missing arrays: model/0.bias"),
    "extra_key": (lambda p: _rewrite(p, lambda a: a.update({"model/extra": np.ones(2)})),
                  "unexpected arrays: model/extra"),
    "wrong_shape": (lambda p: _rewrite(p, lambda a: a.update({"model/0.bias": np.ones(5)})),
                    r"model/0.bias has shape \(5,\), expected \(8,\)"),
    "wrong_dtype": (lambda p: _rewrite(
        p, lambda a: a.update({"model/0.bias": a["model/0.bias"].astype(np.float64)})),
        "model/0.bias has dtype float64, expected float32"),
    "future_version": (lambda p: _rewrite(p, _edit_header(
        lambda h: h.update(format_version=99))), "unsupported checkpoint format version 99"),
    "bad_json": (lambda p: _rewrite(p, lambda a: a.update(metadata=np.array("{oops"))),
                 "not valid JSON"),
    "plain_state_dict": (lambda p: nn.Linear(2, 2).save_state_dict(p),
                         "not a simplegrad checkpoint"),
    "object_array": (lambda p: _write(p, np.savez, metadata=np.array([{"a": 1}], object)),
                     "object array"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_raise_one_line_checkpoint_error(case, saved):
    path = saved[0]
    damage, message = BAD_FILES[case]
    damage(path)
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(path)
    text = str(info.value)
    assert "\n" not in text and str(path) in text
    assert isinstance(info.value, ValueError)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "nope.npz")
    with pytest.raises(CheckpointError, match="directory"):
        load_checkpoint(tmp_path)


def test_restore_into_a_different_model_names_the_keys(saved):
    path = saved[0]
    other = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path).restore(other)
    text = str(info.value)
    assert "\n" not in text and str(path) in text
    assert "0.weight (got (4, 8), expected (4, 5))" in text
    assert "unexpected keys: 1.weight" in text and "4.weight" in text


def test_interrupted_save_keeps_the_previous_file(saved, monkeypatch):
    path, model, opt, sched = saved
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, model, opt, sched)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["run.npz"]  # the temp file was removed
    load_checkpoint(path)


def test_temp_file_is_hidden_and_not_npz(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_savez(tmp_path / "a.npz", {"x": np.ones(2)})
    assert seen[0].startswith(".a.npz.") and seen[0].endswith(".partial")


def test_unwritable_folder_and_bad_metadata(tmp_path):
    model = nn.Linear(2, 2)
    with pytest.raises(CheckpointError, match="cannot write"):
        save_checkpoint(tmp_path / "missing_dir" / "c.npz", model)
    with pytest.raises(TypeError, match="metadata 'thing' is not JSON-serialisable"):
        save_checkpoint(tmp_path / "c.npz", model, thing=object())
    assert not (tmp_path / "c.npz").exists()
