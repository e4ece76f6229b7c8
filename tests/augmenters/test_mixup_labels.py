"""MixupAugmenter(labels="hard"): 1-D labels of the larger component, for any classifier."""

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from skaugment.augmenters import MixupAugmenter
from skaugment.utils import LabelDistribution


def _flatten(X):
    return np.asarray(X).reshape(len(X), -1)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y = np.repeat(np.array(["run", "sit", "walk"]), [6, 9, 15])
    # class-dependent offset so that a linear model can tell the classes apart
    X = rng.normal(size=(y.size, 2, 16)) + np.searchsorted(["run", "sit", "walk"], y)[:, None, None]
    return X, y


def _expected_hard(sampler, y):
    """The label of the component of weight >= 0.5, recomputed from the fitted attributes."""
    src, partner, lam = sampler.sample_indices_, sampler.partner_indices_, sampler.lambdas_
    return np.where(lam >= 0.5, y[src], y[np.where(partner >= 0, partner, src)])


@pytest.mark.parametrize("alpha", [0.2, 1.0, 5.0])
def test_hard_label_is_the_label_of_the_larger_component(data, alpha):
    X, y = data
    sampler = MixupAugmenter(alpha=alpha, ratio=3.0, labels="hard", random_state=1)
    X_res, y_res = sampler.fit_resample(X, y)
    n = y.size
    assert isinstance(y_res, np.ndarray) and y_res.ndim == 1
    assert y_res.shape == (X_res.shape[0],) == (n + 3 * n,)
    np.testing.assert_array_equal(y_res[:n], y)
    np.testing.assert_array_equal(y_res, _expected_hard(sampler, y))

    lam = sampler.lambdas_[n:]
    src, partner = sampler.sample_indices_[n:], sampler.partner_indices_[n:]
    # both branches happen (alpha=1: lambda uniform), and they pick different classes
    if alpha == 1.0:
        from_partner = (lam < 0.5) & (y[src] != y[partner])
        from_source = (lam >= 0.5) & (y[src] != y[partner])
        assert from_partner.any() and from_source.any()
        np.testing.assert_array_equal(y_res[n:][from_partner], y[partner][from_partner])
        np.testing.assert_array_equal(y_res[n:][from_source], y[src][from_source])
    # each synthetic X row is the recorded convex combination
    np.testing.assert_allclose(
        X_res[n:], lam[:, None, None] * X[src] + (1 - lam[:, None, None]) * X[partner],
        rtol=1e-5, atol=1e-5,
    )


class _FixedLambda(np.random.RandomState):
    """A RandomState whose Beta draws are all ``value`` (the rest is a real generator)."""

    def __init__(self, value, seed=0):
        super().__init__(seed)
        self.value = value

    def beta(self, a, b, size=None):
        return np.full(size, self.value)


@pytest.mark.parametrize("value, from_source", [(0.5, True), (0.5 + 1e-12, True),
                                                (0.5 - 1e-12, False), (0.0, False)])
def test_threshold_at_one_half_tie_goes_to_the_source(value, from_source):
    X = np.random.default_rng(0).normal(size=(20, 1, 4))
    y = np.array([0, 1] * 10)
    sampler = MixupAugmenter(ratio=2.0, labels="hard", random_state=_FixedLambda(value))
    _, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(sampler.lambdas_[20:], value)
    src, partner = sampler.sample_indices_[20:], sampler.partner_indices_[20:]
    assert (y[src] != y[partner]).any()
    np.testing.assert_array_equal(y_res[20:], y[src] if from_source else y[partner])


