"""Validation, modality and torch helpers shared across skaugment."""

from ._estimator_checks import check_generator, check_window_generator
from ._labels import LabelDistribution, label_distribution, one_hot_distribution
from ._layout import to_channels_first
from ._modalities import check_channel_names, check_modalities, per_modality_value
from ._validation import (
    check_finite,
    check_labels,
    check_ratio,
    check_rng,
    check_spectrogram,
    check_time_series,
)

__all__ = [
    "LabelDistribution",
    "check_channel_names",
    "check_finite",
    "check_generator",
    "check_window_generator",
    "check_labels",
    "check_modalities",
    "check_ratio",
    "check_rng",
    "check_spectrogram",
    "check_time_series",
    "label_distribution",
    "one_hot_distribution",
    "per_modality_value",
    "to_channels_first",
]
