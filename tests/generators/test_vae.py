"""ConditionalVAESampler: training, conditioning, encode-and-decode, determinism, errors."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from skaugment.datasets import make_synthetic_imu
from skaugment.generators._vae import ConditionalVAESampler, kl_warmup_weight
from skaugment.generators._vae_nets import (
    ConditionalHierarchicalVAE,
    ModalityVAE,
    free_bits_kl,
    gaussian_kl,
)

TINY = dict(n_steps=4, base_channels=8, batch_size=32)
METRICS = ("temporal_range", "f0_amplitude", "contrast", "flatness", "entropy")


def _spectrograms(n_samples=60, n_channels=2, random_state=0):
    from skaugment import SpectrogramTransformer

    X, y = make_synthetic_imu(n_samples=n_samples, n_channels=n_channels, n_timesteps=64,
                              n_classes=3, random_state=random_state)
    # a per-sample gain spreads amplitude-driven metrics (range, F0 amplitude, contrast)
    gain = np.random.default_rng(random_state).uniform(0.3, 3.0, size=(n_samples, 1, 1))
    S = SpectrogramTransformer(n_fft=16, hop_length=8).fit_transform((X * gain).astype("float32"))
    return np.asarray(S), y


@pytest.fixture(scope="module")
def data():
    return _spectrograms()


@pytest.fixture(scope="module")
def fitted(data):
    S, y = data
    return ConditionalVAESampler(random_state=0, **TINY).fit(S, y)


@pytest.fixture(scope="module")
def trained():
    """A longer fit on more data, for what only a trained model does."""
    S, y = _spectrograms(n_samples=96, random_state=1)
    gen = ConditionalVAESampler(n_steps=60, base_channels=8, batch_size=32, random_state=1)
    return S, y, gen.fit(S, y)


def _log_gap(a, b):
    """Mean absolute log1p difference per sample."""
    return np.abs(np.log1p(a) - np.log1p(b)).mean(axis=(1, 2, 3))


# -- fitted state and output scale -----------------------------------------------------------


def test_fitted_attributes_and_bounded_output(data, fitted):
    from skaugment import MetricExtractor

    S, y = data
    assert fitted.input_shape_ == S.shape[1:] and fitted.n_iter_ == 4
    np.testing.assert_array_equal(fitted.classes_, np.unique(y))
    extractor = MetricExtractor().fit(S)
    assert fitted.condition_names_ == list(extractor.get_feature_names_out())
    np.testing.assert_allclose(fitted.train_conditions_, extractor.transform(S))
    for curve in (fitted.loss_curve_, fitted.recon_curve_, fitted.kl_curve_,
                  fitted.kl_weight_curve_):
        assert len(curve) == 4 and np.isfinite(curve).all()
    assert next(fitted.model_.parameters()).device.type == "cpu"
    out = fitted.sample(y[:20], random_state=0)
    assert out.shape == (20,) + S.shape[1:] and out.dtype == np.float32
    assert np.isfinite(out).all() and (out >= 0).all()
    # decoded spectrograms are clamped to the training range in model space, so
    # even a barely trained model stays within the training magnitudes
    scaling = fitted._spectrogram_scaling()
    hi = torch.as_tensor(np.broadcast_to(fitted.x_max_, (1,) + S.shape[1:]).copy())
    peak = scaling.model_to_magnitude_torch(hi).numpy()
    assert (out <= peak * (1 + 1e-4) + 1e-6).all()


def test_reconstruction_error_falls_with_training(trained):
    S, y, gen = trained
    # per pass over the 96 rows (3 equal batches), as the curves are per step
    recon = np.reshape(gen.recon_curve_, (-1, 3)).mean(axis=1)
    assert recon[-1] < 0.75 * recon[0], recon
    # the total counts the metric loss from the second pass on
    loss = np.reshape(gen.loss_curve_, (-1, 3)).mean(axis=1)
    assert loss[-1] < 0.8 * loss[1], loss
    # and the trained model encodes and decodes much better than a one-epoch one
    one = ConditionalVAESampler(n_steps=3, base_channels=8, batch_size=32,
                                random_state=1).fit(S, y)
    cond = gen.train_conditions_
    gaps = [_log_gap(g.set_params(encode_init=True, temperature=0.0)
                     .sample(y, cond, init=S, random_state=0), S).mean()
            for g in (pickle.loads(pickle.dumps(one)), pickle.loads(pickle.dumps(gen)))]
    assert gaps[1] < 0.8 * gaps[0], gaps


def test_requested_metrics_move_prior_samples(trained):
    """Requesting x1.5 of a metric, others fixed, measures higher than requesting x0.67."""
    S, y, gen = trained
    cond = gen.train_conditions_
    n, c = S.shape[:2]
    for k in (1, 2, 3):  # f0_amplitude, contrast, flatness
        measured = []
        for factor in (0.67, 1.5):
            req = cond.reshape(n, c, 5).copy()
            req[:, :, k] *= factor
            out = gen.sample(y, req.reshape(n, -1), random_state=0)
            measured.append(gen.conditions_from(out).reshape(n, c, 5)[:, :, k])
        low, high = measured
        # same labels and noise, so compare sample by sample (ignored conditions
        # would give equal samples); the other metrics, held fixed, pull back
        assert np.all(np.median(high / low, axis=0) > 1.04), (METRICS[k], high / low)
        assert np.mean(high > low) > 0.75, METRICS[k]


def test_encode_init_reconstructs_its_init(trained):
    S, y, gen = trained
    gen = pickle.loads(pickle.dumps(gen)).set_params(encode_init=True, temperature=0.0)
    assert gen.uses_init
    out = gen.sample(y, gen.conditions_from(S), init=S, random_state=0)
    other = np.roll(np.arange(len(y)), 7)
    own, far = _log_gap(out, S), _log_gap(out, S[other])
    assert np.mean(own < far) > 0.85 and own.mean() < 0.6 * far.mean()
    # with the posterior means, the noise does not matter
    np.testing.assert_array_equal(out, gen.sample(y, gen.conditions_from(S), init=S,
                                                  random_state=1))
    # requesting other metrics moves the decoded init (the latents keep most of
    # it): F0 amplitude x1.5 measures higher than x0.67
    measured = []
    for factor in (0.67, 1.5):
        req = gen.conditions_from(S).reshape(len(y), S.shape[1], 5)
        req[:, :, 1] *= factor
        moved = gen.sample(y, req.reshape(len(y), -1), init=S, random_state=0)
        measured.append(gen.conditions_from(moved).reshape(req.shape)[:, :, 1])
    down, up = measured
    assert np.all(np.median(up / down, axis=0) > 1.03) and np.mean(up > down) > 0.75


def test_temperature_scales_the_prior_noise(fitted, data):
    S, y = data
    gen = pickle.loads(pickle.dumps(fitted))
    cond = fitted.train_conditions_[:6]
    cold = [gen.set_params(temperature=0.0).sample(y[:6], cond, random_state=s) for s in (0, 1)]
    np.testing.assert_array_equal(cold[0], cold[1])
    warm = [gen.set_params(temperature=1.0).sample(y[:6], cond, random_state=s) for s in (0, 1)]
    assert not np.allclose(warm[0], warm[1])


def test_label_condition_ignores_metrics(data):
    S, y = data
    gen = ConditionalVAESampler(condition="label", random_state=0, **TINY).fit(S, y)
    assert gen.n_conditions_ == S.shape[1] * 5 and not gen.metric_weights_.any()
    a = gen.sample(y[:6], gen.train_conditions_[:6], random_state=0)
    b = gen.sample(y[:6], 2.0 * gen.train_conditions_[:6], random_state=0)
    np.testing.assert_array_equal(a, b)
    gen.set_params(encode_init=True)
    a = gen.sample(y[:6], gen.train_conditions_[:6], init=S[:6], random_state=0)
    b = gen.sample(y[:6], 2.0 * gen.train_conditions_[:6], init=S[:6], random_state=0)
    np.testing.assert_array_equal(a, b)


# -- determinism, batching, pickling, progress -----------------------------------------------


def test_seeded_and_reloadable(data, fitted):
    S, y = data
    a = fitted.sample(y[:8], random_state=3)
    np.testing.assert_array_equal(a, fitted.sample(y[:8], random_state=3))
    assert not np.allclose(a, fitted.sample(y[:8], random_state=4))
    reloaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(a, reloaded.sample(y[:8], random_state=3))
    again = ConditionalVAESampler(random_state=0, **TINY).fit(S, y)
    np.testing.assert_array_equal(a, again.sample(y[:8], random_state=3))
    assert again.loss_curve_ == fitted.loss_curve_
    other = ConditionalVAESampler(random_state=1, **TINY).fit(S, y)
    assert not np.allclose(a, other.sample(y[:8], random_state=3))


@pytest.mark.parametrize("encode_init", [False, True])
def test_sample_batches_bound_memory_not_results(data, fitted, encode_init):
    S, y = data
    gen = pickle.loads(pickle.dumps(fitted)).set_params(encode_init=encode_init)
    full = gen.sample(y[:10], init=S[:10], random_state=0)
    batched = gen.set_params(sample_batch_size=3).sample(y[:10], init=S[:10], random_state=0)
    np.testing.assert_allclose(batched, full, rtol=1e-4, atol=1e-5)


def test_verbose_zero_is_silent_and_one_shows_progress(data, capsys):
    S, y = data
    gen = ConditionalVAESampler(random_state=0, **dict(TINY, n_steps=2))
    gen.fit(S, y).sample(y[:4])
    gen.set_params(encode_init=True).fit_resample(S[:12], y[:12])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    gen.set_params(verbose=1, encode_init=False).fit(S, y).sample(y[:4])
    captured = capsys.readouterr()
    assert "VAE fit" in captured.err and "VAE sample" in captured.err


def test_sample_params_do_not_change_the_fit(data):
    """What ``_sample_params`` declares (the augmenters' cache skips them) is never read by fit."""
    S, y = data
    base = dict(n_steps=1, base_channels=4, random_state=0)
    changed = dict(encode_init=True, temperature=0.3, sample_batch_size=7, ratio=1.0,
                   sampling_strategy="all")
    assert set(changed) == set(ConditionalVAESampler._sample_params)
    a = ConditionalVAESampler(**base).fit(S, y)
    b = ConditionalVAESampler(**base, **changed).fit(S, y)
    for (name, pa), pb in zip(a.model_.state_dict().items(), b.model_.state_dict().values()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0, msg=name)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)


