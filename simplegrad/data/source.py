"""`load(source, split, **options)`: one function from a source string to an ArrayDataset.

A source is `synthetic:NAME`, `builtin:NAME` (data shipped in the package), a Hugging Face
hub id (`owner/name`, or `hf:NAME` to force the hub), or a local path. Options that do not
apply to a source are ignored; unknown option names are an error, so typos in a config are
caught; an option set to None means its default.
"""
import os
import re

from simplegrad.data.errors import DataError

SYNTHETIC_OPTIONS = {"n_samples", "noise", "num_classes", "seed", "factor", "n_features"}
COLUMN_OPTIONS = {"image_column", "label_column", "feature_columns", "flatten", "normalize",
                  "num_classes", "hf_cache_dir"}
HUB_OPTIONS = COLUMN_OPTIONS | {"cache_dir", "config_name", "revision", "use_cache"}
LOCAL_OPTIONS = COLUMN_OPTIONS
BUILTIN_OPTIONS = {"flatten", "normalize"}
OPTIONS = SYNTHETIC_OPTIONS | HUB_OPTIONS | LOCAL_OPTIONS | {"val_fraction"}
VALIDATION_SPLITS = ("val", "validation")
DESCRIBE_SAMPLES = 60  # a synthetic source is described by generating this many samples
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def load(source, split="train", **options):
    """The dataset named by `source`, split `split`, as a checked ArrayDataset.

    With `val_fraction=f` (and `seed`, default 0) the train split is divided: split "train"
    gives the remaining part and "val"/"validation" the carved-off fraction `f`.
    """
    source, options = _checked(source, split, options)
    val_fraction = options.pop("val_fraction", None)
    if val_fraction is None or split not in ("train",) + VALIDATION_SPLITS:
        try:
            return _load_split(source, split, options)
        except DataError as error:
            if split in VALIDATION_SPLITS and "split" in str(error):
                raise DataError(f"{str(error).rstrip('.')}; pass val_fraction (e.g. 0.1) to "
                                f"carve a validation split from train") from None
            raise
    train, val = _load_split(source, "train", options).split(val_fraction, options.get("seed", 0))
    return val if split in VALIDATION_SPLITS else train


def describe(source, split="train", **options):
    """(per-sample shape, number of classes) of what `load` would return, worked out without
    reading or downloading any data: from a built-in dataset's description, a synthetic
    generator's options (it generates a few samples) or the dataset cache of a hub source;
    None when only loading can tell (local files, a hub dataset not cached). Options are
    checked as `load` checks them."""
    source, options = _checked(source, split, options)
    if options.pop("val_fraction", None) is not None and split in VALIDATION_SPLITS:
        split = "train"  # carved from the train split
    kind = source_kind(source)
    if kind == "synthetic":
        from simplegrad.data.synthetic import load_synthetic
        few = _only(options, SYNTHETIC_OPTIONS)
        if isinstance(few.get("n_samples"), int) and few["n_samples"] >= 1:  # else refused
            few["n_samples"] = min(few["n_samples"], DESCRIBE_SAMPLES)
        few.setdefault("n_samples", DESCRIBE_SAMPLES)
        sample = load_synthetic(source[len("synthetic:"):], split, **few)
        return sample.input_shape, sample.num_classes
    if kind == "builtin":
        from simplegrad.data.sources.bundled import describe_builtin
        return describe_builtin(source[len("builtin:"):], split, **_only(options, BUILTIN_OPTIONS))
    if kind == "hub":
        from simplegrad.data.sources.hub import describe_hub
        name = source.split(":", 1)[1] if source.startswith(("hf:", "hub:")) else source
        return describe_hub(name, split, **_only(options, HUB_OPTIONS))
    return None


def _checked(source, split, options):
    """(source stripped, options without those set to None, which mean the default), or a
    DataError for an empty source or split or an unknown option name."""
    if not isinstance(source, (str, os.PathLike)) or not os.fspath(source).strip():
        raise DataError(f"data source must be a non-empty string, got {source!r}")
    source = os.fspath(source).strip()
    if not isinstance(split, str) or not split:
        raise DataError(f"split must be a non-empty string such as 'train', got {split!r}")
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise DataError(f"unknown data option {unknown[0]!r} for source {source!r}; known options: "
                        f"{', '.join(sorted(OPTIONS))}")
    return source, {key: value for key, value in options.items() if value is not None}


def source_kind(source):
    """"synthetic", "builtin", "hub" or "local": how `load` will read `source`."""
    source = os.fspath(source).strip()
    if source.startswith("synthetic:"):
        return "synthetic"
    if source.startswith("builtin:"):
        return "builtin"
    if source.startswith(("hf:", "hub:")):
        return "hub"
    if _HUB_ID.match(source) and not os.path.exists(os.path.expanduser(source)):
        return "hub"
    return "local"


def hub_unreachable(error):
    """Whether a DataError from `load` says the hub could not be reached or asked (and nothing
    was cached), as opposed to a bad dataset or option."""
    from simplegrad.data.sources.hub import HubUnavailable
    return isinstance(error, HubUnavailable) or "could not be downloaded" in str(error)


def _load_split(source, split, options):
    """Dispatch to the synthetic, built-in, hub or local reader with the options that apply."""
    kind = source_kind(source)
    if kind == "synthetic":
        from simplegrad.data.synthetic import load_synthetic
        name = source[len("synthetic:"):]
        return load_synthetic(name, split, **_only(options, SYNTHETIC_OPTIONS))
    if kind == "builtin":
        from simplegrad.data.sources.bundled import load_builtin
        name = source[len("builtin:"):]
        return load_builtin(name, split, **_only(options, BUILTIN_OPTIONS))
    if kind == "hub":
        from simplegrad.data.sources.hub import load_hub
        if source.startswith(("hf:", "hub:")):
            return load_hub(source.split(":", 1)[1], split, **_only(options, HUB_OPTIONS))
        try:
            return load_hub(source, split, **_only(options, HUB_OPTIONS))
        except DataError as error:
            if hub_unreachable(error):
                error.args = (f"{error} (no local file or folder {source!r} exists either)",)
            raise
    from simplegrad.data.sources.local import load_local
    return load_local(source, split, **_only(options, LOCAL_OPTIONS))


def _only(options, allowed):
    return {key: value for key, value in options.items() if key in allowed}
