"""Feature-space interpolation: the VAE's interpolate() and FeatureInterpolationAugmenter."""

import joblib
import numpy as np
import pytest

from skaugment import SpectrogramTransformer
from skaugment.augmenters import FeatureInterpolationAugmenter
from skaugment.datasets import make_synthetic_imu
from skaugment.generators import ConditionalVAESampler


def _autoencoder(**params):
    return ConditionalVAESampler(**{
        "condition": "none", "kl_weight": 0.0, "kl_warmup": 0.0, "free_bits": 0.0,
        "metric_loss_weight": 0.0, "n_steps": 120, "batch_size": 16, "base_channels": 8,
        "random_state": 0,
        **params})


@pytest.fixture(scope="module")
def data():
    X, y = make_synthetic_imu(n_samples=60, n_channels=2, n_timesteps=64, n_classes=3,
                              random_state=0)
    return SpectrogramTransformer(n_fft=16, hop_length=4).fit_transform(X), y


@pytest.fixture(scope="module")
def autoencoder(data):
    return _autoencoder().fit(*data)


def _log_distance(a, b):
    """RMS distance of log magnitudes, per spectrogram."""
    return np.sqrt(((np.log(a + 1e-3) - np.log(b + 1e-3)) ** 2).mean(axis=(1, 2, 3)))


