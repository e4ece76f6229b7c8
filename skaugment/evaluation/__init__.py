"""Evaluation: comparing augmenters downstream, metric-control fidelity, realism scores."""

from ._compare import (
    TEST_WINDOWS,
    AugmentationComparison,
    GroupHoldoutSplit,
    compare_augmenters,
    paired_difference,
    synthetic_data_diagnostics,
)
from ._discriminative import discriminative_score, spectrogram_features
from ._fidelity import MetricControlReport, metric_control_report
from ._methods import AUGMENTATION_METHODS, TRANSDUCTIVE_METHODS, augmentation_methods

__all__ = [
    "AUGMENTATION_METHODS",
    "TEST_WINDOWS",
    "TRANSDUCTIVE_METHODS",
    "AugmentationComparison",
    "GroupHoldoutSplit",
    "MetricControlReport",
    "augmentation_methods",
    "compare_augmenters",
    "discriminative_score",
    "metric_control_report",
    "paired_difference",
    "spectrogram_features",
    "synthetic_data_diagnostics",
]
