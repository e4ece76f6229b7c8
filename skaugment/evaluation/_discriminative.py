"""Discriminative score: how well can a classifier tell synthetic from real samples?"""

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from ..utils._validation import check_rng
from ..utils import check_spectrogram

__all__ = ["discriminative_score", "spectrogram_features"]

_FEATURE_SETS = ("metrics+spectra", "metrics", "spectra")

# Keeps log() finite on silent bins; far below any real magnitude after the STFT.
_LOG_EPS = 1e-8


def spectrogram_features(
    S: ArrayLike,
    features: Literal["metrics+spectra", "metrics", "spectra"] = "metrics+spectra",
    hps_factor: int | Sequence[int] = 2,
) -> np.ndarray:
    """Tabular features of magnitude spectrograms for a real-vs-synthetic classifier.

    Parameters
    ----------
    S : array-like of shape (n_samples, n_channels, n_freqs, n_frames)
        Magnitude spectrograms.
    features : {"metrics+spectra", "metrics", "spectra"}, default="metrics+spectra"
        ``"metrics"``: the five spectral metrics of each channel (``c * 5`` columns);
        ``"spectra"``: the time-pooled log spectrum of each channel,
        ``log(mean_t S + 1e-8)`` (``c * n_freqs`` columns); ``"metrics+spectra"``:
        both, side by side.
    hps_factor : int or sequence of int, default=2
        HPS factor of the ``f0_amplitude`` metric (one per channel or one for all).

    Returns
    -------
    F : ndarray of shape (n_samples, n_columns), float64

    Examples
    --------
    >>> import numpy as np
    >>> spectrogram_features(np.ones((3, 2, 5, 4)), features="spectra").shape
    (3, 10)
    """
    if features not in _FEATURE_SETS:
        raise ValueError(f"features must be one of {list(_FEATURE_SETS)}; got {features!r}.")
    S = check_spectrogram(S)
    parts = []
    if "metrics" in features:
        from ..spectral.functional import spectral_metrics

        parts.append(spectral_metrics(S, hps_factor=hps_factor).reshape(S.shape[0], -1))
    if "spectra" in features:
        parts.append(np.log(S.mean(axis=3, dtype=np.float64) + _LOG_EPS).reshape(S.shape[0], -1))
    return np.concatenate(parts, axis=1).astype(np.float64, copy=False)


def discriminative_score(
    S_real: ArrayLike,
    S_synth: ArrayLike,
    *,
    features: Literal["metrics+spectra", "metrics", "spectra"] = "metrics+spectra",
    cv: int = 5,
    random_state: int | np.random.RandomState | None = None,
    estimator: BaseEstimator | None = None,
    hps_factor: int | Sequence[int] = 2,
) -> dict[str, Any]:
    """Cross-validated accuracy of a real-vs-synthetic classifier (TimeGAN's score).

    Both sets are reduced to the same size (the larger one is subsampled at random,
    without replacement) so that 0.5 is chance. A classifier is cross-validated on
    tabular features of the spectrograms; the discriminative score is
    ``|accuracy - 0.5|``: 0 when synthetic samples cannot be told apart from real
    ones, 0.5 when they always can (Yoon et al. 2019; TSGBench reports about 0.17 at
    best on HAPT, on raw windows rather than spectrograms).

    Parameters
    ----------
    S_real : array-like of shape (n_real, n_channels, n_freqs, n_frames)
        Real magnitude spectrograms.
    S_synth : array-like of shape (n_synth, n_channels, n_freqs, n_frames)
        Synthetic magnitude spectrograms, same per-sample shape.
    features : {"metrics+spectra", "metrics", "spectra"}, default="metrics+spectra"
        What the classifier sees; see :func:`spectrogram_features`.
    cv : int, default=5
        Number of stratified, shuffled folds (at least 2, at most the size of the
        smaller set).
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling, the folds and, when it has a ``random_state``
        parameter left to None, the classifier.
    estimator : classifier, default=None
        Defaults to ``HistGradientBoostingClassifier()``. It is cloned.
    hps_factor : int or sequence of int, default=2
        HPS factor of the ``f0_amplitude`` metric.

    Returns
    -------
    result : dict
        ``"accuracy"`` (mean over folds), ``"accuracy_std"``, ``"fold_accuracies"``
        (ndarray), ``"score"`` (``|accuracy - 0.5|``) and ``"n_per_class"`` (samples
        of each set used).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real = rng.gamma(2.0, size=(40, 1, 5, 4))
    >>> fake = 3.0 + rng.gamma(2.0, size=(40, 1, 5, 4))
    >>> res = discriminative_score(real, fake, features="spectra", cv=3, random_state=0)
    >>> round(res["accuracy"], 2), round(res["score"], 2)
    (1.0, 0.5)
    """
    from sklearn.base import clone
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    real = check_spectrogram(S_real, name="S_real")
    synth = check_spectrogram(S_synth, shape=real.shape[1:], name="S_synth")
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or cv < 2:
        raise ValueError(f"cv must be an int >= 2; got {cv!r}.")
    rng = check_rng(random_state)
    n = min(len(real), len(synth))
    if n < cv:
        raise ValueError(
            f"cv={cv} folds need at least {cv} samples in each set; the smaller set has {n}."
        )
    # Balanced classes make 0.5 the chance level the score is measured against.
    real = real[np.sort(rng.choice(len(real), n, replace=False))] if len(real) > n else real
    synth = synth[np.sort(rng.choice(len(synth), n, replace=False))] if len(synth) > n else synth

    X = np.concatenate(
        [
            spectrogram_features(real, features, hps_factor),
            spectrogram_features(synth, features, hps_factor),
        ]
    )
    y = np.repeat([0, 1], n)
    clf = HistGradientBoostingClassifier() if estimator is None else clone(estimator)
    params = clf.get_params()
    if "random_state" in params and params["random_state"] is None:
        clf.set_params(random_state=rng.randint(np.iinfo(np.int32).max))
    folds = StratifiedKFold(cv, shuffle=True, random_state=rng.randint(np.iinfo(np.int32).max))
    acc = cross_val_score(clf, X, y, cv=folds, scoring="accuracy")
    mean = float(acc.mean())
    return {
        "accuracy": mean,
        "accuracy_std": float(acc.std()),
        "fold_accuracies": acc,
        "score": abs(mean - 0.5),
        "n_per_class": n,
    }
