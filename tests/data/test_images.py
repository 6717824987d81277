"""simplegrad.data.sources.images: one decoding of picture files (`read_image`) for training and
`predict`, equal to what `datasets` decodes (EXIF orientation, 16-bit, float pixels), under one
pixel limit; and image stacks laid out channels-first or channels-last, never guessed."""
import numpy as np
import pytest

from pictures import picture_files, png_header_only

from simplegrad.data import DataError, load
from simplegrad.data.sources.images import images_to_features, read_image

Image = pytest.importorskip("PIL.Image")
datasets = pytest.importorskip("datasets")


def test_read_image_decodes_as_datasets_does(tmp_path):
    feature = datasets.Image()
    for name, path in picture_files(tmp_path).items():
        theirs = np.asarray(feature.decode_example({"path": str(path), "bytes": None}))
        ours = read_image(str(path))
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, name
        np.testing.assert_array_equal(ours, theirs, err_msg=name)
        np.testing.assert_array_equal(read_image(path.read_bytes()), ours, err_msg=name)
    assert read_image(str(tmp_path / "turned.jpg")).shape == (9, 6, 3)  # upright


def test_a_palette_picture_is_read_as_its_colours_not_its_indices(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (6, 9, 3), dtype=np.uint8)
    palette = Image.fromarray(pixels).quantize(8)  # 8 colours: indices 0..7
    palette.save(tmp_path / "p.png")
    decoded = read_image(str(tmp_path / "p.png"))
    assert decoded.shape == (6, 9, 3)
    np.testing.assert_array_equal(decoded, np.asarray(palette.convert("RGB")))


@pytest.mark.parametrize("name, scale", [("deep.png", 65535.0), ("float.tif", 1.0)])
def test_training_reads_16_bit_and_float_pictures_at_their_scale(tmp_path, hf_cache, name,
                                                                 scale):
    made = picture_files(tmp_path / "all")
    for label in ("a", "b"):
        (tmp_path / "set" / label).mkdir(parents=True)
        made[name].rename(tmp_path / "set" / label / name) if label == "a" else \
            (tmp_path / "set" / label / name).write_bytes((tmp_path / "set" / "a" /
                                                            name).read_bytes())
    dataset = load(str(tmp_path / "set"), flatten=False, hf_cache_dir=hf_cache)
    pixels = read_image(str(tmp_path / "set" / "a" / name)).astype(np.float32)
    np.testing.assert_allclose(dataset.x[0, 0], pixels / np.float32(scale), rtol=1e-6)
    assert 0.0 <= dataset.x.min() and dataset.x.max() <= 1.0


def test_a_picture_over_the_pixel_limit_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_header_only(12_000, 10_000))  # 120 megapixels in 45 bytes
    with pytest.raises(DataError, match="over Pillow's limit of .* pixels"):
        read_image(str(path))


@pytest.mark.parametrize("shape, layout", [((5, 8, 8, 3), "last"), ((5, 3, 8, 8), "first"),
                                           ((5, 1, 8, 8), "first"), ((5, 8, 8, 1), "last")])
def test_image_stacks_are_channels_first_or_last_by_their_shape(shape, layout):
    images = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    x = images_to_features(images, flatten=False)
    chw = images if layout == "first" else images.transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(x, chw.astype(np.float32) / np.float32(255))


def test_a_stack_that_reads_both_ways_is_refused_unless_told():
    images = np.zeros((2, 3, 5, 3), np.uint8)  # 3 channels of 5x3, or 3x5 pictures of 3?
    with pytest.raises(DataError, match="channels first .* or last"):
        images_to_features(images)
    assert images_to_features(images, flatten=False, channels_last=False).shape == (2, 3, 5, 3)
    assert images_to_features(images, flatten=False, channels_last=True).shape == (2, 3, 3, 5)


def test_npz_of_channels_first_uint8_images_keeps_their_layout(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (6, 1, 8, 8), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", x=images, y=np.arange(6) % 2)
    dataset = load(str(tmp_path / "d.npz"), flatten=False)
    assert dataset.input_shape == (1, 8, 8)
    np.testing.assert_array_equal(dataset.x, images / np.float32(255))
