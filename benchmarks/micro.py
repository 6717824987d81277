"""Micro-benchmarks: per-op overhead, backward()'s fixed cost, a long chain, one conv2d.

Each case is a statement timed with timeit for every backend, each backend in a process of its
own (benchmarks/workers.py), interleaved over rounds; the reported figure is the median over
rounds of the per-call time.
- `a + b` on 4-element float32 arrays: the Python cost of one op (the arithmetic is ~free).
  NumPy's number is the floor any NumPy engine pays; "fwd+bwd" for NumPy is the same arithmetic
  by hand (c = a + b; then g added into grad_a and grad_b in place).
- backward() fixed cost = (fwd+bwd) - (grad-tracking fwd) of that one-op graph.
- A chain of N `y = y * 0.99999` ops, forward then backward, and the memory still held by
  simplegrad after backward (tracemalloc; the graph should be freed).
- conv2d 3x3, padding 1, 1 -> 8 channels on a 64x1x28x28 batch, forward + backward with
  gradients for input, weight and bias (NumPy: the reference's im2col functions, CNHW).
"""
import statistics
import time
import timeit
import tracemalloc

import numpy as np

from benchmarks import numpy_reference

CHAIN_FACTOR = 0.99999


def _tiny(rng):
    """Two 4-element float32 arrays and a ones gradient."""
    return (rng.standard_normal(4).astype(np.float32), rng.standard_normal(4).astype(np.float32),
            np.ones(4, dtype=np.float32))


def op_cases(backend_names):
    """{case: {backend: (statement, globals)}} for the tiny-op cases."""
    a, b, g = _tiny(np.random.default_rng(0))
    cases = {"add fwd, no grad": {}, "add fwd, grad-tracking": {}, "add fwd+bwd": {}}
    cases["add fwd, no grad"]["numpy"] = ("a + b", {"a": a, "b": b})
    cases["add fwd+bwd"]["numpy"] = ("c = a + b; add(ga, g, out=ga); add(gb, g, out=gb)",
                                     {"a": a, "b": b, "g": g, "add": np.add, "ga": np.zeros_like(a),
                                      "gb": np.zeros_like(b)})
    if "torch" in backend_names:
        import torch
        ta, tb, tg = (torch.from_numpy(v.copy()) for v in (a, b, g))
        ra, rb = ta.clone().requires_grad_(), tb.clone().requires_grad_()
        cases["add fwd, no grad"]["torch"] = ("a + b", {"a": ta, "b": tb})
        cases["add fwd, grad-tracking"]["torch"] = ("a + b", {"a": ra, "b": rb})
        cases["add fwd+bwd"]["torch"] = ("(a + b).backward(g)", {"a": ra, "b": rb, "g": tg})
    if "simplegrad" in backend_names:
        from simplegrad import Tensor
        sa, sb = Tensor(a.copy()), Tensor(b.copy())
        qa, qb = Tensor(a.copy(), requires_grad=True), Tensor(b.copy(), requires_grad=True)
        cases["add fwd, no grad"]["simplegrad"] = ("a + b", {"a": sa, "b": sb})
        cases["add fwd, grad-tracking"]["simplegrad"] = ("a + b", {"a": qa, "b": qb})
        cases["add fwd+bwd"]["simplegrad"] = ("(a + b).backward(g)",
                                              {"a": qa, "b": qb, "g": g.copy()})
    return cases


def conv_case(backend_names):
    """{backend: (statement, globals)} for conv2d forward + backward at MNIST size."""
    rng = np.random.default_rng(0)
    x = rng.random((64, 1, 28, 28), dtype=np.float32)
    w = rng.uniform(-1 / 3, 1 / 3, (8, 1, 3, 3)).astype(np.float32)
    b = rng.uniform(-1 / 3, 1 / 3, 8).astype(np.float32)
    w_mat = w.reshape(8, -1).copy()
    cnhw = x.reshape(1, 64, 28, 28)  # one channel: NCHW is CNHW
    ref = numpy_reference
    grad_grid = np.zeros((8, 64, 30, 30), dtype=np.float32)  # the output grid, zero off the
    grad_grid[..., :28, :28] = 1.0                           # valid corner
    case = {"numpy": (
        "out, cols = f(x, w, b); bwd(g, x, cols, w, gw, gb)",
        {"f": ref.conv3x3_forward, "bwd": ref.conv3x3_backward, "x": cnhw, "w": w_mat, "b": b,
         "g": grad_grid, "gw": np.empty_like(w_mat),
         "gb": np.empty_like(b)})}
    if "torch" in backend_names:
        import torch
        tx, tw, tb = (torch.from_numpy(v.copy()).requires_grad_() for v in (x, w, b))
        tg = torch.ones(64, 8, 28, 28)
        case["torch"] = ("conv(x, w, b, padding=1).backward(g)",
                         {"conv": torch.nn.functional.conv2d, "x": tx, "w": tw, "b": tb, "g": tg})
    if "simplegrad" in backend_names:
        from simplegrad import Tensor
        from benchmarks.simplegrad_models import conv2d
        sx, sw, sb = (Tensor(v.copy(), requires_grad=True) for v in (x, w, b))
        case["simplegrad"] = ("conv(x, w, b).backward(g)",
                              {"conv": conv2d, "x": sx, "w": sw, "b": sb,
                               "g": np.ones((64, 8, 28, 28), dtype=np.float32)})
    return case


