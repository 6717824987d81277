"""Turn the results dict into readable plain-text tables (the JSON file holds everything)."""
from benchmarks import machine

BACKENDS = ("numpy", "torch", "simplegrad")
RATIOS = ("simplegrad/numpy", "simplegrad/torch", "torch/numpy")


def table(header, rows):
    """Left-aligned first column, right-aligned others, separated by two spaces."""
    rows = [[str(c) for c in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _fmt(value, unit="", digits=3):
    """A number with `digits` significant digits and a unit, or '-' when missing."""
    if value is None:
        return "-"
    return f"{value:.{digits}g}{unit}"


def _ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def training_lines(title, results, scale, unit, key="median_s", ratios="ratios"):
    """Times per backend (median or min) and ratios, one row per workload."""
    rows = []
    for name, entry in results.items():
        t = entry[key]
        rows.append([name, *(_fmt(t[b] * scale, unit) if b in t else "-" for b in BACKENDS),
                     *(_ratio(entry[ratios].get(r)) for r in RATIOS)])
    return [title, *table(["workload", *BACKENDS, *RATIOS], rows)]


def fault_lines(results):
    """Minor page faults per step (MLP: per epoch step too): memory the allocator handed back
    to the system and took again, each page zero-filled by the kernel."""
    rows = [[name, *(_fmt(entry["page_faults_per_step"].get(b), digits=3) for b in BACKENDS)]
            for name, entry in results.items() if entry.get("page_faults_per_step")]
    if not rows:
        return []
    return ["", "Minor page faults per training step (median over rounds; each backend's own "
                "process)", *table(["workload", *BACKENDS], rows)]


def memory_lines(memory):
    """tracemalloc and RSS peaks per workload and backend."""
    rows = []
    for name, entry in memory.items():
        traced, rss = entry.get("tracemalloc_mib", {}), entry.get("rss_delta_mib", {})
        ratio = (traced["simplegrad"] / traced["numpy"]
                 if traced.get("simplegrad") and traced.get("numpy") else None)
        rows.append([name, *(_fmt(traced.get(b), digits=3) for b in ("numpy", "simplegrad")),
                     _ratio(ratio), *(_fmt(rss.get(b), digits=3) for b in BACKENDS)])
    header = ["workload", "traced numpy", "traced simplegrad", "traced sg/numpy",
              *(f"RSS {b}" for b in BACKENDS)]
    return ["Peak memory of building the model + one training epoch, MiB above the dataset "
            "(traced = tracemalloc in process; RSS = peak RSS rise in a fresh subprocess)",
            *table(header, rows)]


def micro_lines(micro):
    """Per-op overhead, backward fixed cost, conv2d and the long chain."""
    ops = dict(micro["op_us"])
    ops["backward() fixed cost (fwd+bwd - fwd)"] = micro["backward_fixed_us"]
    rows = []
    for case, per in ops.items():
        sg, np_, th = per.get("simplegrad"), per.get("numpy"), per.get("torch")
        rows.append([case, *(_fmt(per.get(b), digits=3) for b in BACKENDS),
                     _ratio(sg / np_ if sg and np_ else None),
                     _ratio(sg / th if sg and th else None),
                     _ratio(th / np_ if th and np_ else None)])
    lines = ["Micro-benchmarks, microseconds per call (median over rounds)",
             *table(["case", *BACKENDS, "simplegrad/numpy", "simplegrad/torch", "torch/numpy"],
                    rows), ""]
    n = micro["chain_length"]
    lines.append(f"{n:,}-op chain (y = y * 0.99999 on 4 elements), forward + backward:")
    for name, c in micro["chain"].items():
        line = (f"  {name}: forward {c['forward_s']:.3f} s, backward {c['backward_s']:.3f} s, "
                f"total {c['total_s']:.3f} s, gradient {'correct' if c['grad_ok'] else 'WRONG'}")
        if "graph_mib_after_forward" in c:
            line += (f"; graph held {c['graph_mib_after_forward']:.1f} MiB after forward, "
                     f"{c['mib_after_backward']:.3f} MiB after backward "
                     f"({'freed' if c['freed_after_backward'] else 'NOT freed'})")
        lines.append(line)
    return lines


def render(results):
    """The whole report as text."""
    lines = ["simplegrad benchmarks", "=" * 21, *machine.summary_lines(results["machine"])]
    s = results["settings"]
    lines.append(f"Settings: {s['samples']:,} samples, {s['rounds']} interleaved rounds, "
                 f"warm-up {'on' if s['warmup'] else 'off'}, CNN {s['cnn_steps']} steps/round")
    for name, why in results.get("skipped", {}).items():
        lines.append(f"Skipped backend {name}: {why}")
    if results.get("mlp"):
        lines += ["", *training_lines("MLP training: seconds per epoch (median); ratios are "
                                      "medians of per-round ratios", results["mlp"], 1.0, " s")]
    if results.get("cnn"):
        lines += ["", *training_lines("CNN training: milliseconds per step (median)",
                                      results["cnn"], 1e3, " ms")]
    if results.get("gpt"):
        lines += ["", *training_lines("Small GPT training: milliseconds per step (median)",
                                      results["gpt"], 1e3, " ms")]
    both = {**results.get("mlp", {}), **results.get("cnn", {}), **results.get("gpt", {})}
    if both:
        fastest = {name: {**e, "min_s": {b: v * (1.0 if name.startswith("mlp") else 1e3)
                                        for b, v in e["min_s"].items()}}
                   for name, e in both.items()}
        lines += ["", *training_lines(f"Fastest of {s['rounds']} rounds (MLP s/epoch, CNN "
                                      "and GPT ms/step) and ratios of these minima: the least "
                                      "disturbed runs on a busy machine", fastest, 1.0, "",
                                      key="min_s", ratios="min_ratios")]
        lines += fault_lines(both)
    if results.get("memory"):
        lines += ["", *memory_lines(results["memory"])]
    if results.get("micro"):
        lines += ["", *micro_lines(results["micro"])]
    return "\n".join(lines)
