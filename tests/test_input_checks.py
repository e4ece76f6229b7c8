"""Every public input checked against what was fitted: one battery of bad inputs.

Each case is a fitted estimator, a call with one bad input, and the error it must raise:
a ``ValueError`` (or ``TypeError`` for a wrong kind of value) whose message names the
input, never a torch or numpy traceback from deep inside. The estimators are fitted
once per module, tiny.
"""

import numpy as np
import pytest

from skaugment import (
    ConditionalDiffusionSampler,
    ConditionalGANSampler,
    ConditionalVAESampler,
    SpectrogramMetricEditSampler,
    MetricTargetAugmenter,
    SenseGenSampler,
    StatisticalDiffusionSampler,
)

RNG = np.random.default_rng(0)
S = RNG.gamma(2.0, 1.0, size=(16, 2, 9, 8)).astype(np.float32)
Y = np.repeat(["a", "b"], 8)
X = RNG.normal(size=(16, 2, 24)).astype(np.float32)


@pytest.fixture(scope="module")
def spectrogram_generators():
    small = dict(random_state=0)
    return {
        "SpectrogramMetricEditSampler": SpectrogramMetricEditSampler(**small).fit(S, Y),
        "ConditionalDiffusionSampler": ConditionalDiffusionSampler(
            n_steps=1, base_channels=4, train_steps=10, sample_steps=1, metric_guidance=0.0,
            **small).fit(S, Y),
        "ConditionalVAESampler": ConditionalVAESampler(n_steps=1, base_channels=4,
                                                       **small).fit(S, Y),
        "ConditionalGANSampler": ConditionalGANSampler(n_steps=1, base_channels=4,
                                                       latent_dim=4, **small).fit(S, Y),
    }


def _conditions(gen, n=2):
    return gen.train_conditions_[:n].copy()


def _init(gen, n=2):
    return S[:n] if gen.uses_init else None


METRIC_GENERATORS = ["SpectrogramMetricEditSampler", "ConditionalDiffusionSampler",
                     "ConditionalVAESampler"]
ALL_GENERATORS = METRIC_GENERATORS + ["ConditionalGANSampler"]


@pytest.mark.parametrize("name", ALL_GENERATORS)
def test_sample_refuses_unseen_labels(spectrogram_generators, name):
    gen = spectrogram_generators[name]
    with pytest.raises(ValueError, match="'c'"):
        gen.sample(["a", "c"], init=_init(gen))


@pytest.mark.parametrize("name", METRIC_GENERATORS)
@pytest.mark.parametrize("change, match", [
    (lambda c: c[:, :-1], "conditions has 9 columns"),
    (lambda c: c[:1], "conditions has 1 rows"),
    (lambda c: np.where(np.arange(c.size).reshape(c.shape) == 3, np.nan, c), "conditions.*NaN"),
    (lambda c: np.where(np.arange(c.size).reshape(c.shape) == 3, np.inf, c), "conditions.*inf"),
    (lambda c: -c, "conditions.*negative"),
    (lambda c: c.astype(str), "conditions must hold real numbers"),
])
def test_sample_refuses_bad_conditions(spectrogram_generators, name, change, match):
    gen = spectrogram_generators[name]
    with pytest.raises((ValueError, TypeError), match=match):
        gen.sample(["a", "b"], change(_conditions(gen)), init=_init(gen))


@pytest.mark.parametrize("change, match", [
    (lambda s: s[:, :1], "init"),                 # one channel, fitted on two
    (lambda s: s[:, :, :5], "init"),              # other frequency bins
    (lambda s: s[:, :, :, :4], "init"),           # other frames
    (lambda s: s[:1], "init has 1 samples"),
    (lambda s: np.where(s > 2, np.nan, s), "init.*NaN"),
    (lambda s: -s, "init.*negative"),
    (lambda s: s[0], "init"),                     # 3-D
])
def test_sample_refuses_bad_init(spectrogram_generators, change, match):
    # the generator that starts from init
    gen = spectrogram_generators["SpectrogramMetricEditSampler"]
    with pytest.raises(ValueError, match=match):
        gen.sample(["a", "b"], _conditions(gen), init=change(S[:2]))


def test_sample_requires_init_when_it_starts_from_one(spectrogram_generators):
    with pytest.raises(ValueError, match="init"):
        spectrogram_generators["SpectrogramMetricEditSampler"].sample(["a", "b"])


@pytest.mark.parametrize("target, match", [
    (S[:3, :1], "target"),                        # spectrograms of another layout
    (S[:3, :, :5], "target"),
    (np.ones((3, 9)), "target has 9 columns"),
    (-np.ones((3, 10)), "target holds negative"),
    (np.full((3, 10), np.nan), "target.*NaN"),
])
def test_target_must_match_the_fitted_layout(target, match):
    aug = MetricTargetAugmenter(generator=SpectrogramMetricEditSampler(), target=target, ratio=1.0,
                                random_state=0)
    with pytest.raises(ValueError, match=match):
        aug.fit_resample(S, Y)


@pytest.fixture(scope="module")
def raw_generators():
    return {
        "SenseGenSampler": SenseGenSampler(hidden_size=4, num_layers=1, fc_size=4,
                                           n_components=2, n_steps=2, batch_size=8,
                                           random_state=0).fit(X, Y),
        "StatisticalDiffusionSampler": StatisticalDiffusionSampler(
            n_steps=2, base_channels=4, n_sampling_steps=1, random_state=0).fit(X),
    }


@pytest.mark.parametrize("call, match", [
    (lambda g: g.sample(["a", "c"]), "'c'"),
    (lambda g: g.sample([]), "y is empty"),
    (lambda g: g.sample(["a"], n_timesteps=0), "n_timesteps"),
])
def test_sensegen_sample_checks(raw_generators, call, match):
    with pytest.raises(ValueError, match=match):
        call(raw_generators["SenseGenSampler"])


@pytest.mark.parametrize("call, match", [
    (lambda g: g.sample(init=X[:2, :1]), "init"),            # one channel, fitted on two
    (lambda g: g.sample(init=X[:2, :, :12]), "init"),        # shorter windows
    (lambda g: g.sample(init=np.where(X[:2] > 1, np.nan, X[:2])), "init.*NaN"),
    (lambda g: g.sample(), "either init"),
    (lambda g: g.sample(["a"], init=X[:2]), "y has 1 labels but init has 2 rows"),
    (lambda g: g.sample(conditions=np.ones((2, 3, 1))), "conditions"),
    (lambda g: g.sample(conditions=np.full((2, g.n_channels_, len(g.features_), g.n_timesteps_), np.nan)), "conditions.*NaN"),
])
def test_sfdm_sample_checks(raw_generators, call, match):
    with pytest.raises(ValueError, match=match):
        call(raw_generators["StatisticalDiffusionSampler"])
