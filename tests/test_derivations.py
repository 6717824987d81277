"""docs/derivations.md §12: simplegrad's gradient at each kink or tie is PyTorch's (the page
itself runs in test_docs.py)."""
import numpy as np
import pytest

from simplegrad import Tensor
from simplegrad.nn import functional as F

torch = pytest.importorskip("torch")

CONVENTIONS = [  # (the row of the table, input, simplegrad's function, PyTorch's)
    ("relu at 0 and NaN", [0.0, np.nan], lambda x: x.relu(), torch.relu),
    ("leaky_relu at 0", [0.0], lambda x: x.leaky_relu(0.1),
     lambda x: torch.nn.functional.leaky_relu(x, 0.1)),
    ("abs at 0", [0.0], lambda x: x.abs(), torch.abs),
    ("sqrt at 0", [0.0], lambda x: x.sqrt(), torch.sqrt),
    ("clip at its bounds", [-1.0, 1.0], lambda x: x.clip(-1, 1), lambda x: x.clamp(-1, 1)),
    ("max with a tie", [1.0, 3.0, 3.0], lambda x: x.max(), torch.max),
    ("max over an axis with a tie", [[3.0, 3.0], [1.0, 2.0]], lambda x: x.max(axis=1),
     lambda x: x.amax(dim=1)),
    ("min with a tie", [2.0, 2.0, 5.0], lambda x: x.min(), torch.min),
    ("maximum at a tie", [1.0], lambda x: x.maximum(Tensor(1.0, dtype=np.float64)),
     lambda x: torch.maximum(x, torch.tensor(1.0, dtype=torch.float64))),
    ("minimum at a tie", [1.0], lambda x: x.minimum(Tensor(1.0, dtype=np.float64)),
     lambda x: torch.minimum(x, torch.tensor(1.0, dtype=torch.float64))),
    ("max_pool2d of a tie", [[[[5.0, 5.0, 1.0], [5.0, 5.0, 1.0], [0.0, 2.0, 2.0]]]],
     lambda x: F.max_pool2d(x, 2, 1), lambda x: torch.nn.functional.max_pool2d(x, 2, 1)),
]


@pytest.mark.parametrize("values, ours, theirs", [c[1:] for c in CONVENTIONS],
                         ids=[c[0] for c in CONVENTIONS])
def test_gradient_at_a_kink_or_tie_is_pytorchs(values, ours, theirs):
    x = Tensor(values, requires_grad=True, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ours(x).sum().backward()
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    theirs(t).sum().backward()
    np.testing.assert_array_equal(x.grad, t.grad.numpy())
