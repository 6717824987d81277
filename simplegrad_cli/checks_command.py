"""`simplegrad gradcheck`: run the checks in gradchecks.py and print one row per check."""
from simplegrad_cli import display
from simplegrad_cli.errors import CHECK_FAILED, OK, CliError


def gradcheck(config, ops, overrides, batch_size, as_json):
    """Check the library's ops (or one config's model) and return 0, or 1 if any fails."""
    from simplegrad_cli import gradchecks

    if config is None:
        known = gradchecks.available_checks()
        unknown = [name for name in ops if name not in known]
        if unknown:
            from simplegrad_cli.config import suggest

            raise CliError(f"--op {unknown[0]}: unknown op or layer; "
                           f"{suggest(unknown[0], known, list_all=True)}")
        rows = gradchecks.run_library_checks(set(ops))
        title = "gradcheck: library ops and layers (float64)"
    else:
        rows = _model_rows(config, overrides, batch_size)
        title = f"gradcheck: {config} model + loss on {batch_size} samples (float64)"
    failed = [row["name"] for row in rows if not row["passed"]]
    if as_json:
        display.print_json({"checks": rows, "passed": not failed, "failed": failed})
    else:
        display.table(title, ["check", ">elements", ">abs err", ">rel err", "result"],
                      [[r["name"], r["elements"], f"{r['max_abs_err']:.2e}",
                        f"{r['max_rel_err']:.2e}", "ok" if r["passed"] else "FAIL"]
                       for r in rows])
        display.info(f"{len(rows) - len(failed)} of {len(rows)} checks passed"
                     + (f"; failed: {', '.join(failed)}" if failed else ""))
    return CHECK_FAILED if failed else OK


def _model_rows(config, overrides, batch_size):
    """Build the config's model and check its gradients on the first training samples."""
    import simplegrad

    from simplegrad_cli import build, gradchecks
    from simplegrad_cli.config import load_config

    cfg = load_config(config, overrides)
    simplegrad.manual_seed(cfg.values["seed"])
    data = build.load_datasets(cfg)
    model, rows, _ = build.build_model(cfg, data.input_shape, data.num_classes, data.train.x)
    loss_fn = build.make_loss(cfg.values["loss"], data.num_classes)
    x, y = data.train.x[:batch_size], data.train.y[:batch_size]
    gradchecks.check_model_check_fits(rows, len(x))
    return gradchecks.run_model_check(model, loss_fn, x, y)
