"""Which examples `simplegrad eval` scores: never, without being asked, the ones the model
was trained on, and `--split val` means exactly the examples the run held out."""
import os
import re

from simplegrad_cli.errors import CliError

VALIDATION_SPLITS = ("val", "validation")
_SCHEME = re.compile(r"^[A-Za-z][\w+.-]*:")  # synthetic:, hf:, builtin: ... are not paths


def absolute_source(source):
    """A local path as an absolute path (so eval/resume work from any folder); any other
    source (synthetic:NAME, a hub id) unchanged."""
    from simplegrad.data.sources import source_kind

    if _SCHEME.match(source) or source_kind(source) != "local":
        return source
    return os.path.abspath(os.path.expanduser(source))


def _same_split(a, b):
    return a == b or (a in VALIDATION_SPLITS and b in VALIDATION_SPLITS)


def eval_dataset(cfg, checkpoint_path, split, source=None, allow_overlap=False):
    """(dataset, overlaps_training) for `simplegrad eval`; a split the model trained on is
    refused (exit code 2) unless `allow_overlap`."""
    from simplegrad_cli import build

    d = cfg.values["data"]
    ours = source is None or absolute_source(source) == absolute_source(d["source"])
    held_out = d["val_fraction"] > 0
    if ours and split in VALIDATION_SPLITS and held_out:
        return build.load_datasets(cfg).val, False  # same split, val_fraction and val_seed
    overlaps = ours and _same_split(split, d["split"])
    if overlaps and not allow_overlap:
        val = " the held-out examples with --split val," if held_out else ""
        raise CliError(f"{checkpoint_path}: the model was trained on split '{split}' of "
                       f"{d['source']} (data.split), so its score there would not measure "
                       f"generalisation; evaluate{val} another split with --split NAME or "
                       f"other data with --data SOURCE, or pass --allow-train-overlap to score "
                       f"it anyway")
    return build.load_split(cfg, split, source=source), overlaps
