"""Memory is checked before it is spent: the budget, decompression bombs in IDX, .npz and
checkpoint files, the model estimate `validate` reports, `gradcheck CONFIG` and `eval`'s
confusion matrix; plus a tampered dataset cache and Pillow's pixel limit."""
import gzip
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

from corpus_bombs import idx_bytes
from hardening_helpers import TINY, assert_words, error_line, invoke


def test_memory_budget_reads_the_environment_and_meminfo(monkeypatch):
    from simplegrad import memory

    monkeypatch.setenv(memory.LIMIT_VARIABLE, "2G")
    assert memory.memory_budget() == 2 * 2**30
    with pytest.raises(memory.MemoryLimitError, match="needs about 3.0 GB"):
        memory.check_fits(3 * 10**9, "this")
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "lots")
    with pytest.raises(memory.MemoryLimitError, match="expected a number of bytes"):
        memory.memory_budget()
    monkeypatch.delenv(memory.LIMIT_VARIABLE)
    available = memory.available_bytes()
    assert available is None or memory.memory_budget() == int(available * memory.MARGIN)


def test_gzipped_idx_is_not_decompressed_past_its_header(tmp_path):
    """The header says 10 images of 28x28, the gzip holds 50 MB more: only what the header
    declares is read (old code inflated all 50 MB before checking)."""
    from simplegrad.data import DataError
    from simplegrad.data.sources.idx import read_idx

    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes((10, 28, 28), data=bytes(50 * 2**20))))
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="file holds 7841\\+"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20, peak


def test_idx_header_checked_against_the_memory_budget(tmp_path, monkeypatch):
    from simplegrad.data import DataError
    from simplegrad.data.sources.idx import read_idx

    monkeypatch.setenv("SIMPLEGRAD_MEMORY_LIMIT", "1000")
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes((100, 28, 28), data=bytes(78400))))
    with pytest.raises(DataError, match="shape \\(100, 28, 28\\) needs about 78.4 kB"):
        read_idx(path)
    monkeypatch.delenv("SIMPLEGRAD_MEMORY_LIMIT")
    assert read_idx(path).shape == (100, 28, 28)


def _zero_bomb(path, **extra):
    """A deflated .npz whose x holds 4 MB of zeros (a few kB on disk)."""
    with open(path, "wb") as file:
        np.savez_compressed(file, x=np.zeros((1000, 1000), np.float32),
                            y=np.zeros(1000, np.int64), **extra)


def test_data_npz_bomb_refused_before_inflating(tmp_path, monkeypatch):
    from simplegrad.data import DataError
    from simplegrad.data.sources.local import load_npz

    _zero_bomb(tmp_path / "t.npz")
    monkeypatch.setenv("SIMPLEGRAD_MEMORY_LIMIT", "1M")
    with pytest.raises(DataError, match="the arrays of .*t.npz needs about 4.0 MB"):
        load_npz(tmp_path / "t.npz")


def test_zip_member_claiming_more_than_deflate_can_expand_to(tmp_path):
    from simplegrad.npz_headers import check_npz

    path = tmp_path / "t.npz"
    _zero_bomb(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("x.npy")
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"x.npy"))  # x's central directory entry
    data[central + 24:central + 28] = (2**32 - 1).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(data))
    assert info.compress_size < 2**32 // 1032
    with pytest.raises(ValueError, match="more than deflate can expand to"):
        check_npz(str(path), "t.npz")


def test_checkpoint_bomb_refused_by_info_before_inflating(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(TINY)
    assert invoke("train", "tiny.yaml", "--out", "run").exit_code == 0
    with np.load(tmp_path / "run" / "last.npz") as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["model/0.weight"] = np.zeros((1000, 1000), np.float32)  # 4 MB, deflates to kB
    np.savez_compressed(tmp_path / "bomb.npz", **arrays)
    monkeypatch.setenv("SIMPLEGRAD_MEMORY_LIMIT", "2M")
    result = invoke("info", "bomb.npz")
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), ["bomb.npz", "needs about 4.0 MB", "2.1 MB"])


