"""Augmenters: imbalanced-learn samplers that add synthetic rows after the real ones.

- Metric-space augmenters move the spectral metrics of real samples (Wang et al.,
  2024, section 3.4) and ask a conditional generator for spectrograms with the moved
  metrics.
- Classic baselines: time- and frequency-domain transforms of raw windows
  (:class:`SignalTransformAugmenter`, functions in :mod:`skaugment.augmenters.functional`)
  and mixup (:class:`MixupAugmenter`); interpolation in an autoencoder's feature
  space (:class:`FeatureInterpolationAugmenter`).
- The hybrid: classic transforms, then training-free metric editing
  (:class:`WindowMetricEditAugmenter`).
- :class:`LabelFidelityFilter` wraps any of them and keeps the synthetic rows that
  a classifier of the real rows assigns to their label.

Use them in an :func:`imblearn.pipeline.make_pipeline` so that only training folds
are augmented.
"""

from . import functional
from ._base import BaseMetricAugmenter
from ._disturb import MetricDisturbAugmenter
from ._feature_interpolation import FeatureInterpolationAugmenter
from ._interpolation import MetricInterpolationAugmenter
from ._knowledge import MetricKnowledgeAugmenter
from ._label_fidelity import LabelFidelityFilter
from ._window_edit import MetricEditAugmenter, WindowMetricEditAugmenter
from ._mixup import MixupAugmenter
from ._signal_transform import SignalTransformAugmenter
from ._target import MetricTargetAugmenter

__all__ = [
    "functional",
    "BaseMetricAugmenter",
    "FeatureInterpolationAugmenter",
    "LabelFidelityFilter",
    "MetricDisturbAugmenter",
    "WindowMetricEditAugmenter",
    "MetricEditAugmenter",
    "MetricInterpolationAugmenter",
    "MetricKnowledgeAugmenter",
    "MetricTargetAugmenter",
    "MixupAugmenter",
    "SignalTransformAugmenter",
]
