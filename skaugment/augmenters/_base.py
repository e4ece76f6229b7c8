"""Shared machinery of the metric-space augmenters (imbalanced-learn samplers).

Every augmenter follows the same recipe (Wang et al., 2024, section 3.4): fit a
conditional generator on the real spectrograms (once per training set, cached),
measure the metrics of the real rows, move them in metric space (the part each
augmenter defines), and ask the generator for spectrograms with the moved
metrics. Real rows come first in the output, synthetic rows after.
"""

import inspect
import numbers
import os
from collections.abc import Callable
from typing import Literal

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, check_memory

from ..base import BaseAugmenter, Synthetic
from ..spectral._metrics import clip_physical_metrics, split_condition_names
from ..utils import check_modalities
from ..utils._docstring import _sampling_strategy_docstring
from ..utils._sampling import encode_known_labels
from ..utils._validation import draw_seed

__all__ = ["BaseMetricAugmenter"]


# Annotations of the parameters the augmenters share.
SamplingStrategyArg = (
    float
    | Literal["minority", "not minority", "not majority", "all", "auto"]
    | dict
    | Callable
    | None
)
RandomStateArg = int | np.random.RandomState | None
MemoryArg = str | os.PathLike | joblib.Memory | None

_COMMON_PARAMS_DOC = """generator : estimator, default=None
        A generator of the protocol in ``docs/generators.md`` (``fit``, ``sample``,
        ``conditions_from``), conditioned on metrics. ``None`` means
        :class:`~skaugment.SpectrogramMetricEditSampler` with its default parameters, which
        edits each real source spectrogram towards its requested metrics (training-free,
        the best measured choice on HAPT); pass a
        :class:`~skaugment.ConditionalDiffusionSampler` to generate from noise. It is cloned
        and fitted on the data passed to :meth:`fit_resample` (once: a following
        ``fit_resample`` on the same data reuses the fit of ``fit``). To reuse a
        generator fitted elsewhere, wrap it in
        :class:`sklearn.frozen.FrozenEstimator`: it survives ``clone`` (so it works
        inside ``GridSearchCV`` and ``cross_val_score``) and is never refitted. Beware
        of leakage: a generator fitted on data that includes the validation folds of
        a later cross-validation has seen those folds, and the scores it helps
        produce are optimistic. When its own ``random_state`` is ``None`` the clone is
        seeded from this augmenter's ``random_state``, so that the whole
        augmentation is reproducible. When the generator's ``uses_init`` is True
        (:class:`~skaugment.generators.SpectrogramMetricEditSampler`, or the diffusion sampler
        with ``strength < 1``), each synthetic row's real source spectrogram is
        passed to its ``sample`` as ``init``.
    ratio : float, default=5.0
        Number of generated samples divided by the number of real samples (Wang et al.,
        2024, section 4.4). Each class gets ``round(ratio * n_class)`` new samples,
        so class proportions are kept.
    """ + _sampling_strategy_docstring + """
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of source rows, the metric draws, the generator's noise
        and, see ``generator``, the generator's fit. The same ``random_state`` gives
        the same output on the same machine; no global random generator is used.
    memory : None, str, path or joblib.Memory, default=None
        Where to cache the generator fit, as in :class:`sklearn.pipeline.Pipeline`.
        The cache is keyed on the training spectrograms, the labels and the
        generator's parameters except those only its sampling reads (e.g. a
        diffusion model's ``strength``), so a grid search over ``ratio``, any other
        parameter of this augmenter or those sampling parameters fits the generator
        once per training fold. ``None``: no caching.
    prefit : bool, default=False
        Use the already-fitted ``generator`` as is, without refitting (same leakage
        caveat). ``clone`` (``GridSearchCV``, ``cross_val_score``) copies the
        generator's parameters, not its fit: there, use ``FrozenEstimator``."""

_COMMON_ATTRS_DOC = """generator_ : estimator
        The fitted generator (a fitted clone; the wrapped generator of a
        ``FrozenEstimator``; ``generator`` itself when ``prefit``).
    classes_ : ndarray of shape (n_classes,)
        Labels seen at fit.
    condition_names_ : list of str
        Names of the metric columns, ``"{channel}__{metric}"``.
    sampling_strategy_ : dict
        Number of synthetic samples generated for each class.
    synthetic_mask_ : ndarray of shape (n_samples + n_generated,), bool
        True for the synthetic rows of the last output.
    sample_indices_ : ndarray of shape (n_samples + n_generated,), int
        For every output row, the index of its real source row (itself for a real
        row).
    conditions_ : ndarray of shape (n_generated, n_conditions), float64
        The metric values requested for the synthetic rows (after clipping).
    source_conditions_ : ndarray of shape (n_generated, n_conditions), float64
        The metrics of the real source row of each synthetic row (for
        :func:`skaugment.evaluation.metric_control_report`'s ``source``)."""


