"""IMG2IMU pieces: spectrogram images (values, orientation, RGB order), the four
sensor-aware augmentations (the property each keeps), the ResNet-18 state dicts, MoCo
pre-training (loss, queue, momentum encoder, linear probe) and the downstream classifier
(frozen vs fine-tuned encoder, pipelines, seeding, errors)."""

import math

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skaugment.datasets import make_synthetic_imu
from skaugment.img2imu import functional as Fn
from skaugment.img2imu._augment import DefaultMoCoAugment, Hue, Jitter, PermuteX, SensorAwareAugment, TranslateX
from skaugment.img2imu._classifier import IMG2IMUClassifier
from skaugment.img2imu._image import SpectrogramImageTransformer
from skaugment.img2imu._moco import MoCoPretrainer
from skaugment.img2imu._resnet import ResNet18Encoder, load_encoder
from skaugment.spectral.functional import stft_magnitude

MEAN = np.array(Fn.IMAGENET_MEAN, dtype=np.float32)
STD = np.array(Fn.IMAGENET_STD, dtype=np.float32)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# -- SpectrogramImageTransformer ----------------------------------------------------------


def test_image_values_of_known_spectrogram():
    """log10 ramp over frequency -> min-max -> flipped rows -> ImageNet normalisation, exactly."""
    F_, T_ = 96, 128  # the output size: no resampling, values are exact
    ramp = np.linspace(0.0, 2.0, F_)  # log10 S from 0 (lowest bin) to 2 (highest)
    S = np.broadcast_to(10.0 ** ramp[None, None, :, None], (2, 3, F_, T_)).copy()
    S[1] *= 10.0  # second sample: log10 S from 1 to 3, so the range at fit is [0, 3]
    img = SpectrogramImageTransformer(eps=1e-12).fit(S)
    np.testing.assert_allclose(img.data_min_, 0.0, atol=1e-6)
    np.testing.assert_allclose(img.data_max_, 3.0, rtol=1e-6)
    out = img.transform(S)
    assert out.shape == (2, 3, 96, 128) and out.dtype == np.float32
    rows = np.arange(F_)
    unit = ramp[::-1] / 3.0  # row 0 is the highest frequency
    want = (unit[None, :] - MEAN[:, None]) / STD[:, None]  # (3, 96)
    np.testing.assert_allclose(out[0, :, :, 0], want, atol=1e-5)
    np.testing.assert_allclose(out[0, :, rows, 7].T, want, atol=1e-5)  # constant along time
    np.testing.assert_allclose(out[1, :, :, 0], (((ramp[::-1] + 1) / 3)[None] - MEAN[:, None]) / STD[:, None],
                               atol=1e-5)
    # without the ImageNet step: [0, 1], brightest (highest frequency) on top
    raw = SpectrogramImageTransformer(eps=1e-12, normalize=False).fit(S).transform(S)
    assert raw[1, 0, 0, 0] == pytest.approx(1.0, abs=1e-6) and raw[0, 0, -1, 0] == pytest.approx(0.0, abs=1e-6)


def test_low_frequency_at_bottom_and_axes_to_rgb_in_order():
    """sensor=1 of 6 channels: x, y, z (channels 3, 4, 5) become R, G, B; bin f is row 95 - f."""
    S = np.ones((1, 6, 96, 128))
    S[0, :3] = np.random.default_rng(0).random((3, 96, 128)) + 1  # sensor 0: ignored
    for channel, f in zip((3, 4, 5), (10, 20, 30)):
        S[0, channel, f, :] = 100.0  # a steady tone in a different bin per axis
    out = SpectrogramImageTransformer(sensor=1, normalize=False).fit(S).transform(S)
    for rgb, f in enumerate((10, 20, 30)):
        bright = np.flatnonzero(out[0, rgb, :, 0] > 0.5)
        assert bright.tolist() == [95 - f]
    # resized from a small spectrogram: the tone stays near the bottom when it is a low bin
    small = np.ones((1, 3, 9, 12))
    small[0, :, 1, :] = 50.0
    img = SpectrogramImageTransformer(normalize=False).fit(small).transform(small)
    assert img.shape == (1, 3, 96, 128) and img.min() >= 0 and img.max() <= 1
    profile = img[0, 0, :, 64]
    assert 96 * 6 / 9 < profile.argmax() < 96 * 8 / 9  # bin 1 of 9 -> the lower ninths


