"""skaugment: controllable generative data augmentation for sensor time series.

Windows of sensor signals become STFT spectrograms, each summarised by five
human-readable metrics; a conditional generator learns ``p(spectrogram | label,
metrics)`` and synthesises samples at chosen points of that metric space. Every
piece is a scikit-learn estimator, so augmentation drops into imbalanced-learn
pipelines and grid searches.

Public names are imported lazily (PEP 562) so that ``import skaugment`` stays fast
and torch is loaded only when a torch-backed estimator is used.
"""

import importlib

__version__ = "0.1.0.dev0"

_PUBLIC = {
    # spectral features
    "SpectrogramTransformer": "skaugment.spectral",
    "MetricExtractor": "skaugment.spectral",
    "StatisticalFeatureExtractor": "skaugment.spectral",
    # generators
    "ConditionalDiffusionSampler": "skaugment.generators",
    "ConditionalVAESampler": "skaugment.generators",
    "ConditionalGANSampler": "skaugment.generators",
    "SpectrogramMetricEditSampler": "skaugment.generators",
    "MetricEditSampler": "skaugment.generators",  # deprecated alias, removed in 0.2
    "SenseGenSampler": "skaugment.generators",
    "StatisticalDiffusionSampler": "skaugment.generators",
    # metric-space augmenters
    "MetricInterpolationAugmenter": "skaugment.augmenters",
    "MetricDisturbAugmenter": "skaugment.augmenters",
    "MetricKnowledgeAugmenter": "skaugment.augmenters",
    "MetricTargetAugmenter": "skaugment.augmenters",
    "WindowMetricEditAugmenter": "skaugment.augmenters",
    "MetricEditAugmenter": "skaugment.augmenters",  # deprecated alias, removed in 0.2
    "LabelFidelityFilter": "skaugment.augmenters",
    # classic baselines
    "MixupAugmenter": "skaugment.augmenters",
    "FeatureInterpolationAugmenter": "skaugment.augmenters",
    "SignalTransformAugmenter": "skaugment.augmenters",
    # downstream classifiers
    "DeepSenseClassifier": "skaugment.classifiers",
    "TransformerClassifier": "skaugment.classifiers",
    "SATSDUClassifier": "skaugment.classifiers",
    "LSTMDiscriminatorClassifier": "skaugment.classifiers",
    "InceptionTimeClassifier": "skaugment.classifiers",
    "ResNetClassifier": "skaugment.classifiers",
    "DULoss": "skaugment.classifiers",
    # IMG2IMU: spectrogram images, contrastive pre-training, a linear probe
    "SpectrogramImageTransformer": "skaugment.img2imu",
    "MoCoPretrainer": "skaugment.img2imu",
    "IMG2IMUClassifier": "skaugment.img2imu",
    # leak-free choice of an augmentation (or none) and its ratio, by inner CV
    "AugmentationSelector": "skaugment.evaluation",
    # an imblearn Pipeline that states the sensor layout once
    "make_pipeline": "skaugment.pipeline",
}
_SUBMODULES = ["augmenters", "classifiers", "datasets", "evaluation", "generators", "img2imu",
               "pipeline", "plotting", "spectral", "utils"]

__all__ = sorted(_PUBLIC) + _SUBMODULES


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"skaugment.{name}")
    raise AttributeError(f"module 'skaugment' has no attribute {name!r}")


def __dir__():
    return __all__
