"""Encoder-only Transformer over STFT frames, one encoder per modality (Wang et al., 2024, Appendix F)."""

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
    frame_mask,
    masked_mean,
)
from ._recipe import _spectrogram_recipe_docstring, _TrainingRecipe

__all__ = ["TransformerClassifier"]


class _ModalityEncoder(nn.Module):
    """Frames of one modality -> one vector: tokens are frames, embeddings frequency x channel."""

    def __init__(self, n_channels, n_freqs, n_frames, d_model, nhead, num_layers, dim_feedforward, dropout):
        super().__init__()
        self.embed = nn.Linear(n_channels * n_freqs, d_model)
        self.position = nn.Parameter(torch.zeros(1, n_frames, d_model))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d_model,
            nhead,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            batch_first=True,
            # Pre-norm trains stably without a warm-up schedule.
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, num_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )

    def forward(self, x, lengths=None):
        batch, channels, n_freqs, n_frames = x.shape
        tokens = x.permute(0, 3, 1, 2).reshape(batch, n_frames, channels * n_freqs)
        h = self.embed(tokens) + self.position[:, :n_frames]
        mask = frame_mask(lengths, n_frames, device=x.device)
        h = self.encoder(h, src_key_padding_mask=None if mask is None else ~mask)
        return masked_mean(h, lengths)


class TransformerNetwork(nn.Module):
    """Per-modality Transformer encoders, concatenated, then a linear head.

    Parameters
    ----------
    modalities : dict of str -> list of int
    n_freqs, n_frames, n_classes : int
    d_model : int, default=64
    nhead : int, default=4
    num_layers : int, default=2
    dim_feedforward : int, default=128
    dropout : float, default=0.1
    """

    def __init__(
        self,
        modalities: dict[str, Sequence[int]],
        n_freqs: int,
        n_frames: int,
        n_classes: int,
        d_model: int = 64,
        nhead: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 128,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.modalities = {name: list(chans) for name, chans in modalities.items()}
        self.encoders = nn.ModuleList(
            _ModalityEncoder(len(chans), n_freqs, n_frames, d_model, nhead, num_layers, dim_feedforward, dropout)
            for chans in self.modalities.values()
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(d_model * len(self.modalities), n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits ``(batch, n_classes)``; ``lengths`` (batch,) marks valid frames."""
        pooled = [enc(x[:, chans], lengths) for enc, chans in zip(self.encoders, self.modalities.values())]
        return self.head(self.dropout(torch.cat(pooled, dim=1)))


@Substitution(
    device=_device_docstring,
    verbose=_net_verbose_docstring,
    skorch_kwargs=_skorch_kwargs_docstring,
    augmentation=_augmentation_docstring,
    random_state=_random_state_docstring,
    budget=_budget_docstring,
    recipe=_spectrogram_recipe_docstring
    % {"default": "paper", "paper": "AdamW with torch's defaults (``weight_decay=1e-2``)"},
    budget_attributes=_budget_attributes_docstring,
)
class TransformerClassifier(_TrainingRecipe, BaseNetClassifier):
    """Encoder-only Transformer classifier on magnitude spectrograms.

    Per modality, each STFT frame is one token whose embedding is the frame's
    ``n_freqs x n_channels`` values, projected linearly to ``d_model`` and added to a
    learned positional embedding; a Transformer encoder attends along time and its
    outputs are averaged over the frames. The modalities' vectors are concatenated
    and a linear layer gives the logits (Wang et al., 2024, Appendix F).

    ``log1p`` and per-channel standardisation, learned at fit, happen inside the
    network: give magnitude spectrograms.

    Parameters
    ----------
    modalities : dict of str -> list of int, default=None
        Channel indices of each sensor; one encoder per modality. ``None``: one
        modality with every channel.
    d_model : int, default=64
        Embedding width; must be divisible by ``nhead``.
    nhead : int, default=4
    num_layers : int, default=2
    dim_feedforward : int, default=128
    dropout : float, default=0.1
    %(recipe)s
    lr : float, default=1e-3
    %(budget)s
    batch_size : int, default=64
    optimizer : torch optimizer class, default=torch.optim.AdamW
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        Must take logits.
    train_split : callable or None, default=None
        skorch's validation split (``None``: train on everything). See
        :class:`DeepSenseClassifier` for an early-stopping example.
    callbacks : list or None, default=None
        Extra skorch callbacks; scoring callbacks see encoded labels.
    %(augmentation)s
    gradient_clip : float or None, default=1.0
        Gradient norm clipping; ``None`` disables it.
    %(device)s
    %(verbose)s
    %(random_state)s
    %(skorch_kwargs)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple of int
        ``(n_channels, n_freqs, n_frames)`` seen at fit.
    modalities_ : dict of str -> list of int
    input_mean_, input_std_ : ndarray of shape (n_channels,)
        Per-channel statistics of ``log1p(X)`` learned at fit.
    label_encoder_ : sklearn.preprocessing.LabelEncoder
    seed_ : int
    module_ : torch.nn.Module
    %(budget_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import TransformerClassifier
    >>> rng = np.random.default_rng(0)
    >>> S = rng.random((40, 2, 5, 4)).astype("float32")
    >>> S[20:, :, 1] += 2.0
    >>> y = np.array(["a"] * 20 + ["b"] * 20)
    >>> clf = TransformerClassifier(d_model=16, nhead=2, num_layers=1, dim_feedforward=32,
    ...                             max_epochs=20, lr=1e-2, random_state=0).fit(S, y)
    >>> clf.predict(S[:2])
    array(['a', 'a'], dtype='<U1')
    >>> clf.score(S, y) > 0.9
    True
    """

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "modalities": [None, dict],
        "d_model": [Interval(numbers.Integral, 1, None, closed="left")],
        "nhead": [Interval(numbers.Integral, 1, None, closed="left")],
        "num_layers": [Interval(numbers.Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "recipe": [StrOptions({"modern", "paper"})],
    }

    _recipes = {
        "paper": {"optimizer": {}, "label_smoothing": 0.0, "one_cycle": False},
        "modern": {"optimizer": {}, "label_smoothing": 0.1, "one_cycle": True},
    }

    def __init__(
        self,
        modalities: ModalitiesArg = None,
        *,
        d_model: int = 64,
        nhead: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 128,
        dropout: float = 0.1,
        recipe: Literal["modern", "paper"] = "paper",
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

    def _check_params(self):
        super()._check_params()
        if self.d_model % self.nhead:
            raise ValueError(f"d_model={self.d_model} must be divisible by nhead={self.nhead}.")

    def _build_network(self, input_shape, n_classes, **architecture):
        return TransformerNetwork(
            n_freqs=input_shape[1], n_frames=input_shape[2], n_classes=n_classes, **architecture
        )
