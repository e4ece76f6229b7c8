"""What skaugment estimators share: the tags that say what input they take, and the sampler base.

:class:`BaseAugmenter` is the one ``fit_resample`` of every skaugment sampler (the
augmenters and the generators' label-only augmentation). It lives here, below
:mod:`skaugment.augmenters` and :mod:`skaugment.generators` in the import graph, so
that both derive from it without the generators importing the augmenters.
"""

from numbers import Real
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets

from .utils._sampling import (
    SAMPLING_STRATEGY_CONSTRAINTS,
    draw_sources_per_class,
    record_resampling,
    validate_sampling_strategy,
)
from .utils._validation import check_labels, check_rng, check_spectrogram, check_time_series

__all__ = ["BaseAugmenter", "Synthetic", "TimeSeriesTagsMixin"]


class TimeSeriesTagsMixin:
    """Declare 3-D ``(n_samples, n_channels, n_timesteps)`` input in the estimator tags.

    Put it before ``BaseEstimator`` in the bases so that its ``__sklearn_tags__``
    refines the one ``BaseEstimator`` builds.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def _sampler_tags(positive_only):
    from imblearn.utils._tags import InputTags, SamplerTags, Tags
    from sklearn.utils._tags import TargetTags

    tags = Tags(
        estimator_type="sampler",
        target_tags=TargetTags(required=True),
        sampler_tags=SamplerTags(sample_indices=True),
    )
    # a 2-D X is rejected, not read as one channel: no tabular input
    tags.input_tags = InputTags(two_d_array=False, three_d_array=True, positive_only=positive_only)
    return tags


class Synthetic(NamedTuple):
    """The synthetic rows of :meth:`BaseAugmenter._generate`, when an array does not say it all.

    ``_generate`` returns a bare array when it makes one row per source row it was
    given, labelled as its source. It returns a ``Synthetic`` when the rows come from
    other sources (some sources dropped, or sources that ``_generate`` chose itself)
    or carry other labels.

    Attributes
    ----------
    X : array-like of shape (n_generated, ...)
        The synthetic rows.
    sources : ndarray of shape (n_generated,), int, default=None
        The real row each synthetic row comes from; ``None``: the sources given to
        ``_generate``.
    y : array-like of shape (n_generated,), default=None
        Their labels; ``None``: the labels of their sources.
    X_real : array-like of shape (n_samples, ...), default=None
        The real rows as the output shows them, for a wrapper of another sampler
        (its real rows, in its dtype; nothing is cast to float32 then); ``None``:
        the input in float32.
    """

    X: ArrayLike
    sources: np.ndarray | None = None
    y: ArrayLike | None = None
    X_real: ArrayLike | None = None


class BaseAugmenter(BaseEstimator):
    """Base class of every skaugment sampler: one ``fit_resample``, written once.

    Modelled on imbalanced-learn's ``SamplerMixin.fit_resample`` ->
    ``_fit_resample``, with more of the work in the template, so that a new
    augmenter writes only its generation step (as a braindecode transform writes
    only its ``operation``). :meth:`fit_resample` runs, in this order:

    1. ``_validate_input(X, y)``: the input by the kind the class declares in
       ``_input_kind`` (``_check_X``), the labels (``_check_y``) and
       ``sampling_strategy``, all before any expensive work;
    2. ``rng = check_rng(random_state)``, the one random generator of the call;
    3. ``_fit(X, y, rng)``: fit what generation needs (a generator, an autoencoder,
       parameters checked against the data); nothing by default;
    4. ``classes_``, the sorted labels;
    5. ``_draw_sources(y, rng)``: the real source row of each synthetic row,
       ``round(ratio * n_class)`` per class or as ``sampling_strategy`` asks;
    6. ``_generate(X, y, sources, rng)`` (abstract): the synthetic rows, an array
       of one row per source, or a :class:`Synthetic`;
    7. ``_select_synthetic(X_new, y_new, sources)``: which synthetic rows to keep
       (all by default; a filter such as ``LabelFidelityFilter`` keeps some);
    8. ``sampling_strategy_``, ``sample_indices_`` and ``synthetic_mask_``
       recorded; the real rows first, in float32, then the synthetic ones;
       ``_make_labels(y, y_new)`` gives the labels of the output (soft labels for
       mixup).

    ``fit`` runs steps 1 to 4. The draws of step 5 onwards come after those of
    ``_fit``, so that a cached or prefit model does not change them.

    A subclass declares its input in the class attribute ``_input_kind``:
    ``"windows"`` (raw windows ``(n, c, t)``, the default), ``"spectrograms"``
    (magnitude spectrograms ``(n, c, F, T)``, non-negative) or ``"either"`` (then it
    writes ``_check_X``); ``None`` for a wrapper whose wrapped sampler checks the
    input. It sets the imbalanced-learn sampler tags too. A new augmenter with the
    usual ``ratio``, ``sampling_strategy`` and ``random_state`` (whose constraints
    are the base's ``_parameter_constraints``) writes only ``_generate``::

        class Jitter(BaseAugmenter):
            _parameter_constraints = {**BaseAugmenter._parameter_constraints,
                                      "sigma": [Interval(Real, 0, None, closed="left")]}

            def __init__(self, sigma=0.1, ratio=1.0, sampling_strategy=None,
                         random_state=None):
                ...

            def _generate(self, X, y, sources, rng):
                rows = X[sources]
                return rows + self.sigma * rng.standard_normal(rows.shape)
    """

    _input_kind = "windows"

    _parameter_constraints = {
        "ratio": [Interval(Real, 0, None, closed="neither")],
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINTS,
        "random_state": ["random_state"],
    }

    def __sklearn_tags__(self):
        return _sampler_tags(positive_only=self._input_kind == "spectrograms")

    # -- the template -------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: ArrayLike) -> "BaseAugmenter":
        """Check the data and fit what generation needs, without generating anything.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_channels, n_freqs, n_frames)
            Raw windows or magnitude spectrograms, as the class takes them.
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self
        """
        X, y = self._validate_input(X, y)
        self._fit(X, y, check_rng(getattr(self, "random_state", None)))
        self.classes_ = np.unique(y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, ArrayLike]:
        """Fit, then return the real samples followed by the synthetic ones.

        Each class gets ``round(ratio * n_class)`` synthetic samples, or as many as
        ``sampling_strategy`` asks for (see the class for how they are made and for
        the classes whose counts depend on more, such as a target set).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_channels, n_freqs, n_frames)
            Raw windows or magnitude spectrograms, as the class takes them (NaN and
            inf are rejected).
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        X_res : ndarray of shape (n_samples + n_generated, ...), float32
            The real samples first, in their order, then the synthetic ones.
        y_res : ndarray of shape (n_samples + n_generated,) or LabelDistribution
            Their labels, in the dtype of ``y``; class probabilities over
            ``classes_`` for an augmenter that mixes labels (mixup's soft labels).
        """
        X, y = self._validate_input(X, y)
        rng = check_rng(getattr(self, "random_state", None))
        self._fit(X, y, rng)
        self.classes_ = np.unique(y)
        sources = self._draw_sources(y, rng)
        new = self._generate(X, y, sources, rng)
        if not isinstance(new, Synthetic):
            new = Synthetic(new)
        if new.sources is not None:
            sources = np.asarray(new.sources, dtype=np.intp)
        elif sources is None and new.y is None:
            raise TypeError(f"{type(self).__name__}._generate chose its rows: it must return "
                            "a Synthetic naming their sources or their labels.")
        y_new = y[sources] if new.y is None else np.asarray(new.y)
        X_new = np.asarray(new.X)
        keep = self._select_synthetic(X_new, y_new, sources)
        if keep is not None:
            X_new, y_new = X_new[keep], y_new[keep]
            sources = None if sources is None else sources[keep]
        if new.X_real is None:
            X_real = np.asarray(X).astype(np.float32, copy=False)
            X_new = X_new.astype(np.float32, copy=False)
        else:  # a wrapper's: its wrapped sampler's rows, in their dtype
            X_real = np.asarray(new.X_real)
        if X_new.size == 0:
            X_new = X_new.reshape((0,) + X_real.shape[1:])
        record_resampling(self, X_real.shape[0], sources,
                          y_new if sources is None else y[sources])
        return np.concatenate([X_real, X_new], axis=0), self._make_labels(y, y_new)

    # -- hooks --------------------------------------------------------------------------------

    def _validate_input(self, X, y):
        """``(X, y)`` checked; a bad ``sampling_strategy`` for these labels fails here too."""
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        validate_sampling_strategy(self.sampling_strategy, y)
        return X, y

    def _check_X(self, X):
        """The input, checked by ``_input_kind`` ("windows" or "spectrograms")."""
        if self._input_kind == "spectrograms":
            return check_spectrogram(X)
        if self._input_kind != "windows":  # pragma: no cover - a subclass's own check
            raise NotImplementedError(f"_input_kind={self._input_kind!r} needs its own _check_X.")
        X_arr = check_time_series(X)
        if np.ndim(X) == 2:
            raise ValueError(
                f"{type(self).__name__} takes 3-D raw windows (n_samples, n_channels, "
                f"n_timesteps); got a 2-D X of shape {np.shape(X)}. For single-channel "
                "windows use X[:, np.newaxis, :]."
            )
        return X_arr

    def _check_y(self, y, n_samples):
        """1-D class labels, one per sample."""
        y = check_labels(y, n_samples=n_samples)
        check_classification_targets(y)
        return y

    def _fit(self, X, y, rng):
        """Fit what :meth:`_generate` needs; may draw from ``rng`` (before the sources)."""

    def _draw_sources(self, y, rng):
        """The real source row of each synthetic row, uniformly with replacement per class.

        ``round(ratio * n_class)`` per class, or the counts of ``sampling_strategy``
        (see :func:`~skaugment.utils._sampling.draw_sources_per_class`). ``None``
        lets :meth:`_generate` choose the sources (it then returns a
        :class:`Synthetic` that names them).
        """
        return draw_sources_per_class(np.searchsorted(self.classes_, y), len(self.classes_),
                                      self.ratio, rng, sampling_strategy=self.sampling_strategy,
                                      classes=self.classes_)

    def _generate(self, X, y, sources, rng):  # pragma: no cover - abstract
        """The synthetic rows: an array of one row per source row, or a :class:`Synthetic`.

        Called even when ``sources`` is empty (set the per-row attributes, empty).
        """
        raise NotImplementedError

    def _select_synthetic(self, X_new, y_new, sources):
        """A boolean mask of the synthetic rows to keep, or ``None`` to keep them all."""
        return None

    def _make_labels(self, y, y_new):
        """The labels of the output: ``y``, then those of the synthetic rows."""
        return np.concatenate([y, y_new])
