"""The diffusion model's input scalings: spectrograms to model space, metrics to features.

Both are learned at fit and kept by :class:`~skaugment.generators.ConditionalDiffusionSampler`
as fitted attributes (``log_offset_``, ``x_mean_``, ``x_level_std_``, ``x_resid_std_``;
``cond_scale_``, ``cond_mean_``, ``cond_std_``), from which the estimator rebuilds
these objects. Each map has a numpy form, for the input tables, and a differentiable
torch form, for what the network produces; they compute the same values but are not
bit-identical (numpy and torch reduce in different orders), so each is used
where it always was.
"""

from dataclasses import dataclass

import numpy as np
import torch

from ._metric_edit import condition_scale, log_offset

__all__ = ["ConditionScaling", "FittedScalingsMixin", "SpectrogramScaling", "clamp"]


@dataclass(frozen=True, eq=False)
class SpectrogramScaling:
    """Magnitude spectrograms <-> the denoiser's standardised log space.

    Magnitudes go to ``log(S + log_offset)``; then each (channel, frequency) row
    is split in two parts. The row's time average is standardised by its spread
    across samples and the deviation from it by its spread within samples. Both
    become unit-scale, so the denoiser is as precise about within-window changes
    (which drive e.g. the temporal range of a gravity-dominated DC bin) as about
    the level. The map is linear in the log magnitude and invertible.

    Parameters
    ----------
    log_offset : ndarray of shape (n_channels,), float32
        Per-channel offset of the log.
    mean : ndarray of shape (n_channels, n_freqs), float32
        Mean over samples of each row's time-averaged log magnitude.
    level_std : ndarray of shape (n_channels, n_freqs), float32
        Spread over samples of that time average.
    resid_std : ndarray of shape (n_channels, n_freqs), float32
        Root mean square of each row's deviation from its time average.
    """

    log_offset: np.ndarray
    mean: np.ndarray
    level_std: np.ndarray
    resid_std: np.ndarray

    @classmethod
    def fit(cls, S):
        """Learn the scaling of magnitude spectrograms ``S``.

        Parameters
        ----------
        S : ndarray of shape (n_samples, n_channels, n_freqs, n_frames), float32

        Returns
        -------
        scaling : SpectrogramScaling
        """
        offset = log_offset(S)
        x = np.log(S + offset[:, None, None])
        level = x.mean(axis=3)
        resid = x - level[..., None]
        # the floors keep constant rows (e.g. an always-silent bin) finite
        return cls(
            log_offset=offset,
            mean=level.mean(axis=0).astype(np.float32),
            level_std=(level.std(axis=0) + 1e-3).astype(np.float32),
            resid_std=(np.sqrt((resid**2).mean(axis=(0, 3))) + 1e-2).astype(np.float32),
        )

    def to_model_space(self, S):
        """Magnitude spectrograms -> model space (numpy).

        Parameters
        ----------
        S : ndarray of shape (n_samples, n_channels, n_freqs, n_frames)

        Returns
        -------
        z : ndarray of the same shape, float32
        """
        x = np.log(S + self.log_offset[:, None, None])
        level = x.mean(axis=3, keepdims=True)
        z = (level - self.mean[..., None]) / self.level_std[..., None]
        z = z + (x - level) / self.resid_std[..., None]
        return z.astype(np.float32)

    def _torch_stats(self, device):
        return (torch.as_tensor(a[..., None], device=device)
                for a in (self.mean, self.level_std, self.resid_std))

    def log_to_model_torch(self, log_s):
        """Log magnitude (``log(S + log_offset)``) -> model space, differentiable.

        Parameters
        ----------
        log_s : torch.Tensor of shape (n, n_channels, n_freqs, n_frames)

        Returns
        -------
        z : torch.Tensor of the same shape
        """
        mean, level_std, resid_std = self._torch_stats(log_s.device)
        level = log_s.mean(dim=3, keepdim=True)
        return (level - mean) / level_std + (log_s - level) / resid_std

    def model_to_log_torch(self, z):
        """Model space -> log magnitude, the inverse of :meth:`log_to_model_torch`.

        Parameters
        ----------
        z : torch.Tensor of shape (n, n_channels, n_freqs, n_frames)

        Returns
        -------
        log_s : torch.Tensor of the same shape
        """
        mean, level_std, resid_std = self._torch_stats(z.device)
        z_level = z.mean(dim=3, keepdim=True)
        return mean + level_std * z_level + resid_std * (z - z_level)

    def model_to_magnitude_torch(self, z):
        """Model space -> magnitude, the inverse of :meth:`to_model_space`, differentiable.

        Parameters
        ----------
        z : torch.Tensor of shape (n, n_channels, n_freqs, n_frames)

        Returns
        -------
        S : torch.Tensor of the same shape, non-negative
        """
        offset = torch.as_tensor(self.log_offset[:, None, None], device=z.device)
        return (torch.exp(self.model_to_log_torch(z)) - offset).clamp_min(0.0)


