"""The shared validators: every estimator relies on their messages."""

import numpy as np
import pytest

from skaugment.utils import (
    check_channel_names,
    check_labels,
    check_modalities,
    check_ratio,
    check_spectrogram,
    check_time_series,
    per_modality_value,
)
from skaugment.utils._torch import resolve_device, torch_generator


def test_time_series_accepts_2d_as_one_channel_and_casts_ints():
    X = check_time_series(np.arange(12).reshape(3, 4))
    assert X.shape == (3, 1, 4)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X[:, 0], np.arange(12).reshape(3, 4))


def test_time_series_keeps_float32():
    assert check_time_series(np.zeros((2, 3, 4), np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros(5), "must be 3-D"),
        (np.zeros((2, 2, 2, 2)), "must be 3-D"),
        (np.zeros((0, 3, 8)), "empty"),
        (np.zeros((2, 3, 4)), "shorter than the 8"),
        (np.array([["a", "b"]]), "real numbers"),
    ],
)
def test_time_series_rejects(X, message):
    with pytest.raises((ValueError, TypeError), match=message):
        check_time_series(X, min_timesteps=8)


def test_nan_and_inf_are_named_by_sample_index():
    X = np.zeros((5, 2, 8))
    X[1, 0, 3] = np.nan
    X[4, 1, 0] = np.inf
    with pytest.raises(ValueError, match=r"sample\(s\) 1, 4\."):
        check_time_series(X)


def test_channel_count_checked_against_fit():
    with pytest.raises(ValueError, match="3 channels, but 6 were seen at fit"):
        check_time_series(np.zeros((2, 3, 8)), n_channels=6)


def test_spectrogram_rejects_negative_values_as_log_scaled():
    S = np.ones((3, 1, 4, 4))
    S[2, 0, 0, 0] = -1.0
    with pytest.raises(ValueError, match=r"sample\(s\) 2 hold negative values"):
        check_spectrogram(S)
    assert check_spectrogram(S, nonnegative=False).shape == (3, 1, 4, 4)


def test_spectrogram_shape_checked_against_fit():
    with pytest.raises(ValueError, match=r"per-sample shape \(1, 4, 4\)"):
        check_spectrogram(np.ones((3, 1, 4, 4)), shape=(1, 5, 4))


