"""One harness that compares augmenters honestly: cross-subject, paired, budget-controlled.

:func:`compare_augmenters` is the experiment every user of this library runs: the
same classifier trained on the same training subjects with and without each
augmentation, scored on held-out subjects, repeated over splits and seeds, and
summarised as paired differences to the no-augmentation baseline at its best
training budget.
"""

from __future__ import annotations

import numbers
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import clone

from ..utils._labels import check_soft_labels_accepted
from ._methods import PRETRAIN_METHODS

if TYPE_CHECKING:
    from joblib import Memory
    from sklearn.base import BaseEstimator
    from sklearn.model_selection import BaseCrossValidator, BaseShuffleSplit

__all__ = [
    "TEST_WINDOWS",
    "AugmentationComparison",
    "GroupHoldoutSplit",
    "compare_augmenters",
    "paired_difference",
    "synthetic_data_diagnostics",
]

_BUDGETS = ("equal-steps", "equal-epochs")
_REFERENCE = "none"


class GroupHoldoutSplit:
    """``n_train_groups`` random groups for training, the others for testing, repeated.

    The protocol of few-subject sensing: a model trained on a handful of people
    must work on everyone else. Each repetition draws its own training groups.

    Parameters
    ----------
    n_train_groups : int, default=5
        Groups (e.g. subjects) in each training set.
    n_test_groups : int or None, default=None
        Groups in each test set, drawn from the remaining ones; ``None``: all of them.
    n_repeats : int, default=5
        Number of splits.
    random_state : int, default=0
        Split ``i`` draws its groups with ``RandomState(random_state + i)``, so the
        first splits stay the same when ``n_repeats`` grows.

    Examples
    --------
    >>> import numpy as np
    >>> groups = np.repeat(np.arange(10), 2)
    >>> split = GroupHoldoutSplit(n_train_groups=3, n_repeats=2)
    >>> [(len(np.unique(groups[tr])), len(np.unique(groups[te])))
    ...  for tr, te in split.split(groups, groups=groups)]
    [(3, 7), (3, 7)]
    """

    def __init__(
        self,
        n_train_groups: int = 5,
        n_test_groups: int | None = None,
        n_repeats: int = 5,
        random_state: int = 0,
    ) -> None:
        self.n_train_groups = n_train_groups
        self.n_test_groups = n_test_groups
        self.n_repeats = n_repeats
        self.random_state = random_state

    def get_n_splits(
        self,
        X: ArrayLike | None = None,
        y: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> int:
        return self.n_repeats

    def _check_params(self):
        for name in ("n_train_groups", "n_repeats"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}.")
        n_test = self.n_test_groups
        if n_test is not None and (isinstance(n_test, bool) or not isinstance(
                n_test, numbers.Integral) or n_test < 1):
            raise ValueError(f"n_test_groups must be a positive int or None; got {n_test!r}.")
        if isinstance(self.random_state, bool) or not isinstance(self.random_state,
                                                                 numbers.Integral):
            raise ValueError("random_state must be an int (split i uses random_state + i); "
                             f"got {self.random_state!r}.")

    def split_groups(self, groups: ArrayLike, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Training and test groups of split ``i`` (sorted)."""
        self._check_params()
        subjects = np.unique(groups)
        if self.n_train_groups >= len(subjects):
            raise ValueError(
                f"n_train_groups={self.n_train_groups} leaves no test group; the data has "
                f"{len(subjects)} groups."
            )
        order = np.random.RandomState(self.random_state + i).permutation(subjects)
        rest = order[self.n_train_groups:]
        test = rest if self.n_test_groups is None else rest[: self.n_test_groups]
        return np.sort(order[: self.n_train_groups]), np.sort(test)

    def split(
        self, X: ArrayLike, y: ArrayLike | None = None, groups: ArrayLike | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        self._check_params()
        if groups is None:
            raise ValueError("GroupHoldoutSplit needs groups (e.g. the subject of every window).")
        groups = np.asarray(groups)
        for i in range(self.n_repeats):
            train, test = self.split_groups(groups, i)
            yield np.flatnonzero(np.isin(groups, train)), np.flatnonzero(np.isin(groups, test))

    def __repr__(self):
        return (f"GroupHoldoutSplit(n_train_groups={self.n_train_groups}, "
                f"n_test_groups={self.n_test_groups}, n_repeats={self.n_repeats}, "
                f"random_state={self.random_state})")


def paired_difference(
    a: ArrayLike, b: ArrayLike, confidence: float = 0.95, test_train_ratio: float | None = None
) -> dict[str, float]:
    """Mean of ``a - b`` over paired runs with a Student-t confidence interval.

    Parameters
    ----------
    a, b : array-like of shape (n_runs,)
        Scores of two methods on the same splits and seeds.
    confidence : float, default=0.95
    test_train_ratio : float or None, default=None
        ``n_test / n_train`` of the splits. When given, the variance of the mean is
        inflated to ``(1 / n + test_train_ratio) * var`` (the corrected resampled
        t-test of Nadeau and Bengio, 2003, "Inference for the Generalization
        Error"), which accounts for training and test sets that overlap between
        splits; None is the plain paired t-interval.

    Returns
    -------
    result : dict
        ``mean``, ``std`` (sample std of the differences), ``ci_low``, ``ci_high``
        (NaN with fewer than 2 runs), ``wins`` (runs where ``a > b``), ``n``.

    Examples
    --------
    >>> d = paired_difference([0.80, 0.82, 0.85], [0.78, 0.80, 0.80])
    >>> round(d["mean"], 3), d["wins"], round(d["ci_low"], 3), round(d["ci_high"], 3)
    (0.03, 3, -0.013, 0.073)
    """
    from scipy import stats

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be 1-D scores of the same runs; got shapes {a.shape} "
                         f"and {b.shape}.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence!r}.")
    if test_train_ratio is not None and not test_train_ratio >= 0:
        raise ValueError(f"test_train_ratio must be >= 0; got {test_train_ratio!r}.")
    d = a - b
    n = d.size
    mean = float(d.mean()) if n else float("nan")
    std = float(d.std(ddof=1)) if n > 1 else float("nan")
    if n > 1:
        factor = 1.0 / n if test_train_ratio is None else 1.0 / n + float(test_train_ratio)
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * std * np.sqrt(factor))
        low, high = mean - half, mean + half
    else:
        low = high = float("nan")
    return {"mean": mean, "std": std, "ci_low": low, "ci_high": high,
            "wins": int(np.sum(d > 0)), "n": int(n)}


# -- synthetic-data diagnostics ------------------------------------------------------------

def _diagnostic_features(X):
    """Tabular view of classifier input: spectrogram features, or the flattened window."""
    from ._discriminative import spectrogram_features

    X = np.asarray(X)
    if X.ndim == 4:
        return spectrogram_features(X)
    return X.reshape(X.shape[0], -1).astype(np.float64)


def _hard_labels(y, classes=None):
    """Labels of ``y``; a probability table (mixup) gives the label of its largest column."""
    y = np.asarray(y) if not hasattr(y, "classes") else y
    if getattr(y, "ndim", 1) == 2:
        names = getattr(y, "classes", classes)
        names = np.arange(y.shape[1]) if names is None else np.asarray(names)
        return names[np.asarray(y).argmax(axis=1)]
    return np.asarray(y)


def _default_diagnostic_estimator():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))


def synthetic_data_diagnostics(
    X_real: ArrayLike,
    y_real: ArrayLike,
    X_synth: ArrayLike,
    y_synth: ArrayLike,
    X_test: ArrayLike,
    y_test: ArrayLike,
    *,
    estimator: BaseEstimator | None = None,
    random_state: int | None = None,
    discriminative: bool = True,
) -> dict[str, float]:
    """How real synthetic samples look, three ways, on the classifier's input space.

    - ``tstr``: train on synthetic, test on real: accuracy on ``(X_test, y_test)`` of
      ``estimator`` trained on the synthetic rows alone (Esteban et al., 2017,
      "Real-valued (medical) time series generation with recurrent conditional GANs").
    - ``label_fidelity``: accuracy, against their intended labels, of the synthetic
      rows under ``estimator`` trained on the real training rows: do they still look
      like their class?
    - ``discriminative``: ``|accuracy - 0.5|`` of a cross-validated real-vs-synthetic
      classifier (Yoon et al., 2019, "Time-series Generative Adversarial Networks"):
      0 when they cannot be told apart. Spectrograms only (NaN for raw windows).

    Parameters
    ----------
    X_real, y_real : arrays
        Real training rows (classifier input) and their labels.
    X_synth, y_synth : arrays
        Synthetic rows and their intended labels (a probability table counts as its
        largest column).
    X_test, y_test : arrays
        Held-out real rows.
    estimator : classifier, default=None
        Trained on :func:`~skaugment.evaluation.spectrogram_features` of
        spectrograms (flattened raw windows otherwise); defaults to standardisation
        + logistic regression.
    random_state : int or None
    discriminative : bool, default=True
        Whether to compute the discriminative score (NaN when False), e.g. when
        the caller scores realism its own way.

    Returns
    -------
    diagnostics : dict of float
    """
    from ._discriminative import discriminative_score

    estimator = _default_diagnostic_estimator() if estimator is None else estimator
    y_synth = _hard_labels(y_synth)
    out = {"tstr": float("nan"), "label_fidelity": float("nan"), "discriminative": float("nan")}
    if len(X_synth) == 0:
        return out
    F_real, F_synth, F_test = (_diagnostic_features(a) for a in (X_real, X_synth, X_test))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of a diagnostic model
        if np.unique(y_synth).size > 1:
            out["tstr"] = float(np.mean(clone(estimator).fit(F_synth, y_synth).predict(F_test)
                                        == np.asarray(y_test)))
        on_real = clone(estimator).fit(F_real, _hard_labels(y_real))
        out["label_fidelity"] = float(np.mean(on_real.predict(F_synth) == y_synth))
        if discriminative and np.asarray(X_real).ndim == 4 and min(len(X_real), len(X_synth)) >= 6:
            out["discriminative"] = float(discriminative_score(
                X_real, X_synth, cv=3, random_state=random_state)["score"])
    return out


# -- the experiment ------------------------------------------------------------------------

class _TestWindows:
    """The marker :data:`TEST_WINDOWS`: "the split's test rows, without their labels"."""

    _instance = None

    def __new__(cls):
        # one instance, so that it survives clone (deepcopy), pickling and joblib workers
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self

    def __reduce__(self):
        return (_TestWindows, ())

    def __repr__(self):
        return "TEST_WINDOWS"

    # an estimator used outside compare_augmenters reads the marker as data: say what it is
    def _misused(self, *args, **kwargs):
        raise ValueError("TEST_WINDOWS is a marker that compare_augmenters replaces with each "
                         "run's test windows; outside it, pass the target windows themselves.")

    __array__ = __len__ = _misused


#: Give it as a step's parameter (e.g. ``MetricEditAugmenter(target=TEST_WINDOWS)``) and
#: :func:`compare_augmenters` replaces it, in each run, with that run's test rows (their
#: input only, never their labels), passed through the method's earlier transform steps.
#: That makes a method transductive: it sees the unlabelled data it is scored on, as a
#: user with unlabelled windows of the people, places or devices to deploy on would.
TEST_WINDOWS = _TestWindows()


def _test_window_params(step):
    """Names of the (nested) parameters of ``step`` that are :data:`TEST_WINDOWS`, shallow first."""
    params = step.get_params(deep=True)
    return sorted((k for k, v in params.items() if isinstance(v, _TestWindows)),
                  key=lambda k: k.count("__"))


def _as_steps(name, method, preprocessing):
    if method is None:
        return [] if preprocessing is None else [clone(preprocessing)]
    steps = list(method) if isinstance(method, (list, tuple)) else [method]
    if preprocessing is not None and not any(type(s) is type(preprocessing) for s in steps):
        raise ValueError(
            f"method {name!r} has no {type(preprocessing).__name__} step, so its classifier "
            "would see other input than the baseline's; list the preprocessing step where it "
            "belongs (e.g. [SignalTransformAugmenter(), SpectrogramTransformer()])."
        )
    return [clone(s) for s in steps]


def _set_nested(estimator, suffix, value, only_if_none=False):
    """Set every (nested) parameter named ``suffix`` of ``estimator``."""
    params = estimator.get_params(deep=True)
    updates = {k: value for k, v in params.items()
               if (k == suffix or k.endswith("__" + suffix)) and not (only_if_none and v is not None)}
    # shallower parameters first: a nested estimator set later is not replaced afterwards
    for key in sorted(updates, key=lambda k: k.count("__")):
        estimator.set_params(**{key: value})


def _classifier_budget(clf, budget, n_real, multiplier, growth):
    """Set ``clf``'s training length; returns a description of the budget."""
    params = clf.get_params()
    has_steps = "n_steps" in params and "max_epochs" in params
    if not has_steps and "max_epochs" not in params:
        return {"controlled": False}
    batch = params.get("batch_size", 64)
    batch = n_real if batch in (-1, None) else batch
    batches_real = max(1, int(np.ceil(n_real / batch)))
    if budget == "equal-steps":
        if has_steps:
            n_steps = int(params["n_steps"] if params["max_epochs"] == "auto"
                          else params["max_epochs"] * batches_real)
            clf.set_params(max_epochs="auto", n_steps=int(round(n_steps * multiplier)))
            return {"controlled": True, "n_steps": int(round(n_steps * multiplier))}
        epochs = int(params["max_epochs"])
        clf.set_params(max_epochs=max(1, int(round(epochs * multiplier / growth))))
        return {"controlled": True, "max_epochs": clf.get_params()["max_epochs"]}
    epochs = params["max_epochs"]
    if epochs == "auto":
        epochs = max(1, int(np.ceil(params["n_steps"] / batches_real)))
    clf.set_params(max_epochs=max(1, int(round(epochs * multiplier))))
    return {"controlled": True, "max_epochs": clf.get_params()["max_epochs"]}


def _score(y_true, y_pred, labels):
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=labels)),
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()}


