"""Shared plumbing of the skorch-backed downstream classifiers.

Every classifier here is a :class:`skorch.NeuralNetClassifier` whose network is
built from the data at fit (braindecode's pattern): the input shape and the number
of classes are read from ``X`` and ``y``, and the network is wrapped with an input
scaler whose statistics are learned at fit too. A concrete classifier provides

- an ``__init__`` with an explicit signature whose body is
  ``super().__init__(**_init_arguments(locals()))``: every parameter of that signature
  that skorch does not know and that is not a training parameter of this base
  (``n_steps``, ``gradient_clip``, ``augmentation``, ``random_state``, and those a
  subclass adds to ``_training_params``) is an *architecture parameter*,
  stored as an attribute and passed by name to ``_build_network``; the rest goes to
  skorch, which routes ``optimizer__*``, ``criterion__*``, ``iterator_train__*``, ...
  by prefix as usual;
- ``_input_kind``: ``"spectrogram"`` (4-D input), ``"time_series"`` (3-D raw windows; a
  2-D array is one channel) or ``"any"`` (3-D raw windows or 4-D spectrograms, chosen
  from the input's ndim at fit);
- ``_build_network(input_shape, n_classes, **architecture)``: the torch module, which
  maps scaled input to class logits. A ``modalities`` architecture parameter reaches
  it validated against the data (``modalities_``).

The architecture has one set of knobs, the classifier's own parameters: unlike a
plain skorch net (or braindecode's ``EEGClassifier(module=...)``), where they are
``module__*`` parameters, every ``module__*`` parameter is rejected at fit with a
``ValueError`` naming the parameter to use instead.

Three things are shared by all of them. The training length defaults to a number of
gradient steps (``max_epochs="auto"``, ``n_steps``) rather than of epochs, so that
a training set made six times larger by augmentation is not also trained six times
longer. And the targets may be soft: a 2-D table of class probabilities (a
:class:`~skaugment.utils.LabelDistribution`, e.g. from mixup) is trained
on with cross-entropy against the rows. And the training batches may be augmented
on the fly (``augmentation``): every training batch goes through skaugment samplers
or callables with fresh randomness each epoch, as braindecode's
``AugmentedDataLoader`` does, while validation batches and ``predict`` never do
(see ``_augmentation.py``).
"""

import contextlib
import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.metadata_routing import _routing_enabled, process_routing
from sklearn.utils.validation import column_or_1d
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EpochScoring, GradientNormClipping, PrintLog
from skorch.dataset import Dataset as SkorchDataset

from ..base import TimeSeriesTagsMixin
from ..utils import check_labels, check_modalities, check_spectrogram, check_time_series
from ..utils._docstring import _verbose_docstring
from ..utils._labels import LabelDistribution, hard_labels, label_distribution
from ..utils._torch import resolve_device, seed_from_random_state, torch_generator
from ..utils._training import seeded
from ._augmentation import AugmentedIterator, BatchAugmentation

__all__ = ["BaseNetClassifier", "masked_mean", "frame_mask"]

# The standardisation divides by the per-channel std; a constant channel must not
# blow up into inf.
_STD_FLOOR = 1e-6

# Parameters this base adds to skorch's for the training loop; every other parameter
# of a classifier's __init__ that skorch does not know describes its network.
_TRAINING_PARAMS = ("n_steps", "gradient_clip", "augmentation", "random_state")

# The default callbacks that are part of the training itself (gradient_clip; the
# "modern" recipe's learning-rate schedule), not of its reporting.
_TRAINING_CALLBACKS = ("gradient_clipping", "lr_schedule")

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _named_params(function):
    """Names of the parameters of ``function`` that can be passed by keyword, ``self`` excluded."""
    parameters = inspect.signature(function).parameters.values()
    return [p.name for p in parameters if p.kind in _NAMED and p.name != "self"]


# Everything skorch's __init__ chain names (NeuralNetClassifier names only a few and
# passes the rest, e.g. lr, to NeuralNet), so it is read off the whole chain.
_SKORCH_PARAMS = frozenset(
    name
    for klass in NeuralNetClassifier.__mro__
    if klass is not object and "__init__" in vars(klass)
    for name in _named_params(klass.__init__)
)


def _init_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments a classifier's ``__init__`` received, from its ``locals()``.

    Each classifier spells out its signature (sklearn reads parameters from it) and
    hands everything on with ``super().__init__(**_init_arguments(locals()))``, so that
    no parameter is written twice. Called before any other statement, ``locals()``
    holds exactly the parameters, plus ``self`` and the ``__class__`` cell that
    zero-argument ``super()`` creates; ``**kwargs`` is merged in.
    """
    arguments = dict(arguments)
    arguments.pop("self", None)
    arguments.pop("__class__", None)
    extra = arguments.pop("kwargs", {})
    return {**arguments, **extra}


class _ProgressUpdate(Callback):
    """Advances the fit's progress bar (``verbose >= 1``) by one epoch, with its scores."""

    def on_epoch_end(self, net, **kwargs):
        bar = vars(net).get("_progress_bar")
        if bar is None:
            return
        row = net.history[-1]
        bar.set_postfix(
            {key: f"{row[key]:.4f}" for key in ("train_loss", "valid_loss", "valid_acc") if key in row},
            refresh=False,
        )
        bar.update()


def _print_above_progress_bar(text):
    # tqdm.write prints to stdout above an open bar instead of through it.
    from tqdm.auto import tqdm

    tqdm.write(text)