def test_window_input_uses_stft_magnitude_and_fit_range_clips():
    X, _ = make_synthetic_imu(n_samples=6, n_channels=3, n_timesteps=64, random_state=0)
    from_windows = SpectrogramImageTransformer(n_fft=16, hop_length=4, size=(20, 24)).fit(X)
    S = stft_magnitude(X, 16, 4)
    from_spec = SpectrogramImageTransformer(size=(20, 24)).fit(S)
    np.testing.assert_allclose(from_windows.transform(X), from_spec.transform(S), atol=1e-6)
    # the range is learned at fit: louder data saturates at 1 instead of being re-scaled
    raw = SpectrogramImageTransformer(n_fft=16, hop_length=4, size=(20, 24), normalize=False).fit(X)
    loud = raw.transform(100 * X)
    assert loud.max() == pytest.approx(1.0) and (loud == 1.0).mean() > 0.3
    assert raw.transform(X).max() <= 1.0 and (raw.transform(X) == 1.0).mean() < 0.01


def test_sensor_all_stacks_each_sensor_on_the_channel_axis():
    X = np.random.default_rng(1).standard_normal((4, 6, 48))
    kw = dict(n_fft=16, hop_length=4, size=(16, 16))
    both = SpectrogramImageTransformer(sensor="all", **kw).fit(X).transform(X)
    first = SpectrogramImageTransformer(sensor=0, **kw).fit(X).transform(X)
    second = SpectrogramImageTransformer(sensor=1, **kw).fit(X).transform(X)
    assert both.shape == (4, 6, 16, 16)
    np.testing.assert_array_equal(both[:, :3], first)
    np.testing.assert_array_equal(both[:, 3:], second)
    assert not np.allclose(first, second)