@dataclass(frozen=True, eq=False)
class ConditionScaling:
    """Metric table -> standardised ``asinh`` features (the network's metric input).

    ``asinh(m / scale)`` is log-like for large values and defined for any sign;
    standardising it makes every metric count alike, in the condition vector as
    in the metric loss.

    Parameters
    ----------
    scale : ndarray of shape (n_conditions,), float64
        Per-column scale inside the ``asinh`` (:func:`condition_scale`).
    mean, std : ndarray of shape (n_conditions,), float64
        Mean and spread of the ``asinh``-scaled training conditions; ``inf`` spread
        for a column constant at fit, whose feature is then always 0.
    """

    scale: np.ndarray
    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, conditions):
        """Learn the scaling of a metric table.

        Parameters
        ----------
        conditions : ndarray of shape (n_samples, n_conditions), float64

        Returns
        -------
        scaling : ConditionScaling
        """
        scale = condition_scale(conditions)
        z = np.arcsinh(conditions / scale)
        std = z.std(axis=0)
        # a column constant at fit (e.g. a stuck channel) told the networks nothing: an
        # infinite spread makes its feature 0 whatever is requested, where a small floor
        # would turn a 10% request into an input of ~1e5 that every channel sees
        return cls(scale=scale, mean=z.mean(axis=0), std=np.where(std > 1e-6, std, np.inf))

    def features(self, conditions):
        """Standardised ``asinh`` features of a metric table (numpy).

        Parameters
        ----------
        conditions : ndarray of shape (n_samples, n_conditions)

        Returns
        -------
        features : ndarray of shape (n_samples, n_conditions), float32
        """
        z = np.arcsinh(conditions / self.scale)
        return ((z - self.mean) / self.std).astype(np.float32)

    def features_torch(self, metrics):
        """Standardised ``asinh`` features of metrics computed in torch, differentiable.

        Parameters
        ----------
        metrics : torch.Tensor of shape (n, n_conditions), float32

        Returns
        -------
        features : torch.Tensor of shape (n, n_conditions), float32
        """
        scale, mean, std = (torch.as_tensor(a, dtype=torch.float32, device=metrics.device)
                            for a in (self.scale, self.mean, self.std))
        return (torch.asinh(metrics / scale) - mean) / std


def clamp(x, lo, hi):
    """``x`` clamped elementwise to the tensors ``lo`` and ``hi`` (the training range)."""
    return torch.minimum(torch.maximum(x, lo), hi)


class FittedScalingsMixin:
    """The scalings of a learned generator, kept as fitted attributes.

    ``log_offset_``, ``x_mean_``, ``x_level_std_``, ``x_resid_std_`` (spectrograms) and
    ``cond_scale_``, ``cond_mean_``, ``cond_std_`` (metrics) show and pickle like any
    fitted attribute; these methods learn them and rebuild the scaling objects.
    """

    def _fit_spectrogram_scaling(self, S):
        scaling = SpectrogramScaling.fit(S)
        self.log_offset_ = scaling.log_offset
        self.x_mean_ = scaling.mean
        self.x_level_std_ = scaling.level_std
        self.x_resid_std_ = scaling.resid_std
        return scaling

    def _spectrogram_scaling(self):
        return SpectrogramScaling(self.log_offset_, self.x_mean_, self.x_level_std_,
                                  self.x_resid_std_)

    def _fit_condition_scaling(self, conditions):
        scaling = ConditionScaling.fit(conditions)
        self.cond_scale_ = scaling.scale
        self.cond_mean_ = scaling.mean
        self.cond_std_ = scaling.std
        return scaling

    def _condition_scaling(self):
        return ConditionScaling(self.cond_scale_, self.cond_mean_, self.cond_std_)
