"""Statistical features of time series: SF-DM's conditioning set (Yu et al., 2024)."""

from collections.abc import Sequence
from numbers import Real
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import TimeSeriesTagsMixin
from ..utils import check_channel_names, check_time_series

__all__ = ["STATISTICAL_FEATURES", "StatisticalFeatureExtractor", "statistical_features"]

STATISTICAL_FEATURES = ("mean", "std", "skewness", "zscore")


def statistical_features(
    X: ArrayLike, features: Sequence[str] = STATISTICAL_FEATURES, std_floor: float = 1e-8
) -> dict[str, np.ndarray]:
    """Mean, standard deviation, skewness and z-scored signal per sample and channel.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_channels, n_timesteps), float
    features : sequence of str
    std_floor : float
        A channel whose standard deviation is at most this is constant: its z-score
        and skewness are 0 (not NaN).

    Returns
    -------
    values : dict of str -> ndarray
        ``mean``, ``std``, ``skewness``: (n_samples, n_channels); ``zscore``:
        (n_samples, n_channels, n_timesteps).
    """
    X = np.asarray(X, dtype=np.float64)
    mu = X.mean(axis=-1)
    centred = X - mu[..., np.newaxis]
    sigma = np.sqrt((centred * centred).mean(axis=-1))  # population std (ddof=0)
    flat = sigma <= std_floor
    z = centred / np.where(flat, 1.0, sigma)[..., np.newaxis]
    z[flat] = 0.0
    out = {}
    for name in features:
        if name == "mean":
            out[name] = mu
        elif name == "std":
            out[name] = sigma
        elif name == "skewness":
            out[name] = (z**3).mean(axis=-1)
        elif name == "zscore":
            out[name] = z
    return out


class StatisticalFeatureExtractor(TimeSeriesTagsMixin, TransformerMixin, BaseEstimator):
    """Per-channel statistical features of time series (SF-DM, Yu et al., 2024).

    SF-DM conditions its diffusion model on the mean ``mu``, the standard deviation
    ``sigma`` (population, ``ddof=0``), the skewness ``E[((x - mu) / sigma) ** 3]``
    (the biased estimator, as ``scipy.stats.skew``) and the z-score
    ``z(t) = (x(t) - mu) / sigma`` of each channel, all computed per sample over its
    ``n_timesteps``. The z-score is a signal as long as the input; the scalars are
    constant over time. A constant channel gets ``z = 0`` and skewness 0.

    Parameters
    ----------
    features : list of str, default=None
        Subset of ``("mean", "std", "skewness", "zscore")`` in the order wanted;
        ``None`` is all four.
    layout : {"table", "sequence"}, default="table"
        ``"table"``: ``(n_samples, n_features_out)`` float64, channel-major, columns
        ``"{channel}__mean"``, ``"{channel}__std"``, ``"{channel}__skewness"`` and
        ``"{channel}__zscore_t{i}"`` for ``i = 0 .. n_timesteps - 1``.
        ``"sequence"``: ``(n_samples, n_channels, n_features, n_timesteps)`` float32,
        each scalar repeated over time: SF-DM's "same length as the input sequence"
        conditioning tensor.
    std_floor : float, default=1e-8
        Channels with a standard deviation at most this count as constant.
    channel_names : list of str, default=None
        ``None`` gives ``ch0, ch1, ...``.

    Attributes
    ----------
    n_channels_ : int
    n_timesteps_ : int
    features_ : list of str
    channel_names_ : list of str

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import StatisticalFeatureExtractor
    >>> X = np.array([[[1.0, 2.0, 3.0, 10.0]]])
    >>> ext = StatisticalFeatureExtractor(features=["mean", "std", "skewness"]).fit(X)
    >>> np.round(ext.transform(X), 3)
    array([[4.   , 3.536, 1.018]])
    >>> ext.get_feature_names_out().tolist()
    ['ch0__mean', 'ch0__std', 'ch0__skewness']
    """

    _parameter_constraints = {
        "features": [list, tuple, None],
        "layout": [StrOptions({"table", "sequence"})],
        "std_floor": [Interval(Real, 0, None, closed="left")],
        "channel_names": ["array-like", None],
    }

    def __init__(
        self,
        features: list[str] | tuple[str, ...] | None = None,
        layout: Literal["table", "sequence"] = "table",
        std_floor: float = 1e-8,
        channel_names: Sequence[str] | None = None,
    ) -> None:
        self.features = features
        self.layout = layout
        self.std_floor = std_floor
        self.channel_names = channel_names

    def _check_features(self):
        if self.features is None:
            return list(STATISTICAL_FEATURES)
        names = list(self.features)
        if not names:
            raise ValueError(f"features must name at least one of {list(STATISTICAL_FEATURES)}.")
        unknown = [f for f in names if f not in STATISTICAL_FEATURES]
        if unknown:
            raise ValueError(
                f"unknown feature(s) {unknown}; choose from {list(STATISTICAL_FEATURES)}."
            )
        if len(set(names)) != len(names):
            raise ValueError(f"features lists a feature twice: {names}.")
        return names

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: None = None) -> "StatisticalFeatureExtractor":
        """Record the channel count and length of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
            A 2-D ``X`` is one channel.
        y : None
            Ignored.

        Returns
        -------
        self : StatisticalFeatureExtractor
        """
        self.features_ = self._check_features()
        X = check_time_series(X)
        _, self.n_channels_, self.n_timesteps_ = X.shape
        self.channel_names_ = check_channel_names(self.channel_names, self.n_channels_)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Statistical features of ``X``.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_channels_, n_timesteps_)`` or ``(n_samples, n_timesteps_)``

        Returns
        -------
        features : ndarray
            ``(n_samples, n_features_out)`` float64 for ``layout="table"``;
            ``(n_samples, n_channels_, len(features_), n_timesteps_)`` float32 for
            ``layout="sequence"``.
        """
        check_is_fitted(self)
        X = check_time_series(X, n_channels=self.n_channels_)
        if X.shape[-1] != self.n_timesteps_:
            raise ValueError(
                f"X has {X.shape[-1]} timesteps, but {self.n_timesteps_} were seen at fit."
            )
        values = statistical_features(X, self.features_, self.std_floor)
        n, c, t = X.shape
        if self.layout == "sequence":
            parts = [
                np.broadcast_to(values[f][..., np.newaxis], (n, c, t)) if f != "zscore" else values[f]
                for f in self.features_
            ]
            return np.stack(parts, axis=2).astype(np.float32)
        parts = [values[f] if f == "zscore" else values[f][..., np.newaxis] for f in self.features_]
        return np.concatenate(parts, axis=-1).reshape(n, -1)

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Column names of the ``"table"`` layout: ``"{channel}__{feature}"``.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        if self.layout != "table":
            raise ValueError(
                'get_feature_names_out is defined for layout="table" only; the '
                '"sequence" layout returns a 4-D array.'
            )
        names = []
        for ch in self.channel_names_:
            for f in self.features_:
                if f == "zscore":
                    names.extend(f"{ch}__zscore_t{i}" for i in range(self.n_timesteps_))
                else:
                    names.append(f"{ch}__{f}")
        return np.asarray(names, dtype=object)
