"""Explicit conversion of other time-series layouts to skaugment's (n, c, t)."""

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["to_channels_first"]

# axis order that turns each layout into (n_samples, n_channels, n_timesteps)
_LAYOUTS = {
    "nct": (0, 1, 2),
    "ntc": (0, 2, 1),
    "ct": (0, 1),
    "tc": (1, 0),
}


def to_channels_first(X: ArrayLike, layout: Literal["nct", "ntc", "ct", "tc"]) -> np.ndarray:
    """Convert time series stored in a named layout to ``(n_samples, n_channels, n_timesteps)``.

    skaugment never guesses which axis holds time; name it here instead.

    Parameters
    ----------
    X : array-like
        The series. A torch tensor is moved to a numpy array.
    layout : {"nct", "ntc", "ct", "tc"}
        Axis order of ``X``: ``n`` samples, ``c`` channels, ``t`` timesteps.
        ``"ntc"`` is the Keras / tsai / sequence-model convention, ``"nct"`` is
        skaugment's own (returned unchanged), ``"ct"`` and ``"tc"`` are a
        single sample.

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, n_timesteps)
        C-contiguous, same dtype as the input (a single sample gets n_samples=1).

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.utils import to_channels_first
    >>> X = np.zeros((10, 128, 6))  # 10 windows, 128 steps, 6 channels
    >>> to_channels_first(X, "ntc").shape
    (10, 6, 128)
    >>> to_channels_first(np.zeros((128, 6)), "tc").shape
    (1, 6, 128)
    >>> to_channels_first(X, "tnc")
    Traceback (most recent call last):
    ...
    ValueError: layout must be one of 'nct', 'ntc', 'ct', 'tc'; got 'tnc'.
    """
    if not isinstance(layout, str) or layout.lower() not in _LAYOUTS:
        options = ", ".join(repr(k) for k in _LAYOUTS)
        raise ValueError(f"layout must be one of {options}; got {layout!r}.")
    layout = layout.lower()
    if hasattr(X, "detach"):  # torch tensor
        X = X.detach().cpu().numpy()
    X = np.asarray(X)
    if X.ndim != len(layout):
        raise ValueError(
            f"layout {layout!r} describes a {len(layout)}-D array; got a {X.ndim}-D "
            f"array of shape {X.shape}."
        )
    X = np.transpose(X, _LAYOUTS[layout])
    if X.ndim == 2:
        X = X[np.newaxis]
    return np.ascontiguousarray(X)
