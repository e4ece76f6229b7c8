"""Behaviour of the metric-space augmenters, driven by a tiny recording fake generator.

The fake has the generator API of CONTRACTS.md (fit / conditions_from / sample and
the fitted attributes the augmenters read) and records what it is asked for, so
the tests check the requested conditions against the formulas of each technique.
The real ConditionalDiffusionSampler is exercised in test_pipeline_semantics.py.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from skaugment.augmenters import (
    MetricDisturbAugmenter,
    MetricInterpolationAugmenter,
    MetricKnowledgeAugmenter,
    MetricTargetAugmenter,
)

METRICS = ("temporal_range", "f0_amplitude", "contrast", "flatness", "entropy")
SHAPE = (4, 6, 5)  # channels, freqs, frames
CHANNELS = ["acc_x", "acc_y", "gyro_x", "gyro_y"]
MODALITIES = {"acc": [0, 1], "gyro": [2, 3]}


def fake_metrics(S):
    """Cheap stand-ins with the right names and ranges (flatness in (0, 1], entropy bounded)."""
    S = np.asarray(S, dtype=np.float64)
    n, c = S.shape[:2]
    flat = S.reshape(n, c, -1)
    power = flat**2 + 1e-12
    p = flat / flat.sum(axis=2, keepdims=True)
    out = np.stack(
        [
            np.ptp(S.mean(axis=2), axis=2),
            S[:, :, 1:].max(axis=2).mean(axis=2),
            flat.max(axis=2) - flat.min(axis=2),
            np.exp(np.log(power).mean(axis=2)) / power.mean(axis=2),
            -(p * np.log2(p + 1e-300)).sum(axis=2),
        ],
        axis=2,
    )
    return out.reshape(n, c * len(METRICS))


class FakeGenerator(BaseEstimator):
    """Records its calls; 'generates' the class mean scaled by a seeded noise."""

    n_fits = 0  # class-level: survives clone

    def __init__(self, condition="metrics", strength=1.0, modalities=None, random_state=None):
        self.condition = condition
        self.strength = strength
        self.modalities = modalities
        self.random_state = random_state

    @property
    def uses_init(self):
        return self.strength < 1

    def conditions_from(self, S):
        return fake_metrics(S)

    def fit(self, S, y, conditions=None):
        type(self).n_fits += 1
        S = np.asarray(S, dtype=np.float32)
        self.classes_, enc = np.unique(y, return_inverse=True)
        self.input_shape_ = S.shape[1:]
        c = S.shape[1]
        names = CHANNELS[:c] if c == len(CHANNELS) else [f"ch{i}" for i in range(c)]
        self.condition_names_ = [f"{ch}__{m}" for ch in names for m in METRICS]
        self.train_conditions_ = fake_metrics(S) if conditions is None else conditions
        self.n_conditions_ = len(self.condition_names_)
        self.means_ = np.stack([S[enc == k].mean(axis=0) for k in range(len(self.classes_))])
        self.fit_seed_ = self.random_state
        return self

    def sample(self, y, conditions=None, *, init=None, random_state=None):
        y = np.asarray(y)
        if not np.isin(y, self.classes_).all():
            raise ValueError("unseen label")
        self.last_call_ = {"y": y.copy(), "conditions": np.array(conditions), "init": init,
                           "random_state": random_state}
        rng = np.random.RandomState(random_state)
        base = self.means_[np.searchsorted(self.classes_, y)]
        return (base * rng.uniform(0.5, 1.5, size=base.shape)).astype(np.float32)


def make_data(n_per_class=(6, 9, 3), seed=0):
    rng = np.random.default_rng(seed)
    labels = np.array(["sit", "walk", "run"])
    y = np.repeat(labels, n_per_class)
    scale = np.repeat(np.arange(1.0, 4.0), n_per_class)
    S = rng.gamma(2.0, size=(len(y), *SHAPE)) * scale[:, None, None, None]
    return S.astype(np.float32), y


@pytest.fixture
def data():
    return make_data()


def fake(**kw):
    return FakeGenerator(modalities=MODALITIES, **kw)


ALL = [
    MetricDisturbAugmenter,
    MetricInterpolationAugmenter,
    MetricKnowledgeAugmenter,
    lambda **kw: MetricTargetAugmenter(target=make_data(seed=5)[0], target_y=make_data()[1], **kw),
]


@pytest.mark.parametrize("make", ALL)
def test_output_layout_and_class_counts(make, data):
    S, y = data
    aug = make(generator=fake(), ratio=1.5, random_state=0)
    S_res, y_res = aug.fit_resample(S, y)
    n = len(y)
    # round(ratio * n_class): 6 -> 9, 9 -> 14 (13.5 rounds to even), 3 -> 4 (4.5 -> 4)
    expected = {"run": 4, "sit": 9, "walk": 14}
    assert aug.sampling_strategy_ == expected
    assert S_res.dtype == np.float32 and S_res.shape == (n + 27, *SHAPE)
    np.testing.assert_array_equal(S_res[:n], S)
    np.testing.assert_array_equal(y_res[:n], y)
    assert y_res.dtype == y.dtype
    assert not aug.synthetic_mask_[:n].any() and aug.synthetic_mask_[n:].all()
    np.testing.assert_array_equal(aug.sample_indices_[:n], np.arange(n))
    src = aug.sample_indices_[n:]
    np.testing.assert_array_equal(y_res[n:], y[src])  # a synthetic row keeps its source's label
    call = aug.generator_.last_call_
    np.testing.assert_array_equal(call["y"], y[src])
    np.testing.assert_array_equal(call["conditions"], aug.conditions_)
    assert call["init"] is None  # strength == 1
    np.testing.assert_allclose(aug.source_conditions_, fake_metrics(S)[src])
    assert aug.conditions_.shape == (27, 20) and aug.conditions_.dtype == np.float64
    assert not hasattr(aug, "transform")


@pytest.mark.parametrize("make", ALL)
def test_seeded(make, data):
    S, y = data
    a = make(generator=fake(), ratio=1.0, random_state=3).fit_resample(S, y)
    b = make(generator=fake(), ratio=1.0, random_state=3).fit_resample(S, y)
    c = make(generator=fake(), ratio=1.0, random_state=4).fit_resample(S, y)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_generator_seeded_from_augmenter_only_when_unseeded(data):
    S, y = data
    aug = MetricDisturbAugmenter(generator=fake(), ratio=0.5, random_state=3).fit(S, y)
    seed = aug.generator_.fit_seed_
    assert isinstance(seed, int)
    assert MetricDisturbAugmenter(generator=fake(), ratio=2.0, random_state=3).fit(
        S, y).generator_.fit_seed_ == seed  # ratio does not change it: the cache can hit
    assert MetricDisturbAugmenter(generator=fake(random_state=11), random_state=3).fit(
        S, y).generator_.fit_seed_ == 11
    assert MetricDisturbAugmenter(generator=fake()).fit(S, y).generator_.fit_seed_ is None


def test_disturb_formula(data):
    S, y = data
    aug = MetricDisturbAugmenter(generator=fake(), ratio=4.0, low=-0.3, high=0.1, random_state=0)
    aug.fit_resample(S, y)
    R = aug.relative_changes_
    assert R.min() >= -0.3 and R.max() <= 0.1
    assert R.min() < -0.25 and R.max() > 0.05  # the whole range is used
    np.testing.assert_allclose(aug.conditions_, aug._clip_physical(aug.source_conditions_ * (1 + R)))
    # independent draws per row, channel and metric
    assert len(np.unique(R)) == R.size


def test_disturb_metric_subset_leaves_others_unchanged(data):
    S, y = data
    aug = MetricDisturbAugmenter(generator=fake(), ratio=2.0, metrics=["contrast", "entropy"],
                                 random_state=0)
    aug.fit_resample(S, y)
    names = np.array(aug.condition_names_)
    moved = np.char.endswith(names.astype(str), "__contrast") | np.char.endswith(
        names.astype(str), "__entropy")
    np.testing.assert_array_equal(aug.conditions_[:, ~moved], aug.source_conditions_[:, ~moved])
    assert np.all(aug.relative_changes_[:, moved] != 0)


def test_conditions_clipped_to_physical_range(data):
    S, y = data
    aug = MetricDisturbAugmenter(generator=fake(), ratio=2.0, low=4.0, high=5.0,
                                 metrics=["flatness", "entropy"], random_state=0)
    aug.fit_resample(S, y)
    names = np.array(aug.condition_names_).astype(str)
    flat = np.char.endswith(names, "__flatness")
    ent = np.char.endswith(names, "__entropy")
    # source flatness (0.25..0.6) * 5 > 1 and entropy * 5 > log2(F*T) are clipped
    assert np.all(aug.source_conditions_[:, flat] * 5 > 1)
    np.testing.assert_allclose(aug.conditions_[:, flat], 1.0)
    np.testing.assert_allclose(aug.conditions_[:, ent], np.log2(6 * 5))
    aug = MetricDisturbAugmenter(generator=fake(), ratio=1.0, low=-1.0, high=-1.0, random_state=0)
    aug.fit_resample(S, y)
    assert np.all(aug.conditions_ == 0)  # -100%: zero, never negative


def test_interpolation_formula(data):
    S, y = data
    aug = MetricInterpolationAugmenter(generator=fake(), ratio=5.0, random_state=0)
    S_res, _ = aug.fit_resample(S, y)
    n = len(y)
    i, j, b = aug.sample_indices_[n:], aug.pair_indices_, aug.interpolation_weights_
    np.testing.assert_array_equal(y[i], y[j])
    assert np.all(i != j)  # every class has more than one sample
    assert b.min() >= 0 and b.max() <= 1 and abs(b.mean() - 0.5) < 0.05
    assert 0.15 < b.std() < 0.25
    M = fake_metrics(S)
    np.testing.assert_allclose(aug.conditions_, b[:, None] * M[i] + (1 - b[:, None]) * M[j])
    # every partner of the same class is reachable
    walk = np.flatnonzero(y == "walk")
    assert set(j[y[i] == "walk"]) == set(walk)


def test_interpolation_midpoint_and_single_sample_class():
    S, y = make_data(n_per_class=(4, 1, 3))
    aug = MetricInterpolationAugmenter(generator=fake(), ratio=2.0, b_std=0.0, random_state=0)
    aug.fit_resample(S, y)
    np.testing.assert_allclose(aug.interpolation_weights_, 0.5)
    n = len(y)
    lone = aug.sample_indices_[n:] == np.flatnonzero(y == "walk")[0]
    assert lone.sum() == 2
    np.testing.assert_array_equal(aug.pair_indices_[lone], aug.sample_indices_[n:][lone])


def test_interpolation_init_is_first_sample_when_strength_below_one(data):
    S, y = data
    aug = MetricInterpolationAugmenter(generator=fake(strength=0.5), ratio=1.0, random_state=0)
    aug.fit_resample(S, y)
    np.testing.assert_array_equal(aug.generator_.last_call_["init"], S[aug.sample_indices_[len(y):]])


def _changes(aug):
    return aug.conditions_ / aug.source_conditions_ - 1


def test_knowledge_default_is_case_study_1(data):
    S, y = data
    aug = MetricKnowledgeAugmenter(generator=fake(), ratio=3.0, random_state=0)
    aug.fit_resample(S, y)
    names = np.array(aug.condition_names_).astype(str)
    change = _changes(aug)
    for metric, (lo, hi) in {"contrast": (0.1, 0.4), "flatness": (-0.4, -0.1),
                             "f0_amplitude": (0.1, 0.4)}.items():
        cols = np.char.endswith(names, "__" + metric)
        assert cols.sum() == 4
        assert change[:, cols].min() >= lo - 1e-12 and change[:, cols].max() <= hi + 1e-12
    rest = np.char.endswith(names, "__entropy") | np.char.endswith(names, "__temporal_range")
    np.testing.assert_array_equal(aug.conditions_[:, rest], aug.source_conditions_[:, rest])


def test_knowledge_per_modality(data):
    S, y = data
    aug = MetricKnowledgeAugmenter(
        generator=fake(), ratio=2.0, random_state=0,
        ranges={"acc": {"contrast": (0.2, 0.3)}, "gyro": {"entropy": (-0.2, -0.1)}},
    )
    aug.fit_resample(S, y)
    change = _changes(aug)
    names = list(aug.condition_names_)
    moved = {names.index(f"{ch}__contrast") for ch in ("acc_x", "acc_y")}
    moved_ent = {names.index(f"{ch}__entropy") for ch in ("gyro_x", "gyro_y")}
    for col in range(len(names)):
        if col in moved:
            assert 0.2 - 1e-12 <= change[:, col].min() and change[:, col].max() <= 0.3 + 1e-12
        elif col in moved_ent:
            assert -0.2 - 1e-12 <= change[:, col].min() and change[:, col].max() <= -0.1 + 1e-12
        else:
            np.testing.assert_array_equal(change[:, col], 0)


@pytest.mark.parametrize(
    "ranges, match",
    [
        ({"loudness": (0.1, 0.2)}, r"unknown metric\(s\) \['loudness'\]"),
        ({"acc": {"contrast": (0.1, 0.2)}, "magnet": {"contrast": (0, 0.1)}},
         r"unknown modality\(ies\) \['magnet'\]"),
        ({"acc": {"loudness": (0.1, 0.2)}}, r"ranges\['acc'\] names unknown metric"),
        ({"contrast": (0.4, 0.1)}, "low must be <= high"),
        ({"contrast": (-1.5, 0.1)}, "below -1"),
        ({"contrast": 0.2}, r"must be a \(low, high\) pair"),
        ({"contrast": (0.1, 0.2), "acc": {"flatness": (0, 0.1)}}, "unknown metric"),
        ({}, "ranges is empty"),
    ],
)
def test_knowledge_bad_ranges(ranges, match, data):
    S, y = data
    FakeGenerator.n_fits = 0
    with pytest.raises(ValueError, match=match):
        MetricKnowledgeAugmenter(generator=fake(), ranges=ranges).fit_resample(S, y)
    assert FakeGenerator.n_fits == 0  # rejected before the expensive generator fit


def test_target_with_labels_takes_target_metrics(data):
    S, y = data
    S_target, _ = make_data(n_per_class=(2, 2, 2), seed=9)
    y_target = np.array(["sit", "sit", "walk", "walk", "run", "run"])
    aug = MetricTargetAugmenter(generator=fake(), target=S_target, target_y=y_target, ratio=2.0,
                                random_state=0)
    _, y_res = aug.fit_resample(S, y)
    n = len(y)
    T = fake_metrics(S_target)
    np.testing.assert_allclose(aug.target_conditions_, T)
    np.testing.assert_allclose(aug.conditions_, T[aug.target_indices_])
    np.testing.assert_array_equal(y_target[aug.target_indices_], y_res[n:])
    assert aug.label_estimator_ is None
    assert set(aug.target_indices_) == set(range(6))


def test_target_labels_predicted_from_metrics(data):
    S, y = make_data(n_per_class=(8, 8, 8))
    # the target is the training set itself: well-separated classes get their own labels back
    aug = MetricTargetAugmenter(generator=fake(), target=fake_metrics(S), ratio=1.0, random_state=0)
    aug.fit_resample(S, y)
    assert (aug.target_labels_ == y).mean() >= 0.8
    from sklearn.dummy import DummyClassifier

    aug = MetricTargetAugmenter(generator=fake(), target=fake_metrics(S), ratio=1.0,
                                label_estimator=DummyClassifier(strategy="most_frequent"))
    with pytest.warns(UserWarning, match=r"No target row has label\(s\) \['sit', 'walk'\]"):
        _, y_res = aug.fit_resample(S, y)
    assert set(y_res[len(y):]) == {"run"}  # only the predicted class is generated
    assert aug.sampling_strategy_ == {"run": 8, "sit": 0, "walk": 0}


def test_target_bad_input(data):
    S, y = data
    with pytest.raises(ValueError, match="target is required"):
        MetricTargetAugmenter(generator=fake()).fit_resample(S, y)
    with pytest.raises(ValueError, match="target must be 4-D spectrograms"):
        MetricTargetAugmenter(generator=fake(), target=np.ones((3, 2, 2))).fit_resample(S, y)
    with pytest.raises(ValueError, match="target has 7 columns"):
        MetricTargetAugmenter(generator=fake(), target=np.ones((3, 7))).fit_resample(S, y)
    with pytest.raises(ValueError, match=r"target_y holds label\(s\) \['swim'\] not in y"):
        MetricTargetAugmenter(generator=fake(), target=S[:2], target_y=["sit", "swim"]).fit_resample(S, y)
    with pytest.raises(ValueError, match="target_y has 1 labels"):
        MetricTargetAugmenter(generator=fake(), target=S[:2], target_y=["sit"]).fit_resample(S, y)
    bad = fake_metrics(S[:3])
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"target contains NaN or infinity in sample\(s\) 1"):
        MetricTargetAugmenter(generator=fake(), target=bad).fit_resample(S, y)


@pytest.mark.parametrize("make", ALL)
def test_label_only_generator_rejected(make, data):
    S, y = data
    with pytest.raises(ValueError, match="condition='label'"):
        make(generator=fake(condition="label")).fit_resample(S, y)


def test_prefit(data):
    S, y = data
    with pytest.raises(NotFittedError):
        MetricDisturbAugmenter(generator=fake(), prefit=True).fit_resample(S, y)
    gen = fake().fit(S, y)
    FakeGenerator.n_fits = 0
    aug = MetricDisturbAugmenter(generator=gen, prefit=True, ratio=1.0, random_state=0)
    aug.fit_resample(S, y)
    assert FakeGenerator.n_fits == 0 and aug.generator_ is gen
    with pytest.raises(ValueError, match=r"label\(s\) \['jump'\] not seen by the generator at fit"):
        aug.fit_resample(S[:4], np.array(["sit", "sit", "jump", "sit"]))
    with pytest.raises(ValueError, match=r"S has per-sample shape \(4, 6, 4\), but the generator"):
        aug.fit_resample(S[..., :4], y)


def test_memory_caches_generator_fit_across_ratios(data, tmp_path):
    S, y = data
    FakeGenerator.n_fits = 0
    outs = [MetricDisturbAugmenter(generator=fake(), ratio=r, memory=tmp_path, random_state=0)
            .fit_resample(S, y) for r in (0.5, 1.0, 2.0)]
    assert FakeGenerator.n_fits == 1
    assert [len(o[1]) for o in outs] == [27, 36, 54]
    # a different training set or generator parameters miss the cache
    MetricDisturbAugmenter(generator=fake(), memory=str(tmp_path), random_state=0).fit_resample(S[1:], y[1:])
    MetricDisturbAugmenter(generator=fake(strength=0.9), memory=str(tmp_path), random_state=0).fit_resample(S, y)
    assert FakeGenerator.n_fits == 3
    import joblib

    MetricDisturbAugmenter(generator=fake(), memory=joblib.Memory(str(tmp_path), verbose=0), ratio=3.0,
                           random_state=0).fit_resample(S, y)
    assert FakeGenerator.n_fits == 3
    FakeGenerator.n_fits = 0
    for r in (0.5, 1.0):
        MetricDisturbAugmenter(generator=fake(), ratio=r).fit_resample(S, y)
    assert FakeGenerator.n_fits == 2  # no memory: refitted


class SampleParamGenerator(FakeGenerator):
    """A fake whose ``strength`` is declared as read by sampling only."""

    _sample_params = ("strength",)


def test_memory_shares_one_fit_across_sample_only_params(data, tmp_path):
    S, y = data
    SampleParamGenerator.n_fits = FakeGenerator.n_fits = 0
    fitted = []
    for strength in (0.3, 0.7, 1.0):
        aug = MetricDisturbAugmenter(generator=SampleParamGenerator(strength=strength),
                                     memory=tmp_path, random_state=0)
        aug.fit_resample(S, y)
        fitted.append(aug.generator_)
    assert SampleParamGenerator.n_fits == 1
    # each augmenter's generator carries its own sample-only value, the fit is shared
    assert [g.strength for g in fitted] == [0.3, 0.7, 1.0]
    assert all(g.fit_seed_ == fitted[0].fit_seed_ for g in fitted)
    np.testing.assert_array_equal(fitted[0].means_, fitted[2].means_)
    # strength < 1 makes the augmenter pass init: the requested value reached sampling
    assert fitted[0].last_call_["init"] is not None and fitted[2].last_call_["init"] is None
    # without the declaration, strength is part of the key (test above): refitted
    MetricDisturbAugmenter(generator=fake(strength=0.3), memory=tmp_path,
                           random_state=0).fit_resample(S, y)
    assert FakeGenerator.n_fits == 1


class DeviceVerboseGenerator(FakeGenerator):
    """A fake with the ``device`` and ``verbose`` of skaugment's generators."""

    def __init__(self, condition="metrics", strength=1.0, modalities=None, random_state=None,
                 device="auto", verbose=0):
        super().__init__(condition, strength, modalities, random_state)
        self.device = device
        self.verbose = verbose


