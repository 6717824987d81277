import os
import shutil

import numpy as np
import pytest

from simplegrad.data import DataError, load

datasets = pytest.importorskip("datasets")


@pytest.fixture
def table(table_data):
    features = datasets.Features({"a": datasets.Value("float64"), "b": datasets.Value("float64"),
                                  "name": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["r", "g", "b"])})
    return datasets.Dataset.from_dict(table_data, features=features)


def expected_x(table_data):
    return np.stack([table_data["a"], table_data["b"]], axis=1).astype(np.float32)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json", "arrow"])
def test_table_files(tmp_path, table, table_data, hf_cache, fmt):
    path = tmp_path / f"data.{fmt}"
    if fmt == "parquet":
        table.to_parquet(str(path))
    elif fmt == "csv":
        table.to_csv(str(path), index=False)
    elif fmt == "json":
        table.to_json(str(path))
    else:
        table.save_to_disk(str(tmp_path / "saved"))
        shutil.copy(tmp_path / "saved" / "data-00000-of-00001.arrow", path)
    ds = load(str(path), hf_cache_dir=hf_cache)
    np.testing.assert_allclose(ds.x, expected_x(table_data), rtol=1e-6)   # text column skipped
    assert ds.y.tolist() == table_data["label"] and ds.y.dtype == np.int64
    assert ds.num_classes == 3
    if fmt in ("parquet", "arrow"):                      # formats that keep the ClassLabel
        assert ds.class_names == ["r", "g", "b"]


def test_feature_columns_label_column_and_normalize(tmp_path, table, table_data, hf_cache):
    path = tmp_path / "data.parquet"
    table.to_parquet(str(path))
    ds = load(str(path), feature_columns=["b"], hf_cache_dir=hf_cache)
    np.testing.assert_allclose(ds.x[:, 0], table_data["b"], rtol=1e-6)
    norm = load(str(path), normalize=([1.0, 2.0], [2.0, 4.0]), hf_cache_dir=hf_cache)
    np.testing.assert_allclose(norm.x, (expected_x(table_data) - [1, 2]) / [2, 4], rtol=1e-5)
    by_name = load(str(path), label_column="label", num_classes=5, hf_cache_dir=hf_cache)
    assert by_name.num_classes == 5


def test_save_to_disk_dataset_and_dataset_dict(tmp_path, table, table_data, hf_cache):
    table.save_to_disk(str(tmp_path / "one"))
    assert len(load(str(tmp_path / "one"))) == 12
    split = table.train_test_split(test_size=4, shuffle=False)
    split.save_to_disk(str(tmp_path / "dict"))
    test = load(str(tmp_path / "dict"), "test")
    np.testing.assert_allclose(test.x, expected_x(table_data)[8:], rtol=1e-6)
    with pytest.raises(DataError, match="no split 'validation' .*splits found: train, test.*"
                                        "val_fraction"):
        load(str(tmp_path / "dict"), "validation")


def test_folder_of_table_files_with_split_names(tmp_path, table, hf_cache):
    folder = tmp_path / "tables"
    folder.mkdir()
    table.select(range(8)).to_parquet(str(folder / "train-00000.parquet"))
    table.select(range(8, 12)).to_parquet(str(folder / "test-00000.parquet"))
    assert len(load(str(folder), hf_cache_dir=hf_cache)) == 8
    assert len(load(str(folder), "test", hf_cache_dir=hf_cache)) == 4


def test_vector_feature_column_keeps_its_shape(tmp_path, hf_cache):
    data = datasets.Dataset.from_dict({"features": np.arange(24.0).reshape(4, 2, 3).tolist(),
                                       "label": [0, 1, 0, 1]})
    data.to_parquet(str(tmp_path / "v.parquet"))
    ds = load(str(tmp_path / "v.parquet"), hf_cache_dir=hf_cache)
    assert ds.input_shape == (2, 3)


def write_image_folder(root, rgb=False, sizes=None):
    from PIL import Image
    rng = np.random.default_rng(0)
    arrays = {}
    for split in ("train", "test"):
        for label in ("cat", "dog"):
            os.makedirs(root / split / label)
            for i in range(2):
                shape = (sizes or {}).get((split, label, i), (4, 5))
                pixels = rng.integers(0, 256, shape + ((3,) if rgb else ()), dtype=np.uint8)
                Image.fromarray(pixels).save(root / split / label / f"{i}.png")
                arrays[(split, label, i)] = pixels
    return arrays


