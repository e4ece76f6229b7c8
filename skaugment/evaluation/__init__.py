"""Evaluation: comparing augmenters downstream, metric-control fidelity, realism scores, and one
quality report of any generator's output."""

from ..spectral._features import spectrogram_features, window_features
from ._compare import compare_augmenters
from ._diagnostics import synthetic_data_diagnostics
from ._discriminative import discriminative_score
from ._fidelity import MetricControlReport, metric_control_report
from ._method import TEST_WINDOWS, Method
from ._quality import SyntheticQualityReport, mmd_rbf, synthetic_quality_report
from ._recipes import (
    AUGMENTATION_METHODS,
    PRETRAIN_METHODS,
    RENAMED_METHODS,
    SIGNALS,
    SPECTROGRAM_METHODS,
    TRANSDUCTIVE_METHODS,
    augmentation_methods,
    canonical_method_name,
)
from ._result import AugmentationComparison
from ._selection import AugmentationSelector
from ._splitter import GroupHoldoutSplit
from ._statistics import paired_difference

__all__ = [
    "AUGMENTATION_METHODS",
    "PRETRAIN_METHODS",
    "RENAMED_METHODS",
    "SIGNALS",
    "SPECTROGRAM_METHODS",
    "TEST_WINDOWS",
    "TRANSDUCTIVE_METHODS",
    "AugmentationComparison",
    "AugmentationSelector",
    "GroupHoldoutSplit",
    "Method",
    "MetricControlReport",
    "SyntheticQualityReport",
    "augmentation_methods",
    "canonical_method_name",
    "compare_augmenters",
    "discriminative_score",
    "metric_control_report",
    "mmd_rbf",
    "paired_difference",
    "spectrogram_features",
    "synthetic_data_diagnostics",
    "synthetic_quality_report",
    "window_features",
]