class _EpochTable(PrintLog):
    """skorch's table of scores per epoch, printed only from ``verbose=2`` on."""

    def on_epoch_end(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_epoch_end(net, **kwargs)


def frame_mask(
    lengths: ArrayLike | torch.Tensor | None, n_frames: int, device: str | torch.device | None = None
) -> torch.Tensor | None:
    """Boolean mask ``(batch, n_frames)``: True for the first ``lengths[i]`` frames.

    ``lengths=None`` means no padding: every frame is valid.

    Examples
    --------
    >>> frame_mask(torch.tensor([2, 3]), 3)
    tensor([[ True,  True, False],
            [ True,  True,  True]])
    """
    if lengths is None:
        return None
    lengths = torch.as_tensor(lengths, device=device)
    return torch.arange(n_frames, device=lengths.device)[None, :] < lengths[:, None]


def masked_mean(h: torch.Tensor, lengths: ArrayLike | torch.Tensor | None = None) -> torch.Tensor:
    """Mean of ``h`` ``(batch, n_frames, n_features)`` over its valid frames.

    Padded frames (index ``>= lengths[i]``) are excluded, and replaced by zeros before
    the sum so that even NaN padding cannot leak into the result.

    Examples
    --------
    >>> h = torch.tensor([[[1.0], [3.0], [float("nan")]]])
    >>> masked_mean(h, torch.tensor([2]))
    tensor([[2.]])
    """
    if lengths is None:
        return h.mean(dim=1)
    mask = frame_mask(lengths, h.shape[1], device=h.device)
    summed = torch.where(mask[:, :, None], h, torch.zeros((), dtype=h.dtype, device=h.device)).sum(1)
    counts = mask.sum(dim=1, keepdim=True).clamp(min=1).to(h.dtype)
    return summed / counts


class _InputScaler(torch.nn.Module):
    """``log1p`` (spectrograms only) then per-channel standardisation.

    Statistics live in buffers so that skorch's ``save_params``/``load_params``
    carry them with the weights.
    """

    def __init__(self, n_channels, n_spatial_dims, log1p):
        super().__init__()
        self.n_spatial_dims = n_spatial_dims
        self.log1p = log1p
        self.register_buffer("mean", torch.zeros(n_channels))
        self.register_buffer("std", torch.ones(n_channels))

    def forward(self, x):
        if self.log1p:
            # Magnitudes are validated non-negative; the clamp only guards rounding.
            x = torch.log1p(x.clamp(min=0))
        view = (1, -1) + (1,) * self.n_spatial_dims
        return (x - self.mean.view(view)) / self.std.view(view)


class _ScaledNetwork(torch.nn.Module):
    """The module skorch trains: input scaler followed by the classifier network."""

    def __init__(self, scaler, network):
        super().__init__()
        self.scaler = scaler
        self.network = network

    def forward(self, x, **kwargs):
        return self.network(self.scaler(x), **kwargs)


# Docstring of the training-budget parameters, shared by the three classifiers.
_budget_docstring = """max_epochs : int or "auto", default="auto"
        ``"auto"`` trains exactly ``n_steps`` gradient steps: ``ceil(n_steps /
        n_batches)`` epochs, the last one cut short, where ``n_batches =
        ceil(n_train / batch_size)`` batches make one epoch of the ``n_train``
        training rows (after ``train_split``; counted on the training iterator, so
        ``iterator_train__*`` settings such as ``drop_last`` are honoured). The
        number of gradient steps, not of epochs, is fixed, so that
        comparing augmenters never compares training lengths: a training set made
        six times larger by augmentation gets the same number of steps, not six
        times as many. An int is skorch's plain epoch count, and ``n_steps`` is then
        ignored.
    n_steps : int, default=1500
        Gradient steps of a fit when ``max_epochs="auto"``. With the 1,714 HAPT
        windows of 5 subjects (batch 64, 27 batches per epoch), 1500 steps are 56
        epochs. Measured on 5 HAPT splits of 5 training subjects (the 25 others as
        test; ``benchmarks/results/compare-deepsense.md``), DeepSense without
        augmentation reached 0.829 ± 0.031 accuracy after 1,000 steps and
        0.815 ± 0.058 after about 2,000: more steps did not help, and 1500 sits
        between. The earlier default of 20 epochs (540 steps on that data, 20 steps
        on 40 windows) undertrained small data sets.""".rstrip()

# Docstring of the fitted budget attributes, shared by the three classifiers.
_budget_attributes_docstring = """n_epochs_ : int
        Epochs the network has been trained since it was last initialised (fewer
        than planned when a callback such as early stopping ended training).
    n_steps_ : int
        Gradient (optimizer) steps taken over those epochs.
    augmentation_ : object or None
        The ``augmentation`` as applied to the training batches, resolved for the
        training data at fit; None without augmentation.""".rstrip()

# The library's verbose (see _verbose_docstring), and what it shows for a classifier.
_net_verbose_docstring = (
    _verbose_docstring
    + """ For a classifier: from 1 a tqdm bar over
        the training epochs with the last scores (stderr); from 2 also skorch's
        table of losses and scores per epoch (stdout)."""
)

# Docstring of the skorch pass-through, shared by the three classifiers.
_skorch_kwargs_docstring = """**kwargs
        Any other skorch parameter, routed by its prefix as in skorch:
        ``optimizer__weight_decay=0``, ``criterion__*``,
        ``iterator_train__num_workers=2``, ``callbacks__*``, ``classes``, ... The
        network is set by the parameters above and by the data only: a
        ``module__*`` parameter raises a ``ValueError`` at fit (for
        ``module__<name>`` with ``<name>`` a parameter above, it says to pass
        ``<name>=`` instead).""".rstrip()

# Docstring of the on-the-fly augmentation, shared by every classifier.
_augmentation_docstring = """augmentation : sampler, callable, list of them or None, default=None
        On-the-fly augmentation of the training batches (braindecode's
        ``AugmentedDataLoader``): each training batch is transformed anew, with
        fresh randomness every epoch, before the network sees it; validation
        batches (``train_split``) and ``predict``/``predict_proba`` never are.
        Accepted:

        - a :class:`~skaugment.augmenters.SignalTransformAugmenter` (raw windows
          only: a ``ValueError`` at fit for 4-D input): each row of a batch is
          replaced, with probability ``ratio / (1 + ratio)``, by a transformed
          copy of itself, drawn as one synthetic row of its ``fit_resample``
          (its ``transforms``, ``n_transforms``, ``spectral_transforms``,
          ``transform_params``, ``modalities``, ...);
        - a :class:`~skaugment.augmenters.MixupAugmenter` (any input): each row,
          with probability ``ratio / (1 + ratio)``, is mixed with a partner drawn
          from the batch, ``lambda ~ Beta(alpha, alpha)``, and its target becomes
          the mixed class probabilities (trained on with cross-entropy against
          the rows);
        - a callable ``f(X_batch, y_batch, rng) -> (X_batch, y_batch)``: ``X_batch``
          a float32 array of the batch's rows as given to fit (before the
          network's own scaling), ``y_batch`` the *encoded* labels (int64,
          ``0 .. n_classes - 1`` in the order of ``classes_``) or a float32 table
          of class probabilities, ``rng`` a :class:`numpy.random.RandomState`;
          it returns rows of the same shape and either kind of targets;
        - a list of these, applied in order.

        ``ratio / (1 + ratio)`` keeps ``ratio``'s meaning: the training batches
        hold, on average, the share of synthetic rows that the sampler's
        ``fit_resample`` with the same ``ratio`` gives (``ratio=1``: half). A
        sampler's ``sampling_strategy`` must be None, and its ``random_state`` is
        not used: the classifier's ``random_state`` seeds the augmentation, so
        the same ``random_state`` gives the same fit. A sampler's parameters are
        grid-searchable as ``augmentation__<param>`` (e.g.
        ``augmentation__ratio``). An offline augmenter (a generator, a
        metric-space augmenter) goes in an imblearn pipeline before the
        classifier instead.""".rstrip()

_Net = TypeVar("_Net", bound="BaseNetClassifier")

# Types of the parameters the classifiers share, for their signatures.
ModalitiesArg = dict[str, Sequence[int]] | None
MaxEpochsArg = int | Literal["auto"]
OptimizerArg = Callable[..., torch.optim.Optimizer]
CriterionArg = Callable[..., torch.nn.Module]
TrainSplitArg = Callable[..., Any] | None
CallbacksArg = list[Callback | tuple[str, Callback]] | Literal["disable"] | None
DeviceArg = str | torch.device
AugmentationArg = Any
RandomStateArg = int | np.random.RandomState | None


def _is_soft_target(y):
    """True for a table of class probabilities, False for 1-D labels (or a column of them)."""
    if isinstance(y, LabelDistribution):
        return True
    shape = getattr(y, "shape", None)
    if shape is None:  # lists, and array-likes that only implement __array__
        try:
            shape = np.asarray(y).shape
        except ValueError:  # ragged: not a table; the label checks will say why
            return False
    return len(shape) == 2 and shape[1] > 1


def _encoded_accuracy(net, X, y):
    """Accuracy on encoded labels, for skorch's internal validation scoring.

    skorch scores the validation split with the *encoded* targets it trains on,
    while ``predict`` returns the user's labels; compare in the encoded space. Soft
    targets are scored against their most probable class.
    """
    proba = net.predict_proba(X)
    return float(np.mean(proba.argmax(axis=1) == hard_labels(y)))


class _StepLimitedIterator:
    """A training iterator that yields no more batches than ``owner._steps_left``."""

    def __init__(self, iterator, owner):
        self.iterator = iterator
        self.owner = owner

    def __len__(self):
        return min(len(self.iterator), max(vars(self.owner).get("_steps_left", 0), 0))

    def __iter__(self):
        batches = iter(self.iterator)
        # check the budget before pulling: a batch pulled past it would be loaded (and
        # augmented, drawing randomness) for nothing
        while vars(self.owner).get("_steps_left", 0) > 0:
            try:
                batch = next(batches)
            except StopIteration:
                return
            vars(self.owner)["_steps_left"] -= 1
            yield batch


class BaseNetClassifier(TimeSeriesTagsMixin, NeuralNetClassifier):
    """Base of skaugment's skorch classifiers (see the module docstring)."""

    _input_kind = "spectrogram"

    _parameter_constraints = {
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), Options(numbers.Integral, {-1})],
        "train_split": [None, callable],
        "callbacks": [None, list, StrOptions({"disable"})],
        "criterion": [callable],
        "optimizer": [callable],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str, torch.device],
        "verbose": ["verbose"],
        # checked with a message of its own in _check_module_params
        "module": "no_validation",
        "random_state": ["random_state"],
        "classes": [None, "array-like"],
        "gradient_clip": [None, Interval(numbers.Real, 0, None, closed="neither")],
        # each item's type is checked again, with a message of its own, at fit
        "augmentation": [None, callable, list, tuple, HasMethods(["fit_resample"])],
        # skorch's own plumbing: skorch validates these itself when it initialises.
        **{
            name: "no_validation"
            for name in ("iterator_train", "iterator_valid", "dataset", "warm_start",
                         "compile", "predict_nonlinearity", "use_caching", "torch_load_kwargs",
                         "_params_to_validate")
        },
    }

    # Optimizer keyword defaults of the reference implementation, applied under any
    # user ``optimizer__*`` value and only when the optimizer accepts them.
    _optimizer_defaults = {}

    # Parameters of the training loop rather than of the network (a subclass may add
    # its own); the other parameters it adds describe the network.
    _training_params = _TRAINING_PARAMS

    def __init__(self, **params: Any) -> None:
        # skorch stores ``module`` as a parameter; these classifiers build theirs at
        # fit, so it is only ever passed back (as None) by ``clone``.
        module = params.pop("module", None)
        # skorch keeps the parameters it does not know for validation against its
        # prefixes; this class's own ones are plain attributes.
        own = {name: params.pop(name) for name in self._own_param_names()}
        super().__init__(module, **params)
        for name, value in own.items():
            setattr(self, name, value)

    @classmethod
    def _own_param_names(cls) -> tuple[str, ...]:
        """Parameters of ``cls.__init__`` that skorch does not know."""
        return tuple(name for name in _named_params(cls.__init__) if name not in _SKORCH_PARAMS)

    @classmethod
    def _architecture_param_names(cls) -> tuple[str, ...]:
        """The parameters that describe the network: passed by name to ``_build_network``."""
        return tuple(name for name in cls._own_param_names() if name not in cls._training_params)

    def set_params(self, **params: Any):
        """Set parameters; ``<param>__<key>`` sets ``key`` of an estimator-valued parameter.

        skorch reads every ``<prefix>__<key>`` as a keyword for a part it builds
        (``optimizer__``, ``criterion__``, ...); for this class's own parameters
        whose value is an estimator (e.g. ``augmentation``), the nested parameters
        are set on that estimator, as scikit-learn does, so that grid searches
        over ``augmentation__ratio`` work.
        """
        own = set(self._own_param_names())
        nested = {}
        for key in list(params):
            name, sep, sub = key.partition("__")
            if sep and name in own:
                nested.setdefault(name, {})[sub] = params.pop(key)
        super().set_params(**params)
        for name, sub_params in nested.items():
            value = getattr(self, name)
            if not hasattr(value, "set_params"):
                raise ValueError(
                    f"Invalid parameter {name}__{next(iter(sub_params))!r} for {type(self).__name__}: "
                    f"{name} is {value!r}, which has no parameters to set."
                )
            value.set_params(**sub_params)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self._input_kind == "spectrogram":
            # (n, c, F, T) magnitude spectrograms only: no 2-D tabular input, no negatives.
            tags.input_tags.two_d_array = False
            tags.input_tags.positive_only = True
        return tags

    @property
    def classes_(self):
        # skorch returns the classes parameter as given; predict_proba's columns follow
        # the label encoder, which sorts them.
        inferred = vars(self).get("classes_inferred_")
        if inferred is not None:
            return inferred
        return NeuralNetClassifier.classes_.fget(self)

    # -- the network ---------------------------------------------------------------------

    def _build_network(self, input_shape, n_classes, **architecture):
        """The torch module for ``input_shape`` (one sample) and ``n_classes`` classes."""
        raise NotImplementedError

    def _check_module_params(self):
        """Reject a second way to set the architecture: ``module`` and ``module__*``."""
        name = type(self).__name__
        if self.module is not None:
            raise ValueError(
                f"{name} builds its network at fit from its parameters and the data, so module must "
                f"be None; got {self.module!r}. To train another network, subclass {name} and "
                "override _build_network."
            )
        given = self.get_params_for("module")
        if not given:
            return
        architecture = self._architecture_param_names()
        duplicated = [key for key in given if key in architecture]
        if duplicated:
            key = duplicated[0]
            raise ValueError(
                f"module__{key} duplicates {name}'s own parameter {key}: pass {key}={given[key]!r} "
                f"(or set_params({key}=...)) instead of module__{key}."
            )
        raise ValueError(
            f"{name} builds its network from its parameters ({', '.join(architecture)}) and from "
            f"the data (input shape, number of classes); module__ parameters are not accepted, got "
            f"{', '.join('module__' + key for key in given)}."
        )

    def _network_kwargs(self):
        """The architecture parameters as ``_build_network``'s keyword arguments."""
        self._check_module_params()
        kwargs = {name: getattr(self, name) for name in self._architecture_param_names()}
        if "modalities" in kwargs:
            # validated against the data's channels at fit
            kwargs["modalities"] = self.modalities_
        return kwargs

    # -- skorch defaults -----------------------------------------------------------------

    @property
    def _default_callbacks(self):
        callbacks = [
            (name, cb) for name, cb in super()._default_callbacks if name not in ("valid_acc", "print_log")
        ]
        callbacks.append(
            ("valid_acc", EpochScoring(_encoded_accuracy, name="valid_acc", lower_is_better=False))
        )
        if self.gradient_clip is not None:
            callbacks.append(
                ("gradient_clipping", GradientNormClipping(gradient_clip_value=self.gradient_clip))
            )
        # Last, so that they see every score of the epoch.
        callbacks.append(("progress", _ProgressUpdate()))
        callbacks.append(("print_log", _EpochTable(sink=_print_above_progress_bar)))
        return callbacks

    def get_loss(self, y_pred, y_true, X=None, training=False):
        criterion = self.criterion_
        if (isinstance(criterion, torch.nn.CrossEntropyLoss) and criterion.weight is not None
                and criterion.reduction == "mean" and np.ndim(y_true) == 2):
            # torch divides a class-weighted loss of labels by the weights of the rows'
            # classes, one of class probabilities by the number of rows: divide by the
            # weight each row carries, so that a one-hot row trains as its label and a
            # mixup batch keeps the scale of a batch of labels
            q = torch.as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
            per_row = torch.nn.functional.cross_entropy(
                y_pred, q, weight=criterion.weight, reduction="none",
                label_smoothing=criterion.label_smoothing)
            return per_row.sum() / (q @ criterion.weight).sum()
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def _get_predict_nonlinearity(self):
        # Every network here returns logits and every criterion takes logits (skorch's
        # 'auto' only recognises CrossEntropyLoss, not DULoss), so 'auto' is softmax.
        if self.predict_nonlinearity == "auto":
            self.check_is_fitted()
            return lambda logits: torch.softmax(logits, dim=-1)
        return super()._get_predict_nonlinearity()

    def get_iterator(self, dataset, training=False):
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        if training:
            kwargs.setdefault("shuffle", True)
        if "generator" not in kwargs and "sampler" not in kwargs and "batch_sampler" not in kwargs:
            # DataLoader draws a base seed (and the shuffling order) from this generator
            # instead of torch's global one: reproducible, and the caller's random
            # state is left alone (prediction included). One generator per fit, so
            # every epoch gets a new order.
            kwargs["generator"] = torch_generator(getattr(self, "seed_", 0) + 1)
        iterator = getattr(self, prefix)(dataset, **kwargs)
        augmentation = vars(self).get("augmentation_")
        rng = vars(self).get("_augmentation_rng")
        if training and augmentation is not None and rng is not None:
            # only the training batches of a fit; validation and prediction never
            iterator = AugmentedIterator(iterator, augmentation, rng)
        if training and "_steps_left" in vars(self):
            return _StepLimitedIterator(iterator, self)
        return iterator

    def initialize_optimizer(self, *args, **kwargs):
        with self._optimizer_defaults_applied():
            return super().initialize_optimizer(*args, **kwargs)

    @contextlib.contextmanager
    def _optimizer_defaults_applied(self):
        try:
            accepted = inspect.signature(self.optimizer).parameters
        except (TypeError, ValueError):
            accepted = {}
        added = []
        for key, value in self._optimizer_defaults.items():
            name = f"optimizer__{key}"
            if key in accepted and name not in vars(self):
                vars(self)[name] = value
                added.append(name)
        try:
            yield
        finally:
            for name in added:
                del vars(self)[name]

    # -- device and seeding --------------------------------------------------------------

    @contextlib.contextmanager
    def _resolved_device(self):
        """Let skorch see a concrete device while keeping the ``device`` param as given."""
        requested = self.device
        self.device = resolve_device(requested) if isinstance(requested, str) else requested
        try:
            yield self.device
        finally:
            self.device = requested

    @contextlib.contextmanager
    def _seeded_torch(self, seed):
        # weights and dropout are drawn from ``seed`` without touching the caller's
        # torch random state
        with seeded(seed, self.device):
            yield

    # -- data ----------------------------------------------------------------------------

    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints, self.get_params(deep=False), caller_name=type(self).__name__
        )
        self._check_module_params()
        if isinstance(self.device, (str, torch.device)):
            resolve_device(str(self.device) if isinstance(self.device, torch.device) else self.device)
        if isinstance(self.criterion, type) and issubclass(self.criterion, torch.nn.NLLLoss):
            # skorch would feed it log(logits + eps): NaN losses, and no error
            raise ValueError(
                f"criterion={self.criterion.__name__} takes log-probabilities, but "
                f"{type(self).__name__}'s network returns logits: use "
                "torch.nn.CrossEntropyLoss (the default), which applies the log-softmax itself."
            )
        if isinstance(self.callbacks, str) and self.callbacks == "disable":
            dropped = [name for name, _ in self._default_callbacks
                       if name in _TRAINING_CALLBACKS]
            if dropped:
                raise ValueError(
                    f"callbacks='disable' drops skorch's default callbacks, and with them "
                    f"{dropped}, which gradient_clip or the recipe ask for; keep callbacks=None "
                    "(or pass a list), or set gradient_clip=None and a recipe without a "
                    "schedule."
                )

    def _check_training_callbacks_unchanged(self):
        """``partial_fit`` keeps the fit's callbacks: refuse a changed clip or schedule."""
        fitted = {name: cb for name, cb in self.callbacks_ if name in _TRAINING_CALLBACKS}
        wanted = {name: cb for name, cb in self._default_callbacks if name in _TRAINING_CALLBACKS}
        clip = fitted.get("gradient_clipping")
        if set(fitted) != set(wanted) or (
                clip is not None and clip.gradient_clip_value != self.gradient_clip):
            raise ValueError(
                "gradient_clip or recipe changed since fit; partial_fit goes on with the "
                f"training callbacks of the fit ({sorted(fitted)}, now asked: "
                f"{sorted(wanted)}): call fit to train with the new ones."
            )

    def _check_X(self, X, reset):
        """Validate ``X``; with ``reset`` learn its layout, else compare with the fitted one."""
        kind = self._input_kind
        ndim = len(np.shape(X.detach() if hasattr(X, "detach") else np.asarray(X)))
        if ndim == 1:
            raise ValueError(
                "X must hold one window or spectrogram per sample; got a 1-D array. "
                "Reshape your data, e.g. X[np.newaxis] for a single sample."
            )
        if reset:
            if kind == "any" and ndim == 4:
                mode = "spectrogram"
            elif kind == "any":
                mode = "time_series"
            else:
                mode = kind
        else:
            mode = self.input_mode_
        if mode == "spectrogram":
            fitted = None if reset else self.input_shape_
            X = check_spectrogram(
                X,
                n_channels=None if reset else fitted[0],
                shape=fitted,
                dtype=np.float32,
                name="X",
            )
        else:
            X = check_time_series(
                X, n_channels=None if reset else self.input_shape_[0], dtype=np.float32, name="X"
            )
            if not reset and X.shape[2] != self.input_shape_[1]:
                raise ValueError(
                    f"X has {X.shape[2]} timesteps, but {self.input_shape_[1]} were seen at fit."
                )
        if reset:
            self.input_mode_ = mode
            self.input_shape_ = tuple(int(s) for s in X.shape[1:])
            self.n_channels_ = self.input_shape_[0]
        return np.ascontiguousarray(X, dtype=np.float32)

    def _fit_scaling(self, X):
        """Per-channel statistics of the network's input (after log1p for spectrograms)."""
        axes = (0,) + tuple(range(2, X.ndim))
        Z = np.log1p(X) if self.input_mode_ == "spectrogram" else X
        mean = Z.mean(axis=axes, dtype=np.float64)
        std = Z.std(axis=axes, dtype=np.float64)
        self.input_mean_ = mean.astype(np.float32)
        self.input_std_ = np.maximum(std, _STD_FLOOR).astype(np.float32)

    def _check_target(self, y):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        if _is_soft_target(y):
            # Validated with the classes in _fit_labels, which needs y.classes intact.
            return y
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        y = check_labels(y)
        # Continuous targets are a regression problem, not labels to encode.
        check_classification_targets(y)
        return y

    def _soft_targets(self, y, n_samples, default_classes):
        """Class probabilities ``(n_samples, n_classes_)``, float32, columns in ``classes_`` order.

        ``default_classes`` names the columns of a plain (unlabelled) array.
        """
        column_classes = y.classes if isinstance(y, LabelDistribution) else default_classes
        proba = label_distribution(y, column_classes, name="y")
        if proba.shape[0] != n_samples:
            raise ValueError(
                f"y has {proba.shape[0]} labels but X has {n_samples} samples (one row of class "
                "probabilities per sample)."
            )
        known = self.label_encoder_.classes_
        unknown = [c for c in proba.classes.tolist() if c not in set(known.tolist())]
        if unknown:
            raise ValueError(
                f"y's columns are classes {unknown} that are not in the classifier's classes "
                f"{known.tolist()}."
            )
        targets = np.zeros((n_samples, len(known)), dtype=np.float32)
        targets[:, self.label_encoder_.transform(proba.classes)] = proba
        return targets

    def _fit_soft_labels(self, y, n_samples):
        encoder = LabelEncoder()
        if self.classes is not None:
            classes = check_labels(self.classes, name="classes")
            column_classes = classes
        else:
            column_classes = None if isinstance(y, LabelDistribution) else np.arange(np.asarray(y).shape[1])
            classes = label_distribution(y, column_classes, name="y").classes
        encoder.fit(classes)
        self.label_encoder_ = encoder
        self.classes_inferred_ = encoder.classes_
        self.n_classes_ = len(encoder.classes_)
        return self._soft_targets(y, n_samples, column_classes)

    def _fit_labels(self, y, n_samples):
        if _is_soft_target(y):
            return self._fit_soft_labels(y, n_samples)
        y = check_labels(y, n_samples=n_samples)
        encoder = LabelEncoder()
        if self.classes is not None:
            encoder.fit(check_labels(self.classes, name="classes"))
            unknown = np.setdiff1d(np.unique(y), encoder.classes_)
            if unknown.size:
                raise ValueError(
                    f"y holds labels {unknown.tolist()} that are not in classes={encoder.classes_.tolist()}."
                )
        else:
            encoder.fit(y)
        self.label_encoder_ = encoder
        # skorch's classes_ property reads this attribute.
        self.classes_inferred_ = encoder.classes_
        self.n_classes_ = len(encoder.classes_)
        return encoder.transform(y).astype(np.int64)

    def _encode_labels(self, y, n_samples):
        if _is_soft_target(y):
            default = self.classes if self.classes is not None else self.label_encoder_.classes_
            return self._soft_targets(y, n_samples, np.asarray(default))
        y = check_labels(y, n_samples=n_samples)
        unknown = np.setdiff1d(np.unique(y), self.label_encoder_.classes_)
        if unknown.size:
            raise ValueError(
                f"y holds labels {unknown.tolist()} not seen at fit; known: "
                f"{self.label_encoder_.classes_.tolist()}."
            )
        return self.label_encoder_.transform(y).astype(np.int64)

    def _prepare_fit(self, X, y):
        self._check_params()
        y = self._check_target(y)
        X = self._check_X(X, reset=True)
        y_enc = self._fit_labels(y, X.shape[0])
        if self.n_classes_ < 2 and self.classes is None:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; y holds 1 class "
                f"({self.label_encoder_.classes_.tolist()})."
            )
        if "modalities" in self._architecture_param_names():
            self.modalities_ = check_modalities(self.modalities, X.shape[1])
        self._fit_scaling(X)
        self.seed_ = seed_from_random_state(self.random_state)
        self._fit_augmentation(X, y_enc)
        return X, y_enc

    def _fit_augmentation(self, X, y_enc):
        """Resolve ``augmentation`` for this data into ``augmentation_`` (None: none)."""
        augmentation = BatchAugmentation(
            self.augmentation, X, np.asarray(y_enc), self.n_classes_, self.input_mode_,
            owner=type(self).__name__,
        )
        self.augmentation_ = augmentation if len(augmentation) else None

    # -- skorch overrides ----------------------------------------------------------------

    def check_data(self, X, y):
        # Labels are encoded by this class; skorch's own class inference would
        # overwrite classes_ with the encoded integers.
        pass

    def get_split_datasets(self, X, y=None, **fit_params):
        # fit_loop may already have split the data to size an "auto" budget: reuse that
        # split rather than drawing a second one.
        presplit = vars(self).pop("_presplit_datasets", None)
        if presplit is not None:
            return presplit
        dataset = self.get_dataset(X, y)
        if not self.train_split:
            return dataset, None
        if y is None:
            return self.train_split(dataset, **fit_params)
        # A split sees y only to stratify on it; probability rows cannot be stratified,
        # their most probable class can. The datasets keep the probabilities.
        return self.train_split(dataset, hard_labels(y), **fit_params)

    def _epochs_for(self, dataset_train):
        """Epochs of the ``n_steps`` budget: ``max(1, ceil(n_steps / batches per epoch))``.

        The last epoch is cut short so that exactly ``n_steps`` batches are trained.
        """
        try:
            # The training iterator itself, so that iterator_train__batch_size,
            # drop_last and batch samplers count exactly as they will train.
            n_batches = len(self.get_iterator(dataset_train, training=True))
        except TypeError:  # an iterator without a length: count batches of batch_size
            n_train = len(dataset_train)
            batch_size = n_train if self.batch_size == -1 else self.batch_size
            n_batches = math.ceil(n_train / max(batch_size, 1))
        if n_batches < 1:
            return 1
        return max(1, math.ceil(self.n_steps / n_batches))

    def fit_loop(self, X, y=None, epochs=None, *, _routing_method="fit", **fit_params):
        if epochs is None and isinstance(self.max_epochs, str):  # "auto"
            self.check_training_readiness()
            split_params = fit_params
            if _routing_enabled():
                routed = process_routing(self, _routing_method, **fit_params)
                split_params = routed.get("splitter", {"split": {}})["split"]
            datasets = self.get_split_datasets(X, y, **split_params)
            epochs = self._epochs_for(datasets[0])
            vars(self)["_presplit_datasets"] = datasets
            # the last epoch stops after exactly n_steps batches in all: rounding up to
            # whole epochs would give a larger training set more steps
            vars(self)["_steps_left"] = int(self.n_steps)
        # The augmentation's randomness, one stream per fit (or partial fit) drawn from
        # its seed: fresh transforms every batch and epoch, the same for the same seed.
        vars(self)["_augmentation_rng"] = np.random.RandomState(
            np.random.SeedSequence([int(getattr(self, "seed_", 0)), 2]).generate_state(1)[0]
        )
        try:
            with self._progress_bar(self.max_epochs if epochs is None else epochs):
                return super().fit_loop(X, y, epochs=epochs, _routing_method=_routing_method, **fit_params)
        finally:
            vars(self).pop("_presplit_datasets", None)
            vars(self).pop("_steps_left", None)
            vars(self).pop("_augmentation_rng", None)

    @contextlib.contextmanager
    def _progress_bar(self, n_epochs):
        """A tqdm bar over ``n_epochs`` epochs while training, when ``verbose >= 1``.

        The ``progress`` callback advances it after each epoch's scores.
        """
        if not self.verbose:
            yield
            return
        from tqdm.auto import tqdm

        bar = tqdm(total=n_epochs, desc=f"{type(self).__name__} fit", unit="epoch")
        vars(self)["_progress_bar"] = bar
        try:
            yield
        finally:
            vars(self).pop("_progress_bar", None)
            bar.close()

    def _record_budget(self):
        self.n_epochs_ = len(self.history)
        self.n_steps_ = int(sum(epoch.get("train_batch_count", 0) for epoch in self.history))

    def initialize_module(self):
        if not hasattr(self, "input_shape_"):
            raise ValueError(
                f"{type(self).__name__} builds its network from the data: call fit(X, y), "
                "or initialize(X, y) to build it (e.g. before load_params)."
            )
        network = self._build_network(self.input_shape_, self.n_classes_, **self._network_kwargs())
        scaler = _InputScaler(
            self.input_shape_[0],
            n_spatial_dims=len(self.input_shape_) - 1,
            log1p=self.input_mode_ == "spectrogram",
        )
        scaler.mean.copy_(torch.as_tensor(self.input_mean_))
        scaler.std.copy_(torch.as_tensor(self.input_std_))
        self.module_ = _ScaledNetwork(scaler, network)
        return self

    def initialize(self: _Net, X: ArrayLike | None = None, y: ArrayLike | None = None) -> _Net:
        """Build the network, criterion and optimizer without training.

        Parameters
        ----------
        X : array-like, default=None
            Data of the shape the network will see (its scaling statistics are
            learned from it). Needed unless the classifier already knows its input,
            e.g. to call :meth:`load_params` on a new instance.
        y : array-like of shape (n_samples,), default=None
            Labels (or set the ``classes`` parameter).
        """
        if X is not None:
            if y is None:
                if self.classes is None:
                    raise ValueError("initialize(X) needs y, or the classes parameter, to know the classes.")
                y = np.asarray(self.classes)[np.zeros(len(X), dtype=int)]
            X, _ = self._prepare_fit(X, y)
        seed = getattr(self, "seed_", None)
        if seed is None:
            seed = self.seed_ = seed_from_random_state(self.random_state)
        with self._resolved_device(), self._seeded_torch(seed):
            return super().initialize()

    def fit(self: _Net, X: ArrayLike, y: ArrayLike | LabelDistribution, **fit_params: Any) -> _Net:
        """Learn the input scaling, build the network for ``X``'s shape, and train it.

        Trains ``max_epochs`` epochs, or with ``max_epochs="auto"`` exactly
        ``n_steps`` gradient steps on the training rows.

        Parameters
        ----------
        X : array-like
            Training data; see the class docstring for the accepted shapes.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Labels of any type sklearn accepts (ints, strings), or soft labels: class
            probabilities, one row per sample (finite, non-negative, each row summing
            to 1), trained on with cross-entropy against the rows. The class of each
            column is ``y.classes`` for a
            :class:`~skaugment.utils.LabelDistribution` (what
            :class:`~skaugment.augmenters.MixupAugmenter` returns), else the
            ``classes`` parameter (columns in its order), else ``0 .. n_classes - 1``.
            ``predict`` returns labels of that class set.
        **fit_params : dict
            Passed to skorch's ``fit`` (e.g. to ``train_split``).

        Returns
        -------
        self : object
        """
        if self.warm_start and self.initialized_:
            return self.partial_fit(X, y, **fit_params)
        X, y_enc = self._prepare_fit(X, y)
        # A fit starts afresh: not a re-initialisation for skorch to announce.
        self.initialized_ = False
        with self._resolved_device(), self._seeded_torch(self.seed_):
            NeuralNetClassifier.initialize(self)
            NeuralNetClassifier.partial_fit(self, X, y_enc, _routing_method="fit", **fit_params)
        self._record_budget()
        return self

    def partial_fit(
        self: _Net,
        X: ArrayLike,
        y: ArrayLike | LabelDistribution | None = None,
        classes: ArrayLike | None = None,
        **fit_params: Any,
    ) -> _Net:
        """Train once more for the budget of a fit, without re-initialising the network.

        That is ``max_epochs`` more epochs, or with ``max_epochs="auto"`` the whole
        epochs covering ``n_steps`` more gradient steps on this call's data. The
        first call (on an unfitted classifier) learns the input shape, scaling and
        classes exactly as :meth:`fit` does; later calls must use the same classes.
        ``y`` may be labels or class probabilities, as in :meth:`fit`; a plain
        probability array has its columns in the order of ``classes`` if set, else
        of ``classes_``.
        """
        if not self.initialized_:
            return self.fit(X, y, **fit_params)
        self._check_params()
        self._check_training_callbacks_unchanged()
        X = self._check_X(X, reset=False)
        y_enc = self._encode_labels(y, X.shape[0])
        self._fit_augmentation(X, y_enc)
        # A new seed per call keeps repeated partial fits from replaying one shuffle.
        self.seed_ = seed_from_random_state(self.seed_ + len(self.history))
        with self._resolved_device(), self._seeded_torch(self.seed_):
            NeuralNetClassifier.partial_fit(self, X, y_enc, **fit_params)
        self._record_budget()
        return self

    def forward_iter(self, X, training=False, device="cpu"):
        if not isinstance(X, (torch.utils.data.Dataset, SkorchDataset)):
            self.check_is_fitted(["module_", "input_shape_"])
            X = self._check_X(X, reset=False)
        with self._resolved_device():
            yield from super().forward_iter(X, training=training, device=device)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like
            Data shaped like the training data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float32
        """
        self.check_is_fitted(["module_", "input_shape_"])
        return super().predict_proba(X)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted labels, in the user's label space (strings stay strings).

        Parameters
        ----------
        X : array-like
            Data shaped like the training data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.label_encoder_.inverse_transform(proba.argmax(axis=1))

    def load_params(self, *args, **kwargs):
        with self._resolved_device():
            super().load_params(*args, **kwargs)
        # The scaling statistics travel as module buffers; keep the attributes in sync.
        scaler = self.module_.scaler
        self.input_mean_ = scaler.mean.detach().cpu().numpy().copy()
        self.input_std_ = scaler.std.detach().cpu().numpy().copy()
        return self

    def __setstate__(self, state):
        # skorch maps saved tensors with torch.device(state["device"]), which does not
        # know "auto": unpickle on the resolved device, then restore the parameter.
        requested = state.get("device")
        if isinstance(requested, str) and requested == "auto":
            state["device"] = resolve_device("auto")
        super().__setstate__(state)
        self.device = requested
