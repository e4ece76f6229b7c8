"""``sampling_strategy``: imbalanced-learn's over-sampling counts, in every sampler.

Every sampler draws its source rows through ``draw_sources_per_class``; these tests
check the class counts of the outputs, not only that the parameter is accepted.
"""

import inspect
from collections import Counter

import numpy as np
import pytest
from imblearn.utils import check_sampling_strategy
from sklearn.base import clone

from skaugment import (
    ConditionalDiffusionSampler,
    MetricDisturbAugmenter,
    WindowMetricEditAugmenter,
    SpectrogramMetricEditSampler,
    MetricInterpolationAugmenter,
    MetricKnowledgeAugmenter,
    MetricTargetAugmenter,
    MixupAugmenter,
    SignalTransformAugmenter,
    SpectrogramTransformer,
)
from skaugment.datasets import make_synthetic_imu
from skaugment.utils._sampling import draw_sources_per_class

COUNTS = {"walk": 20, "sit": 10, "run": 5}


@pytest.fixture(scope="module")
def data():
    """Raw windows and their spectrograms, 20/10/5 rows per class, classes interleaved."""
    X, y_int = make_synthetic_imu(n_samples=120, n_timesteps=64, random_state=0)
    names = np.array(["run", "sit", "walk"])
    rows = np.concatenate([np.flatnonzero(names[y_int] == label)[:n]
                           for label, n in COUNTS.items()])
    rows = np.random.RandomState(0).permutation(rows)
    X, y = X[rows], names[y_int[rows]]
    S = SpectrogramTransformer(n_fft=16, hop_length=8).fit_transform(X)
    return {"ts": (X, y), "spec": (S, y)}


def _diffusion(**params):
    return ConditionalDiffusionSampler(n_steps=1, base_channels=4, train_steps=10,
                                       sample_steps=2, device="cpu", **params)


def _editor(**params):
    return SpectrogramMetricEditSampler(device="cpu", **params)


# name -> (factory taking the sampler's own parameters, input kind)
SAMPLERS = {
    "ConditionalDiffusionSampler": (lambda **p: _diffusion(**p), "spec"),
    "SpectrogramMetricEditSampler": (lambda **p: _editor(**p), "spec"),
    "MetricDisturbAugmenter": (lambda **p: MetricDisturbAugmenter(_editor(), **p), "spec"),
    "MetricInterpolationAugmenter": (
        lambda **p: MetricInterpolationAugmenter(_editor(), **p), "spec"),
    "MetricKnowledgeAugmenter": (lambda **p: MetricKnowledgeAugmenter(_editor(), **p), "spec"),
    # the training rows as the target, so that every class has target rows
    "MetricTargetAugmenter": (
        lambda **p: MetricTargetAugmenter(SpectrogramMetricEditSampler(device="cpu"), **p), "spec"),
    "SignalTransformAugmenter": (
        lambda **p: SignalTransformAugmenter(transforms=["scaling", "jitter"], **p), "ts"),
    "WindowMetricEditAugmenter": (
        lambda **p: WindowMetricEditAugmenter(n_fft=16, hop_length=8, n_rounds=0, n_iter=1, **p),
        "ts"),
    # sources and counts delegated to the transforms sampler
    "WindowMetricEditAugmenter(transforms)": (
        lambda **p: WindowMetricEditAugmenter(SignalTransformAugmenter(transforms=["scaling"]),
                                        n_fft=16, hop_length=8, n_rounds=0, n_iter=1, **p),
        "ts"),
    "MixupAugmenter": (lambda **p: MixupAugmenter(**p), "spec"),
}


def _make(name, data, **params):
    factory, kind = SAMPLERS[name]
    X, y = data[kind]
    sampler = factory(random_state=0, **params)
    if isinstance(sampler, MetricTargetAugmenter):
        sampler.set_params(target=X, target_y=y)
    return sampler, X, y


def _resample(name, data, **params):
    sampler, X, y = _make(name, data, **params)
    X_res, y_res = sampler.fit_resample(X, y)
    return sampler, X, y, X_res, y_res


def _class_counts(sampler, y, y_res):
    """Rows per class in the output, checked against the class of each row's source (a
    mixup row's most probable class: balancing makes its source the larger component)."""
    labels = y[sampler.sample_indices_]
    out = np.asarray(y_res)
    if out.ndim == 2:
        out = sampler.classes_[out.argmax(axis=1)]
    np.testing.assert_array_equal(out, labels)
    return Counter(labels.tolist())


def _added(sampler, y):
    n = y.shape[0]
    return Counter(y[sampler.sample_indices_[n:]].tolist())


