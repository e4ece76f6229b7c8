"""Metric disturbance: every metric of a real sample scaled by a random factor."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from ..spectral._metrics import disturb_metrics
from ..utils._docstring import Substitution
from ._base import (
    _COMMON_ATTRS_DOC,
    _COMMON_PARAMS_DOC,
    BaseMetricAugmenter,
    MemoryArg,
    RandomStateArg,
    SamplingStrategyArg,
)

__all__ = ["MetricDisturbAugmenter"]


@Substitution(common_params=_COMMON_PARAMS_DOC, common_attrs=_COMMON_ATTRS_DOC)
class MetricDisturbAugmenter(BaseMetricAugmenter):
    """Generate samples whose metrics are randomly disturbed copies of real ones.

    The paper's *Disturb* technique (Wang et al., 2024, section 3.4): each synthetic row
    takes a random real row of a class (uniformly, with replacement), multiplies
    every selected metric of every channel by ``1 + r``, ``r ~ U(low, high)`` drawn
    independently per row, channel and metric, and asks the generator for a
    spectrogram of that class with those metrics. Metrics not selected keep their
    real values. Requested values are then clipped to what a magnitude spectrogram
    can have: non-negative, flatness at most 1, entropy at most ``log2(F * T)``.

    Parameters
    ----------
    %(common_params)s
    low : float, default=-0.2
        Smallest relative change (-0.2 is -20%%, the paper's setting). At least -1.
    high : float, default=0.2
        Largest relative change; at least ``low``.
    metrics : list of str, default=None
        Metrics to disturb, among the generator's (``"temporal_range"``,
        ``"f0_amplitude"``, ``"contrast"``, ``"flatness"``, ``"entropy"``); ``None``
        disturbs all. Unknown names raise a ``ValueError``.

    Attributes
    ----------
    %(common_attrs)s
    relative_changes_ : ndarray of shape (n_generated, n_conditions), float64
        The drawn ``r`` of every synthetic row and metric column (0 where not
        disturbed), before clipping.

    See Also
    --------
    MetricKnowledgeAugmenter : Per-metric ranges from domain knowledge.
    MetricInterpolationAugmenter : Interpolate the metrics of two real samples.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import ConditionalDiffusionSampler, MetricDisturbAugmenter
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, size=(12, 1, 9, 8)).astype("float32")
    >>> y = np.repeat(["walk", "run"], 6)
    >>> gen = ConditionalDiffusionSampler(base_channels=4, n_steps=1, train_steps=10,
    ...                                   sample_steps=2, device="cpu", random_state=0)
    >>> aug = MetricDisturbAugmenter(generator=gen, ratio=2.0, random_state=0)
    >>> S_res, y_res = aug.fit_resample(S, y)
    >>> S_res.shape, S_res.dtype
    ((36, 1, 9, 8), dtype('float32'))
    >>> int(aug.synthetic_mask_.sum()), aug.sampling_strategy_
    (24, {'run': 12, 'walk': 12})
    """

    _parameter_constraints = {
        **BaseMetricAugmenter._parameter_constraints,
        "low": [Interval(numbers.Real, -1, None, closed="left")],
        "high": [Interval(numbers.Real, -1, None, closed="left")],
        "metrics": [None, list, tuple],
    }

    def __init__(
        self,
        generator: BaseEstimator | None = None,
        *,
        ratio: float = 5.0,
        sampling_strategy: SamplingStrategyArg = None,
        random_state: RandomStateArg = None,
        memory: MemoryArg = None,
        prefit: bool = False,
        low: float = -0.2,
        high: float = 0.2,
        metrics: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        self.generator = generator
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.low = low
        self.high = high
        self.metrics = metrics
        self.random_state = random_state
        self.memory = memory
        self.prefit = prefit

    def _check_spec(self, metric_names, modalities):
        self._check_range(self.low, self.high, "MetricDisturbAugmenter (low, high)")
        if self.metrics is not None:
            if not self.metrics:
                raise ValueError("metrics is empty; give None to disturb every metric.")
            self._check_metric_names(list(self.metrics), metric_names, "metrics")

    def _make_conditions(self, S, M, y_encoded, sources, rng):
        selected = sorted(set(self._metric_of_col)) if self.metrics is None else self.metrics
        columns = np.isin(self._metric_of_col, list(selected))
        requested, self.relative_changes_ = disturb_metrics(M[sources], columns, self.low,
                                                           self.high, rng)
        return requested, sources
