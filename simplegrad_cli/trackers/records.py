"""Records (a line of metrics.jsonl, or of any other log of the run) as tracker metrics, and the
mark that keeps a tracker from logging a value twice: per log, the last step it logged and the
names logged at that step."""
KEEP = ("type", "step")  # what places a record; never a metric
NOT_METRICS = ("start", "end")  # metrics.jsonl's records of how a run began and ended


def record_metrics(kind, record):
    """{name: number} of a record: metrics.jsonl's under their own names (`loss`, `val_accuracy`,
    `lr`, `epoch`...), another log's as `KIND/...`; nested mappings, and lists of mappings named
    by their text field (a parameter's or a layer's name), become parts of the name:
    `diagnostics/model.0.linear.weight/grad_norm`."""
    out = {}
    if record.get("type") in NOT_METRICS:
        return out

    def walk(values, parts):
        for key, value in values.items():
            if key in KEEP or isinstance(value, str):
                continue  # placing keys; text fields name their mapping (in a list) instead
            if isinstance(value, dict):
                walk(value, parts + [str(key)])
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        walk(item, parts + [v for k, v in item.items()
                                            if k not in KEEP and isinstance(v, str)])
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                out["/".join(parts + [str(key)])] = float(value)
    walk(record, [] if kind == "metrics" else [kind])  # its own text (a status) is no name
    return out


def unlogged(mark, step, metrics):
    """The metrics of a record at `step` that a tracker with `mark` ([step, names logged at it,
    or None for all]) has not logged yet."""
    if mark is None or step > mark[0]:
        return metrics
    if step < mark[0] or mark[1] is None:
        return {}
    return {name: value for name, value in metrics.items() if name not in mark[1]}


def marked(mark, step, names):
    """The mark after logging `names` at `step`."""
    if mark is None or step > mark[0]:
        return [step, sorted(names)]
    return [step, None if mark[1] is None else sorted(set(mark[1]) | set(names))]


def rewound(marks, step):
    """Marks of a tracker that forgets what it logged after `step` (all of `step` is kept)."""
    return {kind: mark if mark[0] <= step else [step, None] for kind, mark in marks.items()}
