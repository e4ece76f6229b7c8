"""A 1-D convolutional encoder-decoder denoiser of raw sensor windows (SF-DM).

The denoiser of the statistical feature-guided diffusion model of Zuo et al.
(2023), "Unsupervised statistical feature-guided diffusion model for sensor-based
human activity recognition", as Yu et al. (2024) describe it (section 3.2): an
encoder of 9-wide convolutions and max-pooling by 2, a decoder of upsampling and
9-wide convolutions, and an output projection back to the sensor channels. Its
input is the noised window and the statistical-feature sequence, which first go
through their own convolutions; the diffusion-time embedding is added to the
noised window's branch, and the two branches are concatenated.

Beyond that description: residual blocks with group normalisation, the time
embedding also added inside every block, and skip connections between matching
resolutions (a U-Net), which is what lets a denoiser keep the fine detail of a
window while it sees the whole of it at the coarsest level.
"""

import torch
from torch import nn
from torch.nn import functional as F

from .._unet import timestep_embedding

__all__ = ["Conv1dUNet", "MIN_TIMESTEPS"]

_DEPTH = 3  # number of max-poolings; inputs are padded to a multiple of 2**_DEPTH
_KERNEL = 9
#: The shortest window the network accepts: one step at its coarsest resolution.
MIN_TIMESTEPS = 2**_DEPTH


def _group_norm(channels):
    groups = 8 if channels % 8 == 0 else (4 if channels % 4 == 0 else 1)
    return nn.GroupNorm(groups, channels)


def _conv(in_ch, out_ch):
    return nn.Conv1d(in_ch, out_ch, _KERNEL, padding=_KERNEL // 2)


class _ResBlock1d(nn.Module):
    def __init__(self, in_ch, out_ch, emb_dim):
        super().__init__()
        self.norm1 = _group_norm(in_ch)
        self.conv1 = _conv(in_ch, out_ch)
        self.time = nn.Linear(emb_dim, out_ch)
        self.norm2 = _group_norm(out_ch)
        self.conv2 = _conv(out_ch, out_ch)
        # zero-initialised last conv: every block starts as the identity, which keeps
        # the first steps of training stable without a learning-rate warm-up
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv1d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x))) + self.time(emb)[:, :, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class Conv1dUNet(nn.Module):
    """Denoiser of noised windows given a conditioning sequence of the same length.

    Parameters
    ----------
    n_channels : int
        Channels of the window, in and out.
    n_cond_channels : int
        Channels of the conditioning sequence (e.g. ``4 * n_channels`` statistical
        features), concatenated after the window's channels in the input.
    base_channels : int, default=16
        Width at full resolution; the three coarser levels use ``channel_mult``
        times it.
    channel_mult : tuple of 4 int, default=(1, 2, 2, 2)

    Notes
    -----
    ``forward(h, t)`` takes ``h`` of shape ``(n, n_channels + n_cond_channels, t)``,
    the noised window then the condition, and diffusion times ``t`` of shape
    ``(n,)`` in [0, 1]; it returns ``(n, n_channels, t)``. Any length of at least
    :data:`MIN_TIMESTEPS` works: the input is padded (by repeating its last step)
    to a multiple of 8 and the output cropped back.

    Examples
    --------
    >>> import torch
    >>> net = Conv1dUNet(n_channels=2, n_cond_channels=8, base_channels=8)
    >>> net(torch.zeros(3, 10, 21), torch.rand(3)).shape
    torch.Size([3, 2, 21])
    """

    def __init__(self, n_channels, n_cond_channels, base_channels=16,
                 channel_mult=(1, 2, 2, 2)):
        super().__init__()
        if len(channel_mult) != _DEPTH + 1:
            raise ValueError(f"channel_mult needs {_DEPTH + 1} entries; got {channel_mult}.")
        self.n_channels = n_channels
        self.n_cond_channels = n_cond_channels
        self.base_channels = base_channels
        emb_dim = 4 * base_channels
        widths = [base_channels * m for m in channel_mult]
        self.time_mlp = nn.Sequential(
            nn.Linear(base_channels, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim)
        )
        # the two input branches of SF-DM: the noised window (plus the time embedding)
        # and the statistical features, each through its own convolution
        self.x_stem = _conv(n_channels, widths[0])
        self.x_time = nn.Linear(emb_dim, widths[0])
        self.cond_stem = _conv(n_cond_channels, widths[0])
        self.down_blocks = nn.ModuleList()
        ch = 2 * widths[0]
        for width in widths:
            self.down_blocks.append(_ResBlock1d(ch, width, emb_dim))
            ch = width
        self.mid = _ResBlock1d(ch, ch, emb_dim)
        self.up_blocks = nn.ModuleList()
        self.upsamples = nn.ModuleList()
        for level in reversed(range(len(widths))):
            self.up_blocks.append(_ResBlock1d(ch + widths[level], widths[level], emb_dim))
            ch = widths[level]
            if level > 0:
                self.upsamples.append(_conv(ch, widths[level - 1]))
                ch = widths[level - 1]
        # no normalisation before the output: a per-sample norm would divide out the
        # offset and scale of the window, the very statistics the condition sets
        self.out = nn.Conv1d(ch, n_channels, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, h, t):
        """``h`` (n, n_channels + n_cond_channels, T), ``t`` (n,) -> (n, n_channels, T)."""
        expected = self.n_channels + self.n_cond_channels
        if h.ndim != 3 or h.shape[1] != expected:
            raise ValueError(
                f"expected input of shape (n, {expected}, n_timesteps) (window then "
                f"condition channels); got {tuple(h.shape)}."
            )
        n_timesteps = h.shape[-1]
        if n_timesteps < MIN_TIMESTEPS:
            raise ValueError(
                f"windows of {n_timesteps} timesteps are shorter than the {MIN_TIMESTEPS} "
                f"the network needs ({_DEPTH} poolings by 2)."
            )
        pad = (-n_timesteps) % 2**_DEPTH
        if pad:
            # repeating the last step, not zeros: no artificial edge for the 9-wide
            # kernels to smear into the real end of the window
            h = F.pad(h, (0, pad), mode="replicate")
        x, cond = h[:, : self.n_channels], h[:, self.n_channels:]
        emb = self.time_mlp(timestep_embedding(t, self.base_channels))
        h = torch.cat([self.x_stem(x) + self.x_time(emb)[:, :, None], self.cond_stem(cond)],
                      dim=1)
        skips = []
        for level, block in enumerate(self.down_blocks):
            h = block(h, emb)
            skips.append(h)
            if level < _DEPTH:
                h = F.max_pool1d(h, 2)
        h = self.mid(h, emb)
        for i, block in enumerate(self.up_blocks):
            h = block(torch.cat([h, skips.pop()], dim=1), emb)
            if i < _DEPTH:
                h = self.upsamples[i](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.out(F.silu(h))
        return h[..., :n_timesteps]
