"""SF-DM: the 1-D denoiser, statistical conditioning, training, seeding, resampling, errors."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skaugment.generators.windows import _sfdm
from skaugment.generators.windows._conv1d_unet import MIN_TIMESTEPS, Conv1dUNet
from skaugment.generators._diffusion_schedule import alpha_sigma
from skaugment import StatisticalDiffusionSampler


def _sinusoids(n, n_channels=2, n_timesteps=32, seed=0):
    """Sinusoids whose offset, amplitude, frequency and phase vary widely per window."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_timesteps)
    size = (n, n_channels, 1)
    offset, amplitude = rng.uniform(-3, 3, size), rng.uniform(0.2, 3.0, size)
    cycles, phase = rng.uniform(1, 3, size), rng.uniform(0, 2 * np.pi, size)
    return (offset + amplitude * np.sin(2 * np.pi * cycles * t / n_timesteps + phase)
            ).astype(np.float32)


def _tiny(**params):
    params = {"n_steps": 3, "base_channels": 4, "n_sampling_steps": 2, "random_state": 0,
              "device": "cpu", **params}
    return StatisticalDiffusionSampler(**params)


@pytest.fixture(scope="module")
def trained():
    """One model trained on sinusoids, and held-out windows of the same kind."""
    X = _sinusoids(160, seed=0)
    gen = StatisticalDiffusionSampler(n_steps=1000, batch_size=32, base_channels=8,
                                      random_state=0, device="cpu").fit(X)
    return gen, X, _sinusoids(40, seed=1)


# -- the network ------------------------------------------------------------------------------


@pytest.mark.parametrize("n_timesteps", [MIN_TIMESTEPS, 31, 32, 45])
def test_network_maps_window_and_features_back_to_window_shape(n_timesteps):
    c = 3
    net = Conv1dUNet(n_channels=c, n_cond_channels=4 * c, base_channels=8)
    h = torch.randn(5, c + 4 * c, n_timesteps)
    out = net(h, torch.rand(5))
    assert out.shape == (5, c, n_timesteps)
    assert torch.isfinite(out).all()


def test_network_rejects_short_windows_and_wrong_channels():
    net = Conv1dUNet(n_channels=2, n_cond_channels=8, base_channels=4)
    with pytest.raises(ValueError, match="shorter than the 8"):
        net(torch.zeros(1, 10, MIN_TIMESTEPS - 1), torch.rand(1))
    with pytest.raises(ValueError, match=r"\(n, 10, n_timesteps\)"):
        net(torch.zeros(1, 9, 16), torch.rand(1))


def test_network_output_depends_on_the_condition_and_time():
    torch.manual_seed(0)
    net = Conv1dUNet(n_channels=1, n_cond_channels=4, base_channels=8)
    # the zero-initialised output layer would make every input look alike
    torch.nn.init.normal_(net.out.weight)
    x = torch.randn(1, 1, 16)
    a = net(torch.cat([x, torch.zeros(1, 4, 16)], 1), torch.tensor([0.5]))
    b = net(torch.cat([x, torch.ones(1, 4, 16)], 1), torch.tensor([0.5]))
    c = net(torch.cat([x, torch.zeros(1, 4, 16)], 1), torch.tensor([0.9]))
    assert not torch.allclose(a, b) and not torch.allclose(a, c)


# -- what the model learns --------------------------------------------------------------------


def test_samples_obey_the_requested_statistics(trained):
    gen, _, X_new = trained
    out = gen.sample(init=X_new)
    assert out.shape == X_new.shape and out.dtype == np.float32
    for stat, floor in ((np.mean, 0.95), (np.std, 0.9)):
        want, got = stat(X_new, axis=-1).ravel(), stat(out, axis=-1).ravel()
        assert np.corrcoef(want, got)[0, 1] > floor, stat.__name__
    want, got = X_new.std(axis=-1), out.std(axis=-1)
    assert np.median(np.abs(got - want) / want) < 0.25
    # edited conditions are obeyed too: each window asks for another window's spread
    cond = gen.conditions_from(X_new)
    k = gen.features_.index("std")
    requested = np.roll(cond[:, :, k, 0], 1, axis=0)
    cond[:, :, k] = requested[..., None]
    edited = gen.sample(conditions=cond)
    assert np.corrcoef(requested.ravel(), edited.std(axis=-1).ravel())[0, 1] > 0.85


def test_training_loss_decreases_and_stays_finite(trained):
    gen = trained[0]
    loss = np.asarray(gen.loss_curve_)
    assert loss.shape == (gen.n_iter_,) == (1000,)
    assert np.isfinite(loss).all()
    assert loss[-100:].mean() < 0.5 * loss[:100].mean()


