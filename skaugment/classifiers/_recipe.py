"""Training recipes: named bundles of optimiser, loss and learning-rate schedule defaults.

A classifier that mixes in :class:`_TrainingRecipe` gets a ``recipe`` parameter; each
recipe names the optimiser keyword defaults, the label smoothing of the criterion and
whether a one-cycle schedule runs. Explicit ``optimizer__*`` / ``criterion__*``
parameters always win over a recipe's values.
"""

import contextlib
import inspect
import math

from skorch.callbacks import Callback

from ._base import BaseNetClassifier

__all__ = ["OneCycleSchedule", "one_cycle_factor"]


def one_cycle_factor(progress, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    """The one-cycle learning rate at ``progress`` in ``[0, 1]``, as a fraction of its peak.

    Smith and Topin (2019): a cosine warm-up from ``1 / div_factor`` of the peak to
    the peak over the first ``pct_start`` of training, then a cosine decay to
    ``1 / (div_factor * final_div_factor)`` of the peak (the defaults of
    ``torch.optim.lr_scheduler.OneCycleLR``).

    Examples
    --------
    >>> one_cycle_factor(0.0), one_cycle_factor(0.3)
    (0.04, 1.0)
    >>> one_cycle_factor(1.0) < 1e-5
    True
    """
    progress = min(max(float(progress), 0.0), 1.0)
    initial = 1.0 / div_factor
    final = initial / final_div_factor
    if progress < pct_start:
        a = progress / pct_start
        return initial + (1.0 - initial) * (1.0 - math.cos(math.pi * a)) / 2.0
    a = (progress - pct_start) / (1.0 - pct_start)
    return final + (1.0 - final) * (1.0 + math.cos(math.pi * a)) / 2.0


class OneCycleSchedule(Callback):
    """skorch callback: one-cycle learning rate over the gradient steps of each fit.

    The peak is each parameter group's learning rate when training starts (the
    classifier's ``lr``). The length of the cycle is the fit's planned number of
    steps: ``n_steps`` with ``max_epochs="auto"``, else ``max_epochs`` times the
    batches of an epoch; the learning rate is set before every training batch.

    Parameters
    ----------
    pct_start : float, default=0.3
        Share of the steps spent warming up.
    """

    def __init__(self, pct_start=0.3):
        self.pct_start = pct_start

    def on_train_begin(self, net, **kwargs):
        self.step_ = 0
        self.total_ = None
        for group in net.optimizer_.param_groups:
            group.setdefault("initial_lr", group["lr"])

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.total_ is not None:
            return
        if isinstance(net.max_epochs, str):  # "auto"
            self.total_ = int(net.n_steps)
        else:
            self.total_ = int(net.max_epochs) * max(len(net.get_iterator(dataset_train, training=True)), 1)

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        factor = one_cycle_factor(self.step_ / max(self.total_ or 1, 1), self.pct_start)
        for group in net.optimizer_.param_groups:
            group["lr"] = group["initial_lr"] * factor
        self.step_ += 1


# Docstring of the recipe parameter of the raw-window networks (InceptionTime, ResNet).
_recipe_docstring = """recipe : {"modern", "paper"}, default="modern"
        How the network is trained, around ``lr``, ``optimizer`` and ``criterion``:

        - ``"modern"``: AdamW with ``weight_decay=1e-2``, cross-entropy with
          ``label_smoothing=0.1``, and a one-cycle learning rate (cosine warm-up
          from ``lr / 25`` to ``lr`` over the first 30% of the steps, cosine decay
          after; Smith and Topin, 2019) over the fit's steps. The usual modern
          recipe for these convolutional networks; it trains well in the few
          hundred steps a CPU affords.
        - ``"paper"``: the reference setting, Adam at a constant ``lr`` and plain
          cross-entropy (AdamW with ``weight_decay=0``, which is exactly Adam).
          The papers also halve the learning rate after 50 epochs without
          improvement of the training loss, over 1,500 epochs; within a budget of
          a few hundred steps that never fires, so it is left out.

        Explicit ``optimizer__weight_decay=...`` and ``criterion__label_smoothing=...``
        override the recipe's values; the label smoothing only applies to a
        criterion that takes ``label_smoothing`` (``torch.nn.CrossEntropyLoss``).""".rstrip()


# Docstring of the recipe parameter of the spectrogram networks (DeepSense, Transformer):
# fill ``default`` and ``paper`` (what the reference setting is for that network).
_spectrogram_recipe_docstring = """recipe : {"paper", "modern"}, default="%(default)s"
        How the network is trained, around ``lr``, ``optimizer`` and ``criterion``:

        - ``"paper"``: %(paper)s at a constant ``lr``, plain cross-entropy.
        - ``"modern"``: the same optimiser under a one-cycle learning rate (cosine
          warm-up from ``lr / 25`` to ``lr`` over the first 30%% of the steps, cosine
          decay after; Smith and Topin, 2019) and cross-entropy with
          ``label_smoothing=0.1``.

        Explicit ``optimizer__*`` and ``criterion__label_smoothing=...`` override the
        recipe's values.""".rstrip()


class _TrainingRecipe:
    """Mixin of the ``recipe`` parameter.

    ``_recipes`` maps each recipe name to ``optimizer`` (keyword defaults of the
    optimiser, applied where its signature takes them), ``label_smoothing`` (applied
    where the criterion takes it) and ``one_cycle`` (an :class:`OneCycleSchedule`
    callback). A classifier overrides ``_recipes`` to define its own.
    """

    _training_params = BaseNetClassifier._training_params + ("recipe",)

    _recipes = {
        "modern": {"optimizer": {"weight_decay": 1e-2}, "label_smoothing": 0.1, "one_cycle": True},
        "paper": {"optimizer": {"weight_decay": 0.0}, "label_smoothing": 0.0, "one_cycle": False},
    }

    @property
    def _optimizer_defaults(self):
        return dict(self._recipes[self.recipe]["optimizer"])

    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        if self._recipes[self.recipe]["one_cycle"]:
            # before the progress and print callbacks, which the base puts last
            callbacks.insert(len(callbacks) - 2, ("lr_schedule", OneCycleSchedule()))
        return callbacks

    @contextlib.contextmanager
    def _criterion_defaults_applied(self):
        try:
            accepted = inspect.signature(self.criterion).parameters
        except (TypeError, ValueError):
            accepted = {}
        name = "criterion__label_smoothing"
        added = "label_smoothing" in accepted and name not in vars(self)
        if added:
            vars(self)[name] = self._recipes[self.recipe]["label_smoothing"]
        try:
            yield
        finally:
            if added:
                del vars(self)[name]

    def initialize_criterion(self, *args, **kwargs):
        with self._criterion_defaults_applied():
            return super().initialize_criterion(*args, **kwargs)
