"""Tests of MixupAugmenter and of the soft labels (LabelDistribution) it returns."""

import copy
import pickle

import numpy as np
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from skaugment.augmenters._mixup import MixupAugmenter
from skaugment.utils._labels import LabelDistribution, label_distribution, one_hot_distribution


def _windows(n_per_class=(5, 4, 3), shape=(2, 8), seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array(["run", "sit", "walk"])[: len(n_per_class)], n_per_class)
    X = rng.normal(size=(len(y),) + shape)
    return X, y


# -- LabelDistribution -------------------------------------------------------------------


def test_label_distribution_carries_classes_through_slices_copies_and_pickle():
    y = label_distribution([[0.7, 0.3], [0.0, 1.0], [0.5, 0.5]], classes=["sit", "walk"])
    assert isinstance(y, LabelDistribution) and y.dtype == np.float64 and y.shape == (3, 2)
    for view in (y[1:], y[[0, 2]], y.copy(), copy.deepcopy(y), pickle.loads(pickle.dumps(y))):
        assert isinstance(view, LabelDistribution)
        assert view.classes.tolist() == ["sit", "walk"]
    restored = pickle.loads(pickle.dumps(y))
    np.testing.assert_array_equal(restored, y)
    assert not y.classes.flags.writeable
    # The constructor validates like label_distribution, and rebuilds from a table.
    assert LabelDistribution(y).classes.tolist() == ["sit", "walk"]
    assert label_distribution([[1.0, 0.0]]).classes.tolist() == [0, 1]
    # A copy is taken: the caller's array is not aliased.
    raw = np.array([[1.0, 0.0]])
    label_distribution(raw)[0, 0] = 0.5
    assert raw[0, 0] == 1.0


@pytest.mark.parametrize(
    "proba, classes, match",
    [
        ([[0.25, 0.25], [1.0, 0.0]], None, r"row\(s\) 0 sum to 0.5"),
        ([[1.0, 0.0], [1.5, -0.5]], None, r"negative probabilities in row\(s\) 1"),
        ([[np.nan, 1.0]], None, r"NaN or infinity in row\(s\) 0"),
        ([[np.inf, 0.0]], None, r"NaN or infinity in row\(s\) 0"),
        ([[0.5, 0.5]], ["a", "b", "c"], "2 columns .* but 3 classes"),
        ([[0.5, 0.5]], ["a", "a"], "must be unique"),
        ([0.5, 0.5], None, "must be 2-D"),
        (np.zeros((0, 2)), None, "empty"),
        ([["a", "b"]], None, "class probabilities"),
    ],
)
def test_label_distribution_errors(proba, classes, match):
    with pytest.raises(ValueError, match=match):
        label_distribution(proba, classes)


def test_one_hot_distribution():
    y = one_hot_distribution(["b", "a", "b"], classes=["a", "b", "c"])
    np.testing.assert_array_equal(y, [[0, 1, 0], [1, 0, 0], [0, 1, 0]])
    assert y.classes.tolist() == ["a", "b", "c"]
    assert one_hot_distribution([2, 0]).classes.tolist() == [0, 2]
    with pytest.raises(ValueError, match=r"label\(s\) \['z'\] that are not in classes"):
        one_hot_distribution(["z"], classes=["a"])


# -- MixupAugmenter: values --------------------------------------------------------------