def test_tampered_dataset_cache_is_rebuilt_not_fatal(tmp_path):
    from simplegrad.data import ArrayDataset
    from simplegrad.data.sources.cache import read_cache, write_cache

    path = str(tmp_path / "c.npz")
    write_cache(path, ArrayDataset(np.ones((4, 2), np.float32), np.array([0, 1, 0, 1]), 2))
    assert read_cache(path).num_classes == 2
    good = dict(np.load(path))
    meta = json.loads(str(good["meta"]))
    tampered = [
        {"meta": np.array(json.dumps({**meta, "num_classes": "abc"}))},
        {"meta": np.array(json.dumps({**meta, "num_classes": 1}))},  # labels out of range
        {"meta": np.array(json.dumps({**meta, "class_names": 5}))},
        {"meta": np.array(json.dumps([1, 2]))},
        {"x": np.full((4, 2), np.nan, np.float32)},
        {"y": np.array([0.5, 1, 0, 1])},
        {"y": np.array([0, 1, 0])},
    ]
    for change in tampered:
        np.savez(path, **{**good, **change})
        assert read_cache(path) is None, change


def test_png_over_pillows_pixel_limit_is_a_data_error(tmp_path, monkeypatch, workdir):
    from PIL import Image

    for label in ("a", "b"):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.zeros((20, 20), np.uint8)).save(tmp_path / "imgs" / label /
                                                                f"{i}.png")
    (tmp_path / "d.yaml").write_text("data: {source: imgs}\nmodel: [{linear: {out: 2}}]\n")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 400 pixels are over it
    result = invoke("validate", "d.yaml", "--load-data")
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), ["imgs", "cannot be decoded", "Pillow's limit",
                                             "100 pixels"])


def test_model_memory_is_summed_over_layers(workdir, monkeypatch):
    """Every layer is under the per-layer cap; together they do not fit the budget. The line
    names the layer where the total stops fitting (before it is allocated)."""
    layers = "".join("  - linear: {out: 1000}\n" for _ in range(4))
    (workdir / "m.yaml").write_text(f"data: {{source: 'synthetic:blobs'}}\nmodel:\n{layers}"
                                    "  - linear: {out: 3}\n")
    monkeypatch.setenv("SIMPLEGRAD_MEMORY_LIMIT", "100M")
    result = invoke("validate", "m.yaml")
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), ["m.yaml:6", "model.3.linear",
                                             "3,006,000 parameters", "more than this machine",
                                             "SIMPLEGRAD_MEMORY_LIMIT"])


def test_validate_reports_the_memory_estimate(workdir):
    (workdir / "tiny.yaml").write_text(TINY)
    result = invoke("validate", "tiny.yaml")
    assert result.exit_code == 0
    # 99 parameters x 40 bytes (Adam) + 16 samples x 35 kept values x 8 bytes = 8,440 bytes
    assert "training needs about 8.4 kB of memory" in result.stdout
    result = invoke("validate", "tiny.yaml", "--json")
    assert json.loads(result.stdout)["training_memory_bytes"] == 99 * 40 + 16 * 35 * 8


def test_gradcheck_config_is_bounded(workdir, monkeypatch):
    """Training with SGD fits (99 x 16 + 16 x 35 x 8 = 6,064 bytes) but the float64 check
    on 4 samples (6,992) does not."""
    (workdir / "tiny.yaml").write_text(TINY)
    monkeypatch.setenv("SIMPLEGRAD_MEMORY_LIMIT", "6500")
    result = invoke("gradcheck", "tiny.yaml", "--batch-size", "4", "--set",
                    "optimizer={name: sgd, lr: 0.01}")
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), ["gradcheck of this model", "99 parameters",
                                             "float64", "7.0 kB"])


