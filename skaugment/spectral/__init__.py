"""Spectral features: STFT magnitude spectrograms, the five metrics, statistical features.

- :class:`SpectrogramTransformer`: ``(n, c, t)`` time series to ``(n, c, F, T)``
  magnitude spectrograms (and back, by Griffin-Lim).
- :func:`stft` / :func:`istft`: the complex STFT on the same scale and its exact
  (weighted overlap-add) inverse; :func:`stft_coverage` says which samples round-trip.
- :class:`MetricExtractor`: the five metrics of Wang et al., 2024 per channel,
  ``(n, c, F, T)`` to a ``(n, c * 5)`` table.
- :class:`StatisticalFeatureExtractor`: mean, standard deviation, skewness and the
  z-scored signal per channel (SF-DM's conditioning set, Yu et al., 2024).
- :mod:`skaugment.spectral.functional`: the pure functions behind them, including the
  differentiable :func:`~skaugment.spectral.functional.spectral_metrics_torch`.
"""

from ._metrics import METRIC_NAMES, MetricExtractor
from ._statistical import STATISTICAL_FEATURES, StatisticalFeatureExtractor
from ._stft import SpectrogramTransformer, istft, stft, stft_coverage

__all__ = [
    "METRIC_NAMES",
    "STATISTICAL_FEATURES",
    "MetricExtractor",
    "SpectrogramTransformer",
    "StatisticalFeatureExtractor",
    "istft",
    "stft",
    "stft_coverage",
]
