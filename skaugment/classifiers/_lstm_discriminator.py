"""SenseGen's discriminator (Alzantot et al., 2017): one LSTM, a sigmoid layer, the output.

An LSTM classifier that tells real from synthetic windows, and a plain LSTM
classifier for any number of classes.
"""

import numbers
from typing import Any, Literal

import torch
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from ..utils._docstring import Substitution, _device_docstring, _random_state_docstring
from ._base import (
    AugmentationArg,
    BaseNetClassifier,
    CallbacksArg,
    CriterionArg,
    DeviceArg,
    MaxEpochsArg,
    OptimizerArg,
    RandomStateArg,
    TrainSplitArg,
    _augmentation_docstring,
    _budget_attributes_docstring,
    _budget_docstring,
    _init_arguments,
    _net_verbose_docstring,
    _skorch_kwargs_docstring,
)

__all__ = ["LSTMDiscriminatorClassifier", "LSTMDiscriminatorNetwork"]


class LSTMDiscriminatorNetwork(nn.Module):
    """LSTM over time, a pooled state, a fully connected sigmoid layer, linear logits.

    Raw windows ``(batch, c, T)`` are read as ``T`` steps of ``c`` features;
    spectrograms ``(batch, c, F, T)`` as ``T`` frames of ``c * F`` features.

    Parameters
    ----------
    n_features : int
        Features per time step (``c`` or ``c * F``).
    n_classes : int
    hidden_size : int, default=64
    fc_size : int, default=16
    num_layers : int, default=1
    pooling : {"last", "mean"}, default="last"
        ``"last"``: the last layer's hidden state after the last step; ``"mean"``:
        its outputs averaged over all steps.
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        hidden_size: int = 64,
        fc_size: int = 16,
        num_layers: int = 1,
        pooling: Literal["last", "mean"] = "last",
    ) -> None:
        super().__init__()
        self.pooling = pooling
        self.lstm = nn.LSTM(n_features, hidden_size, num_layers=num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, fc_size)
        self.head = nn.Linear(fc_size, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_classes)``."""
        if x.ndim == 4:
            batch, channels, n_freqs, n_frames = x.shape
            steps = x.permute(0, 3, 1, 2).reshape(batch, n_frames, channels * n_freqs)
        else:
            steps = x.transpose(1, 2)
        out, (h_n, _) = self.lstm(steps)
        pooled = h_n[-1] if self.pooling == "last" else out.mean(dim=1)
        return self.head(torch.sigmoid(self.fc(pooled)))