# -- loss terms -------------------------------------------------------------------------------


def test_free_bits_floor_each_unit_and_stop_its_gradient():
    kl = torch.tensor([[0.2, 3.0, 0.0], [0.4, 5.0, 1.0]], requires_grad=True)
    # batch means 0.3, 4.0, 0.5: the first and last are lifted to the floor 1.0
    total = free_bits_kl(kl, 1.0)
    assert total.item() == pytest.approx(1.0 + 4.0 + 1.0)
    total.backward()
    # below the floor a unit gets no gradient, above it the batch mean's
    np.testing.assert_allclose(kl.grad.numpy(), [[0, 0.5, 0], [0, 0.5, 0]])
    assert free_bits_kl(kl, 0.0).item() == pytest.approx(0.3 + 4.0 + 0.5)


def test_gaussian_kl_known_values():
    zero = torch.zeros(1)
    # KL(N(1, 1) || N(0, 1)) = 1/2; KL(N(0, e) || N(0, 1)) = (e - 1 - 1) / 2
    assert float(gaussian_kl(zero + 1, zero, zero, zero)) == pytest.approx(0.5)
    assert float(gaussian_kl(zero, zero + 1, zero, zero)) == pytest.approx((np.e - 2) / 2)
    # against torch.distributions with a non-standard prior
    mu_q, lv_q, mu_p, lv_p = torch.tensor([0.3, -1.2, 2.0, -0.5]).split(1)
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mu_q, torch.exp(0.5 * lv_q)),
        torch.distributions.Normal(mu_p, torch.exp(0.5 * lv_p)))
    torch.testing.assert_close(gaussian_kl(mu_q, lv_q, mu_p, lv_p), expected)


