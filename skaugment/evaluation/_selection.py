"""Leak-free choice of an augmentation, and of its ratio, for one classifier.

:class:`AugmentationSelector` answers "which augmentation, at which ratio, for my
classifier?" by cross-validation over the rows it is fitted on, and only them, so
that it can sit inside an outer evaluation loop. Its answer may be "none": an
augmentation is chosen only when it measurably beats no augmentation on the same
inner folds.
"""

from __future__ import annotations

import numbers
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..utils._labels import takes_soft_labels
from ..utils._params import set_nested_params
from ..utils._validation import _as_float_array, check_labels, draw_seed
from ._method import _REFERENCE, _TestWindows
from ._statistics import paired_difference

__all__ = ["AugmentationSelector"]

# how much an improvement must exceed its threshold: a margin for rounding only
_TOLERANCE = 1e-12


def _scorer_names():
    from sklearn.metrics import get_scorer_names

    return set(get_scorer_names())


# -- candidates -> pipelines ---------------------------------------------------------------

def _is_pipeline(obj):
    from sklearn.pipeline import Pipeline

    return isinstance(obj, Pipeline)


def _check_step(name, step):
    """A step of a candidate must be a sampler or a transformer, not both."""
    resamples = hasattr(step, "fit_resample")
    transforms = hasattr(step, "fit") and (hasattr(step, "transform")
                                           or hasattr(step, "fit_transform"))
    if isinstance(step, str) or step is None or not (resamples or transforms):
        raise ValueError(
            f"candidate {name!r} has a step {step!r} that is neither a sampler (fit_resample, "
            "e.g. an augmenter) nor a transformer (fit + transform); a candidate is None, an "
            "augmenter, or a list of samplers and transformers placed before the classifier."
        )
    if resamples and hasattr(step, "transform"):
        raise ValueError(
            f"candidate {name!r} has a step {type(step).__name__} with both fit_resample and "
            "transform, which imbalanced-learn's Pipeline rejects."
        )


def _candidate_steps(name, value, preprocessing):
    """The steps of one candidate, preprocessing included, in pipeline order (not cloned)."""
    if value is None:
        steps = []
    elif isinstance(value, (list, tuple)):
        steps = list(value)
        if not steps:
            raise ValueError(f"candidate {name!r} is an empty list of steps; use None for "
                             "no augmentation.")
    else:
        steps = [value]
    for step in steps:
        _check_step(name, step)
    # the recipes of augmentation_methods() list the STFT themselves: not twice
    if preprocessing is not None and not any(_same_step(s, preprocessing) for s in steps):
        steps.append(preprocessing)
    return steps


def _same_step(a, b):
    """``a`` is ``b``, or an estimator of the same class with the same parameters."""
    if a is b:
        return True
    if type(a) is not type(b) or not hasattr(a, "get_params"):
        return False
    try:
        import joblib

        return joblib.hash(a.get_params(deep=True)) == joblib.hash(b.get_params(deep=True))
    except Exception:
        return False


def _ratio_keys(step):
    """The shallowest parameters named ``ratio`` of ``step``.

    ``"ratio"`` for an augmenter, ``"sampler__ratio"`` for one wrapped by
    :class:`~skaugment.augmenters.LabelFidelityFilter`; never the ``ratio`` of a
    generator nested in a metric augmenter, which the augmenter's own ``ratio``
    overrides (and which keys the generator cache).
    """
    if not hasattr(step, "get_params"):
        return []
    keys = [k for k in step.get_params(deep=True) if k == "ratio" or k.endswith("__ratio")]
    if not keys:
        return []
    depth = min(k.count("__") for k in keys)
    return [k for k in keys if k.count("__") == depth]


def _own_ratio(steps):
    values = {step.get_params(deep=True)[k] for step in steps for k in _ratio_keys(step)}
    if len(values) == 1:
        value = values.pop()
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return float(value)
    return float("nan")


def _set_memory(pipe, memory):
    """Give ``memory`` to every nested ``memory`` parameter left None, pipelines' own excepted."""
    params = pipe.get_params(deep=True)
    updates = {}
    for key, value in params.items():
        if not key.endswith("__memory") or value is not None:
            continue
        owner = params.get(key[: -len("__memory")])
        if owner is not None and not _is_pipeline(owner):
            updates[key] = memory
    for key in sorted(updates, key=lambda k: k.count("__")):
        pipe.set_params(**{key: memory})


