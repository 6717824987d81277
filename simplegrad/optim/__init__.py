"""Optimizers and learning-rate schedulers: `optim.SGD`, `optim.Adam`, `optim.AdamW`,
`optim.RMSprop`, `optim.Adadelta`, `optim.lr_scheduler.StepLR` / `CosineAnnealingLR` /
`LinearWarmup`."""
from simplegrad.optim import lr_scheduler
from simplegrad.optim.adadelta import Adadelta
from simplegrad.optim.adam import Adam, AdamW
from simplegrad.optim.optimizer import Optimizer
from simplegrad.optim.rmsprop import RMSprop
from simplegrad.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "lr_scheduler"]