def _fit_resample_steps(steps, X, y, seconds, X_test=None):
    """Fit the steps of one method; returns the classifier's training set and synthetic mask.

    ``X_test``: the run's test input, for steps with a :data:`TEST_WINDOWS` parameter;
    each gets it through the steps before it, fitted on the training rows.
    """
    synthetic = np.zeros(len(X), dtype=bool)
    for i, step in enumerate(steps):
        name = type(step).__name__
        start = time.perf_counter()
        marked = _test_window_params(step)
        if marked:
            if X_test is None:
                raise ValueError(f"{name} has a TEST_WINDOWS parameter ({marked[0]}), which "
                                 "only compare_augmenters can fill.")
            X_marked = _transform_steps(steps[:i], X_test)
            step.set_params(**{key: X_marked for key in marked})
        if hasattr(step, "fit_resample"):
            n_in = len(X)
            X, y = step.fit_resample(X, y)
            if len(X) < n_in:
                raise ValueError(f"{name} returned fewer rows than it was given; compare_augmenters "
                                 "expects augmenters that keep the real rows first.")
            synthetic = np.r_[synthetic, np.ones(len(X) - n_in, dtype=bool)]
        else:
            X = step.fit_transform(X, y)
        seconds[name] = seconds.get(name, 0.0) + round(time.perf_counter() - start, 3)
    return X, y, synthetic


