"""Records as tracker metrics, and the marks that keep a tracker from logging a value twice."""
from simplegrad_cli.trackers.records import marked, record_metrics, rewound, unlogged


def test_metrics_records_keep_their_names_other_logs_are_prefixed():
    step = {"type": "step", "epoch": 1, "step": 50, "loss": 0.5, "lr": 0.001}
    assert record_metrics("metrics", step) == {"epoch": 1.0, "loss": 0.5, "lr": 0.001}
    epoch = {"type": "epoch", "epoch": 1, "step": 50, "val_loss": None, "train_accuracy": 0.9}
    assert record_metrics("metrics", epoch) == {"epoch": 1.0, "train_accuracy": 0.9}
    layer = {"type": "layer", "step": 50, "layer": "0.weight", "grad_norm": 0.25,
             "update": {"ratio": 1e-3, "finite": True}}
    assert record_metrics("diagnostics", layer) == {"diagnostics/0.weight/grad_norm": 0.25,
                                                    "diagnostics/0.weight/update/ratio": 1e-3}


def test_marks_skip_what_was_logged_at_and_before_their_step():
    metrics = {"epoch": 1.0, "lr": 0.1, "val_loss": 0.3}
    assert unlogged(None, 10, metrics) == metrics
    mark = marked(None, 10, {"epoch": 1.0, "lr": 0.1})  # the step record at step 10
    assert mark == [10, ["epoch", "lr"]]
    assert unlogged(mark, 10, metrics) == {"val_loss": 0.3}  # the epoch record at step 10
    assert unlogged(mark, 9, metrics) == {}
    assert unlogged(mark, 11, metrics) == metrics
    mark = marked(mark, 10, {"val_loss": 0.3})
    assert mark == [10, ["epoch", "lr", "val_loss"]] and unlogged(mark, 10, metrics) == {}
    assert marked(mark, 12, {"loss": 1.0}) == [12, ["loss"]]


def test_a_rewound_tracker_relogs_everything_after_the_step():
    marks = {"metrics": [12, ["loss"]], "diagnostics": [8, ["x"]]}
    assert rewound(marks, 8) == {"metrics": [8, None], "diagnostics": [8, ["x"]]}
    assert unlogged([8, None], 8, {"loss": 1.0}) == {}