def test_kl_warmup_ramps_the_kl_weight(data):
    assert [kl_warmup_weight(s, 10, 2.0, 0.5) for s in (0, 1, 5, 9)] == [0.0, 0.4, 2.0, 2.0]
    assert kl_warmup_weight(0, 10, 2.0, 0.0) == 2.0
    S, y = data
    gen = ConditionalVAESampler(random_state=0, kl_weight=2.0, kl_warmup=0.5,
                                **dict(TINY, n_steps=8)).fit(S, y)
    # the ramp lasts 4 of the 8 steps
    expected = 2.0 * np.minimum(1.0, np.arange(8) / 4.0)
    np.testing.assert_allclose(gen.kl_weight_curve_, expected, rtol=1e-6)
    assert gen.kl_weight_curve_[0] < 0.2 * gen.kl_weight_curve_[-1]
    flat = ConditionalVAESampler(random_state=0, kl_warmup=0.0, **TINY).fit(S, y)
    np.testing.assert_allclose(flat.kl_weight_curve_, 1.0)


def test_metric_loss_weights_of_a_fit_shorter_than_one_pass(data):
    S, y = data
    kw = dict(TINY, n_steps=1)  # 60 rows in batches of 32: half a pass
    short = ConditionalVAESampler(random_state=0, **kw).fit(S, y)
    lr, lm = short.first_epoch_losses_
    # the weights report what the half pass measured ...
    np.testing.assert_allclose(short.metric_weights_ * lm, 0.1 * lr / len(lm), rtol=1e-5)
    # ... but the fit never trained with them: the same steps as without the metric loss
    off = ConditionalVAESampler(random_state=0, metric_loss_weight=0.0, **kw).fit(S, y)
    np.testing.assert_array_equal(short.loss_curve_, off.loss_curve_)


