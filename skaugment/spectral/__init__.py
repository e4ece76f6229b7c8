"""Spectral features: STFT magnitude spectrograms, the five metrics, statistical features."""

from .functional import METRIC_NAMES

__all__ = ["METRIC_NAMES", "MetricExtractor", "SpectrogramTransformer", "StatisticalFeatureExtractor"]


def __getattr__(name):
    # the estimators land module by module; import them lazily so that the pure
    # functions are usable while an estimator module is being written
    if name == "SpectrogramTransformer":
        from ._spectrogram import SpectrogramTransformer

        return SpectrogramTransformer
    if name == "MetricExtractor":
        from ._metric_extractor import MetricExtractor

        return MetricExtractor
    if name == "StatisticalFeatureExtractor":
        from ._statistical import StatisticalFeatureExtractor

        return StatisticalFeatureExtractor
    raise AttributeError(f"module 'skaugment.spectral' has no attribute {name!r}")
