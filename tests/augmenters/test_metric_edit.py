"""Metric edit: the shared knob functions, SpectrogramMetricEditSampler and
WindowMetricEditAugmenter."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, clone

from skaugment import MetricExtractor, SpectrogramTransformer
from skaugment.augmenters import (
    MetricDisturbAugmenter,
    MetricInterpolationAugmenter,
    MetricKnowledgeAugmenter,
    MetricTargetAugmenter,
)
from skaugment.augmenters._window_edit import WindowMetricEditAugmenter
from skaugment.datasets import make_synthetic_imu
from skaugment.generators import (
    ConditionalDiffusionSampler,
    SpectrogramMetricEditSampler,
    edit_log_spectrogram,
    edit_magnitude,
    fit_edit_knobs,
)


def _windows(n_samples=30, n_timesteps=64, random_state=0):
    X, y = make_synthetic_imu(n_samples=n_samples, n_channels=2, n_timesteps=n_timesteps,
                              n_classes=3, random_state=random_state)
    return X, y


@pytest.fixture(scope="module")
def spec():
    X, y = _windows()
    S = SpectrogramTransformer(n_fft=32, hop_length=8).fit_transform(X)
    return np.asarray(S), y


@pytest.fixture(scope="module")
def fitted(spec):
    S, y = spec
    return SpectrogramMetricEditSampler(random_state=0).fit(S, y)


def _median_rel(measured, requested):
    ok = requested != 0
    return float(np.median(np.abs(measured[ok] / requested[ok] - 1)))


# -- the shared functions --------------------------------------------------------------------


def test_diffusion_metric_guidance_unchanged_by_refactor():
    """The diffusion sampler's metric guidance now calls the shared knob functions.

    Reference numbers: this exact script run with the code before the knob edit and
    fit moved out of ConditionalDiffusionSampler (its private _edit_log and
    _metric_correct), on the development machine (x86_64, CPU, OMP_NUM_THREADS=1);
    after the move the outputs were bit-identical. float32 arithmetic on another
    CPU or BLAS may differ in the last digits, hence rtol=1e-5.
    """
    X, y = make_synthetic_imu(n_samples=24, n_channels=2, n_timesteps=64, n_classes=2,
                              random_state=0)
    S = SpectrogramTransformer(n_fft=16, hop_length=8).fit_transform(X.astype("float32"))
    gen = ConditionalDiffusionSampler(n_steps=2, base_channels=4, batch_size=16,
                                      sample_steps=3, metric_guidance=0.7,
                                      metric_guidance_steps=2, device="cpu",
                                      random_state=0).fit(S, y)
    req = gen.train_conditions_[:6] * np.linspace(0.8, 1.2, 6)[:, None]
    a = gen.sample(y[:6], req, random_state=1)
    b = gen.set_params(strength=0.6).sample(y[:6], req, init=S[:6], random_state=2)
    assert a.shape == b.shape == (6, 2, 9, 7)
    np.testing.assert_allclose(a.astype(np.float64).sum(), 98.07921520248055, rtol=1e-5)
    np.testing.assert_allclose(a[0, 0, :4, 0], [0.44738486409187317, 0.2665053904056549,
                                                0.1779835969209671, 0.08983705192804337],
                               rtol=1e-5)
    np.testing.assert_allclose(a[5, 1].astype(np.float64).sum(), 7.716375682502985, rtol=1e-5)
    np.testing.assert_allclose(b.astype(np.float64).sum(), 95.39051252428908, rtol=1e-5)
    np.testing.assert_allclose(b[0, 0, :4, 0], [0.046486932784318924, 0.26114124059677124,
                                                0.25388869643211365, 0.082433320581913],
                               rtol=1e-5)
    # the knobs are at work: without guidance the same draw gives another output
    c = gen.set_params(strength=1.0, metric_guidance=0.0).sample(y[:6], req, random_state=1)
    assert np.abs(c - a).max() > 0.1


def test_zero_knobs_are_identity_and_reference_anchors_shared_frames():
    gen = torch.Generator().manual_seed(0)
    log_s = torch.randn(3, 2, 9, 6, generator=gen)
    zero = torch.zeros(3, 2, 5)
    torch.testing.assert_close(edit_log_spectrogram(log_s, zero), log_s, atol=1e-6, rtol=0)
    knobs = 0.3 * torch.randn(3, 2, 5, generator=gen)
    edited = edit_log_spectrogram(log_s, knobs)
    # a longer framing (two extra edge frames each side) anchored on the short one is
    # edited identically on the frames both share
    longer = torch.cat([torch.randn(3, 2, 9, 2, generator=gen), log_s,
                        torch.randn(3, 2, 9, 2, generator=gen)], dim=3)
    anchored = edit_log_spectrogram(longer, knobs, reference=log_s)
    torch.testing.assert_close(anchored[..., 2:-2], edited)
    # the gain knob is a pure gain
    gain = torch.zeros(3, 2, 5)
    gain[..., 0] = 0.5
    torch.testing.assert_close(edit_log_spectrogram(log_s, gain), log_s + 0.5)


def test_fit_edit_knobs_reaches_targets_and_respects_bound(spec):
    from skaugment.spectral.functional import spectral_metrics_torch

    S = torch.as_tensor(spec[0][:12])
    offset = [1e-3, 1e-3]
    target = spectral_metrics_torch(S) * 1.1
    scale = 1e-3 * target.abs().median(dim=0).values
    knobs = fit_edit_knobs(torch.log(S + 1e-3), target, log_offset=offset, metric_scale=scale)
    assert knobs.shape == (12, 2, 5) and not knobs.requires_grad
    out = edit_magnitude(S, knobs, log_offset=offset)
    rel = (spectral_metrics_torch(out) / target - 1).abs()
    assert float(rel[..., :4].median()) < 0.05
    tight = fit_edit_knobs(torch.log(S + 1e-3), 3 * target, log_offset=offset,
                           metric_scale=scale, bound=0.1)
    assert float(tight.abs().max()) <= 0.1 + 1e-7


# -- SpectrogramMetricEditSampler ---------------------------------------------------------------


def test_sampler_fitted_state(spec, fitted):
    S, y = spec
    extractor = MetricExtractor().fit(S)
    assert fitted.condition_names_ == list(extractor.get_feature_names_out())
    np.testing.assert_allclose(fitted.train_conditions_, extractor.transform(S))
    assert fitted.input_shape_ == S.shape[1:] and fitted.uses_init
    assert fitted.log_offset_.shape == (2,) and fitted.metric_scale_.shape == (10,)
    assert ConditionalDiffusionSampler(strength=0.5).uses_init
    assert not ConditionalDiffusionSampler().uses_init


def test_sampler_moves_metrics_where_asked(spec, fitted):
    S, y = spec
    M = fitted.train_conditions_
    req = M.copy()
    req[:, 2::5] *= 1.2  # contrast +20%, the rest as they are
    meas = fitted.conditions_from(fitted.sample(y, req, init=S))
    # contrast (top 5% minus bottom 5% of the bins) and F0 amplitude (the peak) move
    # together on these tonal signals, so holding F0 amplitude gives part of the +20%
    ratio = meas[:, 2::5] / M[:, 2::5]
    assert np.median(ratio) > 1.05 and np.mean(ratio > 1) > 0.9
    assert _median_rel(meas, req) < 0.05
    req = M * np.random.default_rng(0).uniform(0.8, 1.2, size=M.shape)
    meas = fitted.conditions_from(fitted.sample(y, req, init=S))
    assert _median_rel(meas, req) < 0.5 * _median_rel(M, req)


def test_sampler_own_metrics_leave_spectrogram_unchanged(spec, fitted):
    S, y = spec
    out = fitted.sample(y, fitted.train_conditions_, init=S)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, S, rtol=1e-5, atol=1e-5 * S.max())


def test_sampler_seeded_batch_independent_and_pickles(spec, fitted):
    S, y = spec
    # without conditions, each row takes the metrics of a random row of its class
    a = fitted.sample(y, init=S, random_state=3)
    np.testing.assert_array_equal(a, fitted.sample(y, init=S, random_state=3))
    assert not np.allclose(a, fitted.sample(y, init=S, random_state=4))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.sample(y, init=S, random_state=3), a)
    small = clone(fitted).set_params(batch_size=7).fit(S, y)
    np.testing.assert_allclose(small.sample(y, init=S, random_state=3), a, rtol=1e-5,
                               atol=1e-6 * S.max())


def test_sampler_fit_resample_moves_to_another_row_of_the_class(spec):
    S, y = spec
    gen = SpectrogramMetricEditSampler(ratio=1.0, random_state=0)
    S_res, y_res = gen.fit_resample(S, y)
    n = len(y)
    np.testing.assert_array_equal(S_res[:n], S)
    np.testing.assert_array_equal(y_res[:n], y)
    src, tgt = gen.sample_indices_[n:], gen.target_indices_
    np.testing.assert_array_equal(y[src], y_res[n:])
    np.testing.assert_array_equal(y[tgt], y[src])
    assert np.all(tgt != src)
    for label in np.unique(y):
        assert np.sum(y_res[n:] == label) == np.sum(y == label)
    meas = gen.conditions_from(S_res[n:])
    M = gen.train_conditions_
    assert _median_rel(meas, M[tgt]) < 0.5 * _median_rel(M[src], M[tgt])


def test_sampler_errors(spec, fitted):
    S, y = spec
    with pytest.raises(ValueError, match="pass the spectrograms to edit as init"):
        fitted.sample(y[:2], fitted.train_conditions_[:2])
    with pytest.raises(ValueError, match="per-sample shape"):
        fitted.sample(y[:2], init=S[:2, :, :4])
    with pytest.raises(ValueError, match="init has 3 samples"):
        fitted.sample(y[:2], init=S[:3])
    bad = S.copy()
    bad[3, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        SpectrogramMetricEditSampler().fit(bad, y)
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        fitted.sample(y[:4], init=bad[:4])
    with pytest.raises(ValueError, match="must be 4-D"):
        SpectrogramMetricEditSampler().fit(S[:, 0], y)
    with pytest.raises(ValueError, match="n_iter"):
        SpectrogramMetricEditSampler(n_iter=0).fit(S, y)


# -- the metric augmenters drive it -----------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda gen: MetricDisturbAugmenter(gen, ratio=1.0, random_state=0),
    lambda gen: MetricInterpolationAugmenter(gen, ratio=1.0, random_state=0),
    lambda gen: MetricKnowledgeAugmenter(gen, ratio=1.0, random_state=0,
                                         ranges={"contrast": (0.1, 0.3),
                                                 "temporal_range": (-0.3, -0.1)}),
    lambda gen: MetricTargetAugmenter(gen, ratio=1.0, random_state=0,
                                      target=np.asarray(SpectrogramTransformer(
                                          n_fft=32, hop_length=8).fit_transform(
                                          _windows(random_state=1)[0])),
                                      target_y=_windows(random_state=1)[1]),
], ids=["disturb", "interpolation", "knowledge", "target"])
def test_metric_augmenters_with_metric_edit_sampler(spec, make):
    S, y = spec
    aug = make(SpectrogramMetricEditSampler())
    S_res, y_res = aug.fit_resample(S, y)
    synthetic = S_res[aug.synthetic_mask_]
    np.testing.assert_array_equal(S_res[~aug.synthetic_mask_], S)
    # each synthetic row is an edit of its own source
    sources = aug.sample_indices_[aug.synthetic_mask_]
    assert np.median(np.abs(np.log1p(synthetic) - np.log1p(S[sources]))) < 0.5
    measured = aug.generator_.conditions_from(synthetic)
    assert _median_rel(measured, aug.conditions_) < 0.1


# -- WindowMetricEditAugmenter ----------------------------------------------------------------------


class _Jitter(BaseEstimator):
    """A raw-window sampler with the contract ``transforms`` needs (additive noise)."""

    def __init__(self, sigma=0.05, ratio=1.0, random_state=None):
        self.sigma = sigma
        self.ratio = ratio
        self.random_state = random_state

    def fit_resample(self, X, y):
        rng = np.random.RandomState(self.random_state)
        n = len(X)
        src = rng.randint(0, n, size=int(round(self.ratio * n)))
        new = X[src] + self.sigma * rng.standard_normal(X[src].shape)
        self.synthetic_mask_ = np.r_[np.zeros(n, bool), np.ones(src.size, bool)]
        self.sample_indices_ = np.r_[np.arange(n), src]
        return np.concatenate([X, new]).astype(np.float32), np.r_[y, y[src]]


@pytest.fixture(scope="module")
def raw():
    return _windows(n_samples=24)


def test_augmenter_contract_and_control(raw):
    X, y = raw
    aug = WindowMetricEditAugmenter(ratio=1.5, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    n = len(y)
    assert X_res.dtype == np.float32 and X_res.shape[1:] == X.shape[1:]
    np.testing.assert_array_equal(X_res[:n], X.astype(np.float32))
    np.testing.assert_array_equal(y_res[:n], y)
    assert not aug.synthetic_mask_[:n].any() and aug.synthetic_mask_[n:].all()
    np.testing.assert_array_equal(aug.sample_indices_[:n], np.arange(n))
    np.testing.assert_array_equal(y_res[n:], y[aug.sample_indices_[n:]])
    for label in np.unique(y):
        expected = int(round(1.5 * np.sum(y == label)))
        assert aug.sampling_strategy_[label] == expected == np.sum(y_res[n:] == label)
    assert aug.conditions_.shape == aug.source_conditions_.shape == (len(y_res) - n, 10)
    # measured as the pipeline sees them: SpectrogramTransformer, then MetricExtractor
    S_out = SpectrogramTransformer(n_fft=32, hop_length=8).fit_transform(X_res[n:])
    measured = MetricExtractor().fit(S_out).transform(S_out)
    err = _median_rel(measured, aug.conditions_)
    assert err == pytest.approx(aug.edit_error_, rel=1e-3)
    assert err < 0.1 and err < 0.75 * _median_rel(aug.source_conditions_, aug.conditions_)
    assert len(aug.round_errors_) == 3 and aug.round_errors_[-1] <= aug.round_errors_[0]
    again = WindowMetricEditAugmenter(ratio=1.5, random_state=0).fit_resample(X, y)[0]
    np.testing.assert_array_equal(again, X_res)


def test_augmenter_without_change_reproduces_sources(raw):
    X, y = raw
    aug = WindowMetricEditAugmenter(low=0.0, high=0.0, ratio=1.0, random_state=0)
    X_res, _ = aug.fit_resample(X, y)
    src = X[aug.sample_indices_[len(y):]]
    np.testing.assert_allclose(X_res[len(y):], src, rtol=1e-4, atol=1e-4 * np.abs(X).max())
    np.testing.assert_allclose(aug.conditions_, aug.source_conditions_)


def test_augmenter_edits_the_transformed_rows(raw):
    X, y = raw
    aug = WindowMetricEditAugmenter(_Jitter(sigma=0.3), ratio=1.0, n_rounds=1, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    n = len(y)
    assert aug.transforms_.ratio == 1.0 and aug.transforms_.random_state is not None
    np.testing.assert_array_equal(aug.sample_indices_, aug.transforms_.sample_indices_)
    # the edit starts from the jittered windows: their metrics are the sources'
    jittered = aug.transforms_.fit_resample(X, y)[0][n:]
    S_j = SpectrogramTransformer(n_fft=32, hop_length=8).fit_transform(jittered)
    np.testing.assert_allclose(aug.source_conditions_, MetricExtractor().fit(S_j).transform(S_j),
                               rtol=1e-4)
    assert aug.edit_error_ < 0.1


def test_augmenter_moves_windows_to_target_metrics(raw):
    X, y = raw
    # a target domain: other windows of the same kind, louder and noisier
    X_t, y_t = _windows(n_samples=12, random_state=1)
    X_t = 1.8 * X_t + 0.3 * np.random.default_rng(1).standard_normal(X_t.shape)
    aug = WindowMetricEditAugmenter(low=0.0, high=0.0, target=X_t, target_y=y_t, ratio=1.0,
                              random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    n = len(y)
    S_t = SpectrogramTransformer(n_fft=32, hop_length=8).fit_transform(X_t)
    T = MetricExtractor().fit(S_t).transform(S_t)
    rows = aug.target_indices_
    # each synthetic row asks for the metrics of a target window of its own class
    np.testing.assert_array_equal(y_t[rows], y_res[n:])
    np.testing.assert_allclose(aug.conditions_, T[rows], rtol=1e-6)
    assert aug.label_estimator_ is None
    # and gets them, much closer than its source was
    assert aug.edit_error_ < 0.1
    assert aug.edit_error_ < 0.5 * _median_rel(aug.source_conditions_, aug.conditions_)
    # without target_y, the labels are predicted from the metrics of the real windows
    guessed = WindowMetricEditAugmenter(target=X_t, ratio=1.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class may get no target window
        guessed.fit_resample(X, y)
    assert guessed.label_estimator_ is not None
    M = MetricExtractor().fit_transform(SpectrogramTransformer(n_fft=32,
                                                               hop_length=8).fit_transform(X))
    np.testing.assert_array_equal(guessed.target_labels_,
                                  guessed.label_estimator_.fit(M, y).predict(T))


def test_augmenter_target_without_a_class_drops_its_rows(raw):
    X, y = raw
    X_t, y_t = _windows(n_samples=12, random_state=1)
    only = y_t == y_t[0]
    with pytest.warns(UserWarning, match="No target row has label"):
        X_res, y_res = WindowMetricEditAugmenter(target=X_t[only], target_y=y_t[only], ratio=1.0,
                                           random_state=0).fit_resample(X, y)
    assert set(y_res[len(y):]) == {y_t[0]}
    assert len(y_res) - len(y) == np.sum(y == y_t[0])


@pytest.mark.parametrize("target, target_y, match", [
    (lambda X: X[:, :1], None, "target must be raw windows of the input's 2 channels"),
    (lambda X: X[..., :40], None, "and 64 steps"),
    (lambda X: X[:4], ["walk"] * 3, "target_y"),
])
def test_augmenter_target_errors(raw, target, target_y, match):
    X, y = raw
    with pytest.raises(ValueError, match=match):
        WindowMetricEditAugmenter(target=target(X), target_y=target_y).fit_resample(X, y)


@pytest.mark.parametrize("params, X_change, error, match", [
    (dict(), "nan", ValueError, r"NaN or infinity in sample\(s\) 3"),
    (dict(), "inf", ValueError, r"NaN or infinity in sample\(s\) 3"),
    (dict(), "4d", ValueError, "must be 3-D raw windows"),
    (dict(), "2d", ValueError, "must be 3-D raw windows"),
    (dict(n_fft=128), None, ValueError, "shorter than the 128 required"),
    (dict(low=0.3, high=0.1), None, ValueError, "low must be <= high"),
    (dict(low=-1.5), None, ValueError, "low"),
    (dict(hop_length=17), None, ValueError, "hop_length=17 is too long"),
    (dict(transforms=BaseEstimator()), None, ValueError, "transforms"),
])
def test_augmenter_errors(raw, params, X_change, error, match):
    X, y = raw
    X = X.astype(np.float64)
    if X_change in ("nan", "inf"):
        X[3, 0, 5] = np.nan if X_change == "nan" else np.inf
    elif X_change == "4d":
        X = X[..., None]
    elif X_change == "2d":
        X = X[:, 0]
    with pytest.raises(error, match=match):
        WindowMetricEditAugmenter(**params).fit_resample(X, y)


def test_augmenter_transforms_without_masks(raw):
    X, y = raw

    class NoMask(BaseEstimator):
        def fit_resample(self, X, y):
            return X, y

    with pytest.raises(TypeError, match="synthetic_mask_ and sample_indices_"):
        WindowMetricEditAugmenter(NoMask()).fit_resample(X, y)


def test_augmenter_keeps_the_labels_its_transforms_gave(raw):
    """A mixed row dominated by its partner carries the partner's label through the edit."""
    from skaugment.augmenters import MixupAugmenter

    X, y = raw
    aug = WindowMetricEditAugmenter(MixupAugmenter(alpha=1.0, labels="hard"), ratio=1.0,
                                    random_state=0)
    _, y_res = aug.fit_resample(X, y)
    mix = aug.transforms_
    expected = np.asarray(mix.fit_resample(X, y)[1])[mix.synthetic_mask_]
    np.testing.assert_array_equal(np.asarray(y_res)[aug.synthetic_mask_], expected)
    # rows whose label is their partner's, not their source's: the case that was mislabelled
    sources = aug.sample_indices_[aug.synthetic_mask_]
    assert (expected != y[sources]).any()
    with pytest.raises(ValueError, match="gave soft labels"):
        WindowMetricEditAugmenter(MixupAugmenter(), random_state=0).fit_resample(X, y)


