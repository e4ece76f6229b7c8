"""One harness that compares augmenters honestly: cross-subject, paired, budget-controlled.

:func:`compare_augmenters` is the experiment every user of this library runs: the
same classifier trained on the same training subjects with and without each
augmentation, scored on held-out subjects, repeated over splits and seeds, and
summarised as paired differences to the no-augmentation baseline at its best
training budget.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from numbers import Integral, Real
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params

from ._method import Method, _pretrained, _resolve_methods
from ._method import _TestWindows  # noqa: F401  (pickles made before the split name it here)
from ._recipes import PRETRAIN_METHODS
from ._result import AugmentationComparison
from ._runner import _check_can_pretrain, _Run, _run_all, _Setup, has_training_budget
from ._splitter import GroupHoldoutSplit

if TYPE_CHECKING:
    from joblib import Memory
    from sklearn.base import BaseEstimator
    from sklearn.model_selection import BaseCrossValidator, BaseShuffleSplit

__all__ = ["compare_augmenters"]


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "groups": ["array-like"],
        "methods": [dict],
        "classifier": [HasMethods(["fit", "predict"])],
        "preprocessing": [None, HasMethods(["fit_transform", "transform"])],
        "cv": [None, HasMethods(["split"])],
        "n_seeds": [Interval(Integral, 1, None, closed="left")],
        "budget": [StrOptions({"equal-steps", "equal-epochs"})],
        "baseline_multipliers": ["array-like"],
        "diagnostics": ["boolean"],
        "diagnostic_estimator": [None, HasMethods(["fit", "predict"])],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],  # "auto" is a str
        "pretrain_on_synthetic": ["array-like"],
        "pretrain_fraction": [Interval(Real, 0, 1, closed="neither")],
        # joblib's meaning: -1 is every CPU, -2 all but one, ...; 0 is nothing
        "n_jobs": [None, Interval(Integral, None, -1, closed="right"),
                   Interval(Integral, 1, None, closed="left")],
        "random_state": [Integral],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=False,  # the steps and the classifier check their own
)
def compare_augmenters(
    X: ArrayLike,
    y: ArrayLike,
    groups: ArrayLike,
    methods: dict[str, Method | BaseEstimator | Sequence[BaseEstimator] | None],
    classifier: BaseEstimator,
    *,
    preprocessing: BaseEstimator | None = None,
    cv: BaseCrossValidator | BaseShuffleSplit | GroupHoldoutSplit | None = None,
    n_seeds: int = 1,
    budget: Literal["equal-steps", "equal-epochs"] = "equal-steps",
    baseline_multipliers: Sequence[float] = (),
    diagnostics: bool = True,
    diagnostic_estimator: BaseEstimator | None = None,
    memory: Literal["auto"] | str | os.PathLike | Memory | None = "auto",
    pretrain_on_synthetic: Sequence[str] = PRETRAIN_METHODS,
    pretrain_fraction: float = 0.5,
    n_jobs: int | None = None,
    random_state: int = 0,
    verbose: int = 0,
) -> AugmentationComparison:
    """Train one classifier with each augmentation on the same splits; compare paired.

    For every split of ``cv`` (cross-subject: groups never cross between training
    and test) and every seed, each method's steps are fitted on the training rows
    (augmenters on training rows only), the classifier is trained on the result and
    scored on the test rows. Every method of a run gets the same seed (every
    ``random_state`` parameter, nested ones included, is set to it) and, by default,
    the same number of gradient steps, so a difference is the data's, not the
    training length's.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
        Raw windows (or any input the steps take).
    y : array-like of shape (n_samples,)
    groups : array-like of shape (n_samples,)
        Subject (or device, place) of every row.
    methods : dict of str -> None, estimator, list of estimators or Method
        The steps that come before the classifier, in pipeline order. ``None`` (use
        it for the key ``"none"``, the reference of the paired differences) is
        ``preprocessing`` alone. Augmenters (objects with ``fit_resample``) must keep
        the real rows first, as every skaugment augmenter does. A step parameter
        set to :data:`TEST_WINDOWS` becomes each run's test input (without labels,
        through the method's earlier transform steps): a transductive method,
        reported under its own name. A :class:`Method` wraps the steps with how
        the classifier trains on them (``schedule``) and whether they see the
        test input (``transductive``).
    classifier : estimator
        Cloned for every method and run. For skaugment classifiers the budget is set
        through ``max_epochs`` / ``n_steps``; other classifiers are trained as given
        (the record says ``"controlled": False``).
    preprocessing : transformer, default=None
        What ``"none"`` is (e.g. a :class:`~skaugment.SpectrogramTransformer`). When
        given, every other method must list a step of the same class, so that all
        classifiers see the same kind of input.
    cv : splitter, default=None
        A group splitter (``GroupKFold``, ``LeaveOneGroupOut``, ...); ``None`` is
        ``GroupHoldoutSplit(n_train_groups=5, n_repeats=5)``.
    n_seeds : int, default=1
        Seeds per split; the run of split ``k`` and seed ``s`` uses seed
        ``random_state + k * n_seeds + s``.
    budget : {"equal-steps", "equal-epochs"}, default="equal-steps"
        ``"equal-steps"``: every classifier takes the same number of gradient steps
        (its ``n_steps`` with ``max_epochs="auto"``), whatever the size of its
        training set. ``"equal-epochs"``: every classifier trains the same number of
        epochs, so augmented sets also buy more steps (the protocol of Wang et al.,
        2024); ``"none"`` is then also trained for as many steps as the largest
        augmented set (``"none xG budget"``) and the better of the two is the
        reference.
    baseline_multipliers : sequence of float, default=()
        Extra budgets (multiples of the common one) at which ``"none"`` is trained,
        to show that the baseline is at its best budget; the best is the reference.
    diagnostics : bool, default=True
        Add TSTR, label fidelity and the discriminative score of the synthetic rows
        (:func:`synthetic_data_diagnostics`) to each record.
    diagnostic_estimator : classifier, default=None
        The model those diagnostics train (default: logistic regression).
    memory : "auto", None, str or joblib.Memory, default="auto"
        Cache given to every step's ``memory`` parameter left to None, so that
        metric augmenters with the same generator share one generator fit per run.
        ``"auto"``: a temporary folder removed at the end; None: no cache.
    pretrain_on_synthetic : sequence of str, default=PRETRAIN_METHODS
        Methods whose classifier is not trained on real and synthetic rows mixed,
        but first on the synthetic rows alone and then, going on with the same
        network (``partial_fit``), on the real rows: the schedule of SF-DM (Zuo et
        al., 2023, "Unsupervised statistical feature-guided diffusion model for
        sensor-based human activity recognition"). The default names the registry's
        ``"sfdm-pretrain"``. The record's ``budget["schedule"]`` says how the
        budget was split. A :class:`Method` value can say it itself
        (``schedule="pretrain"``).
    pretrain_fraction : float in (0, 1), default=0.5
        Share of the classifier's budget (``n_steps``, or ``max_epochs`` when it
        counts epochs) spent on the synthetic rows; the rest fine-tunes on the real
        rows. With ``budget="equal-steps"`` the schedule thus trains exactly as many
        gradient steps as the other methods; with ``"equal-epochs"`` the epochs are
        split, and an epoch of the real rows alone is shorter than one of the
        augmented set, so it trains fewer steps.
    n_jobs : int or None, default=None
        Runs in parallel (joblib); each worker then uses ``cpu_count // n_jobs``
        torch threads.
    random_state : int, default=0
        Offset of the run seeds (see ``n_seeds``). A long comparison can run in
        pieces, one split per process: split ``i`` of ``GroupHoldoutSplit(random_state=r)``
        with ``random_state=r`` is what ``GroupHoldoutSplit(random_state=r + i,
        n_repeats=1)`` with ``random_state=r + i * n_seeds`` gives (the same subjects,
        unless split ``i`` had to redraw a training set an earlier split drew, and the
        same seeds); its records say ``split=0``, so renumber them ``i`` when merging
        (the benchmarks' ``--first-split`` does both).
    verbose : int, default=0

    Returns
    -------
    result : AugmentationComparison

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skaugment.augmenters import SignalTransformAugmenter
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(60, 1, 16); y = np.tile([0, 1], 30); X[y == 1] += 1.0
    >>> groups = np.repeat(np.arange(6), 10)
    >>> flat = FunctionTransformer(lambda a: a.reshape(len(a), -1))
    >>> jitter = SignalTransformAugmenter(transforms=["jitter"], ratio=1.0)
    >>> res = compare_augmenters(X, y, groups, {"none": None, "jitter": [jitter, flat]},
    ...                          KNeighborsClassifier(3), preprocessing=flat,
    ...                          cv=GroupHoldoutSplit(3, n_repeats=4), diagnostics=False)
    >>> res.methods, len(res.records)
    (['none', 'jitter'], 8)
    >>> sorted(res.summary()["jitter"]["diff"])
    ['ci_high', 'ci_low', 'mean', 'n', 'std', 'wins']
    """
    from ..utils import check_labels

    for m in baseline_multipliers:
        if not isinstance(m, Real) or not m > 0:
            raise ValueError(f"baseline_multipliers must be positive numbers; got {m!r}.")
    pretrain_on_synthetic = tuple(pretrain_on_synthetic)
    unknown = [m for m in pretrain_on_synthetic
               if m not in (methods or {}) and m not in PRETRAIN_METHODS]
    if unknown:
        raise ValueError(f"pretrain_on_synthetic names {unknown}, which are not methods of this "
                         f"comparison ({list(methods or {})}).")
    resolved = _resolve_methods(methods, preprocessing, pretrain_on_synthetic)
    pretrained = _pretrained(resolved, pretrain_on_synthetic)
    _check_can_pretrain(classifier, pretrained)
    if (baseline_multipliers or budget == "equal-epochs") and not has_training_budget(classifier):
        warnings.warn(
            f"{type(classifier).__name__} has no training length to set (max_epochs or "
            "n_steps): trained at another budget, 'none' would be the same model again, so "
            "baseline_multipliers and the equal-epochs baseline are skipped.", UserWarning,
            stacklevel=2)
    X = np.asarray(X)
    y = check_labels(y, n_samples=X.shape[0])
    groups = np.asarray(groups)
    if groups.shape != (X.shape[0],):
        raise ValueError(f"groups must have one entry per row of X ({X.shape[0]}); "
                         f"got shape {groups.shape}.")
    cv = GroupHoldoutSplit() if cv is None else cv
    runs = _runs(cv, X, y, groups, n_seeds, random_state)

    start = time.perf_counter()
    with _cache_dir(memory) as cache_dir:
        setup = _Setup(X=X, y=y, labels=np.unique(y), methods=resolved, classifier=classifier,
                       budget=budget, baseline_multipliers=tuple(baseline_multipliers),
                       diagnostics=diagnostics, diagnostic_estimator=diagnostic_estimator,
                       cache_dir=cache_dir, pretrain_fraction=float(pretrain_fraction),
                       verbose=verbose)
        records = _run_all(setup, runs, n_jobs)
    config = {"budget": budget, "n_seeds": n_seeds, "cv": repr(cv), "n_runs": len(runs),
              "methods": list(methods), "classifier": repr(classifier),
              "baseline_multipliers": list(baseline_multipliers),
              "pretrain_on_synthetic": pretrained,
              "pretrain_fraction": float(pretrain_fraction),
              "wall_seconds": round(time.perf_counter() - start, 1)}
    return AugmentationComparison(records, config)


def _runs(cv, X, y, groups, n_seeds, random_state):
    """Every split of ``cv`` times ``n_seeds``; split ``k``, seed ``s`` gets seed
    ``random_state + k * n_seeds + s``."""
    runs = []
    for k, (train, test) in enumerate(cv.split(X, y, groups)):
        if np.intersect1d(groups[train], groups[test]).size:
            raise ValueError(f"split {k} of {cv!r} puts the same group in training and test; "
                             "use a group splitter (GroupKFold, LeaveOneGroupOut, GroupHoldoutSplit).")
        runs.extend(_Run(split=k, seed=int(random_state) + k * n_seeds + s,
                         train_groups=np.unique(groups[train]).tolist(), train=train, test=test)
                    for s in range(n_seeds))
    return runs


@contextmanager
def _cache_dir(memory):
    """What every step's ``memory`` left to None gets; ``"auto"``: a folder removed after."""
    if memory != "auto":
        yield os.fspath(memory) if isinstance(memory, os.PathLike) else memory
        return
    tmp = tempfile.mkdtemp(prefix="skaugment-compare-")
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
