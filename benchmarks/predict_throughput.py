"""Throughput of `simplegrad predict` on a folder of images:
`python -m benchmarks.predict_throughput CHECKPOINT (--folder DIR | --idx IMAGES.idx[.gz])`.

With --idx, the IDX images (e.g. MNIST's t10k-images-idx3-ubyte.gz) are first written as PNG
files into a temporary folder. Times the whole command in-process (file listing, decoding,
preprocessing, the model, the CSV) and, separately, decoding and the model alone.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/predict_throughput.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def write_pngs(idx_path, folder, limit=None):
    """The images of an IDX file as numbered PNG files in `folder`; returns their count."""
    from PIL import Image

    from simplegrad.data import read_idx

    images = read_idx(idx_path)[:limit]
    for i, image in enumerate(images):
        Image.fromarray(image).save(Path(folder) / f"{i:05d}.png")
    return len(images)


def measure(checkpoint, folder, out_csv):
    """Seconds for the whole predict command (wall and CPU: the machine may be shared) and
    for its decode and model phases."""
    from simplegrad_cli.commands import predict
    from simplegrad_cli.main import options
    from simplegrad_cli.inputs.model_input import ModelInput, decode_images, expand
    from simplegrad_cli.run.evaluation import class_probabilities
    from simplegrad_cli.run.stored_run import load_run

    start, cpu = time.perf_counter(), time.process_time()
    predict.run(options("predict", checkpoint=checkpoint, inputs=[folder], out=out_csv))
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    _, cfg, model, _, (input_shape, _, _) = load_run(checkpoint)
    model_input = ModelInput.of(cfg, input_shape)
    files = expand([folder])
    start = time.perf_counter()
    pixels, _ = decode_images(files, model_input)
    decode = time.perf_counter() - start
    x = model_input.prepare(pixels, folder)
    start = time.perf_counter()
    class_probabilities(model, x)
    forward = time.perf_counter() - start
    return {"images": len(files), "total_s": total, "cpu_s": cpu, "decode_s": decode,
            "model_s": forward}


def main(argv=None):
    """Parse the options, make the PNGs if asked, measure and print one line per number."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.predict_throughput",
                                description=__doc__.split("\n")[0])
    p.add_argument("checkpoint")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--folder", help="a folder of images")
    source.add_argument("--idx", help="an IDX image file to write as PNGs first")
    p.add_argument("--limit", type=int, help="use only the first N images of --idx")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder
        if args.idx:
            folder = str(Path(scratch) / "images")
            Path(folder).mkdir()
            write_pngs(args.idx, folder, args.limit)
        result = measure(args.checkpoint, folder, str(Path(scratch) / "preds.csv"))
    n = result["images"]
    print(f"predict on {n:,} images: {result['total_s']:.2f}s ({n / result['total_s']:,.0f} "
          f"images/s, {result['cpu_s']:.2f}s of CPU); decoding {result['decode_s']:.2f}s, model "
          f"{result['model_s']:.2f}s")
    return result


if __name__ == "__main__":
    main()
