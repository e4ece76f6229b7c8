"""Input validation shared by every skaugment estimator.

Every public entry point funnels its arrays through these functions so that bad
input fails early with a message naming the problem, never deep inside torch.
"""

import numbers

import numpy as np
from numpy.typing import ArrayLike, DTypeLike
from scipy import sparse

__all__ = [
    "draw_seed",
    "check_finite",
    "check_time_series",
    "check_spectrogram",
    "check_labels",
    "check_ratio",
]


def _describe_indices(indices, limit=10):
    shown = ", ".join(str(int(i)) for i in indices[:limit])
    more = "" if len(indices) <= limit else f", ... ({len(indices)} in total)"
    return shown + more


def check_finite(X: np.ndarray, name: str = "X") -> np.ndarray:
    """Raise a ``ValueError`` naming the samples (first axis) holding NaN or inf.

    Parameters
    ----------
    X : ndarray
        Array whose first axis indexes samples.
    name : str, default="X"
        Name used in the error message.

    Examples
    --------
    >>> import numpy as np
    >>> check_finite(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN or infinity in sample(s) 1.
    """
    if X.size == 0:
        return X
    bad = ~np.isfinite(X.reshape(X.shape[0], -1)).all(axis=1)
    if bad.any():
        raise ValueError(
            f"{name} contains NaN or infinity in sample(s) "
            f"{_describe_indices(np.flatnonzero(bad))}."
        )
    return X


def _as_float_array(X, name, dtype):
    if hasattr(X, "detach"):  # a torch tensor
        X = X.detach().cpu().numpy()
    if sparse.issparse(X):
        raise TypeError(
            f"{name} is a sparse matrix; sparse input is not supported: signals and "
            "spectrograms are dense (convert with .toarray())."
        )
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} could not be converted to a numeric array: {exc}") from exc
    if np.iscomplexobj(arr):
        raise ValueError(
            f"Complex data not supported: {name} must be real-valued (take np.abs of an STFT)."
        )
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold real numbers; got non-numeric objects: {exc}") from exc
    elif not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise TypeError(
            f"{name} must hold real numbers; got an array of dtype {arr.dtype}."
        )
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if arr.ndim >= 1:
        # Before any shape check, so NaN is reported as NaN whatever the shape.
        check_finite(arr, name)
    return arr


def check_time_series(
    X: ArrayLike,
    *,
    min_timesteps: int = 1,
    n_channels: int | None = None,
    dtype: DTypeLike | None = None,
    name: str = "X",
) -> np.ndarray:
    """Validate a batch of multichannel time series.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
        A 2-D array is read as a single channel.
    min_timesteps : int, default=1
        Shortest signal accepted (e.g. the STFT window length).
    n_channels : int, default=None
        If given, the number of channels ``X`` must have (e.g. the one seen at fit).
    dtype : numpy dtype, default=None
        Cast to this dtype; ``None`` keeps floats and turns integers into float64.
    name : str, default="X"

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, n_timesteps)

    Examples
    --------
    >>> import numpy as np
    >>> check_time_series(np.zeros((4, 16))).shape
    (4, 1, 16)
    >>> check_time_series(np.zeros((4, 2, 8)), min_timesteps=16)
    Traceback (most recent call last):
    ...
    ValueError: X has 8 timesteps, shorter than the 16 required (e.g. the STFT window n_fft).
    """
    arr = _as_float_array(X, name, dtype)
    if arr.ndim == 2:
        arr = arr[:, np.newaxis, :]
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must be 3-D (n_samples, n_channels, n_timesteps) or 2-D "
            f"(n_samples, n_timesteps); got {arr.ndim}-D array of shape {arr.shape}."
            + (" Reshape your data: one signal is X.reshape(1, -1)." if arr.ndim == 1 else "")
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: 0 samples (shape {arr.shape}).")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 channels (shape {arr.shape}).")
    if arr.shape[2] < min_timesteps:
        raise ValueError(
            f"{name} has {arr.shape[2]} timesteps, shorter than the {min_timesteps} "
            "required (e.g. the STFT window n_fft)."
        )
    if n_channels is not None and arr.shape[1] != n_channels:
        raise ValueError(
            f"{name} has {arr.shape[1]} channels, but {n_channels} were seen at fit."
        )
    return arr


