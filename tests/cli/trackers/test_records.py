"""Records as tracker metrics, and the marks that keep a tracker from logging a value twice."""
from simplegrad_cli.trackers.records import marked, record_metrics, rewound, unlogged


def test_metrics_records_keep_their_names_other_logs_are_prefixed():
    step = {"type": "step", "epoch": 1, "step": 50, "loss": 0.5, "lr": 0.001}
    assert record_metrics("metrics", step) == {"epoch": 1.0, "loss": 0.5, "lr": 0.001}
    epoch = {"type": "epoch", "epoch": 1, "step": 50, "val_loss": None, "train_accuracy": 0.9}
    assert record_metrics("metrics", epoch) == {"epoch": 1.0, "train_accuracy": 0.9}
    end = {"type": "end", "epoch": 2, "step": 60, "status": "completed", "message": "done"}
    assert record_metrics("metrics", end) == {}
    start = {"type": "start", "epoch": 0, "step": 0, "num_classes": 3, "class_counts": [5, 4, 6]}
    assert record_metrics("metrics", start) == {}
    diagnostics = {"type": "diagnostics", "epoch": 1, "step": 50, "loss": 0.5,
                   "parameters": [{"name": "model.0.linear.weight", "norm": 2.0,
                                   "grad_norm": 0.25, "update_ratio": 1e-3}],
                   "layers": [{"layer": "model.1.relu", "mean": 0.5, "dead_fraction": 0.1,
                               "finite": True}]}
    assert record_metrics("diagnostics", diagnostics) == {
        "diagnostics/epoch": 1.0, "diagnostics/loss": 0.5,
        "diagnostics/model.0.linear.weight/norm": 2.0,
        "diagnostics/model.0.linear.weight/grad_norm": 0.25,
        "diagnostics/model.0.linear.weight/update_ratio": 1e-3,
        "diagnostics/model.1.relu/mean": 0.5, "diagnostics/model.1.relu/dead_fraction": 0.1}


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