def test_same_seed_same_samples_other_seed_other_samples(trained):
    gen, _, X_new = trained
    a = gen.sample(init=X_new[:6], random_state=3)
    np.testing.assert_array_equal(a, gen.sample(init=X_new[:6], random_state=3))
    assert not np.array_equal(a, gen.sample(init=X_new[:6], random_state=4))
    # batching does not change the draw
    np.testing.assert_allclose(a, _with_batch(gen, 4).sample(init=X_new[:6], random_state=3),
                               rtol=1e-4, atol=1e-4)


def _with_batch(gen, size):
    """A copy of the fitted ``gen`` that samples ``size`` windows per batch."""
    other = pickle.loads(pickle.dumps(gen))
    other.sample_batch_size = size
    return other


def test_fits_are_reproducible_and_seed_dependent():
    X = _sinusoids(12)
    y = np.repeat([0, 1], 6)
    first, _ = _tiny(n_steps=4).fit_resample(X, y)
    again, _ = _tiny(n_steps=4).fit_resample(X, y)
    other, _ = _tiny(n_steps=4, random_state=1).fit_resample(X, y)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[12:], other[12:])


@pytest.mark.parametrize("solver", ["ddim", "dpm++"])
def test_few_step_sampling_runs_the_shared_solver(trained, solver, monkeypatch):
    gen, _, X_new = trained
    calls = []
    real_solve = _sfdm.solve

    def spy(predict_x0, x, grid, solver="dpm++"):
        calls.append((len(grid) - 1, solver))
        return real_solve(predict_x0, x, grid, solver=solver)

    monkeypatch.setattr(_sfdm, "solve", spy)
    outs = {}
    for steps in (1, 20):
        fast = _with_batch(gen, 256).set_params(n_sampling_steps=steps, solver=solver)
        outs[steps] = fast.sample(init=X_new[:8])
        assert np.isfinite(outs[steps]).all()
    assert calls == [(1, solver), (20, solver)]
    # both land near the requested windows' statistics
    for out in outs.values():
        assert np.corrcoef(out.mean(-1).ravel(), X_new[:8].mean(-1).ravel())[0, 1] > 0.9


class _Oracle(torch.nn.Module):
    """The perfect denoiser under the paper's conditioning: ``x = mean + std * zscore``."""

    def __init__(self, gen):
        super().__init__()
        self.gen = gen

    def forward(self, h, t):
        g = self.gen
        c, k = g.n_channels_, len(g.features_)
        cond = h[:, c:].double().reshape(h.shape[0], c, k, -1)
        raw = (cond * torch.as_tensor(g.cond_scale_)[None, :, :, None]
               + torch.as_tensor(g.cond_mean_)[None, :, :, None])
        f = {name: raw[:, :, i] for i, name in enumerate(g.features_)}
        x_raw = f["mean"] + f["std"] * f["zscore"]
        x0 = ((x_raw - torch.as_tensor(g.x_mean_)[None, :, None])
              / torch.as_tensor(g.x_scale_)[None, :, None]).float()
        alpha, sigma = alpha_sigma(t)
        a, s = alpha[:, None, None], sigma[:, None, None]
        return (a * h[:, :c] - x0) / s  # the velocity whose clean estimate is x0


@pytest.mark.parametrize("solver", ["ddim", "dpm++"])
@pytest.mark.parametrize("steps", [1, 5])
def test_perfect_denoiser_returns_the_source_windows(solver, steps):
    X = _sinusoids(10)
    gen = _tiny(solver=solver, n_sampling_steps=steps).fit(X)
    gen.model_ = _Oracle(gen)
    np.testing.assert_allclose(gen.sample(init=X), X, rtol=1e-4, atol=1e-4)


# -- the sampler contract ---------------------------------------------------------------------


def test_fit_resample_originals_first_then_labelled_synthetic_rows():
    X = _sinusoids(15)
    y = np.array(["walk"] * 10 + ["sit"] * 5)
    gen = _tiny(ratio=1.4)
    X_res, y_res = gen.fit_resample(X, y)
    assert X_res.dtype == np.float32 and X_res.shape == (15 + 14 + 7, 2, 32)
    np.testing.assert_array_equal(X_res[:15], X)
    np.testing.assert_array_equal(y_res[:15], y)
    assert gen.sampling_strategy_ == {"sit": 7, "walk": 14}
    assert gen.synthetic_mask_.sum() == 21 and not gen.synthetic_mask_[:15].any()
    np.testing.assert_array_equal(gen.sample_indices_[:15], np.arange(15))
    np.testing.assert_array_equal(y_res, y[gen.sample_indices_])
    assert np.isfinite(X_res).all()
    # imbalanced-learn's meaning: the minority class grows to the majority's count
    _, y_bal = _tiny(sampling_strategy="minority").fit_resample(X, y)
    assert (y_bal == "sit").sum() == (y_bal == "walk").sum() == 10


