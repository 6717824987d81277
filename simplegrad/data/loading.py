"""`load(source, split, **options)`: one function from a source address to an ArrayDataset,
through the SourceSpec that reads the address. `simplegrad.data.sources` lists the specs in the
order an address is matched: `builtin:NAME`, `synthetic:NAME`, a Hugging Face hub id
(`owner/name`, or `hf:NAME` to force the hub), a local path. Options that do not apply to a
source are ignored; unknown option names are an error, so typos in a config are caught; an
option set to None means its default.
"""
import os

from simplegrad.data.errors import DataError
from simplegrad.data.source import SourceOption
from simplegrad.data import sources as kinds

VALIDATION_SPLITS = ("val", "validation")
VAL_FRACTION = "val_fraction"  # an option of every source: carve a validation split from train


def sources():
    """Every SourceSpec, in matching order (the last one, local paths, accepts anything)."""
    return kinds.SOURCES


def find_source(address):
    """The SourceSpec that reads `address` (a DataError for an empty one)."""
    if not isinstance(address, (str, os.PathLike)) or not os.fspath(address).strip():
        raise DataError(f"data source must be a non-empty string, got {address!r}")
    address = os.fspath(address).strip()
    return next(spec for spec in sources() if spec.accepts(address))


def source_kind(address):
    """"synthetic", "builtin", "hub", "local", ...: the kind of source that reads `address`."""
    return find_source(address).kind


def all_options():
    """{option name: SourceOption} of every source (the first source's docs where several
    share it)."""
    found = {VAL_FRACTION: SourceOption("carve a validation split from train: split `train` gives "
                                  "the rest, `val`/`validation` the carved part (with `seed`, "
                                  "default 0)")}
    for spec in sources():
        for name, option in spec.options.items():
            found.setdefault(name, option)
    return found


def load(source, split="train", **options):
    """The dataset named by `source`, split `split`, as a checked ArrayDataset.

    With `val_fraction=f` (and `seed`, default 0) the train split is divided: split "train"
    gives the remaining part and "val"/"validation" the carved-off fraction `f`.
    """
    spec, address, options = _checked(source, split, options)
    val_fraction = options.pop(VAL_FRACTION, None)
    if val_fraction is None or split not in ("train",) + VALIDATION_SPLITS:
        try:
            return spec.load(address, split, **_only(options, spec))
        except DataError as error:
            if split in VALIDATION_SPLITS and "split" in str(error):
                raise DataError(f"{str(error).rstrip('.')}; pass val_fraction (e.g. 0.1) to "
                                f"carve a validation split from train") from None
            raise
    train, val = spec.load(address, "train", **_only(options, spec)).split(
        val_fraction, options.get("seed", 0))
    return val if split in VALIDATION_SPLITS else train


def describe(source, split="train", **options):
    """(per-sample shape, number of classes) of what `load` would return, worked out without
    reading or downloading any data (a built-in dataset's description, a few generated
    synthetic samples, the dataset cache of a hub source); None when only loading can tell.
    Options are checked as `load` checks them."""
    spec, address, options = _checked(source, split, options)
    if options.pop(VAL_FRACTION, None) is not None and split in VALIDATION_SPLITS:
        split = "train"  # carved from the train split
    return None if spec.describe is None else spec.describe(address, split,
                                                            **_only(options, spec))


def _checked(source, split, options):
    """(spec, address stripped, options without those set to None, which mean the default),
    or a DataError for an empty source or split or an unknown option name."""
    spec = find_source(source)
    if not isinstance(split, str) or not split:
        raise DataError(f"split must be a non-empty string such as 'train', got {split!r}")
    known = all_options()
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise DataError(f"unknown data option {unknown[0]!r} for source {source!r}; known "
                        f"options: {', '.join(sorted(known))}")
    for key, value in options.items():
        option = known[key]
        if value is not None and option.check is not None and not option.check(value):
            raise DataError(f"data option {key!r} must be {option.expected}, got {value!r}")
    return spec, os.fspath(source).strip(), {key: value for key, value in options.items()
                                             if value is not None}


def _only(options, spec):
    return {key: value for key, value in options.items() if key in spec.options}
