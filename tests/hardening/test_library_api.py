"""The library API: bad arguments to the library fail at once with a clear
TypeError/ValueError, never as a closed stdout, a NaN tensor or a raw NumPy message."""
import io

import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor, nn, optim


@pytest.mark.parametrize("source", [3, 1, True, 2.5, None, [("w", np.ones(2))]])
def test_load_state_dict_refuses_what_is_not_a_path_file_or_mapping(source):
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="expected a mapping of arrays, a path or an open file"):
        model.load_state_dict(source)


def test_load_state_dict_reads_path_likes_and_open_files(tmp_path):
    model, other = nn.Sequential([nn.Linear(2, 3)]), nn.Sequential([nn.Linear(2, 3)])
    model.save_state_dict(tmp_path / "w.npz")
    other.load_state_dict(tmp_path / "w.npz")  # a pathlib.Path
    np.testing.assert_array_equal(other.state_dict()["0.weight"], model.state_dict()["0.weight"])
    buffer = io.BytesIO(b"junk")  # an open file positioned after other data
    buffer.seek(4)
    np.savez(buffer, **nn.Sequential([nn.Linear(2, 3)]).state_dict())
    buffer.seek(4)
    other.load_state_dict(buffer)
    assert not buffer.closed  # the caller's file stays open


@pytest.mark.parametrize("dtype", [complex, object, str])
def test_load_state_dict_refuses_arrays_that_are_not_real_numbers(dtype):
    model = nn.Linear(2, 3)
    state = {k: v.astype(dtype) for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match="not real numbers: weight"):
        model.load_state_dict(state)


@pytest.mark.parametrize("data, what", [
    (None, "None"), (1 + 2j, "complex numbers"), (np.array([1.0, 2j]), "complex numbers"),
    ("abc", "text ('abc')"), (["1", "b"], "text"), (b"ab", "bytes"), ([None, 1.0], "Python objects"),
    (np.array([object()]), "Python objects"), (np.array(["2026-01-01"], "datetime64[D]"), "dates")])
def test_tensor_refuses_none_complex_text_and_objects(data, what):
    """In words, not NumPy's dtype codes (<U3, O, <M8[D])."""
    for dtype in (None, np.float64):
        with pytest.raises(TypeError) as error:
            Tensor(data, dtype=dtype)
        assert str(error.value) == (f"Tensor: cannot hold {what}; give real numbers (floats, "
                                    f"integers or booleans)")


@pytest.mark.parametrize("make, error, words", [
    (lambda: nn.MaxPool2d(0), ValueError, "MaxPool2d kernel_size"),
    (lambda: nn.AvgPool2d(2, stride=0), ValueError, "AvgPool2d stride"),
    (lambda: nn.MaxPool2d(2, padding=-1), ValueError, "MaxPool2d padding"),
    (lambda: nn.BatchNorm1d(0), ValueError, "BatchNorm1d num_features must be >= 1"),
    (lambda: nn.BatchNorm2d(2.5), TypeError, "BatchNorm2d num_features must be an integer"),
    (lambda: nn.BatchNorm1d(3, eps=0), ValueError, "BatchNorm1d eps"),
    (lambda: nn.BatchNorm1d(3, momentum=1.5), ValueError, "BatchNorm1d momentum"),
    (lambda: nn.LayerNorm(0), ValueError, "LayerNorm normalized_shape must be >= 1"),
    (lambda: nn.LayerNorm((4, True)), TypeError, "LayerNorm normalized_shape"),
    (lambda: nn.Embedding(0, 4), ValueError, "Embedding num_embeddings"),
    (lambda: nn.Embedding(4, 2.0), TypeError, "Embedding embedding_dim"),
    (lambda: nn.Conv2d(0, 3, 3), ValueError, "Conv2d in_channels"),
    (lambda: nn.GELU("fast"), ValueError, "GELU approximate"),
    (lambda: nn.LeakyReLU("0.1"), TypeError, "LeakyReLU negative_slope"),
    (lambda: nn.Flatten(1.5), TypeError, "Flatten start_dim"),
])
def test_layer_constructors_check_their_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_optimizers_refuse_duplicate_parameters_and_non_numeric_lr():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="parameter 1 is the same tensor as parameter 0"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="same tensor"):
        optim.Adam([w, Tensor(np.ones(1), requires_grad=True), w])
    for lr in ("0.1", True, None):
        with pytest.raises(TypeError, match="lr must be a number"):
            optim.SGD([w], lr=lr)


A, B = Tensor(np.ones((3, 4))), Tensor(np.ones((5, 2)))


@pytest.mark.parametrize("run, message", [
    (lambda: A @ B, r"matmul: shapes \(3, 4\) and \(5, 2\) do not match"),
    (lambda: A.matmul(Tensor(np.ones(5))), r"matmul: shapes \(3, 4\) and \(5,\)"),
    (lambda: A + B, r"add: shapes \(3, 4\) and \(5, 2\) do not broadcast"),
    (lambda: A * np.ones(7), r"mul: shapes \(3, 4\) and \(7,\)"),
    (lambda: np.ones(7) - A, r"sub: shapes \(7,\) and \(3, 4\)"),
    (lambda: A / B, r"div: shapes"), (lambda: A ** B, r"pow: shapes"),
    (lambda: A.maximum(B), r"maximum: shapes"), (lambda: A.minimum(B), r"minimum: shapes"),
    (lambda: sg.where(np.ones(2, bool), A, 0.0), r"where: shapes \(2,\) and \(3, 4\) and \(\)"),
    (lambda: A.reshape(5, 3), r"reshape: cannot reshape shape \(3, 4\) into \(5, 3\)"),
    (lambda: A.permute(0, 0), r"transpose: axes \(0, 0\) are not a permutation"),
    (lambda: sg.cat([A, B]), r"cat: shapes \(3, 4\) and \(5, 2\) cannot be joined along axis 0"),
    (lambda: sg.stack([A, B], dim=1), r"stack: shapes \(3, 4\) and \(5, 2\) cannot be stacked"),
    (lambda: nn.functional.linear(A, B), r"linear: input \(3, 4\) does not fit weight \(5, 2\)"),
])
def test_shape_errors_name_the_op_and_the_shapes(run, message):
    with pytest.raises(ValueError, match=message) as caught:
        run()
    assert "gufunc" not in str(caught.value) and "operands could not" not in str(caught.value)


def test_setitem_shape_error_names_both_shapes():
    x = Tensor(np.zeros((3, 4))) * 1.0
    v = Tensor(np.ones(5), requires_grad=True)
    with pytest.raises(ValueError, match=r"setitem: a value of shape \(5,\) does not fit"):
        x[0] = v


def test_own_op_errors_are_not_rewritten():
    with pytest.raises(ValueError, match=r"^cross_entropy: target 5 is outside"):
        Tensor(np.zeros((2, 3))).cross_entropy_loss(np.array([0, 5]))
