"""A small conditional U-Net over spectrograms (Wang et al., 2024, Appendix D.1).

Three downsamplings and three upsamplings, each halving (doubling) both the
frequency and the time axis, with skip connections between matching
resolutions. Any ``F x T`` works: the input is padded to a multiple of 8 and the
output cropped back. The diffusion time enters every residual block through a
sinusoidal embedding; the condition (label + metrics) enters either

- ``"film"``: through an embedding added to the time embedding, which scales and
  shifts the normalised features of every residual block (FiLM / adaptive norm);
- ``"paper"``: through the paper's embedder, one extra input channel (each
  condition scalar mapped to ``F`` by its group's linear layer, broadcast over
  time and averaged).

The condition vector is laid out by :func:`condition_vector` and
:func:`condition_groups`; :class:`_ModalityNets` runs one U-Net per modality.
"""

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ConditionalUNet", "condition_groups", "condition_vector"]

_DEPTH = 3  # number of downsamplings; inputs are padded to a multiple of 2**_DEPTH


def _group_norm(channels):
    groups = 8 if channels % 8 == 0 else (4 if channels % 4 == 0 else 1)
    return nn.GroupNorm(groups, channels)


def timestep_embedding(t, dim):
    """Sinusoidal embedding of diffusion times ``t`` in [0, 1], shape (n, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device) / max(half - 1, 1))
    args = 1000.0 * t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=1)
    if dim % 2:
        emb = F.pad(emb, (0, 1))
    return emb


class _ResBlock(nn.Module):
    def __init__(self, in_ch, out_ch, emb_dim):
        super().__init__()
        self.norm1 = _group_norm(in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.norm2 = _group_norm(out_ch)
        self.film = nn.Linear(emb_dim, 2 * out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        # zero-initialised last conv: each block starts as the identity, which keeps
        # early training stable without careful learning-rate warm-up
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.silu(h))
        return h + self.skip(x)


class _PaperConditionEmbedder(nn.Module):
    """Seed 000, D.1: every condition scalar through its group's ``Linear(1, F)``, averaged.

    ``groups[j]`` names the group (one metric, or the label one-hot) of condition
    scalar ``j``; all scalars of one group share a linear layer, as in the paper
    where metric ``i`` with ``d_i`` channels goes through one layer.
    """

    def __init__(self, groups, n_freqs):
        super().__init__()
        n_groups = int(max(groups)) + 1
        self.register_buffer("groups", torch.as_tensor(groups, dtype=torch.long))
        self.weight = nn.Parameter(torch.randn(n_groups, n_freqs) * 0.1)
        self.bias = nn.Parameter(torch.zeros(n_groups, n_freqs))

    def forward(self, cond, n_frames):
        # (n, J, F): one F-vector per scalar, then the mean over scalars
        per_scalar = cond[:, :, None] * self.weight[self.groups] + self.bias[self.groups]
        c = per_scalar.mean(dim=1)
        return c[:, None, :, None].expand(-1, 1, -1, n_frames)


class ConditionalUNet(nn.Module):
    """Conditional U-Net predicting the diffusion target for one modality.

    Parameters
    ----------
    n_channels : int
        Spectrogram channels in and out.
    n_freqs, n_frames : int
        Unpadded spectrogram size.
    cond_dim : int
        Length of the condition vector (standardised metrics, label one-hot and a
        "condition dropped" flag).
    cond_groups : sequence of int
        Group id of each condition scalar, used by ``conditioning="paper"``.
    base_channels : int
        Width at full resolution; deeper levels use ``channel_mult`` times it.
    conditioning : {"film", "paper"}
    channel_mult : tuple of 4 int
        Width multipliers of the four resolutions.
    """

    def __init__(self, n_channels, n_freqs, n_frames, cond_dim, cond_groups, base_channels=32,
                 conditioning="film", channel_mult=(1, 2, 2, 2)):
        super().__init__()
        self.n_freqs, self.n_frames = n_freqs, n_frames
        multiple = 2**_DEPTH
        self.pad_f = (-n_freqs) % multiple
        self.pad_t = (-n_frames) % multiple
        self.conditioning = conditioning
        emb_dim = 4 * base_channels
        self.base_channels = base_channels
        self.time_mlp = nn.Sequential(
            nn.Linear(base_channels, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim)
        )
        if conditioning == "film":
            self.cond_mlp = nn.Sequential(
                nn.Linear(cond_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim)
            )
            in_ch = n_channels
        else:
            self.cond_embed = _PaperConditionEmbedder(cond_groups, n_freqs + self.pad_f)
            in_ch = n_channels + 1
        widths = [base_channels * m for m in channel_mult]
        self.inp = nn.Conv2d(in_ch, widths[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        self.downsamples = nn.ModuleList()
        ch = widths[0]
        for level, width in enumerate(widths):
            self.down_blocks.append(_ResBlock(ch, width, emb_dim))
            ch = width
            if level < _DEPTH:
                self.downsamples.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
        self.mid = _ResBlock(ch, ch, emb_dim)
        self.up_blocks = nn.ModuleList()
        self.upsamples = nn.ModuleList()
        for level in reversed(range(len(widths))):
            self.up_blocks.append(_ResBlock(ch + widths[level], widths[level], emb_dim))
            ch = widths[level]
            if level > 0:
                self.upsamples.append(nn.Conv2d(ch, widths[level - 1], 3, padding=1))
                ch = widths[level - 1]
        self.out_norm = _group_norm(ch)
        self.out = nn.Conv2d(ch, n_channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, t, cond):
        """``x`` (n, c, F, T), ``t`` (n,) in [0, 1], ``cond`` (n, cond_dim) -> (n, c, F, T)."""
        h = F.pad(x, (0, self.pad_t, 0, self.pad_f))
        emb = self.time_mlp(timestep_embedding(t, self.base_channels))
        if self.conditioning == "film":
            emb = emb + self.cond_mlp(cond)
        else:
            h = torch.cat([h, self.cond_embed(cond, h.shape[-1])], dim=1)
        h = self.inp(h)
        skips = []
        for level, block in enumerate(self.down_blocks):
            h = block(h, emb)
            skips.append(h)
            if level < _DEPTH:
                h = self.downsamples[level](h)
        h = self.mid(h, emb)
        for i, block in enumerate(self.up_blocks):
            h = block(torch.cat([h, skips.pop()], dim=1), emb)
            if i < _DEPTH:
                h = self.upsamples[i](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.out(F.silu(self.out_norm(h)))
        return h[:, :, : self.n_freqs, : self.n_frames]


class _ModalityNets(nn.Module):
    """One U-Net per modality; each sees the whole condition vector.

    Fitted diffusion models pickle this class, which
    ``skaugment.generators._diffusion`` imports so that models pickled when it
    was defined there still load.

    Parameters
    ----------
    modalities : dict of str -> list of int
        Channel groups, one U-Net each.
    n_freqs, n_frames, cond_dim, cond_groups, base_channels, conditioning
        As :class:`ConditionalUNet`.
    """

    def __init__(self, modalities, n_freqs, n_frames, cond_dim, cond_groups, base_channels,
                 conditioning):
        super().__init__()
        self.channels = [list(ch) for ch in modalities.values()]
        self.nets = nn.ModuleList(
            ConditionalUNet(len(ch), n_freqs, n_frames, cond_dim, cond_groups, base_channels,
                            conditioning)
            for ch in self.channels
        )
        order = [c for ch in self.channels for c in ch]
        self.register_buffer("inverse_order", torch.as_tensor(np.argsort(order), dtype=torch.long))
        self.single = len(self.channels) == 1 and order == list(range(len(order)))

    def forward(self, x, t, cond):
        """``x`` (n, c, F, T), ``t`` (n,), ``cond`` (n, cond_dim) -> (n, c, F, T)."""
        if self.single:
            return self.nets[0](x, t, cond)
        outs = [net(x[:, ch], t, cond) for net, ch in zip(self.nets, self.channels)]
        return torch.cat(outs, dim=1)[:, self.inverse_order]


def condition_vector(features, labels, keep, n_classes):
    """The networks' condition input: ``[metric features, label one-hot] * keep, 1 - keep``.

    A dropped condition (``keep`` False) is all zeros but for its last entry, the
    "dropped" flag: the input of the unconditional model of classifier-free
    guidance.

    Parameters
    ----------
    features : torch.Tensor of shape (n, n_conditions) or None
        Standardised metric features; ``None`` for a label-only condition.
    labels : torch.Tensor of shape (n,), long
        Encoded labels.
    keep : torch.Tensor of shape (n,), bool
        Which conditions are kept.
    n_classes : int

    Returns
    -------
    cond : torch.Tensor of shape (n, n_conditions + n_classes + 1), float32
        ``n_conditions`` is 0 without features.
    """
    onehot = F.one_hot(labels, n_classes).float()
    parts = [onehot] if features is None else [features, onehot]
    keep = keep.float()[:, None]
    return torch.cat([torch.cat(parts, dim=1) * keep, 1.0 - keep], dim=1)


def condition_groups(condition_names, n_classes, *, use_metrics=True):
    """Group id of each entry of :func:`condition_vector` (``cond_groups`` of the U-Net).

    One group per metric (shared by its channels), one for the label one-hot and
    one for the "dropped" flag.

    Parameters
    ----------
    condition_names : list of str
        ``"{channel}__{metric}"`` names of the metric table.
    n_classes : int
    use_metrics : bool, default=True
        Whether the vector holds the metric features.

    Returns
    -------
    groups : list of int
        Of length ``len(condition_names) * use_metrics + n_classes + 1``.
    """
    metrics = [name.rsplit("__", 1)[-1] for name in condition_names]
    kinds = sorted(set(metrics))
    groups = [kinds.index(m) for m in metrics] if use_metrics else []
    # the label and flag ids follow every metric kind even without metric inputs:
    # they set the paper embedder's size, hence its random initialisation
    n_kinds = len(kinds)
    return groups + [n_kinds] * n_classes + [n_kinds + 1]
