"""skaugment.make_pipeline: imbalanced-learn's make_pipeline plus the sensor layout, stated once."""

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from imblearn.pipeline import make_pipeline as imblearn_make_pipeline
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from skaugment import (MetricDisturbAugmenter, WindowMetricEditAugmenter,
                       SpectrogramMetricEditSampler,
                       MetricExtractor, SignalTransformAugmenter, SpectrogramTransformer,
                       make_pipeline)
from skaugment.datasets import make_synthetic_imu

MODS = {"acc": [0, 1, 2], "gyro": [3, 4, 5]}
NAMES = ["ax", "ay", "az", "gx", "gy", "gz"]


def _steps():
    return [WindowMetricEditAugmenter(transforms=SignalTransformAugmenter(), ratio=1.0, random_state=0),
            SpectrogramTransformer(n_fft=16, hop_length=8),
            MetricDisturbAugmenter(generator=SpectrogramMetricEditSampler(device="cpu"), ratio=0.5,
                                   random_state=0),
            MetricExtractor(),
            LogisticRegression(max_iter=2000)]


def test_layout_reaches_every_step_and_nested_estimator_that_reads_it():
    steps = _steps()
    pipe = make_pipeline(*steps, modalities=MODS, channel_names=NAMES)
    assert isinstance(pipe, Pipeline)
    # same names as imblearn's, so grid-search keys do not change
    assert list(pipe.named_steps) == list(imblearn_make_pipeline(*_steps()).named_steps)
    assert [s for _, s in pipe.steps] == steps  # used as given, not cloned
    params = pipe.get_params()
    set_ = {k: v for k, v in params.items() if k.endswith(("__modalities", "__channel_names"))}
    assert set_ == {
        "windowmetriceditaugmenter__modalities": MODS,
        "windowmetriceditaugmenter__transforms__modalities": MODS,
        "metricdisturbaugmenter__generator__modalities": MODS,
        "metricdisturbaugmenter__generator__channel_names": NAMES,
        "metricextractor__modalities": MODS,
        "metricextractor__channel_names": NAMES,
    }
    # a clone (what a grid search fits) keeps it
    assert clone(pipe).get_params()["windowmetriceditaugmenter__transforms__modalities"] == MODS


def test_fitted_steps_use_the_layout():
    X, y = make_synthetic_imu(n_samples=30, n_channels=6, n_timesteps=64, random_state=0)
    pipe = make_pipeline(*_steps(), modalities=MODS, channel_names=NAMES).fit(X, y)
    assert pipe.named_steps["metricdisturbaugmenter"].generator_.modalities_ == MODS
    assert pipe.named_steps["windowmetriceditaugmenter"].transforms_.triaxial_groups_ == [[0, 1, 2],
                                                                                   [3, 4, 5]]
    names = pipe.named_steps["metricextractor"].get_feature_names_out()
    assert names[0] == "ax__temporal_range" and len(names) == 30


def test_without_a_layout_it_is_imblearns_make_pipeline(tmp_path):
    steps = _steps()
    before = [s.get_params() for s in steps]
    pipe = make_pipeline(*steps, memory=str(tmp_path), verbose=True)
    assert pipe.memory == str(tmp_path) and pipe.verbose is True
    assert [s.get_params() for _, s in pipe.steps] == before


def test_equal_values_already_set_are_accepted():
    pipe = make_pipeline(
        SignalTransformAugmenter(modalities={"acc": (0, 1, 2), "gyro": np.arange(3, 6)}),
        MetricExtractor(channel_names=tuple(NAMES)), LogisticRegression(),
        modalities=MODS, channel_names=NAMES)
    # kept as the step set them, not replaced
    assert pipe[0].modalities["acc"] == (0, 1, 2)


@pytest.mark.parametrize("step, key", [
    (SignalTransformAugmenter(modalities={"imu": [0, 1, 2, 3, 4, 5]}),
     "signaltransformaugmenter__modalities"),
    (WindowMetricEditAugmenter(transforms=SignalTransformAugmenter(modalities={"gyro": [3, 4, 5],
                                                                         "acc": [0, 1, 2]})),
     "windowmetriceditaugmenter__transforms__modalities"),  # nested, and order matters
])
def test_a_step_with_another_layout_is_refused(step, key):
    with pytest.raises(ValueError, match=rf"^{key}=.* differs from make_pipeline\(modalities="):
        make_pipeline(step, LogisticRegression(), modalities=MODS)


def test_a_layout_no_step_reads_is_refused():
    with pytest.raises(ValueError, match="no step has a 'modalities' parameter"):
        make_pipeline(SpectrogramTransformer(), LogisticRegression(), modalities=MODS)
    with pytest.raises(ValueError, match="no step has a 'channel_names' parameter"):
        make_pipeline(SignalTransformAugmenter(), LogisticRegression(), channel_names=NAMES)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"modalities": [[0, 1, 2]]}, TypeError, "non-empty dict"),
    ({"modalities": {}}, TypeError, "non-empty dict"),
    ({"modalities": {"acc": ["x", 1]}}, TypeError, "integer channel indices"),
    ({"modalities": {"acc": 3}}, TypeError, "integer channel indices"),
    ({"modalities": {"acc": [0, 1], "gyro": [1, 2]}}, ValueError, "more than one modality"),
    ({"modalities": {"acc": [0, 1], "gyro": [3]}}, ValueError, r"\[2\] belong to no modality"),
    ({"modalities": {"acc": [-1, 0]}}, ValueError, "outside"),
    ({"channel_names": "ax"}, TypeError, "list of str"),
    ({"channel_names": 6}, TypeError, "list of str"),
    ({"channel_names": ["a", "a"]}, ValueError, "unique"),
    ({"modalities": MODS, "channel_names": NAMES[:5]}, ValueError, "5 names, but modalities cover 6"),
])
def test_bad_layouts_fail_clearly(kwargs, err, match):
    with pytest.raises(err, match=match):
        make_pipeline(SignalTransformAugmenter(), MetricExtractor(), **kwargs)


def test_a_frozen_generator_keeps_its_own_layout():
    X, y = make_synthetic_imu(n_samples=12, n_channels=6, n_timesteps=64, random_state=0)
    S = SpectrogramTransformer(n_fft=16, hop_length=8).fit_transform(X)
    generator = SpectrogramMetricEditSampler(device="cpu").fit(S, y)
    pipe = make_pipeline(SpectrogramTransformer(n_fft=16, hop_length=8),
                         MetricDisturbAugmenter(generator=FrozenEstimator(generator)),
                         MetricExtractor(), LogisticRegression(), modalities=MODS)
    # FrozenEstimator refuses set_params: the fitted generator is used as it was fitted
    assert generator.modalities is None
    assert pipe.named_steps["metricextractor"].modalities == MODS
