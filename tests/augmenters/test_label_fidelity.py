"""LabelFidelityFilter: which synthetic rows it keeps, and its bookkeeping."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from skaugment.augmenters import LabelFidelityFilter, MixupAugmenter, SignalTransformAugmenter
from skaugment.evaluation import spectrogram_features


class CopySampler(BaseEstimator):
    """Appends copies of chosen real rows under chosen labels (a sampler with known output)."""

    def __init__(self, sources=(0,), labels=("a",), real_first=True):
        self.sources = sources
        self.labels = labels
        self.real_first = real_first

    def fit_resample(self, X, y):
        X, y = np.asarray(X), np.asarray(y)
        src = np.asarray(self.sources)
        X_new, y_new = X[src], np.asarray(self.labels)
        n = len(X)
        self.sample_indices_ = np.r_[np.arange(n), src]
        self.synthetic_mask_ = np.r_[np.zeros(n, bool), np.ones(len(src), bool)]
        if not self.real_first:
            self.synthetic_mask_ = self.synthetic_mask_[::-1]
        return np.concatenate([X, X_new]), np.concatenate([y, y_new])


@pytest.fixture
def two_classes():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 2, 16)
    X[15:] += 3.0  # class "b" is far from "a": a linear model separates them
    y = np.repeat(["a", "b"], 15)
    return X, y


def test_drops_rows_labelled_as_the_other_class(two_classes):
    X, y = two_classes
    # rows 0-2 are "a": copies labelled "a" are faithful, copies labelled "b" are not
    sampler = CopySampler(sources=(0, 1, 2, 0, 1, 2), labels=("a", "a", "a", "b", "b", "b"))
    f = LabelFidelityFilter(sampler, threshold=0.5)
    X_res, y_res = f.fit_resample(X, y)
    np.testing.assert_array_equal(y_res, np.r_[y, ["a", "a", "a"]])
    np.testing.assert_array_equal(X_res[30:], X[[0, 1, 2]])
    np.testing.assert_array_equal(f.synthetic_mask_, np.r_[np.zeros(30, bool), np.ones(3, bool)])
    np.testing.assert_array_equal(f.sample_indices_, np.r_[np.arange(30), [0, 1, 2]])
    assert f.keep_fraction_ == 0.5
    # fidelity_ is the real-row classifier's probability of each generated row's label
    proba = f.estimator_.predict_proba(X[[0, 1, 2]].reshape(3, -1))
    np.testing.assert_allclose(f.fidelity_, np.r_[proba[:, 0], proba[:, 1]])
    assert (f.fidelity_[:3] > 0.5).all() and (f.fidelity_[3:] < 0.5).all()


def test_threshold_zero_keeps_the_sampler_output(two_classes):
    X, y = two_classes
    sampler = SignalTransformAugmenter(transforms=("jitter",), ratio=2.0, random_state=0)
    X_ref, y_ref = sampler.fit_resample(X, y)
    X_res, y_res = LabelFidelityFilter(sampler, threshold=0.0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_ref)
    np.testing.assert_array_equal(y_res, y_ref)


def test_threshold_is_monotone_and_custom_estimator_is_used(two_classes):
    X, y = two_classes
    sampler = SignalTransformAugmenter(transforms=("jitter",), ratio=3.0, random_state=0,
                                       transform_params={"jitter": {"sigma": 4.0}})
    kept = [LabelFidelityFilter(sampler, threshold=t).fit_resample(X, y)[0].shape[0]
            for t in (0.0, 0.6, 0.9, 0.99)]
    assert kept == sorted(kept, reverse=True) and kept[0] == 120 and kept[-1] < kept[0]
    f = LabelFidelityFilter(sampler, estimator=LogisticRegression(C=1e-3), threshold=0.6)
    f.fit_resample(X, y)
    assert isinstance(f.estimator_, LogisticRegression) and f.estimator_.C == 1e-3


def test_spectrograms_use_the_diagnostic_features():
    rng = np.random.RandomState(1)
    S = rng.rand(20, 2, 9, 5) + np.repeat([0.0, 1.0], 10)[:, None, None, None]
    y = np.repeat([0, 1], 10)
    f = LabelFidelityFilter(CopySampler(sources=(0, 15), labels=(0, 1))).fit(S, y)
    proba = f.estimator_.predict_proba(spectrogram_features(S[[0, 15]]))
    np.testing.assert_allclose(f.fidelity_, proba[[0, 1], [0, 1]])


def test_unseen_label_gets_zero_fidelity(two_classes):
    X, y = two_classes
    f = LabelFidelityFilter(CopySampler(sources=(0,), labels=("c",)), threshold=0.0)
    f.fit_resample(X, y)
    assert f.fidelity_.tolist() == [0.0]


def test_bad_input(two_classes):
    X, y = two_classes
    with pytest.raises(TypeError, match="hard labels"):
        LabelFidelityFilter(MixupAugmenter(ratio=1.0, random_state=0)).fit_resample(X, y)
    with pytest.raises(ValueError, match="real rows first"):
        LabelFidelityFilter(CopySampler(real_first=False)).fit_resample(X, y)
    with pytest.raises(ValueError, match="threshold"):
        LabelFidelityFilter(CopySampler(), threshold=1.5).fit_resample(X, y)
    with pytest.raises(ValueError, match="NaN"):
        bad = X.copy()
        bad[0, 0, 0] = np.nan
        LabelFidelityFilter(SignalTransformAugmenter(random_state=0)).fit_resample(bad, y)
