"""IMG2IMU: spectrogram images, sensor-aware augmentations, MoCo pre-training, a linear probe.

Yoon et al., 2024, "IMG2IMU: Translating knowledge from large-scale images to IMU
sensing applications": triaxial IMU windows become RGB spectrogram images
(:class:`SpectrogramImageTransformer`), an image encoder (:class:`ResNet18Encoder`)
is pre-trained contrastively on unlabelled images with sensor-aware augmentations
(:class:`MoCoPretrainer`), and a linear head is trained on a few labelled windows
(:class:`IMG2IMUClassifier`). The augmentations are pure batched tensor functions in
:mod:`skaugment.img2imu.functional`, with thin callable wrappers here.
"""

from . import functional
from ._augment import DefaultMoCoAugment, Hue, Jitter, PermuteX, SensorAwareAugment, TranslateX
from ._classifier import IMG2IMUClassifier
from ._image import SpectrogramImageTransformer
from ._moco import MoCoPretrainer
from ._resnet import ResNet18Encoder, load_encoder

__all__ = [
    "DefaultMoCoAugment",
    "Hue",
    "IMG2IMUClassifier",
    "Jitter",
    "MoCoPretrainer",
    "PermuteX",
    "ResNet18Encoder",
    "SensorAwareAugment",
    "SpectrogramImageTransformer",
    "TranslateX",
    "functional",
    "load_encoder",
]
