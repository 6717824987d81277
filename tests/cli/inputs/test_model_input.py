"""What `predict` feeds the model: pictures decoded by training's own function, arrays laid out
by the model's recorded input shape (an ambiguous layout refused), and a warning for a picture
unlike the training pictures."""
import numpy as np
import pytest
from cli_helpers import model_input
from pictures import picture_files

from simplegrad.data import load
from simplegrad_cli.errors import CliError
from simplegrad_cli.inputs.model_input import decode_images
from simplegrad_cli.inputs.pictures import picture_profile
from simplegrad_cli.inputs.sample_files import read_samples

Image = pytest.importorskip("PIL.Image")


def test_picture_files_are_the_features_training_made_of_them(tmp_path):
    for name in ("deep.png", "float.tif", "turned.jpg", "grey.png"):
        folder = tmp_path / name.replace(".", "_")
        picture_files(folder / "a")
        (folder / "b").mkdir()
        (folder / "b" / name).write_bytes((folder / "a" / name).read_bytes())
        for other in (folder / "a").iterdir():
            if other.name != name:
                other.unlink()
        trained = load(str(folder), flatten=False, hf_cache_dir=str(tmp_path / "hf-cache"))
        given = model_input(trained.input_shape)
        x = given.prepare(decode_images([str(folder / "a" / name)], given)[0], name)
        np.testing.assert_allclose(x[0], trained.x[0], rtol=1e-6, atol=1e-7, err_msg=name)


@pytest.mark.parametrize("shape", [(4, 1, 8, 8), (1, 8, 8), (4, 8, 8), (4, 8, 8, 1),
                                   (8, 8)])
def test_uint8_arrays_in_every_layout_of_a_grey_model(tmp_path, shape):
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    np.save(tmp_path / "a.npy", pixels)
    given = model_input((1, 8, 8))
    raw, _, _ = read_samples(str(tmp_path / "a.npy"), given)
    x = given.prepare(raw, "a.npy")
    expected = pixels.reshape(-1, 1, 8, 8).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(x, expected)


def test_colour_arrays_follow_the_models_layout_and_ambiguity_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    first = rng.integers(0, 256, (2, 3, 8, 8), dtype=np.uint8)
    for pixels in (first, first.transpose(0, 2, 3, 1)):
        x = model_input((3, 8, 8)).prepare(pixels, "a.npy")
        np.testing.assert_array_equal(x, first / np.float32(255))
    cube = rng.integers(0, 256, (2, 3, 3, 3), dtype=np.uint8)
    with pytest.raises(CliError, match="channels first or last"):
        model_input((3, 3, 3)).prepare(cube, "cube.npy")
    floats = rng.random((2, 8, 8, 3), dtype=np.float32)  # never silently reshaped into (3, 8, 8)
    with pytest.raises(CliError, match=r"samples have shape \(8, 8, 3\)"):
        model_input((3, 8, 8)).prepare(floats, "f.npy")


def test_a_picture_unlike_the_training_pictures_gets_a_warning(tmp_path):
    rng = np.random.default_rng(0)
    training = rng.integers(0, 40, (50, 1, 8, 8)).astype(np.float32) / 255
    training[:, :, 2:6, 3:5] = 1.0  # light strokes on a dark background
    profile = picture_profile(training, (1, 8, 8))
    given = model_input((1, 8, 8), profile)
    like = (training[:1] * 255).astype(np.uint8)[0, 0]
    for name, pixels in [("like.png", like), ("inverted.png", 255 - like),
                         ("wide.png", np.repeat(np.repeat(like, 2, axis=0), 8, axis=1))]:
        Image.fromarray(pixels).save(tmp_path / name)
    paths = [str(tmp_path / n) for n in ("like.png", "inverted.png", "wide.png")]
    x, notes = decode_images(paths, given)
    notes = [n + given.unusual(sample) for n, sample in zip(notes, given.prepare(x, "p"))]
    assert notes[0] == []
    assert any("background" in note for note in notes[1])
    assert any("16x64" in note and "aspect ratio" in note for note in notes[2])
