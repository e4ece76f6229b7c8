"""Conditional generators of spectrograms: ``p(spectrogram | label, metrics)``.

- :class:`ConditionalDiffusionSampler`: a learned diffusion model.
- :class:`ConditionalVAESampler`: a learned hierarchical VAE (NVAE-style), faster to
  train, less crisp; ``condition="label"`` is the cVAE baseline.
- :class:`ConditionalGANSampler`: the label-only cGAN baseline (DCGAN, WGAN-GP).
- :class:`SenseGenSampler`: raw windows ``(n, c, t)`` from a label-conditioned LSTM
  and mixture density network (SenseGen).
- :class:`StatisticalDiffusionSampler`: raw windows from a diffusion model guided by the
  statistical features of real windows (SF-DM).
- :class:`MetricEditSampler`: training-free, edits real spectrograms to requested
  metrics through five smooth knobs per channel.
- :func:`fit_edit_knobs`, :func:`edit_log_spectrogram`, :func:`edit_magnitude`: that
  knob edit as pure torch functions (also the diffusion model's metric guidance).
"""

from ._diffusion import ConditionalDiffusionSampler
from ._gan import ConditionalGANSampler
from ._vae import ConditionalVAESampler
from ._metric_edit import MetricEditSampler, edit_log_spectrogram, edit_magnitude, fit_edit_knobs
from ._mdn import mixture_nll, sample_mixture, split_mixture_params
from ._sensegen import SenseGenSampler
from ._sfdm import StatisticalDiffusionSampler

__all__ = [
    "ConditionalDiffusionSampler",
    "ConditionalGANSampler",
    "ConditionalVAESampler",
    "MetricEditSampler",
    "SenseGenSampler",
    "StatisticalDiffusionSampler",
    "edit_log_spectrogram",
    "edit_magnitude",
    "fit_edit_knobs",
    "mixture_nll",
    "sample_mixture",
    "split_mixture_params",
]
