"""SATS-DU (Yu et al., 2024): split-attention residual blocks with temporal and spatial attention."""

import numbers
from collections.abc import Sequence
from typing import Any

import torch
from sklearn.utils._param_validation import Interval
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
)
from ._losses import DULoss

__all__ = ["SATSDUClassifier"]


def _conv(n_dims):
    return nn.Conv1d if n_dims == 1 else nn.Conv2d


def _batch_norm(n_dims):
    return nn.BatchNorm1d if n_dims == 1 else nn.BatchNorm2d


def _global_mean(x):
    return x.mean(dim=tuple(range(2, x.ndim)), keepdim=True)


class SplitAttentionConv(nn.Module):
    """ResNeSt split attention: ``radix`` grouped convolutions fused by a softmax over radix.

    The convolution produces ``radix`` splits of ``width`` channels (``cardinality``
    groups each); their sum is pooled globally, passed through two grouped 1x1
    convolutions (inter width ``max(width * radix / 4, 32)``), and turned into one
    attention weight per split and channel: softmax across the radix splits, or a
    sigmoid gate when ``radix=1``. The output is the attention-weighted sum of the
    splits. The attention path has no batch norm, so a training batch of one works.
    """

    def __init__(self, in_channels, width, n_dims, kernel_size=3, stride=1, radix=2, cardinality=1):
        super().__init__()
        conv = _conv(n_dims)
        self.radix, self.cardinality, self.width = radix, cardinality, width
        self.conv = conv(
            in_channels,
            width * radix,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            groups=cardinality * radix,
            bias=False,
        )
        self.bn = _batch_norm(n_dims)(width * radix)
        inter = max(width * radix // 4, 32)
        self.fc1 = conv(width, inter, 1, groups=cardinality)
        self.fc2 = conv(inter, width * radix, 1, groups=cardinality)

    def forward(self, x):
        u = torch.relu(self.bn(self.conv(x)))
        batch, spatial = u.shape[0], u.shape[2:]
        splits = u.view(batch, self.radix, self.width, *spatial)
        gap = _global_mean(splits.sum(dim=1))
        logits = self.fc2(torch.relu(self.fc1(gap)))  # channels ordered (cardinality, radix, c)
        logits = logits.view(batch, self.cardinality, self.radix, -1).transpose(1, 2)
        if self.radix > 1:
            attn = torch.softmax(logits, dim=1)
        else:
            attn = torch.sigmoid(logits)
        attn = attn.reshape(batch, self.radix, self.width, *([1] * len(spatial)))
        return (splits * attn).sum(dim=1)


class TemporalAttention(nn.Module):
    """Squeeze-and-excitation gating of channels (Yu et al., 2024, eq. 2-4)."""

    def __init__(self, channels, reduction=8):
        super().__init__()
        hidden = max(channels // reduction, 4)
        self.fc = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, channels))

    def forward(self, x):
        z = x.mean(dim=tuple(range(2, x.ndim)))
        s = torch.sigmoid(self.fc(z))
        return x * s.view(*s.shape, *([1] * (x.ndim - 2)))


class SpatialAttention(nn.Module):
    """Average- and max-pooling across channels, a convolution, a sigmoid map (eq. 5)."""

    def __init__(self, n_dims, kernel_size=3):
        super().__init__()
        self.conv = _conv(n_dims)(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x):
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.conv(pooled))


class SATSBlock(nn.Module):
    """Spatial attention -> split attention -> 1x1 conv + BN -> temporal attention, plus a residual."""

    def __init__(self, in_channels, out_channels, n_dims, stride=1, radix=2, cardinality=1):
        super().__init__()
        conv, bn = _conv(n_dims), _batch_norm(n_dims)
        self.spatial = SpatialAttention(n_dims)
        self.split = SplitAttentionConv(in_channels, out_channels, n_dims, 3, stride, radix, cardinality)
        self.project = nn.Sequential(conv(out_channels, out_channels, 1, bias=False), bn(out_channels))
        self.temporal = TemporalAttention(out_channels)
        if stride == 1 and in_channels == out_channels:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = nn.Sequential(
                conv(in_channels, out_channels, 1, stride=stride, bias=False), bn(out_channels)
            )

    def forward(self, x):
        out = self.temporal(self.project(self.split(self.spatial(x))))
        return torch.relu(out + self.shortcut(x))


