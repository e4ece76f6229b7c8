"""AugmentationSelector: the choice (helps / hurts / rules), leak-freedom, refit, cv_results_."""

import os
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from skaugment.augmenters import LabelFidelityFilter, MixupAugmenter, SignalTransformAugmenter
from skaugment.evaluation import AugmentationSelector, paired_difference


def _flatten(a):
    return np.asarray(a).reshape(len(a), -1)


FLAT = FunctionTransformer(_flatten)


def _jitter(**params):
    return SignalTransformAugmenter(transforms=["jitter"],
                                    transform_params={"jitter": {"sigma": 1.0}},
                                    **{"ratio": 3.0, **params})


def _few_rows(seed, n=36, noise=1.0, t=32):
    """Two phase-shifted sines, amplitudes over a decade, 6 groups: fewer rows than timesteps.

    A linear discriminant without shrinkage cannot estimate a 32 x 32 covariance from
    30 rows; jittered copies (noise injection, a ridge in disguise) fix that.
    """
    rng = np.random.RandomState(seed)
    y = np.tile([0, 1], n // 2)
    tt = np.arange(t) / t
    templates = np.stack([np.sin(2 * np.pi * 2 * tt), np.sin(2 * np.pi * 2 * tt + 0.8)])
    amp = np.exp(rng.uniform(np.log(0.3), np.log(3.0), size=n))
    X = amp[:, None, None] * templates[y][:, None, :] + noise * rng.randn(n, 1, t)
    return X, y, np.repeat(np.arange(6), n // 6)


def _easy(seed=0, n=48, t=16):
    """Well separated classes, with row ids in X[:, 0, 0] (the recording stubs read them)."""
    rng = np.random.RandomState(seed)
    y = np.tile([0, 1], n // 2)
    X = rng.randn(n, 2, t) * 0.3 + 2.0 * y[:, None, None]
    X[:, 0, 0] = np.arange(n)
    return X, y, np.repeat(np.arange(6), n // 6)


class LabelNoiseAugmenter(BaseEstimator):
    """Garbage: copies of random other rows, slightly perturbed, with the real rows' labels."""

    def __init__(self, ratio=3.0, random_state=None):
        self.ratio = ratio
        self.random_state = random_state

    def fit_resample(self, X, y):
        rng = np.random.RandomState(self.random_state)
        n_new = int(round(self.ratio * len(X)))
        src = rng.randint(0, len(X), size=n_new)
        other = rng.randint(0, len(X), size=n_new)
        X_new = X[other] + 1e-3 * rng.randn(*X[other].shape)
        return np.concatenate([X, X_new]), np.concatenate([y, y[src]])


class Tagged(BaseEstimator):
    """A sampler that returns the rows unchanged: only its tag tells candidates apart."""

    def __init__(self, tag="a", ratio=1.0):
        self.tag = tag
        self.ratio = ratio

    def fit_resample(self, X, y):
        return X, y


LOG = []


class Recorder(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; logs the row ids (X[:, 0, 0]) of every fit and predict."""

    def fit(self, X, y):
        LOG.append(("fit", np.asarray(X)[:, 0, 0].astype(int)))
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        LOG.append(("predict", np.asarray(X)[:, 0, 0].astype(int)))
        return np.full(len(X), self.majority_)


class CopyAugmenter(BaseEstimator):
    """Appends exact copies (ids kept), and records the ``memory`` it was given."""

    seen_memory = []

    def __init__(self, ratio=1, random_state=None, memory=None):
        self.ratio = ratio
        self.random_state = random_state
        self.memory = memory

    def fit_resample(self, X, y):
        CopyAugmenter.seen_memory.append(self.memory)
        if self.memory is not None:
            assert os.path.isdir(self.memory)
        k = 1 + int(self.ratio)
        return np.concatenate([X] * k), np.concatenate([y] * k)


# -- the choice -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_picks_an_augmentation_that_clearly_helps(seed):
    X, y, g = _few_rows(seed)
    lda = LinearDiscriminantAnalysis(solver="lsqr")
    for rule in ("one-se", "best"):
        sel = AugmentationSelector(lda, {"jitter": _jitter()}, cv=6, rule=rule,
                                   preprocessing=FLAT, random_state=0).fit(X, y, groups=g)
        r = sel.cv_results_
        assert sel.best_candidate_ == "jitter", (rule, r["mean_test_score"])
        assert r["diff_mean"][1] > r["diff_se"][1] > 0
        assert r["diff_wins"][1] >= 5
        assert sel.best_ratio_ == 3.0 and sel.best_params_ == {"candidate": "jitter", "ratio": 3.0}
        assert sel.best_score_ == r["mean_test_score"][1] > r["mean_test_score"][0] + 0.2


def test_returns_none_when_the_only_candidate_destroys_the_labels():
    X, y, g = _easy()
    knn = KNeighborsClassifier(1)
    for rule in ("one-se", "best", 0.0):
        sel = AugmentationSelector(knn, {"garbage": LabelNoiseAugmenter()}, cv=6, rule=rule,
                                   preprocessing=FLAT, random_state=0).fit(X, y, groups=g)
        r = sel.cv_results_
        assert sel.best_candidate_ == "none" and sel.best_index_ == 0 and sel.best_ratio_ is None
        assert r["mean_test_score"][0] == 1.0
        assert r["mean_test_score"][1] < 0.8 and r["diff_ci_high"][1] < 0
        assert sel.selection_["best_augmentation"] == "garbage"
    assert sel.predict(X).tolist() == y.tolist()


# scores per (candidate tag, validation group), so that every choice is computable
_TABLE = {"none": [0.5, 0.5, 0.5, 0.5], "a": [0.9, 0.2, 0.9, 0.2], "b": [0.52, 0.52, 0.52, 0.52]}


def _table_scorer(estimator, X, y):
    first = estimator.steps[0][1]
    tag = first.tag if isinstance(first, Tagged) else "none"
    group = int(np.asarray(X)[0, 0, 0]) // 12  # ids 0..47, 12 rows per group
    return _TABLE[tag][group]


def _table_selector(candidates, rule):
    return AugmentationSelector(KNeighborsClassifier(1), candidates, cv=4, rule=rule,
                                scoring=_table_scorer, preprocessing=FLAT)


def test_rules_differ_on_known_scores():
    X, y, _ = _easy()
    groups = np.arange(48) // 12
    cands = {"a": Tagged("a"), "b": Tagged("b")}
    d_a = np.subtract(_TABLE["a"], _TABLE["none"])
    se_a = d_a.std(ddof=1) / 2
    chosen = {}
    for rule in ("best", "one-se", 0.01, 0.1):
        sel = _table_selector(cands, rule).fit(X, y, groups=groups)
        chosen[rule] = sel.best_candidate_
        assert sel.selection_["best_augmentation"] == "a"
        np.testing.assert_allclose(sel.selection_["improvement"], d_a.mean())
    # a wins the means (0.55 > 0.52 > 0.50) by less than one standard error of its
    # paired differences: "best" and a small margin take it, "one-se" does not, and b,
    # steadier but not the best augmentation, is not considered
    assert chosen == {"best": "a", "one-se": "none", 0.01: "a", 0.1: "none"}
    sel = _table_selector(cands, "one-se").fit(X, y, groups=groups)
    np.testing.assert_allclose(sel.selection_["threshold"], se_a)
    r = sel.cv_results_
    np.testing.assert_allclose(r["mean_test_score"], [0.5, 0.55, 0.52])
    np.testing.assert_allclose(r["diff_se"], [0.0, se_a, 0.0], atol=1e-12)
    assert r["rank_test_score"].tolist() == [3, 1, 2]
    assert r["diff_wins"].tolist() == [0, 2, 4]
    # alone, b's steady +0.02 passes one standard error (0)
    assert _table_selector({"b": Tagged("b")}, "one-se").fit(X, y, groups=groups) \
        .best_candidate_ == "b"


def test_one_fold_won_and_the_others_tied_is_not_enough_for_one_se():
    X, y, _ = _easy()
    groups = np.arange(48) // 12
    old = _TABLE["a"]
    _TABLE["a"] = [0.75, 0.5, 0.5, 0.5]  # mean(d) == se(d) == 0.0625, exactly
    try:
        sel = _table_selector({"a": Tagged("a")}, "one-se").fit(X, y, groups=groups)
    finally:
        _TABLE["a"] = old
    assert sel.best_candidate_ == "none"
    np.testing.assert_allclose(sel.selection_["improvement"], sel.selection_["threshold"])


# -- leak-freedom, nested use ------------------------------------------------------------


def test_inner_folds_see_only_the_rows_given_to_fit():
    X, y, g = _easy()
    outer_train = np.flatnonzero(g < 4)  # groups 4 and 5 are an outer test set
    LOG.clear()
    sel = AugmentationSelector(Recorder(), {"copy": CopyAugmenter()}, cv=4, random_state=0)
    sel.fit(X[outer_train], y[outer_train], groups=g[outer_train])
    allowed = set(outer_train.tolist())
    assert LOG and all(set(ids.tolist()) <= allowed for _, ids in LOG)
    # each inner fit is followed by the predict of its validation rows: other groups only
    events = list(LOG)
    n_inner = 0
    for (kind, fitted), (next_kind, validated) in zip(events, events[1:]):
        if kind == "fit" and next_kind == "predict":
            assert not set(g[fitted]) & set(g[validated])
            n_inner += 1
    assert n_inner == 4 * 2  # folds x candidates; the refit is not followed by a predict
    assert events[-1][0] == "fit" and set(events[-1][1].tolist()) == allowed


def test_nested_cross_val_score_matches_an_outer_loop_by_hand():
    X, y, g = _few_rows(0, n=48)
    g = np.repeat(np.arange(8), 6)
    sel = AugmentationSelector(LinearDiscriminantAnalysis(solver="lsqr"), {"jitter": _jitter()},
                               cv=3, preprocessing=FLAT, random_state=0)
    outer = GroupKFold(4)
    by_hand = []
    for train, test in outer.split(X, y, g):
        fitted = clone(sel).fit(X[train], y[train], groups=g[train])
        by_hand.append(fitted.score(X[test], y[test]))
    scores = cross_val_score(sel, X, y, groups=g, cv=outer, params={"groups": g})
    np.testing.assert_allclose(scores, by_hand)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_val_score(sel, X, y, cv=outer, params={"groups": g})
    np.testing.assert_allclose(routed, by_hand)


def test_a_splitter_that_mixes_groups_is_rejected():
    X, y, g = _easy()
    sel = AugmentationSelector(KNeighborsClassifier(1), {"copy": CopyAugmenter()},
                               cv=StratifiedKFold(3, shuffle=True, random_state=0),
                               preprocessing=FLAT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "groups parameter is ignored"
        with pytest.raises(ValueError, match="both its training and validation sides"):
            sel.fit(X, y, groups=g)
    sel.fit(X, y)  # without groups, a window-level splitter is the user's choice
    assert sel.n_splits_ == 3


# -- refit and cv_results_ against pipelines built by hand -------------------------------


def _by_hand(augmenter, classifier):
    steps = [] if augmenter is None else [augmenter]
    return make_pipeline(*steps, FunctionTransformer(_flatten), classifier)


def test_refit_equals_the_chosen_pipeline_fitted_by_hand():
    X, y, g = _few_rows(0)
    X_test, _, _ = _few_rows(10)
    lda = LinearDiscriminantAnalysis(solver="lsqr")
    sel = AugmentationSelector(lda, {"jitter": _jitter()}, ratios=(1.0, 3.0), cv=6,
                               preprocessing=FLAT, random_state=0).fit(X, y, groups=g)
    assert sel.best_candidate_ in ("jitter@ratio=1", "jitter@ratio=3")
    hand = _by_hand(_jitter(ratio=sel.best_ratio_, random_state=0), clone(lda)).fit(X, y)
    np.testing.assert_array_equal(sel.predict(X_test), hand.predict(X_test))
    np.testing.assert_allclose(sel.predict_proba(X_test), hand.predict_proba(X_test))
    np.testing.assert_allclose(sel.decision_function(X_test), hand.decision_function(X_test))
    assert sel.score(X_test, y) == pytest.approx(hand.score(X_test, y))
    assert sel.classes_.tolist() == [0, 1] and sel.n_channels_ == 1
    assert sel.input_shape_ == (1, 32) and sel.refit_time_ >= 0
    assert type(sel.best_estimator_).__module__.startswith("imblearn.pipeline")


def test_cv_results_equal_cross_val_score_of_each_candidate():
    X, y, g = _few_rows(1)
    lda = LinearDiscriminantAnalysis(solver="lsqr")
    sel = AugmentationSelector(lda, {"jitter": _jitter(), "scaling": SignalTransformAugmenter(
        transforms=["scaling"])}, ratios=(1.0, 2.0), cv=6, preprocessing=FLAT,
        random_state=0).fit(X, y, groups=g)
    r = sel.cv_results_
    assert r["candidate"].tolist() == ["none", "jitter@ratio=1", "jitter@ratio=2",
                                       "scaling@ratio=1", "scaling@ratio=2"]
    assert r["augmentation"].tolist() == ["none", "jitter", "jitter", "scaling", "scaling"]
    np.testing.assert_array_equal(r["ratio"], [np.nan, 1.0, 2.0, 1.0, 2.0])
    hand = [_by_hand(None, clone(lda))]
    for aug in (_jitter, lambda **p: SignalTransformAugmenter(transforms=["scaling"], **p)):
        hand += [_by_hand(aug(ratio=r_, random_state=0), clone(lda)) for r_ in (1.0, 2.0)]
    splits = [r[f"split{k}_test_score"] for k in range(6)]
    for i, pipe in enumerate(hand):
        expected = cross_val_score(pipe, X, y, groups=g, cv=GroupKFold(6))
        np.testing.assert_allclose([s[i] for s in splits], expected)
        np.testing.assert_allclose(r["mean_test_score"][i], expected.mean())
        np.testing.assert_allclose(r["std_test_score"][i], expected.std())
        d = paired_difference(expected, cross_val_score(hand[0], X, y, groups=g,
                                                        cv=GroupKFold(6)))
        for key in ("mean", "ci_low", "ci_high", "wins"):
            np.testing.assert_allclose(r[f"diff_{key}"][i], d[key])
    for key in ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time"):
        assert r[key].shape == (5,) and (r[key] >= 0).all()
    assert r["params"][2] == {"candidate": "jitter", "ratio": 2.0}
    assert r["params"][0] == {"candidate": "none", "ratio": None}
    assert set(sel.candidate_pipelines_) == set(r["candidate"])


def test_fit_is_reproducible_and_n_jobs_gives_the_same_results():
    X, y, g = _few_rows(2)
    sel = AugmentationSelector(LinearDiscriminantAnalysis(solver="lsqr"), {"jitter": _jitter()},
                               ratios=(1.0, 2.0), cv=3, preprocessing=FLAT, random_state=0)
    a = clone(sel).fit(X, y, groups=g).cv_results_
    with joblib.parallel_config(backend="threading"):  # the same code path, no process start
        b = clone(sel).set_params(n_jobs=2).fit(X, y, groups=g).cv_results_
    for key in a:
        if key.startswith("split") or key.startswith("diff") or key == "mean_test_score":
            np.testing.assert_array_equal(a[key], b[key])


# -- candidates, ratios, preprocessing, memory -------------------------------------------


def test_ratios_reach_nested_augmenters_and_candidates_without_ratio():
    X, y, g = _easy()
    wrapped = LabelFidelityFilter(SignalTransformAugmenter(transforms=["jitter"]), threshold=0.0)
    sel = AugmentationSelector(KNeighborsClassifier(1),
                               {"filtered": wrapped, "mixless": FunctionTransformer(np.tanh)},
                               ratios=(0.5, 2.0), cv=3, preprocessing=FLAT,
                               random_state=0).fit(X, y, groups=g)
    r = sel.cv_results_
    assert r["candidate"].tolist() == ["none", "filtered@ratio=0.5", "filtered@ratio=2",
                                       "mixless"]
    pipe = sel.candidate_pipelines_["filtered@ratio=2"]
    assert pipe.steps[0][1].get_params()["sampler__ratio"] == 2.0
    assert pipe.steps[0][1].get_params()["sampler__random_state"] == 0
    assert np.isnan(r["ratio"][3]) and r["params"][3]["ratio"] is None


def test_ratio_of_a_generator_inside_an_augmenter_is_left_alone():
    from skaugment import ConditionalDiffusionSampler, MetricDisturbAugmenter
    from skaugment.evaluation._selection import _ratio_keys

    aug = MetricDisturbAugmenter(generator=ConditionalDiffusionSampler(ratio=5.0))
    assert _ratio_keys(aug) == ["ratio"]
    assert _ratio_keys(LabelFidelityFilter(aug)) == ["sampler__ratio"]


def test_own_ratio_is_reported_when_ratios_is_none():
    X, y, g = _easy()
    sel = AugmentationSelector(KNeighborsClassifier(1), {"copy": CopyAugmenter(ratio=2)}, cv=3,
                               preprocessing=FLAT, rule="best").fit(X, y, groups=g)
    assert sel.cv_results_["candidate"].tolist() == ["none", "copy"]
    assert sel.cv_results_["ratio"][1] == 2.0


def test_preprocessing_is_placed_once_in_every_candidate():
    X, y, g = _easy()
    flat = FunctionTransformer(_flatten)
    sel = AugmentationSelector(
        KNeighborsClassifier(1),
        {"none": None, "copy": CopyAugmenter(), "listed": [flat, Tagged("x")]},
        cv=3, preprocessing=flat).fit(X, y, groups=g)
    names = {k: [type(s).__name__ for _, s in p.steps] for k, p in sel.candidate_pipelines_.items()}
    assert names == {
        "none": ["FunctionTransformer", "KNeighborsClassifier"],
        "copy": ["CopyAugmenter", "FunctionTransformer", "KNeighborsClassifier"],
        "listed": ["FunctionTransformer", "Tagged", "KNeighborsClassifier"],  # its own order
    }


def test_random_state_only_fills_parameters_left_none():
    X, y, g = _easy()
    sel = AugmentationSelector(KNeighborsClassifier(1), {
        "a": SignalTransformAugmenter(transforms=["jitter"], ratio=1.0),
        "b": SignalTransformAugmenter(transforms=["jitter"], ratio=1.0, random_state=7)},
        cv=3, preprocessing=FLAT, random_state=3).fit(X, y, groups=g)
    seeds = {k: p.steps[0][1].random_state for k, p in sel.candidate_pipelines_.items()
             if k != "none"}
    assert seeds == {"a": 3, "b": 7}
    rs = clone(sel).set_params(random_state=np.random.RandomState(0)).fit(X, y, groups=g)
    assert isinstance(rs.candidate_pipelines_["a"].steps[0][1].random_state, int)


def _prefers_copies(estimator, X, y):
    return float(isinstance(estimator.steps[0][1], CopyAugmenter))


def test_memory_auto_is_a_temporary_cache_of_the_inner_folds_only():
    X, y, g = _easy()
    CopyAugmenter.seen_memory.clear()
    sel = AugmentationSelector(KNeighborsClassifier(1), {"copy": CopyAugmenter()}, cv=3,
                               ratios=(1.0, 2.0), preprocessing=FLAT, scoring=_prefers_copies)
    sel.fit(X, y, groups=g)
    assert sel.best_candidate_ == "copy@ratio=1"
    inner, refit = CopyAugmenter.seen_memory[:-1], CopyAugmenter.seen_memory[-1]
    assert len(inner) == 3 * 2 and len(set(inner)) == 1 and isinstance(inner[0], str)
    assert not os.path.exists(inner[0])  # removed at the end of fit
    assert refit is None and sel.best_estimator_.steps[0][1].memory is None
    CopyAugmenter.seen_memory.clear()
    clone(sel).set_params(memory=None).fit(X, y, groups=g)
    assert set(CopyAugmenter.seen_memory) == {None}


# -- soft labels ---------------------------------------------------------------------------


def test_soft_labels_with_a_classifier_that_cannot_take_them_name_the_fix():
    X, y, g = _easy()
    sel = AugmentationSelector(KNeighborsClassifier(1), {"mixup": MixupAugmenter(ratio=1.0)},
                               cv=3, preprocessing=FLAT, random_state=0)
    with pytest.raises(ValueError, match=r'mixup.*soft labels.*KNeighborsClassifier.*'
                                         r'MixupAugmenter\(labels="hard"\)'):
        sel.fit(X, y, groups=g)


def test_the_named_fix_works():
    if "labels" not in MixupAugmenter().get_params():
        pytest.skip("MixupAugmenter has no labels parameter yet")
    X, y, g = _easy()
    sel = AugmentationSelector(KNeighborsClassifier(1),
                               {"mixup": MixupAugmenter(ratio=1.0, labels="hard")}, cv=3,
                               preprocessing=FLAT, random_state=0, rule="best")
    assert sel.fit(X, y, groups=g).cv_results_["mean_test_score"][1] > 0.5


def test_errors_of_the_steps_themselves_are_not_blamed_on_soft_labels():
    X, y, g = _easy()

    class Broken(BaseEstimator):
        def fit_resample(self, X, y):
            raise RuntimeError("broken sampler")

    sel = AugmentationSelector(KNeighborsClassifier(1), {"broken": Broken()}, cv=3,
                               preprocessing=FLAT)
    with pytest.raises(RuntimeError, match="broken sampler"):
        sel.fit(X, y, groups=g)


def test_a_soft_label_classifier_keeps_its_own_error():
    """A classifier that trains on soft labels and fails for another reason is not told to
    use hard labels."""
    from skaugment.classifiers import ResNetClassifier

    class OutOfMemory(ResNetClassifier):
        """Out of memory on the augmented (larger, soft-labelled) training sets only."""

        def fit(self, X, y, **fit_params):
            if np.ndim(y) == 2:
                raise RuntimeError("CUDA out of memory")
            return super().fit(X, y, **fit_params)

    X, y, g = _easy()
    sel = AugmentationSelector(OutOfMemory(n_steps=1), {"mixup": MixupAugmenter(ratio=1.0)},
                               cv=3, random_state=0)
    with pytest.raises(RuntimeError, match="CUDA out of memory"):
        sel.fit(X, y, groups=g)


# -- the estimator API ---------------------------------------------------------------------


def test_methods_follow_the_classifier_and_refit():
    X, y, g = _easy()
    knn = AugmentationSelector(KNeighborsClassifier(1), {"copy": CopyAugmenter()}, cv=3,
                               preprocessing=FLAT)
    assert hasattr(knn, "predict_proba") and not hasattr(knn, "decision_function")
    with pytest.raises(NotFittedError):
        knn.predict(X)
    no_refit = clone(knn).set_params(refit=False).fit(X, y, groups=g)
    assert not hasattr(no_refit, "predict") and not hasattr(no_refit, "best_estimator_")
    assert no_refit.best_candidate_ in ("none", "copy")
    knn.fit(X, y, groups=g)
    assert knn.predict_proba(X).shape == (48, 2)
    with pytest.raises(ValueError, match="shape"):
        knn.predict(X[:, :1])
    bad = X.copy()
    bad[5, 0, 3] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 5"):
        knn.predict(bad)
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 5"):
        clone(knn).fit(bad, y, groups=g)


def test_string_labels_and_a_scorer_name():
    X, y, g = _easy()
    labels = np.array(["sit", "walk"])[y]
    sel = AugmentationSelector(KNeighborsClassifier(1), {"copy": CopyAugmenter()}, cv=3,
                               scoring="f1_macro", preprocessing=FLAT).fit(X, labels, groups=g)
    assert sel.classes_.tolist() == ["sit", "walk"]
    assert sel.predict(X[:3]).tolist() == labels[:3].tolist()
    assert sel.score(X, labels) == 1.0


_GOOD = {"copy": CopyAugmenter()}


@pytest.mark.parametrize(("params", "fit_kw", "match"), [
    ({"rule": "median"}, {}, "'rule' parameter"),
    ({"rule": -0.1}, {}, "'rule' parameter"),
    ({"candidates": {}}, {}, "no augmentation to choose from"),
    ({"candidates": {"none": None}}, {}, "no augmentation to choose from"),
    ({"candidates": {"knn": KNeighborsClassifier()}}, {}, "neither a sampler"),
    ({"candidates": {"x": "passthrough"}}, {}, "neither a sampler"),
    ({"candidates": {"x": []}}, {}, "empty list of steps"),
    ({"candidates": {"none": CopyAugmenter()}}, {}, "must be None"),
    ({"candidates": {"other": None}}, {}, "only 'none' may be None"),
    ({"candidates": {"c": CopyAugmenter(), "c@ratio=1": FunctionTransformer()}, "ratios": [1.0]},
     {}, "occur twice"),
    ({"ratios": []}, {}, "ratios is empty"),
    ({"ratios": [1.0, -2.0]}, {}, "positive numbers"),
    ({"ratios": [1.0, 1.0]}, {}, "distinct"),
    ({"cv": 8}, {"groups": True}, r"cv=8 needs at least 8 groups .*groups holds 6"),
    ({"cv": [(np.arange(24), np.arange(24, 48))]}, {}, "at least 2 inner folds"),
    ({"scoring": "no-such-score"}, {}, "'scoring' parameter"),
    ({"classifier": "knn"}, {}, "'classifier' parameter"),
    ({"preprocessing": KNeighborsClassifier()}, {}, "'preprocessing' parameter"),
    ({}, {"groups": "short"}, "one entry per row"),
])
def test_bad_parameters(params, fit_kw, match):
    X, y, g = _easy()
    kw = {"groups": g} if fit_kw.get("groups") is True else {}
    if fit_kw.get("groups") == "short":
        kw = {"groups": g[:-1]}
    base = {"classifier": KNeighborsClassifier(1), "candidates": _GOOD, "cv": 3,
            "preprocessing": FLAT}
    base.update(params)
    sel = AugmentationSelector(**base)
    with pytest.raises(ValueError, match=match):
        sel.fit(X, y, **kw)


def test_bad_parameters_fail_before_any_training():
    X, y, g = _easy()
    LOG.clear()
    sel = AugmentationSelector(Recorder(), {"a": CopyAugmenter(), "b": 3}, cv=3)
    with pytest.raises(ValueError, match="'b'"):
        sel.fit(X, y, groups=g)
    assert LOG == []
    with pytest.raises(InvalidParameterError):
        AugmentationSelector(Recorder(), _GOOD, rule="x").fit(X, y)


def test_tags_and_exports():
    import skaugment
    from skaugment import AugmentationSelector as Lazy

    assert Lazy is AugmentationSelector and "AugmentationSelector" in skaugment.__all__
    sel = AugmentationSelector(KNeighborsClassifier(1), {"jitter": _jitter()})
    tags = sel.__sklearn_tags__()
    assert tags.estimator_type == "classifier" and tags.input_tags.three_d_array
    assert not tags.input_tags.two_d_array  # the augmenter takes windows only
    tabular = AugmentationSelector(KNeighborsClassifier(1), {"copy": CopyAugmenter()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tabular.__sklearn_tags__().input_tags.two_d_array
    assert sklearn.base.is_classifier(sel)
