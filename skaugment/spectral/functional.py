"""Pure functions behind the spectral estimators: STFT magnitude and the five metrics.

The metrics are those of Wang et al., 2024, Appendix B, with the decisions of docs/metrics.md
where the paper is silent. ``S`` is always a batch of magnitude spectrograms of
shape ``(n_samples, n_channels, n_freqs, n_frames)``; for one channel's ``S`` with
``F`` bins and ``T`` frames:

``temporal_range``
    ``A(t) = mean_f S(f, t)``; ``max_t A - min_t A``.
``f0_amplitude``
    Harmonic product spectrum ``H(f, t) = prod_{d=1..D} S(d f, t)`` over the bins
    ``f = 0 .. (F-1)//D`` (those whose ``D`` harmonics all exist);
    ``f0(t) = argmax_f H(f, t)`` with the DC bin ``f = 0`` excluded by default (gravity
    would always win on accelerometers); the metric is ``mean_t S(f0(t), t)``.
    ``D`` is ``hps_factor``, one per channel. Ties go to the lowest bin.
``contrast``
    Mean of the values strictly above the 95% quantile minus the mean of the values
    strictly below the 5% quantile, over all ``F * T`` values, with numpy's default
    ("linear") quantile; if either set is empty (ties, e.g. a constant spectrogram)
    the contrast is the quantile gap ``q95 - q05``.
``flatness``
    ``exp(mean log(P + eps)) / (mean P + eps)`` with ``P = S ** 2`` over all values and
    ``eps = 1e-12``; 1 for a flat spectrogram, near 0 for a peaky one.
``entropy``
    ``p = S / sum S``; ``-sum p log2 p`` in bits with ``0 log 0 = 0``; 0 for a single
    non-zero value, ``log2(F T)`` for a uniform spectrogram (an all-zero one gets 0).
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..utils import check_spectrogram
from ._metrics import (
    METRIC_NAMES,
    _check_hps_factor,
    _check_metrics,
    exact_dtype,
    hps_f0_bins_np,
    spectral_metrics_numpy,
    spectral_metrics_torch_core,
)
from ._stft import SCALES, stft_magnitude

if TYPE_CHECKING:
    import torch

__all__ = [
    "METRIC_NAMES",
    "SCALES",
    "fundamental_bins",
    "spectral_metrics",
    "spectral_metrics_torch",
    "stft_magnitude",
]

def spectral_metrics(
    S: ArrayLike,
    hps_factor: int | Sequence[int] = 2,
    metrics: Sequence[str] | None = None,
    exclude_dc: bool = True,
) -> np.ndarray:
    """The five spectral metrics of Wang et al., 2024, per sample and channel (numpy).

    Vectorised over samples and channels: the harmonic product is built for all bins
    at once (one pass per distinct ``hps_factor``), then the argmax per frame is
    gathered.

    Parameters
    ----------
    S : array-like of shape (n_samples, n_channels, n_freqs, n_frames)
        Magnitude spectrograms (non-negative; log-scaled input is rejected).
    hps_factor : int or sequence of int, default=2
        Number of harmonics ``D`` in the harmonic product spectrum; one int for every
        channel or one per channel.
    metrics : sequence of str, default=None
        Subset of :data:`METRIC_NAMES`, returned in the order given; ``None`` is all
        five in the order of :data:`METRIC_NAMES`.
    exclude_dc : bool, default=True
        Exclude the DC bin from the HPS argmax.

    Returns
    -------
    values : ndarray of shape (n_samples, n_channels, n_metrics), float64

    Examples
    --------
    >>> import numpy as np
    >>> S = np.ones((1, 1, 4, 3))
    >>> S[0, 0, 2, :] = 5.0  # a steady tone in bin 2
    >>> np.round(spectral_metrics(S, hps_factor=1), 3)
    array([[[0.   , 5.   , 4.   , 0.319, 3.134]]])
    """
    names = _check_metrics(metrics)
    S = check_spectrogram(S, dtype=np.float64)
    factors = _check_hps_factor(hps_factor, S.shape[1], S.shape[2], exclude_dc)
    return spectral_metrics_numpy(S, factors, names, bool(exclude_dc))


def spectral_metrics_torch(
    S: "torch.Tensor",
    hps_factor: int | Sequence[int] = 2,
    metrics: Sequence[str] | None = None,
    exclude_dc: bool = True,
) -> "torch.Tensor":
    """Differentiable torch twin of :func:`spectral_metrics`.

    Same definitions, computed internally in float64 (so the result agrees with the
    numpy implementation to about 1e-7 relative whatever the input dtype, and small
    differences such as a temporal range of a nearly stationary signal do not cancel
    in float32; Apple's MPS has no float64 and computes in float32), and returned in
    the input's dtype. Gradients flow to ``S`` through
    every metric; the HPS argmax ``f0(t)`` is an index (no gradient of its own) but
    the gathered ``S(f0(t), t)`` carries one. The quantile thresholds of ``contrast``
    are interpolated from sorted values like numpy's linear quantile; set membership
    is a hard (gradient-free) choice. Input is not validated beyond its shape: this
    runs inside training loops.

    Parameters
    ----------
    S : torch.Tensor of shape (n_samples, n_channels, n_freqs, n_frames)
        Non-negative magnitude spectrograms (float32 or float64, any device).
    hps_factor : int or sequence of int, default=2
    metrics : sequence of str, default=None
    exclude_dc : bool, default=True

    Returns
    -------
    values : torch.Tensor of shape (n_samples, n_channels, n_metrics), dtype of ``S``

    Examples
    --------
    >>> import torch
    >>> S = torch.ones(1, 1, 4, 3, requires_grad=True)
    >>> m = spectral_metrics_torch(S, hps_factor=1, metrics=["entropy"])
    >>> round(m.item(), 4)  # log2(12)
    3.585
    >>> m.sum().backward(); bool(torch.isfinite(S.grad).all())
    True
    """
    import torch

    names = _check_metrics(metrics)
    if not isinstance(S, torch.Tensor):
        raise TypeError(f"S must be a torch.Tensor; got {type(S).__name__}.")
    if S.ndim != 4:
        raise ValueError(
            "S must be 4-D (n_samples, n_channels, n_freqs, n_frames); got "
            f"{S.ndim}-D tensor of shape {tuple(S.shape)}."
        )
    if not S.is_floating_point():
        S = S.to(torch.float32)
    factors = _check_hps_factor(hps_factor, S.shape[1], S.shape[2], exclude_dc)
    out = spectral_metrics_torch_core(S.to(exact_dtype(S.device)), factors, names,
                                      bool(exclude_dc))
    return out.to(S.dtype)


def fundamental_bins(
    S: ArrayLike, hps_factor: int | Sequence[int] = 2, exclude_dc: bool = True
) -> np.ndarray:
    """The HPS fundamental-frequency bin ``f0(t)`` behind ``f0_amplitude``.

    Parameters
    ----------
    S : array-like of shape (n_samples, n_channels, n_freqs, n_frames)
        Magnitude spectrograms.
    hps_factor : int or sequence of int, default=2
    exclude_dc : bool, default=True

    Returns
    -------
    f0 : ndarray of shape (n_samples, n_channels, n_frames), int
        Bin index per frame; multiply by ``fs / n_fft`` for Hz.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((1, 1, 9, 2))
    >>> S[0, 0, [2, 4, 6], :] = [[1.0], [0.8], [0.6]]  # harmonics of bin 2
    >>> S[0, 0, 5, :] = 1.5  # louder, but with no harmonics
    >>> fundamental_bins(S, hps_factor=1)[0, 0], fundamental_bins(S, hps_factor=3)[0, 0]
    (array([5, 5]), array([2, 2]))
    """
    S = check_spectrogram(S, dtype=np.float64)
    factors = _check_hps_factor(hps_factor, S.shape[1], S.shape[2], exclude_dc)
    return hps_f0_bins_np(S, factors, bool(exclude_dc))
