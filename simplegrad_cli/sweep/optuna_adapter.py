"""Every call simplegrad makes to Optuna, all through its public API (pyproject bounds the
version): the study in an RDB storage, the sampler and pruner the sweep's settings name, asking
and telling trials, reporting epochs, heartbeats. Optuna is imported when a sweep starts."""
import time
import warnings
from dataclasses import dataclass

from simplegrad_cli.errors import CliError

HEARTBEAT_S = 30  # a trial whose worker has not written for GRACE_S is failed (dead machine)
GRACE_S = 120


def optuna():
    """The optuna module (quiet), or one line saying how to install it."""
    try:
        import optuna as module
    except ImportError:
        raise CliError('simplegrad sweep needs Optuna: pip install "simplegrad[sweep]"') \
            from None
    module.logging.set_verbosity(module.logging.WARNING)
    return module


@dataclass(frozen=True)
class Trial:
    """One trial of the study, any worker's: number, state (running, complete, pruned, fail,
    waiting), value, params, user attributes and how many epochs it reported."""

    number: int
    state: str
    value: float
    params: dict
    attrs: dict
    reported: int


class Study:
    """An Optuna study in the RDB storage at `url`, created or loaded (workers racing to
    create a new database retry), with the pruner the settings name."""

    def __init__(self, url, name, maximize, pruner, max_epochs, attempts=5):
        from sqlalchemy.exc import IntegrityError, ProgrammingError

        self.name, self.maximize = name, maximize
        for attempt in range(1, attempts + 1):
            try:
                self.storage = optuna().storages.RDBStorage(
                    url, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S)
                self.study = optuna().create_study(
                    study_name=name, storage=self.storage, load_if_exists=True,
                    pruner=pruner_of(pruner, max_epochs),
                    direction="maximize" if maximize else "minimize")
                return
            except (IntegrityError, ProgrammingError):
                if attempt == attempts:
                    raise
                time.sleep(0.5 * attempt)

    @property
    def attrs(self):
        """The study's user attributes."""
        return self.study.user_attrs

    def set_attr(self, key, value):
        self.study.set_user_attr(key, value)

    def _trial_id(self, number):
        """The storage's id of trial `number` (public storage API, not a trial's private id)."""
        study_id = self.storage.get_study_id_from_name(self.name)
        return self.storage.get_trial_id_from_study_id_trial_number(study_id, number)

    def fail_running(self, outcome):
        """Mark every trial still running as failed with `outcome` (a stopped sweep's)."""
        state = optuna().trial.TrialState
        for trial in self.study.get_trials(deepcopy=False, states=(state.RUNNING,)):
            trial_id = self._trial_id(trial.number)
            self.storage.set_trial_user_attr(trial_id, "outcome", outcome)
            self.storage.set_trial_state_values(trial_id, state=state.FAIL)

    def use_sampler(self, spec, seed, grid):
        """Sample with the settings' sampler (see `sampler`)."""
        self.study.sampler = sampler(spec, seed, grid)

    def trials(self):
        """Every trial of the study, in trial order."""
        return [Trial(t.number, t.state.name.lower(), t.value, t.params, t.user_attrs,
                      len(t.intermediate_values)) for t in self.study.get_trials(deepcopy=False)]

    def fail_stale(self):
        """Fail the trials whose worker stopped sending heartbeats (a dead machine)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # heartbeats outside optimize(): intended here
            optuna().storages.fail_stale_trials(self.study)

    def ask(self, params):
        """A new trial (an Optuna trial, with .number and .params) of the searched `params`."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.study.ask({p.name: _distribution(p) for p in params})

    def set_trial_attrs(self, trial, **attrs):
        for key, value in attrs.items():
            trial.set_user_attr(key, value)

    def report(self, trial, value, epoch):
        """Report an epoch's value; (whether to prune, whether another worker has already
        finished the trial: failed it for want of heartbeats)."""
        try:
            trial.report(value, epoch)
            return trial.should_prune(), False
        except optuna().exceptions.UpdateFinishedTrialError:
            return False, True

    def tell(self, trial, state, value=None, **attrs):
        """Finish a trial as complete (with `value`), pruned or fail, its `attrs` recorded;
        False if another worker finished it meanwhile."""
        try:
            self.set_trial_attrs(trial, **attrs)
            if state == "complete":
                self.study.tell(trial, value)
            else:
                self.study.tell(trial, state=getattr(optuna().trial.TrialState, state.upper()))
            return True
        except optuna().exceptions.UpdateFinishedTrialError:
            return False

    def heartbeat(self, trials):
        """Tell the storage these running trials' worker is alive."""
        for trial in trials:
            self.storage.record_heartbeat(self._trial_id(trial.number))


def sampler(spec, seed, grid):
    """The sampler the settings name (`spec`), seeded; `grid`: {name: values} to search."""
    samplers = optuna().samplers
    if spec["name"] == "grid":
        class Grid(samplers.GridSampler):
            def after_trial(self, *args):
                """Not study.stop() (only for optimize()): trials are capped at the grid."""

        return Grid(grid, seed=seed)
    if spec["name"] == "random":
        return samplers.RandomSampler(seed=seed)
    return samplers.TPESampler(seed=seed, n_startup_trials=spec["n_startup_trials"])


def pruner_of(spec, max_epochs):
    """The pruner the settings name (pruning on the per-epoch metric; Hyperband's largest
    bracket is `max_epochs`)."""
    pruners, spec = optuna().pruners, dict(spec)
    name = spec.pop("name")
    if name == "hyperband":
        spec["max_resource"] = max_epochs
    return {"none": pruners.NopPruner, "threshold": pruners.ThresholdPruner,
            "hyperband": pruners.HyperbandPruner, "median": pruners.MedianPruner}[name](**spec)


def _distribution(param):
    """The Optuna distribution of a searched key (sweep.space.Param)."""
    d = optuna().distributions
    if param.kind == "choice":
        return d.CategoricalDistribution(param.values)
    if param.kind == "int":
        return d.IntDistribution(*param.values)
    return d.FloatDistribution(*param.values, log=param.kind == "loguniform")
