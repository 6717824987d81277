"""Every public name has a docstring (what `help()` shows a learner)."""
import inspect

import pytest

import simplegrad
from simplegrad import Tensor, checkpoint, data, export, gradcheck, nn, optim, viz
from simplegrad.nn import functional, init, utils
from simplegrad.optim import lr_scheduler

MODULES = [simplegrad, nn, functional, init, utils, optim, lr_scheduler, data, checkpoint,
           gradcheck, simplegrad.autograd, simplegrad.rng, export, viz]


def public_names():
    for module in MODULES:
        names = getattr(module, "__all__", None) or [n for n in vars(module)
                                                      if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            if getattr(obj, "__module__", "").startswith("simplegrad"):
                yield f"{module.__name__}.{name}", obj


def tensor_methods():
    for cls in Tensor.__mro__[:-1]:  # Tensor and the composed methods it inherits
        for name, member in vars(cls).items():
            if not name.startswith("_") or name in ("__getitem__", "__setitem__"):
                yield f"Tensor.{name}", member


@pytest.mark.parametrize("name,obj", list(public_names()) + list(tensor_methods()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_public_name_has_a_docstring(name, obj):
    doc = inspect.getdoc(obj)  # also finds slot docstrings, as help() does
    assert doc and doc.strip(), f"{name} has no docstring"


def test_modules_have_docstrings():
    for module in MODULES:
        assert module.__doc__ and module.__doc__.strip(), module.__name__
