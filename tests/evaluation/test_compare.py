"""compare_augmenters: protocol (splits, seeds, budgets), paired statistics, diagnostics."""

import numpy as np
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GroupKFold, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import FunctionTransformer

from skaugment.evaluation import (
    TEST_WINDOWS,
    AugmentationComparison,
    GroupHoldoutSplit,
    compare_augmenters,
    paired_difference,
    synthetic_data_diagnostics,
)


def _flatten(a):
    return np.asarray(a).reshape(len(a), -1)


FLAT = FunctionTransformer(_flatten)


class CopyAugmenter(BaseEstimator):
    """Appends ``ratio`` exact copies of every row, reals first (the augmenter contract)."""

    def __init__(self, ratio=1, random_state=None, memory=None):
        self.ratio = ratio
        self.random_state = random_state
        self.memory = memory

    def fit_resample(self, X, y):
        self.seen_random_state_ = self.random_state
        reps = [X] * (1 + self.ratio)
        return np.concatenate(reps), np.concatenate([y] * (1 + self.ratio))


class ShiftAugmenter(BaseEstimator):
    """Appends copies moved by ``shift``: synthetic rows unlike the real ones."""

    def __init__(self, shift=100.0):
        self.shift = shift

    def fit_resample(self, X, y):
        return np.concatenate([X, X + self.shift]), np.concatenate([y, y])


class BudgetSpy(ClassifierMixin, BaseEstimator):
    """A 1-NN classifier with skaugment's budget parameters, recording what it got."""

    def __init__(self, max_epochs="auto", n_steps=100, batch_size=8, random_state=None):
        self.max_epochs = max_epochs
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, y):
        self.knn_ = KNeighborsClassifier(1).fit(_flatten(X), y)
        self.classes_ = self.knn_.classes_
        batches = int(np.ceil(len(X) / self.batch_size))
        auto = self.max_epochs == "auto"
        self.n_epochs_ = int(np.ceil(self.n_steps / batches)) if auto else self.max_epochs
        self.n_steps_ = self.n_steps if auto else self.n_epochs_ * batches
        return self

    def predict(self, X):
        return self.knn_.predict(_flatten(X))


