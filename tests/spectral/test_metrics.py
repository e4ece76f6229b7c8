"""The five spectral metrics (Wang et al., 2024, Appendix B; docs/metrics.md): known answers,
a naive per-spectrogram reference, numpy/torch agreement on real HAPT data, gradients,
and the MetricExtractor estimator."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skaugment.spectral.functional import (
    METRIC_NAMES,
    fundamental_bins,
    spectral_metrics,
    spectral_metrics_torch,
    stft_magnitude,
)

HAPT_HPS = [3, 3, 3, 2, 2, 2]  # a per-channel factor that differs between modalities


def _metric(S, name, **kw):
    return spectral_metrics(S, metrics=[name], **kw)[..., 0]


def _reference_metrics(S1, D, exclude_dc=True):
    """Straight transcription of docs/metrics.md for one channel's (F, T) spectrogram."""
    F, T = S1.shape
    A = S1.mean(axis=0)
    temporal_range = A.max() - A.min()
    amps = []
    for t in range(T):
        cands = [f for f in range(F) if D * f <= F - 1 and (f > 0 or not exclude_dc)]
        H = [np.prod([S1[d * f, t] for d in range(1, D + 1)]) for f in cands]
        amps.append(S1[cands[int(np.argmax(H))], t])
    v = S1.ravel()
    hi, lo = np.quantile(v, 0.95), np.quantile(v, 0.05)
    above, below = v[v > hi], v[v < lo]
    contrast = hi - lo if len(above) == 0 or len(below) == 0 else above.mean() - below.mean()
    P = v**2
    flatness = np.exp(np.mean(np.log(P + 1e-12))) / (P.mean() + 1e-12)
    p = v / v.sum()
    entropy = -sum(pi * np.log2(pi) for pi in p if pi > 0)
    return [temporal_range, np.mean(amps), contrast, flatness, entropy]


def _tone(freq_bin, n_fft=32, amplitude=1.0, length=128):
    t = np.arange(length)
    return amplitude * np.sin(2 * np.pi * freq_bin * t / n_fft)


# ------------------------------------------------------------------ known answers


def test_pure_tone_f0_bin_and_amplitude():
    # a sinusoid on bin 4 of a 32-point frame, amplitude 3: the STFT scaling of
    # stft_magnitude puts amplitude / 2 in that bin
    x = _tone(4, amplitude=3.0) + 0.7  # the DC offset must not win (DC excluded)
    S = stft_magnitude(x[None, None], n_fft=32, hop_length=8)
    np.testing.assert_array_equal(fundamental_bins(S, hps_factor=1), 4)
    assert _metric(S, "f0_amplitude", hps_factor=1)[0, 0] == pytest.approx(1.5, rel=1e-5)
    # an offset of 2.5 (DC bin 2.5, its Hann leakage 1.25 in bin 1) beats the tone's
    # 1.5 only when the DC bin takes part in the argmax
    S_dc = stft_magnitude((_tone(4, amplitude=3.0) + 2.5)[None, None], n_fft=32, hop_length=8)
    np.testing.assert_array_equal(fundamental_bins(S_dc, hps_factor=1, exclude_dc=False), 0)
    np.testing.assert_array_equal(fundamental_bins(S_dc, hps_factor=1), 4)


def test_hps_factor_one_vs_two_on_a_harmonic_signal():
    # fundamental on bin 2 (amplitude 1) with a stronger 2nd harmonic on bin 4 (amplitude 2)
    x = _tone(2, amplitude=1.0) + _tone(4, amplitude=2.0)
    S = stft_magnitude(x[None, None], n_fft=32, hop_length=8)
    # D=1 is a plain spectral peak: the louder harmonic
    np.testing.assert_array_equal(fundamental_bins(S, hps_factor=1), 4)
    assert _metric(S, "f0_amplitude", hps_factor=1)[0, 0] == pytest.approx(1.0, rel=1e-5)
    # D=2 finds the fundamental whose harmonic exists
    np.testing.assert_array_equal(fundamental_bins(S, hps_factor=2), 2)
    assert _metric(S, "f0_amplitude", hps_factor=2)[0, 0] == pytest.approx(0.5, rel=1e-5)


def test_hps_only_over_bins_whose_harmonics_exist():
    # F=5 bins, D=2: candidates f <= (F-1)//2 = 2; bin 3 is loud but has no bin 6
    S = np.full((1, 1, 5, 1), 0.1)
    S[0, 0, 3, 0] = 10.0
    S[0, 0, 2, 0] = 0.5
    S[0, 0, 4, 0] = 0.4
    # H(1) = S1*S2 = 0.05, H(2) = S2*S4 = 0.2 -> f0 = 2, never 3
    assert fundamental_bins(S, hps_factor=2)[0, 0, 0] == 2
    assert _metric(S, "f0_amplitude")[0, 0] == pytest.approx(0.5)