def _has_memory_slot(pipe):
    params = pipe.get_params(deep=True)
    return any(k.endswith("__memory") and v is None and not _is_pipeline(
        params.get(k[: -len("__memory")])) for k, v in params.items())


def _is_soft(y):
    shape = getattr(y, "shape", None)
    if shape is None:
        shape = np.shape(y)
    return len(shape) == 2 and shape[1] > 1


def _gives_soft_labels(pipe, X, y):
    """Whether the steps before ``pipe``'s classifier hand it a table of class probabilities."""
    try:
        for _, step in pipe.steps[:-1]:
            if step is None or isinstance(step, str):
                continue
            step = clone(step)
            if hasattr(step, "fit_resample"):
                X, y = step.fit_resample(X, y)
            else:
                X = step.fit_transform(X, y)
    except Exception:  # the steps themselves fail: their own error is the message
        return False
    return _is_soft(y)


def _fit_pipeline(pipe, X, y, label):
    """``pipe.fit(X, y)``; a classifier that fails on soft labels gets an error naming the fix."""
    try:
        return pipe.fit(X, y)
    except Exception as exc:
        final = pipe.steps[-1][1]
        if _is_pipeline(final):
            final = final.steps[-1][1]
        # only a classifier that does not take soft labels fails *because* of them
        if not takes_soft_labels(final) and _gives_soft_labels(pipe, X, y):
            raise ValueError(
                f"candidate {label!r} gives the classifier soft labels (a table of class "
                f"probabilities, e.g. mixup's), and {type(final).__name__} cannot train on "
                f"them ({type(exc).__name__}: {exc}). Use MixupAugmenter(labels=\"hard\"), "
                "which gives every mixed row one label, or a skaugment classifier, which "
                "trains on soft labels."
            ) from exc
        raise


def _fit_and_score(pipe, X, y, train, test, scorer, label, fold, verbose):
    start = time.perf_counter()
    _fit_pipeline(pipe, X[train], y[train], label)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    score = float(scorer(pipe, X[test], y[test]))
    score_time = time.perf_counter() - start
    if verbose >= 2:
        print(f"  fold {fold}: {label:<32} score {score:.4f}  ({fit_time:.1f} s)", flush=True)
    return score, fit_time, score_time


def _search_has(attr):
    """Methods of the refitted pipeline (or, before fit, of the classifier) only."""

    def check(self):
        if self.refit is False:
            raise AttributeError(
                f"this AugmentationSelector was initialized with refit=False: {attr} is "
                "available only after refitting the chosen candidate on all rows."
            )
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
        else:
            getattr(self.classifier, attr)
        return True

    return check