def test_labels():
    assert check_labels([[1], [2]]).tolist() == [1, 2]
    with pytest.raises(ValueError, match="1-D"):
        check_labels(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        check_labels([1.0, np.nan])


@pytest.mark.parametrize("ratio", [0, -1, np.inf, np.nan])
def test_ratio_must_be_positive(ratio):
    with pytest.raises(ValueError, match="positive"):
        check_ratio(ratio)


def test_ratio_type():
    with pytest.raises(TypeError):
        check_ratio("5")
    with pytest.raises(TypeError):
        check_ratio(True)
    assert check_ratio(2) == 2.0


def test_modalities_validation():
    assert check_modalities({"a": [1], "b": [0]}, 2) == {"a": [1], "b": [0]}
    with pytest.raises(ValueError, match="more than one modality"):
        check_modalities({"a": [0, 1], "b": [1]}, 2)
    with pytest.raises(ValueError, match="outside 0..1"):
        check_modalities({"a": [0, 2]}, 2)
    with pytest.raises(TypeError, match="non-empty dict"):
        check_modalities([0, 1], 2)


def test_channel_names_validation():
    with pytest.raises(ValueError, match="unique"):
        check_channel_names(["x", "x"], 2)
    with pytest.raises(ValueError, match="2 names but X has 3"):
        check_channel_names(["x", "y"], 3)


def test_per_modality_value():
    mods = {"acc": [0, 2], "gyro": [1]}
    assert per_modality_value(2, mods, "hps_factor", 3) == [2, 2, 2]
    assert per_modality_value({"acc": 3, "gyro": 1}, mods, "hps_factor", 3) == [3, 1, 3]
    with pytest.raises(ValueError, match="unknown modalities"):
        per_modality_value({"acc": 3, "gyro": 1, "mag": 2}, mods, "hps_factor", 3)


def test_device_and_generator():
    import torch

    assert resolve_device("cpu") == "cpu" == resolve_device(torch.device("cpu"))
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="'tpu' is not a torch device"):
        resolve_device("tpu")
    with pytest.raises(ValueError, match="only 'cpu', 'cuda"):
        resolve_device("meta")
    with pytest.raises(TypeError, match="string or a torch.device"):
        resolve_device(0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device is available"):
            resolve_device("cuda:1")
    else:  # pragma: no cover - exercised where a GPU is present
        with pytest.raises(ValueError, match="CUDA device"):
            resolve_device(f"cuda:{torch.cuda.device_count()}")

    assert not torch.equal(
        torch.randn(4, generator=torch_generator(0)), torch.randn(4, generator=torch_generator(1))
    )


def test_sparse_complex_and_object_input():
    from scipy import sparse

    with pytest.raises(TypeError, match="sparse input is not supported"):
        check_time_series(sparse.csr_matrix(np.ones((2, 8))))
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_spectrogram(np.ones((2, 1, 3, 3), dtype=complex))
    X = check_time_series(np.ones((2, 8)).astype(object))
    assert X.dtype == np.float64
    with pytest.raises(TypeError, match="real numbers"):
        check_time_series(np.array([["a", "b"]], dtype=object))


def test_nan_reported_before_shape_problems():
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 0"):
        check_spectrogram(np.array([[np.nan, 1.0]]))


def test_missing_y_uses_sklearn_wording():
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        check_labels(None)


def test_check_generator_accepts_the_package_generators_and_catches_breaches():
    from skaugment.generators import ConditionalDiffusionSampler, SpectrogramMetricEditSampler
    from skaugment.utils import check_generator

    check_generator(SpectrogramMetricEditSampler(random_state=0))
    tiny = dict(n_steps=1, base_channels=4, train_steps=10, sample_steps=2, device="cpu",
                random_state=0)
    check_generator(ConditionalDiffusionSampler(**tiny))
    check_generator(ConditionalDiffusionSampler(strength=0.5, **tiny))

    class Unseeded(SpectrogramMetricEditSampler):
        def sample(self, y, conditions=None, *, init=None, random_state=None):
            return super().sample(y, conditions, init=init, random_state=None) + np.float32(
                np.random.rand())

    with pytest.raises(AssertionError, match="not seeded"):
        check_generator(Unseeded())

    class Float64(SpectrogramMetricEditSampler):
        def sample(self, *args, **kwargs):
            return super().sample(*args, **kwargs).astype(np.float64)

    with pytest.raises(AssertionError, match="float32"):
        check_generator(Float64())


# -- the training loop shared by the generators and MoCo -------------------------------------


def test_epoch_batches_are_passes_over_every_row():
    import torch

    from skaugment.utils._training import cycling_batches, epoch_batches

    batches = epoch_batches(7, 3, torch.Generator().manual_seed(0))
    passes = [torch.cat([next(batches) for _ in range(3)]) for _ in range(2)]
    for rows in passes:
        assert sorted(rows.tolist()) == list(range(7))
    assert not torch.equal(passes[0], passes[1])  # reshuffled
    balanced = epoch_batches(7, 3, torch.Generator().manual_seed(0), balanced=True)
    assert [len(next(balanced)) for _ in range(3)] == [3, 2, 2]
    cycling = cycling_batches(7, 3, torch.Generator().manual_seed(0))
    first = [next(cycling) for _ in range(2)]  # one row of the pass is left over
    assert all(len(b) == 3 for b in first) and len(set(torch.cat(first).tolist())) == 6


def test_training_loop_steps_clips_and_averages():
    import torch

    from skaugment.utils._training import TrainingLoop

    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    x, y = torch.randn(16, 2), torch.randn(16, 1)
    start = [p.detach().clone() for p in model.parameters()]
    norms = []

    def after_step(step, loss):
        norms.append(float(torch.nn.utils.get_total_norm(
            [p.grad for p in model.parameters()])))

    loop = TrainingLoop(model, torch.optim.SGD(model.parameters(), lr=0.1),
                        get_loss=lambda step: 100 * ((model(x) - y) ** 2).mean(),
                        gradient_clip=0.5, ema_decay=0.5, after_step=after_step)
    losses = loop.run(3)
    assert losses.shape == (3,) and losses[2] < losses[0]
    assert max(norms) <= 0.5 + 1e-6  # clipped before the step
    # the average with warm-up: decay min(0.5, (1 + s) / (10 + s)) = 0.1, 2/11, 3/12
    w = [p.detach().clone() for p in start]
    replay = torch.nn.Linear(2, 1)
    with torch.no_grad():
        for p, q in zip(replay.parameters(), start):
            p.copy_(q)
    opt = torch.optim.SGD(replay.parameters(), lr=0.1)
    for step in range(3):
        loss = 100 * ((replay(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(replay.parameters(), 0.5)
        opt.step()
        decay = min(0.5, (1 + step) / (10 + step))
        w = [decay * a + (1 - decay) * p.detach() for a, p in zip(w, replay.parameters())]
    for a, b in zip(w, loop.final_model.parameters()):
        assert torch.allclose(a, b, atol=1e-6)
    assert loop.final_model is not model


def test_training_loop_refuses_a_non_finite_loss():
    import torch

    from skaugment.utils._training import TrainingLoop

    model = torch.nn.Linear(1, 1)
    loop = TrainingLoop(model, torch.optim.SGD(model.parameters(), lr=0.1),
                        get_loss=lambda step: model(torch.ones(1, 1)).sum() * float("nan"),
                        desc="toy fit", hint="Lower lr.")
    with pytest.raises(FloatingPointError,
                       match=r"toy fit: the training loss became nan at step 0\. Lower lr\."):
        loop.run(2)


@pytest.mark.parametrize("make, steps_per_pass", [
    (lambda **kw: __import__("skaugment").ConditionalDiffusionSampler(
        base_channels=4, batch_size=8, sample_steps=1, metric_guidance=0.0, **kw), 3),
    (lambda **kw: __import__("skaugment").ConditionalVAESampler(base_channels=4, batch_size=8,
                                                                 **kw), 3),
    (lambda **kw: __import__("skaugment").ConditionalGANSampler(base_channels=4, latent_dim=4,
                                                                 batch_size=8, n_critic=1, **kw), 2),
])
def test_deprecated_max_epochs_is_passes_of_n_steps(make, steps_per_pass):
    rng = np.random.default_rng(0)
    S = rng.gamma(2.0, 1.0, size=(20, 1, 5, 4)).astype(np.float32)
    y = np.repeat([0, 1], 10)
    n_steps = 2 * steps_per_pass  # GAN: round(20 / (8 * 1)) = 2 generator steps per pass
    with pytest.warns(FutureWarning, match=rf"max_epochs=2 is n_steps={n_steps}"):
        old = make(max_epochs=2, random_state=0).fit(S, y)
    new = make(n_steps=n_steps, random_state=0).fit(S, y)
    assert old.n_iter_ == new.n_iter_ == n_steps and len(new.loss_curve_) == n_steps
    np.testing.assert_array_equal(old.loss_curve_, new.loss_curve_)
    np.testing.assert_array_equal(old.sample([0, 1], random_state=0),
                                  new.sample([0, 1], random_state=0))


def test_moco_deprecated_max_epochs():
    from skaugment.img2imu import MoCoPretrainer

    X = np.random.default_rng(0).standard_normal((10, 3, 16, 16)).astype("float32")
    kw = dict(width=2, queue_size=8, batch_size=4, device="cpu", random_state=0)
    with pytest.warns(FutureWarning, match=r"max_epochs=1 is n_steps=3"):
        old = MoCoPretrainer(max_epochs=1, **kw).fit(X)
    new = MoCoPretrainer(n_steps=3, **kw).fit(X)
    np.testing.assert_array_equal(old.transform(X), new.transform(X))
    assert old.loss_curve_ == new.loss_curve_ and len(new.loss_curve_) == 3


def test_check_window_generator_accepts_the_package_generators_and_catches_breaches():
    from sklearn.base import BaseEstimator

    from skaugment import SenseGenSampler, StatisticalDiffusionSampler
    from skaugment.utils import check_window_generator

    check_window_generator(StatisticalDiffusionSampler(n_steps=2, base_channels=4,
                                                       n_sampling_steps=1, random_state=0))
    check_window_generator(SenseGenSampler(hidden_size=4, num_layers=1, fc_size=4,
                                           n_components=2, n_steps=2, batch_size=8,
                                           random_state=0))

    class Noise(BaseEstimator):
        """Ignores random_state: fails the seeding property."""

        def fit(self, X, y):
            self.input_shape_ = X.shape[1:]
            return self

        def sample(self, y, *, init=None, random_state=None):
            return np.random.default_rng().standard_normal(
                (len(y),) + self.input_shape_).astype(np.float32)

    with pytest.raises(AssertionError, match="not seeded"):
        check_window_generator(Noise())
