"""Opening a checkpoint or a config never runs code: the payloads below would create a marker
file if they were ever unpickled or constructed, and they do when loaded unsafely on purpose
(the control), but never through `simplegrad`."""
import numpy as np
import pytest
import yaml

from corpus_checkpoint import pickled, rezip
from hardening_helpers import TINY, invoke


@pytest.fixture
def trained(workdir):
    (workdir / "tiny.yaml").write_text(TINY)
    assert invoke("train", "tiny.yaml", "--out", "run").exit_code == 0
    return workdir / "run"


@pytest.mark.parametrize("member", ["metadata.npy", "model/0.weight.npy",
                                    "optim/state/0/exp_avg.npy"])
def test_pickled_object_arrays_are_refused_not_loaded(workdir, trained, member):
    rezip(drop=(member,), add={member: pickled})(workdir / "evil.npz", trained)
    for command in (["info"], ["eval"], ["train", "--resume"]):
        result = invoke(*command, "evil.npz")
        assert result.exit_code == 2
        assert "refusing to unpickle it" in result.stderr
        assert not (workdir / "pwned").exists()
    with np.load(workdir / "evil.npz", allow_pickle=True) as archive:  # the control
        archive[member.removesuffix(".npy")]
    assert (workdir / "pwned").exists()


def test_yaml_tags_are_refused_not_constructed(workdir):
    text = TINY.replace("seed: 0", "seed: !!python/object/apply:os.system ['touch pwned']")
    (workdir / "evil.yaml").write_text(text)
    for command in ("validate", "train", "gradcheck"):
        result = invoke(command, "evil.yaml")
        assert result.exit_code == 2
        assert result.stderr.startswith("evil.yaml:1: seed: invalid YAML: ")
        assert not (workdir / "pwned").exists()
    yaml.unsafe_load(text)  # the control
    assert (workdir / "pwned").exists()