def _transform_steps(steps, X):
    for step in steps:
        if not hasattr(step, "fit_resample"):
            X = step.transform(X)
    return X


def _pretrain_then_finetune(clf, final, X_fit, y_fit, synthetic, fraction):
    """Train ``clf`` on the synthetic rows, then go on training its network on the real rows.

    The classifier's budget (``n_steps``, or ``max_epochs`` when it counts epochs) is
    split: ``fraction`` of it on the synthetic rows, the rest on the real ones. With
    a step budget the schedule trains exactly as many steps as plain mixing. The
    classifier is told every class of the training set, so that synthetic rows that
    miss a class still give it one output per class. Returns what the record says.
    """
    params = final.get_params()
    key = "n_steps" if params["max_epochs"] == "auto" else "max_epochs"
    total = int(params[key])
    if total < 2:
        raise ValueError(f"a {key} budget of {total} cannot be split between pre-training on "
                         "synthetic rows and fine-tuning on real ones.")
    n_pre = min(max(1, int(round(total * fraction))), total - 1)
    if "classes" in params and params["classes"] is None and np.ndim(y_fit) == 1:
        final.set_params(classes=np.unique(y_fit))
    final.set_params(**{key: n_pre})
    clf.fit(X_fit[synthetic], y_fit[synthetic])
    final.set_params(**{key: total - n_pre})
    X_real = X_fit[~synthetic]
    if hasattr(clf, "steps"):  # a pipeline: its earlier steps were fitted in the first stage
        X_real = clf[:-1].transform(X_real)
    final.partial_fit(X_real, y_fit[~synthetic])
    return {"name": "pretrain on synthetic, fine-tune on real", key: [n_pre, total - n_pre]}


