"""Every row of the shared op table (simplegrad.testing, also what `simplegrad
gradcheck` runs): float64 finite differences, and PyTorch's values and gradients where
PyTorch is installed."""
import pytest

from simplegrad.testing import SAME, op_cases

CASES = {case.name: case for case in op_cases()}


def test_names_are_unique_and_inputs_are_float64_or_integer():
    assert len(CASES) == len(op_cases())
    for case in CASES.values():
        assert all(a.dtype.kind == "f" and a.dtype.itemsize == 8 or a.dtype.kind in "iu"
                   for a in case.inputs), case.name
        assert case.torch is None or case.torch == SAME or callable(case.torch)


@pytest.mark.parametrize("name", list(CASES))
def test_op_case_matches_finite_differences_and_torch(name, check_case):
    check_case(CASES[name])