def test_mixed_samples_follow_the_formula_with_recorded_draws():
    X, y = _windows()
    aug = MixupAugmenter(ratio=2.0, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    n = len(X)
    assert X_res.dtype == np.float32 and X_res.shape == (3 * n,) + X.shape[1:]
    src, par, lam = aug.sample_indices_[n:], aug.partner_indices_[n:], aug.lambdas_[n:]
    expected = lam[:, None, None] * X[src] + (1 - lam[:, None, None]) * X[par]
    np.testing.assert_allclose(X_res[n:], expected, rtol=1e-6, atol=1e-6)
    # Real rows first, untouched, with their own bookkeeping.
    np.testing.assert_array_equal(X_res[:n], X.astype(np.float32))
    np.testing.assert_array_equal(aug.sample_indices_[:n], np.arange(n))
    assert (aug.partner_indices_[:n] == -1).all() and (aug.lambdas_[:n] == 1.0).all()
    assert not aug.synthetic_mask_[:n].any() and aug.synthetic_mask_[n:].all()
    assert ((0 <= par) & (par < n)).all() and ((0 <= lam) & (lam <= 1)).all()


def test_soft_labels_are_the_mixed_one_hot_rows():
    X, y = _windows()
    aug = MixupAugmenter(ratio=3.0, random_state=1)
    _, y_res = aug.fit_resample(X, y)
    n = len(X)
    assert isinstance(y_res, LabelDistribution)
    assert y_res.classes.tolist() == aug.classes_.tolist() == ["run", "sit", "walk"]
    np.testing.assert_allclose(y_res.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(y_res[:n], one_hot_distribution(y))
    code = np.searchsorted(aug.classes_, y)
    src, par, lam = aug.sample_indices_[n:], aug.partner_indices_[n:], aug.lambdas_[n:]
    expected = np.zeros((len(src), 3))
    np.add.at(expected, (np.arange(len(src)), code[src]), lam)
    np.add.at(expected, (np.arange(len(src)), code[par]), 1 - lam)
    np.testing.assert_allclose(y_res[n:], expected, atol=1e-12)
    same = code[src] == code[par]
    assert same.any() and (~same).any()
    rows = np.arange(n, len(y_res))
    np.testing.assert_allclose(y_res[rows[~same], code[src][~same]], lam[~same])
    np.testing.assert_allclose(y_res[rows[~same], code[par][~same]], 1 - lam[~same])
    np.testing.assert_allclose(y_res[rows[same], code[src][same]], 1.0)


def test_sources_keep_class_proportions_partners_span_all_classes():
    X, y = _windows(n_per_class=(20, 10, 6), shape=(1, 2))
    aug = MixupAugmenter(ratio=5.0, random_state=0)
    aug.fit_resample(X, y)
    n = len(X)
    assert aug.sampling_strategy_ == {"run": 100, "sit": 50, "walk": 30}
    src_labels = y[aug.sample_indices_[n:]]
    assert {k: int(np.sum(src_labels == k)) for k in aug.classes_} == aug.sampling_strategy_
    # Partners are drawn from every row, whatever the source's class.
    par_labels = y[aug.partner_indices_[n:]]
    assert set(par_labels[src_labels == "walk"]) == {"run", "sit", "walk"}


def test_lambdas_follow_beta_alpha_alpha():
    X, y = _windows(n_per_class=(100, 100), shape=(1, 1))
    aug = MixupAugmenter(alpha=0.2, ratio=50.0, random_state=0)
    aug.fit_resample(X, y)
    lam = aug.lambdas_[aug.synthetic_mask_]
    assert lam.size == 10_000
    # Beta(0.2, 0.2): mean 0.5 (std of the mean 0.004), U-shaped: 67% outside [0.1, 0.9].
    assert abs(lam.mean() - 0.5) < 0.02
    outside = np.mean((lam < 0.1) | (lam > 0.9))
    assert abs(outside - 2 * stats.beta(0.2, 0.2).cdf(0.1)) < 0.02 and outside > 0.6
    assert stats.kstest(lam, stats.beta(0.2, 0.2).cdf).pvalue > 1e-3
    # alpha=1 is uniform: a fifth of the draws in each fifth of [0, 1].
    aug.set_params(alpha=1.0).fit_resample(X, y)
    counts = np.histogram(aug.lambdas_[aug.synthetic_mask_], bins=5, range=(0, 1))[0]
    np.testing.assert_allclose(counts / 10_000, 0.2, atol=0.02)


def test_seeding_and_no_global_state():
    X, y = _windows()
    before = np.random.get_state()[1].copy()
    a = MixupAugmenter(random_state=3).fit_resample(X, y)
    assert np.array_equal(np.random.get_state()[1], before)
    b = MixupAugmenter(random_state=3).fit_resample(X, y)
    c = MixupAugmenter(random_state=4).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    d = clone(MixupAugmenter(random_state=3)).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], d[0])


def test_input_untouched_read_only_and_4d():
    X, y = _windows()
    X_copy = X.copy()
    X.setflags(write=False)
    MixupAugmenter(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_copy)
    S = np.abs(np.random.default_rng(0).normal(size=(12, 2, 5, 4)))
    aug = MixupAugmenter(ratio=1.0, random_state=0)
    S_res, y_res = aug.fit_resample(S, y)
    assert S_res.shape == (24, 2, 5, 4) and (S_res >= 0).all()
    n = len(S)
    lam = aug.lambdas_[n:, None, None, None]
    expected = lam * S[aug.sample_indices_[n:]] + (1 - lam) * S[aug.partner_indices_[n:]]
    np.testing.assert_allclose(S_res[n:], expected, rtol=1e-6, atol=1e-6)
    # fit learns the classes without generating anything.
    fitted = MixupAugmenter().fit(S, y)
    assert fitted.classes_.tolist() == ["run", "sit", "walk"] and not hasattr(fitted, "lambdas_")


