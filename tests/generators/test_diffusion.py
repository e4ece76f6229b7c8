"""ConditionalDiffusionSampler: contract, errors, determinism, and that conditions reach the output."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from skaugment.datasets import make_synthetic_imu
from skaugment.generators import ConditionalDiffusionSampler
from skaugment.generators._metric_loss import balance_metric_weights, running_average
from skaugment.generators._diffusion_scaling import ConditionScaling, SpectrogramScaling
from skaugment.generators._diffusion_schedule import (
    alpha_sigma,
    diffuse,
    draw_training_times,
    min_snr_weight,
    solve,
    solver_step,
    time_grid,
    velocity,
    x0_from_velocity,
)
from skaugment.generators._unet import ConditionalUNet, condition_groups, condition_vector

TINY = dict(n_steps=4, base_channels=8, batch_size=32, sample_steps=4)


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
    return ConditionalDiffusionSampler(random_state=0, **TINY).fit(S, y)


# -- fitted state and output scale -----------------------------------------------------------


def test_fitted_attributes_follow_metric_extractor(data, fitted):
    from skaugment import MetricExtractor

    S, y = data
    assert fitted.input_shape_ == S.shape[1:]
    np.testing.assert_array_equal(fitted.classes_, np.unique(y))
    assert fitted.n_conditions_ == S.shape[1] * 5 == len(fitted.condition_names_)
    extractor = MetricExtractor().fit(S)
    assert fitted.condition_names_ == list(extractor.get_feature_names_out())
    np.testing.assert_allclose(fitted.train_conditions_, extractor.transform(S))
    np.testing.assert_allclose(fitted.conditions_from(S), extractor.transform(S))


def test_scaling_round_trip_and_bounded_samples(data, fitted):
    S, y = data
    scaling = fitted._spectrogram_scaling()
    z = torch.as_tensor(scaling.to_model_space(S))
    np.testing.assert_allclose(scaling.model_to_magnitude_torch(z).numpy(), S, rtol=1e-4,
                               atol=1e-5)
    out = fitted.sample(y[:20])
    assert out.shape == (20,) + S.shape[1:] and out.dtype == np.float32
    assert np.isfinite(out).all() and (out >= 0).all()
    # clamping the clean estimate to the training range (in model space) keeps an
    # almost untrained model from overflowing
    peak = S.max(axis=(0, 2, 3))[None, :, None, None]
    assert (out <= 3 * peak).all()


def test_seeded_and_reloadable(data, fitted):
    S, y = data
    a = fitted.sample(y[:8], random_state=3)
    np.testing.assert_array_equal(a, fitted.sample(y[:8], random_state=3))
    assert not np.allclose(a, fitted.sample(y[:8], random_state=4))
    reloaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(a, reloaded.sample(y[:8], random_state=3))
    # the same estimator seed gives the same trained model and samples
    again = ConditionalDiffusionSampler(random_state=0, **TINY).fit(S, y)
    np.testing.assert_array_equal(a, again.sample(y[:8], random_state=3))
    other = ConditionalDiffusionSampler(random_state=1, **TINY).fit(S, y)
    assert not np.allclose(a, other.sample(y[:8], random_state=3))


def test_verbose_zero_is_silent_and_one_shows_progress(data, capsys):
    S, y = data
    gen = ConditionalDiffusionSampler(random_state=0, **dict(TINY, n_steps=2))
    gen.fit(S, y).sample(y[:4])
    gen.set_params(strength=0.5).fit_resample(S[:12], y[:12])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    gen.set_params(verbose=1, strength=1.0).fit(S, y).sample(y[:4])
    captured = capsys.readouterr()
    assert "diffusion fit" in captured.err and "diffusion sample" in captured.err


def test_sample_batches_bound_memory_not_results(data, fitted):
    S, y = data
    # the conditions are drawn before batching, and noise is drawn batch by batch in order
    full = fitted.sample(y[:10], random_state=0)
    batched = pickle.loads(pickle.dumps(fitted)).set_params(sample_batch_size=3)
    np.testing.assert_allclose(batched.sample(y[:10], random_state=0), full, rtol=1e-4, atol=1e-5)


def test_strength_starts_from_init(data, fitted):
    S, y = data
    gen = pickle.loads(pickle.dumps(fitted))
    gaps = []
    for strength in (0.1, 0.5, 1.0):
        gen.set_params(strength=strength)
        out = gen.sample(y[:30], init=S[:30], random_state=0)
        gaps.append(np.mean(np.abs(np.log1p(out) - np.log1p(S[:30]))))
    # the less noise is added, the closer the sample stays to its source
    assert gaps[0] < gaps[1] < gaps[2]


def test_label_condition_ignores_metrics(data):
    S, y = data
    gen = ConditionalDiffusionSampler(condition="label", random_state=0, **TINY).fit(S, y)
    assert gen.n_conditions_ == S.shape[1] * 5
    a = gen.sample(y[:6], gen.train_conditions_[:6], random_state=0)
    b = gen.sample(y[:6], 2.0 * gen.train_conditions_[:6], random_state=0)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("params", [
    dict(conditioning="paper"),
    dict(modalities={"a": [1], "b": [0]}, hps_factor={"a": 2, "b": 3}),
    dict(solver="ddim", guidance_scale=2.0),
    dict(condition="label", conditioning="paper", ema_decay=0.0, metric_guidance=0.0),
])
def test_variants_generate(data, params):
    S, y = data
    gen = ConditionalDiffusionSampler(random_state=0, **TINY, **params).fit(S, y)
    out = gen.sample(y[:5], random_state=0)
    assert out.shape == (5,) + S.shape[1:] and np.isfinite(out).all() and (out >= 0).all()


def test_per_modality_hps_factor_reaches_conditions(data):
    from skaugment.spectral.functional import spectral_metrics

    S, y = data
    gen = ConditionalDiffusionSampler(modalities={"a": [1], "b": [0]},
                                      hps_factor={"a": 2, "b": 3})
    expected = spectral_metrics(S, hps_factor=[3, 2]).reshape(len(S), -1)
    np.testing.assert_allclose(gen.conditions_from(S), expected, rtol=1e-6)


# -- samplers ---------------------------------------------------------------------------------


def test_multistep_solver_departs_from_ddim_at_its_second_update(fitted):
    """DPM-Solver++(2M) has no history at its first update, so it is a DDIM step there:
    with 2 sampling steps (one update, then the last clean estimate) the two agree."""
    gen = pickle.loads(pickle.dumps(fitted))
    y = fitted.classes_[[0, 1, 2]]
    cond = fitted.train_conditions_[:3]
    one = [gen.set_params(sample_steps=2, solver=s).sample(y, cond, random_state=0)
           for s in ("ddim", "dpm++")]
    np.testing.assert_array_equal(one[0], one[1])
    two = [gen.set_params(sample_steps=3, solver=s).sample(y, cond, random_state=0)
           for s in ("ddim", "dpm++")]
    assert not np.allclose(two[0], two[1])  # the second-order correction is active


def test_cosine_schedule_is_variance_preserving():
    t = torch.linspace(0, 1, 11)
    alpha, sigma = alpha_sigma(t)
    np.testing.assert_allclose((alpha**2 + sigma**2).numpy(), 1.0, atol=1e-6)
    assert float(alpha[0]) == pytest.approx(1.0) and float(alpha[-1]) < 1e-3
    assert torch.all(alpha[1:] < alpha[:-1])


@pytest.mark.parametrize("strength, n_steps", [(1.0, 5), (1.0, 1), (0.5, 5), (0.01, 5)])
def test_time_grid_runs_from_strength_to_zero_in_equal_steps(strength, n_steps):
    grid = time_grid(strength, n_steps)
    assert len(grid) == max(1, int(np.ceil(strength * n_steps))) + 1
    assert float(grid[0]) == pytest.approx(strength) and float(grid[-1]) == 0.0
    steps = grid[:-1] - grid[1:]
    assert torch.all(steps > 0)
    np.testing.assert_allclose(steps.numpy(), strength / (len(grid) - 1), rtol=1e-5)


def test_training_times_are_the_nonzero_levels():
    t = draw_training_times(2000, 7, torch.Generator().manual_seed(0))
    assert t.shape == (2000,) and t.dtype == torch.float32
    np.testing.assert_array_equal(np.unique(t.numpy()), np.arange(1, 8, dtype=np.float32) / 7)
    again = draw_training_times(2000, 7, torch.Generator().manual_seed(0))
    np.testing.assert_array_equal(t.numpy(), again.numpy())


def _trajectory(seed=0):
    """Clean samples, their noise, and the exact noised sample at any time (float64)."""
    gen = torch.Generator().manual_seed(seed)
    x0 = torch.randn(4, 2, 3, 5, generator=gen, dtype=torch.float64)
    noise = torch.randn(4, 2, 3, 5, generator=gen, dtype=torch.float64)
    return x0, noise, lambda t: diffuse(x0, noise, *alpha_sigma(t))


def test_true_velocity_gives_back_the_clean_sample():
    x0, noise, at = _trajectory()
    for t in torch.tensor([0.01, 0.3, 0.7, 1.0], dtype=torch.float64):
        alpha, sigma = alpha_sigma(t)
        v = velocity(x0, noise, alpha, sigma)
        np.testing.assert_allclose(x0_from_velocity(at(t), v, alpha, sigma), x0, atol=1e-12)


@pytest.mark.parametrize("solver", ["ddim", "dpm++"])
def test_solver_steps_are_exact_given_the_true_clean_sample(solver):
    x0, noise, at = _trajectory()
    grid = time_grid(1.0, 6).double()
    x, x0_prev, h_prev = at(grid[0]), None, None
    for t, s in zip(grid[:-2], grid[1:-1]):
        x, h = solver_step(x, x0, t, s, x0_prev=x0_prev, h_prev=h_prev)
        # each step lands on the same noise's trajectory at the next time
        np.testing.assert_allclose(x, at(s), atol=1e-10)
        if solver == "dpm++":
            x0_prev, h_prev = x0, h

    # the oracle denoiser: the clean sample from the true velocity of the current point
    times = []

    def oracle(x, t):
        times.append(float(t))
        alpha, sigma = alpha_sigma(t)
        return x0_from_velocity(x, velocity(x0, noise, alpha, sigma), alpha, sigma)

    np.testing.assert_allclose(solve(oracle, at(grid[0]), grid, solver=solver), x0, atol=1e-10)
    # one denoiser call per step, none at t = 0
    np.testing.assert_allclose(times, grid[:-1].numpy())


def test_dpm_solver_uses_the_previous_estimate():
    x0, noise, at = _trajectory()
    grid = time_grid(1.0, 4).double()
    x1, h = solver_step(at(grid[0]), x0, grid[0], grid[1])
    other = x0 + 1.0
    ddim, _ = solver_step(x1, x0, grid[1], grid[2])
    dpm, _ = solver_step(x1, x0, grid[1], grid[2], x0_prev=other, h_prev=h)
    assert not torch.allclose(ddim, dpm)
    # a constant history is no correction: DPM-Solver++(2M) equals DDIM
    same, _ = solver_step(x1, x0, grid[1], grid[2], x0_prev=x0, h_prev=h)
    np.testing.assert_allclose(same, ddim, atol=1e-12)


def test_spectrogram_scaling_round_trips():
    S = np.random.default_rng(0).gamma(2.0, 1.0, size=(30, 2, 9, 8)).astype(np.float32)
    S[:, 1] *= 1e-3  # a small-magnitude channel keeps its precision
    scaling = SpectrogramScaling.fit(S)
    z = scaling.to_model_space(S)
    assert z.dtype == np.float32 and z.shape == S.shape
    # the row levels are standardised across samples
    np.testing.assert_allclose(z.mean(axis=3).mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(scaling.model_to_magnitude_torch(torch.as_tensor(z)).numpy(), S,
                               rtol=1e-4, atol=1e-8)
    log_s = torch.log(torch.as_tensor(S) + torch.as_tensor(scaling.log_offset)[:, None, None])
    z_t = scaling.log_to_model_torch(log_s)
    np.testing.assert_allclose(z_t.numpy(), z, atol=1e-4)
    np.testing.assert_allclose(scaling.model_to_log_torch(z_t).numpy(), log_s.numpy(), atol=1e-5)


def test_condition_scaling_standardises_in_numpy_and_torch_alike():
    rng = np.random.default_rng(0)
    conditions = np.c_[rng.gamma(2.0, 5.0, 50), -rng.gamma(2.0, 1e-3, 50), np.zeros(50)]
    scaling = ConditionScaling.fit(conditions)
    feats = scaling.features(conditions)
    assert feats.dtype == np.float32 and np.isfinite(feats).all()
    np.testing.assert_allclose(feats[:, :2].mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(feats[:, :2].std(axis=0), 1.0, rtol=1e-4)
    feats_t = scaling.features_torch(torch.as_tensor(conditions, dtype=torch.float32))
    np.testing.assert_allclose(feats_t.numpy(), feats, rtol=1e-4, atol=1e-4)


def test_metric_weights_balance_losses():
    weights = balance_metric_weights(2.0, np.array([0.1, 0.4, 0.0]), 1.0)
    # each weighted metric loss is L_G / (10 n); a zero loss gets a large, finite weight
    np.testing.assert_allclose(weights[:2] * [0.1, 0.4], 2.0 / 30)
    assert np.isfinite(weights).all()
    np.testing.assert_allclose(balance_metric_weights(2.0, [0.1], 3.0), 3 * 0.2 / 0.1)
    assert running_average(None, 4.0) == 4.0
    assert running_average(4.0, 14.0) == pytest.approx(5.0)


def test_condition_layout():
    names = ["a__range", "a__f0", "b__range", "b__f0"]
    assert condition_groups(names, 3) == [1, 0, 1, 0, 2, 2, 2, 3]
    # label-only: the label and flag groups keep their ids
    assert condition_groups(names, 3, use_metrics=False) == [2, 2, 2, 3]
    feats = torch.arange(8.0).reshape(2, 4) + 1
    cond = condition_vector(feats, torch.tensor([2, 0]), torch.tensor([True, False]), 3)
    assert cond.shape == (2, len(condition_groups(names, 3)))
    np.testing.assert_array_equal(cond[0].numpy(), [1, 2, 3, 4, 0, 0, 1, 0])
    # a dropped condition is all zeros but the flag
    np.testing.assert_array_equal(cond[1].numpy(), [0] * 7 + [1])
    label_only = condition_vector(None, torch.tensor([1]), torch.tensor([True]), 3)
    np.testing.assert_array_equal(label_only.numpy(), [[0, 1, 0, 0]])


@pytest.mark.parametrize("shape", [(17, 13), (5, 3), (8, 16), (1, 1)])
def test_unet_any_size(shape):
    torch.manual_seed(0)
    net = ConditionalUNet(3, *shape, cond_dim=4, cond_groups=[0, 0, 1, 2], base_channels=8)
    x = torch.randn(2, 3, *shape)
    out = net(x, torch.rand(2), torch.randn(2, 4))
    assert out.shape == x.shape
    # the output layer starts at zero, so an untrained net predicts 0 everywhere
    assert torch.count_nonzero(out) == 0


# -- metric loss ------------------------------------------------------------------------------


def test_min_snr_weight_matches_its_formula():
    t = torch.linspace(0.005, 1.0, 200)
    alpha, sigma = alpha_sigma(t)
    snr = (alpha / sigma) ** 2
    w = min_snr_weight(alpha, sigma, 5.0)
    # min(SNR, 5) / (SNR + 1): SNR / (SNR + 1) below the cap, 5 / (SNR + 1) above it
    below = snr <= 5
    torch.testing.assert_close(w[below], snr[below] / (snr[below] + 1))
    torch.testing.assert_close(w[~below], 5.0 / (snr[~below] + 1))
    assert below.any() and (~below).any()
    assert (w > 0).all() and (w <= 5 / 6 + 1e-6).all()  # the largest weight is at SNR = 5


def test_min_snr_weighting_scales_the_first_step_loss(data):
    S, y = data
    kw = dict(TINY, n_steps=3)
    plain = ConditionalDiffusionSampler(random_state=0, **kw).fit(S, y)
    weighted = ConditionalDiffusionSampler(random_state=0, min_snr_gamma=5.0, **kw).fit(S, y)
    again = ConditionalDiffusionSampler(random_state=0, min_snr_gamma=5.0, **kw).fit(S, y)
    # same network, same batch and noise levels at step 0: every weight is below 1
    assert 0 < weighted.loss_curve_[0] < plain.loss_curve_[0]
    assert np.isfinite(weighted.loss_curve_).all()
    np.testing.assert_array_equal(weighted.loss_curve_, again.loss_curve_)
    with pytest.raises(ValueError, match="min_snr_gamma"):
        ConditionalDiffusionSampler(min_snr_gamma=0.0, **kw).fit(S, y)


def test_metric_loss_weights_of_a_fit_shorter_than_one_pass(data):
    S, y = data
    kw = dict(TINY, n_steps=1)  # 60 rows in batches of 32: half a pass
    short = ConditionalDiffusionSampler(random_state=0, **kw).fit(S, y)
    lg, lm = short.first_epoch_losses_
    # the weights report what the half pass measured ...
    np.testing.assert_allclose(short.metric_weights_ * lm, 0.1 * lg / len(lm), rtol=1e-5)
    # ... but the fit never trained with them: the same steps as without the metric loss
    off = ConditionalDiffusionSampler(random_state=0, metric_loss_weight=0.0, **kw).fit(S, y)
    np.testing.assert_array_equal(short.loss_curve_, off.loss_curve_)


def test_metric_loss_weights_balance_first_epoch(data):
    S, y = data
    kw = dict(TINY, n_steps=2)
    one = ConditionalDiffusionSampler(random_state=0, **kw).fit(S, y)
    lg, lm = one.first_epoch_losses_
    # Wang et al., 2024, 3.3: weighted metric loss = L_G / 10, shared equally by the metrics
    np.testing.assert_allclose(one.metric_weights_ * lm, 0.1 * lg / len(lm), rtol=1e-5)
    np.testing.assert_allclose((one.metric_weights_ * lm).sum(), 0.1 * lg, rtol=1e-5)
    two = ConditionalDiffusionSampler(random_state=0, metric_loss_weight=2.0, **kw).fit(S, y)
    np.testing.assert_allclose(two.metric_weights_, 2 * one.metric_weights_, rtol=1e-5)
    off = ConditionalDiffusionSampler(random_state=0, metric_loss_weight=0.0, **kw).fit(S, y)
    assert not off.metric_weights_.any()


# -- label-only augmentation ------------------------------------------------------------------


@pytest.mark.parametrize("strength", [1.0, 0.5])
def test_fit_resample_keeps_originals_and_proportions(data, strength):
    S, y = data
    y_str = np.array(["a", "b", "c"])[y]
    gen = ConditionalDiffusionSampler(ratio=1.5, strength=strength, random_state=0, **TINY)
    S_res, y_res = gen.fit_resample(S, y_str)
    n = len(y)
    np.testing.assert_array_equal(S_res[:n], S.astype(np.float32))
    np.testing.assert_array_equal(y_res[:n], y_str)
    for label in ("a", "b", "c"):
        assert np.sum(y_res[n:] == label) == round(1.5 * np.sum(y_str == label))
    assert gen.synthetic_mask_.tolist() == [False] * n + [True] * (len(y_res) - n)
    src = gen.sample_indices_
    np.testing.assert_array_equal(src[:n], np.arange(n))
    np.testing.assert_array_equal(y_str[src], y_res)
    assert S_res.dtype == np.float32 and (S_res[n:] >= 0).all()


# -- errors -----------------------------------------------------------------------------------


def test_input_errors(data, fitted):
    S, y = data
    gen = ConditionalDiffusionSampler(**TINY)
    bad = S.copy()
    bad[4, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 4"):
        gen.fit(bad, y)
    with pytest.raises(ValueError, match="must be 4-D"):
        gen.fit(S[:, 0], y)
    with pytest.raises(ValueError, match="log- or dB-scaled"):
        gen.fit(np.log(S + 1e-3), y)
    with pytest.raises(ValueError, match="y has 59 labels"):
        gen.fit(S, y[:-1])
    with pytest.raises(ValueError, match="conditions has 3 columns"):
        gen.fit(S, y, np.ones((len(y), 3)))
    with pytest.raises(NotFittedError):
        gen.sample(y[:2])
    with pytest.raises(ValueError, match=r"not seen at fit"):
        fitted.sample([0, 7])
    with pytest.raises(ValueError, match="conditions has 4 columns"):
        fitted.sample(y[:2], np.ones((2, 4)))
    with pytest.raises(ValueError, match="conditions has 3 rows"):
        fitted.sample(y[:2], np.ones((3, fitted.n_conditions_)))
    strong = pickle.loads(pickle.dumps(fitted)).set_params(strength=0.5)
    with pytest.raises(ValueError, match="pass them as init"):
        strong.sample(y[:2])
    with pytest.raises(ValueError, match="per-sample shape"):
        strong.sample(y[:2], init=S[:2, :, :4])
    with pytest.raises(ValueError, match="init has 3 samples"):
        strong.sample(y[:2], init=S[:3])


@pytest.mark.parametrize("params, match", [
    (dict(ratio=0), "ratio"),
    (dict(ratio=-1.0), "ratio"),
    (dict(strength=0.0), "strength"),
    (dict(strength=1.5), "strength"),
    (dict(condition="both"), "condition"),
    (dict(hps_factor=0), "hps_factor"),
    (dict(sample_steps=0), "sample_steps"),
    (dict(distill_steps=0), "distill_steps"),
    (dict(distill_steps=1, distill_n_steps=0), "distill_n_steps"),
])
def test_invalid_parameters(data, params, match):
    S, y = data
    gen = ConditionalDiffusionSampler(**{**TINY, **params})
    with pytest.raises(ValueError, match=match):
        gen.fit_resample(S, y)


def test_unknown_modality_in_hps_factor(data):
    S, y = data
    gen = ConditionalDiffusionSampler(modalities={"a": [0], "b": [1]}, hps_factor={"a": 2}, **TINY)
    with pytest.raises(ValueError, match="no value for modality 'b'"):
        gen.fit(S, y)


# -- control ----------------------------------------------------------------------------------


# one seed without metric guidance (the network's own conditioning), one with it
@pytest.mark.parametrize("seed, guidance", [(0, 0.0), (2, 1.0)])
def test_requested_metrics_reach_the_output(seed, guidance):
    """Requesting higher range / F0 amplitude / contrast gives measurably higher values.

    Without metric guidance this is the network's own conditioning at work.
    """
    S, y = _spectrograms(n_samples=150, random_state=seed)
    gen = ConditionalDiffusionSampler(n_steps=125, base_channels=8, batch_size=32,
                                      sample_steps=8, metric_guidance=guidance,
                                      random_state=seed).fit(S, y)
    conds = gen.train_conditions_
    low = np.quantile(conds, 0.2, axis=0)
    high = np.quantile(conds, 0.8, axis=0)
    labels = np.repeat(gen.classes_, 20)
    n = len(labels)
    measured = {}
    for name, target in (("low", low), ("high", high)):
        measured[name] = gen.conditions_from(
            gen.sample(labels, np.tile(target, (n, 1)), random_state=seed)
        ).reshape(n, S.shape[1], 5)
    for k, metric in enumerate(("temporal_range", "f0_amplitude", "contrast")):
        lo, hi = measured["low"][:, :, k], measured["high"][:, :, k]
        # per channel, medians in the requested order and most samples separated
        assert np.all(np.median(hi, axis=0) > 1.5 * np.median(lo, axis=0)), metric
        assert np.mean(hi > np.median(lo, axis=0)) > 0.8, metric
    if guidance:
        for name, target in (("low", low), ("high", high)):
            rel = np.abs(measured[name].reshape(n, -1) / target - 1)
            assert np.median(rel) < 0.1, name


def test_metric_guidance_edit_moves_real_spectrograms_to_requests(data, fitted):
    S, y = data
    gen = pickle.loads(pickle.dumps(fitted)).set_params(metric_guidance=1.0,
                                                         metric_guidance_steps=3)
    src = gen.conditions_from(S)
    req = src * np.random.default_rng(0).uniform(0.8, 1.2, size=src.shape)
    scaling = gen._spectrogram_scaling()
    z = torch.as_tensor(scaling.to_model_space(S))
    wide = torch.full_like(z, 1e6)
    edited = gen._metric_correct(z, torch.as_tensor(req, dtype=torch.float32), -wide, wide)
    out = scaling.model_to_magnitude_torch(edited).numpy()
    before = np.median(np.abs(src / req - 1), axis=0).reshape(-1, 5)
    after = np.median(np.abs(gen.conditions_from(out) / req - 1), axis=0).reshape(-1, 5)
    # temporal range and flatness get much closer to the request, F0 amplitude and
    # contrast (argmax / quantile driven) closer; entropy +-20% is often infeasible
    assert np.all(after[:, [0, 3]] < 0.25 * before[:, [0, 3]]), (before, after)
    assert np.all(after[:, [1, 2]] < 0.6 * before[:, [1, 2]]), (before, after)
    # no knob moved: identity
    same = gen.set_params(metric_guidance_steps=1)._metric_correct(
        z, torch.as_tensor(src, dtype=torch.float32), -wide, wide)
    np.testing.assert_allclose(scaling.model_to_magnitude_torch(same).numpy(), S, rtol=1e-2,
                               atol=1e-3)


@pytest.mark.parametrize("device, message", [("gpu", "is not a torch device"),
                                             ("cuda:7", "CUDA device"),
                                             ("meta", "only 'cpu', 'cuda")])
def test_device_strings_are_validated_with_a_clear_error(device, message):
    import torch

    from skaugment.generators import SpectrogramMetricEditSampler

    if device == "cuda:7" and torch.cuda.device_count() > 7:  # pragma: no cover
        pytest.skip("this machine has 8 GPUs")
    S = np.random.RandomState(0).gamma(2.0, size=(8, 1, 5, 4)).astype(np.float32)
    y = np.repeat([0, 1], 4)
    for gen in (ConditionalDiffusionSampler(device=device, n_steps=1, base_channels=4),
                SpectrogramMetricEditSampler(device=device)):
        with pytest.raises(ValueError, match=message):
            gen.fit(S, y)


def test_sample_params_do_not_change_the_fit(data):
    """What ``_sample_params`` declares (the augmenters' cache skips them) is never read by fit."""
    S, y = data
    base = dict(n_steps=1, base_channels=4, train_steps=20, random_state=0)
    changed = dict(sample_steps=3, solver="ddim", strength=0.5, guidance_scale=2.0,
                   metric_guidance=0.0, metric_guidance_steps=2, sample_batch_size=7, ratio=1.0,
                   sampling_strategy="all")
    assert set(changed) == set(ConditionalDiffusionSampler._sample_params)
    # with a student too: its distillation pool must not read them either
    base.update(distill_steps=1, distill_n_steps=3)
    a = ConditionalDiffusionSampler(**base).fit(S, y)
    b = ConditionalDiffusionSampler(**base, **changed).fit(S, y)
    for model in ("model_", "student_model_"):
        _assert_same_weights(getattr(a, model), getattr(b, model))
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    np.testing.assert_array_equal(a.distill_loss_curve_, b.distill_loss_curve_)


def _assert_same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name in sa:
        torch.testing.assert_close(sa[name], sb[name], rtol=0, atol=0, msg=name)


# -- distilled student ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def distilled(data):
    S, y = data
    return ConditionalDiffusionSampler(n_steps=30, base_channels=8, batch_size=32,
                                       distill_steps=1, distill_n_steps=150,
                                       random_state=0).fit(S, y)


def _teacher_of(gen):
    teacher = pickle.loads(pickle.dumps(gen))
    teacher.student_model_ = None
    return teacher


def test_student_reproduces_the_teachers_sampler_in_one_step(data, distilled):
    """Closer to the teacher's 5 guided steps than the teacher's own single step is."""
    S, y = data
    from skaugment.generators._diffusion import _TEACHER_SAMPLE_STEPS

    teacher = _teacher_of(distilled)
    req = distilled.conditions_from(S) * np.random.default_rng(3).uniform(0.8, 1.2, (len(y), 1))
    scaling = distilled._spectrogram_scaling()

    def model_space(gen):
        return scaling.to_model_space(gen.sample(y, req, random_state=1))

    target = model_space(teacher.set_params(sample_steps=_TEACHER_SAMPLE_STEPS))
    one_step = model_space(_teacher_of(distilled).set_params(sample_steps=1))
    student = model_space(distilled)
    err_student = np.mean((student - target) ** 2)
    err_one_step = np.mean((one_step - target) ** 2)
    assert err_student < 0.5 * err_one_step, (err_student, err_one_step)
    curve = np.asarray(distilled.distill_loss_curve_)
    assert curve.shape == (150,) and curve[-20:].mean() < 0.5 * curve[:20].mean()
    assert distilled.student_steps_ == 1 and distilled.n_iter_ == 30


def test_student_is_seeded_and_pickles(data, distilled):
    S, y = data
    a = distilled.sample(y[:10], random_state=4)
    b = pickle.loads(pickle.dumps(distilled)).sample(y[:10], random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, _teacher_of(distilled).sample(y[:10], random_state=4))
    # a refit with the same random_state distils the same student
    params = dict(distilled.get_params(), n_steps=4, distill_n_steps=3)
    refits = [ConditionalDiffusionSampler(**params).fit(S, y) for _ in range(2)]
    _assert_same_weights(refits[0].student_model_, refits[1].student_model_)
    np.testing.assert_array_equal(refits[0].distill_loss_curve_, refits[1].distill_loss_curve_)


def test_teacher_samples_from_init_and_with_classifier_free_guidance(data, distilled):
    """The student only learned pure-noise conditional sampling: the rest runs the teacher."""
    S, y = data
    for params, init in ((dict(strength=0.5), S[:6]), (dict(guidance_scale=2.0), None)):
        gen = pickle.loads(pickle.dumps(distilled)).set_params(**params)
        teacher = _teacher_of(distilled).set_params(**params)
        np.testing.assert_array_equal(gen.sample(y[:6], init=init, random_state=0),
                                      teacher.sample(y[:6], init=init, random_state=0))


def test_no_student_by_default_and_the_teacher_fit_is_unchanged(data, distilled):
    S, y = data
    plain = ConditionalDiffusionSampler(n_steps=30, base_channels=8, batch_size=32,
                                        random_state=0).fit(S, y)
    assert plain.student_model_ is None and plain.distill_loss_curve_ == []
    _assert_same_weights(plain.model_, distilled.model_)
    # a label-only model distils too: its student ignores requested metrics, as the teacher does
    label_only = ConditionalDiffusionSampler(condition="label", n_steps=2, base_channels=4,
                                             distill_steps=2, distill_n_steps=2,
                                             random_state=0).fit(S, y)
    assert label_only.student_steps_ == 2 and len(label_only.distill_loss_curve_) == 2
    conds = label_only.train_conditions_[:4]
    out = label_only.sample(y[:4], conds, random_state=0)
    np.testing.assert_array_equal(out, label_only.sample(y[:4], 3 * conds, random_state=0))
    assert np.isfinite(out).all() and (out >= 0).all()
    assert not np.array_equal(out, _teacher_of(label_only).sample(y[:4], conds, random_state=0))


# -- degenerate conditions and parameters changed after fit -----------------------------------


def test_a_metric_constant_at_fit_is_ignored_whatever_is_requested(data):
    """A stuck channel's metrics told the network nothing: requests on them change nothing
    (before, a 10% request became a condition input of ~1e5 that every channel saw)."""
    S, y = data
    S = S.copy()
    S[:, 1] = 0.5  # channel 1 stuck: all five of its metrics constant
    gen = ConditionalDiffusionSampler(random_state=0, **TINY).fit(S, y)
    stuck = np.array([name.startswith(gen.condition_names_[-1].split("__")[0] + "__")
                      for name in gen.condition_names_])
    assert stuck.sum() == 5 and np.isinf(gen.cond_std_[stuck]).all()
    assert np.isfinite(gen.cond_std_[~stuck]).all()
    cond = gen.train_conditions_[:6]
    pushed = cond.copy()
    pushed[:, stuck] *= 1.1
    scaling = gen._condition_scaling()
    np.testing.assert_array_equal(scaling.features(pushed)[:, stuck], 0.0)
    np.testing.assert_array_equal(gen.sample(y[:6], cond, random_state=0),
                                  gen.sample(y[:6], pushed, random_state=0))
    # a live metric's request still reaches the network
    live = cond.copy()
    live[:, 0] *= 1.5
    assert not np.array_equal(gen.sample(y[:6], cond, random_state=0),
                              gen.sample(y[:6], live, random_state=0))


def test_condition_changed_after_fit_does_not_change_sampling(data, fitted):
    S, y = data
    gen = pickle.loads(pickle.dumps(fitted))
    before = gen.sample(y[:4], random_state=0)
    gen.set_params(condition="label")
    assert gen.condition_ == "metrics"
    np.testing.assert_array_equal(gen.sample(y[:4], random_state=0), before)


def test_a_failed_refit_leaves_an_unfitted_generator(data, fitted):
    S, y = data
    gen = pickle.loads(pickle.dumps(fitted))
    with pytest.raises(ValueError):
        gen.fit(S[:, :1], np.where(y == y[0], "a", "b"), conditions=np.full((len(y), 3), np.nan))
    with pytest.raises(NotFittedError):
        gen.sample(fitted.classes_[:2])
    assert not [k for k in vars(gen) if k.endswith("_")]
    # and it fits again as new
    np.testing.assert_array_equal(gen.fit(S, y).sample(y[:3], random_state=0),
                                  fitted.sample(y[:3], random_state=0))
