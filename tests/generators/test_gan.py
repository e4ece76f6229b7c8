"""ConditionalGANSampler: WGAN-GP training, label conditioning, determinism, protocol, errors."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from skaugment.generators._gan import ConditionalGANSampler
from skaugment.generators._gan_nets import ConditionalGenerator, ProjectionCritic, gradient_penalty

TINY = dict(base_channels=8, latent_dim=16, batch_size=32, lr=1e-3, device="cpu")


def _two_classes(n_per_class=40, random_state=0):
    """Class 0: flat and quiet; class 1: 20 times louder with a strong band at bins 2-3."""
    rng = np.random.default_rng(random_state)
    shape = (n_per_class, 2, 9, 7)
    quiet = rng.gamma(2.0, 1.0, size=shape)
    loud = 20 * rng.gamma(2.0, 1.0, size=shape)
    loud[:, :, 2:4] *= 5
    S = np.concatenate([quiet, loud]).astype(np.float32)
    return S, np.repeat(np.array(["quiet", "loud"]), n_per_class)


@pytest.fixture(scope="module")
def data():
    return _two_classes()


@pytest.fixture(scope="module")
def fitted(data):
    S, y = data
    # 80 samples, batch 32: one generator step after 5 critic steps per epoch,
    # so 300 critic and 60 generator updates
    return ConditionalGANSampler(n_steps=60, random_state=0, **TINY).fit(S, y)


def _log_profile(S):
    """Mean log magnitude of each (channel, frequency) row."""
    return np.log(S + 1e-3).mean(axis=(0, 3))


# -- training and what it learns --------------------------------------------------------------


def test_training_stays_finite_and_samples_stay_in_the_data_range(data, fitted):
    S, y = data
    assert fitted.n_iter_ == 60 and fitted.n_generator_steps_ == 60
    for curve in (fitted.loss_curve_, fitted.critic_loss_curve_, fitted.generator_loss_curve_):
        assert len(curve) == 60 and np.isfinite(curve).all()
    # the critic learns to tell real from generated: its distance estimate turns positive
    assert max(fitted.loss_curve_) > 0
    out = fitted.sample(np.repeat(["quiet", "loud"], 100), random_state=0)
    assert out.shape == (200,) + S.shape[1:] and out.dtype == np.float32
    assert np.isfinite(out).all()
    # tanh bounds the log magnitude to the training range of each (channel, frequency) row
    lo = S.min(axis=(0, 3))[None, :, :, None]
    hi = S.max(axis=(0, 3))[None, :, :, None]
    assert (out >= lo * (1 - 1e-4) - 1e-6).all() and (out <= hi * (1 + 1e-4)).all()
    # and the samples are not stuck at one end of it
    assert out.std() > 0.1 * S.std()


def test_the_label_decides_level_and_shape(data, fitted):
    S, y = data
    real = {k: _log_profile(S[y == k]) for k in ("quiet", "loud")}
    for k, other in (("quiet", "loud"), ("loud", "quiet")):
        gen = _log_profile(fitted.sample(np.repeat([k], 100), random_state=1))
        assert np.linalg.norm(gen - real[k]) < 0.5 * np.linalg.norm(gen - real[other])
    # the band of the loud class (bins 2-3 over the other bins) is learned for that label only
    loud = np.log(fitted.sample(np.repeat(["loud"], 100), random_state=2) + 1e-3)
    quiet = np.log(fitted.sample(np.repeat(["quiet"], 100), random_state=2) + 1e-3)
    band = lambda L: L[:, :, 2:4].mean() - L[:, :, 5:].mean()  # noqa: E731
    assert band(loud) > 0.7 and band(loud) > band(quiet) + 0.5


def test_gradient_penalty_matches_a_linear_critic():
    torch.manual_seed(0)
    weights = torch.randn(3, 2, 4, 5, dtype=torch.float64, requires_grad=True)

    def critic(x, labels):
        return (weights[labels] * x).flatten(1).sum(dim=1) + 7.0

    real = torch.randn(6, 2, 4, 5, dtype=torch.float64)
    fake = torch.randn(6, 2, 4, 5, dtype=torch.float64)
    labels = torch.tensor([0, 0, 1, 2, 2, 2])
    eps = torch.rand(6, dtype=torch.float64)
    penalty = gradient_penalty(critic, real, fake, labels, eps, weight=10.0)
    # the gradient of a linear critic is its weight vector wherever it is taken
    norms = weights.detach().flatten(1).norm(dim=1)
    expected = 10.0 * ((norms[labels] - 1) ** 2).mean()
    torch.testing.assert_close(penalty, expected)
    # the gradient is part of the graph (create_graph=True): the penalty trains the critic
    penalty.backward()
    counts = torch.bincount(labels, minlength=3).to(torch.float64)
    scale = 10.0 / 6 * counts * 2 * (norms - 1) / norms
    analytic = scale[:, None, None, None] * weights.detach()
    torch.testing.assert_close(weights.grad, analytic)


def test_gradient_penalty_is_taken_between_real_and_fake():
    # critic(x) = |x|^2 / 2 has gradient x: its norm is that of the interpolate itself
    critic = lambda x, labels: 0.5 * (x**2).flatten(1).sum(dim=1)  # noqa: E731
    real = torch.full((3, 1, 2, 2), 2.0, dtype=torch.float64)
    fake = torch.zeros(3, 1, 2, 2, dtype=torch.float64)
    eps = torch.tensor([0.0, 0.25, 1.0], dtype=torch.float64)
    penalty = gradient_penalty(critic, real, fake, torch.zeros(3, dtype=torch.long), eps,
                               weight=2.0)
    norms = eps * 2.0 * 2.0  # ||eps * real||, 4 entries of 2 eps
    torch.testing.assert_close(penalty, 2.0 * ((norms - 1) ** 2).mean())


def test_networks_handle_any_size_and_bound_the_output():
    lo, hi = -torch.ones(3, 5), torch.linspace(0, 2, 15).reshape(3, 5)
    gen = ConditionalGenerator(3, 5, 3, 4, latent_dim=6, base_channels=4, log_lo=lo,
                               log_hi=hi)
    with torch.no_grad():
        gen.project.bias.fill_(50.0)  # saturate the tanh
    out = gen(torch.randn(5, 6), torch.tensor([0, 1, 2, 3, 0]))
    assert out.shape == (5, 3, 5, 3)
    assert (out >= lo[..., None] - 1e-6).all() and (out <= hi[..., None] + 1e-6).all()
    critic = ProjectionCritic(3, 5, 3, 4, base_channels=4)
    assert critic(torch.randn(5, 3, 5, 3), torch.tensor([0, 1, 2, 3, 0])).shape == (5,)


# -- determinism, batching, persistence -------------------------------------------------------


def test_seeded_fit_and_sample(data, fitted):
    S, y = data
    a = fitted.sample(y[:10], random_state=3)
    np.testing.assert_array_equal(a, fitted.sample(y[:10], random_state=3))
    assert not np.allclose(a, fitted.sample(y[:10], random_state=4))
    small = dict(TINY, n_steps=3)
    first = ConditionalGANSampler(random_state=0, **small).fit(S, y)
    again = ConditionalGANSampler(random_state=0, **small).fit(S, y)
    other = ConditionalGANSampler(random_state=1, **small).fit(S, y)
    np.testing.assert_array_equal(first.loss_curve_, again.loss_curve_)
    np.testing.assert_array_equal(first.sample(y[:10], random_state=0),
                                  again.sample(y[:10], random_state=0))
    assert not np.allclose(first.sample(y[:10], random_state=0),
                           other.sample(y[:10], random_state=0))


def test_sample_batches_bound_memory_not_results(data, fitted):
    S, y = data
    full = fitted.sample(y[::4], random_state=0)
    batched = pickle.loads(pickle.dumps(fitted)).set_params(sample_batch_size=3)
    np.testing.assert_allclose(batched.sample(y[::4], random_state=0), full, rtol=1e-5,
                               atol=1e-6)


def test_pickle_round_trip_gives_identical_samples(data, fitted):
    S, y = data
    reloaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(reloaded.sample(y[:12], random_state=5),
                                  fitted.sample(y[:12], random_state=5))
    assert next(reloaded.model_.parameters()).device.type == "cpu"


def test_sample_ignores_conditions(data, fitted):
    S, y = data
    a = fitted.sample(y[:6], random_state=0)
    b = fitted.sample(y[:6], 2.0 * fitted.train_conditions_[:6], random_state=0)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="columns"):
        fitted.sample(y[:6], fitted.train_conditions_[:6, :3])


def test_verbose_zero_is_silent_and_one_shows_progress(data, capsys):
    S, y = data
    gan = ConditionalGANSampler(random_state=0, **dict(TINY, n_steps=1))
    gan.fit(S, y).sample(y[:4])
    gan.set_params(ratio=0.5).fit_resample(S, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    gan.set_params(verbose=1).fit(S, y).sample(y[:4])
    captured = capsys.readouterr()
    assert "cgan fit" in captured.err and "cgan sample" in captured.err


# -- protocol ---------------------------------------------------------------------------------


def test_fit_resample_keeps_originals_first_and_class_proportions():
    S, y = _two_classes(n_per_class=20)
    S, y = S[:36], y[:36]  # 20 quiet, 16 loud
    gan = ConditionalGANSampler(random_state=0, ratio=1.5, **dict(TINY, n_steps=2))
    S_res, y_res = gan.fit_resample(S, y)
    np.testing.assert_array_equal(S_res[:36], S)
    np.testing.assert_array_equal(y_res[:36], y)
    new = y_res[36:]
    assert (new == "quiet").sum() == 30 and (new == "loud").sum() == 24
    np.testing.assert_array_equal(gan.synthetic_mask_, np.arange(len(y_res)) >= 36)
    np.testing.assert_array_equal(y[gan.sample_indices_], y_res)
    assert S_res.dtype == np.float32 and np.isfinite(S_res).all() and (S_res >= 0).all()
    assert gan.uses_init is False


def test_one_network_covers_all_channels_and_modalities_group_metrics(data):
    S, y = data
    gan = ConditionalGANSampler(modalities={"a": [1], "b": [0]}, hps_factor={"a": 2, "b": 3},
                                channel_names=["x", "y"], random_state=0,
                                **dict(TINY, n_steps=1)).fit(S, y)
    assert gan.hps_factor_ == [3, 2]
    assert gan.condition_names_[0] == "x__temporal_range" and gan.n_conditions_ == 10
    assert gan.generator_ is gan.model_
    assert gan.model_.body[-1].out_channels == S.shape[1]


def test_metric_condition_is_refused_with_pointers(data):
    S, y = data
    for method in ("fit", "fit_resample"):
        gan = ConditionalGANSampler(condition="metrics", **dict(TINY, n_steps=1))
        with pytest.raises(ValueError, match="label-only") as info:
            getattr(gan, method)(S, y)
        assert "ConditionalDiffusionSampler" in str(info.value)
        assert "SpectrogramMetricEditSampler" in str(info.value)
        assert not hasattr(gan, "model_")


def test_metric_augmenters_refuse_the_label_only_gan(data):
    from skaugment import MetricDisturbAugmenter

    S, y = data
    augmenter = MetricDisturbAugmenter(ConditionalGANSampler(**dict(TINY, n_steps=1)))
    with pytest.raises(ValueError, match="condition='label'"):
        augmenter.fit_resample(S, y)


@pytest.mark.parametrize("params", [
    dict(condition="both"), dict(latent_dim=0), dict(base_channels=0), dict(n_steps=0),
    dict(batch_size=0), dict(lr=0.0), dict(n_critic=0), dict(gp_weight=-1.0),
    dict(sample_batch_size=0), dict(ratio=0.0), dict(device=3),
])
def test_invalid_params_raise(data, params):
    S, y = data
    name = next(iter(params))
    with pytest.raises(ValueError, match=name):
        ConditionalGANSampler(**params).fit(S, y)


def test_unfitted_and_unknown_labels(fitted):
    with pytest.raises(NotFittedError):
        ConditionalGANSampler().sample([0])
    with pytest.raises(ValueError):
        fitted.sample(["neither"])


def test_sample_only_params_are_declared():
    # the augmenters' memory= cache keys a generator's fit on every other parameter
    params = ConditionalGANSampler().get_params()
    assert set(ConditionalGANSampler._sample_params) == {"ratio", "sampling_strategy",
                                                         "sample_batch_size"}
    assert set(ConditionalGANSampler._sample_params) <= set(params)
