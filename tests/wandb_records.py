"""Reading back what a W&B run wrote offline (tests/ is on sys.path): the records of its
`run-ID.wandb` file, a LevelDB-style log of protobuf `Record`s, which wandb itself no longer
reads from Python."""
import glob
import json
import os
import struct

BLOCK = 32 * 1024  # the log's block size; a record never starts in a block's last 6 bytes
HEADER = 7  # the file's header (":W&B", magic, version), and each chunk's (crc, length, type)
FULL, FIRST, LAST = 1, 2, 4


def records(path):
    """The `wandb_internal_pb2.Record`s of a .wandb file, in order."""
    from wandb.proto import wandb_internal_pb2

    data = open(path, "rb").read()
    assert data[:4] == b":W&B", path
    found, position, pending = [], HEADER, b""
    while position + HEADER <= len(data):
        if BLOCK - position % BLOCK < HEADER:  # the block's zero-filled tail
            position += BLOCK - position % BLOCK
            continue
        _, length, kind = struct.unpack("<IHB", data[position:position + HEADER])
        if kind == 0:
            break
        chunk = data[position + HEADER:position + HEADER + length]
        position += HEADER + length
        pending = chunk if kind in (FULL, FIRST) else pending + chunk
        if kind in (FULL, LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            found.append(record)
    return found


class OfflineRun:
    """One offline run folder (RUN/wandb/offline-run-DATE-ID): its run record, config, history
    rows and logged artifacts' file names."""

    def __init__(self, folder):
        self.folder = folder
        (path,) = glob.glob(os.path.join(folder, "run-*.wandb"))
        self.records = records(path)
        kinds = [r.WhichOneof("record_type") for r in self.records]
        self.run = next(r.run for r, kind in zip(self.records, kinds) if kind == "run")
        updates = list(self.run.config.update) + [
            item for r, kind in zip(self.records, kinds) if kind == "config"
            for item in r.config.update]
        self.config = {_key(item): json.loads(item.value_json) for item in updates
                       if _key(item) != "_wandb"}
        self.history = [{_key(item): json.loads(item.value_json) for item in r.history.item}
                        for r, kind in zip(self.records, kinds) if kind == "history"]
        self.artifacts = [[entry.path for entry in r.artifact.manifest.contents]
                          for r, kind in zip(self.records, kinds) if kind == "artifact"]
        self.exit_code = next((r.exit.exit_code for r, kind in zip(self.records, kinds)
                               if kind == "exit"), None)


def _key(item):
    """A config or history item's name (wandb writes some as a one-part nested key)."""
    return item.key or "/".join(item.nested_key)


def offline_runs(run_dir):
    """The offline W&B runs of a simplegrad run folder, oldest first."""
    return [OfflineRun(folder) for folder in
            sorted(glob.glob(os.path.join(run_dir, "wandb", "offline-run-*")))]