def test_memory_keys_the_resolved_device_and_not_verbose(data, tmp_path):
    from skaugment.utils._torch import resolve_device

    S, y = data
    DeviceVerboseGenerator.n_fits = 0
    fitted = []
    for params in (dict(), dict(verbose=1), dict(device=resolve_device("auto"))):
        aug = MetricDisturbAugmenter(generator=DeviceVerboseGenerator(modalities=MODALITIES,
                                                                      **params),
                                     memory=tmp_path, random_state=0)
        aug.fit_resample(S, y)
        fitted.append(aug.generator_.get_params())
    # printing more, or naming the device "auto" stands for, does not train again
    assert DeviceVerboseGenerator.n_fits == 1
    # and each fitted copy carries the parameters it was given
    assert [(p["device"], p["verbose"]) for p in fitted] == [
        ("auto", 0), ("auto", 1), (resolve_device("auto"), 0)]
    MetricDisturbAugmenter(generator=DeviceVerboseGenerator(modalities=MODALITIES,
                                                            device="meta"),
                           memory=tmp_path, random_state=0).fit_resample(S, y)
    assert DeviceVerboseGenerator.n_fits == 2  # another device: another fit


def test_metric_edit_sampler_cache_hit_gives_the_uncached_output(data, tmp_path):
    from skaugment.generators import SpectrogramMetricEditSampler

    S, y = data
    outs = {}
    for n_iter in (1, 3):
        for memory in (None, tmp_path):
            aug = MetricDisturbAugmenter(generator=SpectrogramMetricEditSampler(n_iter=n_iter),
                                         memory=memory, random_state=0)
            outs[n_iter, memory is None] = aug.fit_resample(S, y)[0]
            assert aug.generator_.n_iter == n_iter
    for n_iter in (1, 3):
        np.testing.assert_array_equal(outs[n_iter, True], outs[n_iter, False])
    # n_iter changes the edit, so the cached fit really received each value
    assert not np.allclose(outs[1, False], outs[3, False])
    cached = [p for p in tmp_path.rglob("output.pkl")]
    assert len(cached) == 1