def test_entropy_one_hot_and_uniform():
    F, T = 17, 13
    one_hot = np.zeros((1, 1, F, T))
    one_hot[0, 0, 5, 7] = 3.0
    uniform = np.full((1, 1, F, T), 0.25)
    assert _metric(one_hot, "entropy")[0, 0] == 0.0
    assert _metric(uniform, "entropy")[0, 0] == pytest.approx(np.log2(F * T), rel=1e-12)


def test_flatness_flat_spectrum_is_one_and_white_noise_matches_rayleigh():
    assert _metric(np.full((1, 1, 17, 13), 2.0), "flatness")[0, 0] == pytest.approx(1.0)
    # Gaussian white noise: every bin's power has the same mean; interior bins are
    # exponential (E log P = log mu - gamma), DC and Nyquist chi2(1) (an extra -log 2),
    # so the flatness tends to exp(-gamma - (2/F) log 2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 1, 4096))
    S = stft_magnitude(x, n_fft=32, hop_length=32)
    F = S.shape[2]
    expected = np.exp(-np.euler_gamma - 2 / F * np.log(2))
    assert _metric(S, "flatness").mean() == pytest.approx(expected, rel=0.02)


def test_temporal_range_of_an_amplitude_step():
    S = np.ones((1, 1, 6, 10))
    S[..., 5:] = 3.0  # the loud half
    S[0, 0, 0, 0] = 4.0  # one bin moves A(0) by 3/6
    assert _metric(S, "temporal_range")[0, 0] == pytest.approx(2.0)
    S[0, 0, 0, 0] = 1.0
    S[0, 0, :, 2] = 0.0  # a silent frame
    assert _metric(S, "temporal_range")[0, 0] == pytest.approx(3.0)


def test_contrast_on_a_hand_built_array():
    S = np.arange(100, dtype=float).reshape(1, 1, 10, 10)
    # q95 = 94.05 -> {95..99}, mean 97; q05 = 4.95 -> {0..4}, mean 2
    assert _metric(S, "contrast")[0, 0] == pytest.approx(95.0)
    # a constant spectrogram: both sets empty, the quantile gap is 0
    assert _metric(np.full((1, 1, 4, 4), 3.0), "contrast")[0, 0] == 0.0
    # ties at the top empty the upper set: fall back to q95 - q05
    S = np.ones((1, 1, 4, 3))
    S[0, 0, 2] = 5.0
    assert _metric(S, "contrast")[0, 0] == pytest.approx(5.0 - 1.0)


def test_vectorised_matches_a_naive_reference(rng=np.random.default_rng(1)):
    S = rng.gamma(0.7, size=(3, 4, 9, 5))
    S[0, 1, :, 2] = 0.0
    S[1, 2, 3:6] = S[1, 2, 3, 0]  # ties
    factors = [1, 2, 3, 4]
    got = spectral_metrics(S, hps_factor=factors)
    want = np.array(
        [[_reference_metrics(S[i, c], factors[c]) for c in range(4)] for i in range(3)]
    )
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # a per-channel factor equals one call per channel
    for c, d in enumerate(factors):
        np.testing.assert_allclose(got[:, c], spectral_metrics(S[:, [c]], hps_factor=d)[:, 0])
    # exclude_dc=False lets the DC bin win
    S_dc = S.copy()
    S_dc[:, :, 0] = 100.0
    np.testing.assert_allclose(
        spectral_metrics(S_dc, hps_factor=factors, metrics=["f0_amplitude"], exclude_dc=False),
        100.0,
    )


def test_metric_subset_keeps_the_given_order():
    rng = np.random.default_rng(2)
    S = rng.random((2, 3, 9, 5))
    full = spectral_metrics(S)
    assert full.shape == (2, 3, 5) and full.dtype == np.float64
    sub = spectral_metrics(S, metrics=["entropy", "temporal_range"])
    np.testing.assert_array_equal(sub, full[..., [4, 0]])
    assert METRIC_NAMES == ("temporal_range", "f0_amplitude", "contrast", "flatness", "entropy")