def _unfrozen(generator):
    """The fitted generator inside a :class:`sklearn.frozen.FrozenEstimator`, else None."""
    try:
        from sklearn.frozen import FrozenEstimator
    except ImportError:  # scikit-learn < 1.6
        return None
    return generator.estimator if isinstance(generator, FrozenEstimator) else None


def _fit_generator(generator, S, y):
    """Fit ``generator`` on ``(S, y)``; module-level so joblib can cache it."""
    return generator.fit(S, y)


def _without_sample_params(generator):
    """``(copy keyed for its fit, the parameters to give the fitted copy back)``.

    The copy has the generator's sample-only parameters (``_sample_params``, see
    :class:`~skaugment.generators.BaseConditionalGenerator`) and ``verbose`` at their
    defaults, as neither changes what a fit learns, and ``device="auto"`` resolved, as
    the device it stands for does (a cache shared by a GPU and a CPU run must not hand
    one the other's fit). A generator with none of these is returned as is.
    """
    from ..utils._torch import resolve_device

    given = generator.get_params(deep=False)
    names = [n for n in (*getattr(generator, "_sample_params", ()), "verbose") if n in given]
    defaults = inspect.signature(type(generator).__init__).parameters
    keyed = {n: defaults[n].default for n in names
             if n in defaults and defaults[n].default is not inspect.Parameter.empty}
    if isinstance(given.get("device"), str) and given["device"] == "auto":
        keyed["device"] = str(resolve_device("auto"))
    if not keyed:
        return generator, {}
    return clone(generator).set_params(**keyed), {n: given[n] for n in keyed}


def fit_with_memory(generator, S, y, memory):
    """``generator`` fitted on ``(S, y)`` through the cache ``memory``.

    The fit is keyed on the data and the generator's parameters but for those that do
    not change it (its sample-only ones and ``verbose``), which the fitted copy then
    gets back: one cached fit serves, e.g., every ``strength`` of a diffusion model.
    """
    to_fit, sample_params = _without_sample_params(generator)
    if isinstance(memory, os.PathLike):
        memory = os.fspath(memory)
    return check_memory(memory).cache(_fit_generator)(to_fit, S, y).set_params(**sample_params)