def test_errors():
    X, y = _windows()
    aug = MixupAugmenter(random_state=0)
    with pytest.raises(ValueError, match="3-D raw windows .* or 4-D spectrograms .* got 2-D"):
        aug.fit_resample(X[:, 0], y)
    with pytest.raises(ValueError, match="got 5-D"):
        aug.fit_resample(X[..., None, None], y)
    bad = X.copy()
    bad[4, 1, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 4"):
        aug.fit_resample(bad, y)
    bad[4, 1, 2] = np.inf
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 4"):
        aug.fit_resample(bad, y)
    with pytest.raises(ValueError, match="empty"):
        aug.fit_resample(X[:0], y[:0])
    with pytest.raises(ValueError, match="labels but X has"):
        aug.fit_resample(X, y[:-1])
    with pytest.raises(ValueError, match="1-D"):
        aug.fit_resample(X, np.c_[y, y])
    with pytest.raises(ValueError, match="continuous|Unknown label type"):
        aug.fit_resample(X, np.linspace(0, 1, len(y)))
    for params in ({"alpha": 0.0}, {"alpha": -1.0}, {"ratio": 0.0}, {"random_state": "x"}):
        with pytest.raises(InvalidParameterError, match=next(iter(params))):
            MixupAugmenter(**params).fit_resample(X, y)


# -- pipelines with the skorch classifiers -------------------------------------------------


def test_pipeline_with_deepsense_on_spectrograms():
    from imblearn.pipeline import make_pipeline

    from skaugment.classifiers import DeepSenseClassifier

    rng = np.random.default_rng(0)
    y = np.array(["sit", "walk"])[np.arange(24) % 2]
    S = rng.random((24, 2, 5, 4)).astype(np.float32)
    S[y == "walk", :, 1] += 2.0
    pipe = make_pipeline(
        MixupAugmenter(ratio=2.0, random_state=0),
        DeepSenseClassifier(n_filters=4, hidden_size=4, max_epochs=2, device="cpu", random_state=0),
    ).fit(S, y)
    clf = pipe[-1]
    assert clf.classes_.tolist() == ["sit", "walk"]
    pred = pipe.predict(S)
    assert pred.dtype.kind == "U" and set(pred) <= {"sit", "walk"}
    assert pipe.predict_proba(S).shape == (24, 2)
    assert 0.0 <= pipe.score(S, y) <= 1.0
    # The classifier trained on the real and the mixed rows: 72 rows, 2 batches of 64.
    assert clf.n_epochs_ == 2 and clf.n_steps_ == 4


def test_pipeline_with_satsdu_on_raw_windows():
    from imblearn.pipeline import make_pipeline

    from skaugment.classifiers import SATSDUClassifier
    from skaugment.datasets import make_synthetic_imu

    X, y = make_synthetic_imu(n_samples=24, n_channels=2, n_timesteps=32, n_classes=2,
                              f0=[2.0, 8.0], random_state=0)
    labels = np.array(["sit", "walk"])[np.searchsorted(np.unique(y), y)]
    pipe = make_pipeline(
        MixupAugmenter(ratio=1.0, random_state=0),
        SATSDUClassifier(widths=(4,), max_epochs=2, device="cpu", random_state=0),
    ).fit(X, labels)
    assert pipe[-1].input_mode_ == "time_series"
    pred = pipe.predict(X)
    assert pred.dtype.kind == "U" and set(pred) <= {"sit", "walk"}


def test_unseeded_sampling_leaves_the_global_random_state_alone():
    from skaugment import SignalTransformAugmenter

    X = np.random.RandomState(0).randn(12, 3, 32)
    y = np.repeat([0, 1], 6)
    before = np.random.get_state()
    MixupAugmenter(ratio=1.0).fit_resample(X, y)
    SignalTransformAugmenter(transforms=["jitter"], ratio=1.0).fit_resample(X, y)
    after = np.random.get_state()
    assert before[2] == after[2] and np.array_equal(before[1], after[1])
