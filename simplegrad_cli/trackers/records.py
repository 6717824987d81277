"""Records (a line of metrics.jsonl, or of any other log of the run) as tracker metrics, and the
mark that keeps a tracker from logging a value twice: per log, the last step it logged and the
names logged at that step."""
KEEP = ("type", "step")  # what places a record; never a metric


def record_metrics(kind, record):
    """{name: number} of a record: metrics.jsonl's under their own names (`loss`, `val_accuracy`,
    `lr`, `epoch`...), another log's as `KIND/...`; nested mappings and a record's text fields
    (a layer's name) become parts of the name: `diagnostics/0.weight/grad_norm`."""
    prefix = [] if kind == "metrics" else [kind]
    prefix += [value for key, value in record.items() if key not in KEEP and isinstance(value, str)]
    out = {}

    def walk(values, parts):
        for key, value in values.items():
            if isinstance(value, dict):
                walk(value, parts + [str(key)])
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                out["/".join(parts + [str(key)])] = float(value)
    walk({k: v for k, v in record.items() if k not in KEEP}, prefix)
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
