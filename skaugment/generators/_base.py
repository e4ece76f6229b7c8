"""Shared plumbing of the conditional spectrogram generators.

Every generator (diffusion, VAE, GAN, ...) learns ``p(spectrogram | label, metrics)``
and shares the same outer contract: label encoding, the metric table it conditions
on (:meth:`conditions_from`), input checks of :meth:`sample`, and label-only
augmentation through the ``fit_resample`` of :class:`~skaugment.base.BaseAugmenter`.
A concrete generator implements ``_fit_model(S, y_encoded, conditions, random_state)``
and ``_sample_model(y_encoded, conditions, init, random_state)``.
"""

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from ..base import BaseAugmenter
from ..utils import (
    check_channel_names,
    check_finite,
    check_labels,
    check_modalities,
    check_spectrogram,
    per_modality_value,
)
from ..utils._sampling import encode_known_labels
from ..utils._validation import check_rng

__all__ = ["BaseConditionalGenerator"]


class BaseConditionalGenerator(BaseAugmenter):
    """Base class of generators conditioned on a label and a metric table.

    Subclasses define the parameters ``hps_factor``, ``modalities``,
    ``channel_names``, ``ratio``, ``sampling_strategy`` and ``random_state``, the
    two hooks ``_fit_model`` and ``_sample_model`` and, when :meth:`sample` starts
    from real spectrograms, the :attr:`uses_init` property.

    As a :class:`~skaugment.base.BaseAugmenter`, ``fit_resample`` is label-only
    augmentation (the cDiff / cVAE / cGAN baseline of Wang et al., 2024, when
    ``condition="label"``): it fits the generator, then each synthetic row starts
    from a random real row of its class, whose metric conditions it reuses (unless
    ``_label_only_conditions`` says otherwise) and, when :attr:`uses_init`, which
    it takes as ``init``.
    """

    _input_kind = "spectrograms"

    #: Parameters that only :meth:`sample` (or the label-only :meth:`fit_resample`)
    #: reads: two generators that differ only in them have the same fit. The metric
    #: augmenters' ``memory=`` cache keys the fit on the other parameters, so a grid
    #: search over, e.g., a diffusion model's ``strength`` trains it once per fold.
    _sample_params = ("ratio", "sampling_strategy")

    # -- protocol ---------------------------------------------------------------------------

    @property
    def uses_init(self) -> bool:
        """Whether :meth:`sample` starts from the spectrograms passed as ``init``.

        When True, ``sample`` requires ``init`` (one spectrogram per requested
        label) and the metric augmenters pass each synthetic row's real source
        spectrogram as its ``init``; when False, ``init`` is ignored. Read-only:
        it follows from the generator's parameters.
        """
        return False

    def _missing_init_message(self):
        return (f"{type(self).__name__} starts from real spectrograms: pass them as init "
                "(one per requested label).")

    # -- conditions -------------------------------------------------------------------------

    def _metric_extractor(self, n_channels):
        from ..spectral import MetricExtractor

        modalities = check_modalities(self.modalities, n_channels)
        return MetricExtractor(
            hps_factor=self.hps_factor,
            modalities=None if self.modalities is None else modalities,
            channel_names=self.channel_names,
        )

    def conditions_from(self, S: ArrayLike) -> np.ndarray:
        """The metric table this generator conditions on, measured on spectrograms ``S``.

        Parameters
        ----------
        S : array-like of shape (n_samples, n_channels, n_freqs, n_frames)
            Magnitude spectrograms.

        Returns
        -------
        conditions : ndarray of shape (n_samples, n_channels * 5), float64
            Columns channel-major, named like ``condition_names_``
            (``"{channel}__{metric}"``), as :class:`~skaugment.MetricExtractor`
            computes them with this generator's ``modalities``, ``hps_factor`` and
            ``channel_names``.
        """
        S = check_spectrogram(S, n_channels=getattr(self, "input_shape_", (None,))[0])
        extractor = self._metric_extractor(S.shape[1]).fit(S)
        return np.asarray(extractor.transform(S), dtype=np.float64)

    # -- fit --------------------------------------------------------------------------------

    def _validate_fit_data(self, S, y, conditions):
        """Check ``S``, ``y``, ``conditions``; set the fitted attributes shared by all generators."""
        S = check_spectrogram(S, dtype=np.float32)
        y = check_labels(y, n_samples=S.shape[0])
        n_channels = S.shape[1]
        self.modalities_ = check_modalities(self.modalities, n_channels)
        self.channel_names_ = check_channel_names(self.channel_names, n_channels)
        self.hps_factor_ = per_modality_value(self.hps_factor, self.modalities_, "hps_factor",
                                              n_channels)
        if min(self.hps_factor_) < 1:
            raise ValueError(f"hps_factor must be >= 1; got {self.hps_factor!r}.")
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        # only the labels are kept (for drawing conditions of a class), not the data
        self._train_labels_ = y_encoded
        self.input_shape_ = tuple(int(s) for s in S.shape[1:])
        extractor = self._metric_extractor(n_channels).fit(S)
        self.condition_names_ = [str(n) for n in extractor.get_feature_names_out()]
        if conditions is None:
            conditions = extractor.transform(S)
        conditions = self._check_conditions(conditions, S.shape[0], len(self.condition_names_))
        self.n_conditions_ = conditions.shape[1]
        self.train_conditions_ = conditions
        self.n_features_in_ = n_channels
        return S, y_encoded, conditions

    @staticmethod
    def _check_conditions(conditions, n_samples, n_conditions, name="conditions"):
        conditions = np.asarray(conditions)
        if conditions.dtype == object or not np.issubdtype(conditions.dtype, np.number):
            raise TypeError(f"{name} must hold real numbers; got dtype {conditions.dtype}.")
        conditions = conditions.astype(np.float64)
        if conditions.ndim == 1 and n_conditions == 1:
            conditions = conditions[:, None]
        if conditions.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (n_samples, n_conditions); got shape {conditions.shape}."
            )
        if conditions.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {conditions.shape[0]} rows but there are {n_samples} samples."
            )
        if conditions.shape[1] != n_conditions:
            raise ValueError(
                f"{name} has {conditions.shape[1]} columns, but this generator conditions on "
                f"{n_conditions} (one per channel and metric, see condition_names_)."
            )
        return check_finite(conditions, name)

    def _check_nonnegative_metrics(self, conditions):
        """Requested metrics are non-negative where the fitted ones are (every measured metric)."""
        fitted_nonnegative = (self.train_conditions_ >= 0).all(axis=0)
        rows, cols = np.nonzero((conditions < 0) & fitted_nonnegative)
        if rows.size:
            names = sorted({self.condition_names_[j] for j in cols})
            raise ValueError(
                f"conditions holds negative values (rows {rows[:5].tolist()}, columns "
                f"{', '.join(names[:3])}{', ...' if len(names) > 3 else ''}): the five "
                "metrics of a magnitude spectrogram are non-negative."
            )

    def fit(self, S: ArrayLike, y: ArrayLike, conditions: ArrayLike | None = None) -> "BaseConditionalGenerator":
        """Learn ``p(spectrogram | label, conditions)``.

        Parameters
        ----------
        S : array-like of shape (n_samples, n_channels, n_freqs, n_frames)
            Magnitude spectrograms (non-negative).
        y : array-like of shape (n_samples,)
            Labels.
        conditions : array-like of shape (n_samples, n_conditions), default=None
            The metric table to condition on; ``None`` measures it with
            :meth:`conditions_from`.

        Returns
        -------
        self
        """
        self._validate_params()
        try:
            S, y_encoded, conditions = self._validate_fit_data(S, y, conditions)
            self._fit_model(S, y_encoded, conditions)
        except BaseException:
            # a failed (re)fit leaves an unfitted generator, not the earlier fit's networks
            # under this data's classes and scalings
            for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
                delattr(self, name)
            raise
        return self

    # -- sample -----------------------------------------------------------------------------

    def _encode_labels(self, y):
        y = check_labels(y)
        if y.shape[0] == 0:
            raise ValueError("y is empty: nothing to sample.")
        return encode_known_labels(y, self.classes_)

    def _draw_conditions(self, y_encoded, rng):
        """Conditions of random training rows of the same class, one per requested label."""
        train_labels = self._train_labels_
        rows = np.empty(y_encoded.shape[0], dtype=np.intp)
        for k in np.unique(y_encoded):
            pool = np.flatnonzero(train_labels == k)
            where = np.flatnonzero(y_encoded == k)
            rows[where] = pool[rng.randint(0, pool.size, size=where.size)]
        return self.train_conditions_[rows]

    def sample(self, y: ArrayLike, conditions: ArrayLike | None = None, *,
               init: ArrayLike | None = None,
               random_state: int | np.random.RandomState | None = None) -> np.ndarray:
        """Generate one spectrogram per requested label (and condition row).

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Labels, each seen at fit.
        conditions : array-like of shape (n_samples, n_conditions), default=None
            Requested metric values (columns as ``condition_names_``). ``None``
            takes the conditions of random training rows of the same class.
            Ignored by a generator fitted with ``condition="label"``.
        init : array-like of shape (n_samples, n_channels, n_freqs, n_frames), default=None
            Real spectrograms to start from, one per requested label: required when
            :attr:`uses_init` is True, ignored otherwise (see the generator's
            documentation for what it does with them).
        random_state : int, RandomState instance or None, default=None
            Seeds the draw; ``None`` uses the estimator's ``random_state``.

        Returns
        -------
        S : ndarray of shape (n_samples, n_channels, n_freqs, n_frames), float32
            Magnitude spectrograms on the scale of the training input.
        """
        check_is_fitted(self, "train_conditions_")
        y_encoded = self._encode_labels(y)
        n = y_encoded.shape[0]
        rng = check_rng(self.random_state if random_state is None else random_state)
        if conditions is None:
            conditions = self._draw_conditions(y_encoded, rng)
        else:
            conditions = self._check_conditions(conditions, n, self.n_conditions_)
            self._check_nonnegative_metrics(conditions)
        if self.uses_init:
            if init is None:
                raise ValueError(self._missing_init_message())
            init = check_spectrogram(init, shape=self.input_shape_, dtype=np.float32, name="init")
            if init.shape[0] != n:
                raise ValueError(f"init has {init.shape[0]} samples but y has {n} labels.")
        else:
            init = None
        return self._sample_model(y_encoded, conditions, init, rng)

    # -- label-only augmentation (BaseAugmenter.fit_resample) -------------------------------

    def _check_X(self, S):
        return check_spectrogram(S, dtype=np.float32)

    def _check_y(self, y, n_samples):
        # any 1-D labels, as fit takes them
        return check_labels(y, n_samples=n_samples)

    def _fit(self, S, y, rng):
        # the model's randomness comes from random_state, not from rng
        S, y_encoded, conditions = self._validate_fit_data(S, y, None)
        self._fit_model(S, y_encoded, conditions)

    def _generate(self, S, y, sources, rng):
        if not sources.size:
            return np.empty((0,) + S.shape[1:], dtype=np.float32)
        y_encoded = self._train_labels_
        requested = self._label_only_conditions(self.train_conditions_, y_encoded, sources, rng)
        return self._sample_model(y_encoded[sources], requested,
                                  S[sources] if self.uses_init else None, rng)

    # -- hooks ------------------------------------------------------------------------------

    def _label_only_conditions(self, conditions, y_encoded, sources, rng):
        """Conditions requested of the synthetic rows of :meth:`fit_resample`: the sources'."""
        return conditions[sources]

    def _fit_model(self, S, y_encoded, conditions):  # pragma: no cover - abstract
        raise NotImplementedError

    def _sample_model(self, y_encoded, conditions, init, rng):  # pragma: no cover - abstract
        raise NotImplementedError
