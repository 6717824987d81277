"""Each backend in a process of its own, driven round by round by the parent.

A library loaded beside another changes the whole process: once PyTorch has run a conv, its
native libraries have changed glibc's allocator settings, and simplegrad's CNN step ran ~2.3x
faster in that process than in one of its own (7.4 ms alone, 3.2 ms after one
`torch.nn.Conv2d` call, on the two-core machine). A user's process has only simplegrad, so each
backend runs in a fresh interpreter ("spawn": nothing is inherited) that imports only itself
and NumPy (`python -m benchmarks.workers BACKEND THREADS`). The parent imports neither and
sends commands; the rounds still interleave, so slow drifts of the machine hit every backend
alike.
"""
import gc
import os
import pickle
import subprocess
import sys
import traceback
from pathlib import Path

from benchmarks import workloads

ROOT = Path(__file__).resolve().parent.parent


class WorkerError(RuntimeError):
    """A command failed inside a backend's process (the message holds its traceback)."""


class Worker:
    """A backend's process: `call(command, *args)` runs `command` there and returns its result.

    Commands and results travel pickled over the child's stdin and stdout."""

    def __init__(self, name, threads=None):
        self.name = name
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.workers", name, str(threads or 0)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, env=env)
        self.unavailable = self.call("unavailable")

    def call(self, command, *args):
        pickle.dump((command, args), self.process.stdin)
        self.process.stdin.flush()
        try:
            ok, value = pickle.load(self.process.stdout)
        except EOFError:
            raise WorkerError(f"{self.name} worker exited ({self.process.wait()}) during "
                              f"{command}") from None
        if not ok:
            raise WorkerError(f"{self.name} worker, {command}: {value}")
        return value

    def close(self):
        if self.process.poll() is None:
            try:
                pickle.dump(("quit", ()), self.process.stdin)
                self.process.stdin.close()
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


class RemoteJob:
    """training.Job's interface (reset, run, max_steps) for a job living in a worker."""

    def __init__(self, worker, workload_name, max_steps):
        self.worker, self.name, self.max_steps = worker, workload_name, max_steps

    def reset(self):
        self.worker.call("reset", self.name)

    def run(self):
        return tuple(self.worker.call("run", self.name))


def start(names, threads=None):
    """({name: Worker} of the backends that can run here, {name: why not} for the others)."""
    ready, skipped = {}, {}
    for name in names:
        worker = Worker(name, threads)
        if worker.unavailable:
            skipped[name] = worker.unavailable
            worker.close()
        else:
            ready[name] = worker
    return ready, skipped


# ---- inside the worker process -----------------------------------------------------------
class _Backend:
    """The state of one backend's process: its module, its jobs and its micro cases."""

    def __init__(self, name, threads):
        from benchmarks import backends, machine
        loaded, skipped = backends.load((name,))
        self.name, self.module = name, loaded.get(name)
        self.why_not = skipped.get(name)
        if self.module is None:
            return
        self.set_threads(threads or machine.cores())
        self.jobs, self.cases, self.data = {}, {}, None

    def set_threads(self, count):
        from benchmarks import machine
        return machine.set_threads(self.name, count)

    def unavailable(self):
        return self.why_not

    def describe(self):
        from benchmarks import machine
        return machine.describe(self.name)

    def jobs_for(self, names, samples, steps):
        """Build the jobs of the workloads `names` this backend has; returns their names."""
        from benchmarks import training
        self.data = workloads.make_data(samples)
        for w in workloads.ALL_WORKLOADS:
            if w.name in names and (not isinstance(w, workloads.GPTWorkload)
                                    or hasattr(self.module, "build_gpt")):
                per_step = steps if isinstance(w, workloads.STEPPED) else None
                self.jobs[w.name] = training.Job(w, self.module, self.data,
                                                 workloads.LEARNING_RATE, per_step)
        return list(self.jobs)

    def reset(self, name):
        self.jobs[name].reset()

    def run(self, name):
        return self.jobs[name].run()

    def drop_jobs(self):
        self.jobs.clear()
        gc.collect()

    def micro_cases(self):
        """Build this backend's micro cases; returns their names."""
        from benchmarks import micro
        self.cases = micro.cases_for(self.name)
        return list(self.cases)

    def time_case(self, case, number):
        from benchmarks import micro
        return micro.time_one(self.cases[case], number)

    def chain(self, length):
        from benchmarks import micro
        return micro.chain_timing(self.name, length)

    def chain_memory(self, length):
        from benchmarks import micro
        return micro.chain_memory_simplegrad(length)

    def traced_peak(self, workload_name, steps):
        from benchmarks import memory
        workload = {w.name: w for w in workloads.ALL_WORKLOADS}[workload_name]
        return memory.traced_peak_mib(self.module, workload, self.data, max_steps=steps)


def serve(commands, replies, name, threads):
    """The worker's loop: run each (command, args) received, reply (ok, result or traceback)."""
    backend = _Backend(name, threads)
    while True:
        try:
            command, args = pickle.load(commands)
        except EOFError:
            return
        if command == "quit":
            return
        try:
            reply = (True, getattr(backend, command)(*args))
        except Exception:  # reported to the parent, which raises it
            reply = (False, traceback.format_exc())
        pickle.dump(reply, replies)
        replies.flush()


if __name__ == "__main__":
    protocol = os.fdopen(os.dup(1), "wb")  # replies go here; anything printed goes to stderr
    os.dup2(2, 1)
    serve(sys.stdin.buffer, protocol, sys.argv[1], int(sys.argv[2]) or None)
