"""Tabular features of raw windows and spectrograms, for the classifiers that probe samples.

The real-vs-synthetic classifier of :func:`~skaugment.evaluation.discriminative_score`,
the label probe of :func:`~skaugment.evaluation.synthetic_data_diagnostics` and the
filter :class:`~skaugment.augmenters.LabelFidelityFilter` all see samples through these
tables; they live here, beside the metrics they are made of, so that an augmenter and
the evaluation share them without either importing the other.
"""

import numbers
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ..utils import check_spectrogram, check_time_series
from ._statistical import statistical_features

__all__ = ["spectrogram_features", "window_features"]

_FEATURE_SETS = ("metrics+spectra", "metrics", "spectra")
_WINDOW_FEATURE_SETS = ("summary", "flat")

# Keeps log() finite on silent bins; far below any real magnitude after the STFT.
_LOG_EPS = 1e-8

# A channel whose standard deviation is at most this is constant: its shape statistics
# (skewness, kurtosis, autocorrelation) are 0 rather than 0/0.
_STD_FLOOR = 1e-12


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

    See Also
    --------
    window_features : the same for raw windows.

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
        from .functional import spectral_metrics

        parts.append(spectral_metrics(S, hps_factor=hps_factor).reshape(S.shape[0], -1))
    if "spectra" in features:
        parts.append(np.log(S.mean(axis=3, dtype=np.float64) + _LOG_EPS).reshape(S.shape[0], -1))
    return np.concatenate(parts, axis=1).astype(np.float64, copy=False)


def window_features(
    X: ArrayLike,
    features: Literal["summary", "flat"] = "summary",
    n_bands: int = 8,
) -> np.ndarray:
    """Tabular features of raw windows for a real-vs-synthetic classifier.

    ``"summary"`` gives, per channel, eight statistics of the window: mean,
    standard deviation, skewness, excess kurtosis, minimum, maximum, lag-1
    autocorrelation and the root mean square of the first difference (how rough the
    signal is); then the log mean power ``log(mean_k |X_k|^2 / t + 1e-8)`` of the
    mean-removed periodogram in ``n_bands`` contiguous, equally wide bands of its
    ``t // 2`` non-DC bins. That is ``c * (8 + min(n_bands, t // 2))`` columns,
    channel-major (``c * (8 + n_bands)`` for any window of at least ``2 * n_bands``
    steps): a small view of level, spread, shape, smoothness and spectrum that a tree
    ensemble reads well. ``"flat"`` is the window itself, ``c * t`` columns.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
        A 2-D array is one channel.
    features : {"summary", "flat"}, default="summary"
    n_bands : int, default=8
        Spectral bands of ``"summary"``.

    Returns
    -------
    F : ndarray of shape (n_samples, n_columns), float64

    See Also
    --------
    spectrogram_features : the same for magnitude spectrograms.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(4, 3, 64))
    >>> window_features(X).shape
    (4, 48)
    >>> window_features(X, "flat").shape
    (4, 192)
    """
    if features not in _WINDOW_FEATURE_SETS:
        raise ValueError(
            f"features must be one of {list(_WINDOW_FEATURE_SETS)} for raw windows; got {features!r}."
        )
    if isinstance(n_bands, bool) or not isinstance(n_bands, numbers.Integral) or n_bands < 1:
        raise ValueError(f"n_bands must be a positive int; got {n_bands!r}.")
    X = check_time_series(X, dtype=np.float64)
    n, c, t = X.shape
    if features == "flat":
        return X.reshape(n, -1).copy()
    stats = statistical_features(X, ("mean", "std", "skewness", "zscore"), std_floor=_STD_FLOOR)
    mean, std, skew, z = stats["mean"], stats["std"], stats["skewness"], stats["zscore"]
    centred = X - mean[..., None]
    flat = std <= _STD_FLOOR
    kurt = np.where(flat, 0.0, (z**4).mean(axis=2) - 3.0)
    if t >= 2:
        autocorr = np.where(flat, 0.0, (z[..., 1:] * z[..., :-1]).mean(axis=2))
        rough = np.sqrt((np.diff(X, axis=2) ** 2).mean(axis=2))
    else:
        autocorr = rough = np.zeros((n, c))
    parts = [mean, std, skew, kurt, X.min(axis=2), X.max(axis=2), autocorr, rough]
    power = (np.abs(np.fft.rfft(centred, axis=2)) ** 2 / t)[..., 1 : t // 2 + 1]
    n_bins = power.shape[2]
    if n_bins:
        starts = np.array([b[0] for b in np.array_split(np.arange(n_bins), min(n_bands, n_bins))])
        widths = np.diff(np.append(starts, n_bins))
        band = np.add.reduceat(power, starts, axis=2) / widths
        parts.extend(np.moveaxis(np.log(band + _LOG_EPS), 2, 0))
    return np.stack(parts, axis=2).reshape(n, -1)


def _diagnostic_features(X):
    """Tabular view of classifier input: spectrogram features, or the flattened window."""
    X = np.asarray(X)
    if X.ndim == 4:
        return spectrogram_features(X)
    return X.reshape(X.shape[0], -1).astype(np.float64)


def _default_diagnostic_estimator():
    """Standardisation + logistic regression: the default probe of :func:`_diagnostic_features`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