class SATSNetwork(nn.Module):
    """Per-modality stem convolutions, a merge, SATS blocks, global average pooling, linear head.

    Parameters
    ----------
    modalities : dict of str -> list of int
        Channel indices of each modality (sensor). Each modality has its own stem
        convolution (``widths[0]`` filters, batch norm, ReLU) over its channels only;
        with more than one modality the stems' outputs are concatenated and merged
        by a 1x1 convolution (batch norm, ReLU) back to ``widths[0]`` channels, as
        DeepSense merges its per-modality stacks, so that the blocks attend across
        sensors only after each has been read on its own. One modality is the
        plain stem over every channel.
    n_classes : int
    n_dims : {1, 2}
        1 for raw windows ``(batch, c, t)``, 2 for spectrograms ``(batch, c, F, T)``.
    widths : sequence of int, default=(32, 64, 128)
        Output channels of each block; every block after the first halves the
        resolution. Each must be divisible by ``radix * cardinality``.
    radix : int, default=2
    cardinality : int, default=1
    dropout : float, default=0.2
    """

    def __init__(
        self,
        modalities: dict[str, Sequence[int]],
        n_classes: int,
        n_dims: int,
        widths: Sequence[int] = (32, 64, 128),
        radix: int = 2,
        cardinality: int = 1,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        conv, bn = _conv(n_dims), _batch_norm(n_dims)
        widths = [int(w) for w in widths]
        self.modalities = {name: list(chans) for name, chans in modalities.items()}
        self.stems = nn.ModuleList(
            nn.Sequential(
                conv(len(chans), widths[0], 3, padding=1, bias=False), bn(widths[0]), nn.ReLU(inplace=True)
            )
            for chans in self.modalities.values()
        )
        n_modalities = len(self.modalities)
        if n_modalities > 1:
            self.merge = nn.Sequential(
                conv(n_modalities * widths[0], widths[0], 1, bias=False), bn(widths[0]), nn.ReLU(inplace=True)
            )
        else:
            self.merge = nn.Identity()
        blocks, previous = [], widths[0]
        for i, width in enumerate(widths):
            blocks.append(SATSBlock(previous, width, n_dims, 1 if i == 0 else 2, radix, cardinality))
            previous = width
        self.blocks = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(previous, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_classes)``."""
        per_modality = [stem(x[:, chans]) for stem, chans in zip(self.stems, self.modalities.values())]
        h = self.blocks(self.merge(torch.cat(per_modality, dim=1)))
        return self.head(self.dropout(h.mean(dim=tuple(range(2, h.ndim)))))


@Substitution(
    device=_device_docstring,
    verbose=_net_verbose_docstring,
    skorch_kwargs=_skorch_kwargs_docstring,
    augmentation=_augmentation_docstring,
    random_state=_random_state_docstring,
    budget=_budget_docstring,
    budget_attributes=_budget_attributes_docstring,
)
class SATSDUClassifier(BaseNetClassifier):
    """SATS-DU: split-attention network with temporal and spatial attention, trained with the DU loss.

    Residual blocks of Yu et al., 2024 (section 3.3): spatial attention (average and max
    over channels, a convolution, a sigmoid map), then ResNeSt split attention
    (``radix`` splits, softmax over the radix), a 1x1 convolution with batch norm, and
    temporal attention (squeeze-and-excitation over channels). Trained by default
    with :class:`~skaugment.DULoss` (section 3.4).

    Works on raw windows ``(n_samples, n_channels, n_timesteps)`` with 1-D
    convolutions over time (a 2-D ``(n_samples, n_timesteps)`` array is one channel)
    and on magnitude spectrograms ``(n_samples, n_channels, n_freqs, n_frames)`` with
    2-D convolutions: the mode is read from the input's ndim at fit
    (``input_mode_``). Raw windows are standardised per channel; spectrograms get
    ``log1p`` first. Statistics are learned at fit.

    With ``modalities``, each sensor's channels first go through a stem convolution
    of their own, and the stems' outputs are merged by a 1x1 convolution before the
    blocks (the per-modality reading and merge of DeepSense; skaugment's extension,
    not in Yu et al., 2024). ``log1p`` (spectrograms) and the standardisation stay
    per channel.

    Parameters
    ----------
    modalities : dict of str -> list of int, default=None
        Channel indices of each sensor, e.g. ``{"acc": [0, 1, 2], "gyro": [3, 4, 5]}``;
        each gets its own stem convolution, and the stems are merged before the
        blocks. ``None``: one modality with every channel (one stem, no merge).
    widths : sequence of int, default=(32, 64, 128)
        Output channels of the blocks; each must be divisible by
        ``radix * cardinality``.
    radix : int, default=2
        Splits per cardinality group (1: sigmoid gate instead of softmax).
    cardinality : int, default=1
    dropout : float, default=0.2
        Dropout before the linear head.
    lr : float, default=1e-3
    %(budget)s
    batch_size : int, default=64
    optimizer : torch optimizer class, default=torch.optim.AdamW
    criterion : torch criterion class, default=DULoss
        Must take logits; tune it with ``criterion__tau``, ``criterion__smoothing``,
        ``criterion__focal_gamma``.
    train_split : callable or None, default=None
        skorch's validation split (``None``: train on everything).
    callbacks : list or None, default=None
        Extra skorch callbacks; scoring callbacks see encoded labels.
    %(augmentation)s
    gradient_clip : float or None, default=5.0
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
    modalities_ : dict of str -> list of int
    input_mean_, input_std_ : ndarray of shape (n_channels,)
    label_encoder_ : sklearn.preprocessing.LabelEncoder
    seed_ : int
    module_ : torch.nn.Module
    %(budget_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import SATSDUClassifier
    >>> from skaugment.datasets import make_synthetic_imu
    >>> X, y = make_synthetic_imu(n_samples=40, n_channels=2, n_timesteps=64, n_classes=2,
    ...                           f0=[2.0, 8.0], random_state=0)
    >>> clf = SATSDUClassifier(widths=(8, 16), max_epochs=10, lr=1e-2, random_state=0).fit(X, y)
    >>> clf.input_mode_, clf.predict_proba(X).shape
    ('time_series', (40, 2))
    >>> clf.score(X, y) > 0.9
    True
    """

    _input_kind = "any"

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "modalities": [None, dict],
        "widths": ["array-like"],
        "radix": [Interval(numbers.Integral, 1, None, closed="left")],
        "cardinality": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        modalities: ModalitiesArg = None,
        *,
        widths: Sequence[int] = (32, 64, 128),
        radix: int = 2,
        cardinality: int = 1,
        dropout: float = 0.2,
        lr: float = 1e-3,
        max_epochs: MaxEpochsArg = "auto",
        n_steps: int = 1500,
        batch_size: int = 64,
        optimizer: OptimizerArg = torch.optim.AdamW,
        criterion: CriterionArg = DULoss,
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

    def _check_params(self):
        super()._check_params()
        widths = list(self.widths)
        group = self.radix * self.cardinality
        if not widths or any(
            isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 1 or w % group for w in widths
        ):
            raise ValueError(
                f"widths must be positive ints divisible by radix * cardinality = {group}; got {self.widths!r}."
            )

    def _build_network(self, input_shape, n_classes, **architecture):
        return SATSNetwork(n_classes=n_classes, n_dims=len(input_shape) - 1, **architecture)
