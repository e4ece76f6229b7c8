"""The five spectral metrics of Wang et al., 2024 (Appendix B): numpy and differentiable torch.

Both implementations follow docs/metrics.md to the letter, including the choices the
paper leaves open (DC bin excluded from the HPS argmax, HPS over the bins where every
harmonic exists, linear quantiles with the quantile-gap fallback, eps=1e-12 in the
flatness, ``0 log 0 = 0``). They are kept in one module so that a change to one is
seen next to the other.
"""

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..base import TimeSeriesTagsMixin
from ..utils import check_channel_names, check_modalities, check_spectrogram, per_modality_value

__all__ = ["METRIC_NAMES", "FLATNESS_EPS", "CONTRAST_QUANTILE", "MetricExtractor"]

METRIC_NAMES = ("temporal_range", "f0_amplitude", "contrast", "flatness", "entropy")
FLATNESS_EPS = 1e-12
CONTRAST_QUANTILE = 0.05


def _check_metrics(metrics):
    if metrics is None:
        return list(METRIC_NAMES)
    if isinstance(metrics, str):
        metrics = [metrics]
    try:
        names = list(metrics)
    except TypeError:
        raise TypeError(f"metrics must be a sequence of metric names; got {metrics!r}.")
    if not names:
        raise ValueError(f"metrics must name at least one of {list(METRIC_NAMES)}.")
    unknown = [m for m in names if m not in METRIC_NAMES]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {list(METRIC_NAMES)}.")
    if len(set(names)) != len(names):
        raise ValueError(f"metrics lists a metric twice: {names}.")
    return names


