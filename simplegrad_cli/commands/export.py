"""`simplegrad export CHECKPOINT --format onnx`: the checkpoint's model as an ONNX file, with the
config's data.normalize folded in, checked by onnx.checker and (with onnxruntime) compared with
simplegrad's own output on sample inputs."""
import math
import os

import numpy as np
from simplegrad.atomic import WriteError, write_bytes
from simplegrad.export import INSTALL_HINT

from simplegrad_cli.errors import CHECK_FAILED, CliError
from simplegrad_cli.run.run_metadata import RunMetadata
from simplegrad_cli.run.output_guard import refuse_inputs, run_inputs
from simplegrad_cli.run.stored_run import load_run, weights_not_finite
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.report import Report

FORMATS = ("onnx",)
# Max abs difference allowed between onnxruntime and simplegrad: 1e-5 for outputs up to 1 in
# size, relative beyond (float32 keeps ~7 digits: logits of 20 differ by ~1e-5 from summation
# order alone).
TOLERANCE = 1e-5
SAMPLES = 16  # sample inputs the exported file is compared on


def _metadata(checkpoint, cfg, class_names):
    d = cfg.values["data"]
    steps = ["flattened to a vector"] * bool(d["flatten"])
    if d["normalize"] is not None:
        steps.append("(x - {}) / {} (folded into the graph)".format(*d["normalize"]))
    values = {"source_checkpoint": os.path.basename(checkpoint.path),
              "data_source": d["source"], "run_name": RunMetadata.read(checkpoint).name or "",
              "preprocessing": "; ".join(steps) or "none"}
    if class_names:
        values["class_names"] = ",".join(str(name) for name in class_names)
    return values


def run(options):
    """Write the ONNX file, check it, compare it with simplegrad; report the difference."""
    fmt, out = options.fmt, options.out
    if fmt not in FORMATS:
        raise CliError(f"{fmt!r} is not supported; formats: {', '.join(FORMATS)}",
                       where="--format")
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise CliError(f"export --format onnx needs the onnx package: {INSTALL_HINT}") from None
    from simplegrad.export import OPSET, ExportError, compare, to_onnx  # (tests patch these)

    checkpoint, cfg, model, _, (input_shape, num_classes, class_names) = \
        load_run(options.checkpoint)
    out = out or os.path.splitext(checkpoint.path)[0] + ".onnx"
    refuse_inputs(out, run_inputs(checkpoint.path, cfg))
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise CliError(f"{out}: folder {folder} does not exist", where="--out")
    broken = weights_not_finite(model)
    if broken:
        raise CliError(f"{checkpoint.path}: {broken}; nothing to export (resume from an "
                       "earlier checkpoint or train again)")
    normalize = cfg.values["data"]["normalize"]
    # inputs as the data source gives them: after data.normalize they are N(0, 1)
    inputs = np.random.default_rng(0).standard_normal((SAMPLES, *input_shape), dtype=np.float32)
    if normalize is not None:
        inputs = (inputs * np.float32(normalize[1]) + np.float32(normalize[0])).astype(np.float32)
    try:  # built and checked in memory; the file is written only once it passed
        proto = to_onnx(model, inputs, normalize=normalize,
                        metadata=_metadata(checkpoint, cfg, class_names),
                        doc_string=f"simplegrad model exported from {checkpoint.path}")
    except ExportError as error:
        raise CliError(f"{checkpoint.path}: {error}") from None
    content = proto.SerializeToString()
    try:  # without onnxruntime, the file is checked but not run
        import onnxruntime
        runtime = onnxruntime.__version__
    except ImportError:
        runtime = None
    difference, largest, tolerance = None, None, TOLERANCE
    if runtime is not None:
        try:
            difference, largest = compare(content, model, inputs, normalize)
        except ExportError as error:
            raise CliError(f"{checkpoint.path}: {error}; nothing was exported") from None
        if not (math.isfinite(difference) and math.isfinite(largest)):
            raise CliError(f"{checkpoint.path}: the model's outputs are not finite on sample "
                           f"inputs (max abs output {largest:.3g}); nothing was exported")
        tolerance = TOLERANCE * max(1.0, largest)
    passed = difference is None or difference <= tolerance
    if passed:
        try:  # a temp file beside `out`, renamed over it: a failure leaves the old file as it was
            write_bytes(out, content)
        except WriteError as error:
            raise CliError(f"cannot write the ONNX file: {error}", where="--out") from None
    report = {
        "checkpoint": checkpoint.path, "out": out, "format": "onnx", "opset": OPSET,
        "bytes": len(content), "written": passed,
        "input": {"name": "input", "dtype": "float32", "shape": ["batch", *input_shape]},
        "output": {"name": "output", "dtype": "float32", "shape": ["batch", num_classes]},
        "normalize": None if normalize is None else
        {"mean": normalize[0], "std": normalize[1], "folded": True},
        "checker": "passed", "onnxruntime": runtime, "samples": SAMPLES,
        "max_abs_difference": difference, "max_abs_output": largest, "tolerance": tolerance,
        "passed": passed,
    }
    if passed:
        return Report(report, lambda console: _print_report(report, console))
    kept = "the previous file is unchanged" if os.path.exists(out) else "nothing was written"
    return Report(report, lambda console: _print_report(report, console), CHECK_FAILED,
                  [f"onnxruntime and simplegrad differ by up to {difference:.3g} (more than "
                   f"{tolerance:.3g}); {out} was not written ({kept}); please report it"])


def _print_report(report, console):
    """The report as plain lines on stdout."""
    shapes = {side: "(" + ", ".join(map(str, report[side]["shape"])) + ")"
              for side in ("input", "output")}
    n = report["normalize"]
    if report["onnxruntime"] is None:
        ran = ('onnxruntime is not installed: the file was not run (pip install '
               '"simplegrad[onnx]" to compare it with simplegrad)')
    else:
        ran = (f"onnxruntime {report['onnxruntime']}: max abs difference from simplegrad "
               f"{report['max_abs_difference']:.3g} on {report['samples']} sample inputs "
               f"(tolerance {report['tolerance']:.3g})")
    display.say(
        console,
        f"{report['checkpoint']} -> {report['out']} (ONNX opset {report['opset']}, "
        f"{report['bytes']:,} bytes)",
        f"input  '{report['input']['name']}' float32 {shapes['input']}; "
        f"output '{report['output']['name']}' float32 {shapes['output']}",
        "preprocessing: " + ("none" if n is None else
                             f"(x - {n['mean']}) / {n['std']} folded into the model"),
        "onnx.checker: passed", ran)
