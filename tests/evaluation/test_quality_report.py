"""The LSTM discriminator, discriminative scores on raw windows, MMD and the quality report."""

import json

import numpy as np
import pytest

from skaugment import LSTMDiscriminatorClassifier
from skaugment.evaluation import (
    SyntheticQualityReport,
    discriminative_score,
    metric_control_report,
    mmd_rbf,
    synthetic_data_diagnostics,
    synthetic_quality_report,
    window_features,
)
from skaugment.spectral.functional import spectral_metrics, stft_magnitude

# Small enough to train in well under a second, large enough to learn an obvious difference.
TINY_LSTM = dict(hidden_size=32, fc_size=16, n_steps=100, lr=1e-2, device="cpu")


def _process(n, seed, c=2, t=32):
    """Noisy sinusoids of random frequency and phase: one random process, any number of draws."""
    rng = np.random.default_rng(seed)
    steps = np.arange(t)
    freq = rng.uniform(1, 3, (n, 1, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, c, 1))
    return np.sin(2 * np.pi * freq * steps / t + phase) + 0.3 * rng.normal(size=(n, c, t))


def _noise(n, seed, c=2, t=32):
    return np.random.default_rng(seed).normal(size=(n, c, t))


def _labels(n, n_classes=2):
    return np.arange(n) % n_classes


# -- the LSTM discriminator ---------------------------------------------------------------------


def test_lstm_separates_sinusoids_from_noise():
    res = discriminative_score(_process(100, 0), _noise(100, 1), method="lstm",
                               estimator=LSTMDiscriminatorClassifier(**TINY_LSTM), random_state=0)
    assert res["accuracy"] > 0.9
    assert res["score"] == pytest.approx(abs(res["accuracy"] - 0.5))
    assert res["method"] == "lstm" and res["features"] is None
    assert res["n_per_class"] == 100 and res["n_test"] == 60
    assert np.isnan(res["accuracy_std"])
    np.testing.assert_array_equal(res["fold_accuracies"], [res["accuracy"]])


@pytest.mark.parametrize("method", ["lstm", "boosting"])
def test_two_halves_of_one_process_are_indistinguishable(method):
    estimator = LSTMDiscriminatorClassifier(**TINY_LSTM) if method == "lstm" else None
    res = discriminative_score(_process(200, 2), _process(200, 3), method=method, cv=3,
                               estimator=estimator, random_state=0)
    assert res["score"] < 0.15


def test_boosting_separates_raw_windows():
    res = discriminative_score(_process(100, 0), _noise(100, 1), cv=3, random_state=0)
    assert res["accuracy"] > 0.9
    assert res["features"] == "summary" and res["fold_accuracies"].shape == (3,)
    flat = discriminative_score(_process(100, 0), _noise(100, 1), features="flat", cv=3,
                                random_state=0)
    assert flat["features"] == "flat"
    X = _process(4, 0)
    np.testing.assert_array_equal(window_features(X, features="flat"), X.reshape(4, -1))


def test_lstm_on_spectrograms():
    rng = np.random.default_rng(0)
    real = rng.gamma(2.0, size=(60, 2, 5, 6))
    synth = rng.gamma(2.0, size=(60, 2, 5, 6))
    synth[:, :, 2] *= 4.0  # one loud frequency band
    clf = LSTMDiscriminatorClassifier(**TINY_LSTM).fit(np.concatenate([real, synth]),
                                                      np.repeat(["real", "synth"], 60))
    assert clf.input_mode_ == "spectrogram" and clf.input_shape_ == (2, 5, 6)
    res = discriminative_score(real, synth, method="lstm",
                               estimator=LSTMDiscriminatorClassifier(**TINY_LSTM), random_state=0)
    assert res["accuracy"] > 0.9