@pytest.mark.parametrize(
    "y",
    [
        np.array(["a"] * 5 + ["bb"] * 7),
        np.array([3] * 5 + [7] * 7, dtype=np.int32),
        np.array([3] * 5 + [7] * 7, dtype=np.int64),
        np.array(["a"] * 5 + ["bb"] * 7, dtype=object),
        np.array([True] * 5 + [False] * 7),
    ],
    ids=["str", "int32", "int64", "object", "bool"],
)
def test_hard_labels_keep_the_dtype_of_y(y):
    X = np.random.default_rng(0).normal(size=(y.size, 2, 8))
    _, y_res = MixupAugmenter(ratio=2.0, labels="hard", random_state=0).fit_resample(X, y)
    assert y_res.dtype == y.dtype
    assert set(y_res.tolist()) <= set(y.tolist())


def test_hard_labels_from_a_list(data):
    X, y = data
    _, y_res = MixupAugmenter(ratio=1.0, labels="hard", random_state=0).fit_resample(X, y.tolist())
    assert y_res.dtype.kind == "U" and y_res.ndim == 1


@pytest.mark.parametrize("sampling_strategy", [None, "not majority", {"run": 12}])
def test_same_samples_and_attributes_as_soft(data, sampling_strategy):
    X, y = data
    params = dict(alpha=0.4, ratio=2.0, sampling_strategy=sampling_strategy, random_state=7)
    soft = MixupAugmenter(labels="soft", **params)
    hard = MixupAugmenter(labels="hard", **params)
    X_soft, q = soft.fit_resample(X, y)
    X_hard, y_hard = hard.fit_resample(X, y)
    np.testing.assert_array_equal(X_hard, X_soft)
    assert X_hard.dtype == np.float32
    assert isinstance(q, LabelDistribution)
    for attr in ("classes_", "sample_indices_", "partner_indices_", "lambdas_",
                 "synthetic_mask_"):
        np.testing.assert_array_equal(getattr(hard, attr), getattr(soft, attr))
    assert hard.sampling_strategy_ == soft.sampling_strategy_
    # the hard label is the class of largest probability wherever that is unambiguous
    proba = np.asarray(q)
    clear = np.abs(hard.lambdas_ - 0.5) > 1e-9
    np.testing.assert_array_equal(y_hard[clear], q.classes[proba.argmax(axis=1)][clear])


def test_default_is_soft(data):
    X, y = data
    sampler = MixupAugmenter(ratio=1.0, random_state=0)
    assert sampler.get_params()["labels"] == "soft"
    _, y_res = sampler.fit_resample(X, y)
    assert isinstance(y_res, LabelDistribution)
    assert clone(MixupAugmenter(labels="hard")).labels == "hard"


@pytest.mark.parametrize("bad", ["medium", "HARD", None, 1])
def test_labels_validated(data, bad):
    X, y = data
    with pytest.raises(InvalidParameterError, match="'labels'"):
        MixupAugmenter(labels=bad).fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="'labels'"):
        MixupAugmenter(labels=bad).fit(X, y)


def test_logistic_regression_pipeline(data):
    X, y = data
    pipe = make_pipeline(
        MixupAugmenter(ratio=2.0, labels="hard", random_state=0),
        FunctionTransformer(_flatten),
        LogisticRegression(max_iter=500),
    )
    pipe.fit(X, y)
    pred = pipe.predict(X)
    assert pred.shape == y.shape and pred.dtype == y.dtype
    assert set(pred.tolist()) <= set(y.tolist())
    assert np.mean(pred == y) > 0.8
    assert pipe.predict_proba(X).shape == (y.size, 3)

    # the soft labels are what made this fail before
    soft = clone(pipe).set_params(mixupaugmenter__labels="soft")
    with pytest.raises(ValueError, match="1d|1-dimensional|1D"):
        soft.fit(X, y)


def test_minirocket_pipeline(data):
    pytest.importorskip("aeon")
    from aeon.classification.convolution_based import MiniRocketClassifier

    X, y = data
    pipe = make_pipeline(
        MixupAugmenter(ratio=1.0, labels="hard", random_state=0),
        MiniRocketClassifier(n_kernels=84, random_state=0),
    )
    pred = pipe.fit(X, y).predict(X)
    assert pred.shape == y.shape
    assert set(pred.tolist()) <= set(y.tolist())
