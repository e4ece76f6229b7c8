"""Downstream classifiers (skorch): DeepSense, an encoder-only Transformer, SATS-DU, the DU loss,
SenseGen's LSTM discriminator, and the raw-window baselines InceptionTime and ResNet.

Each is a :class:`skorch.NeuralNetClassifier` that builds its network from the
training data's shape, takes the user's labels (strings included) and learns the
scaling of its input at fit, so it sits at the end of a pipeline that hands it
magnitude spectrograms (or raw windows, for SATS-DU, InceptionTime and ResNet). Each
can augment its training batches on the fly (``augmentation=``).
"""

from ._deepsense import DeepSenseClassifier
from ._inception import InceptionTimeClassifier
from ._losses import DULoss
from ._lstm_discriminator import LSTMDiscriminatorClassifier
from ._resnet import ResNetClassifier
from ._ridge import SubsampledRidgeClassifierCV
from ._satsdu import SATSDUClassifier
from ._transformer import TransformerClassifier

__all__ = [
    "DeepSenseClassifier",
    "DULoss",
    "InceptionTimeClassifier",
    "LSTMDiscriminatorClassifier",
    "ResNetClassifier",
    "SATSDUClassifier",
    "SubsampledRidgeClassifierCV",
    "TransformerClassifier",
]
