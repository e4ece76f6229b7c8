"""One run of a comparison: fit each method's steps, train the classifier, score it."""

import os
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, clone

from ..utils._labels import check_soft_labels_accepted, hard_labels
from ..utils._params import set_nested_params
from ._diagnostics import synthetic_data_diagnostics
from ._method import _REFERENCE, Method, _test_window_params

__all__ = []


@dataclass(frozen=True, eq=False)
class _Setup:
    """What every run of one comparison shares: the checked arguments of compare_augmenters."""

    X: np.ndarray
    y: np.ndarray
    labels: np.ndarray  # every class of y, for the scores
    methods: dict[str, Method]  # resolved: steps in pipeline order, schedule and transductive
    classifier: BaseEstimator
    budget: str
    baseline_multipliers: tuple[float, ...]
    diagnostics: bool
    diagnostic_estimator: BaseEstimator | None
    cache_dir: Any  # given to every step's memory left to None; None: no cache
    pretrain_fraction: float
    verbose: int


@dataclass(frozen=True, eq=False)
class _Run:
    """One split and seed: the rows it trains and tests on."""

    split: int
    seed: int
    train_groups: list
    train: np.ndarray
    test: np.ndarray

    def describe(self):
        """What every record of the run says about it."""
        return {"split": self.split, "seed": self.seed, "train_groups": self.train_groups}


class _Fitted(NamedTuple):
    """A method's steps fitted on a run's training rows, and the classifier's training set."""

    steps: list
    X: np.ndarray
    y: np.ndarray
    synthetic: np.ndarray  # bool mask of the synthetic rows of X
    seconds: dict  # per step


