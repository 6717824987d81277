"""Real sweeps of the tiny config: trial folders, trials.jsonl, best.yaml, continuing a study,
pruning (a pruned trial is stopped by SIGTERM), and Ctrl-C."""
import os
import signal
import subprocess
import time

import pytest

from sweep_helpers import command, env, read_jsonl

pytestmark = pytest.mark.usefixtures("tiny_yaml")  # every sweep trains tiny.yaml

SWEEP = """\
    config: tiny.yaml
    trials: 3
    jobs: 2
    sampler: random
    pruner: none
    space:
      optimizer.lr: {loguniform: [1.0e-3, 1.0e-1]}
      model.0.linear.out: {choice: [8, 16]}
    """


def best_of(metrics_file, metric="val_accuracy"):
    return max(r[metric] for r in read_jsonl(metrics_file) if r["type"] == "epoch")


def test_sweep_writes_trial_runs_trials_jsonl_and_a_trainable_best_yaml(workdir, sweep_file,
                                                                         run):
    result = run("sweep", sweep_file(SWEEP), "--json")
    assert result.returncode == 0, result.stderr
    summary = result.json
    assert summary["counts"] == {"completed": 3} and sorted(summary["ran_here"]) == [0, 1, 2]
    records = read_jsonl("sweeps/s/trials.jsonl")
    assert [r["number"] for r in records] == [0, 1, 2]
    for record in records:
        folder = workdir / "sweeps" / "s" / f"trial-{record['number']:04d}"
        assert {"config.yaml", "metrics.jsonl", "best.npz", "last.npz"} <= set(os.listdir(folder))
        assert record["value"] == best_of(folder / "metrics.jsonl")  # the trial's best epoch
        assert record["outcome"] == "completed" and record["epochs"] == 2
        assert record["params"]["model.0.linear.out"] in (8, 16)
        info = run("info", folder / "best.npz", "--json")  # an ordinary run folder
        assert info.returncode == 0 and info.json["config"]["optimizer"]["lr"] == \
            record["params"]["optimizer.lr"]
    best = max(records, key=lambda r: r["value"])
    assert summary["best"]["number"] == best["number"]
    again = run("train", "sweeps/s/best.yaml", "--out", "again", "--json")
    assert again.returncode == 0, again.stderr
    assert again.json["best"] == best["value"]  # best.yaml trains to the best trial's metric


def test_running_the_command_again_continues_the_study(workdir, sweep_file, run):
    name = sweep_file(SWEEP)
    assert run("sweep", name, "--trials", "2", "--jobs", "1").returncode == 0
    more = run("sweep", name, "--json")  # the file asks for 3: one more trial
    assert more.returncode == 0, more.stderr
    assert more.json["ran_here"] == [2] and more.json["counts"] == {"completed": 3}
    params = [tuple(r["params"].values()) for r in read_jsonl("sweeps/s/trials.jsonl")]
    assert len(set(params)) == 3  # the continued sampler does not repeat earlier points
    done = run("sweep", name, "--json")
    assert done.returncode == 0 and done.json["ran_here"] == []
    assert done.stderr.splitlines()[-1] == "nothing to do: study 's' already has its 3 " \
                                           "trials; raise --trials to run more"


def test_a_space_change_is_not_mixed_into_an_existing_study(workdir, sweep_file, run, cli):
    assert run("sweep", sweep_file(SWEEP), "--trials", "1").returncode == 0
    changed = sweep_file(SWEEP.replace("[8, 16]", "[8, 32]"))
    result = cli("sweep", changed)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("study 's' in sqlite:///") and \
        "was created with another space" in result.stderr


def test_a_pruned_trial_is_stopped_and_recorded_as_pruned(workdir, sweep_file, run):
    # Deterministic pruning: a threshold no accuracy reaches, from the second epoch on. The
    # 1-epoch trial completes; the 2000-epoch one is pruned after epoch 2 and must be stopped.
    name = sweep_file("""\
        config: tiny.yaml
        trials: 2
        sampler: grid
        pruner: {name: threshold, lower: 1.5, n_warmup_steps: 2}
        space:
          train.epochs: {choice: [1, 2000]}
        """)
    started = time.monotonic()
    result = run("sweep", name, "--json")
    assert result.returncode == 0, result.stderr
    by_epochs = {r["params"]["train.epochs"]: r for r in read_jsonl("sweeps/s/trials.jsonl")}
    assert by_epochs[1]["outcome"] == "completed"
    pruned = by_epochs[2000]
    assert pruned["outcome"] == "pruned" and pruned["epochs"] == 2
    folder = workdir / "sweeps" / "s" / f"trial-{pruned['number']:04d}"
    trained = [r for r in read_jsonl(folder / "metrics.jsonl") if r["type"] == "epoch"]
    assert len(trained) < 200, "the pruned trial was not stopped"
    assert "SIGTERM" in (folder / "train.log").read_text()  # train saved and exited 143
    assert os.path.exists(folder / "last.npz")
    assert result.json["counts"] == {"completed": 1, "pruned": 1}
    assert time.monotonic() - started < 120


def test_ctrl_c_marks_running_trials_and_a_changed_base_is_not_continued(workdir, sweep_file,
                                                                          run):
    name = sweep_file(SWEEP.replace("jobs: 2", "jobs: 2\n    study: s"))
    process = subprocess.Popen(command("sweep", name, "--set", "train.epochs=5000"),
                               cwd=workdir, env=env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    metrics = [workdir / "sweeps" / "s" / f"trial-{n:04d}" / "metrics.jsonl" for n in (0, 1)]
    deadline = time.monotonic() + 120
    while not all(m.exists() and m.stat().st_size for m in metrics):
        assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1].startswith("Ctrl-C: sweep stopped; 2 running trial(s) "
                                              "marked interrupted (trial-000")
    assert stderr.count("keeps last.npz") == 2
    records = read_jsonl("sweeps/s/trials.jsonl")
    assert [r["outcome"] for r in records] == ["interrupted", "interrupted"]
    for n in (0, 1):
        folder = workdir / "sweeps" / "s" / f"trial-{n:04d}"
        assert "last.npz" in os.listdir(folder)
    leftovers = [f for _, _, files in os.walk("sweeps") for f in files if ".partial" in f]
    assert leftovers == []
    again = run("sweep", name)  # without the --set: another base config, another study
    assert again.returncode == 2 and again.stderr.strip().endswith(
        "was created with another base config (train.epochs: 5000 -> 2); use --study NAME (or "
        "another --out) for a new study")


def test_trials_that_all_fail_stop_the_sweep_after_three(workdir, sweep_file, run):
    name = sweep_file(SWEEP.replace("jobs: 2", "jobs: 1").replace("trials: 3", "trials: 10"))
    result = run("sweep", name, "--set", "data.source=missing-folder", "--json")
    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("stopped: the first 3 trials failed (trial 0: ") and \
        "missing-folder" in last, result.stderr
    records = read_jsonl("sweeps/s/trials.jsonl")
    assert [r["outcome"] for r in records] == ["failed"] * 3
    assert all("missing-folder" in r["error"] for r in records)


def test_a_storage_that_cannot_be_opened_is_one_line(workdir, sweep_file, cli):
    name = sweep_file(SWEEP)
    result = cli("sweep", name, "--storage", "postgresql://me:secret@127.0.0.1:1/db", "--join")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("cannot open the study storage "
                           "postgresql+psycopg://me:***@127.0.0.1:1/db: ") and "\n" not in line
    assert "secret" not in line
    assert not os.path.exists("sweeps")
