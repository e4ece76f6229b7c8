"""Evaluation: comparing augmenters downstream, metric-control fidelity, realism scores, and one
quality report of any generator's output."""

from ._compare import (
    TEST_WINDOWS,
    AugmentationComparison,
    GroupHoldoutSplit,
    compare_augmenters,
    paired_difference,
    synthetic_data_diagnostics,
)
from ._discriminative import discriminative_score, spectrogram_features, window_features
from ._fidelity import MetricControlReport, metric_control_report
from ._quality import SyntheticQualityReport, mmd_rbf, synthetic_quality_report
from ._selection import AugmentationSelector
from ._methods import (
    AUGMENTATION_METHODS,
    PRETRAIN_METHODS,
    SIGNALS,
    SPECTROGRAM_METHODS,
    TRANSDUCTIVE_METHODS,
    augmentation_methods,
)

__all__ = [
    "AUGMENTATION_METHODS",
    "PRETRAIN_METHODS",
    "SIGNALS",
    "SPECTROGRAM_METHODS",
    "TEST_WINDOWS",
    "TRANSDUCTIVE_METHODS",
    "AugmentationComparison",
    "AugmentationSelector",
    "GroupHoldoutSplit",
    "MetricControlReport",
    "SyntheticQualityReport",
    "augmentation_methods",
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