def test_sample_checks_labels_against_those_fit_resample_saw():
    X = _sinusoids(15)
    y = np.array(["walk"] * 10 + ["sit"] * 5)
    gen = _tiny()
    # fitted without labels, any labels go (the model ignores them)
    assert gen.fit(X).sample(np.array(["run"] * 2), init=X[:2]).shape == (2, 2, 32)
    gen.fit_resample(X, y)
    assert gen.sample(np.array(["sit", "walk"]), init=X[:2]).shape == (2, 2, 32)
    with pytest.raises(ValueError, match=r"\['run'\] not seen at fit_resample"):
        gen.sample(np.array(["sit", "run"]), init=X[:2])


def test_fit_is_unsupervised_and_clone_keeps_params():
    X = _sinusoids(10)
    gen = _tiny()
    assert gen.fit(X) is gen and gen.fit(X, np.arange(10)) is gen
    assert gen.n_channels_ == 2 and gen.n_timesteps_ == 32
    assert gen.features_ == ["mean", "std", "skewness", "zscore"]
    assert clone(gen).get_params() == gen.get_params()
    restored = pickle.loads(pickle.dumps(gen))
    np.testing.assert_array_equal(restored.sample(init=X[:3]), gen.sample(init=X[:3]))


def test_feature_subset_conditions_on_fewer_channels():
    X = _sinusoids(10)
    gen = _tiny(features=["mean", "std"]).fit(X)
    assert gen.conditions_from(X).shape == (10, 2, 2, 32)
    assert gen.sample(init=X[:2]).shape == (2, 2, 32)


# -- errors -----------------------------------------------------------------------------------


def test_errors_are_clear():
    X = _sinusoids(10)
    bad = X.copy()
    bad[3, 1, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        _tiny().fit(bad)
    with pytest.raises(ValueError, match="3-D raw windows"):
        _tiny().fit(X[:, 0])
    with pytest.raises(ValueError, match="-D"):
        _tiny().fit(X[..., None])
    with pytest.raises(ValueError, match="shorter than the 8"):
        _tiny().fit(X[..., :5])
    with pytest.raises(ValueError, match="unknown feature"):
        _tiny(features=["mean", "kurtosis"]).fit(X)
    with pytest.raises(ValueError, match="solver"):
        _tiny(solver="euler").fit(X)
    with pytest.raises(ValueError, match="Invalid parameter 'n_step'"):
        _tiny().set_params(n_step=3)
    with pytest.raises(ValueError, match="labels but X has"):
        _tiny().fit_resample(X, np.zeros(9))
    with pytest.raises(NotFittedError):
        _tiny().sample(init=X)

    gen = _tiny().fit(X)
    with pytest.raises(ValueError, match="either init"):
        gen.sample()
    with pytest.raises(ValueError, match="either init"):
        gen.sample(init=X, conditions=gen.conditions_from(X))
    with pytest.raises(ValueError, match="y has 2 labels but init has 3 rows"):
        gen.sample(["a", "b"], init=X[:3])
    # the former sample(X) and sample(X=...) still work, and warn
    with pytest.warns(FutureWarning, match=r"sample\(y, init=X\)") as record:
        np.testing.assert_array_equal(gen.sample(X[:2], random_state=0),
                                      gen.sample(["a", "b"], init=X[:2], random_state=0))
    assert len(record) == 1  # one warning for the one deprecated call
    with pytest.warns(FutureWarning, match="deprecated"):
        gen.sample(X=X[:2])
    with pytest.raises(ValueError, match="channels"):
        gen.sample(init=X[:, :1])
    with pytest.raises(ValueError, match="timesteps"):
        gen.sample(init=X[..., :16])
    with pytest.raises(ValueError, match="conditions must have shape"):
        gen.sample(conditions=np.zeros((2, 2, 3, 32)))
    cond = gen.conditions_from(X)
    cond[1, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"conditions contains NaN or infinity in sample\(s\) 1"):
        gen.sample(conditions=cond)


def test_sampling_uses_the_fitted_features_and_checks_changed_parameters():
    rng = np.random.RandomState(0)
    X = (rng.randn(12, 2, 16) * rng.uniform(0.5, 2, (12, 2, 1))).astype(np.float32)
    gen = StatisticalDiffusionSampler(n_steps=3, base_channels=4, n_sampling_steps=2,
                                      device="cpu", random_state=0).fit(X)
    before = gen.sample(init=X[:3])
    # a later set_params must not change what the fitted network is conditioned on
    gen.set_params(features=["std", "mean"])
    np.testing.assert_array_equal(gen.sample(init=X[:3]), before)
    assert gen.conditions_from(X[:3]).shape == (3, 2, 4, 16)
    gen.set_params(features=None, solver="euler")
    with pytest.raises(ValueError, match="solver"):
        gen.sample(init=X[:3])
