"""Datasets from the Hugging Face hub via `datasets.load_dataset`, decoded once and cached.

`datasets` is imported only when a download is really needed: a cached dataset loads with
NumPy alone, in well under a second. Downloads themselves use datasets' own cache. Before
asking the hub, a quick connection probe (PROBE_SECONDS) tells an offline machine apart, so it
fails in seconds instead of after the hub client's retries.
"""
import contextlib
import os
import re
import socket
import threading
from urllib.parse import urlparse

from simplegrad.data.errors import DataError
from simplegrad.errors import first_line
from simplegrad.data.source import SourceOption, SourceSpec
from simplegrad.data.sources.cache import cache_path, cached_shape, read_cache, write_cache
from simplegrad.data.sources.columns import COLUMN_OPTIONS, NAME, to_array_dataset
from simplegrad.data.sources.local import _quiet

LOCAL_HINT = ("to use a local copy, pass its path as the source (a save_to_disk folder, "
              "parquet/csv/json/arrow files, an image folder, .npz, or MNIST IDX files)")
PROBE_SECONDS = 3.0
_TRUE = {"1", "on", "yes", "true"}
PREFIXES = ("hf:", "hub:")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class HubUnavailable(DataError):
    """The dataset is not cached and the hub cannot be asked: offline mode or no network."""

    def __init__(self, message, offline=False):
        super().__init__(message)
        self.offline = offline  # True: HF_HUB_OFFLINE/HF_DATASETS_OFFLINE asked for it


def load_hub(name, split="train", image_column=None, label_column=None, feature_columns=None,
             flatten=True, normalize=None, num_classes=None, cache_dir=None, hf_cache_dir=None,
             config_name=None, revision=None, use_cache=True):
    """The hub dataset `name` (e.g. "ylecun/mnist"), split `split`, as an ArrayDataset.

    The decoded arrays are cached (see cache.py) keyed by dataset, split and every option that
    changes them; `use_cache=False` rebuilds the entry. `hf_cache_dir` is datasets' own cache.
    """
    options = _cache_options(config_name, revision, image_column, label_column,
                             feature_columns, flatten, normalize, num_classes)
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


def describe_hub(name, split="train", image_column=None, label_column=None,
                 feature_columns=None, flatten=True, normalize=None, num_classes=None,
                 cache_dir=None, config_name=None, revision=None, **_):
    """(per-sample shape, classes) of what load_hub would return, from the cache alone (its
    headers: nothing is decoded or downloaded); None when the dataset is not cached."""
    options = _cache_options(config_name, revision, image_column, label_column,
                             feature_columns, flatten, normalize, num_classes)
    return cached_shape(cache_path(name, split, options, cache_dir))


def _cache_options(config_name, revision, image_column, label_column, feature_columns, flatten,
                   normalize, num_classes):
    """The options that change the decoded arrays: the cache key besides dataset and split."""
    return {"config_name": config_name, "revision": revision, "image_column": image_column,
            "label_column": label_column, "feature_columns": feature_columns,
            "flatten": bool(flatten), "normalize": _jsonable(normalize),
            "num_classes": num_classes}


def offline_requested():
    """Whether the environment asks the Hugging Face libraries to stay offline."""
    return offline_setting() is not None


def offline_setting():
    """The environment setting that asks for offline mode (`HF_HUB_OFFLINE=1`), or None."""
    return next((f"{name}={os.environ[name].strip()}" for name in ("HF_HUB_OFFLINE",
                                                                   "HF_DATASETS_OFFLINE")
                 if os.environ.get(name, "").strip().lower() in _TRUE), None)


