"""The YAML a run stores (config.yaml) and --print-config shows reads back, through the config
loader, as the same values: strings that look like numbers, booleans or null stay strings."""
import pytest

from simplegrad_cli.config.validation import load_config
from simplegrad_cli.config.yaml_source import parse_yaml, to_yaml

TRICKY = ["1e3", "1E-3", "+1e3", "1_000", ".inf", "-.Inf", ".nan", "0x10", "0o17", "1:30",
          "yes", "no", "on", "off", "true", "False", "null", "~", "", "2024-01-01", "12"]


@pytest.mark.parametrize("text", TRICKY)
def test_strings_read_back_as_strings(text):
    values = {"train": {"out": text}, "model": [{"linear": {"in": None, "out": 3}}],
              "optimizer": {"lr": 0.001, "betas": [0.9, 0.999]}, "seed": 12}
    assert parse_yaml(to_yaml(values), "config.yaml")[0] == values


def test_print_config_and_the_run_config_keep_an_out_like_1e3(cli, write_config, workdir):
    config = write_config()
    printed = cli("train", config, "--out", "1e3", "--print-config")
    assert printed.exit_code == 0
    (workdir / "printed.yaml").write_text(printed.stdout)
    assert load_config("printed.yaml").values["train"]["out"] == "1e3"
    assert cli("train", config, "--out", "1e3").exit_code == 0
    assert load_config(workdir / "1e3" / "config.yaml").values["train"]["out"] == "1e3"
