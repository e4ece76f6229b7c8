"""Synthetic IMU-like signals with a known spectral signature per class."""

import numbers
from collections.abc import Sequence

import numpy as np

from ..utils._validation import check_rng

__all__ = ["make_synthetic_imu"]


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return int(value)


def _check_real(value, name, low, low_inclusive=True):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}.")
    if not np.isfinite(value) or value < low or (value == low and not low_inclusive):
        bound = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be finite and {bound} {low}; got {value}.")
    return float(value)


def _per_class(value, name, n_classes):
    values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if values.ndim != 1 or values.size not in (1, n_classes):
        raise ValueError(
            f"{name} must be a scalar or a sequence of one value per class "
            f"({n_classes}); got shape {np.shape(value)}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    return np.broadcast_to(values, (n_classes,)).copy()


def make_synthetic_imu(
    n_samples: int = 120,
    n_channels: int = 3,
    n_timesteps: int = 128,
    n_classes: int = 3,
    fs: float = 50.0,
    f0: float | Sequence[float] | None = None,
    n_harmonics: int = 2,
    harmonic_decay: float = 0.5,
    amplitude: float | Sequence[float] = 1.0,
    noise: float = 0.1,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate periodic multichannel signals whose fundamental frequency encodes the class.

    Each sample of class ``k`` is, on every channel,
    ``amplitude[k] * sum_h harmonic_decay**h * sin(2 pi (h + 1) f0[k] t + phase)``
    for ``h = 0 .. n_harmonics - 1``, with one random phase per sample, channel and
    harmonic, plus Gaussian noise of standard deviation ``noise``. Harmonics at or
    above the Nyquist frequency ``fs / 2`` are left out rather than aliased.

    Parameters
    ----------
    n_samples : int, default=120
        Number of signals; classes are balanced (counts differ by at most one).
    n_channels : int, default=3
    n_timesteps : int, default=128
    n_classes : int, default=3
    fs : float, default=50.0
        Sampling rate in Hz.
    f0 : float or sequence of float, default=None
        Fundamental frequency of each class in Hz, in ``(0, fs / 2)``. ``None``
        spreads them evenly over 1..5 Hz (gait-like rates).
    n_harmonics : int, default=2
        Number of sinusoids (the fundamental counts as the first).
    harmonic_decay : float, default=0.5
        Amplitude ratio between consecutive harmonics, in ``[0, 1]``.
    amplitude : float or sequence of float, default=1.0
        Amplitude of the fundamental, one value or one per class.
    noise : float, default=0.1
        Standard deviation of the additive Gaussian noise.
    random_state : int, RandomState instance or None, default=None
        Controls labels order, phases and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, n_timesteps), float32
    y : ndarray of shape (n_samples,), int
        Class indices ``0 .. n_classes - 1``, in shuffled order.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.datasets import make_synthetic_imu
    >>> X, y = make_synthetic_imu(n_samples=6, n_classes=3, random_state=0)
    >>> X.shape, X.dtype, np.bincount(y).tolist()
    ((6, 3, 128), dtype('float32'), [2, 2, 2])
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_channels = _check_int(n_channels, "n_channels", 1)
    n_timesteps = _check_int(n_timesteps, "n_timesteps", 1)
    n_classes = _check_int(n_classes, "n_classes", 1)
    n_harmonics = _check_int(n_harmonics, "n_harmonics", 1)
    fs = _check_real(fs, "fs", 0.0, low_inclusive=False)
    noise = _check_real(noise, "noise", 0.0)
    harmonic_decay = _check_real(harmonic_decay, "harmonic_decay", 0.0)
    if harmonic_decay > 1:
        raise ValueError(f"harmonic_decay must be in [0, 1]; got {harmonic_decay}.")
    if n_samples < n_classes:
        raise ValueError(
            f"n_samples ({n_samples}) must be >= n_classes ({n_classes}) so every "
            "class has a sample."
        )
    f0 = _per_class(np.linspace(1.0, 5.0, n_classes) if f0 is None else f0, "f0", n_classes)
    if np.any(f0 <= 0) or np.any(f0 >= fs / 2):
        raise ValueError(f"f0 must lie in (0, fs / 2) = (0, {fs / 2}); got {f0.tolist()}.")
    amplitude = _per_class(amplitude, "amplitude", n_classes)

    rng = check_rng(random_state)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    phases = rng.uniform(0.0, 2 * np.pi, size=(n_samples, n_channels, n_harmonics))
    t = np.arange(n_timesteps) / fs

    orders = np.arange(1, n_harmonics + 1)
    freqs = f0[y][:, None] * orders  # (n, H)
    weights = amplitude[y][:, None] * harmonic_decay ** (orders - 1) * (freqs < fs / 2)
    # (n, c, H, T) summed over harmonics; H is small, so the product stays cheap
    argument = 2 * np.pi * freqs[:, None, :, None] * t + phases[..., None]
    X = np.einsum("nh,ncht->nct", weights, np.sin(argument))
    X += noise * rng.standard_normal(X.shape)
    return X.astype(np.float32), y