def _run_all(setup, runs, n_jobs):
    """The records of every run, in order; ``n_jobs`` of them at once (joblib's meaning)."""
    cpus = os.cpu_count() or 1
    # joblib's convention: -1 is every CPU, -2 all but one, ...
    n_workers = 1 if n_jobs is None else max(1, cpus + 1 + n_jobs) if n_jobs < 0 else n_jobs
    if n_workers == 1:
        out = [_one_run(setup, run) for run in runs]
    else:
        from joblib import Parallel, delayed

        threads = max(1, cpus // n_workers)
        out = Parallel(n_jobs=n_workers)(delayed(_run_in_worker)(threads, setup, run)
                                         for run in runs)
    return [r for rs in out for r in rs]


def _run_in_worker(n_threads, setup, run):
    import torch

    torch.set_num_threads(n_threads)
    return _one_run(setup, run)


def _one_run(setup, run):
    """The records of every method, and of the reference's other budgets, on one run."""
    X_train, y_train = setup.X[run.train], setup.y[run.train]
    X_test, y_test = setup.X[run.test], setup.y[run.test]
    fitted = {name: _fit_method(setup, run, name, X_train, y_train, X_test)
              for name in setup.methods}
    max_growth = max(len(f.X) for f in fitted.values()) / max(1, len(X_train))
    return [_train_and_score(setup, run, name, multiplier, label, fitted[name], X_test, y_test)
            for name, multiplier, label in _variants(setup, max_growth)]


def _fit_method(setup, run, name, X_train, y_train, X_test):
    """Fresh steps of method ``name``, fitted on the run's training rows."""
    method = setup.methods[name]
    steps = [clone(s) for s in method.steps]
    for step in steps:
        set_nested_params(step, "random_state", run.seed)
        if setup.cache_dir is not None:
            set_nested_params(step, "memory", setup.cache_dir, only_if_none=True)
    seconds = {}
    X_fit, y_fit, synthetic = _fit_resample_steps(
        steps, X_train, y_train, seconds, X_test=X_test if method.transductive else None)
    check_soft_labels_accepted(y_fit, setup.classifier, f"method {name!r}")
    return _Fitted(steps, X_fit, y_fit, synthetic, seconds)


def _variants(setup, max_growth):
    """``(method, budget multiplier, label)``: every method at 1, the reference also at its
    other budgets (only for a classifier that has one)."""
    for name in setup.methods:
        yield name, 1.0, name
        if name != _REFERENCE or not has_training_budget(setup.classifier):
            continue
        for m in sorted({float(m) for m in setup.baseline_multipliers} - {1.0}):
            yield name, m, f"{name} x{m:g} budget"
        if setup.budget == "equal-epochs":
            # one label on every run, whatever this run's growth (training sets, rounding
            # and filters differ by split), so that its records pair across the splits
            yield name, max_growth, f"{name} xG budget"


def _train_and_score(setup, run, name, multiplier, label, fitted, X_test, y_test):
    """Train the classifier on one method's rows at one budget and score it: the record."""
    steps, X_fit, y_fit, synthetic, seconds = fitted
    n_train = len(run.train)
    growth = len(X_fit) / max(1, n_train)
    seconds = dict(seconds)
    clf = clone(setup.classifier)
    set_nested_params(clf, "random_state", run.seed)
    final = _final_step(clf)
    info = _classifier_budget(final, setup.budget, n_train, multiplier, growth)
    start = time.perf_counter()
    if setup.methods[name].schedule == "pretrain" and synthetic.any():
        info["schedule"] = _pretrain_then_finetune(clf, final, X_fit, y_fit, synthetic,
                                                   setup.pretrain_fraction)
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
    record = {"method": label, "base_method": name, "budget_multiplier": multiplier,
              **run.describe(), "n_train": int(n_train), "n_synthetic": int(synthetic.sum()),
              "n_test": int(len(X_test)), "budget": info, "seconds": seconds,
              **_score(y_test, y_pred, setup.labels)}
    if setup.diagnostics and multiplier == 1.0 and synthetic.any():
        start = time.perf_counter()
        # the method's own real rows: its steps may have learnt their scaling from them
        record.update(synthetic_data_diagnostics(
            X_fit[~synthetic], hard_labels(y_fit)[~synthetic], X_fit[synthetic],
            y_fit[synthetic], X_test_t, y_test, estimator=setup.diagnostic_estimator,
            random_state=run.seed))
        record["seconds"]["diagnostics"] = round(time.perf_counter() - start, 3)
    if setup.verbose:
        print(f"  split {run.split} seed {run.seed}: {label:<28} accuracy "
              f"{record['accuracy']:.3f}  macro-F1 {record['macro_f1']:.3f}", flush=True)
    return record


def _final_step(clf):
    return clf.steps[-1][1] if hasattr(clf, "steps") else clf


def has_training_budget(clf):
    """Whether the classifier (or a pipeline's last step) trains for a length that can be set:
    ``max_epochs``, with or without ``n_steps``, as skaugment's and skorch's classifiers."""
    return "max_epochs" in _final_step(clf).get_params()


def _classifier_budget(clf, budget, n_real, multiplier, growth):
    """Set ``clf``'s training length; returns a description of the budget."""
    if not has_training_budget(clf):
        return {"controlled": False}
    params = clf.get_params()
    has_steps = "n_steps" in params
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

    # F1 over the classes the split's test rows have or were predicted (scikit-learn's
    # default): a class absent from a split's test subjects would count as F1 = 0
    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
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


def _check_can_pretrain(classifier, pretrained):
    """Pre-training then fine-tuning needs a classifier that can go on training."""
    final = _final_step(classifier)
    if pretrained and not (hasattr(final, "partial_fit") and "max_epochs" in final.get_params()):
        raise ValueError(f"{pretrained} pre-train the classifier on synthetic rows and fine-tune it "
                         f"on the real ones, which needs a classifier that can go on training "
                         f"(partial_fit and a max_epochs budget, as skaugment's classifiers); "
                         f"{type(final).__name__} cannot. Leave them out, or train them on the "
                         "mixed rows (pretrain_on_synthetic=(), or a Method with "
                         "schedule='mixed').")
