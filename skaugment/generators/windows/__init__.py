"""Generators of raw windows ``(n, c, t)``: they sit before the STFT in a pipeline.

Their protocol (``docs/generators.md``; checked by
:func:`skaugment.utils.check_window_generator`): ``fit(X, y)``,
``sample(y, conditions=None, *, init=None, random_state=None)`` with ``uses_init``, and
``fit_resample(X, y)``.

- :class:`SenseGenSampler`: a label-conditioned LSTM and mixture density network
  (SenseGen); :func:`mixture_nll`, :func:`sample_mixture`, :func:`split_mixture_params`
  are its mixture functions.
- :class:`StatisticalDiffusionSampler`: a diffusion model guided by the statistical
  features of real windows (SF-DM).
"""

from ._mdn import mixture_nll, sample_mixture, split_mixture_params
from ._sensegen import SenseGenSampler
from ._sfdm import StatisticalDiffusionSampler

__all__ = [
    "SenseGenSampler",
    "StatisticalDiffusionSampler",
    "mixture_nll",
    "sample_mixture",
    "split_mixture_params",
]
