"""A small conditional hierarchical VAE over spectrograms, after NVAE (Wang et al., 2024, D.2).

NVAE (Vahdat & Kautz, 2020, "NVAE: A deep hierarchical variational
autoencoder"), sized for a CPU:

- encoder: the spectrogram and the paper's condition embedder channel
  (:class:`~skaugment.generators._unet._PaperConditionEmbedder`), a convolution,
  then residual cells at 1/2, 1/4 and 1/8 of the resolution, which give the
  features of the three latent groups (no cells at full resolution, where a
  convolution costs the most on a CPU);
- decoder: starts at 1/8 resolution from an embedding of the condition (in place
  of NVAE's learned constant input) and goes up level by level; at each of the
  three levels a latent group is drawn right before the level's residual cell,
  from a prior computed from the decoder state so far or, when encoding, from a
  posterior that adds a correction computed from the encoder features of that
  level and the decoder state (NVAE's residual normal distributions). The
  sample enters the state additively, then the cell mixes them.

Any ``F x T`` works: the input is padded to a multiple of 8 and the output
cropped back. :class:`ModalityVAE` runs one such network per modality; all
latent noise comes in one ``(n, n_latents)`` tensor so that a caller can draw it
sample by sample from any generator.
"""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._unet import _PaperConditionEmbedder, _group_norm

__all__ = ["ConditionalHierarchicalVAE", "ModalityVAE", "free_bits_kl", "gaussian_kl"]

_N_GROUPS = 3  # latent groups, at 1/8, 1/4 and 1/2 of the (padded) input resolution
_PAD = 2**_N_GROUPS
# NVAE soft-clamps its distribution parameters: a log-variance or mean correction
# that runs away early in training would otherwise overflow exp() or the KL
_LOGVAR_BOUND = 5.0
_MEAN_BOUND = 5.0


def _soft_clamp(x, bound):
    """``x`` squashed smoothly into ``(-bound, bound)``; about the identity near 0."""
    return bound * torch.tanh(x / bound)


def gaussian_kl(mu_q, logvar_q, mu_p, logvar_p):
    """Elementwise ``KL(N(mu_q, exp(logvar_q)) || N(mu_p, exp(logvar_p)))`` in nats.

    Parameters
    ----------
    mu_q, logvar_q, mu_p, logvar_p : torch.Tensor of the same shape

    Returns
    -------
    kl : torch.Tensor of that shape, non-negative
    """
    return 0.5 * (logvar_p - logvar_q
                  + (torch.exp(logvar_q) + (mu_q - mu_p) ** 2) * torch.exp(-logvar_p) - 1.0)


def free_bits_kl(kl, free_bits):
    """KL with free bits (Kingma et al., 2016, "Improved variational inference with IAF").

    Each latent unit's KL, averaged over the batch, counts at least ``free_bits``
    nats: below that floor it contributes a constant, hence no gradient, so the
    optimiser has no reason to shut the unit off (posterior collapse).

    Parameters
    ----------
    kl : torch.Tensor of shape (n, n_units)
        KL of each example and latent unit (here: a latent channel of a group,
        summed over its positions).
    free_bits : float
        Floor per unit, in nats; 0 gives the plain batch-mean KL.

    Returns
    -------
    kl_total : torch.Tensor, scalar
        ``sum_u max(free_bits, mean_n kl[n, u])``.

    Examples
    --------
    >>> kl = torch.tensor([[0.0, 3.0], [1.0, 5.0]])
    >>> float(free_bits_kl(kl, 1.0))  # max(1, 0.5) + max(1, 4)
    5.0
    """
    return kl.mean(dim=0).clamp_min(free_bits).sum()