@Substitution(
    device=_device_docstring,
    verbose=_net_verbose_docstring,
    skorch_kwargs=_skorch_kwargs_docstring,
    augmentation=_augmentation_docstring,
    random_state=_random_state_docstring,
    budget=_budget_docstring,
    budget_attributes=_budget_attributes_docstring,
)
class LSTMDiscriminatorClassifier(BaseNetClassifier):
    """LSTM classifier of windows or spectrograms; SenseGen's real-vs-synthetic discriminator.

    The discriminator of Alzantot et al., 2017 ("SenseGen", section IV-B): one layer
    of 64 LSTM units over the time series, a fully connected layer of 16 sigmoid
    units, and the output. Accuracy near 50%% on balanced real and synthetic samples
    means the two cannot be told apart; see
    :func:`~skaugment.evaluation.discriminative_score` with ``method="lstm"``.

    The paper's output is one sigmoid unit trained with binary cross-entropy. Here
    the network ends in one logit per class trained with softmax cross-entropy
    (the base classifiers' convention, so ``predict_proba`` and soft labels work as
    everywhere else); for two classes that is the same model: the softmax of
    logits ``(z0, z1)`` is the sigmoid of ``z1 - z0``, so the probability of the
    second class is a single sigmoid unit with weights ``w1 - w0``. With more
    classes it is a generic LSTM classifier.

    Raw windows ``(n_samples, n_channels, n_timesteps)`` (a 2-D array is one
    channel) are read as ``n_timesteps`` steps of ``n_channels`` features,
    standardised per channel. Magnitude spectrograms ``(n_samples, n_channels,
    n_freqs, n_frames)`` are read as ``n_frames`` steps of ``n_channels * n_freqs``
    features, after ``log1p`` and per-channel standardisation. Scaling statistics are
    learned at fit; the mode is read from the input's ndim at fit (``input_mode_``).
    The sequence is summarised by the last hidden state (``pooling="last"``, a
    Keras ``LSTM`` layer's output as in the paper), or by the mean of the LSTM's
    outputs over all steps (``pooling="mean"``), which forgets less of the start of
    long windows.

    Parameters
    ----------
    hidden_size : int, default=64
        LSTM units.
    fc_size : int, default=16
        Units of the sigmoid layer between the LSTM and the output.
    num_layers : int, default=1
        Stacked LSTM layers.
    pooling : {"last", "mean"}, default="last"
        What the sigmoid layer sees: the last hidden state, or the outputs averaged
        over time.
    lr : float, default=1e-3
    %(budget)s
    batch_size : int, default=64
    optimizer : torch optimizer class, default=torch.optim.AdamW
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        Must take logits.
    train_split : callable or None, default=None
        skorch's validation split (``None``: train on everything).
    callbacks : list or None, default=None
        Extra skorch callbacks; scoring callbacks see encoded labels.
    %(augmentation)s
    gradient_clip : float or None, default=1.0
        Gradient norm clipping (recurrent networks' exploding gradients); ``None``
        disables it.
    %(device)s
    %(verbose)s
    %(random_state)s
    %(skorch_kwargs)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_mode_ : {"time_series", "spectrogram"}
    input_shape_ : tuple of int
        ``(n_channels, n_timesteps)`` or ``(n_channels, n_freqs, n_frames)``.
    input_mean_, input_std_ : ndarray of shape (n_channels,)
    label_encoder_ : sklearn.preprocessing.LabelEncoder
    seed_ : int
    module_ : torch.nn.Module
    %(budget_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import LSTMDiscriminatorClassifier
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(32)
    >>> waves = np.sin(2 * np.pi * t / 8 + rng.uniform(0, 6.3, (30, 1, 1)))
    >>> noise = rng.normal(size=(30, 1, 32))
    >>> X = np.concatenate([waves, noise])
    >>> y = np.array(["real"] * 30 + ["synthetic"] * 30)
    >>> clf = LSTMDiscriminatorClassifier(hidden_size=16, n_steps=60, lr=1e-2,
    ...                                   random_state=0).fit(X, y)
    >>> clf.input_mode_, clf.predict_proba(X).shape
    ('time_series', (60, 2))
    >>> clf.score(X, y) > 0.9
    True
    """

    _input_kind = "any"

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "fc_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "num_layers": [Interval(numbers.Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"last", "mean"})],
    }

    def __init__(
        self,
        *,
        hidden_size: int = 64,
        fc_size: int = 16,
        num_layers: int = 1,
        pooling: Literal["last", "mean"] = "last",
        lr: float = 1e-3,
        max_epochs: MaxEpochsArg = "auto",
        n_steps: int = 1500,
        batch_size: int = 64,
        optimizer: OptimizerArg = torch.optim.AdamW,
        criterion: CriterionArg = torch.nn.CrossEntropyLoss,
        train_split: TrainSplitArg = None,
        callbacks: CallbacksArg = None,
        augmentation: AugmentationArg = None,
        gradient_clip: float | None = 1.0,
        device: DeviceArg = "auto",
        verbose: int = 0,
        random_state: RandomStateArg = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**_init_arguments(locals()))

    def _build_network(self, input_shape, n_classes, **architecture):
        n_features = input_shape[0] * (input_shape[1] if len(input_shape) == 3 else 1)
        return LSTMDiscriminatorNetwork(n_features=n_features, n_classes=n_classes, **architecture)
