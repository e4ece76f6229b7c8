"""Complex STFT / inverse STFT, the classic signal transforms, and their sampler.

Checks are on values: what each transform must preserve (norms, multisets, endpoints,
amplitudes), what its identity setting gives back, and that the sampler's synthetic
rows are exactly its transforms of their source rows.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks as sk_checks
from sklearn.utils._param_validation import InvalidParameterError

from skaugment.augmenters import functional as F
from skaugment.augmenters._signal_transform import SignalTransformAugmenter, _tunable_defaults
from skaugment.augmenters.functional import (
    crop,
    frequency_mask,
    frequency_perturb,
    jitter,
    magnitude_warp,
    negation,
    permutation,
    rotation,
    scaling,
    time_warp,
)
from skaugment.datasets import make_synthetic_imu
from skaugment.spectral._stft import istft, stft, stft_coverage, stft_magnitude

ACC, GYRO = [0, 1, 2], [3, 4, 5]
MODALITIES = {"acc": ACC, "gyro": GYRO}


def _windows(n=8, c=6, t=64, seed=0):
    return np.random.RandomState(seed).standard_normal((n, c, t))


# -- stft / istft ---------------------------------------------------------------------------


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("window,n_fft,hop", [("hann", 32, 8), ("hamming", 16, 4), ("hann", 15, 5)])
def test_stft_magnitude_is_abs_of_stft(center, window, n_fft, hop):
    X = _windows(4, 3, 100)
    Z = stft(X, n_fft, hop, window=window, center=center)
    M = stft_magnitude(X, n_fft, hop, window=window, center=center, scale="magnitude")
    assert Z.dtype == np.complex128 and Z.shape == M.shape
    assert Z.shape[2] == n_fft // 2 + 1
    # stft_magnitude computes in float32: equal to 1e-6 of the spectrogram's scale
    np.testing.assert_allclose(np.abs(Z), M, rtol=1e-6, atol=1e-6 * M.max())


def test_stft_matches_scipy_including_phase():
    from scipy.signal import stft as scipy_stft

    X = _windows(3, 2, 90)
    n_fft, hop = 16, 4
    Z = stft(X, n_fft, hop)
    _, _, ref = scipy_stft(X, window="hann", nperseg=n_fft, noverlap=n_fft - hop, boundary=None,
                           padded=False, detrend=False, scaling="spectrum", axis=-1)
    np.testing.assert_allclose(Z, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n_fft,hop,t", [(32, 8, 128), (16, 4, 70), (15, 7, 61), (8, 4, 5), (32, 16, 100)])
def test_istft_round_trips_everything_when_centered(n_fft, hop, t):
    X = _windows(3, 2, t, seed=1) * 5 + 3
    Z = stft(X, n_fft, hop, center=True)
    assert stft_coverage(t, n_fft, hop, center=True).all()
    np.testing.assert_allclose(istft(Z, n_fft, hop, center=True, length=t), X, rtol=0, atol=1e-8)


def test_istft_round_trips_the_covered_part_when_not_centered():
    n_fft, hop, t = 16, 4, 70
    X = _windows(3, 2, t, seed=2)
    # 14 frames reach sample 67; the periodic Hann window is 0 at the first sample
    covered = stft_coverage(t, n_fft, hop, window="hann")
    np.testing.assert_array_equal(np.flatnonzero(~covered), [0, 68, 69])
    Y = istft(stft(X, n_fft, hop), n_fft, hop, length=t)
    assert Y.shape == X.shape and Y.dtype == np.float64
    np.testing.assert_allclose(Y[..., covered], X[..., covered], rtol=0, atol=1e-8)
    np.testing.assert_array_equal(Y[..., ~covered], 0.0)
    # a window that is non-zero at its first sample recovers sample 0 too
    Y = istft(stft(X, n_fft, hop, window="hamming"), n_fft, hop, window="hamming", length=t)
    np.testing.assert_allclose(Y[..., :68], X[..., :68], rtol=0, atol=1e-8)


def test_istft_default_length_and_errors():
    X = _windows(2, 1, 64)
    Z = stft(X, 16, 4)
    assert istft(Z, 16, 4).shape == (2, 1, (Z.shape[-1] - 1) * 4 + 16)
    Zc = stft(X, 16, 4, center=True)
    assert istft(Zc, 16, 4, center=True).shape == (2, 1, 64)
    with pytest.raises(ValueError, match="frequency bins"):
        istft(Z, 32, 4)
    with pytest.raises(ValueError, match="4-D"):
        istft(Z[0], 16, 4)
    bad = Z.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        istft(bad, 16, 4)
    with pytest.raises(ValueError, match="length"):
        istft(Z, 16, 4, length=0)


def test_istft_of_a_modified_stft_is_linear():
    X1, X2 = _windows(2, 2, 80, seed=3), _windows(2, 2, 80, seed=4)
    Z = 2 * stft(X1, 16, 4, center=True) - stft(X2, 16, 4, center=True)
    np.testing.assert_allclose(istft(Z, 16, 4, center=True, length=80), 2 * X1 - X2, atol=1e-8)


# -- time-domain transforms -----------------------------------------------------------------


def _angle_deg(a, b):
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def test_rotation_same_matrix_for_every_group():
    X = _windows(20, 7, 32)
    out = rotation(X, groups=[ACC, GYRO], max_angle=40, rng=0)
    for g in (ACC, GYRO):  # per-timestep norms of each triaxial group
        np.testing.assert_allclose(np.linalg.norm(out[:, g], axis=1), np.linalg.norm(X[:, g], axis=1))
    # the angle between the acc and the gyro vector of a timestep survives
    np.testing.assert_allclose(_angle_deg(out[:, ACC], out[:, GYRO]), _angle_deg(X[:, ACC], X[:, GYRO]),
                               atol=1e-6)
    # recover each group's matrix: identical, a proper rotation, by at most 40 degrees
    for i in range(len(X)):
        R_acc = out[i][ACC] @ np.linalg.pinv(X[i][ACC])
        R_gyro = out[i][GYRO] @ np.linalg.pinv(X[i][GYRO])
        np.testing.assert_allclose(R_acc, R_gyro, atol=1e-10)
        np.testing.assert_allclose(R_acc @ R_acc.T, np.eye(3), atol=1e-10)
        assert np.linalg.det(R_acc) == pytest.approx(1.0)
        angle = np.degrees(np.arccos(np.clip((np.trace(R_acc) - 1) / 2, -1, 1)))
        assert angle <= 40 + 1e-6
    assert not np.allclose(out[:, ACC], X[:, ACC])
    np.testing.assert_array_equal(out[:, 6], X[:, 6])  # not in any group: untouched
    # samples get different rotations
    assert np.abs(_angle_deg(out[:, ACC, 0], X[:, ACC, 0]) - _angle_deg(out[:, ACC, 0], X[:, ACC, 0])[0]).max() > 1


def test_rotation_zero_angle_is_identity_and_errors():
    X = _windows(5, 6, 16)
    np.testing.assert_array_equal(rotation(X, [ACC, GYRO], max_angle=0, rng=0), X)
    with pytest.raises(ValueError, match="empty"):
        rotation(X, [], rng=0)
    with pytest.raises(ValueError, match="exactly 3"):
        rotation(X, [[0, 1]], rng=0)
    with pytest.raises(ValueError, match="outside"):
        rotation(X, [[4, 5, 6]], rng=0)
    with pytest.raises(ValueError, match="more than one"):
        rotation(X, [[0, 1, 2], [2, 3, 4]], rng=0)


def test_scaling_changes_amplitude_only():
    X = _windows(400, 3, 50) + 0.1
    out = scaling(X, sigma=0.2, rng=0)
    ratio = out / X
    np.testing.assert_allclose(ratio, ratio[..., :1] * np.ones_like(ratio), rtol=1e-12)
    factors = ratio[..., 0]
    assert factors.mean() == pytest.approx(1.0, abs=0.02)
    assert factors.std() == pytest.approx(0.2, rel=0.05)
    np.testing.assert_array_equal(scaling(X, sigma=0.0, rng=0), X)


def test_jitter_noise_is_relative_to_each_channel_std():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 2, 500)) * np.array([1.0, 20.0])[:, None]
    out = jitter(X, sigma=0.1, rng=0)
    noise = out - X
    ratio = noise.std(axis=-1) / X.std(axis=-1)  # per sample-channel, both channels alike
    assert ratio.mean() == pytest.approx(0.1, rel=0.01)
    assert np.abs(ratio - 0.1).max() < 0.02
    assert abs(noise.mean()) < 0.01 * noise.std()
    np.testing.assert_array_equal(jitter(X, sigma=0.0, rng=0), X)
    np.testing.assert_array_equal(jitter(np.ones((2, 1, 8)), sigma=0.5, rng=0), 1.0)  # no spread, no noise


def test_negation_twice_is_identity():
    X = _windows(3, 2, 10)
    np.testing.assert_array_equal(negation(X), -X)
    np.testing.assert_array_equal(negation(negation(X)), X)


@pytest.mark.parametrize("t,k", [(64, 4), (50, 3), (7, 7), (10, 1)])
def test_permutation_keeps_values_and_contiguous_segments(t, k):
    X = _windows(30, 3, t)
    out = permutation(X, n_segments=k, rng=0)
    np.testing.assert_array_equal(np.sort(out, axis=-1), np.sort(X, axis=-1))
    # on a ramp, the output is runs of consecutive indices, each run made of whole segments
    ramp = np.broadcast_to(np.arange(t, dtype=float), (30, 2, t))
    idx = permutation(ramp, n_segments=k, rng=0).astype(int)
    np.testing.assert_array_equal(idx[:, 0], idx[:, 1])  # channels share the order
    lengths = np.full(k, t // k)
    lengths[: t % k] += 1
    bounds = set(np.concatenate([[0], np.cumsum(lengths)]).tolist())
    moved = 0
    for row in idx[:, 0]:
        breaks = np.flatnonzero(np.diff(row) != 1) + 1
        for run in np.split(row, breaks):
            assert run[0] in bounds and run[-1] + 1 in bounds
        moved += not np.array_equal(row, np.arange(t))
    assert moved == 0 if k == 1 else moved > 20  # one segment: the identity
    # the same permutation maps X's values: out[i, c] == X[i, c, idx[i]]
    np.testing.assert_array_equal(permutation(X, n_segments=k, rng=0),
                                  np.take_along_axis(X, idx[:, :1], axis=-1))


def test_permutation_errors():
    with pytest.raises(ValueError, match="at most the window length"):
        permutation(_windows(2, 1, 5), n_segments=6, rng=0)
    with pytest.raises(ValueError, match="n_segments"):
        permutation(_windows(2, 1, 5), n_segments=0, rng=0)


def test_time_warp_keeps_length_endpoints_and_order():
    X = _windows(40, 3, 100)
    out = time_warp(X, sigma=0.3, n_knots=4, rng=0)
    assert out.shape == X.shape
    np.testing.assert_allclose(out[..., 0], X[..., 0], atol=1e-12)
    np.testing.assert_allclose(out[..., -1], X[..., -1], atol=1e-12)
    assert not np.allclose(out, X)
    # on a ramp the output is the warp itself: strictly increasing, shared by channels
    ramp = np.broadcast_to(np.arange(100.0), (40, 2, 100))
    warp = time_warp(ramp, sigma=0.3, n_knots=4, rng=0)
    assert (np.diff(warp, axis=-1) > 0).all()
    np.testing.assert_array_equal(warp[:, 0], warp[:, 1])
    # speeds are smooth: the local stretch changes slowly
    assert np.abs(np.diff(warp, n=2, axis=-1)).max() < 0.1
    np.testing.assert_allclose(time_warp(X, sigma=0.0, rng=0), X, atol=1e-12)


def test_magnitude_warp_identity_and_smooth_ratio():
    X = _windows(20, 3, 128) + 10.0  # away from 0, so out / X is the curve
    np.testing.assert_allclose(magnitude_warp(X, sigma=0.0, rng=0), X, atol=1e-12)
    out = magnitude_warp(X, sigma=0.2, n_knots=4, rng=0)
    curve = out / X
    # smooth: the slope changes little from one sample to the next (white noise of the
    # same spread would change it by ~0.1 per sample)
    assert np.abs(np.diff(curve, n=2, axis=-1)).max() < 0.02
    assert np.ptp(curve, axis=-1).mean() > 0.1  # but not constant
    assert curve.mean() == pytest.approx(1.0, abs=0.05)
    # one curve per sample and channel
    assert not np.allclose(curve[:, 0], curve[:, 1])


def test_crop_identity_stretch_and_errors():
    X = _windows(10, 2, 50)
    np.testing.assert_allclose(crop(X, crop_ratio=1.0, rng=0), X, atol=1e-12)
    ramp = np.broadcast_to(np.arange(50.0), (10, 2, 50))
    out = crop(ramp, crop_ratio=0.6, rng=0)  # 30 samples stretched to 50: a finer ramp
    np.testing.assert_allclose(np.ptp(out, axis=-1), 29.0)
    np.testing.assert_allclose(np.diff(out, n=2, axis=-1), 0.0, atol=1e-9)
    starts = out[:, 0, 0]
    assert ((starts >= 0) & (starts <= 20)).all() and np.allclose(starts, np.round(starts))
    assert len(np.unique(starts)) > 1
    for too_long in (1.2, 1.04):  # 1.04 x 10 samples would round to the whole window
        with pytest.raises(ValueError, match=r"crop_ratio must be in \(0.0, 1.0\]"):
            crop(X[..., :10], crop_ratio=too_long, rng=0)
    with pytest.raises(ValueError, match="at least 2"):
        crop(X, crop_ratio=0.01, rng=0)


# -- frequency-domain transforms ------------------------------------------------------------


@pytest.mark.parametrize("n_fft,hop", [(32, 8), (16, 4), (15, 5), (16, 12)])
def test_frequency_perturb_identity(n_fft, hop):
    # hop > n_fft // 2 leaves some samples uncovered: they come back as they were
    X = _windows(5, 3, 77) + 2.0
    np.testing.assert_allclose(frequency_perturb(X, sigma=0.0, n_fft=n_fft, hop_length=hop, rng=0), X,
                               rtol=0, atol=1e-8)


def test_frequency_perturb_scales_bins_with_original_phase():
    X = _windows(50, 3, 128)
    out = frequency_perturb(X, sigma=0.3, n_fft=32, hop_length=8, rng=0)
    assert out.shape == X.shape and not np.allclose(out, X)
    Z0 = stft(X, 32, 8, center=True)
    Z1 = stft(out, 32, 8, center=True)
    # the gain is real: where a bin kept energy, its phase moved little
    strong = np.abs(Z0) > np.quantile(np.abs(Z0), 0.5)
    dphase = np.angle(Z1[strong] / Z0[strong])
    assert np.median(np.abs(dphase)) < 0.1
    # per-bin factors of a sample-channel: the energy ratio varies across bins
    ratio = (np.abs(Z1) ** 2).sum(-1) / (np.abs(Z0) ** 2).sum(-1)
    assert ratio.std(axis=-1).mean() > 0.1


def test_frequency_mask_silences_the_band():
    n, n_fft, hop, max_width, seed = 300, 32, 8, 6, 0
    X = _windows(n, 3, 128)
    out = frequency_mask(X, max_width=max_width, n_fft=n_fft, hop_length=hop, rng=seed)
    # the bands frequency_mask draws first from the same seed
    band = F._draw_bands(n, n_fft // 2 + 1, max_width, 1, np.random.RandomState(seed))
    assert not band[:, 0].any()  # never the DC bin by default
    assert set(band.sum(axis=1)) == set(range(1, max_width + 1))
    E0 = (np.abs(stft(X, n_fft, hop, center=True)) ** 2).sum(-1)  # (n, c, F)
    E1 = (np.abs(stft(out, n_fft, hop, center=True)) ** 2).sum(-1)
    inband = band[:, None, :]
    wide = band.sum(axis=1) >= 3  # the window's main lobe is 3 bins wide
    kept = (E1 * inband)[wide].sum() / (E0 * inband)[wide].sum()
    assert kept < 0.1  # energy in the band drops by more than 90%
    # inside a band (both neighbours masked too), the same for every channel of a sample
    inner = band & np.roll(band, 1, axis=1) & np.roll(band, -1, axis=1)
    per_channel = (E1 * inner[:, None]).sum(axis=(0, 2)) / (E0 * inner[:, None]).sum(axis=(0, 2))
    assert (per_channel < 0.02).all()
    # even a 1-bin band loses most of its energy
    narrow = band.sum(axis=1) == 1
    assert (E1 * inband)[narrow].sum() / (E0 * inband)[narrow].sum() < 0.5
    # far from the band (two bins away or more), the spectrum is unchanged
    near = band | np.roll(band, 1, axis=1) | np.roll(band, -1, axis=1)
    near |= np.roll(near, 1, axis=1) | np.roll(near, -1, axis=1)
    far = ~near[:, None, :]
    np.testing.assert_allclose((E1 * far).sum(), (E0 * far).sum(), rtol=0.02)


def test_frequency_mask_dc_only_when_asked():
    X = _windows(200, 1, 64) + 5.0
    band = F._draw_bands(200, 17, 2, 0, np.random.RandomState(0))
    assert band[:, 0].any()
    out = frequency_mask(X, max_width=2, n_fft=32, hop_length=8, rng=0, include_dc=True)
    # a constant sits in bins 0 and 1 (the Hann window's main lobe): masking both removes
    # the mean, a band above them keeps it
    mean = out[:, 0].mean(axis=-1)
    both = band[:, 0] & band[:, 1]
    above = ~band[:, :2].any(axis=1)
    assert both.any() and above.any()
    assert np.abs(mean[both]).max() < 0.5 and np.abs(mean[above] - 5.0).max() < 0.5
    with pytest.raises(ValueError, match="max_width"):
        frequency_mask(X, max_width=17, n_fft=32, hop_length=8, rng=0)


# -- every function ----------------------------------------------------------------------------

ALL = {
    "jitter": lambda X, rng: jitter(X, 0.1, rng),
    "scaling": lambda X, rng: scaling(X, 0.1, rng),
    "negation": lambda X, rng: negation(X),
    "permutation": lambda X, rng: permutation(X, 4, rng),
    "time_warp": lambda X, rng: time_warp(X, 0.2, 4, rng),
    "magnitude_warp": lambda X, rng: magnitude_warp(X, 0.2, 4, rng),
    "rotation": lambda X, rng: rotation(X, [ACC, GYRO], 15.0, rng),
    "crop": lambda X, rng: crop(X, 0.8, rng),
    "frequency_mask": lambda X, rng: frequency_mask(X, 2, 32, 8, rng),
    "frequency_perturb": lambda X, rng: frequency_perturb(X, 0.2, 32, 8, rng),
}


@pytest.mark.parametrize("name", list(ALL))
def test_functions_are_seeded_pure_and_vectorised(name):
    fn = ALL[name]
    X = _windows(6, 6, 64).astype(np.float32)
    X.setflags(write=False)
    before = X.copy()
    a = fn(X, np.random.RandomState(3))
    b = fn(X, np.random.RandomState(3))
    np.testing.assert_array_equal(X, before)
    assert a.shape == X.shape and a.dtype == np.float64 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, X)
    if name != "negation":
        assert not np.allclose(a, fn(X, np.random.RandomState(4)))
    assert name in F.TIME_TRANSFORMS or name in F.SPECTRAL_TRANSFORMS
    with pytest.raises(ValueError, match="3-D"):
        fn(X[:, 0], np.random.RandomState(0))
    bad = X.astype(float)
    bad[2, 1, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 2"):
        fn(bad, np.random.RandomState(0))


# -- SignalTransformAugmenter ----------------------------------------------------------------


@pytest.fixture(scope="module")
def imu():
    X, y = make_synthetic_imu(n_samples=21, n_channels=6, n_timesteps=64, n_classes=3,
                              random_state=0)
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:4], np.flatnonzero(y == 2)[:2]]
    labels = np.array(["sit", "walk", "run"])
    return X[keep], labels[y[keep]]  # unbalanced: 7, 4 and 2 rows


def _aug(**params):
    return SignalTransformAugmenter(modalities=MODALITIES, random_state=0, **params)


def test_contract(imu):
    X, y = imu
    aug = _aug(ratio=1.5)
    X_res, y_res = aug.fit_resample(X, y)
    n = len(X)
    assert X_res.dtype == np.float32 and X_res.shape[1:] == X.shape[1:]
    np.testing.assert_array_equal(X_res[:n], X)
    np.testing.assert_array_equal(y_res[:n], y)
    assert y_res.dtype == y.dtype
    np.testing.assert_array_equal(aug.synthetic_mask_, np.arange(len(X_res)) >= n)
    np.testing.assert_array_equal(aug.sample_indices_[:n], np.arange(n))
    np.testing.assert_array_equal(y_res[n:], y[aug.sample_indices_[n:]])
    expected = {label: int(round(1.5 * np.sum(y == label))) for label in np.unique(y)}
    assert aug.sampling_strategy_ == expected == {"run": 3, "sit": 10, "walk": 6}
    assert len(X_res) == n + sum(expected.values())
    assert aug.transforms_applied_.shape == (sum(expected.values()), 3)
    assert aug.transforms_applied_.all()  # n_transforms=None: every transform on every row
    assert aug.spectral_transforms_applied_.shape == (sum(expected.values()), 0)
    assert aug.triaxial_groups_ == [ACC, GYRO]
    assert not np.allclose(X_res[n:], X[aug.sample_indices_[n:]])


def test_seeded(imu):
    X, y = imu
    params = dict(transforms=["rotation", "time_warp", "crop", "jitter"], n_transforms=2,
                  spectral_transforms=["frequency_mask", "frequency_perturb"])
    a = _aug(**params).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, _aug(**params).fit_resample(X, y)[0])
    np.testing.assert_array_equal(a, clone(_aug(**params)).fit_resample(X, y)[0])
    other = SignalTransformAugmenter(modalities=MODALITIES, random_state=1, **params)
    assert not np.array_equal(a, other.fit_resample(X, y)[0])


def test_synthetic_rows_are_the_transform_of_their_source(imu):
    X, y = imu
    aug = _aug(transforms=["negation"], ratio=2.0)
    X_res, _ = aug.fit_resample(X, y)
    n = len(X)
    np.testing.assert_array_equal(X_res[n:], -X[aug.sample_indices_[n:]])
    # a spectral identity after it changes nothing more
    aug = _aug(transforms=["negation"], spectral_transforms=["frequency_perturb"],
               transform_params={"frequency_perturb": {"sigma": 0.0}}, ratio=2.0)
    X_res, _ = aug.fit_resample(X, y)
    np.testing.assert_allclose(X_res[n:], -X[aug.sample_indices_[n:]], atol=1e-5)
    assert aug.spectral_transforms_applied_.all()


def test_n_transforms_applies_exactly_k_per_row(imu):
    X, y = imu
    names = ["negation", "scaling", "permutation"]
    aug = _aug(transforms=names, n_transforms=2, ratio=10.0)
    X_res, _ = aug.fit_resample(X, y)
    n = len(X)
    src = X[aug.sample_indices_[n:]].astype(np.float64)
    out = X_res[n:].astype(np.float64)
    applied = aug.transforms_applied_
    assert applied.shape == (len(out), 3) and (applied.sum(axis=1) == 2).all()
    combos = {tuple(r) for r in applied.tolist()}
    assert len(combos) == 3  # every pair is drawn
    reordered = 0
    for row, (neg, scl, perm) in zip(range(len(out)), applied):
        o, s = out[row], src[row]
        if neg and scl:  # a negative factor per channel, shape over time untouched
            ratio = o / s
            np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones_like(ratio), rtol=1e-4)
            assert (ratio < 0).all()
        elif neg and perm:  # the values of -s, reordered
            np.testing.assert_allclose(np.sort(-o, axis=-1), np.sort(s, axis=-1), rtol=1e-6)
            reordered += not np.allclose(o, -s)  # the identity order is drawn 1 time in 24
        else:  # scaled values, reordered: sorted ratio is one positive factor per channel
            ratio = np.sort(o, axis=-1) / np.sort(s, axis=-1)
            np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones_like(ratio), rtol=1e-4)
            assert (ratio > 0).all()
    assert reordered > 0


def test_spectral_transforms_one_per_row(imu):
    X, y = imu
    aug = _aug(transforms=(), spectral_transforms=["frequency_mask", "frequency_perturb"], ratio=5.0)
    X_res, _ = aug.fit_resample(X, y)
    drawn = aug.spectral_transforms_applied_
    assert (drawn.sum(axis=1) == 1).all() and drawn.any(axis=0).all()
    assert aug.transforms_applied_.shape == (len(drawn), 0)
    assert np.isfinite(X_res).all()


def test_default_strengths():
    assert {name: _tunable_defaults(name) for name in [*F.TIME_TRANSFORMS, *F.SPECTRAL_TRANSFORMS]} == {
        "jitter": {"sigma": 0.05},
        "scaling": {"sigma": 0.1},
        "negation": {},
        "permutation": {"n_segments": 4},
        "time_warp": {"sigma": 0.2, "n_knots": 4},
        "magnitude_warp": {"sigma": 0.2, "n_knots": 4},
        "rotation": {"max_angle": 15.0},
        "crop": {"crop_ratio": 0.9},
        "frequency_mask": {"max_width": 2, "include_dc": False},
        "frequency_perturb": {"sigma": 0.2},
        # Rommel et al. (2022), motor-imagery magnitudes; sign_flip/gaussian_noise reuse
        # negation/jitter
        "ft_surrogate": {"phase_noise_magnitude": 0.9, "channel_indep": False},
        "smooth_time_mask": {"mask_duration": 1.6},
        "channel_dropout": {"p_drop": 0.2},
        "channel_shuffle": {"p_shuffle": 0.2},
        "frequency_shift": {"max_shift": 2.7},
        "bandstop_filter": {"bandwidth": 0.4, "max_freq": None},
        "gaussian_noise": {"sigma": 0.16},
        "sign_flip": {},
        "time_reverse": {},
    }
    est = SignalTransformAugmenter()
    assert est.transforms == "auto" and est.n_transforms is None
    assert (est.n_fft, est.hop_length, est.ratio) == (32, 8, 5.0)


def test_transform_params_override(imu):
    X, y = imu
    small = _aug(transforms=["jitter"], transform_params={"jitter": {"sigma": 1e-6}})
    big = _aug(transforms=["jitter"], transform_params={"jitter": {"sigma": 0.5}})
    n = len(X)
    d_small = np.abs(small.fit_resample(X, y)[0][n:] - X[small.sample_indices_[n:]]).max()
    d_big = np.abs(big.fit_resample(X, y)[0][n:] - X[big.sample_indices_[n:]]).max()
    assert d_small < 1e-4 < 0.1 < d_big
    # entries for known transforms not in use are accepted (grid searches over transforms)
    _aug(transforms=["jitter"], transform_params={"crop": {"crop_ratio": 0.5}}).fit(X, y)


def test_pipeline_with_spectrogram_and_classifier(imu):
    from imblearn.pipeline import make_pipeline

    from skaugment.classifiers import DeepSenseClassifier
    from skaugment.spectral import SpectrogramTransformer

    X, y = imu
    pipe = make_pipeline(
        _aug(transforms=["rotation", "scaling", "jitter", "time_warp"], n_transforms=2,
             spectral_transforms=["frequency_mask"], ratio=1.0),
        SpectrogramTransformer(n_fft=16, hop_length=8),
        DeepSenseClassifier(n_filters=4, hidden_size=4, max_epochs=2, device="cpu", random_state=0),
    )
    pipe.fit(X, y)
    aug = pipe[0]
    assert aug.synthetic_mask_.sum() == len(X)  # it augmented the training data
    assert pipe[-1].input_shape_ == (6, 9, 7)
    pred = pipe.predict(X)  # samplers are skipped at predict
    assert pred.shape == (len(X),) and set(pred) <= set(y)


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params,match",
    [
        (dict(transforms=["jitter", "wobble"]), r"unknown transform\(s\) \['wobble'\]"),
        (dict(transforms=["frequency_mask"]), "belong in the other list"),
        (dict(spectral_transforms=["jitter"]), "spectral_transforms names unknown"),
        (dict(transforms=["jitter", "jitter"]), "more than once"),
        (dict(transforms=[], spectral_transforms=[]), "nothing to apply"),
        (dict(transforms=["jitter", "scaling"], n_transforms=3), "n_transforms=3 is more than"),
        (dict(transform_params={"wobble": {}}), r"transform_params names unknown.*'wobble'"),
        (dict(transform_params={"jitter": {"sigma": 0.1, "mu": 0}}), r"unknown keyword\(s\) \['mu'\]"),
        (dict(transforms=["crop"], transform_params={"crop": {"crop_ratio": 1.5}}),
         r"crop_ratio must be in \(0.0, 1.0\]"),
        (dict(transforms=["crop"], transform_params={"crop": {"crop_ratio": 0.01}}), "at least 2"),
        (dict(transforms=["jitter"], transform_params={"jitter": {"sigma": -1}}), "sigma must be in"),
    ],
)
def test_parameter_errors(imu, params, match):
    X, y = imu
    with pytest.raises(ValueError, match=match):
        _aug(**params).fit_resample(X, y)
    with pytest.raises(ValueError, match=match):  # fit validates the same way
        _aug(**params).fit(X, y)


def test_rotation_needs_a_triaxial_group(imu):
    X, y = imu
    explicit = ["rotation", "scaling", "jitter"]
    with pytest.raises(ValueError, match=r"'rotation' needs a triaxial.*modalities=\{'acc'"):
        SignalTransformAugmenter(transforms=explicit,
                                 modalities={"a": [0, 1], "b": [2, 3, 4, 5]}).fit(X, y)
    with pytest.raises(ValueError, match="'rotation' needs a triaxial"):
        SignalTransformAugmenter(transforms=explicit).fit(X, y)  # one modality of 6 channels
    # 3 channels: one triaxial sensor when rotation is asked for by name
    assert SignalTransformAugmenter(transforms=explicit).fit(X[:, :3], y).triaxial_groups_ == [
        [0, 1, 2]]
    SignalTransformAugmenter(transforms=["jitter"]).fit(X, y)
    # the default never raises: rotation only where modalities declare a triaxial sensor
    assert SignalTransformAugmenter().fit(X, y).transforms_ == ("scaling", "jitter")
    assert SignalTransformAugmenter(modalities={"a": [0, 1], "b": [2, 3, 4, 5]}).fit(
        X, y).transforms_ == ("scaling", "jitter")
    assert SignalTransformAugmenter(modalities={"acc": [0, 1, 2], "gyro": [3, 4, 5]}).fit(
        X, y).transforms_ == ("rotation", "scaling", "jitter")


def test_input_errors(imu):
    X, y = imu
    bad = X.astype(np.float64)
    bad[3, 0, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        _aug().fit_resample(bad, y)
    bad[3, 0, 5] = np.inf
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        _aug().fit_resample(bad, y)
    with pytest.raises(ValueError, match="labels but X has"):
        _aug().fit_resample(X, y[:-1])
    with pytest.raises(ValueError, match="takes 3-D raw windows.*got a 2-D X"):
        _aug(transforms=["jitter"]).fit_resample(X[:, 0], y)
    with pytest.raises(ValueError, match="-D"):
        _aug().fit_resample(X[..., None], y)
    with pytest.raises(ValueError, match="empty"):
        _aug().fit_resample(X[:0], y[:0])
    with pytest.raises(InvalidParameterError, match="'transforms' parameter"):
        _aug(transforms="jitter").fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="'ratio' parameter"):
        _aug(ratio=0).fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="'n_transforms' parameter"):
        _aug(n_transforms=0).fit_resample(X, y)


def test_fit_only_validates_and_input_kinds(imu):
    X, y = imu
    aug = _aug()
    assert aug.fit(X, y) is aug
    assert list(aug.classes_) == ["run", "sit", "walk"]
    assert not hasattr(aug, "synthetic_mask_")
    ro = X.copy()
    ro.setflags(write=False)
    X_res, _ = _aug().fit_resample(ro, y)
    np.testing.assert_array_equal(X_res, _aug().fit_resample(X.astype(np.float64), y)[0])
    assert np.isfinite(_aug().fit_resample((X * 10).astype(np.int64), y)[0]).all()
    tags = aug.__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array
    assert tags.estimator_type == "sampler" and tags.target_tags.required


@pytest.mark.parametrize(
    "check",
    [
        sk_checks.check_estimator_cloneable,
        sk_checks.check_estimator_repr,
        sk_checks.check_no_attributes_set_in_init,
        sk_checks.check_get_params_invariance,
        sk_checks.check_set_params,
        sk_checks.check_parameters_default_constructible,
        sk_checks.check_param_validation,
    ],
    ids=lambda c: c.__name__,
)
def test_sklearn_api_checks(check):
    check("SignalTransformAugmenter", SignalTransformAugmenter())


def test_a_ratio_that_rounds_to_no_synthetic_row_returns_the_real_rows(imu):
    X, y = imu
    aug = SignalTransformAugmenter(transforms=["jitter"], ratio=1e-6, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X.astype(np.float32))
    np.testing.assert_array_equal(y_res, y)
    assert aug.transforms_applied_.shape == (0, 1) and not aug.synthetic_mask_.any()
