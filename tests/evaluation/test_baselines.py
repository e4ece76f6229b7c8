"""Strong baselines in the harness: raw-window classifiers, recipes for every signal, the
affordable ridge of the ROCKET family, soft labels met by hard-label classifiers."""

import json

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifier, RidgeClassifierCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import FunctionTransformer

from skaugment.augmenters import MixupAugmenter
from skaugment.classifiers import SubsampledRidgeClassifierCV
from skaugment.evaluation import (
    AUGMENTATION_METHODS,
    SPECTROGRAM_METHODS,
    GroupHoldoutSplit,
    augmentation_methods,
    compare_augmenters,
)

FLAT = FunctionTransformer(lambda a: np.asarray(a).reshape(len(a), -1))


# -- the ridge whose penalty search scales with the rows ------------------------------------

def _ridge_data(n=400, p=30, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3] + 0.5 * rng.randn(n, 3), axis=1)]
    return X, y


def test_subsampled_ridge_is_ridge_classifier_cv_up_to_max_cv_rows():
    X, y = _ridge_data()
    ours = SubsampledRidgeClassifierCV(max_cv_rows=400).fit(X, y)
    ref = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(X, y)
    assert ours.n_cv_rows_ == 400 and ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_subsampled_ridge_searches_a_subsample_and_solves_on_every_row():
    X, y = _ridge_data(n=600)
    ours = SubsampledRidgeClassifierCV(max_cv_rows=150, random_state=3).fit(X, y)
    rows = np.sort(np.random.RandomState(3).choice(600, 150, replace=False))
    alpha = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(X[rows], y[rows]).alpha_
    assert ours.n_cv_rows_ == 150 and ours.alpha_ == alpha
    full = RidgeClassifier(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(ours.coef_, full.coef_, rtol=1e-10)
    np.testing.assert_allclose(ours.decision_function(X), full.decision_function(X), rtol=1e-10)
    assert ours.score(X, y) > 0.8


def test_subsampled_ridge_keeps_every_class_however_rare():
    X, y = _ridge_data(n=300)
    y = y.astype("<U4")
    y[:2] = "rare"  # 2 of 300 rows: a uniform subsample of 20 would miss it most of the time
    for seed in range(20):
        clf = SubsampledRidgeClassifierCV(max_cv_rows=20, random_state=seed).fit(X, y)
        assert "rare" in clf.classes_ and clf.coef_.shape == (4, X.shape[1])
    from skaugment.classifiers._ridge import _subsample

    rows = _subsample(y, 20, 0)
    assert rows.size == np.unique(rows).size == 20 and {"rare", "a", "b", "c"} <= set(y[rows])
    np.testing.assert_array_equal(rows, _subsample(y, 20, 0))  # seeded


def test_subsampled_ridge_errors():
    X, y = _ridge_data(n=200)
    with pytest.raises(ValueError, match="fewer than the 3 classes"):
        SubsampledRidgeClassifierCV(max_cv_rows=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="alphas must be positive"):
        SubsampledRidgeClassifierCV(alphas=[0.0, 1.0]).fit(X, y)


# -- recipes for every kind of signal -------------------------------------------------------

def _eeg(n=24, c=5, t=96, seed=0):
    """Two classes of EEG-like windows: alpha-band (10 Hz) power in the second."""
    rng = np.random.RandomState(seed)
    time = np.arange(t) / 100.0
    X = rng.randn(n, c, t)
    y = np.tile(["rest", "eyes"], n // 2)
    X[y == "eyes"] += 2 * np.sin(2 * np.pi * 10 * time)
    return X, y


WINDOW_RECIPES = [n for n in AUGMENTATION_METHODS
                  if n not in SPECTROGRAM_METHODS and n not in ("none", "sensegen", "sfdm",
                                                                "sfdm-pretrain")]


def test_window_classifier_recipes_have_no_stft_and_refuse_spectrogram_methods():
    methods, pre = augmentation_methods(classifier_input="window", signal="eeg", fs=100.0)
    assert pre is None
    assert not set(methods) & set(SPECTROGRAM_METHODS) and "none" in methods
    for name, steps in methods.items():
        assert steps is None or all(type(s).__name__ != "SpectrogramTransformer"
                                    for s in steps), name
    with pytest.raises(ValueError, match=r"\['diff-disturb'\] generate spectrograms"):
        augmentation_methods(["none", "diff-disturb"], classifier_input="window")
    with pytest.raises(ValueError, match="signal must be one of"):
        augmentation_methods(["none"], signal="ecg")
    with pytest.raises(ValueError, match="classifier_input must be"):
        augmentation_methods(["none"], classifier_input="image")
    with pytest.raises(ValueError, match="signal='imu' rotates triaxial sensors"):
        augmentation_methods(["none"], signal="imu", modalities={"eeg": [0, 1]})


def test_eeg_transforms_need_the_sampling_frequency():
    X, y = _eeg()
    (step,) = augmentation_methods(["eeg-transforms"], signal="eeg",
                                   classifier_input="window")[0]["eeg-transforms"]
    with pytest.raises(ValueError, match="needs the sampling frequency: pass fs="):
        step.fit(X, y)


def test_recipes_rotate_only_triaxial_sensors():
    imu, _ = augmentation_methods(["transforms", "time-freq"],
                                  modalities={"acc": [0, 1, 2], "gyro": [3, 4, 5]})
    assert "rotation" in imu["transforms"][0].transforms
    assert "rotation" in imu["time-freq"][0].transforms
    for signal, mods in (("eeg", None), ("generic", None), (None, {"eeg": [0, 1, 2, 3]}),
                         (None, None)):
        other, _ = augmentation_methods(["transforms", "time-freq", "transforms-edit"], signal=signal,
                                        modalities=mods)
        assert other["transforms"][0].transforms == ("scaling", "jitter")
        assert "rotation" not in other["time-freq"][0].transforms
        assert len(other["time-freq"][0].transforms) == 7  # the paper's other seven
        assert other["transforms-edit"][0].transforms.transforms == ("scaling", "jitter")


@pytest.mark.parametrize("name", WINDOW_RECIPES)
def test_every_window_recipe_runs_on_eeg_windows(name):
    X, y = _eeg()
    methods, _ = augmentation_methods([name], signal="eeg", fs=100.0, ratio=1.0,
                                      classifier_input="window", soft_labels=False)
    Xa, ya = X, y
    for step in methods[name]:
        step.set_params(**{k: 0 for k in step.get_params() if k == "random_state"})
        if "target" in step.get_params():  # transductive: the unlabelled windows to match
            step.set_params(target=X)
        Xa, ya = step.fit_resample(Xa, ya) if hasattr(step, "fit_resample") else (
            step.fit_transform(Xa, ya), ya)
    # real rows first and unchanged, as many synthetic rows as real ones, hard labels
    assert Xa.shape == (2 * len(X),) + X.shape[1:]
    np.testing.assert_allclose(Xa[:len(X)], X, rtol=1e-6)
    assert np.ndim(ya) == 1 and set(ya) <= set(y)
    assert np.isfinite(Xa).all() and not np.allclose(Xa[len(X):], X)


def test_eeg_transforms_recipe_draws_one_rommel_transform_per_window():
    X, y = _eeg()
    (step,) = augmentation_methods(["eeg-transforms"], signal="eeg", fs=100.0, ratio=2.0,
                                   classifier_input="window")[0]["eeg-transforms"]
    step.set_params(random_state=0).fit_resample(X, y)
    assert step.fs == 100.0 and step.n_transforms == 1
    assert "sign_flip" not in step.transforms and "time_reverse" not in step.transforms
    np.testing.assert_array_equal(step.transforms_applied_.sum(axis=1), 1)


# -- the harness with hard-label and raw-window classifiers ---------------------------------

def _groups_data():
    X, y = _eeg(n=60, c=2, t=32, seed=1)
    return X, y, np.repeat(np.arange(6), 10)


def test_soft_labels_meeting_a_hard_label_classifier_name_the_fix():
    X, y, groups = _groups_data()
    methods = {"none": None, "mixup": [MixupAugmenter(ratio=1.0), FLAT]}
    with pytest.raises(ValueError, match=r"method 'mixup' returned soft labels.*"
                                         r"KNeighborsClassifier.*MixupAugmenter\(labels='hard'\)"):
        compare_augmenters(X, y, groups, methods, KNeighborsClassifier(1), preprocessing=FLAT,
                           cv=GroupHoldoutSplit(3, n_repeats=1), diagnostics=False)
    methods["mixup"][0].set_params(labels="hard")
    res = compare_augmenters(X, y, groups, methods, KNeighborsClassifier(1), preprocessing=FLAT,
                             cv=GroupHoldoutSplit(3, n_repeats=1), diagnostics=False)
    (rec,) = [r for r in res.records if r["method"] == "mixup"]
    assert rec["n_synthetic"] == rec["n_train"] and rec["budget"] == {"controlled": False}


aeon = pytest.importorskip  # the MiniRocket tests need the aeon extra


def test_minirocket_through_the_harness_on_raw_windows():
    aeon("aeon")
    from skaugment._demo import make_classifier

    X, y, groups = _groups_data()
    methods, pre = augmentation_methods(["none", "transforms", "mixup"], signal="generic",
                                        ratio=1.0, classifier_input="window", soft_labels=False)
    clf = make_classifier("minirocket", None, n_kernels=84)
    assert isinstance(clf.estimator, SubsampledRidgeClassifierCV)
    res = compare_augmenters(X, y, groups, methods, clf, preprocessing=pre,
                             cv=GroupHoldoutSplit(3, n_repeats=2), diagnostics=False)
    assert res.methods == ["none", "transforms", "mixup"]
    for r in res.records:
        assert r["budget"] == {"controlled": False}
        # the 10 Hz rhythm separates the classes: far above chance on unseen groups
        assert r["accuracy"] > 0.8, r["method"]
        assert r["n_synthetic"] == (0 if r["method"] == "none" else r["n_train"])


def test_cli_compare_with_minirocket_quick(tmp_path):
    aeon("aeon")
    from skaugment._cli import main

    out = tmp_path / "mr"
    assert main(["compare", "--classifier", "minirocket", "--quick", "--quiet", "--no-figure",
                 "--output", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    # the preset's spectrogram generator (diff-disturb) cannot feed MiniRocket: left out
    assert {r["method"] for r in results["records"]} == {"none", "time-freq", "transforms-edit"}
    assert results["config"]["stft"] is None and results["config"]["classifier_name"] == \
        "minirocket"
    for r in results["records"]:
        assert r["budget"] == {"controlled": False} and r["accuracy"] > 0.6, r["method"]
    with pytest.raises(ValueError, match="trains no network"):
        main(["compare", "--classifier", "minirocket", "--quick", "--n-steps", "5", "--quiet",
              "--output", str(out)])


def test_cli_compare_on_an_eeg_set_runs_seeds_of_its_fixed_split(tmp_path):
    aeon("aeon")
    from skaugment._cli import main

    # a small stand-in for EyesOpenShut in its layout (14 channels x 128 at 128 Hz)
    X, y = _eeg(n=40, c=14, t=128, seed=2)
    labels = np.where(y == "eyes", "1", "0")
    folder = tmp_path / "EyesOpenShut"
    folder.mkdir()
    header = ("@problemName EyesOpenShut\n@univariate false\n@dimensions 14\n"
              "@equalLength true\n@seriesLength 128\n@classLabel true 0 1\n@data\n")
    for part, rows in (("TRAIN", slice(0, 28)), ("TEST", slice(28, 40))):
        lines = [":".join(",".join(f"{v:.5f}" for v in ch) for ch in x) + f":{lab}"
                 for x, lab in zip(X[rows], labels[rows])]
        (folder / f"EyesOpenShut_{part}.ts").write_text(header + "\n".join(lines) + "\n")
    out = tmp_path / "eeg"
    assert main(["compare", "--dataset", "EyesOpenShut", "--data-path", str(tmp_path),
                 "--classifier", "minirocket", "--methods", "transforms", "eeg-transforms",
                 "--splits", "3", "--ratio", "1", "--quiet", "--no-figure", "--no-diagnostics",
                 "--output", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    recs = results["records"]
    assert {r["method"] for r in recs} == {"none", "transforms", "eeg-transforms"}
    # three runs of the same official split, one seed each: paired over seeds
    assert sorted({(r["split"], r["seed"]) for r in recs}) == [(0, 0), (1, 1), (2, 2)]
    assert all(r["n_train"] == 28 and r["n_test"] == 12 for r in recs)
    assert results["summary"]["transforms"]["diff"]["n"] == 3


def test_selector_refuses_a_transductive_candidate():
    from skaugment.evaluation import AugmentationSelector

    X, y, groups = _groups_data()
    methods, _ = augmentation_methods(["transforms-edit-target"], signal="generic", ratio=1.0,
                                      classifier_input="window")
    sel = AugmentationSelector(KNeighborsClassifier(1), methods, preprocessing=FLAT, cv=3)
    with pytest.raises(ValueError, match="'transforms-edit-target' has a TEST_WINDOWS parameter"):
        sel.fit(X, y, groups=groups)
