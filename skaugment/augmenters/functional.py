"""Classic augmentations of raw sensor windows, as pure vectorised functions.

The time-domain transforms follow Um et al. (2017), "Data augmentation of wearable
sensor data for Parkinson's disease monitoring using convolutional neural
networks" (ICMI 2017): jitter, scaling, rotation, permutation, magnitude warping,
time warping and cropping, plus negation. The frequency-domain ones change the
STFT magnitude and resynthesise the window with the original phase. The EEG /
biosignal family follows Rommel et al. (2022), "Data augmentation for learning
predictive models on EEG: a systematic comparison" (J. Neural Eng. 19:066020), as
implemented in braindecode: Fourier-transform surrogate, smooth time mask, channel
dropout and shuffle, frequency shift, band-stop filter, Gaussian noise, sign flip
and time reversal; their defaults are that paper's motor-imagery magnitudes. The
ones that need the sampling frequency take it as the keyword-only ``fs`` (Hz).

Every function takes windows ``X`` of shape ``(n_samples, n_channels,
n_timesteps)``, never modifies it, and returns a new float64 array of the same
shape. Random ones take ``rng``: an int, a :class:`numpy.random.RandomState` or
``None`` (a fresh, unpredictable generator; the global numpy generator is never
used), so that the same seed gives the same output. Every draw is made for the
whole batch at once; no Python loop runs over samples.

:class:`~skaugment.augmenters.SignalTransformAugmenter` wraps them as an
imbalanced-learn sampler; the defaults of the keyword parameters here are its
defaults.
"""

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..spectral._stft import _check_fft_params, istft, stft, stft_coverage
from ..utils import check_time_series
from ..utils._validation import check_rng

__all__ = [
    "TIME_TRANSFORMS",
    "SPECTRAL_TRANSFORMS",
    "jitter",
    "scaling",
    "negation",
    "permutation",
    "time_warp",
    "magnitude_warp",
    "rotation",
    "crop",
    "frequency_mask",
    "frequency_perturb",
    "ft_surrogate",
    "smooth_time_mask",
    "channel_dropout",
    "channel_shuffle",
    "frequency_shift",
    "bandstop_filter",
    "gaussian_noise",
    "sign_flip",
    "time_reverse",
]

# -- validation helpers -----------------------------------------------------------------------


def _check_windows(X, min_timesteps=1):
    ndim = np.ndim(X)
    arr = check_time_series(X, min_timesteps=min_timesteps, dtype=np.float64)
    if ndim != 3:
        raise ValueError(
            f"X must be 3-D (n_samples, n_channels, n_timesteps); got a {ndim}-D array. "
            "For single-channel windows use X[:, np.newaxis, :]."
        )
    return arr


def _check_real(value, name, low=0.0, low_inclusive=True, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number; got {value!r}.")
    too_low = value < low if low_inclusive else value <= low
    if too_low or (high is not None and value > high):
        bounds = f"{'[' if low_inclusive else '('}{low}, {'inf)' if high is None else f'{high}]'}"
        raise ValueError(f"{name} must be in {bounds}; got {value!r}.")
    return float(value)


def _check_fs(fs, name):
    if fs is None:
        raise ValueError(
            f"{name} needs the sampling frequency fs (in Hz); got fs=None."
        )
    return _check_real(fs, "fs", low=0.0, low_inclusive=False)


def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}.")
    return int(value)


def _interp_time(X, positions):
    """``X`` (n, c, t) read at fractional time ``positions`` (n, t) in ``[0, t - 1]``.

    Linear interpolation, the same positions for every channel of a sample.
    """
    t = X.shape[-1]
    left = np.clip(np.floor(positions).astype(np.intp), 0, t - 2)
    frac = (positions - left)[:, np.newaxis, :]
    left = left[:, np.newaxis, :]
    x0 = np.take_along_axis(X, left, axis=-1)
    x1 = np.take_along_axis(X, left + 1, axis=-1)
    return x0 + frac * (x1 - x0)


def _knot_curves(n_curves, n_knots, t, sigma, rng, kind):
    """Smooth random curves around 1, ``(n_curves, t)``, through ``n_knots + 2`` knots.

    The knots sit evenly from the first to the last sample (both ends included, as in
    Um et al., 2017), their values are ``N(1, sigma)``.
    """
    from scipy.interpolate import CubicSpline, PchipInterpolator

    knots_x = np.linspace(0.0, t - 1.0, n_knots + 2)
    knots_y = rng.normal(1.0, sigma, size=(n_curves, n_knots + 2))
    if kind == "monotone":
        # PCHIP never overshoots the knot values, so positive knots give a positive
        # curve (a cubic spline could dip below zero between two small knots)
        knots_y = np.maximum(knots_y, _MIN_SPEED)
        interp = PchipInterpolator(knots_x, knots_y, axis=-1)
    else:
        interp = CubicSpline(knots_x, knots_y, axis=-1)
    return interp(np.arange(t, dtype=np.float64))


# smallest relative speed of time_warp: a non-positive speed would fold time back
_MIN_SPEED = 1e-2

# -- time domain ------------------------------------------------------------------------------


