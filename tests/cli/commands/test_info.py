"""`simplegrad info`: a checkpoint's numbers in the format `train` and `compare` use."""


def test_info_shows_the_best_metric_as_train_does(cli, write_config):
    train = cli("train", write_config())
    assert train.exit_code == 0
    best = next(line for line in train.stderr.splitlines() if line.startswith("best "))
    shown = best.split(" at epoch")[0]  # "best val_accuracy 57.50%"
    result = cli("info", "runs/tiny/best.npz")
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("best "))
    assert line.split()[:3] == shown.split()  # best val_accuracy 57.50%, not 0.5750
