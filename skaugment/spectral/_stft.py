"""Batched STFT magnitude and its Griffin-Lim inverse."""

import numpy as np

__all__ = ["SCALES", "stft_magnitude", "get_stft_window", "n_stft_frames", "griffin_lim"]

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


def apply_scale(M, scale):
    if scale == "magnitude":
        return M
    if scale == "power":
        return np.square(M, out=M)
    if scale == "log1p":
        return np.log1p(M, out=M)
    raise ValueError(f"scale must be one of {list(SCALES)}; got {scale!r}.")


def invert_scale(S, scale):
    if scale == "magnitude":
        return S
    if scale == "power":
        return np.sqrt(np.maximum(S, 0.0))
    if scale == "log1p":
        return np.expm1(np.maximum(S, 0.0))
    raise ValueError(f"scale must be one of {list(SCALES)}; got {scale!r}.")


def stft_magnitude(X, n_fft, hop_length=None, window="hann", center=False, scale="magnitude"):
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
    from ..utils import check_time_series

    n_fft, hop_length = _check_fft_params(n_fft, hop_length)
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {list(SCALES)}; got {scale!r}.")
    X = check_time_series(X, min_timesteps=1 if center else n_fft)
    w = get_stft_window(window, n_fft)
    return _stft_magnitude(X, n_fft, hop_length, w, center, scale)


def _check_fft_params(n_fft, hop_length):
    import numbers

    if isinstance(n_fft, bool) or not isinstance(n_fft, numbers.Integral) or n_fft < 1:
        raise ValueError(f"n_fft must be a positive int; got {n_fft!r}.")
    if hop_length is None:
        hop_length = max(1, int(n_fft) // 4)
    if isinstance(hop_length, bool) or not isinstance(hop_length, numbers.Integral) or hop_length < 1:
        raise ValueError(f"hop_length must be a positive int; got {hop_length!r}.")
    return int(n_fft), int(hop_length)


def _stft_magnitude(X, n_fft, hop_length, w, center, scale):
    """Validated ``X`` (n, c, t) float and window ``w`` -> (n, c, F, T) float32."""
    # float32 frames: the FFT of short frames is accurate to ~1e-7 and twice as fast
    frames = _frames(np.asarray(X, dtype=np.float32), n_fft, hop_length, center)
    wn = (w / w.sum()).astype(np.float32)
    spec = np.fft.rfft(frames * wn, axis=-1)  # (n, c, T, F)
    M = np.abs(spec).astype(np.float32, copy=False)
    M = apply_scale(M, scale)
    return np.ascontiguousarray(np.swapaxes(M, -1, -2))


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
    norm = np.zeros(out.shape[-1], dtype=np.float64)
    wsq = w * w
    for t in range(T):  # loop over frames (few), vectorised over the batch
        s = t * hop_length
        out[:, s : s + n_fft] += frames[:, t]
        norm[s : s + n_fft] += wsq
    out /= np.where(norm > 1e-10, norm, 1.0)
    return out[:, pad : pad + length]


def griffin_lim(M, n_fft, hop_length, w, center, length, n_iter=32, momentum=0.99, rng=None):
    """Griffin-Lim phase recovery (fast variant of Perraudin et al., 2013), batched.

    Parameters
    ----------
    M : ndarray of shape (m, F, T)
        Magnitudes under :func:`stft_magnitude`'s scaling.
    rng : numpy Generator
        Draws the initial phases.

    Returns
    -------
    x : ndarray of shape (m, length), float64
    """
    target = np.swapaxes(np.asarray(M, dtype=np.float64), -1, -2) * w.sum()  # (m, T, F)
    angles = np.exp(2j * np.pi * rng.random(target.shape))
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