def _data(n_groups=6, per_group=10, seed=0):
    rng = np.random.RandomState(seed)
    y = np.tile(["sit", "walk"], n_groups * per_group // 2)
    X = rng.randn(len(y), 2, 8)
    X[y == "walk"] += 1.5
    groups = np.repeat(np.arange(n_groups), per_group)
    return X, y, groups


def test_paired_difference_matches_the_t_interval():
    a = np.array([0.80, 0.82, 0.85, 0.79, 0.90])
    b = np.array([0.78, 0.80, 0.80, 0.81, 0.85])
    d = a - b
    half = stats.t.ppf(0.975, 4) * d.std(ddof=1) / np.sqrt(5)
    res = paired_difference(a, b)
    assert res["mean"] == pytest.approx(d.mean())
    assert res["ci_low"] == pytest.approx(d.mean() - half)
    assert res["ci_high"] == pytest.approx(d.mean() + half)
    assert res["wins"] == 4 and res["n"] == 5
    assert np.isnan(paired_difference([1.0], [0.5])["ci_low"])


def test_group_holdout_split_is_seeded_disjoint_and_sized():
    groups = np.repeat(np.arange(1, 31), 3)
    split = GroupHoldoutSplit(n_train_groups=5, n_repeats=3)
    folds = list(split.split(groups, groups=groups))
    assert len(folds) == split.get_n_splits() == 3
    for tr, te in folds:
        assert len(np.unique(groups[tr])) == 5 and len(np.unique(groups[te])) == 25
        assert not set(groups[tr]) & set(groups[te])
    again = list(GroupHoldoutSplit(n_train_groups=5, n_repeats=5).split(groups, groups=groups))
    np.testing.assert_array_equal(folds[1][0], again[1][0])  # more repeats keep the first ones
    assert not np.array_equal(folds[0][0], folds[1][0])
    _, te = next(GroupHoldoutSplit(5, n_test_groups=4).split(groups, groups=groups))
    assert len(np.unique(groups[te])) == 4
    with pytest.raises(ValueError, match="leaves no test group"):
        next(GroupHoldoutSplit(30).split(groups, groups=groups))
    with pytest.raises(ValueError, match="needs groups"):
        next(GroupHoldoutSplit(2).split(groups))


def test_group_holdout_split_never_repeats_a_training_set():
    """6 groups, 3 to train: 20 sets; plain draws of RandomState(i) repeat one by split 4."""
    groups = np.repeat(np.arange(6), 2)
    plain = [tuple(np.sort(np.random.RandomState(i).permutation(6)[:3])) for i in range(20)]
    assert len(set(plain)) < 20
    split = GroupHoldoutSplit(n_train_groups=3, n_repeats=20)
    drawn = [tuple(np.unique(groups[tr])) for tr, _ in split.split(groups, groups=groups)]
    assert len(set(drawn)) == 20
    # a split whose plain draw was new keeps it, so the first splits stay as they were
    first_repeat = next(i for i in range(20) if plain[i] in plain[:i])
    assert drawn[:first_repeat] == plain[:first_repeat]
    with pytest.raises(ValueError, match="only 20 distinct sets"):
        list(GroupHoldoutSplit(n_train_groups=3, n_repeats=21).split(groups, groups=groups))
    # split_groups(i) reads the i-th of the same draws (past the first repeat too)
    for i in (0, first_repeat, 19):
        train, test = split.split_groups(groups, i)
        assert tuple(train) == drawn[i]
        assert set(test) == set(range(6)) - set(train)


def test_exact_copies_change_nothing_and_every_method_shares_splits_and_seeds():
    X, y, groups = _data()
    cv = GroupHoldoutSplit(n_train_groups=3, n_repeats=3)
    res = compare_augmenters(X, y, groups, {"none": None, "copies": [CopyAugmenter(2), FLAT]},
                             KNeighborsClassifier(1), preprocessing=FLAT, cv=cv, n_seeds=2,
                             diagnostics=False)
    assert isinstance(res, AugmentationComparison)
    assert len(res.records) == 2 * 3 * 2
    # 1-NN on exact copies predicts exactly what it predicts on the originals
    np.testing.assert_array_equal(res.scores("copies"), res.scores("none"))
    summary = res.summary()
    assert summary["copies"]["diff"]["mean"] == 0 and summary["copies"]["diff"]["wins"] == 0
    assert summary["none"]["reference"] and summary["none"]["diff"] is None
    for method in ("none", "copies"):
        rows = sorted((r for r in res.records if r["method"] == method),
                      key=lambda r: (r["split"], r["seed"]))
        assert [(r["split"], r["seed"]) for r in rows] == [(k, 2 * k + s) for k in range(3)
                                                          for s in range(2)]
        for r in rows:
            assert r["n_synthetic"] == (2 * r["n_train"] if method == "copies" else 0)
            assert np.sum(r["confusion_matrix"]) == r["n_test"]
            assert r["accuracy"] == pytest.approx(np.trace(r["confusion_matrix"]) / r["n_test"])
    # the records' training groups are the splitter's, and no test row is of them
    for k, (tr, te) in enumerate(cv.split(X, y, groups)):
        for r in (r for r in res.records if r["split"] == k):
            assert list(r["train_groups"]) == list(np.unique(groups[tr]))
            assert not set(r["train_groups"]) & set(groups[te])
            assert r["n_test"] == len(te)


def test_the_paired_difference_is_measured_against_the_best_baseline_budget():
    X, y, groups = _data()
    cv = GroupHoldoutSplit(n_train_groups=3, n_repeats=2)
    res = compare_augmenters(X, y, groups, {"none": None, "copies": [CopyAugmenter(3), FLAT]},
                             BudgetSpy(n_steps=40), preprocessing=FLAT, cv=cv,
                             baseline_multipliers=(2,), diagnostics=False)
    assert set(res.methods) == {"none", "none x2 budget", "copies"}
    steps = {r["method"]: r["budget"]["n_steps"] for r in res.records if r["split"] == 0}
    # equal steps whatever the size of the training set
    assert steps == {"none": 40, "none x2 budget": 80, "copies": 40}
    # the spy scores the same at every budget: the tie goes to "none", and every
    # difference is taken against the reference
    assert res.reference() == "none"
    np.testing.assert_allclose(res.summary()["copies"]["diff"]["mean"],
                               np.mean(res.scores("copies") - res.scores("none")))


def test_equal_epochs_adds_the_baseline_at_the_augmented_step_count():
    X, y, groups = _data()
    res = compare_augmenters(X, y, groups, {"none": None, "copies": [CopyAugmenter(3), FLAT]},
                             BudgetSpy(max_epochs=5), preprocessing=FLAT,
                             cv=GroupHoldoutSplit(3, n_repeats=1), budget="equal-epochs",
                             diagnostics=False)
    epochs = {r["method"]: r["budget"]["max_epochs"] for r in res.records}
    assert epochs == {"none": 5, "none xG budget": 20, "copies": 5}


def test_equal_epochs_baseline_pairs_across_splits_whose_growth_differs():
    """A ratio rounded per class grows each split's training set by its own factor: the
    baseline at that growth still carries one name, so its records pair over the splits."""

    class GrowByGroupCount(CopyAugmenter):
        def fit_resample(self, X, y):
            extra = len(X) // 3 + len(np.unique(X[:, 0, 0].round(1))) % 5
            return np.concatenate([X, X[:extra]]), np.concatenate([y, y[:extra]])

    X, y, groups = _data(n_groups=8)
    groups = np.repeat(np.arange(8), [6, 8, 10, 12, 6, 8, 10, 20])[:len(y)]
    res = compare_augmenters(X, y, groups, {"none": None, "grow": [GrowByGroupCount(), FLAT]},
                             BudgetSpy(max_epochs=5), preprocessing=FLAT,
                             cv=GroupHoldoutSplit(3, n_repeats=3), budget="equal-epochs",
                             diagnostics=False)
    growth = {r["budget_multiplier"] for r in res.records if r["method"] == "none xG budget"}
    assert len(growth) > 1  # the case: different growth on different splits
    assert set(res.methods) == {"none", "none xG budget", "grow"}
    assert res.summary()["grow"]["diff"]["n"] == 3


def test_macro_f1_counts_the_classes_of_the_split():
    """A class absent from a split's test subjects (and never predicted) is not an F1 of 0."""
    from skaugment.evaluation._runner import _score

    y_true = np.array(["sit", "sit", "walk", "walk"])
    scores = _score(y_true, y_true, labels=np.array(["run", "sit", "walk"]))
    assert scores["accuracy"] == 1.0 and scores["macro_f1"] == 1.0
    assert np.shape(scores["confusion_matrix"]) == (3, 3)


def test_random_state_of_every_step_is_the_run_seed_and_a_cache_is_shared():
    X, y, groups = _data()
    seen = []

    class Recording(CopyAugmenter):
        def fit_resample(self, X, y):
            seen.append((self.random_state, self.memory))
            return super().fit_resample(X, y)

    compare_augmenters(X, y, groups, {"none": None, "a": [Recording(1, random_state=123), FLAT]},
                       KNeighborsClassifier(1), preprocessing=FLAT,
                       cv=GroupHoldoutSplit(3, n_repeats=2), diagnostics=False)
    assert [s[0] for s in seen] == [0, 1]
    assert all(isinstance(s[1], str) and "skaugment-compare" in s[1] for s in seen)


def test_diagnostics_known_answers():
    X, y, groups = _data(per_group=20)
    real, yr = _flatten(X[:60]), y[:60]
    test, yt = _flatten(X[60:]), y[60:]
    copies = synthetic_data_diagnostics(real, yr, real, yr, test, yt)
    # trained on a copy of the real rows, TSTR is the real-trained model's test accuracy
    from skaugment.spectral._features import _default_diagnostic_estimator

    expected = np.mean(_default_diagnostic_estimator().fit(real, yr).predict(test) == yt)
    assert copies["tstr"] == pytest.approx(expected)
    assert copies["label_fidelity"] > 0.9
    flipped = synthetic_data_diagnostics(real, yr, real, np.where(yr == "sit", "walk", "sit"),
                                         test, yt)
    assert flipped["label_fidelity"] < 0.1 and flipped["tstr"] < 0.1
    rng = np.random.RandomState(0)
    S, S_same = np.abs(rng.randn(2, 200, 1, 5, 4))
    y200 = np.tile(yr, 4)[:200]
    far = synthetic_data_diagnostics(S, y200, S + 5.0, y200, S, y200)
    # another draw of the same distribution (exact copies would be learnt as duplicates)
    near = synthetic_data_diagnostics(S, y200, S_same, y200, S, y200)
    assert far["discriminative"] > 0.45  # told apart (nearly) always
    assert near["discriminative"] < 0.15


def test_records_carry_diagnostics_of_the_synthetic_rows():
    from skaugment.spectral._features import _default_diagnostic_estimator

    X, y, groups = _data()
    cv = GroupHoldoutSplit(3, n_repeats=1)
    res = compare_augmenters(X, y, groups, {"none": None, "copies": [CopyAugmenter(1), FLAT]},
                             KNeighborsClassifier(1), preprocessing=FLAT, cv=cv)
    (copies,) = [r for r in res.records if r["method"] == "copies"]
    # the synthetic rows are copies of the training rows: TSTR is the test accuracy of the
    # diagnostic model trained on the real training rows
    train, test = next(cv.split(X, y, groups))
    model = _default_diagnostic_estimator().fit(_flatten(X[train]), y[train])
    assert copies["tstr"] == pytest.approx(np.mean(model.predict(_flatten(X[test])) == y[test]))
    assert copies["label_fidelity"] == pytest.approx(
        np.mean(model.predict(_flatten(X[train])) == y[train]))
    assert np.isnan(copies["discriminative"])  # raw windows: no spectrogram features
    (none,) = [r for r in res.records if r["method"] == "none"]
    assert "tstr" not in none
    assert "| copies |" in res.to_markdown()


def test_bad_configurations_fail_before_training():
    X, y, groups = _data()
    knn = KNeighborsClassifier(1)
    with pytest.raises(ValueError, match="'none' entry"):
        compare_augmenters(X, y, groups, {"a": [FLAT]}, knn)
    with pytest.raises(ValueError, match="has no FunctionTransformer step"):
        compare_augmenters(X, y, groups, {"none": None, "a": [CopyAugmenter()]}, knn,
                           preprocessing=FLAT)
    with pytest.raises(ValueError, match="'budget' parameter of compare_augmenters must be"):
        compare_augmenters(X, y, groups, {"none": None}, knn, preprocessing=FLAT, budget="x")
    with pytest.raises(ValueError, match="same group in training and test"):
        compare_augmenters(X, y, groups, {"none": None}, knn, preprocessing=FLAT,
                           cv=KFold(3, shuffle=True, random_state=0))
    with pytest.raises(ValueError, match="one entry per row"):
        compare_augmenters(X, y, groups[:-1], {"none": None}, knn, preprocessing=FLAT)
    with pytest.raises(TypeError, match="'methods' parameter of compare_augmenters must be"):
        compare_augmenters(X, y, groups, [None], knn)
    with pytest.raises(TypeError, match="non-empty dict"):
        compare_augmenters(X, y, groups, {}, knn)
    # GroupKFold is accepted as it is
    res = compare_augmenters(X, y, groups, {"none": None}, knn, preprocessing=FLAT,
                             cv=GroupKFold(3), diagnostics=False)
    assert len(res.records) == 3


def test_seeds_of_a_split_count_once_and_the_correction_widens_the_interval():
    recs = [{"method": m, "base_method": m, "split": k, "seed": s, "accuracy": acc,
             "macro_f1": acc, "seconds": {}, "n_train": 10, "n_test": 40}
            for m, base in (("none", 0.70), ("aug", 0.75))
            for k in range(4) for s in range(3)
            for acc in [base + 0.01 * k + 0.02 * s - (0.03 if m == "aug" and k == 3 else 0)]]
    res = AugmentationComparison(recs, {})
    np.testing.assert_allclose(res.scores("none"), [0.72, 0.73, 0.74, 0.75])
    plain = res.summary()["aug"]
    assert plain["n_splits"] == 4 and plain["n_runs"] == 12 and plain["diff"]["n"] == 4
    d = np.array([0.05, 0.05, 0.05, 0.02])
    assert plain["diff"]["mean"] == pytest.approx(d.mean())
    nb = res.summary(correction="nadeau-bengio")["aug"]["diff"]
    half_plain = plain["diff"]["ci_high"] - plain["diff"]["mean"]
    half_nb = nb["ci_high"] - nb["mean"]
    # variance factor 1/n + n_test/n_train = 1/4 + 4 instead of 1/4
    assert half_nb / half_plain == pytest.approx(np.sqrt((0.25 + 4) / 0.25))
    with pytest.raises(ValueError, match="correction"):
        res.summary(correction="bonferroni")


def test_bad_arguments_of_the_statistics_and_the_splitter():
    with pytest.raises(ValueError, match="same runs"):
        paired_difference([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="confidence"):
        paired_difference([0.1, 0.2], [0.1, 0.3], confidence=95)
    groups = np.repeat(np.arange(6), 2)
    for bad in (dict(n_train_groups=0), dict(n_train_groups=2.5), dict(n_test_groups=0),
                dict(n_repeats=0), dict(random_state=np.random.RandomState(0))):
        with pytest.raises(ValueError, match=next(iter(bad))):
            next(GroupHoldoutSplit(**{"n_train_groups": 2, **bad}).split(groups, groups=groups))
    X, y, g = _data()
    with pytest.raises(ValueError, match="n_jobs"):
        compare_augmenters(X, y, g, {"none": None}, KNeighborsClassifier(1), preprocessing=FLAT,
                           n_jobs=0)


def test_parallel_runs_give_the_serial_result():
    X, y, groups = _data()
    kw = dict(preprocessing=FLAT, cv=GroupHoldoutSplit(3, n_repeats=2), diagnostics=False)
    methods = {"none": None, "copies": [CopyAugmenter(1), FLAT]}
    serial = compare_augmenters(X, y, groups, methods, KNeighborsClassifier(1), **kw)
    parallel = compare_augmenters(X, y, groups, methods, KNeighborsClassifier(1), n_jobs=2, **kw)
    for method in ("none", "copies"):
        np.testing.assert_array_equal(parallel.scores(method), serial.scores(method))


def test_a_comparison_run_in_pieces_matches_the_whole():
    X, y, groups = _data()
    seen = []

    class Recording(CopyAugmenter):
        def fit_resample(self, X, y):
            seen.append(self.random_state)
            return super().fit_resample(X, y)

    methods = {"none": None, "a": [Recording(1), FLAT]}
    kw = dict(preprocessing=FLAT, diagnostics=False)
    whole = compare_augmenters(X, y, groups, methods, KNeighborsClassifier(1),
                               cv=GroupHoldoutSplit(3, n_repeats=3), **kw)
    pieces = [compare_augmenters(X, y, groups, methods, KNeighborsClassifier(1),
                                 cv=GroupHoldoutSplit(3, n_repeats=1, random_state=k),
                                 random_state=k, **kw) for k in range(3)]
    assert seen == [0, 1, 2, 0, 1, 2]
    for k, piece in enumerate(pieces):
        (rec,) = [r for r in piece.records if r["method"] == "a"]
        (ref,) = [r for r in whole.records if r["method"] == "a" and r["split"] == k]
        assert rec["train_groups"] == ref["train_groups"] and rec["seed"] == ref["seed"] == k
        assert rec["accuracy"] == ref["accuracy"]


@pytest.mark.parametrize("old, new", [("metric-edit", "edit-disturb"),
                                      ("hybrid", "transforms-edit"),
                                      ("target-edit", "edit-target"),
                                      ("hybrid-target", "transforms-edit-target")])
def test_renamed_recipes_still_build_under_their_old_name(old, new):
    from sklearn.base import clone

    from skaugment._cli import build_parser
    from skaugment.evaluation import (AUGMENTATION_METHODS, RENAMED_METHODS,
                                      augmentation_methods, canonical_method_name)

    assert RENAMED_METHODS[old] == new and new in AUGMENTATION_METHODS
    assert old not in AUGMENTATION_METHODS
    mods = {"acc": [0, 1, 2]}
    with pytest.warns(FutureWarning, match=f"{old!r} is now called {new!r}"):
        methods, _ = augmentation_methods([old], modalities=mods, fs=50.0)
    expected, _ = augmentation_methods([new], modalities=mods, fs=50.0)
    assert list(methods) == [old]  # code that reads methods[old] keeps working
    got = [clone(s).get_params(deep=False) for s in methods[old]]
    assert [type(s) for s in methods[old]] == [type(s) for s in expected[new]]
    assert repr(got) == repr([clone(s).get_params(deep=False) for s in expected[new]])
    with pytest.warns(FutureWarning):
        assert canonical_method_name(old) == new
    with pytest.warns(FutureWarning):
        args = build_parser().parse_args(["compare", "--methods", old])
    assert args.methods == [new]


def test_augmentation_methods_build_the_documented_recipes():
    from skaugment import ConditionalDiffusionSampler, SpectrogramTransformer
    from skaugment.augmenters import WindowMetricEditAugmenter, SignalTransformAugmenter
    from skaugment.evaluation import AUGMENTATION_METHODS, augmentation_methods

    mods = {"acc": [0, 1, 2], "gyro": [3, 4, 5]}
    methods, stft = augmentation_methods(modalities=mods, fs=50.0, ratio=2.5, n_fft=16,
                                         hop_length=4, generator_params={"strength": 0.5})
    assert list(methods) == list(AUGMENTATION_METHODS)
    assert isinstance(stft, SpectrogramTransformer) and (stft.n_fft, stft.hop_length) == (16, 4)
    assert methods["none"] is None
    tf = methods["time-freq"][0]
    assert isinstance(tf, SignalTransformAugmenter) and tf.n_transforms == 2
    assert len(tf.transforms) == 8 and set(tf.spectral_transforms) == {"frequency_mask",
                                                                        "frequency_perturb"}
    edit = methods["transforms-edit"][0]
    assert isinstance(edit, WindowMetricEditAugmenter) and (edit.n_fft, edit.hop_length) == (16, 4)
    # every augmenter gets the ratio and the sensor layout; every method shares one STFT
    for name, steps in methods.items():
        if steps is None:
            continue
        assert any(s is stft for s in steps), name
        params = {k: v for s in steps for k, v in s.get_params(deep=True).items()}
        assert 2.5 in [v for k, v in params.items() if k.endswith("ratio") and k != "generator__ratio"]
        if name.startswith("diff"):
            step = [s for s in steps if s is not stft][0]
            # the generator, also inside a wrapper (LabelFidelityFilter)
            gen = [v for k, v in step.get_params(deep=True).items() if k.endswith("generator")][0]
            assert isinstance(gen, ConditionalDiffusionSampler)
            assert gen.strength == 0.5 and gen.modalities == mods
    with pytest.raises(ValueError, match=r"unknown method\(s\) \['smote'\]"):
        augmentation_methods(["none", "smote"])


def test_test_windows_marker_becomes_each_runs_unlabelled_test_input():
    X, y, groups = _data()
    seen = []

    class TargetSpy(CopyAugmenter):
        def __init__(self, target=None, ratio=1, random_state=None, memory=None):
            super().__init__(ratio=ratio, random_state=random_state, memory=memory)
            self.target = target

        def fit_resample(self, X, y):
            seen.append(np.asarray(self.target).copy())
            return super().fit_resample(X, y)

    cv = GroupHoldoutSplit(3, n_repeats=2, random_state=4)
    # the marker sits after FLAT: the spy gets the test input as FLAT transforms it
    result = compare_augmenters(
        X, y, groups, {"none": None, "target": [FLAT, TargetSpy(target=TEST_WINDOWS)]},
        KNeighborsClassifier(1), preprocessing=FLAT, cv=cv, diagnostics=False)
    splits = list(cv.split(X, y, groups))
    assert len(seen) == len(splits) == 2
    for got, (_, test) in zip(seen, splits):
        np.testing.assert_array_equal(got, _flatten(X[test]))  # input only, transformed
    assert result.methods == ["none", "target"]
    # outside the harness the marker says what it is
    with pytest.raises(ValueError, match="TEST_WINDOWS is a marker"):
        np.asarray(TEST_WINDOWS)
    from sklearn.base import clone
    assert clone(TargetSpy(target=TEST_WINDOWS)).target is TEST_WINDOWS


def test_transductive_methods_take_the_test_windows():
    from skaugment.evaluation import TRANSDUCTIVE_METHODS, augmentation_methods

    methods, _ = augmentation_methods(list(TRANSDUCTIVE_METHODS), modalities={"acc": [0, 1, 2]})
    for name in TRANSDUCTIVE_METHODS:
        params = {k: v for step in methods[name] for k, v in step.get_params(deep=True).items()}
        assert params["target"] is TEST_WINDOWS, name


def test_pretraining_on_synthetic_rows_splits_the_budget_and_fine_tunes_on_the_real_rows():
    from skaugment import DeepSenseClassifier
    from skaugment.evaluation._runner import _pretrain_then_finetune

    rng = np.random.RandomState(0)
    S = rng.gamma(2.0, size=(24, 1, 5, 4))
    y = np.tile(["a", "b"], 12)
    synthetic = np.r_[np.zeros(8, bool), np.ones(16, bool)]
    S[synthetic] *= 100.0  # the scaling is learned where training starts: on synthetic rows
    clf = DeepSenseClassifier(n_filters=4, hidden_size=4, n_steps=12, batch_size=4,
                              device="cpu", random_state=0)
    info = _pretrain_then_finetune(clf, clf, S, y, synthetic, 0.5)
    assert info["n_steps"] == [6, 6]
    assert clf.n_steps_ == 12  # as long as plain mixing trains
    rows = [sum(b["train_batch_size"] for b in epoch["batches"]) for epoch in clf.history]
    # 16 synthetic rows in batches of 4: one epoch and a half; then 8 real rows, 3 epochs
    assert rows == [16, 8, 8, 8, 8]
    expected = np.log1p(S[synthetic]).mean()
    assert np.isclose(np.mean(clf.input_mean_), expected, rtol=1e-4)

    # synthetic rows of one class only (e.g. sampling_strategy="minority"): the network
    # still gets an output per class, and fine-tuning on the real rows sees both
    y_one = np.where(synthetic, "a", y)
    clf = DeepSenseClassifier(n_filters=4, hidden_size=4, n_steps=4, batch_size=4,
                              device="cpu", random_state=0)
    _pretrain_then_finetune(clf, clf, S, y_one, synthetic, 0.5)
    assert list(clf.classes_) == ["a", "b"] and clf.predict_proba(S).shape == (24, 2)
    with pytest.raises(ValueError, match="budget of 1 cannot be split"):
        _pretrain_then_finetune(clf.set_params(n_steps=1), clf, S, y, synthetic, 0.5)


def test_the_pretraining_schedule_in_a_comparison_and_its_checks():
    from skaugment import DeepSenseClassifier

    X, y, groups = _data()
    spec = FunctionTransformer(lambda a: np.abs(np.asarray(a))[:, :, None, :] + 0.1)
    clf = DeepSenseClassifier(n_filters=4, hidden_size=4, n_steps=10, batch_size=8,
                              device="cpu")
    methods = {"none": None, "copy": [CopyAugmenter(), spec], "copy-pretrain": [CopyAugmenter(), spec]}
    res = compare_augmenters(X, y, groups, methods, clf, preprocessing=spec, diagnostics=False,
                             cv=GroupHoldoutSplit(3, n_repeats=1),
                             pretrain_on_synthetic=["copy-pretrain"], pretrain_fraction=0.3)
    budget = {r["method"]: r["budget"] for r in res.records}
    assert "schedule" not in budget["copy"]
    assert budget["copy-pretrain"]["schedule"]["n_steps"] == [3, 7]
    assert budget["copy-pretrain"]["n_steps"] == budget["copy"]["n_steps"] == 10
    assert res.config["pretrain_on_synthetic"] == ["copy-pretrain"]
    with pytest.raises(ValueError, match="BudgetSpy cannot"):
        compare_augmenters(X, y, groups, methods, BudgetSpy(), preprocessing=spec,
                           pretrain_on_synthetic=["copy-pretrain"])
    with pytest.raises(TypeError, match="'pretrain_on_synthetic' parameter .* must be an array"):
        compare_augmenters(X, y, groups, methods, clf, preprocessing=spec,
                           pretrain_on_synthetic="copy-pretrain")
    with pytest.raises(ValueError, match=r"'pretrain_fraction' .* in the range \(0.0, 1.0\)"):
        compare_augmenters(X, y, groups, methods, clf, preprocessing=spec, pretrain_fraction=1.0)


def _without_seconds(result):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in result.records]


def test_a_method_object_states_the_schedule_that_a_name_in_pretrain_on_synthetic_gives():
    from skaugment import DeepSenseClassifier
    from skaugment.evaluation import Method

    X, y, groups = _data()
    spec = FunctionTransformer(lambda a: np.abs(np.asarray(a))[:, :, None, :] + 0.1)
    clf = DeepSenseClassifier(n_filters=4, hidden_size=4, n_steps=10, batch_size=8,
                              device="cpu")
    kw = dict(preprocessing=spec, diagnostics=False, cv=GroupHoldoutSplit(3, n_repeats=1),
              pretrain_fraction=0.3)
    named = compare_augmenters(X, y, groups, {"none": None, "p": [CopyAugmenter(), spec]}, clf,
                               pretrain_on_synthetic=["p"], **kw)
    stated = compare_augmenters(X, y, groups,
                                {"none": None, "p": Method([CopyAugmenter(), spec],
                                                           schedule="pretrain")},
                                clf, pretrain_on_synthetic=(), **kw)
    assert _without_seconds(stated) == _without_seconds(named)
    assert stated.config["pretrain_on_synthetic"] == named.config["pretrain_on_synthetic"] == ["p"]
    (p,) = [r for r in stated.records if r["method"] == "p"]
    assert p["budget"]["schedule"]["n_steps"] == [3, 7]


def test_a_plain_method_object_is_its_steps():
    from skaugment.evaluation import Method

    X, y, groups = _data()
    kw = dict(preprocessing=FLAT, cv=GroupHoldoutSplit(3, n_repeats=2), diagnostics=False)
    plain = compare_augmenters(X, y, groups, {"none": None, "copies": [CopyAugmenter(1), FLAT]},
                               KNeighborsClassifier(1), **kw)
    wrapped = compare_augmenters(X, y, groups,
                                 {"none": Method(), "copies": Method([CopyAugmenter(1), FLAT])},
                                 KNeighborsClassifier(1), **kw)
    assert _without_seconds(wrapped) == _without_seconds(plain)
    assert wrapped.config["pretrain_on_synthetic"] == []


def test_a_transductive_method_object_gets_the_test_windows_and_its_declarations_are_checked():
    from dataclasses import FrozenInstanceError

    from skaugment.evaluation import Method

    X, y, groups = _data()
    seen = []

    class TargetSpy(CopyAugmenter):
        def __init__(self, target=None, ratio=1, random_state=None, memory=None):
            super().__init__(ratio=ratio, random_state=random_state, memory=memory)
            self.target = target

        def fit_resample(self, X, y):
            seen.append(np.asarray(self.target).shape)
            return super().fit_resample(X, y)

    cv = GroupHoldoutSplit(3, n_repeats=1)
    knn = KNeighborsClassifier(1)
    method = Method([FLAT, TargetSpy(target=TEST_WINDOWS)], transductive=True)
    compare_augmenters(X, y, groups, {"none": None, "target": method}, knn, preprocessing=FLAT,
                       cv=cv, diagnostics=False)
    (_, test), = cv.split(X, y, groups)
    assert seen == [(len(test), 16)]
    assert isinstance(method.steps, tuple)  # a list given is kept as a tuple: frozen
    with pytest.raises(FrozenInstanceError):
        method.schedule = "pretrain"
    with pytest.raises(ValueError, match=r"transductive=False, but TargetSpy has a TEST_WINDOWS "
                                         r"parameter \(target\)"):
        compare_augmenters(X, y, groups, {"none": None, "t": Method(
            [FLAT, TargetSpy(target=TEST_WINDOWS)], transductive=False)}, knn, preprocessing=FLAT)
    with pytest.raises(ValueError, match="transductive=True, but none of its steps"):
        compare_augmenters(X, y, groups, {"none": None, "t": Method(
            [CopyAugmenter(), FLAT], transductive=True)}, knn, preprocessing=FLAT)
    # a name in pretrain_on_synthetic and a Method that says otherwise: said twice, refused
    with pytest.raises(ValueError, match="pretrain_on_synthetic names 'p', but its Method"):
        compare_augmenters(X, y, groups, {"none": None, "p": Method([CopyAugmenter(), FLAT])},
                           knn, preprocessing=FLAT, pretrain_on_synthetic=["p"])
    with pytest.raises(ValueError, match="'schedule' parameter of Method"):
        Method([FLAT], schedule="joint")
    with pytest.raises(ValueError, match="'transductive' parameter of Method"):
        Method([FLAT], transductive="yes")


def test_a_comparison_refuses_an_augmented_reference_and_unknown_names():
    X, y, groups = _data()
    cv = GroupHoldoutSplit(3, n_repeats=2)
    with pytest.raises(ValueError, match=r"methods\['none'\] has a resampling step"):
        compare_augmenters(X, y, groups, {"none": [CopyAugmenter(1), FLAT]},
                           KNeighborsClassifier(1), preprocessing=FLAT, cv=cv, diagnostics=False)
    with pytest.raises(ValueError, match=r"pretrain_on_synthetic names \['othr'\]"):
        compare_augmenters(X, y, groups, {"none": None}, KNeighborsClassifier(1),
                           preprocessing=FLAT, cv=cv, pretrain_on_synthetic=["othr"],
                           diagnostics=False)
    # a classifier without a training length has no other budget: warned, not trained again
    with pytest.warns(UserWarning, match="no training length to set"):
        res = compare_augmenters(X, y, groups, {"none": None}, KNeighborsClassifier(1),
                                 preprocessing=FLAT, cv=cv, baseline_multipliers=(2,),
                                 diagnostics=False)
    assert res.methods == ["none"]
    with pytest.raises(ValueError, match="unknown method 'nonexistent'"):
        res.paired("none", "nonexistent")
    with pytest.raises(ValueError, match="unknown metric 'f1_macro'"):
        res.summary("f1_macro")
    with pytest.raises(ValueError, match=r"did not run on split\(s\) \[7\]"):
        res.scores("none", splits=[7])