def test_lstm_multiclass_mean_pooling_and_seeding():
    from skaugment.datasets import make_synthetic_imu

    X, y = make_synthetic_imu(n_samples=90, n_channels=2, n_timesteps=32, n_classes=3,
                              random_state=0)
    params = {**TINY_LSTM, "pooling": "mean", "random_state": 0}
    a = LSTMDiscriminatorClassifier(**params).fit(X, y)
    b = LSTMDiscriminatorClassifier(**params).fit(X, y)
    assert a.score(X, y) > 0.9
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_two_class_output_is_a_sigmoid_of_the_logit_difference():
    clf = LSTMDiscriminatorClassifier(hidden_size=4, fc_size=3, max_epochs=1, device="cpu",
                                      random_state=0).fit(_noise(8, 0), _labels(8))
    import torch

    with torch.no_grad():
        logits = clf.module_(torch.as_tensor(_noise(3, 1), dtype=torch.float32)).numpy()
    proba = clf.predict_proba(_noise(3, 1))
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-(logits[:, 1] - logits[:, 0]))),
                               rtol=1e-5)
    assert clf.module_.network.fc.out_features == 3


# -- tabular view of raw windows ----------------------------------------------------------------


def test_window_features_formula():
    from scipy import stats

    X = _process(3, 0, c=2, t=32)
    F = window_features(X, n_bands=4).reshape(3, 2, 12)
    np.testing.assert_allclose(F[..., 0], X.mean(2))
    np.testing.assert_allclose(F[..., 1], X.std(2))
    np.testing.assert_allclose(F[..., 2], stats.skew(X, axis=2))
    np.testing.assert_allclose(F[..., 3], stats.kurtosis(X, axis=2))
    np.testing.assert_allclose(F[..., 4], X.min(2))
    np.testing.assert_allclose(F[..., 5], X.max(2))
    z = (X - X.mean(2, keepdims=True)) / X.std(2, keepdims=True)
    np.testing.assert_allclose(F[..., 6], (z[..., 1:] * z[..., :-1]).mean(2))
    np.testing.assert_allclose(F[..., 7], np.sqrt((np.diff(X, axis=2) ** 2).mean(2)))
    power = np.abs(np.fft.rfft(X - X.mean(2, keepdims=True), axis=2)) ** 2 / 32
    bands = [power[..., 1:5], power[..., 5:9], power[..., 9:13], power[..., 13:17]]
    np.testing.assert_allclose(F[..., 8:], np.log(np.stack([b.mean(-1) for b in bands], -1) + 1e-8))
    # constant channels: shape statistics are 0, not NaN
    assert np.isfinite(window_features(np.ones((2, 1, 16)))).all()


# -- MMD ----------------------------------------------------------------------------------------


def test_mmd_zero_for_identical_sets_and_grows_with_shift():
    A = np.random.default_rng(0).normal(size=(150, 4))
    assert mmd_rbf(A, A) == 0.0
    values = [mmd_rbf(A, A + shift) for shift in (0.0, 0.25, 0.5, 1.0, 2.0)]
    assert values[0] == 0.0
    assert all(b > a for a, b in zip(values, values[1:]))
    fixed = [mmd_rbf(A, A + shift, bandwidth=1.0) for shift in (0.25, 0.5, 1.0)]
    assert all(b > a for a, b in zip(fixed, fixed[1:]))


def test_mmd_matches_the_biased_estimator_by_hand():
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(5, 2)), rng.normal(1.0, size=(4, 2))
    sigma = 0.7

    def k(a, b):
        return np.exp(-np.sum((a - b) ** 2) / (2 * sigma**2))

    by_hand = (np.mean([[k(a, a2) for a2 in A] for a in A])
               + np.mean([[k(b, b2) for b2 in B] for b in B])
               - 2 * np.mean([[k(a, b) for b in B] for a in A]))
    assert mmd_rbf(A, B, bandwidth=sigma) == pytest.approx(by_hand, rel=1e-12)
    pooled = np.concatenate([A, B])
    i, j = np.triu_indices(len(pooled), 1)
    median = np.median(np.linalg.norm(pooled[i] - pooled[j], axis=1))
    assert mmd_rbf(A, B) == pytest.approx(mmd_rbf(A, B, bandwidth=median), rel=1e-12)


