"""Evaluation of synthetic data: metric-control fidelity and real-vs-synthetic scores."""

from ._discriminative import discriminative_score, spectrogram_features
from ._fidelity import MetricControlReport, metric_control_report

__all__ = [
    "MetricControlReport",
    "discriminative_score",
    "metric_control_report",
    "spectrogram_features",
]
