"""Triaxial sensor windows (or their spectrograms) to RGB spectrogram images (IMG2IMU)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Literal

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import TimeSeriesTagsMixin
from ..spectral.functional import stft_magnitude
from ..utils._validation import _as_float_array
from .functional import IMAGENET_MEAN, IMAGENET_STD, spectrogram_to_image

__all__ = ["SpectrogramImageTransformer", "check_images"]

# torch work in blocks of samples: a (block, 3k, 96, 128) float32 image batch stays small
_BLOCK = 512


def check_images(X: ArrayLike, *, shape: tuple[int, ...] | None = None, name: str = "X") -> np.ndarray:
    """Validate a batch of images ``(n_samples, n_channels, height, width)`` as float32.

    NaN/inf are rejected with the offending sample indices; ``shape`` (per sample)
    is compared with the one seen at fit.

    Examples
    --------
    >>> import numpy as np
    >>> check_images(np.zeros((2, 3, 4))).shape
    Traceback (most recent call last):
    ...
    ValueError: X must be 4-D images (n_samples, n_channels, height, width); got 3-D array of shape (2, 3, 4).
    """
    arr = _as_float_array(X, name, np.float32)
    if arr.ndim != 4:
        raise ValueError(
            f"{name} must be 4-D images (n_samples, n_channels, height, width); got "
            f"{arr.ndim}-D array of shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: 0 samples (shape {arr.shape}).")
    if min(arr.shape[1:]) == 0:
        raise ValueError(f"{name} has an empty axis (shape {arr.shape}).")
    if shape is not None and tuple(arr.shape[1:]) != tuple(shape):
        raise ValueError(
            f"{name} has per-sample shape {tuple(arr.shape[1:])}, but {tuple(shape)} was seen at fit."
        )
    return arr


class SpectrogramImageTransformer(TimeSeriesTagsMixin, TransformerMixin, BaseEstimator):
    """Triaxial IMU data to normalised RGB spectrogram images (Yoon et al., 2024).

    The input representation of IMG2IMU (Yoon et al., 2024, "IMG2IMU: Translating
    knowledge from large-scale images to IMU sensing applications", III-A and
    IV-A2): the magnitude spectrograms of a sensor's x, y and z axes become the R,
    G and B channels of one image. Per channel ``c``:

    1. ``L = log10(S + eps)`` of the magnitude spectrogram ``S`` (computed here with
       :func:`skaugment.spectral.functional.stft_magnitude` from windows, or given);
    2. min-max scaling ``(L - data_min_[c]) / (data_max_[c] - data_min_[c])`` with the
       range learned at fit over all training samples, frequencies and frames, then
       clipped to ``[0, 1]`` (later data outside that range saturates);
    3. frequency flipped so that row 0 is the highest frequency (low frequencies at
       the bottom, as the spectrogram is displayed);
    4. bilinear resize to ``size`` = (height, width) = (frequency, time), 96 x 128
       by default;
    5. ImageNet mean/std normalisation per RGB channel (``normalize=True``), which is
       what an ImageNet-pre-trained encoder expects.

    Channels ``3 s, 3 s + 1, 3 s + 2`` are the x, y, z axes of sensor ``s`` (e.g.
    ``acc`` then ``gyro`` in HAPT's 6 channels), so the number of channels must be a
    multiple of 3.

    Parameters
    ----------
    sensor : int or "all", default=0
        Which triaxial sensor to image: its index ``s`` (channels ``3s .. 3s+2``),
        giving ``(n, 3, H, W)``; or ``"all"``: one image per sensor, stacked along
        the *channel* axis, ``(n, 3 * n_sensors, H, W)`` with channels ``3s .. 3s+2``
        the RGB image of sensor ``s``. The channel axis (not the sample axis) keeps one
        row per window, so ``y`` stays aligned in a pipeline;
        :class:`IMG2IMUClassifier` and :class:`MoCoPretrainer` read such input as
        one 3-channel image per sensor through a shared encoder.
    n_fft : int, default=32
        STFT frame length, for window input (ignored for spectrogram input). The
        paper grid-searches ``n_fft`` in {32, 64, 128, 256}.
    hop_length : int, default=4
        STFT hop, for window input; the paper's overlaps ``n_fft - {2, 4, 8, 16}``
        are hops of 2 to 16.
    window : str, tuple or array-like of shape (n_fft,), default="hann"
        As in :class:`~skaugment.SpectrogramTransformer`.
    size : tuple of (int, int), default=(96, 128)
        Output (height, width).
    eps : float, default=1e-6
        Floor added before ``log10`` so that an all-zero bin is finite (it maps to
        ``log10(eps)``).
    normalize : bool, default=True
        Apply the ImageNet normalisation ``(v - mean) / std`` with
        ``mean = (0.485, 0.456, 0.406)`` and ``std = (0.229, 0.224, 0.225)``;
        ``False`` returns images in ``[0, 1]``.

    Attributes
    ----------
    input_kind_ : {"time_series", "spectrogram"}
        3-D windows or 4-D magnitude spectrograms, as seen at fit.
    n_channels_ : int
    n_sensors_ : int
        ``n_channels_ // 3``.
    input_shape_ : tuple of int
        Per-sample shape seen at fit.
    channels_ : ndarray of int
        Input channels imaged, in output order.
    data_min_, data_max_ : ndarray of shape (n_image_channels,), float32
        Per-channel range of ``log10(S + eps)`` at fit, one value per channel of
        ``channels_``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((4, 6, 64))  # acc + gyro
    >>> img = SpectrogramImageTransformer(sensor=0, n_fft=16, hop_length=4).fit(X)
    >>> img.transform(X).shape, img.transform(X).dtype
    ((4, 3, 96, 128), dtype('float32'))
    >>> SpectrogramImageTransformer(sensor="all", n_fft=16).fit_transform(X).shape
    (4, 6, 96, 128)
    """

    _parameter_constraints = {
        "sensor": [Interval(Integral, 0, None, closed="left"), StrOptions({"all"})],
        "n_fft": [Interval(Integral, 1, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
        "window": [str, tuple, "array-like"],
        "size": [tuple, list],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "normalize": ["boolean"],
    }

    def __init__(
        self,
        sensor: int | Literal["all"] = 0,
        n_fft: int = 32,
        hop_length: int = 4,
        window: str | tuple | ArrayLike = "hann",
        size: tuple[int, int] = (96, 128),
        eps: float = 1e-6,
        normalize: bool = True,
    ) -> None:
        self.sensor = sensor
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.window = window
        self.size = size
        self.eps = eps
        self.normalize = normalize

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # (n, 3k, t) windows or (n, 3k, F, T) spectrograms
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _check_input(self, X, reset):
        arr = _as_float_array(X, "X", np.float32)
        if arr.ndim not in (3, 4):
            raise ValueError(
                "X must be 3-D windows (n_samples, n_channels, n_timesteps) or 4-D magnitude "
                f"spectrograms (n_samples, n_channels, n_freqs, n_frames); got {arr.ndim}-D array "
                f"of shape {arr.shape}."
            )
        if arr.shape[0] == 0:
            raise ValueError(f"X is empty: 0 samples (shape {arr.shape}).")
        if min(arr.shape[1:]) == 0:
            raise ValueError(f"X has an empty axis (shape {arr.shape}).")
        if reset:
            n_channels = arr.shape[1]
            if n_channels % 3:
                raise ValueError(
                    f"X has {n_channels} channels, not a multiple of 3: every sensor must be "
                    "triaxial (x, y, z -> R, G, B), channels 3s..3s+2 for sensor s."
                )
            if arr.ndim == 3 and arr.shape[2] < self.n_fft:
                raise ValueError(
                    f"X has {arr.shape[2]} timesteps, shorter than the {self.n_fft} required "
                    "(the STFT window n_fft)."
                )
        else:
            kind = "time_series" if arr.ndim == 3 else "spectrogram"
            if kind != self.input_kind_:
                raise ValueError(
                    f"X is {arr.ndim}-D ({kind}), but {self.input_kind_} input was seen at fit."
                )
            if arr.shape[1] != self.n_channels_:
                raise ValueError(f"X has {arr.shape[1]} channels, but {self.n_channels_} were seen at fit.")
            if tuple(arr.shape[1:]) != self.input_shape_:
                raise ValueError(
                    f"X has per-sample shape {tuple(arr.shape[1:])}, but {self.input_shape_} was seen at fit."
                )
        if arr.ndim == 4 and (arr < 0).any():
            bad = np.flatnonzero((arr.reshape(arr.shape[0], -1) < 0).any(axis=1))
            raise ValueError(
                f"4-D X must be magnitude spectrograms (non-negative), but sample(s) "
                f"{', '.join(map(str, bad[:10]))} hold negative values."
            )
        return arr

    def _log_spectrogram(self, X):
        """``log10(S + eps)`` of the imaged channels, float32 ``(n, len(channels_), F, T)``."""
        X = X[:, self.channels_]
        if X.ndim == 3:
            X = stft_magnitude(X, self.n_fft, self.hop_length, window=self.window)
        return np.log10(X + np.float32(self.eps), dtype=np.float32)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: None = None) -> SpectrogramImageTransformer:
        """Learn the per-channel range of the log spectrograms.

        Parameters
        ----------
        X : array-like of shape (n_samples, 3 * n_sensors, n_timesteps) or (n_samples, 3 * n_sensors, n_freqs, n_frames)
            Windows, or their magnitude spectrograms (non-negative).
        y : None
            Ignored.

        Returns
        -------
        self : SpectrogramImageTransformer
        """
        size = tuple(self.size)
        if len(size) != 2 or not all(isinstance(s, Integral) and s >= 1 for s in size):
            raise ValueError(f"size must be two positive ints (height, width); got {self.size!r}.")
        X = self._check_input(X, reset=True)
        n_sensors = X.shape[1] // 3
        if self.sensor != "all" and self.sensor >= n_sensors:
            raise ValueError(
                f"sensor={self.sensor} but X has {X.shape[1]} channels, i.e. {n_sensors} triaxial "
                f"sensor(s) (indices 0..{n_sensors - 1})."
            )
        self.input_kind_ = "time_series" if X.ndim == 3 else "spectrogram"
        self.n_channels_ = X.shape[1]
        self.n_sensors_ = n_sensors
        self.input_shape_ = tuple(int(s) for s in X.shape[1:])
        if self.sensor == "all":
            self.channels_ = np.arange(self.n_channels_)
        else:
            self.channels_ = np.arange(3 * self.sensor, 3 * self.sensor + 3)
        L = self._log_spectrogram(X)
        self.data_min_ = L.min(axis=(0, 2, 3)).astype(np.float32)
        self.data_max_ = L.max(axis=(0, 2, 3)).astype(np.float32)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """RGB spectrogram images of ``X``.

        Parameters
        ----------
        X : array-like shaped like the data seen at fit

        Returns
        -------
        images : ndarray of shape (n_samples, 3, height, width) or (n_samples, 3 * n_sensors, height, width), float32
            ``sensor="all"`` gives the second. ImageNet-normalised if ``normalize``,
            else in ``[0, 1]``.
        """
        check_is_fitted(self)
        X = self._check_input(X, reset=False)
        L = self._log_spectrogram(X)
        lo, hi = torch.from_numpy(self.data_min_), torch.from_numpy(self.data_max_)
        mean, std = (IMAGENET_MEAN, IMAGENET_STD) if self.normalize else (None, None)
        out = np.empty((L.shape[0], L.shape[1]) + tuple(self.size), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, L.shape[0], _BLOCK):  # blocks of samples bound the memory
                block = torch.from_numpy(L[start : start + _BLOCK])
                out[start : start + _BLOCK] = spectrogram_to_image(
                    block, lo, hi, size=tuple(self.size), mean=mean, std=std
                ).numpy()
        return out
