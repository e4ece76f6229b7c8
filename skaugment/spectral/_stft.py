"""Batched STFT (magnitude and complex), its exact inverse and the Griffin-Lim inverse."""

from __future__ import annotations

import numbers
from numbers import Integral, Real
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils._validation import check_rng
from ..base import TimeSeriesTagsMixin
from ..utils import check_spectrogram, check_time_series
from ..utils._docstring import Substitution, _random_state_docstring

__all__ = [
    "SCALES",
    "SpectrogramTransformer",
    "stft_magnitude",
    "stft",
    "istft",
    "stft_coverage",
    "griffin_lim",
]

SCALES = ("magnitude", "power", "log1p")


def get_stft_window(window, n_fft):
    """A periodic ("DFT-even") window of length ``n_fft``, like ``scipy.signal.stft``.

    ``window`` is a scipy window name or tuple (``"hann"``, ``("kaiser", 8.0)``) or
    an array of length ``n_fft``.
    """
    if isinstance(window, (str, tuple)):
        from scipy.signal import get_window

        try:
            w = get_window(window, n_fft, fftbins=True)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"unknown or invalid window {window!r}: {exc}") from exc
    else:
        w = np.asarray(window, dtype=np.float64)
        if w.shape != (n_fft,):
            raise ValueError(
                f"a window array must have shape ({n_fft},) (n_fft); got {w.shape}."
            )
    w = np.asarray(w, dtype=np.float64)
    if not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError("the window must be finite with a positive sum.")
    return w


def n_stft_frames(n_timesteps, n_fft, hop_length, center):
    if center:
        return 1 + n_timesteps // hop_length
    return 1 + (n_timesteps - n_fft) // hop_length


def _frames(X, n_fft, hop_length, center):
    """Strided view ``(n, c, T, n_fft)`` of the frames (no copy unless padded)."""
    if center:
        pad = n_fft // 2
        mode = "reflect" if X.shape[-1] > pad else "constant"
        X = np.pad(X, [(0, 0), (0, 0), (pad, pad)], mode=mode)
    view = np.lib.stride_tricks.sliding_window_view(X, n_fft, axis=-1)
    return view[:, :, ::hop_length]


def invert_scale(S, scale):
    if scale == "magnitude":
        return S
    if scale == "power":
        return np.sqrt(np.maximum(S, 0.0))
    if scale == "log1p":
        return np.expm1(np.maximum(S, 0.0))
    raise ValueError(f"scale must be one of {list(SCALES)}; got {scale!r}.")


def stft_magnitude(
    X: ArrayLike,
    n_fft: int,
    hop_length: int | None = None,
    window: str | tuple | ArrayLike = "hann",
    center: bool = False,
    scale: Literal["magnitude", "power", "log1p"] = "magnitude",
) -> np.ndarray:
    """Magnitude STFT of a batch of multichannel signals, vectorised over both.

    ``S[i, c, f, t] = |sum_m x[i, c, t*hop + m] w[m] exp(-2j pi f m / n_fft)| / sum(w)``
    for ``f = 0 .. n_fft//2`` (one-sided, not doubled): the scaling of
    ``scipy.signal.stft`` (``scaling="spectrum"``), under which a sinusoid of amplitude
    ``a`` centred on a bin has magnitude ``a / 2`` there and a constant ``a`` has ``a``
    in the DC bin, whatever the window. ``w`` is the periodic window of
    :func:`scipy.signal.get_window`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
        A 2-D ``X`` is one channel.
    n_fft : int
        Frame length (samples).
    hop_length : int, default=None
        Step between frames; ``None`` is ``n_fft // 4``.
    window : str, tuple or array of shape (n_fft,), default="hann"
        Any :func:`scipy.signal.get_window` name.
    center : bool, default=False
        Pad ``n_fft // 2`` samples on both sides (reflect) so that frame ``t`` is
        centred on sample ``t * hop_length``.
    scale : {"magnitude", "power", "log1p"}, default="magnitude"
        Return ``|STFT|``, ``|STFT| ** 2`` or ``log(1 + |STFT|)``.

    Returns
    -------
    S : ndarray of shape (n_samples, n_channels, n_fft // 2 + 1, n_frames), float32
        ``n_frames = 1 + (n_timesteps - n_fft) // hop_length`` (``center=False``) or
        ``1 + n_timesteps // hop_length`` (``center=True``).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(128)
    >>> x = 2.0 * np.sin(2 * np.pi * 4 * t / 32)  # bin 4 of a 32-point frame
    >>> S = stft_magnitude(x[None, None, :], n_fft=32, hop_length=8)
    >>> S.shape
    (1, 1, 17, 13)
    >>> float(np.round(S[0, 0, 4, 0], 4))  # amplitude / 2
    1.0
    """
    n_fft, hop_length = _check_fft_params(n_fft, hop_length)
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {list(SCALES)}; got {scale!r}.")
    X = check_time_series(X, min_timesteps=1 if center else n_fft)
    w = get_stft_window(window, n_fft)
    return _stft_magnitude(X, n_fft, hop_length, w, center, scale)


