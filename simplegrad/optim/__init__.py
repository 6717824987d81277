"""Optimizers and learning-rate schedulers: `optim.SGD`, `optim.Adam`, `optim.AdamW`,
`optim.lr_scheduler.StepLR` / `CosineAnnealingLR` / `LinearWarmup`."""
from simplegrad.optim import lr_scheduler
from simplegrad.optim.adam import Adam, AdamW
from simplegrad.optim.optimizer import Optimizer
from simplegrad.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