def test_interpolation_runs_between_its_endpoints(data, autoencoder):
    S, _ = data
    a, b = S[:20], S[20:40]
    n = len(a)
    rec_a = autoencoder.interpolate(a, b, np.ones(n))
    rec_b = autoencoder.interpolate(a, b, np.zeros(n))
    # the endpoints are the reconstructions of each end, whatever the other end
    np.testing.assert_allclose(rec_a, autoencoder.interpolate(a, S[40:60], np.ones(n)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rec_b, autoencoder.interpolate(S[40:60], b, np.zeros(n)),
                               rtol=1e-5, atol=1e-6)
    span = _log_distance(rec_a, rec_b)
    mid = autoencoder.interpolate(a, b, np.full(n, 0.5))
    # the midpoint sits between the two: nearer to each end than the ends are to each other
    assert np.mean((_log_distance(mid, rec_a) < span) & (_log_distance(mid, rec_b) < span)) > 0.9
    # moving the weight from b to a moves the decoded output from b's end to a's end
    quarter = autoencoder.interpolate(a, b, np.full(n, 0.25))
    assert np.median(_log_distance(quarter, rec_b)) < np.median(_log_distance(mid, rec_b))
    assert np.median(_log_distance(mid, rec_b)) < np.median(span)


def test_the_autoencoder_learns_to_reconstruct(data, autoencoder):
    S, y = data
    barely = _autoencoder(n_steps=4).fit(S, y)
    ones = np.ones(len(S))
    err_trained = _log_distance(autoencoder.interpolate(S, S, ones), S).mean()
    err_barely = _log_distance(barely.interpolate(S, S, ones), S).mean()
    assert err_trained < 0.8 * err_barely
    assert autoencoder.recon_curve_[-1] < 0.7 * autoencoder.recon_curve_[0]
    assert max(autoencoder.kl_weight_curve_) == 0.0


def test_unconditional_autoencoder_cannot_sample_labels(data, autoencoder):
    S, y = data
    with pytest.raises(ValueError, match="condition='none'.*cannot generate"):
        autoencoder.sample(y[:3])
    with pytest.raises(ValueError, match="condition='none'.*cannot generate"):
        _autoencoder(n_steps=4).fit_resample(S, y)
    # labels are ignored by an unconditional autoencoder's interpolation
    np.testing.assert_array_equal(autoencoder.interpolate(S[:4], S[4:8], np.full(4, 0.3)),
                                  autoencoder.interpolate(S[:4], S[4:8], np.full(4, 0.3),
                                                          y=y[:4]))


def test_interpolate_input_errors(data, autoencoder):
    S, y = data
    with pytest.raises(ValueError, match="but S_b has 3"):
        autoencoder.interpolate(S[:4], S[:3], np.ones(4))
    with pytest.raises(ValueError, match=r"weights must be 4 values in \[0, 1\]"):
        autoencoder.interpolate(S[:4], S[4:8], [0.5, 1.2, 0.0, 0.1])
    with pytest.raises(ValueError, match="S_a"):
        autoencoder.interpolate(S[:4, :1], S[4:8], np.ones(4))
    labelled = ConditionalVAESampler(condition="label", n_steps=1, base_channels=4,
                                     random_state=0).fit(S, y)
    with pytest.raises(ValueError, match="pass the pairs' labels as y"):
        labelled.interpolate(S[:4], S[4:8], np.ones(4))
    assert labelled.interpolate(S[:4], S[4:8], np.ones(4), y=y[:4]).shape == S[:4].shape


def test_augmenter_pairs_classes_and_decodes_their_mix(data):
    S, y = data
    aug = FeatureInterpolationAugmenter(_autoencoder(n_steps=20), ratio=1.5, random_state=0)
    S_res, y_res = aug.fit_resample(S, y)
    n = len(y)
    np.testing.assert_array_equal(S_res[:n], S.astype(np.float32))
    src, partner = aug.sample_indices_[n:], aug.pair_indices_
    assert np.all(y[src] == y[partner]) and np.all(src != partner)
    np.testing.assert_array_equal(y_res[n:], y[src])
    for label in np.unique(y):
        assert aug.sampling_strategy_[label] == round(1.5 * np.sum(y == label))
    b = aug.interpolation_weights_
    assert b.min() >= 0 and b.max() <= 1 and abs(np.mean(b) - 0.5) < 0.1
    np.testing.assert_allclose(S_res[n:], aug.autoencoder_.interpolate(S[src], S[partner], b),
                               rtol=1e-5, atol=1e-6)
    again = FeatureInterpolationAugmenter(_autoencoder(n_steps=20), ratio=1.5,
                                          random_state=0).fit_resample(S, y)[0]
    np.testing.assert_array_equal(again, S_res)


def test_augmenter_caches_the_autoencoder_and_checks_its_arguments(data, tmp_path,
                                                                    monkeypatch):
    S, y = data
    memory = joblib.Memory(tmp_path, verbose=0)
    first = FeatureInterpolationAugmenter(_autoencoder(n_steps=8), ratio=1.0,
                                          random_state=0, memory=memory)
    first.fit_resample(S, y)
    # another ratio reuses the cached fit: the same trained weights
    second = FeatureInterpolationAugmenter(_autoencoder(n_steps=8), ratio=2.0,
                                           random_state=0, memory=memory)
    second.fit_resample(S, y)
    assert first.autoencoder_.loss_curve_ == second.autoencoder_.loss_curve_
    assert len(list(tmp_path.rglob("output.pkl"))) == 1
    # the default autoencoder (the VAE without KL) gets the augmenter's modalities; its
    # 1,080 default steps are cut to 4 here, the only change
    from skaugment.augmenters import _feature_interpolation as module

    real_default = module._default_autoencoder
    monkeypatch.setattr(module, "_default_autoencoder",
                        lambda mods: real_default(mods).set_params(n_steps=4))
    default = FeatureInterpolationAugmenter(modalities={"a": [0], "b": [1]}, ratio=1.0,
                                            random_state=0)
    fitted = default.fit(S[:12], y[:12]).autoencoder_
    expected = real_default({"a": [0], "b": [1]}).get_params()
    assert {k: v for k, v in fitted.get_params().items() if k not in ("n_steps", "random_state")} \
        == {k: v for k, v in expected.items() if k not in ("n_steps", "random_state")}
    assert fitted.modalities == {"a": [0], "b": [1]} and fitted.kl_weight == 0.0
    assert fitted.n_iter_ == 4 and expected["condition"] == "none"
    with pytest.raises(ValueError, match="modalities is for the default autoencoder"):
        FeatureInterpolationAugmenter(_autoencoder(), modalities={"a": [0, 1]}).fit(S, y)
    with pytest.raises(ValueError, match="NaN"):
        bad = S.copy()
        bad[2, 0, 0, 0] = np.nan
        FeatureInterpolationAugmenter(_autoencoder(n_steps=4)).fit_resample(bad, y)