GEMM_SHAPES = ((128, 784, 512), (128, 512, 512))  # the MLP 784-512-512-10's forward matmuls


def gemm_cases(backend_names):
    """{case: {backend: (statement, globals)}}: one float32 matmul of the wide MLP's shapes.

    The engines' whole difference here is the BLAS library: NumPy's OpenBLAS against the MKL
    that PyTorch's CPU build calls (simplegrad's Linear is a NumPy matmul).
    """
    rng = np.random.default_rng(0)
    cases = {}
    for m, k, n in GEMM_SHAPES:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        case = cases[f"matmul {m}x{k} @ {k}x{n}"] = {"numpy": ("a @ b", {"a": a, "b": b})}
        if "torch" in backend_names:
            import torch
            case["torch"] = ("a @ b", {"a": torch.from_numpy(a), "b": torch.from_numpy(b)})
    return cases


def cases_for(name):
    """{case: (statement, globals)} of one backend (built in that backend's own process)."""
    cases = {c: per[name] for c, per in op_cases([name]).items() if name in per}
    conv = conv_case([name])
    if name in conv:
        cases["conv2d 64x1x28x28 -> 8, fwd+bwd"] = conv[name]
    cases.update({c: per[name] for c, per in gemm_cases([name]).items() if name in per})
    return cases


def time_one(case, number):
    """Microseconds per call of one (statement, globals) case, over `number` calls."""
    stmt, env = case
    return timeit.Timer(stmt, globals=env).timeit(number) / number * 1e6


def time_cases(workers, rounds, number):
    """{case: {backend: median µs per call}}: every backend times its cases in its own
    process, each (case, backend) once per round, the backend order rotating."""
    backends_of = {}
    for name, worker in workers.items():
        for case in worker.call("micro_cases"):
            backends_of.setdefault(case, []).append(name)
    for case, names in backends_of.items():  # warm-up: first calls pay lazy initialisation
        for name in names:
            workers[name].call("time_case", case, max(3, number(case) // 10))
    samples = {c: {b: [] for b in names} for c, names in backends_of.items()}
    for r in range(rounds):
        for case, names in backends_of.items():
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                samples[case][name].append(workers[name].call("time_case", case, number(case)))
    return {c: {b: statistics.median(v) for b, v in per.items()} for c, per in samples.items()}


def _chain(make_leaf, length):
    """(leaf, output) of `length` multiplications by a constant."""
    x = make_leaf()
    y = x
    for _ in range(length):
        y = y * CHAIN_FACTOR
    return x, y


def chain_timing(backend_name, length):
    """Seconds for forward and for backward of a `length`-op chain on a 4-element tensor."""
    if backend_name == "torch":
        import torch

        def make_leaf():
            return torch.ones(4, requires_grad=True)

        seed = torch.ones(4)
    else:
        from simplegrad import Tensor

        def make_leaf():
            return Tensor(np.ones(4, dtype=np.float32), requires_grad=True)

        seed = np.ones(4, dtype=np.float32)
    start = time.perf_counter()
    x, y = _chain(make_leaf, length)
    mid = time.perf_counter()
    y.backward(seed)
    end = time.perf_counter()
    expected = CHAIN_FACTOR ** length
    grad = np.asarray(x.grad, dtype=np.float64)
    ok = bool(np.allclose(grad, expected, rtol=1e-2))
    return {"forward_s": mid - start, "backward_s": end - mid, "total_s": end - start,
            "grad_ok": ok}


def chain_memory_simplegrad(length):
    """tracemalloc bytes (MiB) held by simplegrad's graph after forward and after backward."""
    from simplegrad import Tensor
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        x, y = _chain(lambda: Tensor(np.ones(4, dtype=np.float32), requires_grad=True), length)
        after_forward = tracemalloc.get_traced_memory()[0]
        y.backward(np.ones(4, dtype=np.float32))
        after_backward = tracemalloc.get_traced_memory()[0]
        del x, y
        after_del = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    mib = 1024.0 * 1024.0
    held, left = (after_forward - base) / mib, (after_backward - base) / mib
    return {"graph_mib_after_forward": held, "mib_after_backward": left,
            "mib_after_del": (after_del - base) / mib,
            "freed_after_backward": left < 0.05 * held + 0.01}


def run_all(workers, rounds, reps, chain_length, log=print):
    """Every micro-benchmark, each backend in its own process (benchmarks.workers); returns a
    JSON-able dict."""
    conv_reps = max(3, reps // 500)
    timed = time_cases(workers, rounds, lambda c: reps if c.startswith("add") else conv_reps)
    log("  op micro-benchmarks done")
    fixed = {b: timed["add fwd+bwd"][b] - timed["add fwd, grad-tracking"][b]
             for b in timed["add fwd, grad-tracking"]}
    result = {"op_us": timed, "backward_fixed_us": fixed, "chain_length": chain_length,
              "chain": {}}
    for name in ("torch", "simplegrad"):
        if name in workers:
            runs = [workers[name].call("chain", chain_length)
                    for _ in range(max(1, min(rounds, 3)))]
            best = min(runs, key=lambda r: r["total_s"])
            best["grad_ok"] = all(r["grad_ok"] for r in runs)
            result["chain"][name] = best
    if "simplegrad" in workers:
        result["chain"]["simplegrad"].update(workers["simplegrad"].call("chain_memory",
                                                                         chain_length))
    log("  chain done")
    return result