class BaseMetricAugmenter(BaseAugmenter):
    """Base class of the metric-space augmenters.

    A :class:`~skaugment.base.BaseAugmenter` whose ``_fit`` fits (or checks) the
    generator and whose ``_generate`` measures the metrics of the real rows and asks
    the generator for spectrograms with the requested ones. Subclasses define
    ``_check_spec(metric_names, modalities)`` (validate their own parameters;
    ``modalities`` may be None before the generator is fitted) and
    ``_make_conditions(S, M, y_encoded, sources, rng)``, which returns the
    requested conditions of the synthetic rows and their source rows (a subset of
    ``sources`` when some cannot be generated).

    Not meant to be used directly.
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "generator": [None, HasMethods(["fit", "sample", "conditions_from"])],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "prefit": ["boolean"],
    }

    _input_kind = "spectrograms"

    # Metric conditions are what these augmenters move; a label-only generator ignores them.
    _requires_metric_generator = True

    # -- generator --------------------------------------------------------------------------

    def _base_generator(self):
        if self.generator is not None:
            return self.generator
        # the default by measurement: editing real spectrograms, training-free; the
        # diffusion model lost 1-3 points against no augmentation on HAPT (README)
        from ..generators import SpectrogramMetricEditSampler

        return SpectrogramMetricEditSampler()

    def _check_generator_kind(self, generator):
        condition = generator.get_params().get("condition", "metrics")
        if self._requires_metric_generator and condition == "label":
            raise ValueError(
                f"{type(self).__name__} moves metric conditions, but the generator was set "
                "up with condition='label' and ignores them. Use condition='metrics' (or a "
                "metric-conditioned generator: SpectrogramMetricEditSampler, "
                "ConditionalDiffusionSampler, "
                "ConditionalVAESampler), or the generator's own fit_resample for label-only "
                "augmentation."
            )

    def _prefit_metric_names(self, generator):
        """Metric and modality names known before fitting, to fail before an expensive fit."""
        from ..spectral.functional import METRIC_NAMES

        modalities = generator.get_params().get("modalities")
        return list(METRIC_NAMES), (list(modalities) if isinstance(modalities, dict) else None)

    def _fitted_generator(self, S, y, seed):
        generator = self._base_generator()
        frozen = _unfrozen(generator)
        self._check_generator_kind(generator if frozen is None else frozen)
        # a frozen or prefit generator was fitted on other data: its training
        # conditions are not the metrics of S
        self._generator_fitted_on_input = frozen is None and not self.prefit
        if not self._generator_fitted_on_input:
            generator = generator if frozen is None else frozen
            check_is_fitted(generator)
            return generator
        self._check_spec(*self._prefit_metric_names(generator))
        generator = clone(generator)
        params = generator.get_params()
        if "random_state" in params and params["random_state"] is None and self.random_state is not None:
            generator.set_params(random_state=int(seed))
        # fit() then fit_resample() on the same data: reuse the fit instead of training twice
        to_fit, sample_params = _without_sample_params(generator)
        key = joblib.hash((S, y, type(to_fit).__name__, to_fit.get_params(deep=True)))
        previous = getattr(self, "generator_", None)
        if previous is not None and getattr(self, "_generator_key", None) == key:
            return previous.set_params(**sample_params)
        fitted = fit_with_memory(generator, S, y, self.memory)
        self._generator_key = key
        return fitted

    # -- fit --------------------------------------------------------------------------------

    def _fit(self, S, y, rng):
        # The generator's seed is always the first draw, so that the draws after it do
        # not depend on prefit (nor on whether the fit came from the cache).
        generator = self._fitted_generator(S, y, draw_seed(rng))
        encode_known_labels(y, np.asarray(generator.classes_), seen="seen by the generator at fit")
        shape = tuple(generator.input_shape_)
        if tuple(S.shape[1:]) != shape:
            raise ValueError(
                f"S has per-sample shape {tuple(S.shape[1:])}, but the generator was fitted on "
                f"{shape}."
            )
        self.generator_ = generator
        self.condition_names_ = list(generator.condition_names_)
        self._channel_of_col, self._metric_of_col = split_condition_names(self.condition_names_)
        self._modalities = self._column_modalities(generator)
        self._check_spec(sorted(set(self._metric_of_col)), list(self._modalities))

    def _column_modalities(self, generator):
        """``{modality: boolean mask over condition columns}``."""
        channels = list(dict.fromkeys(self._channel_of_col))
        modalities = getattr(generator, "modalities_", None)
        if modalities is None:
            modalities = check_modalities(generator.get_params().get("modalities"), len(channels))
        return {
            mod: np.isin(self._channel_of_col, [channels[c] for c in idx])
            for mod, idx in modalities.items()
        }

    # -- generation -------------------------------------------------------------------------

    def _generate(self, S, y, sources, rng):
        n = S.shape[0]
        if not self._generator_fitted_on_input or getattr(
            self.generator_, "train_conditions_", None
        ) is None or len(self.generator_.train_conditions_) != n:
            M = np.asarray(self.generator_.conditions_from(S), dtype=np.float64)
        else:  # fitted on exactly S: its training conditions are S's metrics
            M = np.asarray(self.generator_.train_conditions_, dtype=np.float64)

        y_encoded = np.searchsorted(self.classes_, y)
        conditions, sources = self._make_conditions(S, M, y_encoded, sources, rng)
        self.conditions_ = self._clip_physical(np.asarray(conditions, dtype=np.float64))
        self.source_conditions_ = M[sources]
        if not sources.size:
            return Synthetic(np.empty((0,) + S.shape[1:], dtype=np.float32), sources)
        # a third-party generator without the property generates from scratch
        init = S[sources] if getattr(self.generator_, "uses_init", False) else None
        S_new = self.generator_.sample(
            y[sources], self.conditions_, init=init, random_state=draw_seed(rng)
        )
        return Synthetic(S_new, sources)

    # -- metric space -----------------------------------------------------------------------

    def _clip_physical(self, C):
        """Keep requested metrics physically attainable.

        Every metric is non-negative; flatness (a geometric over an arithmetic mean)
        is at most 1; the entropy of a distribution over ``F * T`` bins is at most
        ``log2(F * T)``.
        """
        _, n_freqs, n_frames = self.generator_.input_shape_
        return clip_physical_metrics(C, self._metric_of_col, n_freqs, n_frames)

    def _columns(self, metric, modality=None):
        mask = self._metric_of_col == metric
        if modality is not None:
            mask &= self._modalities[modality]
        return np.flatnonzero(mask)

    @staticmethod
    def _check_metric_names(names, known, param):
        unknown = [m for m in names if m not in known]
        if unknown:
            raise ValueError(
                f"{param} names unknown metric(s) {unknown}; the generator conditions on "
                f"{sorted(known)}."
            )

    @staticmethod
    def _check_range(low, high, what):
        for v in (low, high):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
                raise ValueError(f"{what} bounds must be finite real numbers; got ({low!r}, {high!r}).")
        if low > high:
            raise ValueError(f"{what}: low must be <= high; got low={low}, high={high}.")
        if low < -1:
            raise ValueError(
                f"{what}: relative changes below -1 (-100%) would make a metric negative; "
                f"got low={low}."
            )

    def _check_spec(self, metric_names, modalities):  # pragma: no cover - abstract
        raise NotImplementedError

    def _make_conditions(self, S, M, y_encoded, sources, rng):  # pragma: no cover - abstract
        raise NotImplementedError
