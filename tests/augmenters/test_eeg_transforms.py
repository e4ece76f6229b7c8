"""The EEG / biosignal transforms (Rommel et al., 2022) and the augmenter's fs / "auto".

Checks are on values: what each transform must preserve (amplitude spectra, channel
multisets, untouched channels and bins), where it must act (the masked stretch, the
stopped band, the shifted peak), what its identity setting gives back, and which
transforms ``transforms="auto"`` resolves to.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from skaugment.augmenters import functional as F
from skaugment.augmenters._signal_transform import (
    _LABEL_CHANGING,
    SignalTransformAugmenter,
    _tunable_defaults,
)
from skaugment.augmenters.functional import (
    bandstop_filter,
    channel_dropout,
    channel_shuffle,
    frequency_shift,
    ft_surrogate,
    gaussian_noise,
    jitter,
    negation,
    rotation,
    sign_flip,
    smooth_time_mask,
    time_reverse,
)

EEG_FS = 128.0
NEW = ["ft_surrogate", "smooth_time_mask", "channel_dropout", "channel_shuffle",
       "frequency_shift", "bandstop_filter", "gaussian_noise", "sign_flip", "time_reverse"]
NEEDS_FS = {"smooth_time_mask", "frequency_shift", "bandstop_filter"}


def _noise(n=8, c=4, t=128, seed=0):
    return np.random.RandomState(seed).standard_normal((n, c, t))


def _sine(freq, t, fs, n=1, phase=0.0):
    time = np.arange(t) / fs
    return np.repeat(np.sin(2 * np.pi * freq * time + phase)[None, None, :], n, axis=0)


def _amplitude(X):
    return np.abs(np.fft.rfft(X, axis=-1))


def _call(name, X, rng, **kw):
    fn = F.TIME_TRANSFORMS[name]
    if name in NEEDS_FS:
        kw.setdefault("fs", EEG_FS)
    if name == "smooth_time_mask":  # 1.6 s would cover these short windows whole
        kw.setdefault("mask_duration", 0.1)
    if name in ("sign_flip", "time_reverse"):
        return fn(X)
    return fn(X, rng=rng, **kw)


# -- every new function ------------------------------------------------------------------------


@pytest.mark.parametrize("name", NEW)
def test_functions_are_seeded_pure_and_registered(name):
    X = _noise(6, 5, 64).astype(np.float32)
    X.setflags(write=False)
    before = X.copy()
    a = _call(name, X, np.random.RandomState(3))
    b = _call(name, X, np.random.RandomState(3))
    np.testing.assert_array_equal(X, before)
    assert a.shape == X.shape and a.dtype == np.float64 and np.isfinite(a).all()
    assert not np.shares_memory(a, X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, X)
    if name not in ("sign_flip", "time_reverse"):
        assert not np.allclose(a, _call(name, X, np.random.RandomState(4)))
    assert F.TIME_TRANSFORMS[name] is getattr(F, name) and name in F.__all__
    with pytest.raises(ValueError, match="3-D"):
        _call(name, X[:, 0], np.random.RandomState(0))
    bad = X.astype(float)
    bad[2, 1, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 2"):
        _call(name, bad, np.random.RandomState(0))


@pytest.mark.parametrize("name", sorted(NEEDS_FS))
def test_fs_is_required_and_positive(name):
    X = _noise(2, 2, 32)
    fn = F.TIME_TRANSFORMS[name]
    with pytest.raises(TypeError, match="fs"):
        fn(X, rng=0)
    with pytest.raises(ValueError, match=f"{name} needs the sampling frequency"):
        fn(X, rng=0, fs=None)
    for bad in (0.0, -1.0, np.inf):
        with pytest.raises(ValueError, match="fs must be"):
            fn(X, rng=0, fs=bad)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda X: ft_surrogate(X, 1.5), r"phase_noise_magnitude must be in \[0.0, 1.0\]"),
        (lambda X: ft_surrogate(X, -0.1), "phase_noise_magnitude must be in"),
        (lambda X: smooth_time_mask(X, -1.0, fs=10.0), "mask_duration must be in"),
        (lambda X: channel_dropout(X, 1.2), r"p_drop must be in \[0.0, 1.0\]"),
        (lambda X: channel_shuffle(X, -0.5), "p_shuffle must be in"),
        (lambda X: frequency_shift(X, -1.0, fs=10.0), "max_shift must be in"),
        (lambda X: bandstop_filter(X, -1.0, fs=10.0), "bandwidth must be in"),
        (lambda X: bandstop_filter(X, fs=10.0, max_freq=6.0), r"max_freq must be in \[0.0, 5.0\]"),
        (lambda X: gaussian_noise(X, -0.1), "sigma must be in"),
    ],
)
def test_strength_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(_noise(2, 2, 32))


def test_default_strengths_are_rommels_motor_imagery_values():
    assert {name: _tunable_defaults(name) for name in NEW} == {
        "ft_surrogate": {"phase_noise_magnitude": 0.9, "channel_indep": False},
        "smooth_time_mask": {"mask_duration": 1.6},  # 400 samples at 250 Hz
        "channel_dropout": {"p_drop": 0.2},
        "channel_shuffle": {"p_shuffle": 0.2},
        "frequency_shift": {"max_shift": 2.7},
        "bandstop_filter": {"bandwidth": 0.4, "max_freq": None},
        "gaussian_noise": {"sigma": 0.16},
        "sign_flip": {},
        "time_reverse": {},
    }


# -- ft_surrogate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("t", [64, 65])  # even length: the Nyquist bin too stays real
def test_ft_surrogate_keeps_the_amplitude_spectrum(t):
    X = _noise(20, 3, t)
    out = ft_surrogate(X, rng=0)
    np.testing.assert_allclose(_amplitude(out), _amplitude(X), rtol=0, atol=1e-8)
    assert np.abs(out - X).max() > 0.5  # the phases did change
    Z0, Z1 = np.fft.rfft(X, axis=-1), np.fft.rfft(out, axis=-1)
    np.testing.assert_allclose(Z1[..., 0], Z0[..., 0], atol=1e-8)  # DC untouched: same mean
    if t % 2 == 0:
        np.testing.assert_allclose(Z1[..., -1], Z0[..., -1], atol=1e-8)
    # magnitude 0 is the identity
    np.testing.assert_allclose(ft_surrogate(X, 0.0, rng=0), X, rtol=0, atol=1e-12)


def test_ft_surrogate_phase_noise_shared_across_channels_unless_asked():
    X = _noise(10, 3, 64)
    Z0 = np.fft.rfft(X, axis=-1)[..., 1:-1]

    def phase_differences(A):  # channel c vs channel 0, on the unit circle
        Z = np.fft.rfft(A, axis=-1)[..., 1:-1]
        return np.exp(1j * (np.angle(Z[:, 1:]) - np.angle(Z[:, :1])))

    shared = ft_surrogate(X, 1.0, rng=0)
    np.testing.assert_allclose(phase_differences(shared),
                               np.exp(1j * (np.angle(Z0[:, 1:]) - np.angle(Z0[:, :1]))),
                               atol=1e-8)
    indep = ft_surrogate(X, 1.0, rng=0, channel_indep=True)
    np.testing.assert_allclose(_amplitude(indep), _amplitude(X), atol=1e-8)
    assert not np.allclose(phase_differences(indep), phase_differences(X))
    # the added phase spans [0, 2 pi * magnitude): a small magnitude, a small change
    added = np.angle(np.fft.rfft(ft_surrogate(X, 0.1, rng=0), axis=-1)[..., 1:-1] / Z0)
    assert added.min() >= -1e-9 and added.max() <= 2 * np.pi * 0.1 + 1e-9
    assert added.max() > 2 * np.pi * 0.09  # and it fills that range


# -- smooth_time_mask -----------------------------------------------------------------------------


def test_smooth_time_mask_silences_its_stretch_and_nothing_else():
    fs, t = 250.0, 1000
    X = _noise(30, 3, t)
    out = smooth_time_mask(X, 1.6, rng=0, fs=fs)  # 1.6 s at 250 Hz: 400 samples
    mask = out / X
    np.testing.assert_allclose(mask, mask[:, :1] * np.ones_like(mask), atol=1e-9)  # per sample
    mask = mask[:, 0]
    assert (mask >= -1e-12).all() and (mask <= 1 + 1e-12).all()
    below = mask < 0.5
    assert (np.abs(below.sum(axis=1) - 400) <= 1).all()
    for row, inside in zip(mask, below):
        idx = np.flatnonzero(inside)
        assert np.array_equal(idx, np.arange(idx[0], idx[-1] + 1))  # one contiguous stretch
        middle = (idx[0] + idx[-1]) // 2
        assert abs(row[middle]) < 1e-9
        # the edge is a sigmoid of steepness 1000 / t = 1 per sample: 25 samples away,
        # the window is the original to 1e-10
        far = np.ones(t, dtype=bool)
        far[max(idx[0] - 25, 0): idx[-1] + 26] = False
        np.testing.assert_allclose(row[far], 1.0, atol=1e-10)
        assert 0.3 < row[idx[0] - 1] < 0.8 or idx[0] == 0  # smooth edge, not a cut
    starts = below.argmax(axis=1)
    assert starts.min() < 200 and starts.max() > 400  # start ~ U(0, t - 400)
    np.testing.assert_array_equal(smooth_time_mask(X, 0.0, rng=0, fs=fs), X)


def test_smooth_time_mask_longer_than_the_window_is_clipped():
    X = _noise(4, 2, 100) + 3.0
    out = smooth_time_mask(X, 5.0, rng=0, fs=100.0)  # 500 samples > 100
    assert np.abs(out[..., 1:-1]).max() < 1e-3  # all of it silenced
    # the mask starts at the first sample (the sigmoid's 0.5) and runs past the last
    np.testing.assert_allclose(out[..., 0], 0.5 * X[..., 0], rtol=1e-9)
    assert np.abs(out[..., -1]).max() < 1e-3


# -- channel_dropout ------------------------------------------------------------------------------


def test_channel_dropout_zeroes_whole_channels_at_rate_p():
    X = _noise(2000, 10, 16) + 5.0  # no exact zeros in the input
    out = channel_dropout(X, 0.2, rng=0)
    dropped = (out == 0).all(axis=-1)
    kept = ~dropped
    assert ((out == 0).any(axis=-1) == dropped).all()  # a channel is all zero or untouched
    np.testing.assert_array_equal(out[kept], X[kept])
    assert abs(dropped.mean() - 0.2) < 0.01  # 20,000 Bernoulli(0.2): sd 0.003
    assert len({tuple(r) for r in dropped[:200].tolist()}) > 50  # independent per sample
    np.testing.assert_array_equal(channel_dropout(X, 0.0, rng=0), X)
    assert (channel_dropout(X, 1.0, rng=0) == 0).all()


# -- channel_shuffle ------------------------------------------------------------------------------


def test_channel_shuffle_permutes_a_subset_of_each_samples_channels():
    n, c = 4000, 10
    ids = np.arange(c, dtype=np.float64)
    X = ids[None, :, None] + 0.01 * _noise(n, c, 8)  # channel k hovers around k
    out = channel_shuffle(X, 0.2, rng=0)
    source = np.rint(out[..., 0]).astype(int)  # which input channel each output one is
    np.testing.assert_array_equal(out, X[np.arange(n)[:, None], source])  # whole channels
    np.testing.assert_array_equal(np.sort(source, axis=1), np.tile(np.arange(c), (n, 1)))
    # a channel leaves its place only if chosen (K ~ Bin(10, 0.2)) and not a fixed point of
    # the random permutation of the K chosen (1 fixed point expected when K >= 1)
    moved = (source != np.arange(c)).sum(axis=1)
    expected = c * 0.2 - (1 - 0.8**c)  # E[K] - P(K >= 1) = 1.107
    assert abs(moved.mean() - expected) < 0.06
    assert moved.max() <= c and (moved != 1).all()  # one channel alone cannot move
    np.testing.assert_array_equal(channel_shuffle(X, 0.0, rng=0), X)
    everything = np.rint(channel_shuffle(X, 1.0, rng=0)[..., 0]).astype(int)
    moved_all = (everything != np.arange(c)).sum(axis=1)
    assert abs(moved_all.mean() - (c - 1)) < 0.1  # a uniform permutation: 1 fixed point


# -- frequency_shift ------------------------------------------------------------------------------


def test_frequency_shift_moves_a_sinusoid_by_delta():
    fs, t, n = 128.0, 256, 40  # 0.5 Hz bins
    X = np.concatenate([_sine(20.0, t, fs, n), _sine(35.0, t, fs, n, phase=1.0)], axis=1)
    out = frequency_shift(X, 3.0, rng=0, fs=fs)
    delta = np.random.RandomState(0).uniform(-3.0, 3.0, size=n)  # its only draw
    peaks = _amplitude(out).argmax(axis=-1) * fs / t
    # both channels of a sample move by the same delta, to within a bin
    assert np.abs(peaks[:, 0] - (20.0 + delta)).max() <= fs / t
    assert np.abs(peaks[:, 1] - (35.0 + delta)).max() <= fs / t
    assert (delta < -1).any() and (delta > 1).any()
    # away from the window's ends, it is the shifted sinusoid itself
    time = np.arange(t) / fs
    exact = np.sin(2 * np.pi * (20.0 + delta[:, None]) * time)
    assert np.abs(out[:, 0, 32:-32] - exact[:, 32:-32]).max() < 0.05
    np.testing.assert_allclose(frequency_shift(_noise(3, 2, 100), 0.0, rng=0, fs=fs),
                               _noise(3, 2, 100), atol=1e-12)


# -- bandstop_filter ------------------------------------------------------------------------------


def test_bandstop_filter_removes_one_band_and_keeps_the_rest():
    fs, t, n = 100.0, 200, 400  # 0.5 Hz bins
    X = np.concatenate([_noise(n, 1, t), _sine(10.0, t, fs, n)], axis=1)
    out = bandstop_filter(X, 2.0, rng=0, fs=fs, max_freq=20.0)
    A0, A1 = _amplitude(X), _amplitude(out)
    removed = A1[:, 0] < 1e-9  # the noise channel shows the band
    freqs = np.fft.rfftfreq(t, 1 / fs)
    for row, r in enumerate(removed):
        idx = np.flatnonzero(r)
        # 2 Hz of 0.5 Hz bins: 4 or 5 bin centres, 1 Hz or more from 0 Hz and max_freq
        assert 4 <= idx.size <= 5
        assert np.array_equal(idx, np.arange(idx[0], idx[-1] + 1))
        assert freqs[idx[0]] >= 1.0 and freqs[idx[-1]] <= 19.0
    # the same band in every channel, every other bin untouched
    np.testing.assert_allclose(A1[~removed[:, None, :].repeat(2, 1)],
                               A0[~removed[:, None, :].repeat(2, 1)], rtol=0, atol=1e-9)
    k = np.flatnonzero(freqs == 10.0)[0]
    hit = removed[:, k]
    far = ~removed[:, k - 4: k + 5].any(axis=1)  # band 2 Hz or more away from 10 Hz
    assert 20 < hit.sum() < 80 and far.sum() > 200  # band centres ~ U(2, 18): 12.5% hit
    assert np.abs(out[hit, 1]).max() < 1e-9  # the sinusoid inside the band is gone
    np.testing.assert_allclose(out[far, 1], X[far, 1], atol=1e-9)  # far away, kept
    # the centres span their whole range: bands start from about 1 Hz up to about 17 Hz
    starts = freqs[removed.argmax(axis=1)]
    assert starts.min() <= 1.5 and starts.max() >= 16.5
    np.testing.assert_allclose(bandstop_filter(X, 0.0, rng=0, fs=fs), X, atol=1e-12)


def test_bandstop_filter_narrower_than_a_bin_removes_the_nearest_bin():
    X = _noise(200, 1, 128)  # 1 Hz bins at 128 Hz
    out = bandstop_filter(X, 0.4, rng=0, fs=EEG_FS)
    removed = _amplitude(out)[:, 0] < 1e-9
    assert (removed.sum(axis=1) == 1).all()
    centre = np.random.RandomState(0).uniform(1.2, 64.0 - 1.2, size=200)
    np.testing.assert_array_equal(removed.argmax(axis=1), np.rint(centre).astype(int))
    # a bin wider than the distance to 0 Hz: the nearest bin but the mean is removed
    X = _noise(50, 1, 16)  # 8 Hz bins at 128 Hz
    out = bandstop_filter(X, 0.4, rng=0, fs=EEG_FS)
    removed = _amplitude(out)[:, 0] < 1e-9
    assert (removed.sum(axis=1) == 1).all() and not removed[:, [0, -1]].any()
    np.testing.assert_allclose(out.mean(axis=-1), X.mean(axis=-1), atol=1e-12)
    with pytest.raises(ValueError, match="leaves no band centre"):
        bandstop_filter(X, 4.0, fs=10.0)


# -- aliases --------------------------------------------------------------------------------------


def test_gaussian_noise_is_jitter_with_rommels_strength():
    X = _noise(50, 4, 200) * np.array([1.0, 10.0, 0.1, 3.0])[None, :, None]
    out = gaussian_noise(X, rng=0)
    np.testing.assert_array_equal(out, jitter(X, sigma=0.16, rng=0))
    ratio = (out - X).std(axis=(0, 2)) / X.std(axis=(0, 2))
    np.testing.assert_allclose(ratio, 0.16, rtol=0.05)  # relative to each channel's std


def test_sign_flip_and_time_reverse():
    X = _noise(3, 2, 9)
    np.testing.assert_array_equal(sign_flip(X), negation(X))
    np.testing.assert_array_equal(sign_flip(X), -X)
    out = time_reverse(X)
    np.testing.assert_array_equal(out, X[..., ::-1])
    np.testing.assert_array_equal(time_reverse(out), X)
    np.testing.assert_allclose(_amplitude(out), _amplitude(X), atol=1e-12)
    one = np.ones((1, 1, 1))
    assert not np.shares_memory(time_reverse(one), one)


def test_rotation_leaves_channels_outside_the_groups_alone():
    X = _noise(6, 4, 30)
    out = rotation(X, groups=[[0, 1, 2]], max_angle=90.0, rng=0)
    np.testing.assert_array_equal(out[:, 3], X[:, 3])
    np.testing.assert_allclose(np.linalg.norm(out[:, :3], axis=1),
                               np.linalg.norm(X[:, :3], axis=1))
    assert not np.allclose(out[:, :3], X[:, :3])


# -- SignalTransformAugmenter: "auto" ------------------------------------------------------------


def _labels(n):
    return np.array(["a", "b"])[np.arange(n) % 2]


def _eeg(n=16, c=14, t=128, seed=0):
    return np.random.RandomState(seed).standard_normal((n, c, t)).astype(np.float32)


def test_default_is_auto():
    est = SignalTransformAugmenter()
    assert est.transforms == "auto" and est.fs is None
    assert clone(est).get_params()["transforms"] == "auto"


@pytest.mark.parametrize(
    "modalities,n_channels,expected",
    [
        ({"acc": [0, 1, 2], "gyro": [3, 4, 5]}, 6, ("rotation", "scaling", "jitter")),
        ({"acc": [0, 1, 2], "ppg": [3]}, 4, ("rotation", "scaling", "jitter")),
        ({"all": [0, 1, 2]}, 3, ("rotation", "scaling", "jitter")),  # said explicitly
        (None, 3, ("scaling", "jitter")),  # a 3-channel EEG is not a triaxial sensor
        (None, 6, ("scaling", "jitter")),
        (None, 14, ("scaling", "jitter")),
        ({"a": [0, 1], "b": [2, 3, 4, 5]}, 6, ("scaling", "jitter")),
    ],
)
def test_auto_resolution(modalities, n_channels, expected):
    X, y = _eeg(8, n_channels, 32), _labels(8)
    aug = SignalTransformAugmenter(modalities=modalities, ratio=1.0, random_state=0)
    X_res, _ = aug.fit_resample(X, y)  # never raises on valid data
    assert aug.transforms_ == expected
    assert aug.transforms_applied_.shape == (8, len(expected))
    assert not set(aug.transforms_) & set(_LABEL_CHANGING)
    assert aug.transforms == "auto"  # the parameter itself is left alone
    assert SignalTransformAugmenter(modalities=modalities).fit(X, y).transforms_ == expected


def test_auto_does_not_rotate_without_named_triaxial_modality():
    X, y = _eeg(8, 3, 32), _labels(8)
    identity = {"scaling": {"sigma": 0.0}, "jitter": {"sigma": 0.0}}
    aug = SignalTransformAugmenter(transform_params=identity, ratio=1.0, random_state=0)
    X_res, _ = aug.fit_resample(X, y)
    np.testing.assert_array_equal(X_res[8:], X[aug.sample_indices_[8:]])  # nothing rotated
    # the same data declared as one triaxial sensor is rotated
    aug = SignalTransformAugmenter(transform_params=identity, modalities={"acc": [0, 1, 2]},
                                   ratio=1.0, random_state=0)
    X_res, _ = aug.fit_resample(X, y)
    src = X[aug.sample_indices_[8:]]
    assert not np.allclose(X_res[8:], src)
    np.testing.assert_allclose(np.linalg.norm(X_res[8:], axis=1), np.linalg.norm(src, axis=1),
                               rtol=1e-5)


def test_auto_rotates_the_triaxial_group_only():
    X, y = _eeg(10, 4, 40), _labels(10)
    aug = SignalTransformAugmenter(
        modalities={"acc": [0, 1, 2], "ppg": [3]}, ratio=2.0, random_state=0,
        transform_params={"scaling": {"sigma": 0.0}, "jitter": {"sigma": 0.0}})
    X_res, _ = aug.fit_resample(X, y)
    src = X[aug.sample_indices_[10:]]
    assert aug.transforms_ == ("rotation", "scaling", "jitter")
    np.testing.assert_array_equal(X_res[10:, 3], src[:, 3])  # the PPG channel is untouched
    np.testing.assert_allclose(np.linalg.norm(X_res[10:, :3], axis=1),
                               np.linalg.norm(src[:, :3], axis=1), rtol=1e-5)
    assert not np.allclose(X_res[10:, :3], src[:, :3])


def test_explicit_rotation_still_raises_without_triaxial_group():
    X, y = _eeg(6, 6, 32), _labels(6)
    with pytest.raises(ValueError, match=r"'rotation' needs a triaxial.*modalities=\{'acc'"):
        SignalTransformAugmenter(transforms=["rotation", "jitter"]).fit(X, y)
    with pytest.raises(ValueError, match="'rotation' needs a triaxial"):
        SignalTransformAugmenter(transforms=["rotation"],
                                 modalities={"a": [0, 1], "b": [2, 3, 4, 5]}).fit_resample(X, y)
    # explicit rotation of 3 channels without modalities: one triaxial sensor, as before
    SignalTransformAugmenter(transforms=["rotation"]).fit(X[:, :3], y)


def test_auto_with_too_many_n_transforms_and_bad_strings():
    X, y = _eeg(6, 14, 32), _labels(6)
    with pytest.raises(ValueError, match=r"n_transforms=3 is more than the 2 transform"):
        SignalTransformAugmenter(n_transforms=3).fit(X, y)
    for bad in ("rotation", "AUTO", "jitter"):
        with pytest.raises(InvalidParameterError, match="'transforms' parameter"):
            SignalTransformAugmenter(transforms=bad).fit(X, y)


# -- SignalTransformAugmenter: fs -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NEEDS_FS))
def test_transforms_that_need_fs_raise_at_fit_without_it(name):
    X, y = _eeg(6, 14, 64), _labels(6)
    msg = f"'{name}' needs the sampling frequency: pass fs="
    with pytest.raises(ValueError, match=msg):
        SignalTransformAugmenter(transforms=["jitter", name]).fit(X, y)
    with pytest.raises(ValueError, match=msg):
        SignalTransformAugmenter(transforms=[name], ratio=1.0).fit_resample(X, y)
    SignalTransformAugmenter(transforms=[name], fs=EEG_FS).fit(X, y)


def test_fs_validation_and_use():
    X, y = _eeg(6, 14, 64), _labels(6)
    for bad in (0, -128.0, "128"):
        with pytest.raises(InvalidParameterError, match="'fs' parameter"):
            SignalTransformAugmenter(transforms=["jitter"], fs=bad).fit(X, y)
    # fs is ignored by transforms that do not take it
    SignalTransformAugmenter(transforms=["jitter"], fs=EEG_FS).fit(X, y)
    # a band centre bound above fs / 2 is caught at fit, with the function's message
    with pytest.raises(ValueError, match=r"max_freq must be in \[0.0, 64.0\]"):
        SignalTransformAugmenter(transforms=["bandstop_filter"], fs=EEG_FS,
                                 transform_params={"bandstop_filter": {"max_freq": 100.0}}
                                 ).fit(X, y)
    # fs reaches the transform: a 10 Hz sinusoid sampled at 128 Hz moves by at most 2.7 Hz
    t = 256
    X = np.repeat(_sine(10.0, t, EEG_FS, 8), 2, axis=1)
    aug = SignalTransformAugmenter(transforms=["frequency_shift"], fs=EEG_FS, ratio=3.0,
                                   random_state=0)
    X_res, _ = aug.fit_resample(X, _labels(8))
    peaks = _amplitude(X_res[8:].astype(np.float64))[:, 0].argmax(axis=-1) * EEG_FS / t
    assert np.abs(peaks - 10.0).max() <= 2.7 + EEG_FS / t
    assert len(set(peaks.tolist())) > 3
    # with the sleep-staging strength, the peaks stay within 0.3 Hz (and a bin)
    aug.set_params(transform_params={"frequency_shift": {"max_shift": 0.3}})
    X_res, _ = aug.fit_resample(X, _labels(8))
    peaks = _amplitude(X_res[8:].astype(np.float64))[:, 0].argmax(axis=-1) * EEG_FS / t
    assert np.abs(peaks - 10.0).max() <= 0.3 + EEG_FS / t


# -- SignalTransformAugmenter: every new transform on EEG-like windows ----------------------------


def _check_row(name, out, src):
    """What the transform must have done to a synthetic row (float32 output)."""
    out, src = out.astype(np.float64), src.astype(np.float64)
    if name == "sign_flip":
        np.testing.assert_array_equal(out, -src)
    elif name == "time_reverse":
        np.testing.assert_array_equal(out, src[:, ::-1])
    elif name == "channel_dropout":
        zero = (out == 0).all(axis=-1)
        np.testing.assert_array_equal(out[~zero], src[~zero])
    elif name == "channel_shuffle":
        np.testing.assert_array_equal(np.sort(out, axis=0), np.sort(src, axis=0))
        key = lambda A: sorted(map(tuple, A.tolist()))  # noqa: E731
        assert key(out) == key(src)
    elif name == "ft_surrogate":
        np.testing.assert_allclose(_amplitude(out), _amplitude(src), rtol=1e-4, atol=1e-4)
    elif name == "smooth_time_mask":
        assert (np.abs(out) <= np.abs(src) + 1e-6).all()
    elif name == "bandstop_filter":
        changed = ~np.isclose(_amplitude(out), _amplitude(src), rtol=1e-4, atol=1e-4)
        assert changed.any(axis=0).sum() <= 2  # one narrow band of the 65 bins
        assert (changed == changed[:1]).all()  # the same band in every channel
    elif name == "gaussian_noise":
        ratio = (out - src).std(axis=-1) / src.std(axis=-1)
        assert 0.1 < ratio.mean() < 0.22
    elif name == "frequency_shift":
        assert np.isfinite(out).all()


@pytest.mark.parametrize("name", NEW)
def test_augmenter_runs_each_eeg_transform_reproducibly(name):
    X, y = _eeg(16, 14, 128), _labels(16)
    params = dict(transforms=[name], fs=EEG_FS, ratio=1.5,
                  transform_params={"smooth_time_mask": {"mask_duration": 0.25}})
    aug = SignalTransformAugmenter(random_state=0, **params)
    X_res, y_res = aug.fit_resample(X, y)
    n = len(X)
    assert X_res.shape == (n + 24, 14, 128) and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[:n], X)
    assert aug.transforms_ == (name,) and aug.transforms_applied_.all()
    again, _ = SignalTransformAugmenter(random_state=0, **params).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, again)
    np.testing.assert_array_equal(X_res, clone(aug).fit_resample(X, y)[0])
    other, _ = SignalTransformAugmenter(random_state=1, **params).fit_resample(X, y)
    assert not np.array_equal(X_res, other)
    src = X[aug.sample_indices_[n:]]
    assert not np.allclose(X_res[n:], src)
    for out_row, src_row in zip(X_res[n:], src):
        _check_row(name, out_row, src_row)


def test_augmenter_eeg_recipe_one_transform_per_row():
    X, y = _eeg(16, 14, 128), _labels(16)
    aug = SignalTransformAugmenter(
        transforms=["ft_surrogate", "smooth_time_mask", "channel_dropout"], n_transforms=1,
        fs=EEG_FS, ratio=2.0, random_state=0,
        transform_params={"smooth_time_mask": {"mask_duration": 0.25},
                          "channel_dropout": {"p_drop": 0.5}})
    X_res, _ = aug.fit_resample(X, y)
    applied = aug.transforms_applied_
    assert (applied.sum(axis=1) == 1).all() and applied.any(axis=0).all()
    names = aug.transforms_
    src = X[aug.sample_indices_[16:]]
    for out_row, src_row, row in zip(X_res[16:], src, applied):
        _check_row(names[int(np.flatnonzero(row)[0])], out_row, src_row)
    with pytest.raises(ValueError, match=r"unknown keyword\(s\) \['p'\]"):
        SignalTransformAugmenter(transforms=["channel_dropout"],
                                 transform_params={"channel_dropout": {"p": 0.5}}).fit(X, y)