def check_spectrogram(
    S: ArrayLike,
    *,
    n_channels: int | None = None,
    shape: tuple[int, ...] | None = None,
    nonnegative: bool = True,
    dtype: DTypeLike | None = None,
    name: str = "S",
) -> np.ndarray:
    """Validate a batch of spectrograms ``(n_samples, n_channels, n_freqs, n_frames)``.

    Parameters
    ----------
    S : array-like of shape (n_samples, n_channels, n_freqs, n_frames)
    n_channels : int, default=None
        If given, the number of channels required (e.g. the one seen at fit).
    shape : tuple of int, default=None
        If given, the required ``(n_channels, n_freqs, n_frames)``.
    nonnegative : bool, default=True
        Magnitude spectrograms cannot be negative; a negative value usually means a
        log-scaled input, which the metrics are not defined on.
    dtype : numpy dtype, default=None
    name : str, default="S"

    Returns
    -------
    S : ndarray of shape (n_samples, n_channels, n_freqs, n_frames)

    Examples
    --------
    >>> import numpy as np
    >>> check_spectrogram(np.ones((2, 3, 5, 4))).shape
    (2, 3, 5, 4)
    >>> check_spectrogram(np.ones((2, 5, 4)))
    Traceback (most recent call last):
    ...
    ValueError: S must be 4-D (n_samples, n_channels, n_freqs, n_frames); got 3-D array of shape (2, 5, 4).
    """
    arr = _as_float_array(S, name, dtype)
    if arr.ndim != 4:
        raise ValueError(
            f"{name} must be 4-D (n_samples, n_channels, n_freqs, n_frames); got "
            f"{arr.ndim}-D array of shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: 0 samples (shape {arr.shape}).")
    if min(arr.shape[1:]) == 0:
        raise ValueError(f"{name} has an empty axis (shape {arr.shape}).")
    if n_channels is not None and arr.shape[1] != n_channels:
        raise ValueError(
            f"{name} has {arr.shape[1]} channels, but {n_channels} were seen at fit."
        )
    if shape is not None and tuple(arr.shape[1:]) != tuple(shape):
        raise ValueError(
            f"{name} has per-sample shape {tuple(arr.shape[1:])}, but {tuple(shape)} "
            "was seen at fit."
        )
    if nonnegative:
        neg = (arr.reshape(arr.shape[0], -1) < 0).any(axis=1)
        if neg.any():
            raise ValueError(
                f"{name} must be a magnitude spectrogram (non-negative), but sample(s) "
                f"{_describe_indices(np.flatnonzero(neg))} hold negative values; "
                "log- or dB-scaled spectrograms are not accepted here."
            )
    return arr


def check_labels(y: ArrayLike, n_samples: int | None = None, name: str = "y") -> np.ndarray:
    """Validate 1-D labels and return them as an ndarray.

    Examples
    --------
    >>> check_labels(["a", "b"], n_samples=3)
    Traceback (most recent call last):
    ...
    ValueError: y has 2 labels but X has 3 samples.
    """
    if y is None:
        raise ValueError(
            f"This estimator requires y to be passed, but the target y is None ({name} "
            "holds the labels)."
        )
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {arr.shape}.")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} labels but X has {n_samples} samples.")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def check_ratio(ratio: float, name: str = "ratio") -> float:
    """Validate an augmentation ratio ``n_generated / n_real`` (> 0).

    Examples
    --------
    >>> check_ratio(0)
    Traceback (most recent call last):
    ...
    ValueError: ratio must be a positive number (n_generated / n_real); got 0.
    """
    if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(ratio).__name__}.")
    if not np.isfinite(ratio) or ratio <= 0:
        raise ValueError(f"{name} must be a positive number (n_generated / n_real); got {ratio}.")
    return float(ratio)


def check_rng(random_state: int | np.random.RandomState | None) -> np.random.RandomState:
    """A ``numpy.random.RandomState`` for ``random_state``, never numpy's global one.

    Like :func:`sklearn.utils.check_random_state`, except that ``None`` gives a fresh,
    unseeded generator instead of the global one, so that skaugment never draws
    from (or advances) the caller's global random state.

    Examples
    --------
    >>> state = np.random.get_state()[1][0]
    >>> _ = check_rng(None).rand()
    >>> bool(np.random.get_state()[1][0] == state)
    True
    >>> float(check_rng(0).rand()) == float(np.random.RandomState(0).rand())
    True
    """
    from sklearn.utils import check_random_state

    return np.random.RandomState() if random_state is None else check_random_state(random_state)


# The largest seed every consumer takes (numpy's legacy seeding, torch, aeon): int32's max.
_MAX_SEED = np.iinfo(np.int32).max


def draw_seed(random_state: int | np.random.RandomState | None) -> int:
    """An int seed in ``[0, 2**31 - 1)`` drawn from ``random_state`` (see :func:`check_rng`).

    Handing each seeded sub-step its own draw keeps the steps independent while the
    whole stays reproducible from one ``random_state``.

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> draw_seed(rng) == int(np.random.RandomState(0).randint(2**31 - 1))
    True
    """
    return int(check_rng(random_state).randint(_MAX_SEED))