def test_image_folder(tmp_path, hf_cache):
    pytest.importorskip("PIL")
    arrays = write_image_folder(tmp_path / "imgs")
    ds = load(str(tmp_path / "imgs"), hf_cache_dir=hf_cache)
    assert len(ds) == 4 and ds.input_shape == (20,) and ds.class_names == ["cat", "dog"]
    assert 0.0 <= ds.x.min() and ds.x.max() <= 1.0
    expected = {tuple(arrays[("train", lab, i)].reshape(-1).tolist())
                for lab in ("cat", "dog") for i in range(2)}
    assert {tuple(row) for row in np.rint(ds.x * 255).astype(int).tolist()} == expected
    test = load(str(tmp_path / "imgs"), "test", flatten=False, hf_cache_dir=hf_cache)
    assert test.input_shape == (1, 4, 5) and sorted(test.y.tolist()) == [0, 0, 1, 1]


def test_rgb_images_are_channels_first(tmp_path, hf_cache):
    pytest.importorskip("PIL")
    arrays = write_image_folder(tmp_path / "rgb", rgb=True)
    ds = load(str(tmp_path / "rgb"), flatten=False, normalize=([0.5] * 3, [0.5, 0.5, 0.5]),
              hf_cache_dir=hf_cache)
    assert ds.input_shape == (3, 4, 5)
    images = np.rint((ds.x * 0.5 + 0.5) * 255).astype(np.uint8)
    expected = sorted(a.transpose(2, 0, 1).tobytes() for k, a in arrays.items() if k[0] == "train")
    assert sorted(image.tobytes() for image in images) == expected


def test_images_of_different_sizes(tmp_path, hf_cache):
    pytest.importorskip("PIL")
    write_image_folder(tmp_path / "rag", sizes={("train", "dog", 1): (6, 5)})
    with pytest.raises(DataError, match="different shapes"):
        load(str(tmp_path / "rag"), hf_cache_dir=hf_cache)


def test_npz_single_and_per_split(tmp_path):
    x = np.random.default_rng(0).normal(size=(6, 3))
    np.savez(tmp_path / "one.npz", x=x, y=[0, 1, 2, 0, 1, 2])
    ds = load(str(tmp_path / "one.npz"))
    np.testing.assert_allclose(ds.x, x.astype(np.float32))
    np.savez(tmp_path / "split.npz", x_train=x, y_train=[0, 1] * 3, x_test=x[:2], y_test=[1, 1],
             num_classes=4)
    test = load(str(tmp_path / "split.npz"), "test")
    assert len(test) == 2 and test.num_classes == 4
    with pytest.raises(DataError, match="no split 'validation' .*splits found: test, train"):
        load(str(tmp_path / "split.npz"), "validation")
    images = np.random.default_rng(1).integers(0, 256, (4, 3, 3), dtype=np.uint8)
    np.savez(tmp_path / "img.npz", images=images, labels=[0, 1, 0, 1])
    assert load(str(tmp_path / "img.npz"), flatten=False).input_shape == (1, 3, 3)
    np.savez(tmp_path / "named.npz", inp=x, out=[0] * 6)
    assert len(load(str(tmp_path / "named.npz"), feature_columns="inp", label_column="out")) == 6


# ---- bad data ------------------------------------------------------------------------------

def test_missing_label_column_names_the_columns_found(tmp_path, hf_cache):
    datasets.Dataset.from_dict({"a": [1.0, 2.0], "b": [0, 1]}).to_csv(str(tmp_path / "t.csv"))
    with pytest.raises(DataError, match=r"no label column found \(columns found: a, b\)"):
        load(str(tmp_path / "t.csv"), hf_cache_dir=hf_cache)
    with pytest.raises(DataError, match=r"no label column 'cls' \(columns found: a, b\)"):
        load(str(tmp_path / "t.csv"), label_column="cls", hf_cache_dir=hf_cache)
    with pytest.raises(DataError, match=r"no feature column 'z' \(columns found: a, b\)"):
        load(str(tmp_path / "t.csv"), label_column="b", feature_columns=["z"], hf_cache_dir=hf_cache)
    with pytest.raises(DataError, match=r"no image column 'img' \(columns found: a, b\)"):
        load(str(tmp_path / "t.csv"), label_column="b", image_column="img", hf_cache_dir=hf_cache)


def test_no_numeric_features(tmp_path, hf_cache):
    datasets.Dataset.from_dict({"text": ["x", "y"], "label": [0, 1]}).to_csv(str(tmp_path / "t.csv"))
    with pytest.raises(DataError, match="no numeric feature columns"):
        load(str(tmp_path / "t.csv"), hf_cache_dir=hf_cache)


