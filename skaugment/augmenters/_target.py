"""Conditions taken from a target set of samples (the paper's *Reconst*)."""

import warnings

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods

from ._base import (
    _COMMON_ATTRS_DOC,
    _COMMON_PARAMS_DOC,
    BaseMetricAugmenter,
    MemoryArg,
    RandomStateArg,
    SamplingStrategyArg,
)
from ..utils import check_finite, check_labels, check_spectrogram
from ..utils._docstring import Substitution
from ..utils._sampling import encode_known_labels

__all__ = ["MetricTargetAugmenter", "draw_target_rows", "target_labels"]


def _default_label_estimator(n_samples):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=min(5, n_samples)))


def target_labels(T, M, y, classes, target_y=None, label_estimator=None):
    """The label of each target row: given, or predicted from its metrics.

    Parameters
    ----------
    T : ndarray of shape (n_target, n_conditions)
        Metrics of the target rows.
    M : ndarray of shape (n_samples, n_conditions)
        Metrics of the labelled real rows.
    y : ndarray of shape (n_samples,)
        Their labels.
    classes : ndarray of shape (n_classes,)
        The sorted labels of ``y``.
    target_y : array-like of shape (n_target,), default=None
        Given labels of the target rows, each in ``classes``.
    label_estimator : classifier, default=None
        Fitted (a clone) on ``(M, y)`` to predict the target labels when ``target_y``
        is None; ``None``: standardised metrics and 5 nearest neighbours.

    Returns
    -------
    labels : ndarray of shape (n_target,)
    fitted_estimator : classifier or None
        None when ``target_y`` was given.
    """
    if target_y is not None:
        labels = check_labels(target_y, n_samples=T.shape[0], name="target_y")
        encode_known_labels(labels, classes, name="target_y", seen="in y")
        return labels, None
    estimator = (_default_label_estimator(M.shape[0]) if label_estimator is None
                 else clone(label_estimator))
    estimator.fit(M, y)
    return np.asarray(estimator.predict(T)), estimator


def draw_target_rows(labels, classes, source_classes, rng):
    """For each synthetic row, a random target row of its class.

    Parameters
    ----------
    labels : ndarray of shape (n_target,)
        Labels of the target rows.
    classes : ndarray of shape (n_classes,)
        The sorted labels of the training rows.
    source_classes : ndarray of shape (n_generated,), int
        Encoded class of each synthetic row.
    rng : numpy RandomState

    Returns
    -------
    chosen : ndarray of shape (n_kept,), int
        The target row of each kept synthetic row.
    keep : ndarray of bool of shape (n_generated,)
        False for the rows of a class that no target row has (with a ``UserWarning``).
    """
    chosen = np.empty(source_classes.size, dtype=np.intp)
    keep = np.ones(source_classes.size, dtype=bool)
    missing = []
    for k, label in enumerate(classes):
        where = np.flatnonzero(source_classes == k)
        if where.size == 0:
            continue
        pool = np.flatnonzero(labels == label)
        if pool.size == 0:
            keep[where] = False
            missing.append(label)
            continue
        chosen[where] = pool[rng.randint(0, pool.size, size=where.size)]
    if missing:
        warnings.warn(
            f"No target row has label(s) {[str(m) for m in missing]}; no synthetic samples "
            "are generated for them.",
            UserWarning,
        )
    return chosen[keep], keep