@pytest.mark.parametrize("name", SAMPLERS)
def test_not_majority_grows_every_class_to_the_majority_count(name, data):
    sampler, X, y, X_res, y_res = _resample(name, data, sampling_strategy="not majority")
    assert _class_counts(sampler, y, y_res) == {"walk": 20, "sit": 20, "run": 20}
    assert sampler.sampling_strategy_ == {"run": 15, "sit": 10, "walk": 0}
    assert X_res.shape[0] == 60


@pytest.mark.parametrize("name", SAMPLERS)
def test_dict_is_the_class_size_wanted_after_resampling(name, data):
    sampler, X, y, X_res, y_res = _resample(name, data, sampling_strategy={"sit": 13})
    assert _class_counts(sampler, y, y_res) == {"walk": 20, "sit": 13, "run": 5}
    assert sampler.sampling_strategy_ == {"run": 0, "sit": 3, "walk": 0}


@pytest.mark.parametrize("name", SAMPLERS)
def test_minority_grows_only_the_minority_class(name, data):
    sampler, X, y, X_res, y_res = _resample(name, data, sampling_strategy="minority")
    n = y.shape[0]
    assert set(y[sampler.sample_indices_[n:]]) == {"run"}
    assert _class_counts(sampler, y, y_res) == {"walk": 20, "sit": 10, "run": 20}
    # real rows first, unchanged, then the synthetic ones
    np.testing.assert_array_equal(X_res[:n], X.astype(np.float32))
    np.testing.assert_array_equal(sampler.sample_indices_[:n], np.arange(n))
    np.testing.assert_array_equal(sampler.synthetic_mask_, np.arange(X_res.shape[0]) >= n)
    if not isinstance(sampler, MixupAugmenter):
        np.testing.assert_array_equal(np.asarray(y_res)[:n], y)


@pytest.mark.parametrize("name", SAMPLERS)
@pytest.mark.parametrize("strategy", ["all", "auto", lambda y: {"run": 7, "sit": 11}])
def test_sampling_strategy_attribute_is_the_counts_added(name, strategy, data):
    sampler, X, y, X_res, y_res = _resample(name, data, sampling_strategy=strategy)
    expected = {label: 0 for label in COUNTS}
    expected.update(check_sampling_strategy(strategy, y, "over-sampling"))
    assert sampler.sampling_strategy_ == expected == {
        label: _added(sampler, y)[label] for label in COUNTS}


@pytest.mark.parametrize("name", SAMPLERS)
def test_ratio_mode_keeps_proportions_and_records_counts(name, data):
    sampler, X, y, X_res, y_res = _resample(name, data, ratio=0.4)
    expected = {"walk": 8, "sit": 4, "run": 2}
    assert sampler.sampling_strategy_ == expected == dict(_added(sampler, y))


@pytest.mark.parametrize("name", SAMPLERS)
def test_none_is_the_ratio_behaviour(name, data):
    sampler, X, y, X_res, y_res = _resample(name, data, ratio=0.4)
    explicit, _, _, X_none, y_none = _resample(name, data, ratio=0.4, sampling_strategy=None)
    np.testing.assert_array_equal(X_none, X_res)
    np.testing.assert_array_equal(np.asarray(y_none), np.asarray(y_res))
    np.testing.assert_array_equal(explicit.sample_indices_, sampler.sample_indices_)
    # and ratio is ignored once sampling_strategy is set
    other, _, _, _, _ = _resample(name, data, ratio=3.0, sampling_strategy="minority")
    assert other.sampling_strategy_ == {"run": 15, "sit": 0, "walk": 0}


@pytest.mark.parametrize("name", SAMPLERS)
@pytest.mark.parametrize("strategy", [
    {"jump": 30},  # a label not in y
    0.5,  # a float with three classes
    {"walk": 10},  # fewer rows than the class has
    "majority",  # an under-sampling value
    [0, 1],  # a cleaning-method list
])
def test_bad_sampling_strategy_raises_value_error_naming_it(name, strategy, data):
    sampler, X, y = _make(name, data, sampling_strategy=strategy)
    with pytest.raises(ValueError, match="sampling_strategy"):
        sampler.fit_resample(X, y)


@pytest.mark.parametrize("name", SAMPLERS)
def test_float_on_two_classes_is_the_minority_to_majority_ratio(name, data):
    kind = SAMPLERS[name][1]
    X, y = data[kind]
    keep = y != "sit"
    sampler, _, _ = _make(name, data, sampling_strategy=0.5)
    if isinstance(sampler, MetricTargetAugmenter):
        sampler.set_params(target=X[keep], target_y=y[keep])
    sampler.fit_resample(X[keep], y[keep])
    # 20 walk rows: run grows from 5 to 10
    assert sampler.sampling_strategy_ == {"run": 5, "walk": 0}


