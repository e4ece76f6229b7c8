"""Metric-space augmenters: imbalanced-learn samplers driving a conditional generator.

Each one moves the spectral metrics of real samples (seed 000, section 3.4) and
asks a fitted generator for spectrograms with the moved metrics; use them in an
:func:`imblearn.pipeline.make_pipeline` so that only training folds are augmented.
"""

from ._base import BaseMetricAugmenter
from ._disturb import MetricDisturbAugmenter
from ._interpolation import MetricInterpolationAugmenter
from ._knowledge import MetricKnowledgeAugmenter
from ._target import MetricTargetAugmenter

__all__ = [
    "BaseMetricAugmenter",
    "MetricDisturbAugmenter",
    "MetricInterpolationAugmenter",
    "MetricKnowledgeAugmenter",
    "MetricTargetAugmenter",
]
