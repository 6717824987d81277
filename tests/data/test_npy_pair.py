"""The npy: source, added as one SourceSpec: two .npy files (features, labels) are a dataset for
the library and, with no edit to the command, a data.source it trains on, stores as absolute
paths, never writes over and names in its help."""
import json

import numpy as np
import pytest

from simplegrad.data import DataError, find_source, load


@pytest.fixture
def pair(tmp_path):
    """x.npy (120 points in 4 dimensions, three clusters) and y.npy beside it."""
    y = np.arange(120) % 3
    x = np.random.default_rng(0).normal(size=(120, 4)).astype(np.float32) + 3 * y[:, None]
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return tmp_path


def test_two_npy_files_are_a_dataset(pair):
    data = load(f"npy:{pair / 'x.npy'},{pair / 'y.npy'}")
    assert data.x.shape == (120, 4) and data.num_classes == 3
    assert data.y[:4].tolist() == [0, 1, 2, 0]
    with pytest.raises(DataError, match="expected npy:FEATURES.npy,LABELS.npy"):
        load(f"npy:{pair / 'x.npy'}")
    with pytest.raises(DataError, match="holds only split 'train', not 'test'"):
        load(f"npy:{pair / 'x.npy'},{pair / 'y.npy'}", split="test")
    (pair / "big.npy").write_bytes((pair / "x.npy").read_bytes()[:200])  # a truncated array
    with pytest.raises(DataError, match="truncated or corrupt"):
        load(f"npy:{pair / 'big.npy'},{pair / 'y.npy'}")


def test_the_command_trains_on_it_without_knowing_it(cli, write_config, pair):
    source = f"npy:{pair / 'x.npy'},{pair / 'y.npy'}"
    config = write_config(f"data: {{source: '{source}', test_split: null}}\n"
                          "model: [{linear: {out: 3}}]\noptimizer: {name: adam, lr: 0.05}\n"
                          "train: {epochs: 20}\n", "pair.yaml")
    assert cli("train", config).exit_code == 0
    stored = json.loads(cli("info", "runs/pair/last.npz", "--json").stdout)["config"]
    assert stored["data"]["source"] == find_source(source).absolute(source)
    scored = json.loads(cli("eval", "runs/pair/best.npz", "--split", "val", "--json").stdout)
    assert scored["accuracy"] > 0.75  # three clusters: chance is 1/3
    from simplegrad_cli.run.output_guard import data_inputs  # what no output may replace

    assert [path for path, _ in data_inputs(source)] == [str(pair / "x.npy"), str(pair / "y.npy")]
    assert "npy:X.npy,Y.npy" in " ".join(cli("eval", "--help").stdout.split())