def _one_run(run, train, test, X, y, methods, classifier, preprocessing, budget,
             baseline_multipliers, diagnostics, diagnostic_estimator, labels, cache_dir,
             pretrain_on_synthetic, pretrain_fraction, verbose):
    seed = run["seed"]
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    records, growths, trained = [], {}, {}
    for name, method in methods.items():
        steps = _as_steps(name, method, preprocessing)
        for step in steps:
            _set_nested(step, "random_state", seed)
            if cache_dir is not None:
                _set_nested(step, "memory", cache_dir, only_if_none=True)
        seconds = {}
        X_fit, y_fit, synthetic = _fit_resample_steps(steps, X_train, y_train, seconds,
                                                      X_test=X_test)
        check_soft_labels_accepted(y_fit, classifier, f"method {name!r}")
        growths[name] = len(X_fit) / max(1, len(X_train))
        trained[name] = (steps, X_fit, y_fit, synthetic, seconds)

    max_growth = max(growths.values())
    variants = []
    for name in methods:
        multipliers = [1.0]
        if name == _REFERENCE:
            multipliers = sorted(set([1.0] + [float(m) for m in baseline_multipliers]
                                     + ([max_growth] if budget == "equal-epochs" else [])))
        for m in multipliers:
            variants.append((name, m))

    for name, multiplier in variants:
        steps, X_fit, y_fit, synthetic, seconds = trained[name]
        seconds = dict(seconds)
        clf = clone(classifier)
        _set_nested(clf, "random_state", seed)
        final = clf.steps[-1][1] if hasattr(clf, "steps") else clf
        info = _classifier_budget(final, budget, len(X_train), multiplier, growths[name])
        start = time.perf_counter()
        if name in pretrain_on_synthetic and synthetic.any():
            info["schedule"] = _pretrain_then_finetune(clf, final, X_fit, y_fit, synthetic,
                                                       pretrain_fraction)
        else:
            clf.fit(X_fit, y_fit)
        seconds["classifier fit"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        X_test_t = _transform_steps(steps, X_test)
        y_pred = clf.predict(X_test_t)
        seconds["predict"] = round(time.perf_counter() - start, 3)
        for attr in ("n_steps_", "n_epochs_"):
            if hasattr(final, attr):
                info[attr.rstrip("_")] = int(getattr(final, attr))
        label = name if multiplier == 1.0 else f"{name} x{multiplier:g} budget"
        record = {"method": label, "base_method": name, "budget_multiplier": multiplier,
                  **run, "n_train": int(len(X_train)), "n_synthetic": int(synthetic.sum()),
                  "n_test": int(len(X_test)), "budget": info, "seconds": seconds,
                  **_score(y_test, y_pred, labels)}
        if diagnostics and multiplier == 1.0 and synthetic.any():
            start = time.perf_counter()
            # the method's own real rows: its steps may have learnt their scaling from them
            record.update(synthetic_data_diagnostics(
                X_fit[~synthetic], _hard_labels(y_fit)[~synthetic], X_fit[synthetic],
                y_fit[synthetic] if np.ndim(y_fit) == 1 else y_fit[synthetic],
                X_test_t, y_test, estimator=diagnostic_estimator, random_state=seed))
            record["seconds"]["diagnostics"] = round(time.perf_counter() - start, 3)
        if verbose:
            print(f"  split {run['split']} seed {seed}: {label:<28} accuracy "
                  f"{record['accuracy']:.3f}  macro-F1 {record['macro_f1']:.3f}", flush=True)
        records.append(record)
    return records


def _run_in_worker(n_threads, *args, **kwargs):
    if n_threads is not None:
        import torch

        torch.set_num_threads(n_threads)
    return _one_run(*args, **kwargs)


def compare_augmenters(
    X: ArrayLike,
    y: ArrayLike,
    groups: ArrayLike,
    methods: dict[str, BaseEstimator | Sequence[BaseEstimator] | None],
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
    methods : dict of str -> None, estimator or list of estimators
        The steps that come before the classifier, in pipeline order. ``None`` (use
        it for the key ``"none"``, the reference of the paired differences) is
        ``preprocessing`` alone. Augmenters (objects with ``fit_resample``) must keep
        the real rows first, as every skaugment augmenter does. A step parameter
        set to :data:`TEST_WINDOWS` becomes each run's test input (without labels,
        through the method's earlier transform steps): a transductive method,
        reported under its own name.
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
        budget was split.
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
        Offset of the run seeds (see ``n_seeds``): with
        ``GroupHoldoutSplit(random_state=r)`` and ``random_state=r``, split ``i``
        gets the same subjects and seed in every call, so that a long comparison
        can run in pieces (one split per process) and be merged.
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
    from joblib import Parallel, delayed

    from ..utils import check_labels

    if budget not in _BUDGETS:
        raise ValueError(f"budget must be one of {list(_BUDGETS)}; got {budget!r}.")
    if not isinstance(methods, dict) or not methods:
        raise TypeError("methods must be a non-empty dict: name -> None, estimator or list of steps.")
    if _REFERENCE not in methods:
        raise ValueError(f"methods needs a {_REFERENCE!r} entry (no augmentation), the reference "
                         "of the paired differences.")
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        raise ValueError(f"random_state must be an int (the seed offset); got {random_state!r}.")
    if (isinstance(n_seeds, bool) or not isinstance(n_seeds, numbers.Integral)) or n_seeds < 1:
        raise ValueError(f"n_seeds must be a positive int; got {n_seeds!r}.")
    for m in baseline_multipliers:
        if not isinstance(m, numbers.Real) or not m > 0:
            raise ValueError(f"baseline_multipliers must be positive numbers; got {m!r}.")
    for name, method in methods.items():
        _as_steps(name, method, preprocessing)  # fail before any training
    if isinstance(pretrain_on_synthetic, str):
        raise TypeError("pretrain_on_synthetic must be a sequence of method names, e.g. "
                        f"[{pretrain_on_synthetic!r}]; got a string.")
    pretrain_on_synthetic = tuple(pretrain_on_synthetic)
    if not isinstance(pretrain_fraction, numbers.Real) or not 0 < pretrain_fraction < 1:
        raise ValueError(f"pretrain_fraction must be in (0, 1); got {pretrain_fraction!r}.")
    final = classifier.steps[-1][1] if hasattr(classifier, "steps") else classifier
    scheduled = [m for m in pretrain_on_synthetic if m in methods]
    if scheduled and not (hasattr(final, "partial_fit") and "max_epochs" in final.get_params()):
        raise ValueError(f"{scheduled} pre-train the classifier on synthetic rows and fine-tune it "
                         f"on the real ones, which needs a classifier that can go on training "
                         f"(partial_fit and a max_epochs budget, as skaugment's classifiers); "
                         f"{type(final).__name__} cannot. Leave them out or pass "
                         "pretrain_on_synthetic=().")
    X = np.asarray(X)
    y = check_labels(y, n_samples=X.shape[0])
    groups = np.asarray(groups)
    if groups.shape != (X.shape[0],):
        raise ValueError(f"groups must have one entry per row of X ({X.shape[0]}); "
                         f"got shape {groups.shape}.")
    cv = GroupHoldoutSplit() if cv is None else cv
    labels = np.unique(y)
    splits = list(cv.split(X, y, groups))
    runs = []
    for k, (train, test) in enumerate(splits):
        if np.intersect1d(groups[train], groups[test]).size:
            raise ValueError(f"split {k} of {cv!r} puts the same group in training and test; "
                             "use a group splitter (GroupKFold, LeaveOneGroupOut, GroupHoldoutSplit).")
        for s in range(n_seeds):
            runs.append(({"split": k, "seed": int(random_state) + k * n_seeds + s,
                          "train_groups": np.unique(groups[train]).tolist()}, train, test))

    tmp = None
    if memory == "auto":
        tmp = cache_dir = tempfile.mkdtemp(prefix="skaugment-compare-")
    else:
        cache_dir = os.fspath(memory) if isinstance(memory, os.PathLike) else memory
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral)
                               or n_jobs == 0):
        raise ValueError(f"n_jobs must be None or a non-zero int (joblib's meaning); got {n_jobs!r}.")
    cpus = os.cpu_count() or 1
    # joblib's convention: -1 is every CPU, -2 all but one, ...
    n_workers = 1 if n_jobs is None else max(1, cpus + 1 + n_jobs) if n_jobs < 0 else n_jobs
    threads = max(1, cpus // n_workers) if n_workers > 1 else None
    start = time.perf_counter()
    try:
        args = (X, y, methods, classifier, preprocessing, budget, tuple(baseline_multipliers),
                diagnostics, diagnostic_estimator, labels, cache_dir, pretrain_on_synthetic,
                float(pretrain_fraction), verbose)
        if n_workers > 1:
            out = Parallel(n_jobs=n_workers)(
                delayed(_run_in_worker)(threads, run, tr, te, *args) for run, tr, te in runs)
        else:
            out = [_one_run(run, tr, te, *args) for run, tr, te in runs]
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    records = [r for rs in out for r in rs]
    config = {"budget": budget, "n_seeds": n_seeds, "cv": repr(cv), "n_runs": len(runs),
              "methods": list(methods), "classifier": repr(classifier),
              "baseline_multipliers": list(baseline_multipliers),
              "pretrain_on_synthetic": [m for m in pretrain_on_synthetic if m in methods],
              "pretrain_fraction": float(pretrain_fraction),
              "wall_seconds": round(time.perf_counter() - start, 1)}
    return AugmentationComparison(records, config)


class AugmentationComparison:
    """The result of :func:`compare_augmenters`: a tidy table and its paired summary.

    Attributes
    ----------
    records : list of dict
        One row per (method, run): ``method``, ``split``, ``seed``, ``accuracy``,
        ``macro_f1``, ``n_train``, ``n_synthetic``, ``budget``, ``seconds`` per
        stage, and the diagnostics when computed.
    config : dict
        How the comparison was run.
    """

    def __init__(self, records: Iterable[dict[str, Any]], config: Mapping[str, Any]) -> None:
        self.records = list(records)
        self.config = dict(config)

    @property
    def methods(self) -> list[str]:
        return list(dict.fromkeys(r["method"] for r in self.records))

    def scores(
        self, method: str, metric: str = "accuracy", splits: Iterable[int] | None = None
    ) -> np.ndarray:
        """``metric`` of ``method`` per split (its seeds averaged), ordered by split.

        Seeds of one split share its training and test subjects, so they are not
        independent runs: the paired statistics count splits. ``splits`` restricts
        (and orders) the splits; by default every split the method ran on.
        """
        per_split = self._per_split(method, metric)
        keys = sorted(per_split) if splits is None else list(splits)
        return np.array([per_split[k] for k in keys], dtype=np.float64)

    def _per_split(self, method, metric):
        rows = [r for r in self.records if r["method"] == method]
        return {k: float(np.mean([r[metric] for r in rows if r["split"] == k]))
                for k in sorted({r["split"] for r in rows})}

    def paired(
        self,
        a: str,
        b: str,
        metric: str = "accuracy",
        confidence: float = 0.95,
        correction: Literal["nadeau-bengio"] | None = None,
    ) -> dict[str, float]:
        """:func:`paired_difference` of methods ``a`` and ``b`` over the splits both ran on."""
        common = sorted(set(self._per_split(a, metric)) & set(self._per_split(b, metric)))
        ratio = None
        if correction == "nadeau-bengio":
            ratio = float(np.mean([r["n_test"] / r["n_train"] for r in self.records]))
        elif correction is not None:
            raise ValueError(f"correction must be None or 'nadeau-bengio'; got {correction!r}.")
        return paired_difference(self.scores(a, metric, common), self.scores(b, metric, common),
                                 confidence, test_train_ratio=ratio)

    def reference(self, metric: str = "accuracy") -> str:
        """The no-augmentation variant with the best mean ``metric`` (its best budget).

        Chosen on the test scores, like the methods it is compared with, so the
        baseline gets the benefit of the doubt: the differences to it are, if
        anything, pessimistic for augmentation.
        """
        candidates = [m for m in self.methods
                      if any(r["method"] == m and r["base_method"] == _REFERENCE
                             for r in self.records)]
        return max(candidates, key=lambda m: self.scores(m, metric).mean())

    def summary(
        self,
        metric: Literal["accuracy", "macro_f1"] = "accuracy",
        confidence: float = 0.95,
        correction: Literal["nadeau-bengio"] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Per method: mean, std and the paired difference to the best baseline.

        Parameters
        ----------
        metric : {"accuracy", "macro_f1"}, default="accuracy"
        confidence : float, default=0.95
        correction : {None, "nadeau-bengio"}, default=None
            None: paired t-interval over splits. ``"nadeau-bengio"``: the corrected
            resampled t-test (see :func:`paired_difference`), with the mean
            ``n_test / n_train`` of the splits; much wider when test sets are large
            and overlap, as in "5 subjects train, the others test".

        Returns
        -------
        summary : dict of str -> dict
            ``mean``, ``std`` (over splits), ``n_runs``, ``n_splits``, ``diff`` (see
            :func:`paired_difference`; None for the reference), mean diagnostics and
            mean seconds per stage.
        """
        if correction not in (None, "nadeau-bengio"):
            raise ValueError(f"correction must be None or 'nadeau-bengio'; got {correction!r}.")
        ref = self.reference(metric)
        out = {}
        for method in self.methods:
            values = self.scores(method, metric)
            rows = [r for r in self.records if r["method"] == method]
            entry = {"mean": float(values.mean()),
                     "std": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
                     "n_runs": len(rows), "n_splits": int(len(values)),
                     "reference": method == ref,
                     "diff": None if method == ref else self.paired(
                         method, ref, metric, confidence, correction)}
            for key in ("tstr", "label_fidelity", "discriminative"):
                vals = [r[key] for r in rows if key in r]
                entry[key] = float(np.nanmean(vals)) if vals and not np.all(np.isnan(vals)) \
                    else float("nan")
            stages = {}
            for r in rows:
                for stage, sec in r["seconds"].items():
                    stages.setdefault(stage, []).append(sec)
            entry["seconds"] = {k: float(np.mean(v)) for k, v in stages.items()}
            out[method] = entry
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable ``{"config", "summary", "records"}``."""
        return {"config": self.config, "summary": self.summary(), "records": self.records}

    def to_markdown(self, metric: Literal["accuracy", "macro_f1"] = "accuracy") -> str:
        """The summary as a Markdown table (differences in points, i.e. x100)."""
        summ = self.summary(metric)
        lines = [f"| method | {metric} (mean ± std) | Δ vs {self.reference(metric)} [95% CI] | wins | "
                 "TSTR | label fidelity | discriminative | s / run |",
                 "|---|---|---|---|---|---|---|---|"]

        def fmt(v):
            return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"

        for method, s in summ.items():
            d = s["diff"]
            if d is None:
                delta = "reference"
            elif np.isnan(d["ci_low"]):  # a single split: no interval
                delta = f"{100 * d['mean']:+.1f} [–]"
            else:
                delta = (f"{100 * d['mean']:+.1f} [{100 * d['ci_low']:+.1f}, "
                         f"{100 * d['ci_high']:+.1f}]")
            wins = "" if d is None else f"{d['wins']}/{d['n']}"
            secs = sum(s["seconds"].values())
            spread = "" if np.isnan(s["std"]) else f" ± {s['std']:.3f}"
            lines.append(f"| {method} | {s['mean']:.3f}{spread} | {delta} | {wins} | "
                         f"{fmt(s['tstr'])} | {fmt(s['label_fidelity'])} | "
                         f"{fmt(s['discriminative'])} | {secs:.0f} |")
        return "\n".join(lines) + "\n"

    def __repr__(self):
        return (f"AugmentationComparison({len(self.methods)} methods, "
                f"{self.config.get('n_runs')} runs, reference={self.reference()!r})")
