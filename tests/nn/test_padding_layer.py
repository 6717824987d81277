"""nn.ZeroPad2d against PyTorch's: the same border (or crop) on batched and unbatched images,
gradients by finite differences in float64, float32 kept, bad paddings named."""
import numpy as np
import pytest

from simplegrad import Tensor, nn

X = np.random.default_rng(0).standard_normal((2, 3, 5, 4))


def _torch_layer(padding):
    return lambda x: pytest.importorskip("torch").nn.ZeroPad2d(padding)(x)


@pytest.mark.parametrize("padding, x", [(2, X), ((1, 0, 3, 2), X), ((2, -1, -2, 1), X),
                                        ((1, 2, 0, 1), X[0])],
                         ids=["square", "four_sides", "crop", "unbatched"])
def test_zero_pad2d_matches_finite_differences_and_torch(padding, x, check_op, check_float32):
    layer = nn.ZeroPad2d(padding)
    check_op(layer, [x], _torch_layer(padding))
    check_float32(layer, [x], _torch_layer(padding))


def test_zero_pad2d_puts_zeros_around_each_image():
    out = nn.ZeroPad2d((1, 2, 3, 0))(Tensor(np.ones((1, 1, 2, 2), dtype=np.float32)))
    assert out.shape == (1, 1, 5, 5) and out.dtype == np.float32
    assert out.data.sum() == 4 and out.data[0, 0, 3:5, 1:3].tolist() == [[1, 1], [1, 1]]
    assert repr(nn.ZeroPad2d(2)) == "ZeroPad2d(padding=(2, 2, 2, 2))"


@pytest.mark.parametrize("padding, error, words", [
    ((1, 2), ValueError, "(left, right, top, bottom)"), (1.5, TypeError, "must be an integer"),
    ((1, 2, True, 0), TypeError, "must be an integer")])
def test_a_bad_padding_is_named(padding, error, words):
    with pytest.raises(error, match=r"ZeroPad2d padding") as caught:
        nn.ZeroPad2d(padding)
    assert words in str(caught.value)
