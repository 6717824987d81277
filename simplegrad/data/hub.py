"""Datasets from the Hugging Face hub via `datasets.load_dataset`, decoded once and cached.

`datasets` is imported only when a download is really needed: a cached dataset loads with
NumPy alone, in well under a second. Downloads themselves use datasets' own cache.
"""
from simplegrad.data.cache import cache_path, read_cache, write_cache
from simplegrad.data.columns import to_array_dataset
from simplegrad.data.errors import DataError

LOCAL_HINT = ("to use a local copy, pass its path as the source (a save_to_disk folder, "
              "parquet/csv/json/arrow files, an image folder, .npz, or MNIST IDX files)")


def load_hub(name, split="train", image_column=None, label_column=None, feature_columns=None,
             flatten=True, normalize=None, num_classes=None, cache_dir=None, hf_cache_dir=None,
             config_name=None, revision=None, use_cache=True):
    """The hub dataset `name` (e.g. "ylecun/mnist"), split `split`, as an ArrayDataset.

    The decoded arrays are cached (see cache.py) keyed by dataset, split and every option that
    changes them; `use_cache=False` rebuilds the entry. `hf_cache_dir` is datasets' own cache.
    """
    options = {"config_name": config_name, "revision": revision, "image_column": image_column,
               "label_column": label_column, "feature_columns": feature_columns,
               "flatten": bool(flatten), "normalize": _jsonable(normalize),
               "num_classes": num_classes}
    path = cache_path(name, split, options, cache_dir)
    if use_cache:
        cached = read_cache(path)
        if cached is not None:
            return cached
    table = download(name, split, config_name, revision, hf_cache_dir)
    dataset = to_array_dataset(table, name, image_column, label_column, feature_columns,
                               flatten, normalize, num_classes)
    write_cache(path, dataset)
    return dataset


def download(name, split, config_name=None, revision=None, hf_cache_dir=None):
    """`datasets.load_dataset(name, split=split)`; its failures become one-line DataErrors."""
    import datasets

    try:
        return datasets.load_dataset(name, name=config_name, split=split, revision=revision,
                                     cache_dir=hf_cache_dir)
    except DataError:
        raise
    except ValueError as error:        # unknown split or config, bad arguments
        raise DataError(f"hub dataset {name!r}: {_first_line(error)}") from None
    except Exception as error:         # offline, unknown dataset, no permission, broken download
        raise DataError(f"dataset {name!r} could not be downloaded from the Hugging Face hub and "
                        f"is not cached ({type(error).__name__}: {_first_line(error)}); "
                        f"{LOCAL_HINT}") from None


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else "no details"


def _jsonable(value):
    """Tuples and NumPy numbers as plain lists/floats, so the cache key is stable."""
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return value.tolist()
    return value
