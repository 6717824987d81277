"""`simplegrad validate`: every check `train` does before training that needs no data (with
--load-data, those too), and the model's summary: each layer's shape and parameters, the
training memory."""

from simplegrad.memory import format_bytes

from simplegrad_cli.config.validation import load_config
from simplegrad_cli.inputs import datasets
from simplegrad_cli.run import build
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.report import Report, config_report


def run(options):
    """Validate the config (and with `load_data` its data) and report the model."""
    config, load_data = options.config, options.load_data
    cfg = load_config(config, options.overrides)
    if options.print_config:
        return config_report(cfg)
    d = cfg.values["data"]
    if load_data:
        data, _, rows, _ = build.build_run(cfg)
        known = datasets.DataShape(data.input_shape, data.num_classes, "the data")
    else:  # the data is never read: its shape comes from the config, the source or nowhere
        known = datasets.data_shape(cfg)
        rows = build.plan_model(cfg, known.input_shape)
        if known.input_shape is not None:  # each layer's dry run, as train gives it
            _, rows, _ = build.build_model(cfg, known.input_shape, known.num_classes)
        build.check_outputs(cfg, rows, known.num_classes)
    summary = {
        "config": str(config), "valid": True,
        "data": {"source": d["source"], "input_shape": None if known.input_shape is None
                 else list(known.input_shape), "num_classes": known.num_classes,
                 "shape_from": known.origin,
                 "train_samples": len(data.train) if load_data else None,
                 "val_samples": (len(data.val) if data.val is not None else 0)
                 if load_data else None},
        "layers": [row.to_json() for row in rows],
        "parameters": build.total_parameters(rows),
        "training_memory_bytes": build.training_memory(cfg, rows),
        "drops_single_last_batch": build.drop_single_last_batch(cfg, rows, len(data.train))
        if load_data else None,
    }

    def render(console):
        display.say(console, f"{config}: OK. data {d['source']}: {_data_text(summary['data'])}")
        table_rows = [["", "input", "", build.shape_text(known.input_shape), ""]]
        table_rows += [[str(r.index), r.name, r.arguments_text(),
                        build.shape_text(r.output_shape), _count_text(r.parameters)]
                       for r in rows]
        table_rows.append(["", "total", "", "", _count_text(summary["parameters"])])
        display.table("model", [">#", "layer", "arguments", "output shape", ">parameters"],
                      table_rows, console)
        memory = summary["training_memory_bytes"]
        display.say(console, f"training needs about {format_bytes(memory)} of memory "
                             "(parameters, gradients, optimizer state and one batch's "
                             "activations)" if memory is not None else
                    "training memory: unknown until the input shape is known")
        if summary["drops_single_last_batch"]:
            display.say(console, "the last batch of each epoch holds one sample, which batch "
                                 "norm cannot train on: training skips it")
    return Report(summary, render)


def _data_text(data):
    """What validate says of the data: sample counts when it was read, else where its shape
    came from, or that it is unknown."""
    if data["input_shape"] is None:
        return ("input shape unknown without reading the data (set data.input_shape, or use "
                "--load-data); shapes and sizes that depend on it are shown as ?")
    classes = f"{data['num_classes']} classes" if data["num_classes"] is not None else \
        "classes unknown"
    shape = f"input {tuple(data['input_shape'])}, {classes}"
    if data["train_samples"] is not None:
        return f"{data['train_samples']:,} train / {data['val_samples']:,} val samples, {shape}"
    return f"{shape} (from {data['shape_from']}; the data itself was not read: --load-data " \
           "reads it as train does)"


def _count_text(count):
    """A parameter count as a summary shows it: '1,234', or '?' when unknown."""
    return "?" if count is None else f"{count:,}"