def test_mmd_bad_input():
    with pytest.raises(ValueError, match="columns"):
        mmd_rbf(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"B contains NaN or infinity in sample\(s\) 1"):
        mmd_rbf(np.zeros((3, 2)), np.array([[0.0, 0.0], [np.nan, 1.0]]))
    with pytest.raises(ValueError, match="bandwidth must be a positive float"):
        mmd_rbf(np.zeros((3, 2)), np.zeros((3, 2)), bandwidth=0.0)


# -- the report ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def windows():
    X_real, X_synth, X_test = _process(80, 0), _process(60, 1) + 0.3, _process(40, 2)
    return X_real, _labels(80), X_synth, _labels(60), X_test, _labels(40)


@pytest.fixture(scope="module")
def report(windows, tmp_path_factory):
    X_real, y_real, X_synth, y_synth, X_test, y_test = windows
    prefix = tmp_path_factory.mktemp("report") / "sub" / "quality"
    return synthetic_quality_report(
        X_real, y_real, X_synth, y_synth, X_test=X_test, y_test=y_test, cv=3, random_state=0,
        estimators={"lstm": LSTMDiscriminatorClassifier(**TINY_LSTM)}, save_to=prefix,
    ), prefix


def test_report_shares_diagnostics(windows, report):
    X_real, y_real, X_synth, y_synth, X_test, y_test = windows
    report, _ = report
    assert isinstance(report, SyntheticQualityReport)
    expected = synthetic_data_diagnostics(X_real, y_real, X_synth, y_synth, X_test, y_test,
                                          random_state=0)
    assert report.tstr == expected["tstr"] and report.tstr_test == "X_test"
    assert report.label_fidelity == expected["label_fidelity"]
    assert set(report.discriminative) == {"boosting", "lstm"}
    for res in report.discriminative.values():
        assert res["score"] == abs(res["accuracy"] - 0.5) and res["n_per_class"] == 60
    # a shifted copy of the process is farther from the real windows than real is from itself
    assert report.mmd > report.mmd_reference > 0.0
    assert (report.mmd_n_real, report.mmd_n_synth) == (40, 40)
    assert report.metric_control is None


def test_report_without_test_set_scores_tstr_on_real(windows):
    X_real, y_real, X_synth, y_synth, _, _ = windows
    rep = synthetic_quality_report(X_real, y_real, X_synth, y_synth, methods=(), random_state=0)
    expected = synthetic_data_diagnostics(X_real, y_real, X_synth, y_synth, X_real, y_real)
    assert rep.tstr == expected["tstr"] and rep.tstr_test == "X_real"
    assert rep.discriminative == {}
    again = synthetic_quality_report(X_real, y_real, X_synth, y_synth, methods=(), random_state=0)
    assert again.mmd == rep.mmd and again.mmd_reference == rep.mmd_reference


def test_report_files_and_rendering(report):
    report, prefix = report
    data = json.loads(prefix.with_suffix(".json").read_text())
    assert data["tstr"] == pytest.approx(report.tstr)
    assert data["discriminative"]["lstm"]["score"] == pytest.approx(report.discriminative["lstm"]["score"])
    assert data["mmd_reference"] == pytest.approx(report.mmd_reference)
    assert data["discriminative"]["lstm"]["accuracy_std"] is None  # NaN written as null
    assert report.to_dict()["n_synth"] == 60
    markdown = report.to_markdown()
    assert markdown.splitlines()[0] == "| quantity | value | compared with |"
    assert "discriminative score (lstm)" in markdown and "real half vs real half" in markdown
    assert repr(report).startswith("SyntheticQualityReport(input_kind='time_series'")
    pytest.importorskip("matplotlib")
    assert report.figure_path == str(prefix) + ".png"
    assert prefix.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"