def _check_fft_params(n_fft, hop_length):
    if isinstance(n_fft, bool) or not isinstance(n_fft, numbers.Integral) or n_fft < 1:
        raise ValueError(f"n_fft must be a positive int; got {n_fft!r}.")
    if hop_length is None:
        hop_length = max(1, int(n_fft) // 4)
    if isinstance(hop_length, bool) or not isinstance(hop_length, numbers.Integral) or hop_length < 1:
        raise ValueError(f"hop_length must be a positive int; got {hop_length!r}.")
    return int(n_fft), int(hop_length)


def _dft_matrix(w, n_fft):
    """Real ``(n_fft, 2F)`` matrix ``[w cos | -w sin] / sum(w)``: frames @ it = [Re | Im]."""
    F = n_fft // 2 + 1
    m = np.arange(n_fft)[:, np.newaxis]
    # exact integer phase index modulo n_fft keeps the angles small and accurate
    angle = 2 * np.pi * ((m * np.arange(F)[np.newaxis, :]) % n_fft) / n_fft
    wn = (w / w.sum())[:, np.newaxis]
    return np.concatenate([wn * np.cos(angle), -wn * np.sin(angle)], axis=1).astype(np.float32)


# samples per block: frames, products and magnitudes of a block stay in cache
_BLOCK = 256


def _stft_magnitude(X, n_fft, hop_length, w, center, scale):
    """Validated ``X`` (n, c, t) float and window ``w`` -> (n, c, F, T) float32.

    The DFT of short frames as one real matrix product (BLAS) is faster than a
    batched FFT for the frame lengths of sensor windows (n_fft <= a few hundred),
    and computing in float32 is accurate to ~1e-7 of the frame's energy.
    """
    X = np.asarray(X, dtype=np.float32)
    if center:
        pad = n_fft // 2
        mode = "reflect" if X.shape[-1] > pad else "constant"
        X = np.pad(X, [(0, 0), (0, 0), (pad, pad)], mode=mode)
    n, c, t = X.shape
    F = n_fft // 2 + 1
    T = 1 + (t - n_fft) // hop_length
    W = _dft_matrix(w, n_fft)
    out = np.empty((n, c, F, T), dtype=np.float32)
    out_tf = out.swapaxes(-1, -2)  # written frame-major, read frequency-major
    block = min(_BLOCK, n)
    frames_buf = np.empty((block, c, T, n_fft), dtype=np.float32)
    z_buf = np.empty((block, c, T, 2 * F), dtype=np.float32)
    p_buf = np.empty((block, c, T, F), dtype=np.float32)
    for start in range(0, n, block):
        m = min(block, n - start)
        view = np.lib.stride_tricks.sliding_window_view(X[start : start + m], n_fft, axis=-1)
        np.copyto(frames_buf[:m], view[:, :, ::hop_length])
        z = np.matmul(frames_buf[:m], W, out=z_buf[:m])
        np.square(z, out=z)
        power = np.add(z[..., :F], z[..., F:], out=p_buf[:m])
        dest = out_tf[start : start + m]
        if scale == "power":
            dest[...] = power
        elif scale == "magnitude":
            np.sqrt(power, out=dest)
        else:
            np.sqrt(power, out=power)
            np.log1p(power, out=dest)
    return out


# below this, the summed squared windows of the overlap-add count as no coverage at all
_WOLA_EPS = 1e-10


def _wola_norm(n_frames, n_fft, hop_length, w, size):
    """``sum_t w[n - t * hop]**2`` for ``n < size``: the overlap-add's normaliser."""
    norm = np.zeros(size, dtype=np.float64)
    wsq = w * w
    for t in range(n_frames):
        s = t * hop_length
        norm[s : s + n_fft] += wsq[: max(0, min(n_fft, size - s))]
    return norm


def _istft(spec, n_fft, hop_length, w, center, length):
    """Weighted overlap-add inverse of the (unnormalised-window) complex STFT.

    ``spec`` (m, T, F) holds the spectra of the windowed frames *times sum(w)*, i.e.
    the ``/ sum(w)`` normalisation already undone.
    """
    frames = np.fft.irfft(spec, n=n_fft, axis=-1) * w  # (m, T, n_fft)
    m, T, _ = frames.shape
    pad = n_fft // 2 if center else 0
    total = (T - 1) * hop_length + n_fft
    out = np.zeros((m, max(total, length + pad)), dtype=np.float64)
    for t in range(T):  # loop over frames (few), vectorised over the batch
        s = t * hop_length
        out[:, s : s + n_fft] += frames[:, t]
    norm = _wola_norm(T, n_fft, hop_length, w, out.shape[-1])
    out /= np.where(norm > _WOLA_EPS, norm, 1.0)
    return out[:, pad : pad + length]


def stft_coverage(
    n_timesteps: int,
    n_fft: int,
    hop_length: int | None = None,
    window: str | tuple | ArrayLike = "hann",
    center: bool = False,
) -> np.ndarray:
    """Which samples :func:`istft` can recover from the :func:`stft` of a signal.

    A sample is recovered when at least one analysis frame gives it a non-zero
    window weight. With ``center=False`` the samples after the last full frame are
    lost, and so is the first sample under a window that starts at 0 (the periodic
    Hann window). With ``center=True`` every sample is covered when
    ``hop_length <= n_fft // 2``.

    Parameters
    ----------
    n_timesteps : int
        Length of the analysed signal.
    n_fft, hop_length, window, center
        As in :func:`stft`.

    Returns
    -------
    covered : ndarray of shape (n_timesteps,), bool

    Examples
    --------
    >>> import numpy as np
    >>> covered = stft_coverage(42, n_fft=16, hop_length=4)  # 7 frames span 0..39
    >>> np.flatnonzero(~covered)  # w[0] = 0 for Hann, and no frame reaches 40, 41
    array([ 0, 40, 41])
    >>> bool(stft_coverage(40, n_fft=16, hop_length=4, center=True).all())
    True
    """
    n_fft, hop_length = _check_fft_params(n_fft, hop_length)
    if isinstance(n_timesteps, bool) or not isinstance(n_timesteps, numbers.Integral) or n_timesteps < 1:
        raise ValueError(f"n_timesteps must be a positive int; got {n_timesteps!r}.")
    w = get_stft_window(window, n_fft)
    pad = n_fft // 2 if center else 0
    n_frames = max(0, n_stft_frames(n_timesteps, n_fft, hop_length, center))
    norm = _wola_norm(n_frames, n_fft, hop_length, w, n_timesteps + 2 * pad)
    return norm[pad : pad + n_timesteps] > _WOLA_EPS


def stft(
    X: ArrayLike,
    n_fft: int,
    hop_length: int | None = None,
    window: str | tuple | ArrayLike = "hann",
    center: bool = False,
) -> np.ndarray:
    """Complex STFT of a batch of multichannel signals, on :func:`stft_magnitude`'s scale.

    ``Z[i, c, f, t] = sum_m x[i, c, t*hop + m] w[m] exp(-2j pi f m / n_fft) / sum(w)``
    for ``f = 0 .. n_fft//2``, so that ``np.abs(stft(X, ...))`` is
    ``stft_magnitude(X, ..., scale="magnitude")`` (same frames, same scaling), in
    double precision. :func:`istft` inverts it.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
        A 2-D ``X`` is one channel.
    n_fft : int
        Frame length (samples).
    hop_length : int, default=None
        Step between frames; ``None`` is ``n_fft // 4``.
    window : str, tuple or array of shape (n_fft,), default="hann"
        Any :func:`scipy.signal.get_window` name, sampled periodically.
    center : bool, default=False
        Pad ``n_fft // 2`` samples on both sides (reflect) so that frame ``t`` is
        centred on sample ``t * hop_length``.

    Returns
    -------
    Z : ndarray of shape (n_samples, n_channels, n_fft // 2 + 1, n_frames), complex128
        ``n_frames`` as in :func:`stft_magnitude`.

    See Also
    --------
    istft : The inverse.
    stft_magnitude : ``np.abs`` of this, in float32 and faster.

    Examples
    --------
    >>> import numpy as np
    >>> x = 2.0 * np.sin(2 * np.pi * 4 * np.arange(128) / 32)
    >>> Z = stft(x[None, None, :], n_fft=32, hop_length=8)
    >>> Z.shape, Z.dtype
    ((1, 1, 17, 13), dtype('complex128'))
    >>> float(np.round(np.abs(Z[0, 0, 4, 0]), 6))  # amplitude / 2
    1.0
    """
    n_fft, hop_length = _check_fft_params(n_fft, hop_length)
    X = check_time_series(X, min_timesteps=1 if center else n_fft, dtype=np.float64)
    w = get_stft_window(window, n_fft)
    frames = _frames(X, n_fft, hop_length, center)  # (n, c, T, n_fft), a view
    Z = np.fft.rfft(frames * (w / w.sum()), axis=-1)  # (n, c, T, F)
    return np.ascontiguousarray(Z.swapaxes(-1, -2))


def istft(
    Z: ArrayLike,
    n_fft: int,
    hop_length: int | None = None,
    window: str | tuple | ArrayLike = "hann",
    center: bool = False,
    length: int | None = None,
) -> np.ndarray:
    """Inverse of :func:`stft` by weighted overlap-add (Griffin and Lim, 1984).

    Each frame is brought back by an inverse real FFT (the imaginary parts of the
    DC and Nyquist bins are ignored), windowed again, and the frames are added and
    divided by the summed squared windows. For the STFT of a signal this gives the
    signal back exactly; for a modified STFT it gives the signal whose STFT is
    closest to it in the least-squares sense (Griffin and Lim, 1984, "Signal
    estimation from modified short-time Fourier transform").

    Only the samples some frame covers with a non-zero window come back (see
    :func:`stft_coverage`); the others are 0. With ``center=False`` that loses the
    samples after the last full frame, and the first sample under the periodic
    Hann window (``w[0] = 0``); with ``center=True`` and ``hop_length <= n_fft // 2``
    every sample round-trips.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_channels, n_fft // 2 + 1, n_frames)
        Complex STFT on :func:`stft`'s scale (a real array is read as complex).
    n_fft, hop_length, window, center
        As given to :func:`stft`.
    length : int, default=None
        Length of the output; give the analysed signal's length to get it back.
        ``None`` is ``(n_frames - 1) * hop_length + n_fft`` (``center=False``) or
        ``(n_frames - 1) * hop_length`` (``center=True``).

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, length), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((2, 3, 100))
    >>> Z = stft(X, n_fft=16, hop_length=4, center=True)
    >>> bool(np.allclose(istft(Z, 16, 4, center=True, length=100), X))
    True
    """
    n_fft, hop_length = _check_fft_params(n_fft, hop_length)
    if hasattr(Z, "detach"):  # a torch tensor
        Z = Z.detach().cpu().numpy()
    Z = np.asarray(Z)
    if not (np.issubdtype(Z.dtype, np.number) or Z.dtype == np.bool_):
        raise TypeError(f"Z must hold (complex) numbers; got an array of dtype {Z.dtype}.")
    Z = Z.astype(np.complex128, copy=False)
    F = n_fft // 2 + 1
    if Z.ndim != 4:
        raise ValueError(
            f"Z must be 4-D (n_samples, n_channels, n_freqs, n_frames); got {Z.ndim}-D "
            f"array of shape {Z.shape}."
        )
    if Z.shape[2] != F:
        raise ValueError(f"Z has {Z.shape[2]} frequency bins, but n_fft={n_fft} gives {F}.")
    if min(Z.shape) == 0:
        raise ValueError(f"Z has an empty axis (shape {Z.shape}).")
    if not np.isfinite(Z).all():
        raise ValueError("Z contains NaN or infinity.")
    n, c, _, T = Z.shape
    if length is None:
        length = (T - 1) * hop_length + (0 if center else n_fft)
    if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 1:
        raise ValueError(f"length must be a positive int or None; got {length!r}.")
    w = get_stft_window(window, n_fft)
    # _istft takes frame-major spectra of the windowed frames, i.e. without / sum(w)
    spec = Z.reshape(n * c, F, T).swapaxes(-1, -2) * w.sum()
    return _istft(spec, n_fft, hop_length, w, center, int(length)).reshape(n, c, int(length))


def griffin_lim(M, n_fft, hop_length, w, center, length, n_iter=32, momentum=0.99, rng=None):
    """Griffin-Lim phase recovery (fast variant of Perraudin et al., 2013), batched.

    Parameters
    ----------
    M : ndarray of shape (m, F, T)
        Magnitudes under :func:`stft_magnitude`'s scaling.
    rng : numpy RandomState
        Draws the initial phases.

    Returns
    -------
    x : ndarray of shape (m, length), float64
    """
    target = np.swapaxes(np.asarray(M, dtype=np.float64), -1, -2) * w.sum()  # (m, T, F)
    angles = np.exp(2j * np.pi * rng.random_sample(target.shape))
    # the DC bin of a real signal is real: a random sign per frame would start the
    # frames off inconsistent (an offset such as gravity flipping from frame to
    # frame), a local optimum Griffin-Lim rarely leaves; start every frame positive
    angles[..., 0] = 1.0
    prev = np.zeros_like(angles)
    for _ in range(n_iter):
        x = _istft(target * angles, n_fft, hop_length, w, center, length)
        xf = x[:, np.newaxis, :]
        frames = _frames(xf, n_fft, hop_length, center)[:, 0]
        rebuilt = np.fft.rfft(frames * w, axis=-1)
        if rebuilt.shape[1] < target.shape[1]:  # length too short for every frame
            rebuilt = np.pad(rebuilt, [(0, 0), (0, target.shape[1] - rebuilt.shape[1]), (0, 0)])
        rebuilt = rebuilt[:, : target.shape[1]]
        accel = rebuilt - (momentum / (1 + momentum)) * prev
        prev = rebuilt
        angles = accel / np.maximum(np.abs(accel), 1e-16)
    return _istft(target * angles, n_fft, hop_length, w, center, length)


# ----------------------------------------------------------------------------- estimator

@Substitution(random_state=_random_state_docstring)
class SpectrogramTransformer(TimeSeriesTagsMixin, TransformerMixin, BaseEstimator):
    """Magnitude STFT spectrograms of multichannel time series.

    ``(n_samples, n_channels, n_timesteps) -> (n_samples, n_channels, n_freqs,
    n_frames)``, vectorised over samples and channels (the DFT of all frames as one
    real matrix product). With ``w`` the periodic window of length ``n_fft``, the
    magnitude is

    ``S[i, c, f, t] = |sum_m x[i, c, t*hop_length + m] w[m] e^{-2j pi f m / n_fft}| / sum_m w[m]``

    for ``f = 0 .. n_fft // 2``: one-sided and not doubled, the scaling of
    ``scipy.signal.stft`` (``scaling="spectrum"``). Dividing by ``sum(w)`` makes
    values independent of the window and of ``n_fft``: a constant ``a`` gives ``a``
    in the DC bin, a sinusoid of amplitude ``a`` on a bin gives ``a / 2`` there.

    Parameters
    ----------
    n_fft : int, default=32
        Frame length in samples; ``n_freqs = n_fft // 2 + 1``.
    hop_length : int, default=8
        Step between frames; ``None`` is ``n_fft // 4``.
    window : str, tuple or array-like of shape (n_fft,), default="hann"
        A :func:`scipy.signal.get_window` name (``"hann"``, ``"hamming"``,
        ``("kaiser", 8.0)``, ...), sampled periodically (DFT-even), or the window itself.
    center : bool, default=False
        Reflect-pad ``n_fft // 2`` samples on both sides so that frame ``t`` is centred
        on sample ``t * hop_length``; otherwise frame ``t`` starts there.
    scale : {"magnitude", "power", "log1p"}, default="magnitude"
        ``S``, ``S ** 2`` or ``log(1 + S)``. The metrics and generators of skaugment
        expect ``"magnitude"``.
    fs : float, default=None
        Sampling rate in Hz, for ``frequencies_`` and ``times_``; ``None`` gives
        frequencies in cycles per sample and times in samples.
    n_iter : int, default=32
        Griffin-Lim iterations of :meth:`inverse_transform`.
    %(random_state)s
        Used only by :meth:`inverse_transform` (initial phases).

    Attributes
    ----------
    n_channels_ : int
    n_timesteps_ : int
    n_freqs_ : int
        ``n_fft // 2 + 1``.
    n_frames_ : int
        ``1 + (n_timesteps_ - n_fft) // hop_length`` (``center=False``) or
        ``1 + n_timesteps_ // hop_length`` (``center=True``).
    frequencies_ : ndarray of shape ``(n_freqs_,)``
        Bin frequencies: Hz if ``fs`` is given, else cycles per sample.
    times_ : ndarray of shape ``(n_frames_,)``
        Frame centres: seconds if ``fs`` is given, else samples.
    window_ : ndarray of shape (n_fft,)
    hop_length_ : int

    See Also
    --------
    skaugment.MetricExtractor : the five metrics of these spectrograms.
    skaugment.make_pipeline : gives the sensor layout to the steps that use it.

    Notes
    -----
    There is no ``modalities`` or ``channel_names`` parameter: every channel gets
    the same STFT, so this step has nothing to do with them. Give them to the
    steps that use them, or once to :func:`skaugment.make_pipeline`.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import SpectrogramTransformer
    >>> X = np.random.default_rng(0).standard_normal((4, 6, 128))
    >>> spec = SpectrogramTransformer(n_fft=32, hop_length=8, fs=50).fit(X)
    >>> spec.transform(X).shape
    (4, 6, 17, 13)
    >>> spec.frequencies_[:3]
    array([0.    , 1.5625, 3.125 ])
    """

    _parameter_constraints = {
        "n_fft": [Interval(Integral, 1, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left"), None],
        "window": [str, tuple, "array-like"],
        "center": ["boolean"],
        "scale": [StrOptions(set(SCALES))],
        "fs": [Interval(Real, 0, None, closed="neither"), None],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_fft: int = 32,
        hop_length: int | None = 8,
        window: str | tuple | ArrayLike = "hann",
        center: bool = False,
        scale: Literal["magnitude", "power", "log1p"] = "magnitude",
        fs: float | None = None,
        n_iter: int = 32,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.window = window
        self.center = center
        self.scale = scale
        self.fs = fs
        self.n_iter = n_iter
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # spectrograms are float32
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: None = None) -> SpectrogramTransformer:
        """Check ``X`` and record the spectrogram geometry.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
            A 2-D ``X`` is one channel. Must have at least ``n_fft`` timesteps unless
            ``center=True``.
        y : None
            Ignored.

        Returns
        -------
        self : SpectrogramTransformer
        """
        X = check_time_series(X, min_timesteps=1 if self.center else self.n_fft)
        self.hop_length_ = self.hop_length if self.hop_length is not None else max(1, self.n_fft // 4)
        self.window_ = get_stft_window(self.window, self.n_fft)
        _, self.n_channels_, self.n_timesteps_ = X.shape
        self.n_freqs_ = self.n_fft // 2 + 1
        self.n_frames_ = n_stft_frames(self.n_timesteps_, self.n_fft, self.hop_length_, self.center)
        unit = 1.0 if self.fs is None else float(self.fs)
        self.frequencies_ = np.arange(self.n_freqs_) * unit / self.n_fft
        starts = np.arange(self.n_frames_) * self.hop_length_
        centres = starts if self.center else starts + self.n_fft / 2
        self.times_ = centres / unit
        return self

    def _check_X(self, X):
        check_is_fitted(self)
        X = check_time_series(X, n_channels=self.n_channels_)
        if X.shape[-1] != self.n_timesteps_:
            raise ValueError(
                f"X has {X.shape[-1]} timesteps, but {self.n_timesteps_} were seen at fit."
            )
        return X

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Magnitude (or power / log1p) spectrograms of ``X``.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_channels_, n_timesteps_)`` or ``(n_samples, n_timesteps_)``

        Returns
        -------
        S : ndarray of shape ``(n_samples, n_channels_, n_freqs_, n_frames_)``, float32
        """
        X = self._check_X(X)
        return _stft_magnitude(X, self.n_fft, self.hop_length_, self.window_, self.center, self.scale)

    def inverse_transform(self, S: ArrayLike) -> np.ndarray:
        """Time series whose spectrograms approximate ``S`` (Griffin-Lim).

        The scale is undone first (``power``: square root, ``log1p``: ``expm1``), then
        the phases are recovered by ``n_iter`` iterations of fast Griffin-Lim
        (momentum 0.99) from uniform random phases drawn with ``random_state``,
        batched over samples and channels. Magnitudes only fix a signal up to its
        phase: expect the spectral content (dominant frequencies, band energies) back,
        not the waveform; a signal and its negation are indistinguishable.

        Parameters
        ----------
        S : array-like of shape ``(n_samples, n_channels_, n_freqs_, n_frames_)``
            Non-negative spectrograms on this transformer's ``scale``.

        Returns
        -------
        X : ndarray of shape ``(n_samples, n_channels_, n_timesteps_)``, float32
        """
        check_is_fitted(self)
        S = check_spectrogram(
            S, shape=(self.n_channels_, self.n_freqs_, self.n_frames_), dtype=np.float64
        )
        M = invert_scale(S, self.scale)
        n, c = M.shape[:2]
        rng = check_rng(self.random_state)
        x = griffin_lim(
            M.reshape(n * c, self.n_freqs_, self.n_frames_),
            self.n_fft,
            self.hop_length_,
            self.window_,
            self.center,
            self.n_timesteps_,
            n_iter=self.n_iter,
            rng=rng,
        )
        return x.reshape(n, c, self.n_timesteps_).astype(np.float32)
