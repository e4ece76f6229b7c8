"""Metric interpolation between two real samples of the same class."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from ._base import (
    _COMMON_ATTRS_DOC,
    _COMMON_PARAMS_DOC,
    BaseMetricAugmenter,
    MemoryArg,
    RandomStateArg,
    SamplingStrategyArg,
)
from ..utils._docstring import Substitution
from ..utils._sampling import draw_same_class_partners

__all__ = ["MetricInterpolationAugmenter"]


@Substitution(common_params=_COMMON_PARAMS_DOC, common_attrs=_COMMON_ATTRS_DOC)
class MetricInterpolationAugmenter(BaseMetricAugmenter):
    """Generate samples whose metrics lie between those of two real samples.

    The paper's *Interp* technique (Wang et al., 2024, section 3.4): for each synthetic row,
    a real row ``i`` of a class is drawn (uniformly, with replacement) and paired
    with another row ``j`` of the same class (uniformly among the others; ``j = i``
    only when the class has a single sample). The requested metrics are
    ``m = b * m_i + (1 - b) * m_j``, one ``b`` per pair, shared by all metrics and
    channels. The paper only says that ``b`` lies between 0 and 1 and is drawn from
    a Gaussian; here ``b ~ N(0.5, b_std**2)`` clipped to ``[0, 1]``, so most new
    points fall near the middle of the segment. When the generator's ``strength``
    is below 1, generation starts from sample ``i``.

    Parameters
    ----------
    %(common_params)s
    b_std : float, default=0.2
        Standard deviation of the interpolation weight ``b`` around 0.5; 0 gives the
        midpoint every time. With 0.2, about 1%% of the draws are clipped to an
        endpoint.

    Attributes
    ----------
    %(common_attrs)s
    pair_indices_ : ndarray of shape (n_generated,), int
        The partner ``j`` of each synthetic row (``i`` is in ``sample_indices_``).
    interpolation_weights_ : ndarray of shape (n_generated,), float64
        The weight ``b`` of each synthetic row.

    See Also
    --------
    MetricDisturbAugmenter : Random relative changes around one real sample.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import ConditionalDiffusionSampler, MetricInterpolationAugmenter
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, size=(12, 1, 9, 8)).astype("float32")
    >>> y = np.repeat(["walk", "run"], 6)
    >>> gen = ConditionalDiffusionSampler(base_channels=4, n_steps=1, train_steps=10,
    ...                                   sample_steps=2, device="cpu", random_state=0)
    >>> aug = MetricInterpolationAugmenter(generator=gen, ratio=1.0, random_state=0)
    >>> S_res, y_res = aug.fit_resample(S, y)
    >>> i, j = aug.sample_indices_[12:], aug.pair_indices_
    >>> bool(np.all(y[i] == y[j]))  # pairs share a label
    True
    """

    _parameter_constraints = {
        **BaseMetricAugmenter._parameter_constraints,
        "b_std": [Interval(numbers.Real, 0, None, closed="left")],
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
        b_std: float = 0.2,
    ) -> None:
        self.generator = generator
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.b_std = b_std
        self.random_state = random_state
        self.memory = memory
        self.prefit = prefit

    def _check_spec(self, metric_names, modalities):
        pass  # b_std is covered by _parameter_constraints

    def _make_conditions(self, S, M, y_encoded, sources, rng):
        partners = draw_same_class_partners(y_encoded, sources, rng)
        b = np.clip(rng.normal(0.5, self.b_std, size=sources.size), 0.0, 1.0)
        self.pair_indices_ = partners
        self.interpolation_weights_ = b
        return b[:, None] * M[sources] + (1.0 - b[:, None]) * M[partners], sources