def test_report_without_matplotlib_skips_only_the_figure(windows, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    X_real, y_real, X_synth, y_synth, _, _ = windows
    with pytest.warns(UserWarning, match="matplotlib is not installed"):
        rep = synthetic_quality_report(X_real, y_real, X_synth, y_synth, methods=(),
                                       random_state=0, save_to=tmp_path / "q")
    assert rep.figure_path is None and (tmp_path / "q.json").exists()
    assert not (tmp_path / "q.png").exists()


def test_report_on_spectrograms_with_metric_control(tmp_path):
    X = _process(60, 0, c=2, t=64)
    S_real = stft_magnitude(X, n_fft=16, hop_length=4)
    S_synth = stft_magnitude(_process(40, 1, c=2, t=64), n_fft=16, hop_length=4)
    measured = spectral_metrics(S_synth)
    requested = measured * np.random.default_rng(0).uniform(0.9, 1.1, measured.shape)
    rep = synthetic_quality_report(S_real, _labels(60), S_synth, _labels(40), methods=("boosting",),
                                   conditions=requested, cv=3, random_state=0)
    assert rep.input_kind == "spectrogram"
    expected = metric_control_report(requested, measured)
    assert rep.metric_control.rows("metric") == expected.rows("metric")
    assert "metric control: contrast" in rep.to_markdown()
    assert rep.to_dict()["metric_control"]["feature"][0]["name"] == "ch0__temporal_range"
    assert np.isfinite(rep.mmd) and np.isfinite(rep.discriminative["boosting"]["score"])
    pytest.importorskip("matplotlib")
    assert rep.plot().axes  # envelopes and spectrograms, no waveform needed


def test_errors():
    real, synth = _process(20, 0), _process(20, 1)
    y = _labels(20)
    with pytest.raises(ValueError, match="X_synth has per-sample shape"):
        discriminative_score(real, synth[:, :, :16])
    with pytest.raises(ValueError, match="X_synth has per-sample shape"):
        synthetic_quality_report(real, y, synth[:, :1], y)
    with pytest.raises(ValueError, match="must be of one kind"):
        synthetic_quality_report(real, y, np.abs(synth)[:, :, None], y)
    with pytest.raises(ValueError, match="method must be one of"):
        discriminative_score(real, synth, method="gan")
    with pytest.raises(ValueError, match="unknown method"):
        synthetic_quality_report(real, y, synth, y, methods=("boosting", "gan"))
    with pytest.raises(ValueError, match="not in methods"):
        synthetic_quality_report(real, y, synth, y, methods=("boosting",),
                                 estimators={"lstm": LSTMDiscriminatorClassifier()})
    bad = synth.copy()
    bad[3, 1, 5] = np.nan
    with pytest.raises(ValueError, match=r"X_synth contains NaN or infinity in sample\(s\) 3"):
        synthetic_quality_report(real, y, bad, y)
    with pytest.raises(ValueError, match=r"X_synth contains NaN or infinity in sample\(s\) 3"):
        discriminative_score(real, bad, method="lstm")
    with pytest.raises(ValueError, match="for raw windows"):
        discriminative_score(real, synth, features="spectra")
    with pytest.raises(ValueError, match="test_size must be a float"):
        discriminative_score(real, synth, method="lstm", test_size=1.5)
    with pytest.raises(ValueError, match="conditions are spectral metrics"):
        synthetic_quality_report(real, y, synth, y, conditions=np.ones((20, 10)))
    with pytest.raises(ValueError, match="y_synth has 5 labels"):
        synthetic_quality_report(real, y, synth, y[:5])
    with pytest.raises(ValueError, match="X_test and y_test together"):
        synthetic_quality_report(real, y, synth, y, X_test=real)


def test_report_reads_a_probability_table_against_the_real_classes(windows):
    X_real, y_real, X_synth, y_synth, X_test, y_test = windows
    names = np.array(["sit", "walk"])
    table = np.eye(2)[y_synth]  # columns: the real classes, sorted
    hard = synthetic_quality_report(X_real, names[y_real], X_synth, names[y_synth], X_test=X_test,
                                    y_test=names[y_test], methods=(), random_state=0)
    soft = synthetic_quality_report(X_real, names[y_real], X_synth, table, X_test=X_test,
                                    y_test=names[y_test], methods=(), random_state=0)
    assert soft.tstr == hard.tstr and soft.label_fidelity == hard.label_fidelity > 0.5
    with pytest.raises(ValueError, match=r"y_synth holds labels \['run'\]"):
        synthetic_quality_report(X_real, names[y_real], X_synth, np.full(60, "run"), methods=())