def test_metric_edit_augmenter_passes_sampling_strategy_to_its_transforms(data):
    X, y = data["ts"]
    aug = WindowMetricEditAugmenter(SignalTransformAugmenter(transforms=["scaling"]), n_fft=16,
                              hop_length=8, n_rounds=0, n_iter=1, ratio=0.4,
                              sampling_strategy={"run": 9}, random_state=0)
    aug.fit_resample(X, y)
    assert aug.transforms_.sampling_strategy == {"run": 9}
    assert aug.transforms_.sampling_strategy_ == aug.sampling_strategy_ == {
        "run": 4, "sit": 0, "walk": 0}
    # None is passed on too: the augmenter's ratio decides, not the sampler's own strategy
    aug.set_params(transforms=SignalTransformAugmenter(transforms=["scaling"],
                                                       sampling_strategy="minority"),
                   sampling_strategy=None)
    aug.fit_resample(X, y)
    assert aug.transforms_.sampling_strategy is None
    assert aug.sampling_strategy_ == {"run": 2, "sit": 4, "walk": 8}


class _NoStrategySampler(SignalTransformAugmenter):
    """A transforms sampler without ``sampling_strategy`` (its own counts only)."""

    def __init__(self, transforms=("scaling",), ratio=5.0, random_state=None):
        super().__init__(transforms=transforms, ratio=ratio, random_state=random_state)


def test_metric_edit_augmenter_rejects_a_strategy_its_transforms_cannot_follow(data):
    X, y = data["ts"]
    aug = WindowMetricEditAugmenter(_NoStrategySampler(), n_fft=16, hop_length=8, n_rounds=0,
                              n_iter=1, sampling_strategy="minority", random_state=0)
    with pytest.raises(ValueError, match="sampling_strategy"):
        aug.fit_resample(X, y)
    # without a strategy it works as before: the augmenter's ratio is passed on
    aug.set_params(sampling_strategy=None, ratio=0.4).fit_resample(X, y)
    assert aug.sampling_strategy_ == {"run": 2, "sit": 4, "walk": 8}


@pytest.mark.parametrize("ratio", [0.3, 1.0, 1.5, 2.7])
def test_ratio_draws_are_unchanged(ratio):
    """The draws of sampling_strategy=None are those of the ratio-only function."""
    y_encoded = np.random.RandomState(1).randint(0, 4, size=37)

    legacy_rng, rng = np.random.RandomState(3), np.random.RandomState(3)
    legacy = []
    for k in range(4):
        pool = np.flatnonzero(y_encoded == k)
        legacy.append(pool[legacy_rng.randint(0, pool.size, size=int(round(ratio * pool.size)))])
    np.testing.assert_array_equal(
        draw_sources_per_class(y_encoded, 4, ratio, rng, sampling_strategy=None,
                               classes=np.array(list("abcd"))),
        np.concatenate(legacy))
    assert rng.randint(1 << 30) == legacy_rng.randint(1 << 30)  # same state afterwards


def test_draw_sources_per_class_follows_imbalanced_learn():
    y_encoded = np.repeat([0, 1, 2], [6, 3, 1])
    classes = np.array([10, 20, 30])
    sources = draw_sources_per_class(y_encoded, 3, 99.0, np.random.RandomState(0),
                                     sampling_strategy="not majority", classes=classes)
    assert np.bincount(y_encoded[sources], minlength=3).tolist() == [0, 3, 5]
    # uniform with replacement within each class
    assert set(sources[:3]) <= {6, 7, 8} and set(sources[3:]) == {9}
    with pytest.raises(ValueError, match="sampling_strategy"):
        draw_sources_per_class(y_encoded, 3, 1.0, np.random.RandomState(0),
                               sampling_strategy={40: 7}, classes=classes)


@pytest.mark.parametrize("name", SAMPLERS)
def test_sampling_strategy_is_a_parameter_right_after_ratio(name, data):
    sampler, _, _ = _make(name, data, sampling_strategy={"run": 8})
    assert sampler.get_params()["sampling_strategy"] == {"run": 8}
    assert clone(sampler).sampling_strategy == {"run": 8}
    params = list(inspect.signature(type(sampler)).parameters)
    assert params.index("sampling_strategy") == params.index("ratio") + 1
    doc = type(sampler).__doc__
    assert doc.index("    sampling_strategy : ") > doc.index("    ratio : ")
    assert "%(" not in doc


@pytest.mark.parametrize("name", [n for n in SAMPLERS if "Sampler" not in n])
def test_augmenter_fit_rejects_a_bad_strategy_before_any_work(name, data):
    sampler, X, y = _make(name, data, sampling_strategy={"jump": 3})
    with pytest.raises(ValueError, match="sampling_strategy"):
        sampler.fit(X, y)
    assert not hasattr(sampler, "generator_")