class AugmentationSelector(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Choose an augmentation (or none) and its ratio for a classifier by inner cross-validation.

    Every candidate becomes an imbalanced-learn :class:`~imblearn.pipeline.Pipeline`
    ``[augmenter steps..., preprocessing, classifier]`` (``"none"`` is
    ``[preprocessing, classifier]``), scored on the *same* inner folds of the rows
    given to :meth:`fit`, so that candidates are compared by paired differences.
    The chosen pipeline is then refitted on all those rows. The selector sees
    nothing but what :meth:`fit` is given, so it can be evaluated honestly inside
    an outer loop (see Notes): the choice is part of the model.

    Parameters
    ----------
    classifier : classifier or pipeline
        Any scikit-learn classifier (e.g. a skaugment classifier, a ROCKET
        classifier, a :class:`~sklearn.pipeline.Pipeline`). Cloned for every fit.
    candidates : dict of str -> None, sampler or list of steps
        The augmentations to try. ``None`` is no augmentation and may only be given
        as ``"none"``, the reference of the paired differences, which is always
        tried (added when left out). An estimator (an augmenter) or a list of
        samplers and transformers in pipeline order (e.g. ``[SpectrogramTransformer(),
        MixupAugmenter()]``) is placed before the classifier. A candidate whose fit
        fails stops the search with its error (there is no ``error_score``); one that
        hands the classifier soft labels (mixup's default) needs a classifier that
        trains on them, as skaugment's do, and otherwise stops it with a
        ``ValueError`` naming the fix, ``MixupAugmenter(labels="hard")``.
    ratios : sequence of float, default=None
        Every candidate with a ``ratio`` parameter is tried at each of these ratios
        (the augmenter's own ``ratio``, or that of an augmenter it wraps, as in
        ``LabelFidelityFilter(SignalTransformAugmenter())``), as
        ``"name@ratio=r"``. ``None`` keeps each candidate's own ratio. Candidates
        without a ``ratio`` parameter are tried once.
    cv : int, cross-validation splitter or iterable, default=5
        The inner folds. An int is :class:`~sklearn.model_selection.GroupKFold` with
        that many folds when ``groups`` are given to :meth:`fit` (one group, e.g. a
        subject, never on both sides of a fold), and
        :class:`~sklearn.model_selection.StratifiedKFold` otherwise. With ``groups``,
        a splitter that puts one group on both sides of a fold is rejected.
    scoring : str, callable or None, default="accuracy"
        A scikit-learn scorer name (e.g. ``"f1_macro"``, ``"balanced_accuracy"``) or
        a callable ``scorer(estimator, X, y)``; ``None`` is the pipeline's ``score``.
    rule : {"one-se", "best"} or float, default="one-se"
        How the choice is made between the augmenting candidate with the highest
        mean inner score (the *best augmentation*) and ``"none"``, from the paired
        differences ``d_k = score_k(best augmentation) - score_k(none)`` of the
        inner folds ``k``:

        - ``"one-se"``: the best augmentation if ``mean(d) > std(d) / sqrt(n_folds)``
          (one standard error of the paired differences, sample std), else
          ``"none"``. One fold won and the others tied is not enough:
          then ``mean(d)`` equals that standard error exactly.
        - ``"best"``: the highest mean inner score; ``"none"`` wins ties.
        - a float ``m >= 0``: the best augmentation if ``mean(d) > m`` (e.g. ``0.01``
          for one accuracy point), else ``"none"``.

        See Notes for why the default asks for more than the highest mean.
    refit : bool, default=True
        Refit the chosen pipeline on all rows given to :meth:`fit` (``best_estimator_``),
        which :meth:`predict`, :meth:`predict_proba` and :meth:`score` use.
    n_jobs : int or None, default=None
        Fits of (fold, candidate) pairs run in parallel (joblib's meaning).
    random_state : int, RandomState instance or None, default=None
        Given to every nested ``random_state`` parameter left None, of the
        augmenters, preprocessing and classifier alike, in every fold and in the
        refit, so that a fit is reproducible and every candidate is seeded alike. A
        ``RandomState`` draws one seed per fit. ``None`` leaves them as they are.
    verbose : int, default=0
        ``1``: a table of the candidates and the choice; ``2``: every fold too.
    preprocessing : transformer, default=None
        Placed after the augmentation and before the classifier in every candidate,
        ``"none"`` included (e.g. a :class:`~skaugment.SpectrogramTransformer`, or
        the flattening of windows for a tabular classifier). A candidate that lists
        this step itself (the same object, or one of the same class with the same
        parameters, as in the recipes of
        :func:`~skaugment.evaluation.augmentation_methods`) keeps its own placement,
        so that e.g. mixup can run on spectrograms.
    memory : "auto", None, str, path or joblib.Memory, default="auto"
        Cache given, in the inner folds, to every nested ``memory`` parameter left
        None (the generator cache of skaugment's metric augmenters), so that trying
        one generator-backed candidate at several ratios fits its generator once per
        fold. ``"auto"``: a temporary folder, created only when some step has such
        a parameter and removed at the end of :meth:`fit`. The refitted pipeline
        gets no cache.

    Attributes
    ----------
    cv_results_ : dict of ndarray
        One entry per candidate (and ratio), ``"none"`` first, like
        :class:`~sklearn.model_selection.GridSearchCV`'s: ``candidate`` (the label,
        e.g. ``"transforms@ratio=2"``), ``augmentation`` (the key of
        ``candidates``), ``ratio`` (NaN when the candidate has none), ``params``,
        ``split{k}_test_score``, ``mean_test_score``, ``std_test_score`` (population
        std, as GridSearchCV), ``rank_test_score``, ``mean_fit_time``,
        ``std_fit_time``, ``mean_score_time``, ``std_score_time``, and the paired
        difference to ``"none"`` over the folds (:func:`paired_difference`):
        ``diff_mean``, ``diff_std`` (sample std), ``diff_se``
        (``diff_std / sqrt(n_folds)``), ``diff_ci_low``, ``diff_ci_high`` (95%
        t-interval, NaN with one fold), ``diff_wins`` (folds where the candidate
        scored higher).
    best_index_ : int
        Row of ``cv_results_`` that was chosen (0 is ``"none"``).
    best_candidate_ : str
        Its label: ``"none"`` or e.g. ``"transforms@ratio=2"``.
    best_ratio_ : float or None
        Its ratio; None for ``"none"`` and for candidates without a ratio.
    best_params_ : dict
        ``{"candidate": key of candidates, "ratio": ratio or None}``.
    best_score_ : float
        Mean inner score of the chosen candidate.
    selection_ : dict
        How the choice was made: ``rule``, ``best_augmentation`` (the augmenting
        candidate with the highest mean), ``improvement`` (its mean paired
        difference to ``"none"``), ``threshold`` (what the improvement had to
        exceed: 0 for ``"best"``) and ``chosen``.
    best_estimator_ : imblearn Pipeline
        The chosen pipeline refitted on all rows (only with ``refit=True``).
    refit_time_ : float
        Seconds of that refit.
    candidate_pipelines_ : dict of str -> imblearn Pipeline
        Every candidate's unfitted pipeline as it was cross-validated (seeded,
        without the inner cache), by label: to reproduce or reuse one.
    scorer_ : callable
        The scorer of the inner folds and of :meth:`score`.
    n_splits_ : int
        Number of inner folds.
    classes_ : ndarray of shape (n_classes,)
        The labels seen at fit.
    n_features_in_ : int
        Number of columns of a 2-D ``X`` (only then).
    n_channels_ : int
        Number of channels of an ``X`` of 3 or more dimensions (only then).
    input_shape_ : tuple
        ``X.shape[1:]`` at fit.

    See Also
    --------
    skaugment.evaluation.compare_augmenters : The outer, reporting side: every method
        on held-out subjects with paired confidence intervals.
    sklearn.model_selection.GridSearchCV : The same search with ``rule="best"``
        (see Notes).

    Notes
    -----
    **Why "one-se".** With a handful of subjects, inner cross-validation scores are
    noisy, and the highest of several noisy means is biased upwards (the winner's
    curse of model selection): the "best" augmentation often wins by chance and then
    does worse than no augmentation on new subjects. No augmentation is the
    default a user loses nothing by, so an augmentation must earn its place: it is
    chosen only when its mean paired improvement over ``"none"`` exceeds one
    standard error of those paired differences (Breiman et al.'s one-standard-error
    rule, Hastie et al., *The Elements of Statistical Learning*, 7.10, with no
    augmentation as the simpler model). The inner folds share training rows, so
    this standard error is, if anything, too small (Nadeau and Bengio, 2003): the
    rule is a guard against noise, not a significance test. A float ``rule`` asks
    for a fixed improvement instead; ``"best"`` is plain grid search.

    **Nested cross-validation.** The selector uses only the rows given to
    :meth:`fit` (and their ``groups``), so an outer loop measures what the whole
    procedure, choice included, is worth on new groups::

        outer = GroupKFold(5)
        for train, test in outer.split(X, y, groups):
            sel = clone(selector).fit(X[train], y[train], groups=groups[train])
            print(sel.best_candidate_, sel.score(X[test], y[test]))

    or ``cross_val_score(selector, X, y, groups=groups, cv=GroupKFold(5),
    params={"groups": groups})``: ``groups`` go to the outer splitter, and
    ``params`` hands each outer training fold's groups to :meth:`fit`. With
    ``sklearn.set_config(enable_metadata_routing=True)``, pass ``params={"groups":
    groups}`` alone: it reaches both the splitter and :meth:`fit` (the selector
    requests ``groups`` by default). The inner scores (``best_score_``) are
    optimistic for the chosen candidate; report the outer scores.

    **The same search with GridSearchCV.** An imbalanced-learn pipeline whose
    ``"augment"`` step is grid-searched over ``["passthrough", aug1, aug2, ...]``
    (``"passthrough"`` or None: no augmentation) gives the same inner scores; its
    choice is this selector's ``rule="best"`` (see the second example).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skaugment.augmenters import SignalTransformAugmenter
    >>> from skaugment.datasets import make_synthetic_imu
    >>> from skaugment.evaluation import AugmentationSelector
    >>> X, y = make_synthetic_imu(n_samples=48, n_channels=3, n_timesteps=32, fs=16.0,
    ...                           noise=2.0, random_state=3)
    >>> subjects = np.arange(48) % 6
    >>> spectrum = FunctionTransformer(lambda a: np.abs(np.fft.rfft(a)).reshape(len(a), -1))
    >>> sel = AugmentationSelector(
    ...     KNeighborsClassifier(1),
    ...     {"jitter": SignalTransformAugmenter(transforms=["jitter"]),
    ...      "scaling": SignalTransformAugmenter(transforms=["scaling"])},
    ...     ratios=(1.0, 2.0), cv=3, preprocessing=spectrum, random_state=0)
    >>> sel.fit(X, y, groups=subjects).best_candidate_
    'none'
    >>> sel.cv_results_["candidate"].tolist()
    ['none', 'jitter@ratio=1', 'jitter@ratio=2', 'scaling@ratio=1', 'scaling@ratio=2']
    >>> s = sel.selection_
    >>> s["best_augmentation"], round(s["improvement"], 3), round(s["threshold"], 3)
    ('jitter@ratio=2', 0.021, 0.042)
    >>> sel.predict(X[:4]).shape
    (4,)

    The highest mean inner score beats no augmentation by less than one standard
    error, so it is not chosen; ``rule="best"`` takes it:

    >>> sel.set_params(rule="best").fit(X, y, groups=subjects).best_candidate_
    'jitter@ratio=2'

    The same inner scores from a plain grid search over an ``"augment"`` step:

    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.model_selection import GridSearchCV, GroupKFold
    >>> pipe = Pipeline([("augment", "passthrough"), ("spectrum", spectrum),
    ...                  ("classifier", KNeighborsClassifier(1))])
    >>> augmenters = [SignalTransformAugmenter(transforms=[t], random_state=0)
    ...               for t in ("jitter", "scaling")]
    >>> grid = GridSearchCV(pipe, [{"augment": ["passthrough"]},
    ...                            {"augment": augmenters, "augment__ratio": [1.0, 2.0]}],
    ...                     cv=GroupKFold(3)).fit(X, y, groups=subjects)
    >>> bool(np.allclose(grid.cv_results_["mean_test_score"],
    ...                  sel.cv_results_["mean_test_score"]))
    True
    """

    _parameter_constraints: dict = {
        "classifier": [HasMethods(["fit", "predict"])],
        "candidates": [dict],
        "ratios": [None, "array-like"],
        "cv": ["cv_object"],
        "scoring": [StrOptions(_scorer_names()), callable, None],
        "rule": [StrOptions({"best", "one-se"}), Interval(numbers.Real, 0, None, closed="left")],
        "refit": ["boolean"],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "preprocessing": [None, HasMethods(["fit", "transform"])],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],  # str: "auto" or a folder
    }

    _required_parameters = ["classifier", "candidates"]

    # ``groups`` reaches fit under metadata routing without set_fit_request
    __metadata_request__fit = {"groups": True}

    def __init__(
        self,
        classifier: BaseEstimator,
        candidates: dict[str, BaseEstimator | Sequence[BaseEstimator] | None],
        *,
        ratios: Sequence[float] | None = None,
        cv: int | Any = 5,
        scoring: str | Any | None = "accuracy",
        rule: Literal["one-se", "best"] | float = "one-se",
        refit: bool = True,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        preprocessing: BaseEstimator | None = None,
        memory: Literal["auto"] | str | os.PathLike | Any | None = "auto",
    ) -> None:
        self.classifier = classifier
        self.candidates = candidates
        self.ratios = ratios
        self.cv = cv
        self.scoring = scoring
        self.rule = rule
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessing = preprocessing
        self.memory = memory

    # -- configuration ------------------------------------------------------------------

    def _check_ratios(self):
        if self.ratios is None:
            return None
        ratios = np.asarray(self.ratios, dtype=object).ravel()
        if ratios.size == 0:
            raise ValueError("ratios is empty; give at least one ratio, or None to keep each "
                             "candidate's own.")
        out = []
        for r in ratios:
            if isinstance(r, bool) or not isinstance(r, numbers.Real) or not np.isfinite(r) \
                    or r <= 0:
                raise ValueError(f"ratios must be positive numbers (n_generated / n_real); "
                                 f"got {r!r}.")
            out.append(float(r))
        if len({f"{r:g}" for r in out}) != len(out):
            raise ValueError(f"ratios must be distinct; got {list(self.ratios)!r}.")
        return out

    def _entries(self):
        """``(label, key, ratio, steps)`` per candidate and ratio, ``"none"`` first."""
        candidates = self.candidates
        for name in candidates:
            if not isinstance(name, str) or not name:
                raise ValueError(f"candidate names must be non-empty strings; got {name!r}.")
        if _REFERENCE in candidates and candidates[_REFERENCE] is not None:
            raise ValueError(f"the candidate {_REFERENCE!r} is no augmentation, the reference "
                             f"of the selection: its value must be None; got "
                             f"{candidates[_REFERENCE]!r}. Give the augmentation another name.")
        others = {k: v for k, v in candidates.items() if k != _REFERENCE}
        if not others:
            raise ValueError("candidates holds no augmentation to choose from; give at least "
                             "one, e.g. {'transforms': SignalTransformAugmenter()} "
                             "('none' is always tried).")
        for name, value in others.items():
            if value is None:
                raise ValueError(f"candidate {name!r} is None; only {_REFERENCE!r} may be None "
                                 "(no augmentation), and it is always tried.")
        for name, value in others.items():
            steps = value if isinstance(value, (list, tuple)) else [value]
            marked = [k for step in steps if hasattr(step, "get_params")
                      for k, v in step.get_params(deep=True).items()
                      if isinstance(v, _TestWindows)]
            if marked:
                raise ValueError(
                    f"candidate {name!r} has a TEST_WINDOWS parameter ({marked[0]}): a "
                    "transductive method sees the windows it is scored on, so it cannot be "
                    "selected leak-free; give it the unlabelled target windows themselves, or "
                    "leave it out.")
        ratios = self._check_ratios()
        entries = [(_REFERENCE, _REFERENCE, float("nan"),
                    _candidate_steps(_REFERENCE, None, self.preprocessing))]
        for name, value in others.items():
            steps = _candidate_steps(name, value, self.preprocessing)
            keys = [_ratio_keys(s) for s in steps]
            if ratios is None or not any(keys):
                entries.append((name, name, _own_ratio(steps), steps))
                continue
            for r in ratios:
                steps_r = [clone(s) for s in steps]
                for step, ks in zip(steps_r, keys):
                    if ks:
                        step.set_params(**{k: r for k in ks})
                entries.append((f"{name}@ratio={r:g}", name, r, steps_r))
        labels = [e[0] for e in entries]
        duplicated = sorted({x for x in labels if labels.count(x) > 1})
        if duplicated:
            raise ValueError(f"candidate labels {duplicated} occur twice; rename the "
                             "candidates (labels are 'name' or 'name@ratio=r').")
        return entries

    def _pipeline(self, steps, seed, memory=None):
        from imblearn.pipeline import make_pipeline

        pipe = make_pipeline(*[clone(s) for s in steps], clone(self.classifier))
        if seed is not None:
            set_nested_params(pipe, "random_state", seed, only_if_none=True)
        if memory is not None:
            _set_memory(pipe, memory)
        return pipe

    def _cv(self, y, groups):
        from sklearn.model_selection import GroupKFold, StratifiedKFold, check_cv

        cv = 5 if self.cv is None else self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if groups is not None:
                n_groups = len(np.unique(groups))
                if n_groups < cv:
                    raise ValueError(
                        f"cv={cv} needs at least {cv} groups (GroupKFold: one group is never "
                        f"on both sides of a fold); groups holds {n_groups}. Lower cv, or "
                        "pass a splitter.")
                return GroupKFold(n_splits=int(cv))
            return StratifiedKFold(n_splits=int(cv))
        return check_cv(cv, y, classifier=True)

    def _validate_X(self, X):
        X = _as_float_array(X, "X", None)
        if X.ndim < 2:
            raise ValueError(f"X must have at least 2 dimensions (n_samples, ...); got a "
                             f"{X.ndim}-D array of shape {X.shape}.")
        if X.shape[0] == 0:
            raise ValueError(f"X is empty: 0 samples (shape {X.shape}).")
        return X

    # -- fit ----------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: ArrayLike, groups: ArrayLike | None = None
            ) -> "AugmentationSelector":
        """Cross-validate every candidate on the same inner folds, choose, refit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or any input the
            candidates' first steps take
        y : array-like of shape (n_samples,)
            Labels.
        groups : array-like of shape (n_samples,), default=None
            Group (e.g. subject) of every row: the inner folds never split a group.

        Returns
        -------
        self
        """
        from joblib import Parallel, delayed
        from scipy.stats import rankdata
        from sklearn.metrics import check_scoring

        entries = self._entries()  # bad candidates fail before any data work
        X = self._validate_X(X)
        y = check_labels(y, n_samples=X.shape[0])
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (X.shape[0],):
                raise ValueError(f"groups must have one entry per row of X ({X.shape[0]}); "
                                 f"got shape {groups.shape}.")
        cv = self._cv(y, groups)
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y, groups)]
        if groups is not None:
            for k, (train, test) in enumerate(splits):
                shared = np.intersect1d(groups[train], groups[test])
                if shared.size:
                    raise ValueError(
                        f"inner fold {k} of {cv!r} has group(s) {shared[:5].tolist()} on both "
                        "its training and validation sides; use a group splitter (an int cv, "
                        "GroupKFold, LeaveOneGroupOut, GroupHoldoutSplit).")
        n_splits = len(splits)
        if n_splits < 2 and self.rule == "one-se":
            raise ValueError(f'rule="one-se" needs at least 2 inner folds (a standard error); '
                             f"{cv!r} gives {n_splits}.")
        if n_splits == 0:
            raise ValueError(f"{cv!r} gives no inner fold.")

        seed = self.random_state
        if isinstance(seed, np.random.RandomState):
            seed = draw_seed(seed)
        pipes = [self._pipeline(steps, seed) for _, _, _, steps in entries]
        scorer = check_scoring(pipes[0], scoring=self.scoring)

        tmp = None
        memory = self.memory
        if memory == "auto":
            memory = None
            if any(_has_memory_slot(p) for p in pipes):
                tmp = memory = tempfile.mkdtemp(prefix="skaugment-selector-")
        elif isinstance(memory, os.PathLike):
            memory = os.fspath(memory)
        try:
            tasks = []
            for k, (train, test) in enumerate(splits):
                for i, (label, _, _, _) in enumerate(entries):
                    pipe = clone(pipes[i])
                    if memory is not None:
                        _set_memory(pipe, memory)
                    tasks.append(delayed(_fit_and_score)(pipe, X, y, train, test, scorer,
                                                         label, k, self.verbose))
            out = Parallel(n_jobs=self.n_jobs)(tasks)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

        n = len(entries)
        out = np.asarray(out, dtype=np.float64).reshape(n_splits, n, 3)
        scores, fit_times, score_times = (out[..., j].T for j in range(3))  # (n, n_splits)
        labels = [e[0] for e in entries]
        ratios = np.array([e[2] for e in entries], dtype=np.float64)
        results = {
            "candidate": np.array(labels, dtype=object),
            "augmentation": np.array([e[1] for e in entries], dtype=object),
            "ratio": ratios,
            "params": [{"candidate": e[1], "ratio": None if np.isnan(e[2]) else e[2]}
                       for e in entries],
        }
        for k in range(n_splits):
            results[f"split{k}_test_score"] = scores[:, k].copy()
        mean = scores.mean(axis=1)
        results["mean_test_score"] = mean
        results["std_test_score"] = scores.std(axis=1)
        results["rank_test_score"] = rankdata(-np.round(mean, 12), method="min").astype(np.int32)
        results["mean_fit_time"] = fit_times.mean(axis=1)
        results["std_fit_time"] = fit_times.std(axis=1)
        results["mean_score_time"] = score_times.mean(axis=1)
        results["std_score_time"] = score_times.std(axis=1)
        diffs = [paired_difference(scores[i], scores[0]) for i in range(n)]
        results["diff_mean"] = np.array([d["mean"] for d in diffs])
        results["diff_std"] = np.array([d["std"] for d in diffs])
        results["diff_se"] = results["diff_std"] / np.sqrt(n_splits)
        results["diff_ci_low"] = np.array([d["ci_low"] for d in diffs])
        results["diff_ci_high"] = np.array([d["ci_high"] for d in diffs])
        results["diff_wins"] = np.array([d["wins"] for d in diffs], dtype=np.int64)

        best_aug = 1 + int(np.argmax(mean[1:]))
        improvement = float(results["diff_mean"][best_aug])
        if self.rule == "best":
            threshold = 0.0
        elif self.rule == "one-se":
            threshold = float(results["diff_se"][best_aug])
        else:
            threshold = float(self.rule)
        # "exceeds" with a margin for rounding: one fold won by x and the others tied give
        # mean == se == x / n_folds exactly, which must not be decided by the last bit
        chosen = best_aug if improvement - threshold > _TOLERANCE else 0

        self.cv_results_ = results
        self.n_splits_ = n_splits
        self.scorer_ = scorer
        self.best_index_ = chosen
        self.best_candidate_ = labels[chosen]
        self.best_ratio_ = None if np.isnan(ratios[chosen]) else float(ratios[chosen])
        self.best_params_ = dict(results["params"][chosen])
        self.best_score_ = float(mean[chosen])
        self.selection_ = {"rule": self.rule, "best_augmentation": labels[best_aug],
                           "improvement": improvement, "threshold": threshold,
                           "chosen": labels[chosen]}
        self.candidate_pipelines_ = dict(zip(labels, pipes))
        self.classes_ = np.unique(y)
        self.input_shape_ = tuple(X.shape[1:])
        if X.ndim == 2:
            self.n_features_in_ = X.shape[1]
        else:
            self.n_channels_ = X.shape[1]
        if self.verbose:
            self._report()
        if self.refit:
            pipe = clone(pipes[chosen])
            start = time.perf_counter()
            _fit_pipeline(pipe, X, y, labels[chosen])
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = pipe
        return self

    def _report(self):
        r = self.cv_results_
        print(f"AugmentationSelector: {self.n_splits_} inner folds, rule={self.rule!r}")
        for i, label in enumerate(r["candidate"]):
            diff = "reference" if i == 0 else (
                f"{r['diff_mean'][i]:+.4f} (se {r['diff_se'][i]:.4f}, wins "
                f"{r['diff_wins'][i]}/{self.n_splits_})")
            print(f"  {label:<32} {r['mean_test_score'][i]:.4f} ± {r['std_test_score'][i]:.4f}"
                  f"  vs none {diff}")
        print(f"  chosen: {self.best_candidate_}", flush=True)

    # -- the refitted pipeline ----------------------------------------------------------

    def _checked(self, X):
        check_is_fitted(self, "best_estimator_")
        X = self._validate_X(X)
        if X.ndim != len(self.input_shape_) + 1 or X.shape[1] != self.input_shape_[0]:
            what = "features" if len(self.input_shape_) == 1 else "channels"
            raise ValueError(
                f"X has shape {X.shape}, but the selector was fitted on {what} of shape "
                f"(n_samples, {', '.join(map(str, self.input_shape_))}).")
        return X

    @available_if(_search_has("predict"))
    def predict(self, X: ArrayLike) -> np.ndarray:
        """Labels predicted by the refitted chosen pipeline."""
        X = self._checked(X)
        return self.best_estimator_.predict(X)

    @available_if(_search_has("predict_proba"))
    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities (columns: ``classes_``) of the refitted chosen pipeline."""
        X = self._checked(X)
        return self.best_estimator_.predict_proba(X)

    @available_if(_search_has("predict_log_proba"))
    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Log class probabilities of the refitted chosen pipeline."""
        X = self._checked(X)
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_search_has("decision_function"))
    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Decision function of the refitted chosen pipeline (when its classifier has one)."""
        X = self._checked(X)
        return self.best_estimator_.decision_function(X)

    @available_if(_search_has("predict"))
    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """``scorer_`` (the inner folds' ``scoring``) of the refitted pipeline on ``(X, y)``."""
        X = self._checked(X)
        return float(self.scorer_(self.best_estimator_, X, check_labels(y, n_samples=len(X))))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        tags.input_tags.two_d_array = self._takes_2d()
        return tags

    def _takes_2d(self):
        """Whether every candidate's first step (or the classifier) takes a 2-D X."""
        from sklearn.utils import get_tags

        try:
            firsts = []
            values = dict(self.candidates)
            values.setdefault(_REFERENCE, None)
            for name, value in values.items():
                steps = _candidate_steps(name, value, self.preprocessing)
                firsts.append(steps[0] if steps else self.classifier)
            return all(get_tags(step).input_tags.two_d_array for step in firsts)
        except Exception:  # not a valid configuration yet: fit will say why
            return True