@pytest.mark.parametrize(
    "kwargs, S, err, match",
    [
        ({}, -np.ones((2, 1, 5, 3)), ValueError, "log- or dB-scaled"),
        ({}, np.ones((2, 5, 3)), ValueError, "must be 4-D"),
        ({"metrics": ["loudness"]}, np.ones((1, 1, 5, 3)), ValueError, "unknown metric"),
        ({"metrics": []}, np.ones((1, 1, 5, 3)), ValueError, "at least one"),
        ({"hps_factor": 5}, np.ones((1, 1, 5, 3)), ValueError, "too large for 5 frequency bins"),
        ({"hps_factor": 0}, np.ones((1, 1, 5, 3)), ValueError, ">= 1"),
        ({"hps_factor": [2, 2]}, np.ones((1, 3, 5, 3)), ValueError, "3 channels"),
        ({"hps_factor": 2.5}, np.ones((1, 1, 5, 3)), TypeError, "int"),
    ],
)
def test_bad_input_is_rejected_clearly(kwargs, S, err, match):
    with pytest.raises(err, match=match):
        spectral_metrics(S, **kwargs)


def test_nan_names_the_sample():
    S = np.ones((3, 1, 5, 3))
    S[2, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match=r"sample\(s\) 2"):
        spectral_metrics(S)


# ------------------------------------------------------------------ torch twin


@pytest.fixture(scope="module")
def hapt_spectrograms(hapt_small):
    return stft_magnitude(hapt_small.data, n_fft=32, hop_length=8)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_twin_agrees_with_numpy_on_hapt(hapt_spectrograms, dtype):
    torch = pytest.importorskip("torch")
    S = hapt_spectrograms.astype(dtype)
    want = spectral_metrics(S, hps_factor=HAPT_HPS)
    got = spectral_metrics_torch(torch.from_numpy(S), hps_factor=HAPT_HPS)
    assert got.dtype == getattr(torch, dtype) and got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=0)
    # the same frames are chosen as fundamentals: f0_amplitude agrees to rounding
    np.testing.assert_allclose(got.numpy()[..., 1], want[..., 1], rtol=1e-6)


def test_torch_twin_on_edge_cases_and_subsets():
    torch = pytest.importorskip("torch")
    S = np.ones((3, 2, 4, 3))
    S[0, 0, 2] = 5.0  # ties at the top (contrast fallback)
    S[1, 1] = 0.0  # all zero (entropy 0, flatness ~1)
    S[2, 0, 1, 1] = 7.0  # one-hot-ish
    for metrics in (None, ["flatness", "contrast"]):
        want = spectral_metrics(S, hps_factor=[1, 2], metrics=metrics)
        got = spectral_metrics_torch(torch.tensor(S), hps_factor=[1, 2], metrics=metrics)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-15)


def test_torch_gradient_exists_and_is_finite(hapt_spectrograms):
    torch = pytest.importorskip("torch")
    S_np = hapt_spectrograms[:8].copy()
    S_np[0, 0, :, 0] = 0.0  # exact zeros: 0 log 0 and log(0 + eps)
    S = torch.tensor(S_np, requires_grad=True)
    m = spectral_metrics_torch(S, hps_factor=HAPT_HPS)
    for k, name in enumerate(METRIC_NAMES):
        (g,) = torch.autograd.grad(m[..., k].sum(), S, retain_graph=True)
        assert torch.isfinite(g).all(), name
        assert g.abs().sum() > 0, name
    # f0_amplitude's gradient sits on the gathered S(f0(t), t): 1/T per chosen frame bin
    (g,) = torch.autograd.grad(m[..., 1].sum(), S, retain_graph=True)
    f0 = fundamental_bins(S_np, hps_factor=HAPT_HPS)
    T = S_np.shape[-1]
    expected = np.zeros_like(S_np)
    n, c = np.meshgrid(np.arange(8), np.arange(6), indexing="ij")
    for t in range(T):
        expected[n, c, f0[:, :, t], t] += 1.0 / T
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-6)
    # every metric against finite differences, away from zeros and ties
    S64 = torch.tensor(np.random.default_rng(3).uniform(0.5, 1.5, (2, 2, 5, 4)), requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda s: spectral_metrics_torch(s),
        (S64,),
        eps=1e-6,
        atol=1e-5,
    )


def test_torch_rejects_non_tensors_and_bad_shapes():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="torch.Tensor"):
        spectral_metrics_torch(np.ones((1, 1, 5, 3)))
    with pytest.raises(ValueError, match="4-D"):
        spectral_metrics_torch(torch.ones(1, 5, 3))
    with pytest.raises(ValueError, match="too large"):
        spectral_metrics_torch(torch.ones(1, 1, 3, 3), hps_factor=3)


# ------------------------------------------------------------------ MetricExtractor


