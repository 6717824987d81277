"""detect_anomaly: the first op that makes a NaN or inf from finite values is named, with the
line of the caller's code and the modules it ran in, in forward and in backward."""
import inspect

import numpy as np
import pytest

import simplegrad as sg
from simplegrad import AnomalyError, Tensor, detect_anomaly, nn

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's own nan warnings


def _line_of(marker):
    """The line number of this file's line containing `marker`."""
    lines = inspect.getsource(inspect.getmodule(_line_of)).splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text and "_line_of" not in text)


def test_forward_names_the_op_the_line_and_the_inputs():
    x = Tensor([1.0, -2.0, 3.0])
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        y = x * 2
        y.log()  # the NaN is born here
    error = caught.value
    assert error.op == "Log" and error.phase == "forward"
    assert error.origin == (__file__, _line_of("# the NaN is born here"))
    message = str(error)
    assert f"{__file__}:{error.origin[1]}" in message
    assert "output shape (3,)" in message and "has nan" in message
    assert "input 0: shape (3,), min -4, max 6" in message


def test_ops_downstream_of_a_nan_are_not_blamed_and_leaves_are_not_ops():
    bad = Tensor([np.nan, 1.0])  # data that already holds a NaN: no op made it
    with detect_anomaly():
        out = (bad * 2 + 1).exp()
    assert np.isnan(out.data[0])


def test_backward_names_the_node_and_the_forward_line_that_made_it():
    w = Tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        root = w.sqrt()  # finite forward, infinite slope at 0
        with pytest.raises(AnomalyError) as caught:
            root.sum().backward()
    error = caught.value
    assert error.op == "Sqrt" and error.phase == "backward"
    assert error.origin == (__file__, _line_of("# finite forward, infinite slope at 0"))
    assert "input 0 (shape (2,), min 0.25, max 0.25, has inf)" in str(error)


def test_the_modules_an_op_ran_in_are_named():
    model = nn.Sequential([nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)])
    model[0].weight.data[:] = 1.0
    model[2].weight.data[:] = 1e30  # 2e10 * 1e30 * 2 overflows float32
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        model(Tensor(np.ones((1, 2)) * 1e10))
    error = caught.value
    assert error.op == "Linear" and error.modules == (model, model[2])
    assert "(in Sequential > Linear)" in str(error)


def test_off_by_default_and_usable_as_a_decorator():
    x = Tensor([-1.0])
    assert np.isnan(x.log().data[0])  # no check outside the block
    assert not sg.hooks.observers

    @detect_anomaly()
    def broken():
        return x.log()

    with pytest.raises(AnomalyError):
        broken()
    assert not sg.hooks.observers  # removed after the error
