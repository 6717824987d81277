"""Many machines: two `--join` workers (separate processes) share a study in a throwaway
PostgreSQL cluster; together they run the requested trials, never the same one twice, and
best.yaml is the best of all. Skips, with the reason, only when PostgreSQL cannot start."""
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time

import pytest
from sweep_helpers import command, env, read_jsonl

pytestmark = pytest.mark.usefixtures("tiny_yaml")  # every sweep trains tiny.yaml

optuna = pytest.importorskip("optuna")
pytest.importorskip("psycopg")

BIN = "/usr/lib/postgresql/15/bin"


def _tool(name):
    found = shutil.which(name) or os.path.join(BIN, name)
    if not os.access(found, os.X_OK):
        pytest.skip(f"PostgreSQL's {name} is not installed")
    return found


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL cluster in a temp folder on a free local port, stopped afterwards
    (initdb refuses to run as root: then it runs as the `postgres` user)."""
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    folder = tempfile.mkdtemp(prefix="simplegrad-pg-")
    as_user = []
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            pytest.skip("running as root and there is no postgres user to run initdb as")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(folder, "data"), _free_port()

    def call(*args):
        return subprocess.run(as_user + list(args), capture_output=True, text=True, timeout=120)

    try:
        made = call(initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
        if made.returncode != 0:
            pytest.skip(f"initdb failed: {(made.stderr or made.stdout).strip()[-300:]}")
        started = call(pg_ctl, "-D", data, "-l", os.path.join(folder, "server.log"), "-w",
                       "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                             "-c fsync=off", "start")
        if started.returncode != 0:
            pytest.skip(f"pg_ctl start failed: {(started.stderr or started.stdout).strip()}")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            call(pg_ctl, "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_two_join_workers_share_one_study(workdir, postgres_url):
    (workdir / "s.yaml").write_text(textwrap.dedent("""\
        config: tiny.yaml
        trials: 6
        jobs: 1
        sampler: random
        pruner: none
        study: shared
        space:
          optimizer.lr: {loguniform: [1.0e-3, 1.0e-1]}
          model.0.linear.out: {choice: [4, 8, 16, 32]}
        """))
    workers = {name: subprocess.Popen(
        command("sweep", "s.yaml", "--storage", postgres_url, "--join", "--out", name,
                "--json"), cwd=workdir, env=env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for name in ("w1", "w2")}
    results, order = {}, []
    deadline = time.monotonic() + 600
    while len(results) < 2:
        assert time.monotonic() < deadline, "the workers did not finish"
        for name, process in workers.items():
            if name not in results and process.poll() is not None:
                out, err = process.communicate()
                assert process.returncode == 0, err
                results[name] = json.loads(out)
                order.append(name)
        time.sleep(0.2)
    ran = {name: set(summary["ran_here"]) for name, summary in results.items()}
    assert ran["w1"] and ran["w2"], "both workers ran trials"
    assert not ran["w1"] & ran["w2"], "no trial ran twice"
    study = optuna.load_study(study_name="shared", storage=postgres_url.replace(
        "postgresql://", "postgresql+psycopg://"))
    completed = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(completed) == 6 and {t.number for t in completed} == ran["w1"] | ran["w2"]
    for name in ("w1", "w2"):  # each worker's run folders are its own trials
        folders = {int(f.split("-")[1]) for f in os.listdir(workdir / name)
                   if f.startswith("trial-")}
        assert folders == ran[name]
    best = max(completed, key=lambda t: t.value)
    last = order[-1]  # the worker that finished last saw every trial
    assert results[last]["best"]["number"] == best.number
    records = read_jsonl(workdir / last / "trials.jsonl")
    assert sum(r["outcome"] == "completed" for r in records) == 6
    best_yaml = (workdir / last / "best.yaml").read_text()
    assert f"trial {best.number}," in best_yaml.splitlines()[0]
    trained = subprocess.run(command("train", f"{last}/best.yaml", "--out", "again", "--json"),
                             cwd=workdir, env=env(), capture_output=True, text=True,
                             timeout=300)
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["best"] == best.value