def test_augmenter_in_a_pipeline_before_the_stft(raw):
    from imblearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression

    X, y = raw
    pipe = make_pipeline(WindowMetricEditAugmenter(ratio=1.0, random_state=0),
                         SpectrogramTransformer(n_fft=32, hop_length=8), MetricExtractor(),
                         LogisticRegression(max_iter=200))
    pipe.fit(X, y)
    assert pipe.predict(X[:5]).shape == (5,)
    aug = pipe[0]
    assert aug.synthetic_mask_.sum() == len(y)


def test_old_name_is_a_deprecated_alias():
    from skaugment import MetricEditAugmenter

    X = np.random.default_rng(0).normal(size=(12, 2, 64)).astype(np.float32)
    y = np.repeat([0, 1], 6)
    with pytest.warns(FutureWarning, match="renamed WindowMetricEditAugmenter"):
        old = MetricEditAugmenter(ratio=1.0, n_fft=16, hop_length=8, random_state=0)
    new = WindowMetricEditAugmenter(ratio=1.0, n_fft=16, hop_length=8, random_state=0)
    assert isinstance(old, WindowMetricEditAugmenter) and old.get_params() == new.get_params()
    np.testing.assert_array_equal(old.fit_resample(X, y)[0], new.fit_resample(X, y)[0])


def test_old_generator_name_is_a_deprecated_alias():
    from skaugment import MetricEditSampler

    S = np.abs(np.random.default_rng(0).normal(size=(6, 2, 9, 8))).astype(np.float32) + 0.1
    y = np.repeat([0, 1], 3)
    with pytest.warns(FutureWarning, match="renamed SpectrogramMetricEditSampler"):
        old = MetricEditSampler(n_iter=3)
    new = SpectrogramMetricEditSampler(n_iter=3)
    assert isinstance(old, SpectrogramMetricEditSampler)
    assert old.get_params() == new.get_params()
    old.fit(S, y)
    new.fit(S, y)
    request = old.train_conditions_[:2] * 1.1
    np.testing.assert_array_equal(old.sample(y[:2], request, init=S[:2]),
                                  new.sample(y[:2], request, init=S[:2]))