def disturb_metrics(
    M: np.ndarray, columns: np.ndarray, low: float, high: float, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    """Each selected metric times ``1 + r``, ``r ~ U(low, high)`` per row and column.

    The draw of the *Disturb* technique (Wang et al., 2024, "Fine-grained Control of
    Generative Data Augmentation in IoT Sensing", NeurIPS 2024).

    Parameters
    ----------
    M : ndarray of shape (n_rows, n_conditions)
        Metrics to disturb.
    columns : ndarray of bool of shape (n_conditions,)
        Columns to disturb; the others keep their values.
    low, high : float
        Range of the relative change ``r``.
    rng : numpy RandomState

    Returns
    -------
    disturbed : ndarray of shape (n_rows, n_conditions), float64
    R : ndarray of shape (n_rows, n_conditions), float64
        The drawn ``r`` (0 in columns not disturbed).
    """
    R = np.zeros(M.shape)
    R[:, columns] = rng.uniform(low, high, size=(M.shape[0], int(np.sum(columns))))
    return M * (1.0 + R), R


def clip_physical_metrics(
    C: np.ndarray, metric_of_col: np.ndarray, n_freqs: int, n_frames: int
) -> np.ndarray:
    """Requested metrics clipped to what a magnitude spectrogram of ``F x T`` bins can have.

    Non-negative; flatness at most 1; entropy at most ``log2(F * T)``.
    """
    C = np.maximum(C, 0.0)
    flat = metric_of_col == "flatness"
    C[:, flat] = np.minimum(C[:, flat], 1.0)
    ent = metric_of_col == "entropy"
    C[:, ent] = np.minimum(C[:, ent], np.log2(n_freqs * n_frames))
    return C


def split_condition_names(names):
    """``"acc_x__contrast"`` -> channel ``"acc_x"``, metric ``"contrast"`` for each column."""
    channels, metrics = [], []
    for name in names:
        channel, _, metric = str(name).rpartition("__")
        channels.append(channel)
        metrics.append(metric)
    return np.array(channels, dtype=object), np.array(metrics, dtype=object)


def _check_hps_factor(hps_factor, n_channels, n_freqs, exclude_dc):
    """One HPS factor per channel, each small enough for ``n_freqs`` bins."""
    if isinstance(hps_factor, numbers.Integral) and not isinstance(hps_factor, bool):
        factors = [int(hps_factor)] * n_channels
    else:
        if hasattr(hps_factor, "tolist"):
            hps_factor = hps_factor.tolist()
        try:
            factors = list(hps_factor)
        except TypeError:
            raise TypeError(
                "hps_factor must be an int or a sequence of one int per channel; "
                f"got {hps_factor!r}."
            )
        if len(factors) != n_channels:
            raise ValueError(
                f"hps_factor has {len(factors)} values but S has {n_channels} channels."
            )
        for d in factors:
            if isinstance(d, bool) or not isinstance(d, numbers.Integral):
                raise TypeError(f"hps_factor values must be ints; got {d!r}.")
        factors = [int(d) for d in factors]
    for d in factors:
        if d < 1:
            raise ValueError(f"hps_factor must be >= 1; got {d}.")
        # with DC excluded, bin 1 must have all D harmonics: D * 1 <= F - 1
        highest = (n_freqs - 1) // d
        if highest < (1 if exclude_dc else 0):
            raise ValueError(
                f"hps_factor={d} is too large for {n_freqs} frequency bins: the harmonic "
                f"product needs at least {d + 1} bins when the DC bin is excluded."
            )
    return factors


def _factor_groups(factors):
    """``{D: [channels]}`` so the HPS runs once per distinct factor, not per channel."""
    groups = {}
    for c, d in enumerate(factors):
        groups.setdefault(d, []).append(c)
    return groups


# ----------------------------------------------------------------------------- numpy


def hps_f0_bins_np(S, factors, exclude_dc):
    """``f0(t)`` per sample, channel and frame: int array (n, c, T)."""
    return _hps_np(S, factors, exclude_dc)[0]


def _hps_np(S, factors, exclude_dc):
    """HPS argmax ``f0`` (n, c, T) and the gathered ``S(f0(t), t)`` (n, c, T).

    A running argmax over the candidate bins, each a contiguous (n, c, T) slab, is
    several times faster than building H (n, c, F', T) and reducing over its
    strided frequency axis; ``>`` keeps the first maximum like ``np.argmax``.
    """
    n, c, F, T = S.shape
    f0 = np.empty((n, c, T), dtype=np.intp)
    amp = np.empty((n, c, T), dtype=S.dtype)
    start = 1 if exclude_dc else 0
    for d_max, chans in _factor_groups(factors).items():
        Sg = S[:, chans] if len(chans) < c else S
        n_bins = (F - 1) // d_max + 1  # bins f with d_max * f <= F - 1
        best_h = best_f = best_amp = None
        for f in range(start, n_bins):
            h = Sg[:, :, f].copy()
            for d in range(2, d_max + 1):
                h *= Sg[:, :, d * f]
            if best_h is None:
                best_h, best_amp = h, Sg[:, :, f].copy()
                best_f = np.full(h.shape, f, dtype=np.intp)
            else:
                better = h > best_h
                np.copyto(best_h, h, where=better)
                np.copyto(best_amp, Sg[:, :, f], where=better)
                best_f[better] = f
        f0[:, chans] = best_f
        amp[:, chans] = best_amp
    return f0, amp


def _hps_f0_amplitude_np(S, factors, exclude_dc):
    return _hps_np(S, factors, exclude_dc)[1].mean(axis=-1)


def _contrast_np(V):
    """``V`` (n, c, N) flattened spectrograms.

    One (SIMD) sort per row gives both linear quantiles exactly as ``np.quantile``
    computes them; values strictly above ``q95`` can only sit after its lower
    neighbour and values strictly below ``q05`` only up to its lower neighbour, so
    the set means need just the two ends of the sorted rows.
    """
    N = V.shape[-1]
    Vs = np.sort(V, axis=-1)

    def quantile(q):
        pos = q * (N - 1)  # numpy's "linear" virtual index
        lo = int(np.floor(pos))
        hi = min(lo + 1, N - 1)
        frac = pos - lo
        a, b = Vs[..., lo], Vs[..., hi]
        diff = b - a
        # numpy's _lerp switches formula at frac >= 0.5; copy it to agree to the bit
        return (a + diff * frac if frac < 0.5 else b - diff * (1 - frac)), lo

    hi_q, i_hi = quantile(1.0 - CONTRAST_QUANTILE)
    lo_q, i_lo = quantile(CONTRAST_QUANTILE)
    tail, head = Vs[..., i_hi + 1 :], Vs[..., : i_lo + 1]
    above = tail > hi_q[..., np.newaxis]
    below = head < lo_q[..., np.newaxis]
    n_above = above.sum(axis=-1)
    n_below = below.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_above = (tail * above).sum(axis=-1) / n_above
        mean_below = (head * below).sum(axis=-1) / n_below
    empty = (n_above == 0) | (n_below == 0)
    return np.where(empty, hi_q - lo_q, mean_above - mean_below)


def _flatness_np(V):
    P = V * V
    mean_p = P.mean(axis=-1)
    np.add(P, FLATNESS_EPS, out=P)
    np.log(P, out=P)
    return np.exp(P.mean(axis=-1)) / (mean_p + FLATNESS_EPS)


def _entropy_np(V):
    # -sum p log2 p with p = V / s equals log2 s - sum(V log2 V) / s: one log pass,
    # no p array; V log2 max(V, tiny) is exactly 0 where V = 0 (0 log 0 = 0)
    total = V.sum(axis=-1)
    # an all-zero spectrogram has no distribution; its entropy is defined as 0
    safe_total = np.where(total > 0, total, 1.0)
    VlogV = np.maximum(V, np.finfo(V.dtype).tiny)
    np.log2(VlogV, out=VlogV)
    VlogV *= V
    return np.log2(safe_total) - VlogV.sum(axis=-1) / safe_total


def spectral_metrics_numpy(S, factors, names, exclude_dc):
    """Core numpy implementation on a validated float64 ``(n, c, F, T)`` array."""
    n, c, F, T = S.shape
    V = S.reshape(n, c, F * T)
    out = np.empty((n, c, len(names)), dtype=np.float64)
    for k, name in enumerate(names):
        if name == "temporal_range":
            A = S.mean(axis=2)
            out[..., k] = A.max(axis=-1) - A.min(axis=-1)
        elif name == "f0_amplitude":
            out[..., k] = _hps_f0_amplitude_np(S, factors, exclude_dc)
        elif name == "contrast":
            out[..., k] = _contrast_np(V)
        elif name == "flatness":
            out[..., k] = _flatness_np(V)
        elif name == "entropy":
            out[..., k] = _entropy_np(V)
    return out


# ----------------------------------------------------------------------------- torch


def exact_dtype(device):
    """The dtype the torch metrics compute in on ``device``: float64, but float32 on
    Apple's MPS, which has no float64 (the metrics then agree with numpy less closely)."""
    import torch

    return torch.float32 if torch.device(device).type == "mps" else torch.float64


def _hps_f0_amplitude_torch(S, factors, exclude_dc):
    import torch

    n, c, F, T = S.shape
    start = 1 if exclude_dc else 0
    parts = [None] * c
    for d_max, chans in _factor_groups(factors).items():
        Sg = S[:, chans] if len(chans) < c else S
        n_bins = (F - 1) // d_max + 1
        # the argmax is an index and carries no gradient: compute it on detached float64
        # values so that it picks the same bin as the numpy implementation
        Sd = Sg.detach().to(exact_dtype(Sg.device))
        H = Sd[:, :, :n_bins].clone()
        for d in range(2, d_max + 1):
            H = H * Sd[:, :, : d * (n_bins - 1) + 1 : d]
        f0 = torch.argmax(H[:, :, start:], dim=2) + start
        amp = torch.gather(Sg, 2, f0.unsqueeze(2)).squeeze(2).mean(dim=-1)  # (n, cg)
        for j, ch in enumerate(chans):
            parts[ch] = amp[:, j]
    return torch.stack(parts, dim=1)


def _contrast_torch(V):
    import torch

    q = CONTRAST_QUANTILE
    N = V.shape[-1]
    Vs, _ = torch.sort(V, dim=-1)  # sort's values carry the gradient of the gathered elements

    def lerp(qq):
        pos = qq * (N - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, N - 1)
        frac = pos - lo
        a, b = Vs[..., lo], Vs[..., hi]
        # numpy's _lerp switches formula at frac >= 0.5; both are exact to rounding
        return a + (b - a) * frac if frac < 0.5 else b - (b - a) * (1.0 - frac)

    hi_q = lerp(1.0 - q)
    lo_q = lerp(q)
    above = (Vs > hi_q.detach().unsqueeze(-1)).to(V.dtype)
    below = (Vs < lo_q.detach().unsqueeze(-1)).to(V.dtype)
    n_above = above.sum(dim=-1)
    n_below = below.sum(dim=-1)
    mean_above = (Vs * above).sum(dim=-1) / n_above.clamp(min=1)
    mean_below = (Vs * below).sum(dim=-1) / n_below.clamp(min=1)
    empty = (n_above == 0) | (n_below == 0)
    return torch.where(empty, hi_q - lo_q, mean_above - mean_below)


def spectral_metrics_torch_core(S, factors, names, exclude_dc):
    """Core torch implementation on a float64 ``(n, c, F, T)`` tensor."""
    import torch

    n, c, F, T = S.shape
    V = S.reshape(n, c, F * T)
    results = {}
    for name in names:
        if name == "temporal_range":
            A = S.mean(dim=2)
            results[name] = A.amax(dim=-1) - A.amin(dim=-1)
        elif name == "f0_amplitude":
            results[name] = _hps_f0_amplitude_torch(S, factors, exclude_dc)
        elif name == "contrast":
            results[name] = _contrast_torch(V)
        elif name == "flatness":
            P = V * V
            geo = torch.exp(torch.log(P + FLATNESS_EPS).mean(dim=-1))
            results[name] = geo / (P.mean(dim=-1) + FLATNESS_EPS)
        elif name == "entropy":
            total = V.sum(dim=-1, keepdim=True)
            p = V / torch.where(total > 0, total, torch.ones_like(total))
            positive = p > 0
            # log of a placeholder 1 where p == 0 keeps the gradient finite (0 log 0 = 0)
            safe = torch.where(positive, p, torch.ones_like(p))
            plogp = torch.where(positive, p * torch.log2(safe), torch.zeros_like(p))
            results[name] = -plogp.sum(dim=-1)
    return torch.stack([results[name] for name in names], dim=-1)


# ----------------------------------------------------------------------------- estimator


class MetricExtractor(TimeSeriesTagsMixin, TransformerMixin, BaseEstimator):
    """The five spectral metrics of Wang et al., 2024 per channel, as a feature table.

    ``(n_samples, n_channels, n_freqs, n_frames)`` magnitude spectrograms ->
    ``(n_samples, n_channels * n_metrics)`` float64, channel-major: the metrics of
    channel 0, then those of channel 1, ... Column names are
    ``"{channel}__{metric}"``. The definitions (docs/metrics.md) are those of
    :func:`skaugment.spectral.functional.spectral_metrics`:

    - ``temporal_range``: ``max_t A(t) - min_t A(t)`` with ``A(t) = mean_f S(f, t)``;
    - ``f0_amplitude``: mean over frames of ``S(f0(t), t)``, ``f0(t)`` the argmax of
      the harmonic product spectrum with ``hps_factor`` harmonics, DC excluded;
    - ``contrast``: mean above the 95% quantile minus mean below the 5% quantile;
    - ``flatness``: geometric over arithmetic mean of ``S ** 2`` (eps 1e-12);
    - ``entropy``: Shannon entropy in bits of ``S / sum S``.

    Parameters
    ----------
    metrics : list of str, default=None
        Subset of :data:`~skaugment.spectral.METRIC_NAMES`, in the order wanted;
        ``None`` is all five.
    hps_factor : int or dict of str -> int, default=2
        Harmonics in the harmonic product spectrum: one int for every channel or one
        per modality, e.g. ``{"acc": 3, "gyro": 2}``.
    modalities : dict of str -> list of int, default=None
        Channels per sensor; ``None`` is one modality ``"all"`` holding every channel.
    channel_names : list of str, default=None
        ``None`` gives ``ch0, ch1, ...``.

    Attributes
    ----------
    n_channels_ : int
    input_shape_ : tuple of int
        ``(n_channels, n_freqs, n_frames)`` seen at fit.
    metrics_ : list of str
    hps_factors_ : list of int
        The HPS factor of each channel.
    modalities_ : dict of str -> list of int
    channel_names_ : list of str
    feature_names_out_ : ndarray of str
        Same as :meth:`get_feature_names_out`.

    See Also
    --------
    skaugment.SpectrogramTransformer : makes the magnitude spectrograms.
    skaugment.spectral.functional.spectral_metrics_torch : differentiable twin.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import MetricExtractor
    >>> S = np.random.default_rng(0).random((4, 2, 17, 13))
    >>> ext = MetricExtractor(channel_names=["acc_x", "gyro_x"],
    ...                       modalities={"acc": [0], "gyro": [1]},
    ...                       hps_factor={"acc": 3, "gyro": 2}).fit(S)
    >>> ext.transform(S).shape
    (4, 10)
    >>> ext.get_feature_names_out()[:2].tolist()
    ['acc_x__temporal_range', 'acc_x__f0_amplitude']
    """

    _parameter_constraints = {
        "metrics": [list, tuple, None],
        "hps_factor": [Interval(numbers.Integral, 1, None, closed="left"), dict],
        "modalities": [dict, None],
        "channel_names": ["array-like", None],
    }

    def __init__(
        self,
        metrics: list[str] | tuple[str, ...] | None = None,
        hps_factor: int | dict[str, int] = 2,
        modalities: dict[str, Sequence[int]] | None = None,
        channel_names: Sequence[str] | None = None,
    ) -> None:
        self.metrics = metrics
        self.hps_factor = hps_factor
        self.modalities = modalities
        self.channel_names = channel_names

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # 4-D spectrograms only: a 2-D table is never a valid input
        tags.input_tags.two_d_array = False
        tags.input_tags.positive_only = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, S: ArrayLike, y: None = None) -> "MetricExtractor":
        """Check ``S`` and the parameters against its shape.

        Parameters
        ----------
        S : array-like of shape (n_samples, n_channels, n_freqs, n_frames)
            Magnitude spectrograms.
        y : None
            Ignored.

        Returns
        -------
        self : MetricExtractor
        """
        S = check_spectrogram(S)
        n_channels, n_freqs = S.shape[1], S.shape[2]
        self.metrics_ = _check_metrics(self.metrics)
        self.modalities_ = check_modalities(self.modalities, n_channels)
        self.channel_names_ = check_channel_names(self.channel_names, n_channels)
        factors = per_modality_value(self.hps_factor, self.modalities_, "hps_factor", n_channels)
        self.hps_factors_ = _check_hps_factor(factors, n_channels, n_freqs, exclude_dc=True)
        self.n_channels_ = n_channels
        self.input_shape_ = tuple(S.shape[1:])
        self.feature_names_out_ = np.asarray(
            [f"{ch}__{m}" for ch in self.channel_names_ for m in self.metrics_], dtype=object
        )
        return self

    def transform(self, S: ArrayLike) -> np.ndarray:
        """The metric table of ``S``.

        Parameters
        ----------
        S : array-like of shape ``(n_samples, n_channels_, n_freqs, n_frames)``
            Magnitude spectrograms; negative (log-scaled) input is rejected.

        Returns
        -------
        table : ndarray of shape ``(n_samples, n_channels_ * len(metrics_))``, float64
        """
        check_is_fitted(self)
        S = check_spectrogram(S, shape=self.input_shape_, dtype=np.float64)
        values = spectral_metrics_numpy(S, self.hps_factors_, self.metrics_, exclude_dc=True)
        return values.reshape(S.shape[0], -1)

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """``"{channel}__{metric}"`` for every column of :meth:`transform`.

        Parameters
        ----------
        input_features : None
            Ignored (the input is a spectrogram, not a table).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        return self.feature_names_out_.copy()
