"""In-place writes and views: a tensor left on its old graph by a write into memory it shares
(a view of the written tensor, or its base) is refused when used, never differentiated wrongly.
PyTorch rebases such views; simplegrad says so and asks for the write before the view."""
import numpy as np
import pytest

from simplegrad import Tensor, no_grad

STALE = "written in place after it was made"


def _leaf(values):
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True, dtype=np.float64)


def test_a_view_taken_before_a_write_into_its_base_is_refused():
    x, v = _leaf([1.0, 2.0, 3.0, 4.0]), _leaf(10.0)
    y = x * 2
    z = y.reshape(2, 2)
    y[0] = v
    with pytest.raises(RuntimeError, match=STALE):
        z.sum()
    with pytest.raises(RuntimeError, match=STALE):
        z.backward(np.ones((2, 2)))


def test_the_base_of_a_view_written_through_is_refused():
    x, v = _leaf([1.0, 2.0, 3.0, 4.0]), _leaf(10.0)
    y = x * 2
    z = y.reshape(2, 2)
    z[0, 0] = v
    with pytest.raises(RuntimeError, match=STALE):
        y.sum()


def test_a_view_without_grad_of_a_buffer_written_with_grad_is_refused():
    v = _leaf(3.0)
    buffer = Tensor(np.zeros(4), dtype=np.float64)
    rows = buffer.reshape(2, 2)  # needs no grad: its graph says "constant"
    buffer[1] = v  # ... but it now holds v
    with pytest.raises(RuntimeError, match=STALE):
        (rows * 2).sum()


def test_the_written_tensor_itself_and_views_taken_after_the_write_are_fine():
    x, v = _leaf([1.0, 2.0, 3.0, 4.0]), _leaf(10.0)
    y = x * 2
    y[0] = v
    y[1] = v * 2  # a second write into the same tensor
    z = y.reshape(2, 2)
    (z * np.arange(4.0).reshape(2, 2)).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 4.0, 6.0])
    assert v.grad == 0.0 + 1.0 * 2
    assert y.detach().sum().data == 10 + 20 + 6 + 8


def test_a_view_of_a_part_the_write_did_not_touch_is_fine():
    x, v = _leaf([1.0, 2.0, 3.0, 4.0]), _leaf(10.0)
    y = x * 2
    first_half = y[0:2]
    y[3] = v
    first_half.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 0.0, 0.0])
    assert v.grad is None


def test_writes_without_a_graph_do_not_make_views_stale():
    x = _leaf([1.0, 2.0])
    y = x * 2
    z = y.reshape(2, 1)
    with no_grad():
        y[0] = 5.0
    z.sum().backward()  # the write is a constant change of values, as in PyTorch
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_the_refusal_ends_when_the_written_memory_is_freed():
    from simplegrad import inplace
    x, v = _leaf([1.0, 2.0]), _leaf(1.0)
    y = x * 2
    owner = id(y.data)
    y[0] = v
    assert owner in inplace.graph_writes
    del y
    assert owner not in inplace.graph_writes  # no cost left behind once the memory is gone


def test_the_issue_example_against_pytorch():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True)
    v = torch.tensor(10.0, dtype=torch.float64, requires_grad=True)
    y = x * 2
    z = y.reshape(2, 2)
    y[0] = v
    z.sum().backward()
    # PyTorch's answer, which simplegrad refuses to get wrong (test above):
    np.testing.assert_array_equal(x.grad.numpy(), [0, 2, 2, 2])
    # written before the view, simplegrad gives the same
    ours_x, ours_v = _leaf([1.0, 2.0, 3.0, 4.0]), _leaf(10.0)
    y = ours_x * 2
    y[0] = ours_v
    y.reshape(2, 2).sum().backward()
    np.testing.assert_array_equal(ours_x.grad, x.grad.numpy())
    assert ours_v.grad == v.grad.item()