@Substitution(common_params=_COMMON_PARAMS_DOC, common_attrs=_COMMON_ATTRS_DOC)
class MetricTargetAugmenter(BaseMetricAugmenter):
    """Generate samples with the metrics of a target set of samples.

    The paper's *Reconst* technique (Wang et al., 2024, section 4.2): conditions are not
    derived from the training samples but taken from another set, the validation
    set in the paper (an upper bound: it assumes the validation metrics are known)
    or, in practice, unlabelled samples of the target domain. The training data
    then gains samples of its own classes that have the target's spectral
    character.

    Each class ``c`` gets ``round(ratio * n_c)`` synthetic rows (or the number
    ``sampling_strategy`` asks for); each takes the conditions of a random target
    row (uniformly, with replacement) whose label is ``c``, and a random real row
    of ``c`` as its source (the ``init`` when the generator's ``strength`` is
    below 1). Target labels are ``target_y`` when given; otherwise
    ``label_estimator`` is fitted on the metrics of the real samples and predicts
    them. A class that no target row is assigned to gets no synthetic rows (with a
    warning). Requested values are clipped as in
    :class:`MetricDisturbAugmenter`.

    Parameters
    ----------
    %(common_params)s
    target : array-like of shape (n_target, n_channels, n_freqs, n_frames) or (n_target, n_conditions)
        Target samples: magnitude spectrograms (their metrics are measured with the
        generator's ``conditions_from``, so with its modalities and HPS factors), or
        a metric table with the generator's columns (``condition_names_``). In a
        pipeline, give spectrograms made by the same transformer as the training
        input. Required.
    target_y : array-like of shape (n_target,), default=None
        Labels of the target rows, each seen in the training labels. ``None``:
        predicted by ``label_estimator``.
    label_estimator : classifier, default=None
        Predicts the labels of target rows from their metrics when ``target_y`` is
        None; fitted (a clone) on the metrics and labels of the real samples.
        ``None``: standardised metrics and ``KNeighborsClassifier(n_neighbors=5)``
        (fewer neighbours when there are fewer than 5 samples).

    Attributes
    ----------
    %(common_attrs)s
    target_conditions_ : ndarray of shape (n_target, n_conditions), float64
        The metrics of the target rows.
    target_labels_ : ndarray of shape (n_target,)
        Their labels (given or predicted).
    target_indices_ : ndarray of shape (n_generated,), int
        The target row each synthetic row took its conditions from.
    label_estimator_ : classifier or None
        The fitted label estimator (None when ``target_y`` was given).

    See Also
    --------
    MetricKnowledgeAugmenter : Move metrics in known directions instead.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import ConditionalDiffusionSampler, MetricTargetAugmenter
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, size=(12, 1, 9, 8)).astype("float32")
    >>> y = np.repeat(["walk", "run"], 6)
    >>> S_target = 2 * rng.gamma(2.0, size=(5, 1, 9, 8))
    >>> gen = ConditionalDiffusionSampler(base_channels=4, n_steps=1, train_steps=10,
    ...                                   sample_steps=2, device="cpu", random_state=0)
    >>> aug = MetricTargetAugmenter(generator=gen, target=S_target,
    ...                             target_y=["run", "run", "walk", "walk", "walk"],
    ...                             ratio=1.0, random_state=0)
    >>> S_res, y_res = aug.fit_resample(S, y)
    >>> rows = aug.target_indices_
    >>> bool(np.allclose(aug.conditions_, aug.target_conditions_[rows]))
    True
    """

    _parameter_constraints = {
        **BaseMetricAugmenter._parameter_constraints,
        "target": [None, "array-like"],
        "target_y": [None, "array-like"],
        "label_estimator": [None, HasMethods(["fit", "predict"])],
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
        target: ArrayLike | None = None,
        target_y: ArrayLike | None = None,
        label_estimator: BaseEstimator | None = None,
    ) -> None:
        self.generator = generator
        self.target = target
        self.target_y = target_y
        self.label_estimator = label_estimator
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.memory = memory
        self.prefit = prefit

    def _check_spec(self, metric_names, modalities):
        if self.target is None:
            raise ValueError(
                "target is required: the spectrograms (or metric table) whose metrics "
                "the synthetic samples should have."
            )
        ndim = np.ndim(self.target)
        if ndim not in (2, 4):
            raise ValueError(
                "target must be 4-D spectrograms (n_target, n_channels, n_freqs, n_frames) "
                f"or a 2-D metric table (n_target, n_conditions); got a {ndim}-D array of "
                f"shape {np.shape(self.target)}."
            )
        if self.target_y is not None:
            check_labels(self.target_y, n_samples=len(self.target), name="target_y")

    def _target_conditions(self):
        target = np.asarray(self.target)
        if target.ndim == 4:
            # spectrograms of the training layout, or their metrics are not comparable
            target = check_spectrogram(target, shape=tuple(self.generator_.input_shape_),
                                       name="target")
            return np.asarray(self.generator_.conditions_from(target), dtype=np.float64)
        if target.dtype == object or not np.issubdtype(target.dtype, np.number):
            raise TypeError(f"target must hold real numbers; got dtype {target.dtype}.")
        target = check_finite(target.astype(np.float64), "target")
        n_conditions = len(self.condition_names_)
        if target.shape[1] != n_conditions:
            raise ValueError(
                f"target has {target.shape[1]} columns, but the generator conditions on "
                f"{n_conditions} ({', '.join(self.condition_names_[:3])}, ...)."
            )
        if (target < 0).any():
            raise ValueError("target holds negative metric values; metrics are non-negative.")
        return target

    def _make_conditions(self, S, M, y_encoded, sources, rng):
        T = self._target_conditions()
        labels, self.label_estimator_ = target_labels(
            T, M, self.classes_[y_encoded], self.classes_, self.target_y, self.label_estimator)
        self.target_conditions_ = T
        self.target_labels_ = labels
        self.target_indices_, keep = draw_target_rows(labels, self.classes_, y_encoded[sources], rng)
        return T[self.target_indices_], sources[keep]