@pytest.mark.parametrize(
    "params, exc, match",
    [
        ({"ratio": 0}, ValueError, "'ratio' parameter"),
        ({"ratio": -1.0}, ValueError, "'ratio' parameter"),
        ({"low": 0.3, "high": 0.1}, ValueError, "low must be <= high"),
        ({"low": -2.0}, ValueError, "'low' parameter"),
        ({"metrics": ["contrast", "loudness"]}, ValueError, r"unknown metric\(s\) \['loudness'\]"),
        ({"metrics": []}, ValueError, "metrics is empty"),
        ({"generator": "diffusion"}, ValueError, "'generator' parameter"),
        ({"memory": 3}, ValueError, "'memory' parameter"),
    ],
)
def test_bad_parameters(params, exc, match, data):
    S, y = data
    params = {"generator": fake(), **params}
    with pytest.raises(exc, match=match):
        MetricDisturbAugmenter(**params).fit_resample(S, y)


def test_bad_input(data):
    S, y = data
    aug = MetricDisturbAugmenter(generator=fake(), ratio=1.0)
    bad = S.copy()
    bad[3, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match=r"S contains NaN or infinity in sample\(s\) 3"):
        aug.fit_resample(bad, y)
    with pytest.raises(ValueError, match="S must be 4-D"):
        aug.fit_resample(S[:, 0], y)
    with pytest.raises(ValueError, match="non-negative"):
        aug.fit_resample(-S, y)
    with pytest.raises(ValueError, match="y has 17 labels but X has 18"):
        aug.fit_resample(S, y[1:])
    with pytest.raises(ValueError, match="Unknown label type"):
        aug.fit_resample(S, np.linspace(0, 1, len(y)))