def hub_reachable(timeout=PROBE_SECONDS):
    """Whether a TCP connection to the hub endpoint (HF_ENDPOINT) opens within `timeout`
    seconds. Run in a thread, so a hanging name lookup cannot hold us longer. With a proxy
    configured the client knows better: assume reachable."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    address, result = hub_address(), []

    def probe():
        try:
            socket.create_connection(address, timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


@contextlib.contextmanager
def _offline(datasets):
    """datasets and huggingface_hub in offline mode (local cache only) for the duration."""
    import huggingface_hub.constants as hub_constants

    saved = datasets.config.HF_HUB_OFFLINE, hub_constants.HF_HUB_OFFLINE
    datasets.config.HF_HUB_OFFLINE = hub_constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_HUB_OFFLINE, hub_constants.HF_HUB_OFFLINE = saved


def download(name, split, config_name=None, revision=None, hf_cache_dir=None):
    """`datasets.load_dataset(name, split=split)`; its failures become one-line DataErrors.

    When the hub is unreachable, only datasets' local cache is tried (offline mode), so the
    answer comes in seconds; HubUnavailable says which of offline mode or no network it was.
    """
    import datasets

    offline = offline_setting()  # e.g. "HF_HUB_OFFLINE=1", or None
    local = os.path.exists(os.path.expanduser(name))  # `hf:FOLDER`: no hub involved
    unreachable = not offline and not local and not hub_reachable()
    try:
        with _offline(datasets) if unreachable else contextlib.nullcontext(), _quiet(datasets):
            return datasets.load_dataset(name, name=config_name, split=split,
                                         revision=revision, cache_dir=hf_cache_dir)
    except DataError:
        raise
    except ValueError as error:        # unknown split or config, bad arguments
        raise DataError(f"hub dataset {name!r}: {first_line(error)}") from None
    except Exception as error:         # offline, unknown dataset, no permission, broken download
        why = f"{type(error).__name__}: {first_line(error)}"
        if offline or unreachable:
            state = (f"offline mode is on ({offline})" if offline else
                     f"the Hugging Face hub ({hub_address()[0]}) cannot be reached (no network "
                     "connection)")
            raise HubUnavailable(f"dataset {name!r} is not in the local cache and {state}; "
                                 f"{LOCAL_HINT}", offline=bool(offline)) from None
        raise DataError(f"dataset {name!r} could not be downloaded from the Hugging Face hub and "
                        f"is not cached ({why}); {LOCAL_HINT}") from None


def hub_address():
    """(host, port) of the hub, as HF_ENDPOINT sets it (huggingface.co:443 by default)."""
    url = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    return url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)


def _jsonable(value):
    """Tuples and NumPy numbers as plain lists/floats, so the cache key is stable."""
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def unreachable(error):
    """Whether a DataError says the hub could not be reached or asked (and nothing was cached),
    as opposed to a bad dataset or option."""
    return isinstance(error, HubUnavailable) or "could not be downloaded" in str(error)


def _named(address):
    """The hub id of `address` (`hf:NAME` and `hub:NAME` force the hub: no prefix is left)."""
    return address.split(":", 1)[1] if address.startswith(PREFIXES) else address


def _load(address, split="train", **options):
    try:
        return load_hub(_named(address), split, **options)
    except DataError as error:
        if not address.startswith(PREFIXES) and unreachable(error):
            error.args = (f"{error} (no local file or folder {address!r} exists either)",)
        raise


SOURCE = SourceSpec(
    "hub", "hub id", "a Hugging Face hub id (e.g. ylecun/mnist)",
    "a Hugging Face hub dataset (`owner/name`, or `hf:NAME`) through `datasets.load_dataset`, "
    "decoded once and cached",
    _load, prefixes=PREFIXES, network=True, shape_from="the dataset cache",
    describe=lambda address, split="train", **options: describe_hub(_named(address), split,
                                                                    **options),
    matches=lambda address: bool(_HUB_ID.match(address))
    and not os.path.exists(os.path.expanduser(address)),  # an existing folder wins
    options={**COLUMN_OPTIONS,
             "cache_dir": SourceOption("where decoded arrays are cached (default `$SIMPLEGRAD_CACHE` "
                                 "or `~/.cache/simplegrad`)", *NAME),
             "use_cache": SourceOption("false rebuilds the cache entry", "true or false",
                                 lambda value: isinstance(value, bool)),
             "config_name": SourceOption("the dataset's configuration", *NAME),
             "revision": SourceOption("the dataset's git revision", *NAME)})
