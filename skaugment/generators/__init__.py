"""Generators: of spectrograms conditioned on label and metrics (here), and of raw windows
(:mod:`skaugment.generators.windows`, re-exported here).

- :class:`ConditionalDiffusionSampler`: a learned diffusion model.
- :class:`ConditionalVAESampler`: a learned hierarchical VAE (NVAE-style), faster to
  train, less crisp; ``condition="label"`` is the cVAE baseline.
- :class:`ConditionalGANSampler`: the label-only cGAN baseline (DCGAN, WGAN-GP).
- :class:`SenseGenSampler` (windows): raw windows ``(n, c, t)`` from a
  label-conditioned LSTM and mixture density network (SenseGen).
- :class:`StatisticalDiffusionSampler` (windows): raw windows from a diffusion model
  guided by the statistical features of real windows (SF-DM).
- :class:`SpectrogramMetricEditSampler`: training-free, edits real spectrograms to requested
  metrics through five smooth knobs per channel.
- :func:`fit_edit_knobs`, :func:`edit_log_spectrogram`, :func:`edit_magnitude`: that
  knob edit as pure torch functions (also the diffusion model's metric guidance).
"""

from ._diffusion import ConditionalDiffusionSampler
from ._gan import ConditionalGANSampler
from ._vae import ConditionalVAESampler
from ._metric_edit import (
    MetricEditSampler,
    SpectrogramMetricEditSampler,
    edit_log_spectrogram,
    edit_magnitude,
    fit_edit_knobs,
)
from .windows import (
    SenseGenSampler,
    StatisticalDiffusionSampler,
    mixture_nll,
    sample_mixture,
    split_mixture_params,
)

__all__ = [
    "ConditionalDiffusionSampler",
    "ConditionalGANSampler",
    "ConditionalVAESampler",
    "MetricEditSampler",
    "SpectrogramMetricEditSampler",
    "SenseGenSampler",
    "StatisticalDiffusionSampler",
    "edit_log_spectrogram",
    "edit_magnitude",
    "fit_edit_knobs",
    "mixture_nll",
    "sample_mixture",
    "split_mixture_params",
    "windows",
]