def test_clone_and_params_unchanged():
    aug = MetricKnowledgeAugmenter(generator=fake(), ranges={"contrast": (0.1, 0.2)}, ratio=2.0)
    params = aug.get_params(deep=False)
    cl = clone(aug)
    assert cl.get_params(deep=False)["ranges"] == params["ranges"]
    assert "generator__condition" in aug.get_params()


def test_sampler_tags_and_imblearn_pipeline(data):
    from imblearn.pipeline import make_pipeline
    from imblearn.utils._tags import get_tags
    from sklearn.base import ClassifierMixin

    tags = get_tags(MetricDisturbAugmenter())
    assert tags.estimator_type == "sampler" and tags.sampler_tags.sample_indices
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array

    class CountingClassifier(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.n_fit_ = len(X)
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            return np.repeat(self.classes_[0], len(X))

    S, y = data
    pipe = make_pipeline(MetricDisturbAugmenter(generator=fake(), ratio=2.0, random_state=0),
                         CountingClassifier())
    pipe.fit(S, y)
    assert pipe[-1].n_fit_ == len(y) + 36
    assert len(pipe.predict(S[:5])) == 5  # samplers are skipped at predict


def test_zero_generated_rows(data):
    S, y = data
    aug = MetricInterpolationAugmenter(generator=fake(), ratio=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S_res, y_res = aug.fit_resample(S, y)
    np.testing.assert_array_equal(S_res, S)
    assert aug.conditions_.shape == (0, 20) and aug.sampling_strategy_ == {"run": 0, "sit": 0, "walk": 0}