def test_metric_loss_weights_balance_first_epoch(data):
    S, y = data
    kw = dict(TINY, n_steps=2)
    one = ConditionalVAESampler(random_state=0, **kw).fit(S, y)
    lr, lm = one.first_epoch_losses_
    # Wang et al., 2024, 3.3: weighted metric loss = L_rec / 10, shared equally
    np.testing.assert_allclose(one.metric_weights_ * lm, 0.1 * lr / len(lm), rtol=1e-5)
    two = ConditionalVAESampler(random_state=0, metric_loss_weight=2.0, **kw).fit(S, y)
    np.testing.assert_allclose(two.metric_weights_, 2 * one.metric_weights_, rtol=1e-5)
    off = ConditionalVAESampler(random_state=0, metric_loss_weight=0.0, **kw).fit(S, y)
    assert not off.metric_weights_.any() and off.first_epoch_losses_ is None


# -- networks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(17, 13), (5, 3), (8, 16), (1, 1)])
def test_network_any_size_and_starts_with_posterior_equal_prior(shape):
    torch.manual_seed(0)
    net = ConditionalHierarchicalVAE(3, *shape, cond_dim=4, cond_groups=[0, 0, 1, 2],
                                     base_channels=8, latent_channels=2)
    x, cond = torch.randn(5, 3, *shape), torch.randn(5, 4)
    noise = torch.randn(5, net.n_latents)
    out, kl = net.decode(cond, noise, feats=net.encode(x, cond))
    assert out.shape == x.shape and kl.shape == (5, 3 * 2)
    # prior and posterior layers start at zero: KL 0, and the same sample either way
    assert torch.count_nonzero(kl) == 0
    torch.testing.assert_close(net.decode(cond, noise)[0], out)
    assert net.decode(cond, noise)[1] is None


def test_one_network_per_modality_in_channel_order():
    torch.manual_seed(0)
    net = ModalityVAE({"a": [2, 0], "b": [1]}, 6, 5, cond_dim=3, cond_groups=[0, 1, 2],
                      base_channels=4, latent_channels=2)
    assert len(net.nets) == 2 and net.n_latents == sum(m.n_latents for m in net.nets)
    with torch.no_grad():
        for p in net.parameters():
            # away from the initialisation, where the posterior ignores the input
            p.add_(0.05 * torch.randn_like(p))
    x, cond = torch.randn(4, 3, 6, 5), torch.randn(4, 3)
    noise = torch.randn(4, net.n_latents)
    out, kl = net(x, cond, cond, noise)
    assert out.shape == x.shape and kl.shape == (4, 2 * 3 * 2)
    # channel 1 comes from modality "b" alone: changing channels 0 and 2 leaves it
    x2 = x.clone()
    x2[:, [0, 2]] += 5.0
    out2, _ = net(x2, cond, cond, noise)
    torch.testing.assert_close(out2[:, 1], out[:, 1])
    assert not torch.allclose(out2[:, [0, 2]], out[:, [0, 2]])
    # modality "a" holds channels 2 and 0, in that order
    x3 = x.clone()
    x3[:, 0] += 5.0
    torch.testing.assert_close(net.nets[0].decode(
        cond, noise[:, :net.nets[0].n_latents],
        feats=net.nets[0].encode(x3[:, [2, 0]], cond))[0], net(x3, cond, cond, noise)[0][:, [2, 0]])


