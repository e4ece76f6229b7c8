"""Domain-knowledge instruction: move chosen metrics in chosen directions."""


import numpy as np
from sklearn.base import BaseEstimator

from ._base import (
    _COMMON_ATTRS_DOC,
    _COMMON_PARAMS_DOC,
    BaseMetricAugmenter,
    MemoryArg,
    RandomStateArg,
    SamplingStrategyArg,
)
from ..utils._docstring import Substitution

__all__ = ["MetricKnowledgeAugmenter"]

# Seed 000, section 4.3, case study 1: energetic runners swing their arms harder, so
# their accelerometer spectrograms have more contrast, a stronger fundamental and
# less flatness than cautious runners'.
_CASE_STUDY_1 = {"contrast": (0.1, 0.4), "flatness": (-0.4, -0.1), "f0_amplitude": (0.1, 0.4)}


@Substitution(common_params=_COMMON_PARAMS_DOC, common_attrs=_COMMON_ATTRS_DOC)
class MetricKnowledgeAugmenter(BaseMetricAugmenter):
    """Generate samples whose metrics are shifted in directions known to matter.

    The paper's *domain-knowledge instruction* (Wang et al., 2024, sections 3.4 and 4.3):
    like :class:`MetricDisturbAugmenter`, but each metric has its own range of
    relative change, chosen from what is known of the target domain, and metrics
    without a range keep their real values. Each synthetic row takes a random real
    row of a class (uniformly, with replacement) and multiplies each listed metric
    by ``1 + r``, ``r ~ U(low, high)`` of that metric, drawn independently per row
    and channel. Requested values are clipped as in :class:`MetricDisturbAugmenter`.

    Parameters
    ----------
    %(common_params)s
    ranges : dict, default=None
        Relative-change range ``(low, high)`` of each metric to move, e.g. case study
        1 of the paper (cautious to energetic runners), the default when ``None``::

            {"contrast": (0.1, 0.4), "flatness": (-0.4, -0.1), "f0_amplitude": (0.1, 0.4)}

        or, per modality of the generator (modalities not listed are unchanged)::

            {"acc": {"contrast": (0.1, 0.4)}, "gyro": {"entropy": (-0.2, 0.0)}}

        Unknown metric or modality names, ``low > high`` or ``low < -1`` raise a
        ``ValueError``.

    Attributes
    ----------
    %(common_attrs)s
    relative_changes_ : ndarray of shape (n_generated, n_conditions), float64
        The drawn ``r`` of every synthetic row and metric column (0 where the metric
        has no range), before clipping.

    See Also
    --------
    MetricDisturbAugmenter : One symmetric range for all metrics.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import ConditionalDiffusionSampler, MetricKnowledgeAugmenter
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, size=(12, 1, 9, 8)).astype("float32")
    >>> y = np.repeat(["walk", "run"], 6)
    >>> gen = ConditionalDiffusionSampler(base_channels=4, n_steps=1, train_steps=10,
    ...                                   sample_steps=2, device="cpu", random_state=0)
    >>> aug = MetricKnowledgeAugmenter(generator=gen, ratio=1.0, random_state=0,
    ...                                ranges={"contrast": (0.1, 0.4)})
    >>> S_res, y_res = aug.fit_resample(S, y)
    >>> change = aug.conditions_ / aug.source_conditions_ - 1
    >>> bool(np.all((change[:, 2] >= 0.1) & (change[:, 2] <= 0.4)))  # column 2: contrast
    True
    >>> bool(np.allclose(change[:, [0, 1, 3, 4]], 0))  # the other metrics are unchanged
    True
    """

    _parameter_constraints = {
        **BaseMetricAugmenter._parameter_constraints,
        "ranges": [None, dict],
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
        ranges: (
            dict[str, tuple[float, float]] | dict[str, dict[str, tuple[float, float]]] | None
        ) = None,
    ) -> None:
        self.generator = generator
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.ranges = ranges
        self.random_state = random_state
        self.memory = memory
        self.prefit = prefit

    def _parse_ranges(self, metric_names, modalities):
        """``{modality or None: {metric: (low, high)}}``; None means every channel."""
        ranges = _CASE_STUDY_1 if self.ranges is None else self.ranges
        if not ranges:
            raise ValueError("ranges is empty: give at least one metric and its range.")
        if all(isinstance(v, dict) for v in ranges.values()):
            if modalities is not None:
                unknown = [m for m in ranges if m not in modalities]
                if unknown:
                    raise ValueError(
                        f"ranges names unknown modality(ies) {unknown}; the generator's "
                        f"modalities are {list(modalities)}."
                    )
            per_modality = dict(ranges)
        else:
            per_modality = {None: ranges}
        for modality, spec in per_modality.items():
            where = "ranges" if modality is None else f"ranges[{modality!r}]"
            if not isinstance(spec, dict):
                raise ValueError(
                    f"{where} must map metric names to (low, high) ranges; got {spec!r}. "
                    "Mixing metrics and modalities at the top level is not supported."
                )
            self._check_metric_names(list(spec), metric_names, where)
            for metric, bounds in spec.items():
                if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
                    raise ValueError(
                        f"{where}[{metric!r}] must be a (low, high) pair of relative changes; "
                        f"got {bounds!r}."
                    )
                self._check_range(bounds[0], bounds[1], f"{where}[{metric!r}]")
        return per_modality

    def _check_spec(self, metric_names, modalities):
        self._parse_ranges(metric_names, modalities)

    def _make_conditions(self, S, M, y_encoded, sources, rng):
        per_modality = self._parse_ranges(sorted(set(self._metric_of_col)), list(self._modalities))
        R = np.zeros((sources.size, M.shape[1]))
        for modality, spec in per_modality.items():
            for metric, (low, high) in spec.items():
                cols = self._columns(metric, modality)
                R[:, cols] = rng.uniform(float(low), float(high), size=(sources.size, cols.size))
        self.relative_changes_ = R
        return M[sources] * (1.0 + R), sources
