"""SenseGen: the mixture density functions and the LSTM sampler of raw windows."""

import pickle

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skaugment.generators.windows._mdn import (
    mixture_nll,
    sample_mixture,
    soft_clamp,
    split_mixture_params,
)
from skaugment.generators.windows._sensegen import SenseGenSampler


def _tiny(**params):
    defaults = dict(hidden_size=8, num_layers=1, fc_size=8, n_components=3, embedding_dim=4,
                    n_steps=30, batch_size=8, device="cpu", random_state=0)
    return SenseGenSampler(**{**defaults, **params})


def _two_classes(n_per_class=12, n_channels=2, n_timesteps=16, seed=0):
    """Class "a" around +1, class "b" around -1, smooth plus a little noise."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 2 * np.pi, n_timesteps)
    offset = np.repeat([1.0, -1.0], n_per_class)[:, None, None]
    X = offset + 0.3 * np.sin(t) + 0.1 * rng.standard_normal((2 * n_per_class, n_channels,
                                                              n_timesteps))
    return X, np.repeat(["a", "b"], n_per_class)


# -- the mixture functions -----------------------------------------------------------------------


def test_mixture_nll_matches_scipy():
    rng = np.random.RandomState(0)
    n, k, c = 7, 3, 2
    logits, means = rng.randn(n, k), rng.randn(n, k, c)
    log_scales, target = 0.5 * rng.randn(n, k, c), rng.randn(n, c)
    weights = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    density = (weights * stats.norm.pdf(target[:, None, :], means,
                                        np.exp(log_scales)).prod(axis=2)).sum(axis=1)
    expected = -np.log(density)

    got = mixture_nll(tuple(torch.as_tensor(a) for a in (logits, means, log_scales)),
                      torch.as_tensor(target))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    # float32, the dtype the sampler trains in
    got32 = mixture_nll(tuple(torch.as_tensor(a, dtype=torch.float32)
                              for a in (logits, means, log_scales)),
                        torch.as_tensor(target, dtype=torch.float32))
    np.testing.assert_allclose(got32.numpy(), expected, rtol=1e-5)
    # the raw output of a network, split (unclamped) into the same mixture
    raw = np.concatenate([logits, means.reshape(n, -1), log_scales.reshape(n, -1)], axis=1)
    from_raw = mixture_nll(torch.as_tensor(raw), torch.as_tensor(target), log_scale_bounds=None)
    np.testing.assert_allclose(from_raw.numpy(), expected, rtol=1e-5)
    # univariate form: (..., K) means and a (...) target
    uni = mixture_nll((torch.as_tensor(logits), torch.as_tensor(means[:, :, 0]),
                       torch.as_tensor(log_scales[:, :, 0])), torch.as_tensor(target[:, 0]))
    uni_expected = -np.log((weights * stats.norm.pdf(target[:, :1], means[:, :, 0],
                                                     np.exp(log_scales[:, :, 0]))).sum(axis=1))
    np.testing.assert_allclose(uni.numpy(), uni_expected, rtol=1e-5)
    assert float(mixture_nll((torch.as_tensor(logits), torch.as_tensor(means),
                              torch.as_tensor(log_scales)), torch.as_tensor(target),
                             reduction="mean")) == pytest.approx(expected.mean(), rel=1e-6)


def test_mixture_nll_is_finite_where_the_sum_of_probabilities_underflows():
    logits = np.log([0.3, 0.7])
    means, scales, target = np.array([0.0, 1.0]), np.array([1.0, 1.0]), 50.0
    # the sum of probabilities, as the original SenseGen code computed it
    naive = (np.exp(logits) * stats.norm.pdf(target, means, scales)).sum()
    with np.errstate(divide="ignore"):
        assert naive == 0.0 and np.log(naive) == -np.inf

    params = tuple(torch.tensor(a, dtype=torch.float32, requires_grad=True)
                   for a in (logits, means, np.log(scales)))
    nll = mixture_nll(params, torch.tensor(target, dtype=torch.float32))
    expected = -logsumexp(logits + stats.norm.logpdf(target, means, scales))
    assert np.isfinite(nll.item())
    assert nll.item() == pytest.approx(expected, rel=1e-5)  # about 0.5 * 49**2
    nll.backward()
    assert all(torch.isfinite(p.grad).all() for p in params)


def test_split_mixture_params_layout_and_clamp():
    k, c = 2, 3
    raw = torch.arange(k * (1 + 2 * c), dtype=torch.float32)[None]
    logits, means, log_scales = split_mixture_params(raw, c, log_scale_bounds=None)
    assert logits.tolist() == [[0.0, 1.0]]
    assert means.tolist() == [[[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]]
    assert log_scales.tolist() == [[[8.0, 9.0, 10.0], [11.0, 12.0, 13.0]]]
    _, _, clamped = split_mixture_params(raw * 10 - 100, c)  # far outside [-7, 3]
    assert clamped.min() >= -7 and clamped.max() <= 3
    x = torch.linspace(-50, 50, 101, requires_grad=True)
    squashed = soft_clamp(x, -7.0, 3.0)
    squashed.sum().backward()
    assert (x.grad > 0).all()  # never a dead gradient, unlike torch.clamp
    assert soft_clamp(torch.tensor(-1.0), -7.0, 3.0).item() == pytest.approx(-1.0, abs=0.02)
    with pytest.raises(ValueError, match="multiple of"):
        split_mixture_params(torch.zeros(1, 8), 3)


def test_sample_mixture_follows_the_mixture():
    gen = torch.Generator().manual_seed(0)
    n = 20000
    logits = torch.log(torch.tensor([0.25, 0.75])).expand(n, 2)
    means = torch.tensor([[-3.0, 0.0], [4.0, 1.0]]).expand(n, 2, 2)
    log_scales = torch.log(torch.tensor([[0.5, 0.1], [1.0, 0.2]])).expand(n, 2, 2)
    x = sample_mixture(logits, means, log_scales, generator=gen).numpy()
    assert x.shape == (n, 2)
    first = x[:, 0] < 0.5  # component 0 (mean -3) vs component 1 (mean 4)
    assert first.mean() == pytest.approx(0.25, abs=0.015)
    # the component is shared by the channels: channel 1 goes with channel 0
    assert x[first, 1].mean() == pytest.approx(0.0, abs=0.01)
    assert x[~first, 1].mean() == pytest.approx(1.0, abs=0.01)
    assert x[~first, 0].std() == pytest.approx(1.0, abs=0.03)
    # a cold temperature favours the heavy component and narrows it
    cold = sample_mixture(logits, means, log_scales, generator=gen, temperature=0.25).numpy()
    assert (cold[:, 0] > 0.5).mean() > 0.95
    assert cold[cold[:, 0] > 0.5, 0].std() == pytest.approx(0.5, abs=0.03)
    same = [sample_mixture(logits[:5], means[:5], log_scales[:5],
                           generator=torch.Generator().manual_seed(3)) for _ in range(2)]
    assert torch.equal(*same)


def test_mixture_fitted_by_nll_recovers_two_modes():
    rng = np.random.RandomState(0)
    data = np.concatenate([-2 + 0.1 * rng.randn(500), 2 + 0.1 * rng.randn(500)])
    target = torch.as_tensor(data, dtype=torch.float32)
    logits = torch.zeros(4, requires_grad=True)
    means = torch.tensor([-0.3, -0.1, 0.1, 0.3], requires_grad=True)
    log_scales = torch.zeros(4, requires_grad=True)
    opt = torch.optim.Adam([logits, means, log_scales], lr=0.05)
    for _ in range(400):
        n = len(data)
        loss = mixture_nll((logits.expand(n, 4), means.expand(n, 4), log_scales.expand(n, 4)),
                           target, reduction="mean")
        opt.zero_grad()
        loss.backward()
        opt.step()
    weights = torch.softmax(logits, 0).detach().numpy()
    mu = means.detach().numpy()
    heavy = weights > 0.05
    assert np.all(np.abs(np.abs(mu[heavy]) - 2) < 0.15), (weights, mu)
    assert weights[mu < 0].sum() == pytest.approx(0.5, abs=0.05)
    assert weights[mu > 0].sum() == pytest.approx(0.5, abs=0.05)
    # the NLL reaches the entropy of two equal N(+-2, 0.1) bumps: that of N(0, 0.1) + log 2
    entropy = 0.5 * np.log(2 * np.pi * np.e * 0.1**2) + np.log(2)
    assert loss.item() == pytest.approx(entropy, abs=0.05)


# -- the sampler ---------------------------------------------------------------------------------


def test_sampler_learns_a_bimodal_signal():
    rng = np.random.RandomState(0)
    # every value independently near -2 or +2: the next-step law is bimodal whatever the past
    X = rng.choice([-2.0, 2.0], size=(64, 1, 16)) + 0.1 * rng.standard_normal((64, 1, 16))
    gen = _tiny(condition="none", n_components=4, n_steps=400, batch_size=32, lr=1e-2)
    gen.fit(X, np.zeros(64, dtype=int))
    S = gen.sample(np.zeros(200, dtype=int), random_state=0).ravel()
    near = np.minimum(np.abs(S - 2), np.abs(S + 2)) < 0.5
    assert near.mean() > 0.9
    assert 0.3 < (S > 0).mean() < 0.7
    assert (np.abs(S) < 1).mean() < 0.05  # not a blur between the modes


def test_stability_on_hapt(hapt_small):
    """2,000 steps on real windows: no NaN (the original code went NaN), the loss falls."""
    X = hapt_small.data[:, :, :64]
    gen = SenseGenSampler(hidden_size=16, num_layers=1, fc_size=16, n_components=4,
                          n_steps=2000, batch_size=16, device="cpu", random_state=0)
    gen.fit(X, hapt_small.target)
    losses = gen.loss_curve_
    assert losses.shape == (2000,)
    assert np.isfinite(losses).all()
    assert losses[-200:].mean() < losses[:200].mean() - 0.5
    S = gen.sample(hapt_small.target[:50], random_state=0)
    assert np.isfinite(S).all() and S.shape == (50, 6, 64)


def test_sampling_is_seeded_bounded_and_float32():
    X, y = _two_classes()
    gen = _tiny().fit(X, y)
    labels = np.array(["b", "a", "a"])
    S = gen.sample(labels, random_state=1)
    assert S.shape == (3, 2, 16) and S.dtype == np.float32
    np.testing.assert_array_equal(S, gen.sample(labels, random_state=1))
    assert not np.array_equal(S, gen.sample(labels, random_state=2))
    # None takes the estimator's random_state
    np.testing.assert_array_equal(gen.sample(labels), gen.sample(labels))
    np.testing.assert_array_equal(gen.sample(labels), gen.sample(labels, random_state=0))
    # a refit with the same random_state learns the same model
    again = clone(gen).fit(X, y)
    np.testing.assert_array_equal(again.loss_curve_, gen.loss_curve_)
    np.testing.assert_array_equal(again.sample(labels, random_state=1), S)
    restored = pickle.loads(pickle.dumps(gen))
    np.testing.assert_array_equal(restored.sample(labels, random_state=1), S)
    assert gen.sample(labels, n_timesteps=40, random_state=1).shape == (3, 2, 40)

    # a hot temperature pushes draws into the clamp: training range +- clip_margin std
    hot = gen.set_params(temperature=50.0, clip_margin=0.5).sample(np.repeat(["a", "b"], 50),
                                                                   random_state=0)
    low = X.min(axis=(0, 2)) - 0.5 * X.std(axis=(0, 2))
    high = X.max(axis=(0, 2)) + 0.5 * X.std(axis=(0, 2))
    for ch in range(2):
        assert hot[:, ch].min() >= low[ch] - 1e-5 and hot[:, ch].max() <= high[ch] + 1e-5
    assert np.isclose(hot.max(axis=(0, 2)), high, atol=1e-5).any()  # the clamp did act
    free = gen.set_params(clip_margin=None).sample(np.repeat(["a", "b"], 50), random_state=0)
    assert (free.max(axis=(0, 2)) > high).any()


def test_fit_resample_appends_generated_rows_per_class():
    X, y = _two_classes(n_per_class=12)
    keep = np.r_[0:12, 12:21]  # 12 "a", 9 "b"
    X, y = X[keep], y[keep]
    gen = _tiny(ratio=0.5)
    X_res, y_res = gen.fit_resample(X, y)
    n_new = {"a": round(0.5 * 12), "b": round(0.5 * 9)}
    assert X_res.shape == (len(X) + sum(n_new.values()), 2, 16) and X_res.dtype == np.float32
    np.testing.assert_allclose(X_res[:len(X)], X, rtol=1e-6)
    np.testing.assert_array_equal(y_res[:len(X)], y)
    labels, counts = np.unique(y_res[len(X):], return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist())) == n_new
    assert gen.sampling_strategy_ == n_new
    assert gen.sample_indices_.shape == y_res.shape
    np.testing.assert_array_equal(y[gen.sample_indices_], y_res)
    np.testing.assert_array_equal(gen.synthetic_mask_, np.arange(len(y_res)) >= len(X))
    # generated, not copied: no synthetic window equals a real one
    gaps = ((X_res[len(X):, None] - X[None]) ** 2).sum(axis=(2, 3)).min(axis=1)
    assert (gaps > 1e-6).all()

    balanced = _tiny(sampling_strategy="minority")
    _, y_bal = balanced.fit_resample(X, y)
    assert np.unique(y_bal, return_counts=True)[1].tolist() == [12, 12]
    with pytest.raises(ValueError, match="sampling_strategy"):
        _tiny(sampling_strategy={"c": 3}).fit_resample(X, y)
    with pytest.warns(UserWarning, match="condition='none'"):
        _tiny(condition="none", ratio=0.5).fit_resample(X, y)


def test_samples_follow_their_label():
    X, y = _two_classes(n_per_class=20)
    gen = _tiny(hidden_size=16, fc_size=16, n_steps=300, lr=1e-2).fit(X, y)
    S = gen.sample(np.repeat(["a", "b"], 30), random_state=0)
    means = S.mean(axis=(1, 2))
    assert (means[:30] > 0.5).mean() > 0.9
    assert (means[30:] < -0.5).mean() > 0.9
    # unconditional: one model for both labels, so the label says nothing
    free = _tiny(condition="none", hidden_size=16, fc_size=16, n_steps=300, lr=1e-2).fit(X, y)
    assert free.model_.embedding is None
    S_free = free.sample(np.repeat(["a", "b"], 30), random_state=0).mean(axis=(1, 2))
    assert abs(S_free[:30].mean() - S_free[30:].mean()) < 1.0
    assert 0.2 < (S_free > 0).mean() < 0.8  # both classes' levels, whatever the label


def test_clear_errors():
    X, y = _two_classes()
    bad = X.copy()
    bad[3, 1, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        _tiny().fit(bad, y)
    with pytest.raises(ValueError, match="3-D raw windows"):
        _tiny().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="-D"):
        _tiny().fit(X[..., None], y)
    with pytest.raises(ValueError, match="at least 2 timesteps"):
        _tiny().fit_resample(X[:, :, :1], y)
    with pytest.raises(ValueError, match="labels but X has"):
        _tiny().fit(X, y[:-1])
    with pytest.raises(InvalidParameterError, match="n_components"):
        _tiny(n_components=0).fit(X, y)
    with pytest.raises(NotFittedError):
        _tiny().sample(["a"])
    gen = _tiny(n_steps=2).fit(X, y)
    with pytest.raises(ValueError, match=r"label\(s\) \['c'\] not seen at fit"):
        gen.sample(["a", "c"])
    with pytest.raises(ValueError, match="empty"):
        gen.sample([])
    with pytest.raises(ValueError, match="labels only"):
        gen.sample(["a"], np.zeros((1, 10)))
    with pytest.raises(ValueError, match="n_timesteps"):
        gen.sample(["a"], n_timesteps=0)


def test_sklearn_contract():
    gen = _tiny(hidden_size=5)
    assert clone(gen).get_params() == gen.get_params()
    tags = gen.__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array
    X, y = _two_classes()
    gen.fit(X, y)
    assert gen.get_params()["hidden_size"] == 5
    assert gen.input_shape_ == (2, 16) and gen.n_iter_ == 30
    np.testing.assert_array_equal(gen.classes_, ["a", "b"])
    assert not gen.model_.training and next(gen.model_.parameters()).device.type == "cpu"