# -- label-only augmentation ------------------------------------------------------------------


@pytest.mark.parametrize("encode_init", [False, True])
def test_fit_resample_keeps_originals_and_proportions(data, encode_init):
    S, y = data
    y_str = np.array(["a", "b", "c"])[y]
    gen = ConditionalVAESampler(ratio=1.5, encode_init=encode_init, random_state=0, **TINY)
    S_res, y_res = gen.fit_resample(S, y_str)
    n = len(y)
    np.testing.assert_array_equal(S_res[:n], S.astype(np.float32))
    np.testing.assert_array_equal(y_res[:n], y_str)
    for label in ("a", "b", "c"):
        assert np.sum(y_res[n:] == label) == round(1.5 * np.sum(y_str == label))
    src = gen.sample_indices_
    np.testing.assert_array_equal(y_str[src], y_res)
    assert S_res.dtype == np.float32 and (S_res[n:] >= 0).all()


@pytest.mark.parametrize("params", [
    dict(modalities={"a": [1], "b": [0]}, hps_factor={"a": 2, "b": 3}),
    dict(condition="label", latent_channels=1, free_bits=0.0, kl_warmup=0.0),
])
def test_variants_generate(data, params):
    S, y = data
    gen = ConditionalVAESampler(random_state=0, **TINY, **params).fit(S, y)
    out = gen.sample(y[:5], random_state=0)
    assert out.shape == (5,) + S.shape[1:] and np.isfinite(out).all() and (out >= 0).all()


# -- errors -----------------------------------------------------------------------------------


def test_input_errors(data, fitted):
    S, y = data
    gen = ConditionalVAESampler(**TINY)
    bad = S.copy()
    bad[4, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 4"):
        gen.fit(bad, y)
    with pytest.raises(ValueError, match="log- or dB-scaled"):
        gen.fit(np.log(S + 1e-3), y)
    with pytest.raises(ValueError, match="conditions has 3 columns"):
        gen.fit(S, y, np.ones((len(y), 3)))
    with pytest.raises(NotFittedError):
        gen.sample(y[:2])
    with pytest.raises(ValueError, match="conditions has 4 columns"):
        fitted.sample(y[:2], np.ones((2, 4)))
    enc = pickle.loads(pickle.dumps(fitted)).set_params(encode_init=True)
    with pytest.raises(ValueError, match="encode_init=True encodes real spectrograms"):
        enc.sample(y[:2])
    with pytest.raises(ValueError, match="per-sample shape"):
        enc.sample(y[:2], init=S[:2, :, :4])
    with pytest.raises(ValueError, match="init has 3 samples"):
        enc.sample(y[:2], init=S[:3])
    with pytest.raises(TypeError, match="encode_init must be a bool"):
        enc.set_params(encode_init="yes").sample(y[:2], init=S[:2])


@pytest.mark.parametrize("params, match", [
    (dict(ratio=0), "ratio"),
    (dict(condition="both"), "condition"),
    (dict(kl_warmup=1.5), "kl_warmup"),
    (dict(free_bits=-0.1), "free_bits"),
    (dict(kl_weight=-1.0), "kl_weight"),
    (dict(temperature=-1.0), "temperature"),
    (dict(latent_channels=0), "latent_channels"),
    (dict(encode_init="yes"), "encode_init"),
    (dict(lr=0.0), "lr"),
])
def test_invalid_parameters(data, params, match):
    S, y = data
    gen = ConditionalVAESampler(**{**TINY, **params})
    with pytest.raises(ValueError, match=match):
        gen.fit_resample(S, y)
