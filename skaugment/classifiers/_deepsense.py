"""DeepSense (Yao et al., 2017): per-modality frequency convolutions, merge, GRU over frames."""

import numbers
from collections.abc import Sequence
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
    ModalitiesArg,
    OptimizerArg,
    RandomStateArg,
    TrainSplitArg,
    _augmentation_docstring,
    _budget_attributes_docstring,
    _budget_docstring,
    _init_arguments,
    _net_verbose_docstring,
    _skorch_kwargs_docstring,
    masked_mean,
)
from ._recipe import _spectrogram_recipe_docstring, _TrainingRecipe

__all__ = ["DeepSenseClassifier"]


def _conv_bn_relu(in_channels, out_channels, kernel_size, padding):
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]


def _conv_stack(in_channels, n_filters, kernel_size, dropout, n_layers=3):
    """``n_layers`` convolutions over the frequency axis only (kernel ``(k, 1)``).

    Frames stay independent until the GRU: a kernel of width 1 in time means the
    features of one STFT interval never see another interval. Channel-wise dropout
    (``Dropout2d``: whole feature maps) follows every layer but the last.
    """
    layers = []
    for i in range(n_layers):
        layers += _conv_bn_relu(
            in_channels if i == 0 else n_filters, n_filters, (kernel_size, 1), padding=(kernel_size // 2, 0)
        )
        if i < n_layers - 1 and dropout > 0:
            layers.append(nn.Dropout2d(dropout))
    return nn.Sequential(*layers)


class DeepSenseNetwork(nn.Module):
    """The DeepSense network on (already scaled) spectrograms ``(batch, c, F, T)``.

    Parameters
    ----------
    modalities : dict of str -> list of int
        Channel indices of each modality (sensor).
    n_freqs : int
    n_classes : int
    n_filters : int, default=64
    kernel_size : int, default=3
        Frequency bins spanned by every convolution kernel.
    hidden_size : int, default=120
        GRU units.
    num_layers : int, default=2
        GRU layers.
    conv_dropout : float, default=0.2
        Feature-map dropout after the first two convolutions of each stack.
    gru_dropout : float, default=0.5
        Dropout on the GRU's inputs between layers and on its output, element-wise
        along frames (the batch axis is never the sequence axis).
    """

    def __init__(
        self,
        modalities: dict[str, Sequence[int]],
        n_freqs: int,
        n_classes: int,
        n_filters: int = 64,
        kernel_size: int = 3,
        hidden_size: int = 120,
        num_layers: int = 2,
        conv_dropout: float = 0.2,
        gru_dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.modalities = {name: list(chans) for name, chans in modalities.items()}
        self.modality_convs = nn.ModuleList(
            _conv_stack(len(chans), n_filters, kernel_size, conv_dropout)
            for chans in self.modalities.values()
        )
        n_modalities = len(self.modalities)
        # The first merge convolution spans every modality (like the first modality
        # convolution spans every channel) and three frequency bins.
        self.merge_first = nn.Sequential(
            nn.Conv3d(
                n_filters, n_filters, (n_modalities, kernel_size, 1), padding=(0, kernel_size // 2, 0), bias=False
            ),
            nn.BatchNorm3d(n_filters),
            nn.ReLU(inplace=True),
        )
        self.merge_dropout = nn.Dropout2d(conv_dropout) if conv_dropout > 0 else nn.Identity()
        self.merge_rest = _conv_stack(n_filters, n_filters, kernel_size, conv_dropout, n_layers=2)
        self.gru = nn.GRU(
            n_filters * n_freqs,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=gru_dropout if num_layers > 1 else 0.0,
        )
        self.gru_out_dropout = nn.Dropout(gru_dropout)
        self.head = nn.Linear(hidden_size, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits ``(batch, n_classes)``; ``lengths`` (batch,) marks valid frames."""
        per_modality = [
            conv(x[:, chans]) for conv, chans in zip(self.modality_convs, self.modalities.values())
        ]
        h = torch.stack(per_modality, dim=2)  # (batch, filters, modalities, F, T)
        h = self.merge_first(h).squeeze(2)
        h = self.merge_rest(self.merge_dropout(h))  # (batch, filters, F, T)
        batch, filters, n_freqs, n_frames = h.shape
        # One feature vector per time interval, frames as the GRU's sequence axis.
        h = h.permute(0, 3, 1, 2).reshape(batch, n_frames, filters * n_freqs)
        h, _ = self.gru(h)
        h = masked_mean(self.gru_out_dropout(h), lengths)
        return self.head(h)


# The reference's optimiser settings (Yao et al., 2017), applied when the optimiser takes them.
_ADAM_DEFAULTS = {"betas": (0.5, 0.9), "weight_decay": 5e-4}


@Substitution(
    device=_device_docstring,
    verbose=_net_verbose_docstring,
    skorch_kwargs=_skorch_kwargs_docstring,
    augmentation=_augmentation_docstring,
    random_state=_random_state_docstring,
    budget=_budget_docstring,
    recipe=_spectrogram_recipe_docstring
    % {"default": "paper", "paper": "the reference's optimiser, Adam with ``betas=(0.5, 0.9)``\n"
       "          and ``weight_decay=5e-4`` (L2),"},
    budget_attributes=_budget_attributes_docstring,
)
class DeepSenseClassifier(_TrainingRecipe, BaseNetClassifier):
    """DeepSense classifier on magnitude spectrograms (Yao et al., 2017).

    Per modality, three convolutions of ``n_filters`` over the frequency axis (the
    first spans ``kernel_size`` bins and all of the modality's channels), each with
    batch norm and ReLU, feature-map dropout after the first two; the modalities'
    outputs are stacked and merged by three more convolutions; each STFT frame is
    flattened into one vector, a GRU runs along the frames, its outputs are averaged
    over the valid frames (masked mean) and a linear layer gives the logits.

    The input is a magnitude spectrogram (pipelines stay in magnitude until the
    classifier): ``log1p`` and per-channel standardisation, with statistics learned
    at fit, happen inside the network.

    Parameters
    ----------
    modalities : dict of str -> list of int, default=None
        Channel indices of each sensor, e.g. ``{"acc": [0, 1, 2], "gyro": [3, 4, 5]}``;
        each gets its own convolution stack. ``None``: one modality with every channel.
    n_filters : int, default=64
    kernel_size : int, default=3
        Frequency bins spanned by the convolution kernels.
    hidden_size : int, default=120
        GRU units.
    num_layers : int, default=2
        GRU layers.
    conv_dropout : float, default=0.2
        Feature-map dropout (keep probability 0.8 in the reference).
    gru_dropout : float, default=0.5
    %(recipe)s
    lr : float, default=1e-3
        Adam learning rate. The reference uses 1e-4 with ``betas=(0.5, 0.9)``. On
        HAPT (train on 5 subjects, test on 5 others, 20 epochs, about 2 minutes on one
        CPU thread) both reach about 0.84 accuracy, but 1e-4 is slower to converge
        (training loss 0.25 vs 0.09 after 20 epochs) and varied more across seeds
        (0.81-0.86 vs 0.84), and 1e-3 is much better for short budgets (0.74 after 3
        epochs). Pass ``lr=1e-4`` for the reference setting.
    %(budget)s
    batch_size : int, default=64
    optimizer : torch optimizer class, default=torch.optim.Adam
        With Adam(W), ``betas=(0.5, 0.9)`` and ``weight_decay=5e-4`` (the reference
        L2) are used unless ``optimizer__betas`` / ``optimizer__weight_decay`` say
        otherwise.
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        Must take logits (e.g. :class:`~skaugment.DULoss`).
    train_split : callable or None, default=None
        skorch's validation split. ``None`` trains on all the data (tiny data works);
        give e.g. ``skorch.dataset.ValidSplit(0.2, stratified=True)`` together with a
        ``skorch.callbacks.EarlyStopping`` callback for early stopping.
    callbacks : list or None, default=None
        Extra skorch callbacks. Scoring callbacks see the *encoded* labels
        (``0 .. n_classes - 1``, in the order of ``classes_``).
    %(augmentation)s
    gradient_clip : float or None, default=5.0
        Gradient norm clipping (a skorch ``GradientNormClipping`` callback); ``None``
        disables it.
    %(device)s
    %(verbose)s
    %(random_state)s
    %(skorch_kwargs)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen at fit (or ``classes``), in the order of ``predict_proba``'s columns.
    input_shape_ : tuple of int
        ``(n_channels, n_freqs, n_frames)`` seen at fit.
    modalities_ : dict of str -> list of int
    input_mean_, input_std_ : ndarray of shape (n_channels,)
        Per-channel statistics of ``log1p(X)`` learned at fit.
    label_encoder_ : sklearn.preprocessing.LabelEncoder
    seed_ : int
        The torch seed drawn from ``random_state`` for this fit.
    module_ : torch.nn.Module
        The trained network (input scaler + :class:`DeepSenseNetwork`).
    history_ : skorch.History
    %(budget_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import DeepSenseClassifier
    >>> rng = np.random.default_rng(0)
    >>> S = rng.random((40, 2, 5, 4)).astype("float32")
    >>> S[20:, :, 1] += 2.0  # class "b" has energy in frequency bin 1
    >>> y = np.array(["a"] * 20 + ["b"] * 20)
    >>> clf = DeepSenseClassifier(n_filters=8, hidden_size=8, max_epochs=20, lr=1e-2,
    ...                           random_state=0).fit(S, y)
    >>> clf.predict_proba(S).shape
    (40, 2)
    >>> clf.score(S, y) > 0.9
    True

    Early stopping on a held-out 20%% of the training data:

    >>> from skorch.callbacks import EarlyStopping
    >>> from skorch.dataset import ValidSplit
    >>> clf = DeepSenseClassifier(n_filters=8, hidden_size=8, max_epochs=50, random_state=0,
    ...                           train_split=ValidSplit(0.2, stratified=True),
    ...                           callbacks=[EarlyStopping(patience=3)]).fit(S, y)
    >>> len(clf.history) <= 50
    True
    """

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "modalities": [None, dict],
        "n_filters": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "num_layers": [Interval(numbers.Integral, 1, None, closed="left")],
        "conv_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "gru_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "recipe": [StrOptions({"modern", "paper"})],
    }

    _recipes = {
        "paper": {"optimizer": _ADAM_DEFAULTS, "label_smoothing": 0.0, "one_cycle": False},
        "modern": {"optimizer": _ADAM_DEFAULTS, "label_smoothing": 0.1, "one_cycle": True},
    }

    def __init__(
        self,
        modalities: ModalitiesArg = None,
        *,
        n_filters: int = 64,
        kernel_size: int = 3,
        hidden_size: int = 120,
        num_layers: int = 2,
        conv_dropout: float = 0.2,
        gru_dropout: float = 0.5,
        recipe: Literal["modern", "paper"] = "paper",
        lr: float = 1e-3,
        max_epochs: MaxEpochsArg = "auto",
        n_steps: int = 1500,
        batch_size: int = 64,
        optimizer: OptimizerArg = torch.optim.Adam,
        criterion: CriterionArg = torch.nn.CrossEntropyLoss,
        train_split: TrainSplitArg = None,
        callbacks: CallbacksArg = None,
        augmentation: AugmentationArg = None,
        gradient_clip: float | None = 5.0,
        device: DeviceArg = "auto",
        verbose: int = 0,
        random_state: RandomStateArg = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**_init_arguments(locals()))

    def _build_network(self, input_shape, n_classes, **architecture):
        return DeepSenseNetwork(n_freqs=input_shape[1], n_classes=n_classes, **architecture)