def test_metric_extractor_equals_functional_on_hapt(hapt_small, hapt_spectrograms):
    from skaugment import MetricExtractor

    ext = MetricExtractor(
        hps_factor={"acc": 3, "gyro": 2},
        modalities=hapt_small.modalities,
        channel_names=hapt_small.channel_names,
    ).fit(hapt_spectrograms)
    table = ext.transform(hapt_spectrograms)
    assert table.shape == (len(hapt_spectrograms), 30) and table.dtype == np.float64
    want = spectral_metrics(hapt_spectrograms, hps_factor=HAPT_HPS)
    np.testing.assert_array_equal(table, want.reshape(len(want), -1))
    assert ext.hps_factors_ == HAPT_HPS
    names = ext.get_feature_names_out()
    assert names[:5].tolist() == [f"acc_x__{m}" for m in METRIC_NAMES]
    assert names[-1] == "gyro_z__entropy"
    df = ext.set_output(transform="pandas").transform(hapt_spectrograms)
    assert list(df.columns) == names.tolist()
    np.testing.assert_array_equal(df.to_numpy(), table)


def test_metric_extractor_subset_defaults_and_errors():
    from skaugment import MetricExtractor

    S = np.random.default_rng(4).random((5, 2, 9, 4))
    ext = MetricExtractor(metrics=["flatness", "entropy"]).fit(S)
    np.testing.assert_array_equal(
        ext.transform(S), spectral_metrics(S, metrics=["flatness", "entropy"]).reshape(5, 4)
    )
    assert ext.get_feature_names_out().tolist() == [
        "ch0__flatness", "ch0__entropy", "ch1__flatness", "ch1__entropy"
    ]
    with pytest.raises(NotFittedError):
        MetricExtractor().transform(S)
    with pytest.raises(ValueError, match="log- or dB-scaled"):
        ext.transform(np.log(S))
    with pytest.raises(ValueError, match="per-sample shape"):
        ext.transform(S[..., :3])
    with pytest.raises(ValueError, match="must be 4-D"):
        MetricExtractor().fit(S[:, 0])
    with pytest.raises(ValueError, match="no value for modality 'b'"):
        MetricExtractor(hps_factor={"a": 2}, modalities={"a": [0], "b": [1]}).fit(S)
    with pytest.raises(ValueError, match="hps_factor"):
        MetricExtractor(hps_factor=0).fit(S)
    with pytest.raises(ValueError, match="unknown metric"):
        MetricExtractor(metrics=["loudness"]).fit(S)


def test_metric_extractor_api_contract():
    """What sklearn's common checks would test, on 4-D input (they only feed 2-D)."""
    import pickle

    from sklearn.base import clone

    from skaugment import MetricExtractor

    S = np.random.default_rng(5).random((6, 2, 9, 4))
    ext = MetricExtractor(hps_factor=3)
    params = ext.get_params()
    fitted = ext.fit(S)
    assert fitted is ext and ext.get_params() == params  # fit returns self, params untouched
    table = ext.transform(S)
    np.testing.assert_array_equal(clone(ext).fit_transform(S), table)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ext)).transform(S), table)
    order = np.random.default_rng(0).permutation(6)
    np.testing.assert_array_equal(ext.transform(S[order]), table[order])
    np.testing.assert_array_equal(ext.transform(S[:2]), table[:2])
    assert ext.__sklearn_tags__().input_tags.three_d_array
    assert not ext.__sklearn_tags__().input_tags.two_d_array


def test_metric_request_helpers_known_values():
    # the requests every metric-space augmenter (and the diffusion student's pool) makes
    from skaugment.spectral._metrics import (
        clip_physical_metrics,
        disturb_metrics,
        split_condition_names,
    )

    names = ["acc_x__contrast", "a__b__flatness", "gyro__entropy"]
    channels, metrics = split_condition_names(names)
    assert list(channels) == ["acc_x", "a__b", "gyro"]
    assert list(metrics) == ["contrast", "flatness", "entropy"]
    C = np.array([[-1.0, 1.5, 30.0], [2.0, 0.5, 3.0]])
    # negative -> 0, flatness <= 1, entropy <= log2(4 * 8) = 5; the rest untouched
    np.testing.assert_allclose(clip_physical_metrics(C.copy(), metrics, 4, 8),
                               [[0.0, 1.0, 5.0], [2.0, 0.5, 3.0]])
    M = np.full((500, 3), 2.0)
    out, R = disturb_metrics(M, np.array([True, False, True]), -0.2, 0.2,
                             np.random.RandomState(0))
    np.testing.assert_allclose(out, M * (1 + R))
    assert np.all(R[:, 1] == 0) and np.all(np.abs(R[:, [0, 2]]) <= 0.2)
    assert R[:, 0].min() < -0.15 and R[:, 0].max() > 0.15  # the whole range is drawn


def test_torch_metrics_compute_in_float64_but_on_mps():
    import torch

    from skaugment.spectral._metrics import exact_dtype

    assert exact_dtype("cpu") == torch.float64 and exact_dtype("cuda:1") == torch.float64
    assert exact_dtype(torch.device("mps")) == torch.float32
