"""Validation, modality and torch helpers shared across skaugment."""

from ._layout import to_channels_first
from ._modalities import check_channel_names, check_modalities, per_modality_value
from ._validation import (
    check_finite,
    check_labels,
    check_ratio,
    check_spectrogram,
    check_time_series,
)

__all__ = [
    "check_channel_names",
    "check_finite",
    "check_labels",
    "check_modalities",
    "check_ratio",
    "check_spectrogram",
    "check_time_series",
    "per_modality_value",
    "to_channels_first",
]
