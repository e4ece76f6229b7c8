"""SpectrogramTransformer: values against scipy.signal.stft, scaling, geometry,
validation and the Griffin-Lim inverse on real HAPT windows."""

import numpy as np
import pytest
import scipy.signal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skaugment import SpectrogramTransformer
from skaugment.spectral.functional import stft_magnitude


def _scipy_stft(X, n_fft, hop, window="hann", center=False):
    if center:
        X = np.pad(X, [(0, 0)] * (X.ndim - 1) + [(n_fft // 2, n_fft // 2)], mode="reflect")
    _, _, Z = scipy.signal.stft(
        X, window=window, nperseg=n_fft, noverlap=n_fft - hop, boundary=None, padded=False
    )
    return np.abs(Z)


@pytest.mark.parametrize(
    "n_fft, hop, window, center",
    [
        (32, 8, "hann", False),
        (64, 16, "hamming", True),
        (17, 5, ("kaiser", 8.0), False),  # odd length, tuple window
        (16, 3, "boxcar", True),
    ],
)
def test_matches_scipy_stft(n_fft, hop, window, center):
    X = np.random.default_rng(0).standard_normal((5, 3, 100))
    spec = SpectrogramTransformer(n_fft=n_fft, hop_length=hop, window=window, center=center)
    S = spec.fit_transform(X)
    want = _scipy_stft(X, n_fft, hop, window, center)
    assert S.dtype == np.float32
    assert S.shape == want.shape == (5, 3, spec.n_freqs_, spec.n_frames_)
    np.testing.assert_allclose(S, want, atol=1e-6 * np.abs(X).max())


def test_scaling_of_tone_and_constant_and_scales():
    t = np.arange(128)
    x = 2.0 * np.sin(2 * np.pi * 4 * t / 32) + 0.5  # amplitude 2 on bin 4, offset 0.5
    for window in ("hann", "hamming", "blackman"):
        S = SpectrogramTransformer(n_fft=32, hop_length=8, window=window).fit_transform(x[None])
        np.testing.assert_allclose(S[0, 0, 4], 1.0, rtol=1e-5)  # amplitude / 2
        np.testing.assert_allclose(S[0, 0, 0], 0.5, rtol=1e-5)  # the constant
    S = SpectrogramTransformer().fit_transform(x[None])
    P = SpectrogramTransformer(scale="power").fit_transform(x[None])
    L = SpectrogramTransformer(scale="log1p").fit_transform(x[None])
    np.testing.assert_allclose(P, S**2, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(L, np.log1p(S), rtol=1e-5, atol=1e-7)


def test_fitted_geometry_frequencies_and_times():
    X = np.zeros((2, 6, 128))
    spec = SpectrogramTransformer(n_fft=32, hop_length=8, fs=50.0).fit(X)
    assert (spec.n_channels_, spec.n_timesteps_, spec.n_freqs_, spec.n_frames_) == (6, 128, 17, 13)
    np.testing.assert_allclose(spec.frequencies_, np.arange(17) * 50 / 32)
    np.testing.assert_allclose(spec.times_, (np.arange(13) * 8 + 16) / 50)
    assert spec.frequencies_[-1] == 25.0  # Nyquist
    centred = SpectrogramTransformer(n_fft=32, hop_length=8, center=True).fit(X)
    assert centred.n_frames_ == 17 and centred.transform(X).shape == (2, 6, 17, 17)
    np.testing.assert_allclose(centred.times_, np.arange(17) * 8)  # samples
    np.testing.assert_allclose(centred.frequencies_, np.arange(17) / 32)  # cycles/sample
    # hop_length=None is n_fft // 4
    assert SpectrogramTransformer(n_fft=64, hop_length=None).fit(X).hop_length_ == 16


def test_two_d_input_is_one_channel_and_functional_equals_estimator():
    X = np.random.default_rng(1).standard_normal((3, 64)).astype(np.float32)
    S = SpectrogramTransformer(n_fft=16, hop_length=4).fit_transform(X)
    assert S.shape == (3, 1, 9, 13)
    np.testing.assert_array_equal(S, stft_magnitude(X[:, None], 16, 4))
    # batch and channel independence: each window alone gives the same result
    X3 = np.random.default_rng(2).standard_normal((4, 2, 64))
    S3 = stft_magnitude(X3, 16, 4)
    np.testing.assert_allclose(S3[2, 1], stft_magnitude(X3[2:3, 1:2], 16, 4)[0, 0], rtol=1e-6)


@pytest.mark.parametrize(
    "params, X, err, match",
    [
        ({"n_fft": 32}, np.zeros((2, 3, 20)), ValueError, "shorter than the 32"),
        ({}, np.zeros((2, 3, 4, 40)), ValueError, "must be 3-D"),
        ({"scale": "db"}, np.zeros((2, 3, 40)), ValueError, "scale"),
        ({"n_fft": 0}, np.zeros((2, 3, 40)), ValueError, "n_fft"),
        ({"window": "no-such-window"}, np.zeros((2, 3, 40)), ValueError, "window"),
        ({"window": np.ones(5)}, np.zeros((2, 3, 40)), ValueError, r"shape \(32,\)"),
        ({}, np.array([[["a"] * 40]]), TypeError, "real numbers"),
    ],
)
def test_bad_input_and_params_fail_clearly(params, X, err, match):
    with pytest.raises(err, match=match):
        SpectrogramTransformer(**params).fit(X)


def test_takes_no_sensor_layout():
    # the STFT is the same for every channel: a layout given here would do nothing,
    # so it is given to the steps that use it (or once, to skaugment.make_pipeline)
    assert not {"modalities", "channel_names"} & set(SpectrogramTransformer().get_params())
    with pytest.raises(TypeError, match="modalities"):
        SpectrogramTransformer(modalities={"acc": [0, 1, 2]})
    spec = SpectrogramTransformer(n_fft=16, hop_length=8).fit(np.zeros((2, 6, 64)))
    assert not hasattr(spec, "modalities_") and not hasattr(spec, "channel_names_")


def test_transform_checks_against_fit():
    X = np.zeros((2, 3, 64))
    spec = SpectrogramTransformer()
    with pytest.raises(NotFittedError):
        spec.transform(X)
    spec.fit(X)
    with pytest.raises(ValueError, match="2 channels, but 3"):
        spec.transform(np.zeros((2, 2, 64)))
    with pytest.raises(ValueError, match="65 timesteps, but 64"):
        spec.transform(np.zeros((2, 3, 65)))
    bad = np.zeros((3, 3, 64))
    bad[1, 2, 5] = np.inf
    with pytest.raises(ValueError, match=r"sample\(s\) 1"):
        spec.transform(bad)
    with pytest.raises(ValueError, match="per-sample shape"):
        spec.inverse_transform(np.zeros((2, 3, 17, 12)))
    with pytest.raises(ValueError, match="non-negative"):
        spec.inverse_transform(-np.ones((2, 3, 17, 5)))
    assert clone(spec).get_params() == spec.get_params()


@pytest.mark.parametrize("scale", ["magnitude", "power", "log1p"])
def test_griffin_lim_round_trip_keeps_the_dominant_frequency(hapt_small, scale):
    walking = hapt_small.data[hapt_small.target == "WALKING"][:4]  # periodic gait
    spec = SpectrogramTransformer(n_fft=32, hop_length=8, scale=scale, n_iter=64, random_state=0)
    S = spec.fit_transform(walking)
    X_back = spec.inverse_transform(S)
    assert X_back.shape == walking.shape and X_back.dtype == np.float32
    M = stft_magnitude(walking, 32, 8)
    M_back = stft_magnitude(X_back, 32, 8)
    # the dominant (non-DC) frequency of the time-averaged spectrum, at the STFT's
    # resolution, on every channel whose peak is clear (20% above the runner-up)
    A, A_back = M[:, :, 1:].mean(axis=-1), M_back[:, :, 1:].mean(axis=-1)
    runner_up, peak = np.sort(A, axis=-1)[..., -2:].T
    clear = (peak > 1.2 * runner_up).T
    assert clear.sum() >= 12
    dominant_hz = spec.frequencies_[1:][A.argmax(axis=-1)]
    dominant_hz_back = spec.frequencies_[1:][A_back.argmax(axis=-1)]
    np.testing.assert_array_equal(dominant_hz_back[clear], dominant_hz[clear])
    # the magnitudes come back close (spectral convergence), whatever the scale
    assert np.linalg.norm(M_back - M) / np.linalg.norm(M) < 0.15
    # seeded: same random_state, same signal; another one, another phase draw
    np.testing.assert_array_equal(spec.inverse_transform(S), X_back)
    other = clone(spec).set_params(random_state=1).fit(walking).inverse_transform(S)
    assert not np.array_equal(other, X_back)