def test_image_transformer_errors():
    X = np.random.default_rng(0).standard_normal((5, 6, 48))
    with pytest.raises(ValueError, match="not a multiple of 3"):
        SpectrogramImageTransformer(n_fft=16).fit(X[:, :4])
    bad = X.copy()
    bad[3, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        SpectrogramImageTransformer(n_fft=16).fit(bad)
    with pytest.raises(ValueError, match="got 2-D"):
        SpectrogramImageTransformer(n_fft=16).fit(X[:, 0])
    with pytest.raises(ValueError, match="got 5-D"):
        SpectrogramImageTransformer(n_fft=16).fit(X[..., None, None])
    with pytest.raises(ValueError, match="2 triaxial sensor"):
        SpectrogramImageTransformer(sensor=2, n_fft=16).fit(X)
    with pytest.raises(ValueError, match="non-negative"):
        SpectrogramImageTransformer().fit(-np.ones((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="empty"):
        SpectrogramImageTransformer(n_fft=16).fit(X[:0])
    with pytest.raises(NotFittedError):
        SpectrogramImageTransformer().transform(X)
    img = SpectrogramImageTransformer(n_fft=16).fit(X)
    with pytest.raises(ValueError, match="channels"):
        img.transform(X[:, :3])
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        img.transform(bad)
    with pytest.raises(ValueError, match="4-D"):
        img.transform(stft_magnitude(X, 16, 4))


# -- augmentations ----------------------------------------------------------------------


def test_translate_x_is_a_circular_shift_of_columns():
    x = torch.rand(8, 3, 5, 16, generator=_gen(0))
    out = TranslateX(max_shift=0.5)(x, generator=_gen(1))
    shifts = []
    for i in range(8):
        matches = [s for s in range(16) if torch.equal(out[i], torch.roll(x[i], s, dims=-1))]
        assert len(matches) == 1  # every column kept, in the same circular order
        shifts.append(matches[0])
    assert len(set(shifts)) > 2  # one shift per image
    np.testing.assert_array_equal(Fn.translate_x(x, p=0.0, generator=_gen(1)), x)
    limited = Fn.translate_x(x, max_shift=1 / 16, generator=_gen(2))  # shifts of -1, 0, 1
    for i in range(8):
        assert any(torch.equal(limited[i], torch.roll(x[i], s, dims=-1)) for s in (-1, 0, 1))


def test_permute_x_keeps_the_multiset_of_columns_and_local_order():
    x = torch.rand(6, 3, 4, 14, generator=_gen(0))
    out = PermuteX(n_segments=4)(x, generator=_gen(3))
    changed = 0
    for i in range(6):
        cols_in = x[i].reshape(-1, 14).T
        cols_out = out[i].reshape(-1, 14).T
        source = torch.cdist(cols_out, cols_in).argmin(dim=1)
        np.testing.assert_array_equal(cols_out, cols_in[source])  # each column an input column
        assert sorted(source.tolist()) == list(range(14))  # ... each exactly once
        # segments of 4, 4, 3, 3 columns, each kept in its internal order
        starts = [0, 4, 8, 11]
        runs = np.split(source.numpy(), np.flatnonzero(np.diff(source.numpy()) != 1) + 1)
        assert all(run[0] in starts for run in runs)
        changed += not torch.equal(out[i], x[i])
    assert changed >= 4


def test_hue_keeps_per_pixel_brightness_and_mixes_axes():
    x = torch.rand(5, 3, 6, 7, generator=_gen(0))
    out = Hue()(x, generator=_gen(1))
    np.testing.assert_allclose(out.mean(dim=1), x.mean(dim=1), atol=1e-6)  # brightness
    grey = x.mean(dim=1, keepdim=True)
    np.testing.assert_allclose((out - grey).norm(dim=1), (x - grey).norm(dim=1), atol=1e-5)  # saturation
    assert (out - x).abs().max() > 0.05  # the colours did change
    R = Fn.hue_rotation_matrix(torch.tensor([0.3, 2 * math.pi / 3], dtype=torch.float64))
    np.testing.assert_allclose(R @ R.transpose(1, 2), torch.eye(3).expand(2, 3, 3), atol=1e-12)
    np.testing.assert_allclose(R[1], [[0, 0, 1], [1, 0, 0], [0, 1, 0]], atol=1e-12)  # x->y->z->x


def test_jitter_is_zero_mean_bounded_uniform_noise():
    x = torch.rand(4, 3, 32, 32, generator=_gen(0))
    a = 0.2
    noise = Jitter(amplitude=a)(x, generator=_gen(1)) - x
    n = noise.numel()
    assert noise.abs().max() <= a + 1e-6
    assert abs(noise.mean().item()) < 4 * (a / math.sqrt(3)) / math.sqrt(n)  # zero mean, 4 sigma
    assert noise.std().item() == pytest.approx(a / math.sqrt(3), rel=0.05)  # uniform on [-a, a]
    assert noise.abs().max() > 0.95 * a


def test_augmentations_seeded_numpy_and_probability():
    x = np.random.default_rng(0).random((6, 3, 8, 8)).astype(np.float32)
    aug = SensorAwareAugment(normalization=None)
    a, b = aug(x, generator=_gen(5)), aug(x, generator=_gen(5))
    assert isinstance(a, np.ndarray)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, aug(x, generator=_gen(6)))
    # p=0 leaves images alone, the ImageNet de/renormalisation included
    z = (x - MEAN[:, None, None]) / STD[:, None, None]
    np.testing.assert_allclose(SensorAwareAugment(p=0.0)(z), z, atol=1e-5)
    # on the ImageNet scale, Hue keeps the brightness of the [0, 1] colours
    only_hue = SensorAwareAugment(p=1.0, max_shift=0, n_segments=1, amplitude=0.0)
    back = only_hue(z, generator=_gen(7)) * STD[:, None, None] + MEAN[:, None, None]
    np.testing.assert_allclose(back.mean(axis=1), x.mean(axis=1), atol=1e-5)
    assert not np.allclose(back, x, atol=1e-3)
    crop = DefaultMoCoAugment(normalization=None)(x, generator=_gen(0))
    assert crop.shape == x.shape and np.isfinite(crop).all() and not np.allclose(crop, x)
    with pytest.raises(ValueError, match="3 \\(RGB\\) channels"):
        Fn.hue(torch.zeros(1, 4, 2, 2))
    with pytest.raises(ValueError, match="n_segments"):
        Fn.permute_x(torch.zeros(1, 3, 2, 2), n_segments=3)


# -- ResNet-18 ----------------------------------------------------------------------------


def test_resnet_state_dict_round_trip_and_torchvision_names(tmp_path):
    torch.manual_seed(0)
    enc = ResNet18Encoder(width=4).eval()
    x = torch.randn(2, 3, 40, 48)
    path = tmp_path / "enc.pt"
    torch.save(enc.state_dict(), path)
    state = torch.load(path, weights_only=True)  # a plain state dict: tensors only
    loaded = load_encoder(path)
    assert loaded.width == 4 and not loaded.training
    with torch.no_grad():
        np.testing.assert_array_equal(loaded(x), enc(x))
    # torchvision's key names: a ResNet-18 state dict with its fc layer (and a DataParallel prefix)
    tv = {f"module.{k}": v for k, v in state.items()}
    tv["module.fc.weight"], tv["module.fc.bias"] = torch.zeros(1000, 32), torch.zeros(1000)
    with torch.no_grad():
        np.testing.assert_array_equal(load_encoder(tv)(x), enc(x))
    for key in ("conv1.weight", "bn1.running_var", "layer1.0.conv2.weight", "layer2.0.downsample.0.weight",
                "layer2.0.downsample.1.running_mean", "layer4.1.bn2.bias"):
        assert key in state
    full = ResNet18Encoder(width=64)
    # torchvision resnet18: 122 state-dict entries and 11,689,512 parameters, fc (2 / 513,000) included
    assert len(full.state_dict()) == 120
    assert sum(p.numel() for p in full.parameters()) == 11_689_512 - 513_000
    assert full.n_features == 512
    with pytest.raises(ValueError, match="width"):
        load_encoder(path, width=8)
    with pytest.raises(RuntimeError, match="Missing key"):
        ResNet18Encoder(width=4).load_state_dict({k: v for k, v in state.items() if "layer4" not in k})
    with pytest.raises(FileNotFoundError):
        load_encoder(tmp_path / "missing.pt")


# -- MoCo ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imu_images():
    """240 spectrogram images (32 x 32) of 3-class synthetic IMU windows; the first 160 train."""
    X, y = make_synthetic_imu(n_samples=240, n_channels=3, n_timesteps=128, n_classes=3, random_state=0)
    img = SpectrogramImageTransformer(n_fft=32, hop_length=4, size=(32, 32)).fit(X[:160])
    return img.transform(X), y


_MOCO = dict(width=4, queue_size=128, batch_size=32, lr=1e-2, device="cpu")


@pytest.fixture(scope="module")
def pretrained(imu_images):
    images, _ = imu_images
    return MoCoPretrainer(n_steps=60, random_state=0, **_MOCO).fit(images[:160])


def test_moco_pretraining_loss_queue_and_linear_probe(pretrained, imu_images):
    images, y = imu_images
    steps = np.array(pretrained.loss_curve_)
    assert steps.shape == (60,) and np.isfinite(steps).all()
    curve = steps.reshape(12, 5).mean(axis=1)  # per pass over the 160 images (5 batches of 32)
    # epoch 0 contrasts against the random initial queue (easy negatives); from epoch 1
    # on, the negatives are real keys and the loss falls
    assert np.polyfit(np.arange(1, 12), curve[1:], 1)[0] < 0
    assert curve[-3:].mean() < curve[1:4].mean()
    # FIFO ring buffer: 12 epochs of 160 keys written from row 0 on
    assert pretrained.queue_ptr_ == (12 * 160) % 128
    np.testing.assert_allclose(pretrained.queue_.norm(dim=1), 1.0, atol=1e-5)
    assert not pretrained.encoder_.training and next(pretrained.encoder_.parameters()).device.type == "cpu"
    Z = pretrained.transform(images)
    assert Z.shape == (240, 32) and Z.dtype == np.float32
    probe = LogisticRegression(max_iter=2000).fit(Z[:160], y[:160])
    accuracy = probe.score(Z[160:], y[160:])
    assert accuracy > 0.8  # chance is 1/3
    # the same encoder before pre-training (same seed, 0 epochs) probes worse
    untrained = MoCoPretrainer(n_steps=0, random_state=0, **_MOCO).fit(images[:160]).transform(images)
    baseline = LogisticRegression(max_iter=2000).fit(untrained[:160], y[:160])
    assert accuracy > baseline.score(untrained[160:], y[160:]) + 0.1


def test_enqueue_is_fifo():
    queue = torch.zeros(5, 2)
    ptr = Fn.enqueue(queue, torch.tensor([[1.0, 1], [2, 2]]), 0)
    ptr = Fn.enqueue(queue, torch.tensor([[3.0, 3], [4, 4]]), ptr)
    ptr = Fn.enqueue(queue, torch.tensor([[5.0, 5], [6, 6]]), ptr)  # 6 overwrites the oldest (1)
    assert ptr == 1
    np.testing.assert_array_equal(queue[:, 0], [6, 2, 3, 4, 5])
    ptr = Fn.enqueue(queue, torch.arange(7.0).repeat(2, 1).T + 10, ptr)  # larger than the queue
    assert ptr == (1 + 7) % 5
    # the newest 5 (12..16) survive, written from row 1 + 2 on; row ptr holds the oldest
    np.testing.assert_array_equal(queue[:, 0], [14, 15, 16, 12, 13])
    assert queue[ptr, 0] == 12


def test_key_encoder_is_the_momentum_average(imu_images):
    images = imu_images[0][:40]
    kw = dict(_MOCO, batch_size=64, random_state=3)  # one batch: every step sees all 40 images
    init = MoCoPretrainer(n_steps=0, **kw).fit(images).encoder_
    # same momentum, so that step 1 is bit-identical in both fits
    one_step = MoCoPretrainer(n_steps=1, momentum=0.9, **kw).fit(images).encoder_
    two = MoCoPretrainer(n_steps=2, momentum=0.9, **kw).fit(images)
    # before step 2's keys: theta_k = 0.9 * theta_k(init) + 0.1 * theta_q(after step 1)
    for (name, pk), p0, p1 in zip(two.key_encoder_.named_parameters(), init.parameters(),
                                  one_step.parameters()):
        np.testing.assert_allclose(pk.detach(), 0.9 * p0.detach() + 0.1 * p1.detach(), atol=1e-6,
                                   err_msg=name)
    assert not torch.allclose(one_step.conv1.weight, init.conv1.weight)
    frozen = MoCoPretrainer(n_steps=2, momentum=1.0, **kw).fit(images)
    for pk, p0 in zip(frozen.key_encoder_.parameters(), init.parameters()):
        assert torch.equal(pk, p0)
    k, q = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    with torch.no_grad():
        k.weight.copy_(torch.tensor([[1.0, -2.0]])), q.weight.copy_(torch.tensor([[3.0, 2.0]]))
        k.bias.fill_(0.0), q.bias.fill_(10.0)
    Fn.momentum_update(k, q, 0.999)
    np.testing.assert_allclose(k.weight.detach(), [[1.002, -1.996]], rtol=1e-6)
    np.testing.assert_allclose(k.bias.detach(), [0.01], rtol=1e-5)


def test_info_nce_matches_formula_and_is_stable():
    g = _gen(0)
    q = torch.nn.functional.normalize(torch.randn(4, 8, generator=g), dim=1)
    k = torch.nn.functional.normalize(torch.randn(4, 8, generator=g), dim=1)
    queue = torch.nn.functional.normalize(torch.randn(16, 8, generator=g), dim=1)
    t = 0.2
    pos = torch.exp((q * k).sum(1) / t)
    want = -torch.log(pos / (pos + torch.exp(q @ queue.T / t).sum(1))).mean()
    assert Fn.info_nce_loss(q, k, queue, t).item() == pytest.approx(want.item(), rel=1e-5)
    assert torch.isfinite(Fn.info_nce_loss(q, k, queue, 1e-4))  # exp would overflow


def test_moco_seeding_augmentation_choices_and_save(imu_images, tmp_path):
    images = imu_images[0][:48]
    a = MoCoPretrainer(n_steps=4, random_state=1, **_MOCO).fit(images)
    b = MoCoPretrainer(n_steps=4, random_state=1, **_MOCO).fit(images)
    c = MoCoPretrainer(n_steps=4, random_state=2, **_MOCO).fit(images)
    assert a.loss_curve_ == b.loss_curve_
    np.testing.assert_array_equal(a.transform(images), b.transform(images))
    assert a.loss_curve_ != c.loss_curve_
    d = MoCoPretrainer(n_steps=4, augmentations="default", random_state=1, **_MOCO).fit(images)
    assert np.isfinite(d.loss_curve_).all() and d.loss_curve_ != a.loss_curve_
    calls = []

    def identity(x, generator):
        calls.append(x.shape)
        return x

    MoCoPretrainer(n_steps=2, augmentations=identity, random_state=1, **_MOCO).fit(images)
    # whole batches, two views each: 48 images in ceil(48 / 32) = 2 batches of 24
    assert calls == [(24, 3, 32, 32)] * 4
    path = tmp_path / "moco.pt"
    a.save_encoder(path)
    assert _same_state(torch.load(path, weights_only=True), _state(a.encoder_))
    restarted = MoCoPretrainer(n_steps=0, encoder_weights=str(path), **_MOCO).fit(images)
    np.testing.assert_array_equal(restarted.transform(images), a.transform(images))


def test_moco_errors(imu_images):
    images = imu_images[0][:8]
    with pytest.raises(ValueError, match="not a multiple of 3"):
        MoCoPretrainer(**_MOCO).fit(images[:, :2])
    bad = images.copy()
    bad[3, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        MoCoPretrainer(**_MOCO).fit(bad)
    with pytest.raises(ValueError, match="-D"):
        MoCoPretrainer(**_MOCO).fit(images[:, 0])
    with pytest.raises(ValueError, match="at least 2 images"):
        MoCoPretrainer(**_MOCO).fit(images[:1])
    with pytest.raises(ValueError, match="width=8"):
        MoCoPretrainer(**{**_MOCO, "width": 8}, encoder_weights=ResNet18Encoder(width=4).state_dict()).fit(images)
    with pytest.raises(NotFittedError):
        MoCoPretrainer().transform(images)
    with pytest.raises(ValueError, match="augmentations"):
        MoCoPretrainer(augmentations="flip").fit(images)
    fitted = MoCoPretrainer(n_steps=0, **_MOCO).fit(images)
    with pytest.raises(ValueError, match="shape"):
        fitted.transform(images[:, :, :16])


# -- IMG2IMUClassifier --------------------------------------------------------------------


_CLF = dict(width=4, n_steps=60, lr=1e-2, device="cpu", random_state=0)


def test_frozen_encoder_is_unchanged_and_beats_chance(pretrained, imu_images):
    images, y = imu_images
    before = _state(pretrained.encoder_)
    clf = IMG2IMUClassifier(encoder=pretrained, freeze=True, **_CLF).fit(images[:160], y[:160])
    net = clf.module_.network
    assert _same_state(_state(net.encoder), before)  # weights and batch-norm statistics
    assert _same_state(_state(pretrained.encoder_), before)  # the pre-trainer's own copy untouched
    assert net.encoder is not pretrained.encoder_
    assert clf.score(images[160:], y[160:]) > 0.6  # chance 1/3
    proba = clf.predict_proba(images[160:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    tuned = IMG2IMUClassifier(encoder=pretrained, freeze=False, **_CLF).fit(images[:160], y[:160])
    after = _state(tuned.module_.network.encoder)
    assert not torch.equal(after["conv1.weight"], before["conv1.weight"])
    assert not torch.equal(after["bn1.running_mean"], before["bn1.running_mean"])


def test_classifier_encoder_sources_and_seeding(pretrained, imu_images, tmp_path):
    images, y = imu_images[0][:60], imu_images[1][:60]
    path = tmp_path / "enc.pt"
    pretrained.save_encoder(path)
    want = _state(pretrained.encoder_)
    for source in (str(path), path, pretrained.encoder_, pretrained.encoder_.state_dict()):
        clf = IMG2IMUClassifier(encoder=source, max_epochs=1, **_CLF).fit(images, y)
        assert _same_state(_state(clf.module_.network.encoder), want)
    # random initialisation: seeded by random_state, not by torch's global state
    p1 = IMG2IMUClassifier(**_CLF).fit(images, y).predict_proba(images)
    torch.manual_seed(123)
    p2 = IMG2IMUClassifier(**_CLF).fit(images, y).predict_proba(images)
    p3 = IMG2IMUClassifier(**{**_CLF, "random_state": 1}).fit(images, y).predict_proba(images)
    np.testing.assert_array_equal(p1, p2)
    assert not np.allclose(p1, p3)
    # an unfitted pre-trainer is pre-trained on the training images at fit
    moco = MoCoPretrainer(n_steps=1, random_state=0, **_MOCO)
    clf = IMG2IMUClassifier(encoder=moco, freeze=True, max_epochs=1, **_CLF).fit(images, y)
    assert len(clf.pretrainer_.loss_curve_) == 1 and not hasattr(moco, "encoder_")
    assert _same_state(_state(clf.module_.network.encoder), _state(clf.pretrainer_.encoder_))
    clone(clf)  # clonable with an estimator parameter


def test_pipeline_from_windows_with_string_labels_and_all_sensors():
    X, y = make_synthetic_imu(n_samples=60, n_channels=6, n_timesteps=64, n_classes=2, random_state=0)
    labels = np.where(y == 0, "walk", "run")
    pipe = make_pipeline(
        SpectrogramImageTransformer(sensor="all", n_fft=16, hop_length=4, size=(32, 32)),
        IMG2IMUClassifier(freeze=False, **_CLF),
    ).fit(X, labels)
    clf = pipe[-1]
    assert clf.module_.network.head.in_features == 2 * 32  # both sensors' features
    assert set(pipe.predict(X)) <= {"walk", "run"}
    assert pipe.score(X, labels) > 0.8
    assert pipe.predict_proba(X[:5]).shape == (5, 2)


def test_classifier_errors(imu_images):
    images, y = imu_images[0][:12], imu_images[1][:12]
    bad = images.copy()
    bad[3, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        IMG2IMUClassifier(**_CLF).fit(bad, y)
    with pytest.raises(ValueError, match="-D"):
        IMG2IMUClassifier(**_CLF).fit(images[:, 0], y)
    with pytest.raises(ValueError, match="not a multiple of 3"):
        IMG2IMUClassifier(**_CLF).fit(images[:, :2], y)
    with pytest.raises(ValueError, match="labels but X has"):
        IMG2IMUClassifier(**_CLF).fit(images, y[:-1])
    with pytest.raises(ValueError, match="width"):
        IMG2IMUClassifier(encoder=ResNet18Encoder(width=2).state_dict(), **_CLF).fit(images, y)
    with pytest.raises(FileNotFoundError):
        IMG2IMUClassifier(encoder="/nonexistent/enc.pt", **_CLF).fit(images, y)
    clf = IMG2IMUClassifier(max_epochs=1, **_CLF).fit(images, y)
    with pytest.raises(ValueError, match="shape"):
        clf.predict_proba(images[:, :, :16])
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        clf.predict(bad)