def test_eval_of_a_million_classes_reports_loss_and_accuracy(workdir):
    """The 8 TB confusion matrix (and a million per-class rows) are left out, saying so."""
    np.savez(workdir / "t.npz", x=np.zeros((10, 2), np.float32),
             y=np.array([0, 1] * 4 + [999_999, 3]), num_classes=1_000_000)
    (workdir / "m.yaml").write_text("data: {source: t.npz, test_split: train}\n"
                                    "model: [{linear: {out: 1000000}}]\ntrain: {epochs: 1}\n")
    assert invoke("train", "m.yaml", "--out", "run").exit_code == 0
    result = invoke("eval", "run/last.npz", "--allow-train-overlap", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["samples"] == 10 and 0 <= report["accuracy"] <= 1 and report["loss"] > 0
    assert report["per_class"] is None and report["confusion_matrix"] is None
    shown = invoke("eval", "run/last.npz", "--allow-train-overlap")
    assert "left out: the model predicts more than 1,000 classes" in shown.stdout
    plots = invoke("eval", "run/last.npz", "--allow-train-overlap", "--plots", "p")
    assert plots.exit_code == 2 and "1,000,000 classes" in error_line(plots.stderr)


BN = ("data:\n  source: synthetic:spirals\n  options: {n_samples: 161}\n  val_fraction: 0\n"
      "  batch_size: 16\nmodel:\n  - linear: {out: 8}\n  - batch_norm1d\n  - linear: {out: 3}\n"
      "train: {epochs: 2, metric: train_loss}\n")


def test_batch_norm_skips_a_one_sample_last_batch(workdir):
    (workdir / "bn.yaml").write_text(BN)
    result = invoke("validate", "bn.yaml", "--load-data")
    assert result.exit_code == 0
    assert "last batch of each epoch holds one sample" in result.stdout
    result = invoke("train", "bn.yaml", "--out", "run")
    assert result.exit_code == 0, result.stderr
    (workdir / "even.yaml").write_text(BN.replace("161", "160"))
    assert "one sample" not in invoke("validate", "even.yaml", "--load-data").stdout


SCHEDULED = TINY.replace("optimizer: {name: adam, lr: 0.01}",
                         "optimizer: {name: sgd, lr: 0.1, momentum: 0.9}\n"
                         "scheduler: {name: step, step_size: 1, gamma: 0.5}")
COSINE = SCHEDULED.replace("{name: step, step_size: 1, gamma: 0.5}", "{name: cosine}")


@pytest.mark.parametrize("config, section, key, value, words", [
    (SCHEDULED, "scheduler", "step_size", 0, ["StepLR: step_size must be a positive integer, "
                                              "got 0"]),
    (SCHEDULED, "scheduler", "gamma", -1e300, ["StepLR: gamma must be a finite number >= 0"]),
    (COSINE, "scheduler", "T_max", 0, ["CosineAnnealingLR: T_max must be > 0, got 0"]),
    (SCHEDULED, "optimizer", "momentum", -5, ["SGD: momentum must be a finite number >= 0, "
                                              "got -5"]),
    (SCHEDULED, "optimizer", "lr", -1, ["SGD: lr must be a finite number >= 0, got -1"]),
    (SCHEDULED, "scheduler", "base_lr", -1, ["StepLR: base_lr must be a finite number >= 0"]),
])
def test_restored_hyperparameters_are_checked_like_the_constructor(workdir, config, section, key,
                                                                    value, words):
    """The library's load_state_dict runs the constructor's own checks on what it restores."""
    (workdir / "s.yaml").write_text(config)
    assert invoke("train", "s.yaml", "--out", "run").exit_code == 0
    with np.load(workdir / "run" / "last.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    header = json.loads(str(arrays["metadata"]))
    state = header[section]["hyperparams"] if section == "optimizer" else header[section]
    assert key in state
    state[key] = value
    arrays["metadata"] = np.array(json.dumps(header))
    np.savez(workdir / "ck.npz", **arrays)
    result = invoke("train", "--resume", "ck.npz", "--out", "again")
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), ["ck.npz", "cannot resume", *words])


def test_predict_refuses_an_npy_promising_more_than_it_holds(workdir):
    """Sibling of the data .npz bomb: `predict`'s own array reader checks the header first."""
    (workdir / "tiny.yaml").write_text(TINY)
    assert invoke("train", "tiny.yaml", "--out", "run").exit_code == 0
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 2), }"
    text = text.ljust(117) + "\n"
    (workdir / "bomb.npy").write_bytes(b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little")
                                       + text.encode("latin1") + bytes(64))
    result = invoke("predict", "run/last.npz", "bomb.npy")
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), ["bomb.npy", "declares shape (100000000000, 2)",
                                             "holds 64"])


