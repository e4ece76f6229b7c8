"""The networks of the conditional GAN baseline and its gradient penalty.

A DCGAN pair (Radford et al., 2016, "Unsupervised representation learning with
deep convolutional generative adversarial networks") sized for small
spectrograms, trained as a Wasserstein GAN with gradient penalty (Gulrajani et
al., 2017, "Improved training of Wasserstein GANs"):

- :class:`ConditionalGenerator`: latent ``z`` and the label one-hot -> linear ->
  a ``4w x F/4 x T/4`` map -> two stride-2 transposed convolutions with batch
  norm and ReLU -> a 3x3 convolution -> ``tanh``, scaled into the training range
  of the log magnitude of each (channel, frequency) row.
- :class:`ProjectionCritic`: convolutions with LeakyReLU and no batch norm (the
  penalty is per sample, which batch statistics would break), the label entering
  by projection (Miyato & Koyama, 2018, "cGANs with projection discriminator").

Any ``F x T`` works: both networks work on a size padded up to a multiple of 4
(two halvings) and the generator crops its output back.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ConditionalGenerator", "ProjectionCritic", "gradient_penalty"]

_DEPTH = 2  # stride-2 stages; sizes are padded to a multiple of 2**_DEPTH


def _padded(size):
    return size + (-size) % 2**_DEPTH


class ConditionalGenerator(nn.Module):
    """DCGAN generator of log-magnitude spectrograms, conditioned on the label.

    Parameters
    ----------
    n_channels, n_freqs, n_frames : int
        Output shape (all channels from one network).
    n_classes : int
    latent_dim : int
        Length of ``z``.
    base_channels : int
        Width ``w`` at full resolution; the coarser maps have ``2w`` and ``4w``.
    log_lo, log_hi : torch.Tensor of shape (n_channels, n_freqs)
        Training range of ``log(S + log_offset)`` per (channel, frequency) row;
        the output lies strictly inside it.
    """

    def __init__(self, n_channels, n_freqs, n_frames, n_classes, latent_dim, base_channels,
                 log_lo, log_hi):
        super().__init__()
        self.n_freqs, self.n_frames, self.n_classes = n_freqs, n_frames, n_classes
        w = base_channels
        self.f0, self.t0 = _padded(n_freqs) // 2**_DEPTH, _padded(n_frames) // 2**_DEPTH
        self.project = nn.Linear(latent_dim + n_classes, 4 * w * self.f0 * self.t0)
        self.body = nn.Sequential(
            nn.BatchNorm2d(4 * w), nn.ReLU(),
            nn.ConvTranspose2d(4 * w, 2 * w, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, n_channels, 3, padding=1),
        )
        log_lo = torch.as_tensor(log_lo, dtype=torch.float32)[..., None]
        log_hi = torch.as_tensor(log_hi, dtype=torch.float32)[..., None]
        self.register_buffer("center", (log_hi + log_lo) / 2)
        self.register_buffer("radius", (log_hi - log_lo) / 2)

    def forward(self, z, labels):
        """``z`` (n, latent_dim), ``labels`` (n,) long -> log magnitude (n, c, F, T)."""
        h = self.project(torch.cat([z, F.one_hot(labels, self.n_classes).to(z.dtype)], dim=1))
        h = self.body(h.view(h.shape[0], -1, self.f0, self.t0))
        h = h[:, :, : self.n_freqs, : self.n_frames]
        # tanh rather than a clamp: a clamped output passes no gradient once it leaves
        # the range, so the generator could not come back from there
        return self.center + self.radius * torch.tanh(h)


class ProjectionCritic(nn.Module):
    """WGAN critic with a projection label term: ``psi(phi(x)) + <embed(y), phi(x)>``.

    ``phi`` flattens the coarsest feature map instead of pooling it: where a
    feature sits on the frequency axis matters in a spectrogram.

    Parameters
    ----------
    n_channels, n_freqs, n_frames : int
        Input shape.
    n_classes : int
    base_channels : int
        Width ``w`` at full resolution; the coarser maps have ``2w`` and ``4w``.
    """

    def __init__(self, n_channels, n_freqs, n_frames, n_classes, base_channels):
        super().__init__()
        w = base_channels
        self.pad_f, self.pad_t = _padded(n_freqs) - n_freqs, _padded(n_frames) - n_frames
        self.features = nn.Sequential(
            nn.Conv2d(n_channels, w, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        dim = 4 * w * (_padded(n_freqs) // 2**_DEPTH) * (_padded(n_frames) // 2**_DEPTH)
        self.linear = nn.Linear(dim, 1)
        self.embed = nn.Embedding(n_classes, dim)
        # zero: the critic starts unconditional and learns what each label adds
        nn.init.zeros_(self.embed.weight)

    def forward(self, x, labels):
        """``x`` (n, c, F, T) in model space, ``labels`` (n,) long -> scores (n,)."""
        phi = self.features(F.pad(x, (0, self.pad_t, 0, self.pad_f)))
        return self.linear(phi)[:, 0] + (self.embed(labels) * phi).sum(dim=1)


def gradient_penalty(critic, real, fake, labels, eps, weight=10.0):
    """WGAN-GP penalty ``weight * mean((||grad_x critic(x_hat, y)||_2 - 1)^2)``.

    ``x_hat = eps * real + (1 - eps) * fake``, one ``eps`` per sample
    (Gulrajani et al., 2017, Algorithm 1). The gradient is kept in the graph
    (``create_graph=True``) so that the penalty trains the critic.

    Parameters
    ----------
    critic : callable
        ``critic(x, labels) -> (n,)`` scores.
    real, fake : torch.Tensor of shape (n, ...)
        ``fake`` should be detached from the generator.
    labels : torch.Tensor of shape (n,), long
    eps : torch.Tensor of shape (n,)
        Interpolation weights, uniform on [0, 1] in training.
    weight : float, default=10.0
        The penalty coefficient lambda.

    Returns
    -------
    penalty : torch.Tensor, scalar
    """
    eps = eps.reshape((-1,) + (1,) * (real.ndim - 1)).to(real.dtype)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat, labels).sum(), x_hat, create_graph=True)
    norm = grad.flatten(1).norm(dim=1)
    return weight * ((norm - 1) ** 2).mean()
