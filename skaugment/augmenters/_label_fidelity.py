"""Keep only the synthetic rows that a classifier of the real rows gives their label."""

import numbers

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets

from ..base import BaseAugmenter, Synthetic, _sampler_tags
from ..spectral._features import _default_diagnostic_estimator, _diagnostic_features
from ..utils import check_labels

__all__ = ["LabelFidelityFilter"]


class LabelFidelityFilter(BaseAugmenter):
    """Wrap an augmenter; drop the synthetic rows that do not look like their label.

    The wrapped ``sampler`` augments the data; ``estimator`` is trained on the real
    rows alone and scores every synthetic row; a synthetic row is kept when the
    probability it gives the row's intended label is at least ``threshold``. A
    filter of this kind is the usual guard against generated samples that drift
    into another class (e.g. Anaby-Tavor et al., 2020, "Do not have enough data?
    Deep learning to the rescue!"), and the label fidelity it thresholds is the
    one :func:`~skaugment.evaluation.synthetic_data_diagnostics` reports.

    Parameters
    ----------
    sampler : imbalanced-learn sampler
        Any augmenter of this package (or a sampler that puts the real rows first
        and appends the synthetic ones). Cloned at fit. It must return hard labels:
        the filter compares a synthetic row's label with the real rows' classifier,
        which a probability table (mixup's soft labels) does not allow
        (``TypeError``).
    estimator : classifier with predict_proba, default=None
        Trained on the real rows. It sees the tabular features of the diagnostics:
        :func:`~skaugment.evaluation.spectrogram_features` of 4-D spectrograms, the
        flattened window otherwise. ``None``: standardisation + logistic
        regression, as in the diagnostics.
    threshold : float in [0, 1], default=0.5
        Minimum probability of the intended label. 0 keeps every row.

    Attributes
    ----------
    sampler_ : sampler
        The fitted clone of ``sampler``.
    estimator_ : classifier
        ``estimator`` fitted on the real rows.
    fidelity_ : ndarray of shape (n_generated,)
        Probability of its intended label of every row the sampler generated, kept
        or not, in the sampler's order.
    keep_fraction_ : float
        Fraction of the generated rows kept (NaN when none was generated).
    classes_ : ndarray of shape (n_classes,)
        Labels seen at fit.
    sampling_strategy_ : dict
        Number of synthetic rows kept for each class (of their source).
    synthetic_mask_ : ndarray of shape (n_samples_resampled,), bool
        True on the rows this filter returns that are synthetic.
    sample_indices_ : ndarray of shape (n_samples_resampled,)
        The index of the real source row of each returned row, when the sampler
        records it (the metric and classic augmenters do).

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.augmenters import LabelFidelityFilter, SignalTransformAugmenter
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 3, 64) + np.repeat([0.0, 0.5], 20)[:, None, None]
    >>> y = np.repeat(["a", "b"], 20)
    >>> noisy = SignalTransformAugmenter(transforms=("jitter",), transform_params={"jitter": {"sigma": 3.0}},
    ...                                  ratio=2.0, random_state=0)
    >>> f = LabelFidelityFilter(noisy, threshold=0.9)
    >>> X_res, y_res = f.fit_resample(X, y)
    >>> n_kept = int(f.synthetic_mask_.sum())
    >>> X_res.shape[0] == 40 + n_kept, n_kept < 80, bool((f.fidelity_ >= 0.9).sum() == n_kept)
    (True, True, True)
    """

    _parameter_constraints = {
        "sampler": [HasMethods(["fit_resample"])],
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "threshold": [Interval(numbers.Real, 0, 1, closed="both")],
    }

    def __init__(
        self, sampler: BaseEstimator, estimator: BaseEstimator | None = None, threshold: float = 0.5
    ) -> None:
        self.sampler = sampler
        self.estimator = estimator
        self.threshold = threshold

    def __sklearn_tags__(self):
        inner = getattr(self.sampler, "__sklearn_tags__", None)
        if inner is not None:
            return inner()
        return _sampler_tags(positive_only=False)

    def fit(self, X: ArrayLike, y: ArrayLike) -> "LabelFidelityFilter":
        """Fit the sampler and the filter (same work as :meth:`fit_resample`)."""
        self.fit_resample(X, y)
        return self

    # the wrapped sampler checks X, by its own input kind
    _input_kind = None

    def _validate_input(self, X, y):
        y = check_labels(y)
        check_classification_targets(y)
        return X, y

    def _draw_sources(self, y, rng):
        return None  # the wrapped sampler draws its own

    def _generate(self, X, y, sources, rng):
        """The wrapped sampler's synthetic rows; ``estimator`` fitted on its real rows."""
        n_real = len(X)
        self.sampler_ = clone(self.sampler)
        X_res, y_res = self.sampler_.fit_resample(X, y)
        X_res = np.asarray(X_res)
        if np.ndim(y_res) != 1:
            raise TypeError(
                f"LabelFidelityFilter needs hard labels, but {type(self.sampler).__name__} "
                "returned a probability table (soft labels, e.g. mixup)."
            )
        y_res = check_labels(y_res, n_samples=X_res.shape[0])
        synthetic = np.asarray(getattr(self.sampler_, "synthetic_mask_",
                                       np.arange(len(X_res)) >= n_real), dtype=bool)
        if synthetic.shape != (len(X_res),) or synthetic[:n_real].any():
            raise ValueError(
                f"{type(self.sampler).__name__} must return the real rows first and the "
                "synthetic rows after them."
            )
        estimator = _default_diagnostic_estimator() if self.estimator is None else self.estimator
        self.estimator_ = clone(estimator).fit(_diagnostic_features(X_res[~synthetic]),
                                               y_res[~synthetic])
        indices = getattr(self.sampler_, "sample_indices_", None)
        return Synthetic(X_res[synthetic],
                         sources=None if indices is None else np.asarray(indices)[synthetic],
                         y=y_res[synthetic], X_real=X_res[~synthetic])

    def _select_synthetic(self, X_new, y_new, sources):
        """The synthetic rows whose intended label gets at least ``threshold``."""
        self.fidelity_ = self._fidelity(X_new, y_new)
        passed = self.fidelity_ >= self.threshold
        self.keep_fraction_ = float(passed.mean()) if passed.size else float("nan")
        return passed

    def _fidelity(self, X_synth, y_synth):
        """Probability of its intended label of each synthetic row (0 for an unseen label)."""
        if len(X_synth) == 0:
            return np.empty(0, dtype=np.float64)
        proba = self.estimator_.predict_proba(_diagnostic_features(X_synth))
        classes = np.asarray(self.estimator_.classes_)
        column = np.searchsorted(classes, y_synth).clip(0, len(classes) - 1)
        seen = classes[column] == y_synth
        return np.where(seen, proba[np.arange(len(y_synth)), column], 0.0)
