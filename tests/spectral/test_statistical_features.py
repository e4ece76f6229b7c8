"""StatisticalFeatureExtractor: SF-DM's statistical features (Yu et al., 2024) against
numpy / scipy.stats formulas."""

import numpy as np
import pytest
import scipy.stats
from sklearn.exceptions import NotFittedError

from skaugment import StatisticalFeatureExtractor


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    X = rng.gamma(2.0, size=(7, 3, 50))  # skewed, so the skewness is far from 0
    X[:, 1] *= -3.0
    return X


def test_table_values_match_numpy_and_scipy(X):
    ext = StatisticalFeatureExtractor(channel_names=["a", "b", "c"]).fit(X)
    table = ext.transform(X)
    names = ext.get_feature_names_out()
    assert table.shape == (7, 3 * (3 + 50)) == (7, len(names))
    assert table.dtype == np.float64
    assert names[:4].tolist() == ["a__mean", "a__std", "a__skewness", "a__zscore_t0"]
    assert names[53] == "b__mean" and names[-1] == "c__zscore_t49"
    col = {name: j for j, name in enumerate(names)}
    for c, ch in enumerate("abc"):
        np.testing.assert_allclose(table[:, col[f"{ch}__mean"]], X[:, c].mean(axis=-1))
        np.testing.assert_allclose(table[:, col[f"{ch}__std"]], X[:, c].std(axis=-1, ddof=0))
        np.testing.assert_allclose(
            table[:, col[f"{ch}__skewness"]], scipy.stats.skew(X[:, c], axis=-1, bias=True)
        )
        z = [col[f"{ch}__zscore_t{i}"] for i in range(50)]
        np.testing.assert_allclose(table[:, z], scipy.stats.zscore(X[:, c], axis=-1, ddof=0))
    # the negated channel b has the opposite skewness of a gamma sample
    assert (table[:, col["b__skewness"]] < 0).all() and (table[:, col["a__skewness"]] > 0).all()


def test_subset_order_pandas_and_sequence_layout(X):
    ext = StatisticalFeatureExtractor(features=["skewness", "mean"]).fit(X)
    table = ext.transform(X)
    np.testing.assert_allclose(table[:, 0], scipy.stats.skew(X[:, 0], axis=-1))
    np.testing.assert_allclose(table[:, 1], X[:, 0].mean(axis=-1))
    df = ext.set_output(transform="pandas").transform(X)
    assert list(df.columns) == ["ch0__skewness", "ch0__mean", "ch1__skewness", "ch1__mean",
                                "ch2__skewness", "ch2__mean"]
    seq = StatisticalFeatureExtractor(layout="sequence").fit_transform(X)
    assert seq.shape == (7, 3, 4, 50) and seq.dtype == np.float32
    np.testing.assert_allclose(seq[:, :, 0], np.repeat(X.mean(-1)[..., None], 50, -1), rtol=1e-6)
    np.testing.assert_allclose(seq[:, :, 3], scipy.stats.zscore(X, axis=-1), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='layout="table"'):
        StatisticalFeatureExtractor(layout="sequence").fit(X).get_feature_names_out()


def test_constant_channel_and_two_d_input():
    X = np.ones((2, 2, 10))
    X[:, 1] = np.arange(10)
    out = StatisticalFeatureExtractor(features=["std", "skewness", "zscore"]).fit_transform(X)
    np.testing.assert_array_equal(out[:, :12], 0.0)  # constant: std, skewness, z all 0
    np.testing.assert_allclose(out[:, 13], 0.0, atol=1e-12)  # symmetric ramp: no skew
    two_d = StatisticalFeatureExtractor(features=["mean"]).fit_transform(np.arange(20.0).reshape(2, 10))
    np.testing.assert_allclose(two_d, [[4.5], [14.5]])


def test_bad_input_fails_clearly(X):
    with pytest.raises(NotFittedError):
        StatisticalFeatureExtractor().transform(X)
    with pytest.raises(ValueError, match="unknown feature"):
        StatisticalFeatureExtractor(features=["kurtosis"]).fit(X)
    with pytest.raises(ValueError, match="layout"):
        StatisticalFeatureExtractor(layout="wide").fit(X)
    ext = StatisticalFeatureExtractor().fit(X)
    with pytest.raises(ValueError, match="49 timesteps, but 50"):
        ext.transform(X[..., :49])
    with pytest.raises(ValueError, match="2 channels, but 3"):
        ext.transform(X[:, :2])
    bad = X.copy()
    bad[4, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"sample\(s\) 4"):
        ext.transform(bad)