def jitter(
    X: ArrayLike,
    sigma: float = 0.05,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Add Gaussian noise whose standard deviation is ``sigma`` times each channel's.

    ``X'[i, c, :] = X[i, c, :] + sigma * std(X[i, c, :]) * N(0, 1)``, independently
    per sample, channel and timestep (Um et al., 2017, "jittering"). Relative to the
    channel's own spread, the same ``sigma`` suits accelerometer and gyroscope
    channels alike; a constant channel gets no noise.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    sigma : float, default=0.05
        Noise level relative to each sample-channel's standard deviation, >= 0.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.sin(np.linspace(0, 6, 50))[None, None, :]
    >>> X_new = jitter(X, sigma=0.1, rng=0)
    >>> X_new.shape, bool(np.abs(X_new - X).max() < 0.5)
    ((1, 1, 50), True)
    """
    X = _check_windows(X)
    sigma = _check_real(sigma, "sigma")
    rng = check_rng(rng)
    scale = sigma * X.std(axis=-1, keepdims=True)
    return X + scale * rng.standard_normal(X.shape)


def scaling(
    X: ArrayLike,
    sigma: float = 0.1,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Multiply each sample-channel by a random factor ``~ N(1, sigma)``.

    Changes the amplitude, never the shape over time (Um et al., 2017, "scaling").

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    sigma : float, default=0.1
        Standard deviation of the factor, >= 0.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.ones((2, 3, 10))
    >>> X_new = scaling(X, sigma=0.1, rng=0)
    >>> bool(np.ptp(X_new, axis=-1).max() == 0)  # constant over time
    True
    """
    X = _check_windows(X)
    sigma = _check_real(sigma, "sigma")
    rng = check_rng(rng)
    return X * rng.normal(1.0, sigma, size=X.shape[:2] + (1,))


def negation(X: ArrayLike) -> np.ndarray:
    """Flip the sign of every value.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> negation(np.array([[[1.0, -2.0]]]))
    array([[[-1.,  2.]]])
    """
    return np.negative(_check_windows(X))


def permutation(
    X: ArrayLike,
    n_segments: int = 4,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Cut the time axis into ``n_segments`` segments and shuffle them, per sample.

    Segment lengths differ by at most one sample (the first ``n_timesteps %
    n_segments`` segments get one more). Every channel of a sample gets the same new
    order, so the channels stay synchronised (Um et al., 2017, "permutation").

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    n_segments : int, default=4
        Between 1 (identity) and ``n_timesteps``.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> permutation(np.arange(6.0)[None, None, :], n_segments=3, rng=1)
    array([[[4., 5., 0., 1., 2., 3.]]])
    """
    X = _check_windows(X)
    n, _, t = X.shape
    k = _check_int(n_segments, "n_segments", 1)
    if k > t:
        raise ValueError(f"n_segments ({k}) must be at most the window length ({t}).")
    rng = check_rng(rng)
    lengths = np.full(k, t // k)
    lengths[: t % k] += 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    order = np.argsort(rng.random_sample((n, k)), axis=1)  # a uniform permutation per row
    new_lengths = lengths[order]  # (n, k)
    new_ends = np.cumsum(new_lengths, axis=1)
    pos = np.arange(t)
    # segment slot of every output position, then where that slot's segment came from
    slot = (pos[np.newaxis, :, np.newaxis] >= new_ends[:, np.newaxis, :]).sum(axis=-1)  # (n, t)
    offset = pos - np.take_along_axis(new_ends - new_lengths, slot, axis=1)
    source = starts[np.take_along_axis(order, slot, axis=1)] + offset
    return np.take_along_axis(X, source[:, np.newaxis, :], axis=-1)


def time_warp(
    X: ArrayLike,
    sigma: float = 0.2,
    n_knots: int = 4,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Distort time smoothly and monotonically, keeping the window's length and ends.

    A random speed ``~ N(1, sigma)`` (floored at 0.01) is drawn at ``n_knots + 2``
    evenly spaced knots, ends included, and interpolated smoothly (monotone cubic,
    PCHIP, which never overshoots and so keeps the speed positive); its cumulative
    sum, rescaled to run from 0 to ``n_timesteps - 1``, gives the time at which each
    output sample reads the input (linear interpolation). The first and last samples
    stay in place; ``sigma=0`` is the identity (Um et al., 2017, "time-warping").
    Time is shared by every channel of a recording, so one warp is drawn per sample
    and applied to all its channels.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
        At least 2 timesteps.
    sigma : float, default=0.2
        Standard deviation of the speeds at the knots, >= 0.
    n_knots : int, default=4
        Interior knots (>= 1): more knots, faster changes of speed.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(20.0)[None, None, :]
    >>> X_new = time_warp(X, sigma=0.3, rng=0)
    >>> float(X_new[0, 0, 0]), float(X_new[0, 0, -1]), bool(np.all(np.diff(X_new) > 0))
    (0.0, 19.0, True)
    """
    X = _check_windows(X, min_timesteps=2)
    sigma = _check_real(sigma, "sigma")
    n_knots = _check_int(n_knots, "n_knots", 1)
    rng = check_rng(rng)
    n, _, t = X.shape
    speed = _knot_curves(n, n_knots, t, sigma, rng, kind="monotone")
    # a speed is the step from one sample to the next: t - 1 steps, starting at 0
    warped = np.concatenate([np.zeros((n, 1)), np.cumsum(speed[:, 1:], axis=1)], axis=1)
    warped *= (t - 1) / warped[:, -1:]
    warped[:, -1] = t - 1  # exactly, whatever the rounding
    return _interp_time(X, warped)


def magnitude_warp(
    X: ArrayLike,
    sigma: float = 0.2,
    n_knots: int = 4,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Multiply each sample-channel by a smooth random curve around 1.

    The curve is a cubic spline through ``n_knots + 2`` evenly spaced knots (ends
    included) of values ``~ N(1, sigma)``, one curve per sample and channel (Um et
    al., 2017, "magnitude-warping"). ``sigma=0`` is the identity.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    sigma : float, default=0.2
        Standard deviation of the knot values, >= 0.
    n_knots : int, default=4
        Interior knots (>= 1).
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X_new = magnitude_warp(np.ones((1, 2, 30)), sigma=0.2, rng=0)
    >>> bool(np.abs(np.diff(X_new, axis=-1)).max() < 0.2)  # smooth
    True
    """
    X = _check_windows(X)
    sigma = _check_real(sigma, "sigma")
    n_knots = _check_int(n_knots, "n_knots", 1)
    rng = check_rng(rng)
    n, c, t = X.shape
    if t == 1:  # one sample: the curve is its first knot
        return X * rng.normal(1.0, sigma, size=(n, c, 1))
    curves = _knot_curves(n * c, n_knots, t, sigma, rng, kind="cubic")
    return X * curves.reshape(n, c, t)


def _rotation_matrices(n, max_angle, rng):
    """``n`` rotations: uniform random axis, angle ``~ U(-max_angle, max_angle)`` degrees.

    Rodrigues' formula ``R = I + sin(a) K + (1 - cos(a)) K^2``, with ``K`` the
    cross-product matrix of the unit axis, for all ``n`` at once.
    """
    axis = rng.standard_normal((n, 3))  # isotropic, so its direction is uniform on the sphere
    axis /= np.maximum(np.linalg.norm(axis, axis=1, keepdims=True), 1e-12)
    angle = np.deg2rad(rng.uniform(-max_angle, max_angle, size=n))
    K = np.zeros((n, 3, 3))
    K[:, 0, 1], K[:, 0, 2], K[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    K -= K.transpose(0, 2, 1)
    sin, cos = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + sin * K + (1.0 - cos) * (K @ K)


def rotation(
    X: ArrayLike,
    groups: Sequence[Sequence[int]],
    max_angle: float = 15.0,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Rotate every triaxial channel group of a sample by one random 3-D rotation.

    Each sample draws a uniformly distributed rotation axis and an angle
    ``~ U(-max_angle, max_angle)`` degrees, and the SAME rotation is applied to each
    of its groups: the accelerometer and gyroscope of one device turn together, as
    when the device is worn at another orientation (Um et al., 2017, "rotation",
    here with a bounded angle). Channels outside the groups are copied unchanged.
    ``max_angle=0`` is the identity.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    groups : list of list of int
        The ``(x, y, z)`` channel indices of each triaxial sensor, e.g.
        ``[[0, 1, 2], [3, 4, 5]]``; no channel may appear twice.
    max_angle : float, default=15.0
        Largest rotation angle in degrees, in ``[0, 180]``.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((2, 3, 5))
    >>> X_new = rotation(X, groups=[[0, 1, 2]], max_angle=30, rng=0)
    >>> bool(np.allclose(np.linalg.norm(X_new, axis=1), np.linalg.norm(X, axis=1)))
    True
    """
    X = _check_windows(X)
    groups = _check_groups(groups, X.shape[1])
    max_angle = _check_real(max_angle, "max_angle", high=180.0)
    rng = check_rng(rng)
    R = _rotation_matrices(X.shape[0], max_angle, rng)
    out = X.copy()
    for g in groups:  # a handful of sensors
        out[:, g] = np.einsum("nij,njt->nit", R, X[:, g])
    return out


def _check_groups(groups, n_channels):
    try:
        groups = [[int(c) for c in g] for g in groups]
    except TypeError:
        raise ValueError(
            f"groups must be a list of 3-index lists, e.g. [[0, 1, 2], [3, 4, 5]]; got {groups!r}."
        ) from None
    if not groups:
        raise ValueError("groups is empty: rotation needs at least one triaxial channel group.")
    bad = [g for g in groups if len(g) != 3]
    if bad:
        raise ValueError(f"every rotation group must hold exactly 3 channels (x, y, z); got {bad}.")
    flat = [c for g in groups for c in g]
    outside = sorted({c for c in flat if not 0 <= c < n_channels})
    if outside:
        raise ValueError(f"groups name channel(s) {outside}, outside 0..{n_channels - 1}.")
    if len(set(flat)) != len(flat):
        raise ValueError(f"a channel appears in more than one place of groups {groups}.")
    return groups


def crop(
    X: ArrayLike,
    crop_ratio: float = 0.9,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Take a random sub-window and stretch it back to the full length.

    The sub-window holds ``round(crop_ratio * n_timesteps)`` samples, starts at a
    uniformly random offset per sample (the same for all its channels) and is
    resampled to ``n_timesteps`` by linear interpolation; ``crop_ratio=1`` is the
    identity (Um et al., 2017, "cropping", with the crop resized so that the window
    keeps its length).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    crop_ratio : float, default=0.9
        Fraction of the window kept, in ``(0, 1]``; the crop must hold at least 2
        samples.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X_new = crop(np.arange(10.0)[None, None, :], crop_ratio=0.5, rng=0)
    >>> float(np.ptp(X_new))  # 5 consecutive samples span 4
    4.0
    """
    X = _check_windows(X)
    _check_real(crop_ratio, "crop_ratio", low=0.0, low_inclusive=False, high=1.0)
    n, _, t = X.shape
    length = int(round(crop_ratio * t))
    if length < 2:
        raise ValueError(
            f"crop_ratio={crop_ratio} gives a crop of {length} sample(s) of a {t}-sample "
            "window; at least 2 are needed to interpolate."
        )
    rng = check_rng(rng)
    start = rng.randint(0, t - length + 1, size=n)
    positions = start[:, np.newaxis] + np.linspace(0.0, length - 1.0, t)
    return _interp_time(X, positions)


# -- frequency domain -------------------------------------------------------------------------


def _check_spectral(X, n_fft, hop_length):
    X = _check_windows(X)
    n_fft, hop_length = _check_fft_params(n_fft, hop_length)
    if n_fft < 2:
        raise ValueError(f"n_fft must be at least 2; got {n_fft}.")
    return X, n_fft, hop_length


def _resynthesise(X, Z, gain, n_fft, hop_length):
    """Window whose STFT (center=True) is ``Z * gain``, with ``Z``'s phase.

    A real non-negative gain changes magnitudes and keeps every bin's phase. Samples
    no frame covers (only when hop_length > n_fft // 2) cannot be resynthesised and
    are returned as they were.
    """
    t = X.shape[-1]
    out = istft(Z * gain, n_fft, hop_length, center=True, length=t)
    covered = stft_coverage(t, n_fft, hop_length, center=True)
    if not covered.all():
        out[..., ~covered] = X[..., ~covered]
    return out


def _draw_bands(n, n_bins, max_width, first, rng):
    """``(n, n_bins)`` bool: a band of ``1 .. max_width`` bins per row, none below ``first``."""
    width = rng.randint(1, max_width + 1, size=n)
    start = first + (rng.random_sample(n) * (n_bins - first - width + 1)).astype(np.intp)
    bins = np.arange(n_bins)
    return (bins >= start[:, None]) & (bins < (start + width)[:, None])


def frequency_mask(
    X: ArrayLike,
    max_width: int = 2,
    n_fft: int = 32,
    hop_length: int | None = 8,
    rng: int | np.random.RandomState | None = None,
    *,
    include_dc: bool = False,
) -> np.ndarray:
    """Silence a random band of STFT frequency bins and resynthesise the window.

    Each sample draws a width uniformly in ``1 .. max_width`` bins and a band
    position uniformly among those that fit; the band's magnitude is set to 0 in
    every frame and every channel of the sample (a frequency mask, as in Park et
    al., 2019, "SpecAugment", applied to the STFT of the raw window), and the window
    is rebuilt with the original phase by weighted overlap-add. The STFT is centred
    (``center=True``) so that every sample is rebuilt. The DC bin (the mean, e.g.
    gravity on an accelerometer) is left alone unless ``include_dc=True``.

    Neighbouring bins overlap (the Hann window's main lobe spans three bins), so the
    STFT of the output is not exactly zero in the band: the unmasked neighbours leak
    back into its edge bins. On white noise (n_fft=32, hop_length=8) a 1-bin band
    keeps about 30% of its energy, a 2-bin band about 14%, a 3-bin band about 9%,
    and the bins inside a band (not next to an unmasked bin) about 1%. For the same
    reason, masking the DC bin alone does not remove the mean: a constant fills bins 0
    and 1.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    max_width : int, default=2
        Widest band, in bins (>= 1, at most the number of bins that may be masked).
    n_fft : int, default=32
        STFT frame length; ``n_fft // 2 + 1`` bins.
    hop_length : int, default=8
        Step between frames; ``<= n_fft // 2`` rebuilds every sample (otherwise the
        samples no frame covers are returned unchanged).
    rng : int, RandomState or None, default=None
    include_dc : bool, default=False
        Whether the band may cover the DC bin.

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((2, 3, 64))
    >>> frequency_mask(X, max_width=3, n_fft=16, hop_length=4, rng=0).shape
    (2, 3, 64)
    """
    X, n_fft, hop_length = _check_spectral(X, n_fft, hop_length)
    max_width = _check_int(max_width, "max_width", 1)
    n_bins = n_fft // 2 + 1
    first = 0 if include_dc else 1
    if max_width > n_bins - first:
        raise ValueError(
            f"max_width ({max_width}) is more than the {n_bins - first} bins that may be "
            f"masked (n_fft={n_fft}, include_dc={include_dc})."
        )
    masked = _draw_bands(X.shape[0], n_bins, max_width, first, check_rng(rng))
    Z = stft(X, n_fft, hop_length, center=True)
    return _resynthesise(X, Z, (~masked)[:, np.newaxis, :, np.newaxis], n_fft, hop_length)


def frequency_perturb(
    X: ArrayLike,
    sigma: float = 0.2,
    n_fft: int = 32,
    hop_length: int | None = 8,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Scale each STFT frequency bin's magnitude by a random factor, keeping the phase.

    Each sample, channel and bin draws a factor ``~ N(1, sigma)``, clipped at 0, that
    multiplies that bin's magnitude in every frame (a random, time-invariant
    equaliser: the spectral envelope changes, its evolution over the window does
    not); the window is rebuilt with the original phase by weighted overlap-add of
    the centred STFT. Every bin, DC included, is perturbed. ``sigma=0`` gives ``X``
    back (to rounding).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    sigma : float, default=0.2
        Standard deviation of the factors, >= 0.
    n_fft : int, default=32
        STFT frame length; ``n_fft // 2 + 1`` bins.
    hop_length : int, default=8
        Step between frames; ``<= n_fft // 2`` rebuilds every sample (otherwise the
        samples no frame covers are returned unchanged).
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((2, 3, 64))
    >>> bool(np.allclose(frequency_perturb(X, sigma=0.0, n_fft=16, hop_length=4), X))
    True
    """
    X, n_fft, hop_length = _check_spectral(X, n_fft, hop_length)
    sigma = _check_real(sigma, "sigma")
    rng = check_rng(rng)
    n, c, _ = X.shape
    gain = np.maximum(rng.normal(1.0, sigma, size=(n, c, n_fft // 2 + 1, 1)), 0.0)
    Z = stft(X, n_fft, hop_length, center=True)
    return _resynthesise(X, Z, gain, n_fft, hop_length)


# -- EEG / biosignal family (Rommel et al., 2022) ---------------------------------------------
#
# Rommel, Paillard, Moreau and Gramfort (2022), "Data augmentation for learning predictive
# models on EEG: a systematic comparison", J. Neural Eng. 19:066020. The defaults are the
# magnitudes the paper found best on motor imagery (BCI IV 2a, 250 Hz); its sleep-staging
# values are quoted in each docstring.


def ft_surrogate(
    X: ArrayLike,
    phase_noise_magnitude: float = 0.9,
    rng: int | np.random.RandomState | None = None,
    *,
    channel_indep: bool = False,
) -> np.ndarray:
    """Randomise the Fourier phases of each window, keeping its amplitude spectrum.

    The real FFT of every sample-channel gets a random phase ``2 * pi *
    phase_noise_magnitude * U(0, 1)`` added to each bin except DC (and, for an even
    window length, the Nyquist bin, which must stay real); magnitudes are kept and
    the window is rebuilt by the inverse real FFT. A magnitude of 1 draws phases
    uniformly on the circle, i.e. a Fourier-transform surrogate of the window
    (Schwabedal et al., 2019, as evaluated by Rommel et al., 2022, "Data
    augmentation for learning predictive models on EEG: a systematic comparison",
    J. Neural Eng. 19:066020). The same noise is used for every channel of a sample
    (so cross-channel phase differences survive) unless ``channel_indep=True``.
    ``phase_noise_magnitude=0`` is the identity (to rounding). Default: Rommel et
    al.'s motor-imagery magnitude 0.9 (sleep staging: 0.8).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    phase_noise_magnitude : float, default=0.9
        Fraction of the full circle the phase noise spans, in ``[0, 1]``.
    rng : int, RandomState or None, default=None
    channel_indep : bool, default=False
        Draw the phase noise independently for each channel.

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((2, 3, 64))
    >>> X_new = ft_surrogate(X, rng=0)
    >>> amp = lambda A: np.abs(np.fft.rfft(A, axis=-1))
    >>> bool(np.allclose(amp(X_new), amp(X))), bool(np.allclose(X_new, X))
    (True, False)
    """
    X = _check_windows(X)
    magnitude = _check_real(phase_noise_magnitude, "phase_noise_magnitude", high=1.0)
    rng = check_rng(rng)
    n, c, t = X.shape
    Z = np.fft.rfft(X, axis=-1)
    stop = Z.shape[-1] - 1 if t % 2 == 0 else Z.shape[-1]  # the Nyquist bin stays real
    n_noisy = max(stop - 1, 0)
    phase = 2.0 * np.pi * magnitude * rng.random_sample((n, c if channel_indep else 1, n_noisy))
    Z[..., 1:stop] *= np.exp(1j * phase)
    return np.fft.irfft(Z, n=t, axis=-1)


def smooth_time_mask(
    X: ArrayLike,
    mask_duration: float = 1.6,
    rng: int | np.random.RandomState | None = None,
    *,
    fs: float,
) -> np.ndarray:
    """Silence a random stretch of each window, with smooth (sigmoid) edges.

    Each sample draws a start ``~ U(0, n_timesteps - L)`` samples, where ``L =
    round(mask_duration * fs)`` samples, and every channel is multiplied by
    ``1 - (sigmoid(s * (t - start)) - sigmoid(s * (t - start - L)))`` with ``s =
    1000 / n_timesteps`` (braindecode's steepness): 1 away from the mask, 0.5 at its
    first sample, about 0 inside it when the mask spans many of the edge's ``1 /
    s = n_timesteps / 1000`` samples (a 10-sample mask of a 10,000-sample window
    only dips to 0.75). A mask longer than the window is clipped to the window
    (``L = n_timesteps``, start 0: the whole window is silenced, its first sample
    only halved).
    ``mask_duration=0`` is the identity (Rommel et al., 2022, "Data augmentation for
    learning predictive models on EEG: a systematic comparison", J. Neural Eng.
    19:066020, after Cheng et al., 2020 and Mohsenvand et al., 2020).

    The paper gives the mask in samples: 400 samples at 250 Hz for motor imagery
    (``400 / 250 = 1.6`` s, the default here) and 200 samples at 100 Hz for sleep
    staging (2.0 s). In seconds the strength carries over to any sampling rate.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    mask_duration : float, default=1.6
        Length of the mask in seconds, >= 0.
    rng : int, RandomState or None, default=None
    fs : float
        Sampling frequency in Hz, > 0.

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X_new = smooth_time_mask(np.ones((1, 2, 500)), mask_duration=1.0, fs=100.0, rng=0)
    >>> float(X_new.min()) < 1e-6, float(X_new.max()) > 1 - 1e-6  # masked, and kept
    (True, True)
    """
    X = _check_windows(X)
    mask_duration = _check_real(mask_duration, "mask_duration")
    fs = _check_fs(fs, "smooth_time_mask")
    rng = check_rng(rng)
    n, _, t = X.shape
    length = min(int(round(mask_duration * fs)), t)
    start = rng.uniform(0.0, t - length, size=n)
    from scipy.special import expit  # overflow-free sigmoid

    rel = np.arange(t, dtype=np.float64)[np.newaxis, :] - start[:, np.newaxis]
    steep = 1000.0 / t
    mask = 1.0 - (expit(steep * rel) - expit(steep * (rel - length)))
    return X * mask[:, np.newaxis, :]


def channel_dropout(
    X: ArrayLike,
    p_drop: float = 0.2,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Set whole channels to zero, each independently with probability ``p_drop``.

    Every (sample, channel) pair is dropped with probability ``p_drop``: its values
    become exactly 0, the other channels are copied unchanged (Rommel et al., 2022,
    "Data augmentation for learning predictive models on EEG: a systematic
    comparison", J. Neural Eng. 19:066020; braindecode's ``ChannelsDropout``).

    The ``p`` Rommel et al. tune for this transform (1.0 for motor imagery, 0.4 for
    sleep staging) is the probability of APPLYING it to a window, braindecode's
    ``probability``; the per-channel ``p_drop`` keeps braindecode's default 0.2. In
    :class:`~skaugment.augmenters.SignalTransformAugmenter` which rows are
    transformed is decided by ``transforms`` / ``n_transforms``, so only ``p_drop``
    is a parameter here.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    p_drop : float, default=0.2
        Probability of dropping each channel, in ``[0, 1]``.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X_new = channel_dropout(np.ones((1, 6, 4)), p_drop=0.5, rng=0)
    >>> X_new[0, :, 0].tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0, 1.0]
    """
    X = _check_windows(X)
    p_drop = _check_real(p_drop, "p_drop", high=1.0)
    rng = check_rng(rng)
    drop = rng.random_sample(X.shape[:2]) < p_drop
    return np.where(drop[..., np.newaxis], 0.0, X)


def channel_shuffle(
    X: ArrayLike,
    p_shuffle: float = 0.2,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Permute a random subset of the channels among themselves, per sample.

    Each channel of a sample is chosen with probability ``p_shuffle``; the chosen
    channels are put back, in a uniformly random order, in the places the chosen
    ones occupied, the others stay where they are (Rommel et al., 2022, "Data
    augmentation for learning predictive models on EEG: a systematic comparison",
    J. Neural Eng. 19:066020; braindecode's ``ChannelsShuffle``). The channels of a
    sample are the same multiset afterwards; a random permutation may leave some
    chosen channels in place.

    As for :func:`channel_dropout`, the ``p`` Rommel et al. tune (0.1 for motor
    imagery, 0.8 for sleep staging) is the probability of applying the transform;
    ``p_shuffle`` keeps braindecode's default 0.2.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    p_shuffle : float, default=0.2
        Probability that each channel takes part in the shuffle, in ``[0, 1]``.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0)[None, :, None] * np.ones((1, 6, 2))
    >>> X_new = channel_shuffle(X, p_shuffle=1.0, rng=0)
    >>> sorted(X_new[0, :, 0].tolist()) == X[0, :, 0].tolist()
    True
    """
    X = _check_windows(X)
    p_shuffle = _check_real(p_shuffle, "p_shuffle", high=1.0)
    rng = check_rng(rng)
    n, c, _ = X.shape
    chosen = rng.random_sample((n, c)) < p_shuffle
    keys = rng.random_sample((n, c))
    idx = np.arange(c)
    # the chosen places in their order, and the chosen channels in a random order; the
    # unchosen follow in both lists in their own order, so they map onto themselves
    places = np.argsort(np.where(chosen, idx, c + idx), axis=1, kind="stable")
    channels = np.argsort(np.where(chosen, keys, 1.0 + idx), axis=1, kind="stable")
    source = np.empty((n, c), dtype=np.intp)
    np.put_along_axis(source, places, channels, axis=1)
    return np.take_along_axis(X, source[..., np.newaxis], axis=1)


def frequency_shift(
    X: ArrayLike,
    max_shift: float = 2.7,
    rng: int | np.random.RandomState | None = None,
    *,
    fs: float,
) -> np.ndarray:
    """Shift every frequency of each window by the same random amount.

    Each sample draws ``delta ~ U(-max_shift, max_shift)`` Hz; every channel's
    analytic signal ``x + i H(x)`` (:func:`scipy.signal.hilbert`) is multiplied by
    ``exp(2j * pi * delta * t)`` and its real part kept, so a component at ``f`` Hz
    moves to ``f + delta`` Hz (a single-sideband shift, not a resampling: harmonic
    ratios change) as long as ``f + delta > 0``: the mean (0 Hz) becomes a cosine at
    ``|delta|`` Hz of the same amplitude (gravity on an accelerometer oscillates
    between ``-g`` and ``g``), and with ``delta < 0`` components below ``|delta|``
    fold back to ``|f + delta|``, as in braindecode. Remove a large offset first.
    As in braindecode, the window is zero-padded to the next power of two before
    the FFT-based Hilbert transform and cut back after; the ends of a window that
    is not periodic show small edge effects. ``max_shift=0`` is the
    identity (to rounding). Rommel et al. (2022), "Data augmentation for learning
    predictive models on EEG: a systematic comparison" (J. Neural Eng. 19:066020):
    2.7 Hz for motor imagery (the default), 0.3 Hz for sleep staging.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    max_shift : float, default=2.7
        Largest shift in Hz, >= 0.
    rng : int, RandomState or None, default=None
    fs : float
        Sampling frequency in Hz, > 0.

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(256) / 128.0
    >>> X = np.sin(2 * np.pi * 10.0 * t)[None, None, :]
    >>> X_new = frequency_shift(X, max_shift=3.0, fs=128.0, rng=0)
    >>> peak = lambda A: np.argmax(np.abs(np.fft.rfft(A[0, 0]))) * 128.0 / 256
    >>> float(peak(X)), bool(peak(X_new) != peak(X))
    (10.0, True)
    """
    from scipy.signal import hilbert

    X = _check_windows(X)
    max_shift = _check_real(max_shift, "max_shift")
    fs = _check_fs(fs, "frequency_shift")
    rng = check_rng(rng)
    n, _, t = X.shape
    delta = rng.uniform(-max_shift, max_shift, size=n)
    n_fft = 1 << (t - 1).bit_length()  # the next power of two >= t
    analytic = hilbert(X, N=n_fft, axis=-1)[..., :t]
    time = np.arange(t, dtype=np.float64) / fs
    carrier = np.exp(2j * np.pi * delta[:, np.newaxis] * time)[:, np.newaxis, :]
    return np.ascontiguousarray((analytic * carrier).real)


def bandstop_filter(
    X: ArrayLike,
    bandwidth: float = 0.4,
    rng: int | np.random.RandomState | None = None,
    *,
    fs: float,
    max_freq: float | None = None,
) -> np.ndarray:
    """Remove a narrow band of frequencies centred at a random frequency.

    Each sample draws a centre ``fc ~ U(1 + bandwidth / 2, max_freq - 1 - bandwidth
    / 2)`` Hz, as braindecode does (``max_freq`` defaults to the Nyquist frequency
    ``fs / 2``), so the band keeps 1 Hz away from 0 Hz, whose removal would take the
    window's mean (gravity, an electrode offset), and from ``max_freq``; in the
    real FFT of each of its channels the bins at ``|f - fc| <= bandwidth / 2`` are
    set to 0 and the window is rebuilt by the inverse real FFT, the same band for
    all channels of the sample. This is
    an ideal, zero-phase filter applied in the frequency domain (not a FIR/IIR
    filter as braindecode's MNE ``notch_filter``): outside the band the spectrum
    is exactly unchanged; as for any filter on a finite window the removed
    component rings over the whole window. The FFT resolves ``fs / n_timesteps``
    Hz: when ``bandwidth > 0`` the bin nearest ``fc`` other than 0 Hz and the
    Nyquist bin is always removed, so a band narrower than the resolution removes
    one bin rather than nothing.
    ``bandwidth=0`` is the identity (to rounding). Rommel et al. (2022), "Data
    augmentation for learning predictive models on EEG: a systematic comparison"
    (J. Neural Eng. 19:066020): 0.4 Hz for motor imagery (the default), 1.2 Hz for
    sleep staging.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    bandwidth : float, default=0.4
        Width of the band in Hz, >= 0.
    rng : int, RandomState or None, default=None
    fs : float
        Sampling frequency in Hz, > 0.
    max_freq : float, default=None
        Highest frequency in Hz, in ``[0, fs / 2]``, that the band's centre keeps 1
        Hz plus half the bandwidth away from; ``None`` is ``fs / 2``.

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((1, 2, 100))
    >>> X_new = bandstop_filter(X, bandwidth=5.0, fs=100.0, rng=0)
    >>> removed = np.abs(np.fft.rfft(X_new, axis=-1)) < 1e-9
    >>> removed.sum(axis=-1).tolist()  # 5 bins of 1 Hz, the same in both channels
    [[5, 5]]
    """
    X = _check_windows(X)
    bandwidth = _check_real(bandwidth, "bandwidth")
    fs = _check_fs(fs, "bandstop_filter")
    nyquist = fs / 2.0
    # a band centre above the Nyquist frequency fs / 2 does not exist
    max_freq = nyquist if max_freq is None else _check_real(max_freq, "max_freq", high=nyquist)
    low, high = 1.0 + bandwidth / 2.0, max_freq - 1.0 - bandwidth / 2.0
    if high < low:
        raise ValueError(
            f"bandstop_filter: bandwidth={bandwidth} Hz with max_freq={max_freq} Hz leaves no "
            f"band centre (they must lie in [1 + bandwidth / 2, max_freq - 1 - bandwidth / 2]"
            f" = [{low:g}, {high:g}] Hz); use a narrower band or a higher max_freq or fs."
        )
    rng = check_rng(rng)
    n, _, t = X.shape
    centre = rng.uniform(low, high, size=n)
    freqs = np.fft.rfftfreq(t, d=1.0 / fs)
    distance = np.abs(freqs[np.newaxis, :] - centre[:, np.newaxis])
    if bandwidth == 0.0:
        return X.copy()
    stop = distance <= bandwidth / 2.0
    # the nearest bin, but never the mean (0 Hz) nor the Nyquist bin of an even length
    edges = [0] + ([freqs.size - 1] if t % 2 == 0 else [])
    nearest = distance.copy()
    nearest[:, edges] = np.inf
    if freqs.size > len(edges):
        stop[np.arange(n), np.argmin(nearest, axis=1)] = True
    Z = np.fft.rfft(X, axis=-1)
    Z[np.broadcast_to(stop[:, np.newaxis, :], Z.shape)] = 0.0
    return np.fft.irfft(Z, n=t, axis=-1)


def gaussian_noise(
    X: ArrayLike,
    sigma: float = 0.16,
    rng: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Add Gaussian noise of ``sigma`` times each channel's std: :func:`jitter`.

    The Gaussian noise of Rommel et al. (2022), "Data augmentation for learning
    predictive models on EEG: a systematic comparison" (J. Neural Eng.
    19:066020), with their motor-imagery strength 0.16 (sleep staging: 0.12). The
    paper's standard deviation is absolute on standardised signals; here it is
    relative to each sample-channel's own std, which is the same on standardised
    channels and keeps its meaning on raw ones. This function only calls
    :func:`jitter` with that default, so both give identical output for the same
    ``sigma`` and ``rng``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
    sigma : float, default=0.16
        Noise level relative to each sample-channel's standard deviation, >= 0.
    rng : int, RandomState or None, default=None

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.sin(np.linspace(0, 6, 50))[None, None, :]
    >>> bool(np.array_equal(gaussian_noise(X, rng=0), jitter(X, sigma=0.16, rng=0)))
    True
    """
    return jitter(X, sigma=sigma, rng=rng)


def sign_flip(X: ArrayLike) -> np.ndarray:
    """Flip the sign of every value: the EEG name of :func:`negation`.

    Rommel et al. (2022), "Data augmentation for learning predictive models on EEG:
    a systematic comparison" (J. Neural Eng. 19:066020) call it "sign flip"
    (inverting the polarity of the electrodes); it is :func:`negation`, which this
    function calls. It changes the label of tasks where a potential's polarity is
    the class (e.g. an evoked P300).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> sign_flip(np.array([[[1.0, -2.0]]]))
    array([[[-1.,  2.]]])
    """
    return negation(X)


def time_reverse(X: ArrayLike) -> np.ndarray:
    """Reverse the time axis of every window.

    ``X'[i, c, k] = X[i, c, n_timesteps - 1 - k]`` (Rommel et al., 2022, "Data
    augmentation for learning predictive models on EEG: a systematic comparison",
    J. Neural Eng. 19:066020). The amplitude spectrum is unchanged, the time course
    is not: it changes the label of tasks where the order of events is the class.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)

    Returns
    -------
    X_new : ndarray of shape (n_samples, n_channels, n_timesteps), float64

    Examples
    --------
    >>> import numpy as np
    >>> time_reverse(np.array([[[1.0, 2.0, 3.0]]]))
    array([[[3., 2., 1.]]])
    """
    return _check_windows(X)[..., ::-1].copy()


TIME_TRANSFORMS = {
    "jitter": jitter,
    "scaling": scaling,
    "negation": negation,
    "permutation": permutation,
    "time_warp": time_warp,
    "magnitude_warp": magnitude_warp,
    "rotation": rotation,
    "crop": crop,
    # EEG / biosignal family (Rommel et al., 2022)
    "ft_surrogate": ft_surrogate,
    "smooth_time_mask": smooth_time_mask,
    "channel_dropout": channel_dropout,
    "channel_shuffle": channel_shuffle,
    "frequency_shift": frequency_shift,
    "bandstop_filter": bandstop_filter,
    "gaussian_noise": gaussian_noise,
    "sign_flip": sign_flip,
    "time_reverse": time_reverse,
}
"""Name -> function of the time-domain transforms (the EEG family included)."""

SPECTRAL_TRANSFORMS = {
    "frequency_mask": frequency_mask,
    "frequency_perturb": frequency_perturb,
}
"""Name -> function of the frequency-domain transforms."""