@pytest.mark.parametrize("a, label, message", [
    ([1.0, float("nan"), 2.0], [0, 1, 0], "NaN or inf"),
    ([1.0, float("inf"), 2.0], [0, 1, 0], "NaN or inf"),
    ([1.0, 2.0, 3.0], [0, 1, -1], "label -1 is out of range"),
])
def test_bad_values_in_a_table(tmp_path, hf_cache, a, label, message):
    datasets.Dataset.from_dict({"a": a, "label": label}).to_parquet(str(tmp_path / "t.parquet"))
    with pytest.raises(DataError, match=message):
        load(str(tmp_path / "t.parquet"), hf_cache_dir=hf_cache)


def test_labels_out_of_range_for_num_classes(tmp_path, hf_cache):
    datasets.Dataset.from_dict({"a": [1.0, 2.0], "label": [0, 3]}).to_parquet(str(tmp_path / "t.parquet"))
    with pytest.raises(DataError, match="label 3 is out of range for 2 classes"):
        load(str(tmp_path / "t.parquet"), num_classes=2, hf_cache_dir=hf_cache)


def test_ragged_vector_column(tmp_path, hf_cache):
    datasets.Dataset.from_dict({"v": [[1.0, 2.0], [3.0]], "label": [0, 1]}).to_parquet(
        str(tmp_path / "t.parquet"))
    with pytest.raises(DataError, match="arrays of different shapes"):
        load(str(tmp_path / "t.parquet"), hf_cache_dir=hf_cache)


def test_empty_table(tmp_path, hf_cache):
    empty = datasets.Dataset.from_dict({"a": [1.0], "label": [0]}).select([])
    empty.to_parquet(str(tmp_path / "t.parquet"))
    with pytest.raises(DataError, match="empty"):
        load(str(tmp_path / "t.parquet"), hf_cache_dir=hf_cache)


def test_unknown_format_missing_path_and_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="unknown file format '.txt'"):
        load(str(tmp_path / "notes.txt"))
    with pytest.raises(DataError, match="no such file or folder"):
        load(str(tmp_path / "missing.csv"))
    with pytest.raises(DataError, match=r"no dataset files found \(found .txt\)"):
        load(str(tmp_path))


def test_single_file_has_only_train(tmp_path, table, hf_cache):
    table.to_parquet(str(tmp_path / "d.parquet"))
    with pytest.raises(DataError, match="holds only the split 'train'"):
        load(str(tmp_path / "d.parquet"), "test", hf_cache_dir=hf_cache)


def test_bad_npz(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a readable .npz"):
        load(str(tmp_path / "bad.npz"))
    np.savez(tmp_path / "nolabels.npz", x=np.zeros((2, 2)))
    with pytest.raises(DataError, match=r"no label array \(looked for y, .*arrays found: x\)"):
        load(str(tmp_path / "nolabels.npz"))


@pytest.mark.parametrize("kind", ["root", "device", "socket", "unrelated files"])
def test_any_path_is_a_one_line_data_error(tmp_path, kind):
    import socket

    if kind == "root":
        path = os.path.abspath(os.sep)
    elif kind == "device":
        path = os.devnull
    elif kind == "socket":
        path = str(tmp_path / "a.sock")
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        server.close()
    else:
        path = tmp_path / "junk"
        path.mkdir()
        (path / "notes.txt").write_text("hello")
        (path / "README").write_text("hello")
    with pytest.raises(DataError) as error:
        load(path)
    message = str(error.value)
    assert "\n" not in message and message.startswith(str(path))
    assert "no such file" not in message


def test_npz_feature_columns_put_named_arrays_side_by_side(tmp_path):
    path = tmp_path / "columns.npz"
    np.savez(path, a=np.arange(5.0), b=np.arange(5.0) * 2, c=np.ones((5, 2)), y=np.arange(5) % 2)
    data = load(str(path), feature_columns=["a", "b", "c"])
    assert data.x.tolist() == [[i, 2 * i, 1, 1] for i in range(5)]
    assert load(str(path), feature_columns=["c"]).x.shape == (5, 2)  # one key: the array as is
    with pytest.raises(DataError, match=r"no feature array 'd' \(arrays found: a, b, c, y\)"):
        load(str(path), feature_columns=["a", "d"])
    np.savez(path, a=np.arange(5.0), b=np.ones((5, 2, 2)), y=np.arange(5) % 2)
    with pytest.raises(DataError, match=r"feature_columns a, b: array 'b' has shape \(5, 2, 2\);"
                                        r" only arrays of 1 or 2 dimensions"):
        load(str(path), feature_columns=["a", "b"])