class _Cell(nn.Module):
    """NVAE's residual cell: (norm, SiLU, 3x3 conv) twice, then squeeze-and-excitation.

    GroupNorm instead of NVAE's batch norm: an output must not depend on which
    other samples share its batch (``sample_batch_size`` changes nothing).
    """

    def __init__(self, ch):
        super().__init__()
        self.norm1 = _group_norm(ch)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.norm2 = _group_norm(ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)
        # zero-initialised last conv: each cell starts as the identity, which keeps
        # early training stable without careful learning-rate warm-up
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        hidden = max(ch // 4, 4)
        self.se = nn.Sequential(nn.Linear(ch, hidden), nn.ReLU(), nn.Linear(hidden, ch))

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        gate = torch.sigmoid(self.se(h.mean(dim=(2, 3))))[:, :, None, None]
        return x + h * gate


class _ConditionMap(nn.Module):
    """The decoder's first input, from the condition vector (NVAE learns a constant).

    Like the paper's embedder, a per-frequency map broadcast over time, with
    ``channels`` maps instead of one and a hidden layer: the whole condition must
    pass through this coarse state, and one linear channel of a few frequency
    bins would be a bottleneck.
    """

    def __init__(self, cond_dim, channels, n_freqs, hidden):
        super().__init__()
        self.channels, self.n_freqs = channels, n_freqs
        self.mlp = nn.Sequential(nn.Linear(cond_dim, hidden), nn.SiLU(),
                                 nn.Linear(hidden, channels * n_freqs))

    def forward(self, cond, n_frames):
        h = self.mlp(cond).reshape(-1, self.channels, self.n_freqs, 1)
        return h.expand(-1, -1, -1, n_frames)


class ConditionalHierarchicalVAE(nn.Module):
    """Conditional hierarchical VAE of one modality's spectrograms (model space).

    Parameters
    ----------
    n_channels : int
        Spectrogram channels in and out.
    n_freqs, n_frames : int
        Unpadded spectrogram size.
    cond_dim : int
        Length of the condition vector.
    cond_groups : sequence of int
        Group id of each condition scalar (for the encoder's paper embedder).
    base_channels : int
        Width at full and half resolution; the coarser levels use twice this.
    latent_channels : int
        Channels of each latent group.
    """

    def __init__(self, n_channels, n_freqs, n_frames, cond_dim, cond_groups, base_channels=16,
                 latent_channels=4):
        super().__init__()
        self.n_freqs, self.n_frames = n_freqs, n_frames
        self.pad_f = (-n_freqs) % _PAD
        self.pad_t = (-n_frames) % _PAD
        pf, pt = n_freqs + self.pad_f, n_frames + self.pad_t
        w = base_channels
        # level l (0..2) sits at 1 / 2**(l + 1) of the padded resolution
        self.widths = [w, 2 * w, 2 * w]
        self.sizes = [(pf >> (l + 1), pt >> (l + 1)) for l in range(_N_GROUPS)]
        self.latent_channels = latent_channels
        self.latent_sizes = [latent_channels * f * t for f, t in self.sizes]

        self.cond_embed = _PaperConditionEmbedder(cond_groups, pf)
        self.stem = nn.Conv2d(n_channels + 1, w, 3, padding=1)
        self.enc_down = nn.ModuleList()
        self.enc_cells = nn.ModuleList()
        ch = w
        for width in self.widths:
            self.enc_down.append(nn.Conv2d(ch, width, 3, stride=2, padding=1))
            self.enc_cells.append(_Cell(width))
            ch = width

        self.top = _ConditionMap(cond_dim, self.widths[-1], self.sizes[-1][0], 4 * w)
        self.prior = nn.ModuleList(nn.Conv2d(c, 2 * latent_channels, 3, padding=1)
                                   for c in self.widths)
        self.posterior = nn.ModuleList(nn.Conv2d(2 * c, 2 * latent_channels, 3, padding=1)
                                       for c in self.widths)
        self.from_z = nn.ModuleList(nn.Conv2d(latent_channels, c, 1) for c in self.widths)
        self.dec_post = nn.ModuleList(_Cell(c) for c in self.widths)
        # level l's state goes up to level l - 1's width; level 0's to full resolution
        self.up = nn.ModuleList(nn.Conv2d(self.widths[l], self.widths[l - 1] if l else w, 3,
                                          padding=1) for l in range(_N_GROUPS))
        self.out_norm = _group_norm(w)
        self.out = nn.Conv2d(w, n_channels, 3, padding=1)
        # priors start standard normal and posteriors equal to them (KL 0): training
        # begins as a plain decoder of the condition and opens the latents gradually
        for conv in (*self.prior, *self.posterior):
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    @property
    def n_latents(self):
        """Latent noise scalars per example."""
        return sum(self.latent_sizes)

    def encode(self, x, cond):
        """Encoder features of the three latent levels (finest first)."""
        h = F.pad(x, (0, self.pad_t, 0, self.pad_f))
        h = torch.cat([h, self.cond_embed(cond, h.shape[-1])], dim=1)
        h = self.stem(h)
        feats = []
        for down, cell in zip(self.enc_down, self.enc_cells):
            h = cell(down(h))
            feats.append(h)
        return feats

    def decode(self, cond, noise, temperature=1.0, feats=None):
        """Decode latents drawn level by level from the prior, or the posterior given ``feats``.

        Parameters
        ----------
        cond : torch.Tensor of shape (n, cond_dim)
            The decoder's condition.
        noise : torch.Tensor of shape (n, n_latents)
            Standard normal noise of the reparameterisation.
        temperature : float
            Scale of the noise (0: the means).
        feats : list of torch.Tensor or None
            Encoder features (:meth:`encode`); ``None`` samples the prior.

        Returns
        -------
        x : torch.Tensor of shape (n, n_channels, n_freqs, n_frames)
        kl : torch.Tensor of shape (n, n_groups * latent_channels) or None
            Per example and latent channel of each group, the KL of posterior
            to prior summed over positions; ``None`` without ``feats``.
        """
        n = cond.shape[0]
        f_top, t_top = self.sizes[-1]
        h = self.top(cond, t_top)
        eps = torch.split(noise, self.latent_sizes, dim=1)
        kls = []
        for l in reversed(range(_N_GROUPS)):
            mu_p, lv_p = self.prior[l](F.silu(h)).chunk(2, dim=1)
            mu_p, lv_p = _soft_clamp(mu_p, _MEAN_BOUND), _soft_clamp(lv_p, _LOGVAR_BOUND)
            if feats is None:
                mu, lv = mu_p, lv_p
            else:
                d_mu, d_lv = self.posterior[l](F.silu(torch.cat([feats[l], h], dim=1))).chunk(
                    2, dim=1)
                mu = mu_p + _soft_clamp(d_mu, _MEAN_BOUND)
                lv = _soft_clamp(lv_p + d_lv, _LOGVAR_BOUND)
                kls.append(gaussian_kl(mu, lv, mu_p, lv_p).sum(dim=(2, 3)))
            e = eps[l].reshape(n, self.latent_channels, *self.sizes[l])
            z = mu + temperature * torch.exp(0.5 * lv) * e
            h = self.dec_post[l](h + self.from_z[l](z))
            h = self.up[l](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        x = self.out(F.silu(self.out_norm(h)))[:, :, : self.n_freqs, : self.n_frames]
        kl = torch.cat(kls[::-1], dim=1) if feats is not None else None
        return x, kl


class ModalityVAE(nn.Module):
    """One :class:`ConditionalHierarchicalVAE` per modality; each sees the whole condition.

    Parameters
    ----------
    modalities : dict of str -> list of int
        Channel groups, one network each.
    n_freqs, n_frames, cond_dim, cond_groups, base_channels, latent_channels
        As :class:`ConditionalHierarchicalVAE`.
    """

    def __init__(self, modalities, n_freqs, n_frames, cond_dim, cond_groups, base_channels,
                 latent_channels):
        super().__init__()
        self.channels = [list(ch) for ch in modalities.values()]
        self.nets = nn.ModuleList(
            ConditionalHierarchicalVAE(len(ch), n_freqs, n_frames, cond_dim, cond_groups,
                                       base_channels, latent_channels)
            for ch in self.channels
        )
        order = [c for ch in self.channels for c in ch]
        self.register_buffer("inverse_order", torch.as_tensor(np.argsort(order), dtype=torch.long))
        self.single = len(self.channels) == 1 and order == list(range(len(order)))

    @property
    def n_latents(self):
        """Latent noise scalars per example, all modalities together."""
        return sum(net.n_latents for net in self.nets)

    def _run(self, cond_dec, noise, temperature, x=None, cond_enc=None):
        outs, kls = [], []
        chunks = torch.split(noise, [net.n_latents for net in self.nets], dim=1)
        for net, ch, eps in zip(self.nets, self.channels, chunks):
            feats = None if x is None else net.encode(x if self.single else x[:, ch], cond_enc)
            out, kl = net.decode(cond_dec, eps, temperature, feats)
            outs.append(out)
            kls.append(kl)
        out = outs[0] if self.single else torch.cat(outs, dim=1)[:, self.inverse_order]
        return out, (None if x is None else torch.cat(kls, dim=1))

    def forward(self, x, cond_enc, cond_dec, noise, temperature=1.0):
        """Encode ``x`` under ``cond_enc``, decode posterior latents under ``cond_dec``.

        Returns ``(x_hat, kl)``: the reconstruction ``(n, c, F, T)`` and the KL
        ``(n, n_units)`` of every latent channel of every group and modality.
        """
        return self._run(cond_dec, noise, temperature, x, cond_enc)

    def generate(self, cond, noise, temperature=1.0):
        """Decode latents drawn from the conditional prior: ``(n, c, F, T)``."""
        return self._run(cond, noise, temperature)[0]

    def interpolate(self, x_a, cond_a, x_b, cond_b, weights, cond_dec):
        """Decode (posterior means) the mix ``w * a + (1 - w) * b`` of encoder features.

        Returns ``(n, c, F, T)``; ``weights`` has shape ``(n,)``.
        """
        w = weights[:, None, None, None]
        zero = torch.zeros(x_a.shape[0], self.n_latents, device=x_a.device)
        outs = []
        for net, ch, eps in zip(self.nets, self.channels,
                                torch.split(zero, [net.n_latents for net in self.nets], dim=1)):
            part_a = x_a if self.single else x_a[:, ch]
            part_b = x_b if self.single else x_b[:, ch]
            feats = [w * fa + (1 - w) * fb for fa, fb in
                     zip(net.encode(part_a, cond_a), net.encode(part_b, cond_b))]
            outs.append(net.decode(cond_dec, eps, 0.0, feats)[0])
        return outs[0] if self.single else torch.cat(outs, dim=1)[:, self.inverse_order]
