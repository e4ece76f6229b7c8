"""The one sampler contract: BaseAugmenter's fit_resample and its hooks.

Every skaugment sampler derives from :class:`skaugment.base.BaseAugmenter` and none
writes its own ``fit_resample``; a new augmenter writes only ``_generate``.
"""

import inspect
from numbers import Real

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import Interval, InvalidParameterError

import skaugment
from skaugment.augmenters import FeatureInterpolationAugmenter, LabelFidelityFilter
from skaugment.base import BaseAugmenter, Synthetic
from skaugment.datasets import make_synthetic_imu


class Jitter(BaseAugmenter):
    """The docstring's example: a new augmenter that writes only its generation step."""

    _parameter_constraints = {**BaseAugmenter._parameter_constraints,
                              "sigma": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, sigma=0.1, ratio=1.0, sampling_strategy=None, random_state=None):
        self.sigma = sigma
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _generate(self, X, y, sources, rng):
        rows = X[sources]
        return rows + self.sigma * rng.standard_normal(rows.shape)


@pytest.fixture
def windows():
    X, y = make_synthetic_imu(n_samples=12, n_channels=2, n_timesteps=32, n_classes=3,
                              fs=16.0, random_state=0)
    return X, np.array(["run", "sit", "walk"])[y]


def _sampler_classes():
    # the deprecated aliases (subclasses of WindowMetricEditAugmenter and
    # SpectrogramMetricEditSampler) are checked under their new names
    names = [n for n in skaugment._PUBLIC if hasattr(getattr(skaugment, n), "fit_resample")
             and n not in ("MetricEditAugmenter", "MetricEditSampler")]
    classes = {getattr(skaugment, n) for n in names}
    classes |= {FeatureInterpolationAugmenter, LabelFidelityFilter}
    return sorted(classes, key=lambda c: c.__name__)


def test_every_sampler_derives_from_the_base_and_writes_no_fit_resample():
    classes = _sampler_classes()
    assert len(classes) == 15, [c.__name__ for c in classes]
    for cls in classes:
        assert issubclass(cls, BaseAugmenter), cls.__name__
        owners = [k.__name__ for k in cls.__mro__ if "fit_resample" in vars(k)]
        assert owners == ["BaseAugmenter"], (cls.__name__, owners)


def test_a_new_augmenter_writes_only_generate(windows):
    X, y = windows
    aug = Jitter(sigma=0.5, ratio=2.0, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert X_res.dtype == np.float32 and X_res.shape == (36, 2, 32)
    np.testing.assert_array_equal(X_res[:12], X.astype(np.float32))
    np.testing.assert_array_equal(y_res, np.r_[y, y[aug.sample_indices_[12:]]])
    np.testing.assert_array_equal(aug.synthetic_mask_, np.arange(36) >= 12)
    assert aug.sampling_strategy_ == {"run": 8, "sit": 8, "walk": 8}
    assert list(aug.classes_) == ["run", "sit", "walk"]
    # the same random_state gives the same output; the rows are their sources plus noise
    again = clone(aug).fit_resample(X, y)[0]
    np.testing.assert_array_equal(again, X_res)
    noise = X_res[12:] - X[aug.sample_indices_[12:]]
    assert 0.3 < noise.std() < 0.7
    # imbalanced-learn's sampling_strategy, validated before any work, with its meaning
    X_imb, y_imb = X[2:], y[2:]
    Jitter(sampling_strategy="not majority", random_state=0).fit_resample(X_imb, y_imb)
    with pytest.raises(ValueError, match="Invalid sampling_strategy"):
        Jitter(sampling_strategy={"nope": 3}).fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="'ratio' parameter of Jitter"):
        Jitter(ratio=0).fit_resample(X, y)
    # the input checks of its kind (raw windows by default) and the label checks
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        bad = X.copy()
        bad[3, 0, 0] = np.nan
        Jitter().fit_resample(bad, y)
    with pytest.raises(ValueError, match="takes 3-D raw windows"):
        Jitter().fit_resample(X[:, 0], y)
    with pytest.raises(ValueError, match="labels but X has"):
        Jitter().fit_resample(X, y[:-1])
    assert Jitter().fit(X, y).classes_.tolist() == ["run", "sit", "walk"]
    tags = Jitter().__sklearn_tags__()
    assert tags.estimator_type == "sampler" and not tags.input_tags.positive_only


def test_an_imblearn_pipeline_runs_the_new_augmenter(windows):
    from imblearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer

    X, y = windows
    flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    pipe = make_pipeline(Jitter(ratio=1.0, random_state=0), flatten, LogisticRegression())
    assert pipe.fit(X, y).predict(X[:3]).shape == (3,)


def test_zero_synthetic_rows(windows):
    X, y = windows
    aug = Jitter(ratio=0.01, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert X_res.shape == X.shape and X_res.dtype == np.float32
    np.testing.assert_array_equal(y_res, y)
    assert not aug.synthetic_mask_.any()
    assert aug.sampling_strategy_ == {"run": 0, "sit": 0, "walk": 0}


class KeepFirstHalf(Jitter):
    """Generates only for the first half of its sources (as a target set can drop some)."""

    def _generate(self, X, y, sources, rng):
        kept = sources[: sources.size // 2]
        return Synthetic(X[kept] * 2.0, sources=kept)


def test_generate_may_drop_sources(windows):
    X, y = windows
    aug = KeepFirstHalf(ratio=1.0, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    kept = aug.sample_indices_[12:]
    assert X_res.shape[0] == 18 and kept.size == 6
    np.testing.assert_allclose(X_res[12:], 2.0 * X[kept], rtol=1e-6)
    np.testing.assert_array_equal(y_res[12:], y[kept])
    assert sum(aug.sampling_strategy_.values()) == 6


class ChoosesItsRows(Jitter):
    def _draw_sources(self, y, rng):
        return None

    def _generate(self, X, y, sources, rng):
        return X[:2]


def test_generate_that_chooses_its_rows_must_name_them(windows):
    X, y = windows
    with pytest.raises(TypeError, match="must return a Synthetic naming"):
        ChoosesItsRows().fit_resample(X, y)


class Float64Copies(BaseEstimator):
    """A third-party sampler: float64 output, no synthetic_mask_, no sample_indices_."""

    def fit_resample(self, X, y):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        return np.concatenate([X, X[:4]]), np.concatenate([y, y[:4]])


def test_label_fidelity_filter_wraps_a_sampler_that_records_nothing(windows):
    X, y = windows
    f = LabelFidelityFilter(Float64Copies(), threshold=0.0)
    X_res, y_res = f.fit_resample(X, y)
    assert X_res.dtype == np.float64  # the wrapped sampler's rows, as they are
    np.testing.assert_array_equal(X_res, np.concatenate([X, X[:4]]))
    np.testing.assert_array_equal(f.synthetic_mask_, np.arange(16) >= 12)
    assert not hasattr(f, "sample_indices_")  # the sampler does not say where rows come from
    counts = dict(zip(*np.unique(y[:4], return_counts=True)))
    assert f.sampling_strategy_ == {c: int(counts.get(c, 0)) for c in ["run", "sit", "walk"]}


def test_the_hooks_are_documented():
    for name in ("_validate_input", "_check_X", "_check_y", "_fit", "_draw_sources",
                 "_generate", "_select_synthetic", "_make_labels"):
        assert inspect.getdoc(getattr(BaseAugmenter, name)), name
        assert name in BaseAugmenter.__doc__ or name in ("_check_X", "_check_y"), name