def test_npz_shapes_reads_headers_without_inflating(tmp_path):
    """Sibling: `compare` counts a run's parameters from the array headers alone."""
    from simplegrad.npz_headers import npz_shapes

    np.savez_compressed(tmp_path / "last.npz", **{"model/0.weight": np.zeros((4000, 2500),
                                                                             np.float32)})
    tracemalloc.start()
    try:
        shapes = npz_shapes(tmp_path / "last.npz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert shapes == {"model/0.weight": (4000, 2500)}
    assert peak < 2 * 2**20, peak  # the array itself is 40 MB


@pytest.mark.parametrize("width, count, limit, words", [
    # three layers of 9M parameters (360 MB each to train with Adam) against 600 MiB: the old
    # code built the first two (72 MB of weights, more while initialising) before refusing
    (3000, 4, "600M", ["big.yaml:5", "model.2.linear", "18,015,000 parameters",
                       "the whole model has 27,027,003 parameters"]),
    # eleven layers of 9999 (each just under the per-layer cap): a billion parameters, 40 GB
    (9999, 11, "10G", ["big.yaml:6", "model.3.linear", "299,999,997 parameters", "12.0 GB",
                       "the whole model has 999,959,997 parameters"]),
], ids=["27M", "1B"])
def test_a_model_too_big_is_refused_before_any_layer_is_built(workdir, monkeypatch, width,
                                                             count, limit, words):
    """The shape-only pre-pass refuses at the layer where the total stops fitting, before
    allocating any layer (the old code built every layer up to that one)."""
    layers = "".join(f"  - linear: {{out: {width}}}\n" for _ in range(count))
    (workdir / "big.yaml").write_text("data: {source: 'synthetic:spirals'}\nmodel:\n"
                                      f"{layers}  - linear: {{out: 3}}\n")
    monkeypatch.setenv("SIMPLEGRAD_MEMORY_LIMIT", limit)
    tracemalloc.start()
    try:
        result = invoke("validate", "big.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2
    assert peak < 20 * 2**20, peak
    assert_words(error_line(result.stderr), ["SIMPLEGRAD_MEMORY_LIMIT", *words])


@pytest.mark.parametrize("layers, input_shape", [
    ([{"conv2d": {"out": 4, "kernel_size": 3, "padding": 2, "stride": 2}},
      {"max_pool2d": {"kernel_size": 2}}, {"batch_norm2d": {}}, {"avg_pool2d":
                                                                 {"kernel_size": 3, "stride": 1,
                                                                  "padding": 1}},
      {"flatten": {}}, {"layer_norm": {}}, {"linear": {"out": 3}}], (2, 9, 7)),
    ([{"batch_norm1d": {}}, {"linear": {"out": 5}}, {"gelu": {}}, {"flatten": {}},
      {"linear": {"out": 3}}],
     (4, 6)),
])
def test_shape_only_pre_pass_matches_the_dry_run(workdir, layers, input_shape):
    """The pre-pass's shapes are the real ones, layer by layer (so its estimate is too)."""
    from simplegrad_cli.config import registry
    from simplegrad_cli.config.validation import load_config
    from simplegrad_cli.run import build

    import yaml
    (workdir / "c.yaml").write_text(yaml.safe_dump({"data": {"source": "synthetic:spirals"},
                                                    "model": layers}))
    cfg = load_config("c.yaml", [])
    _, rows, inferred = build.build_model(cfg, input_shape, 3)
    shape = input_shape
    for row, spec in zip(rows, inferred):
        (name, args), = spec.items()
        shape = registry.LAYERS[name].output_shape(args, shape)
        assert shape == row.output_shape, (name, shape, row.output_shape)


def test_compare_refuses_an_alias_bomb_in_a_run_config_quickly(tmp_path):
    """A few hundred bytes of YAML aliases that expand to half a million values (a billion
    with three more lines): `compare` reads run configs with the loader `train` uses, which
    counts values as it builds them."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}]\n" for i in range(5))
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.jsonl").write_text(
            '{"type": "epoch", "epoch": 1, "step": 1, "train_loss": 1.0}\n')
    (tmp_path / "b" / "config.yaml").write_text(bomb)
    result = invoke("compare", tmp_path / "a", tmp_path / "b")
    line = error_line(result.stderr)
    assert result.exit_code == 2 and "config.yaml" in line and "alias" in line, line
