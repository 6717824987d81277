"""What `train` records in a checkpoint besides its arrays, as one type for the trainer that writes
it and the commands that read it back, each field checked as it is read (one line if wrong)."""
import math
from dataclasses import dataclass, fields

from simplegrad.checkpoint import CheckpointError

from simplegrad_cli.config.registry import MAX_SIZE

MAX_SAMPLE_VALUES = 10**8  # per sample; eval builds the model on a dummy sample of this shape


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _data(value):
    if not isinstance(value, dict) or not isinstance(value.get("input_shape"), list):
        return False
    shape, classes = value["input_shape"], value.get("num_classes")
    return all(_count(s) and s > 0 for s in shape) and math.prod(shape) <= MAX_SAMPLE_VALUES \
        and _count(classes) and 1 <= classes <= MAX_SIZE \
        and all(_count(value.get(k, 0)) for k in ("train_samples", "val_samples")) \
        and (value.get("class_names") is None or isinstance(value["class_names"], list))


def _loop(value):
    return isinstance(value, dict) and (value.get("best") is None or _number(value["best"])) \
        and (value.get("best_epoch") is None or _count(value["best_epoch"]))


# Each entry as a command may trust it: (check, what it should be); one may be missing (the
# commands that need it say so). The config is validated as a config where it is used.
CHECKS = {
    "name": (lambda v: isinstance(v, str), "a string"),
    "epoch": (_count, "an integer >= 0"),
    "step": (_count, "an integer >= 0"),
    "metrics": (lambda v: isinstance(v, dict) and all(_number(x) or k == "type" and
                                                      isinstance(x, str) for k, x in v.items()),
                "a mapping of metric names to numbers"),
    "data": (_data, "a mapping with a positive input_shape, num_classes and sample counts"),
    "loop": (_loop, "a mapping of the training loop's counters"),
    "loader": (lambda v: isinstance(v, dict), "a mapping (the data loader's position)"),
    "rng_state": (lambda v: isinstance(v, dict), "a mapping (the random generator's state)"),
}


@dataclass
class RunMetadata:
    """A run's record in its checkpoints: name, epoch and step, resolved config, last metrics,
    its data's look (input_shape, num_classes, class_names, counts, pictures), loop and loader."""

    name: str = None
    epoch: int = None
    step: int = None
    config: dict = None
    metrics: dict = None
    data: dict = None
    loop: dict = None
    loader: dict = None

    @classmethod
    def read(cls, checkpoint):
        """The checked RunMetadata of a loaded checkpoint, or one CheckpointError line naming
        the first entry that looks wrong."""
        meta = checkpoint.metadata
        for key, (valid, expected) in CHECKS.items():
            if meta.get(key) is not None and not valid(meta[key]):
                raise CheckpointError(f"{checkpoint.path}: malformed checkpoint metadata: "
                                      f"'{key}' should be {expected}")
        return cls(**{f.name: meta.get(f.name) for f in fields(cls)})

    def data_info(self, path):
        """(input_shape, num_classes, class_names) recorded when the checkpoint was saved."""
        if self.data is None:
            raise CheckpointError(f"{path}: holds no data description (input shape, classes)")
        return tuple(self.data["input_shape"]), self.data["num_classes"], \
            self.data.get("class_names")
