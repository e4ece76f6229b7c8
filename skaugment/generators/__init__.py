"""Conditional generators of spectrograms: ``p(spectrogram | label, metrics)``."""

from ._diffusion import ConditionalDiffusionSampler

__all__ = ["ConditionalDiffusionSampler"]
