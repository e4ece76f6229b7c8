"""Known-answer tests of the metric-control report and the discriminative score."""

import numpy as np
import pytest

from skaugment.evaluation import (
    MetricControlReport,
    discriminative_score,
    metric_control_report,
    spectrogram_features,
)

NAMES = [
    "acc_x__contrast",
    "acc_x__flatness",
    "acc_y__contrast",
    "acc_y__flatness",
    "gyro_x__contrast",
    "gyro_x__flatness",
]


@pytest.fixture
def requested():
    return np.random.default_rng(0).uniform(0.5, 2.0, size=(60, len(NAMES)))


def test_perfect_control(requested):
    rep = metric_control_report(requested, requested.copy(), NAMES)
    assert isinstance(rep, MetricControlReport)
    for level in ("feature", "modality", "metric"):
        np.testing.assert_allclose(rep[level]["spearman"], 1.0)
        np.testing.assert_allclose(rep[level]["median_rel_error"], 0.0, atol=1e-15)
        assert "response_spearman" not in rep[level]
    assert list(rep["metric"]["name"]) == ["contrast", "flatness"]
    assert list(rep["metric"]["n_features"]) == [3, 3]
    assert list(rep["modality"]["name"]) == [
        "acc__contrast", "acc__flatness", "gyro__contrast", "gyro__flatness"
    ]
    assert list(rep["modality"]["n_features"]) == [2, 2, 1, 1]


def test_constant_scaling_gives_known_relative_error(requested):
    scale = np.array([1.1, 0.8, 1.3, 1.0, 0.5, 2.0])
    rep = metric_control_report(requested, requested * scale, NAMES)
    np.testing.assert_allclose(rep["feature"]["median_rel_error"], np.abs(scale - 1), rtol=1e-12)
    np.testing.assert_allclose(rep["feature"]["spearman"], 1.0)  # monotone: ranks unchanged
    # aggregated error is the median over every (sample, feature) of the group:
    # contrast columns err 0.1, 0.3, 0.5 (60 each) -> median 0.3
    np.testing.assert_allclose(rep["metric"]["median_rel_error"], [0.3, 0.2], rtol=1e-12)
    # gyro flatness alone: err exactly 1.0
    gyro = dict(zip(rep["modality"]["name"], rep["modality"]["median_rel_error"]))
    assert gyro["gyro__flatness"] == pytest.approx(1.0)


def test_anti_correlated_gives_minus_one(requested):
    rep = metric_control_report(requested, 10.0 - requested, NAMES)
    np.testing.assert_allclose(rep["feature"]["spearman"], -1.0)
    np.testing.assert_allclose(rep["metric"]["spearman"], -1.0)


def test_response_spearman_against_source(requested):
    rng = np.random.default_rng(1)
    source = requested / rng.uniform(0.8, 1.2, size=requested.shape)
    # the generator moves half as far as asked, in the right direction
    measured = source + 0.5 * (requested - source)
    rep = metric_control_report(requested, measured, NAMES, source=source)
    np.testing.assert_allclose(rep["feature"]["response_spearman"], 1.0)
    # ... or ignores the request entirely: the measured change is noise
    noise = source * (1 + 0.01 * rng.standard_normal(source.shape))
    rep = metric_control_report(requested, noise, NAMES, source=source)
    assert np.all(np.abs(rep["feature"]["response_spearman"]) < 0.4)
    # anti-response: moves the opposite way
    rep = metric_control_report(requested, source - (requested - source), NAMES, source=source)
    np.testing.assert_allclose(rep["metric"]["response_spearman"], -1.0)


def test_zero_requested_is_left_out_and_constant_column_is_nan():
    req = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [4.0, 1.0]])
    meas = req * 1.5
    rep = metric_control_report(req, meas, ["a__m", "b__m"])
    assert rep["feature"]["median_rel_error"][0] == pytest.approx(0.5)  # row 0 left out
    assert np.isnan(rep["feature"]["spearman"][1])  # constant request: undefined
    assert rep["metric"]["spearman"][0] == pytest.approx(1.0)  # NaN ignored in the mean


def test_rows_table_and_frame(requested):
    rep = metric_control_report(requested, requested * 1.1, NAMES, source=requested)
    rows = rep.rows("metric")
    assert rows[0]["name"] == "contrast" and rows[0]["median_rel_error"] == pytest.approx(0.1)
    text = rep.format_table("feature")
    assert text.splitlines()[0].split() == [
        "name", "n", "spearman", "median_rel_error", "response_spearman"
    ]
    assert len(text.splitlines()) == 2 + len(NAMES)
    assert "gyro_x__flatness" in text
    frame = rep.to_frame("modality")
    assert frame.loc["acc__contrast", "n_features"] == 2
    with pytest.raises(ValueError, match="level must be one of"):
        rep.rows("channel")


def test_explicit_modalities_and_3d_input():
    req = np.random.default_rng(2).uniform(1, 2, size=(20, 2, 2))
    rep = metric_control_report(
        req, req, ["left__a", "left__b", "right__a", "right__b"],
        modalities={"arm": ["left", "right"]},
    )
    assert list(rep["modality"]["name"]) == ["arm__a", "arm__b"]


def test_modalities_by_channel_index(requested):
    # The transformer's form: channel indices, in the order channels appear in the names.
    by_index = metric_control_report(requested, requested * 1.1, NAMES,
                                     modalities={"imu": [0, 1], "gyro": [2]})
    by_name = metric_control_report(requested, requested * 1.1, NAMES,
                                    modalities={"imu": ["acc_x", "acc_y"], "gyro": ["gyro_x"]})
    assert list(by_index["modality"]["name"]) == [
        "imu__contrast", "imu__flatness", "gyro__contrast", "gyro__flatness"
    ]
    assert list(by_index["modality"]["n_features"]) == [2, 2, 1, 1]
    assert list(by_name["modality"]["name"]) == list(by_index["modality"]["name"])
    with pytest.raises(ValueError, match="'gyro_x' belongs to no modality"):
        metric_control_report(requested, requested, NAMES, modalities={"imu": [0, 1]})


def test_report_bad_input(requested):
    with pytest.raises(ValueError, match="measured has shape"):
        metric_control_report(requested, requested[:, :3], NAMES)
    with pytest.raises(ValueError, match="feature_names has 2 names"):
        metric_control_report(requested, requested, ["a", "b"])
    bad = requested.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"measured contains NaN or infinity in sample\(s\) 4"):
        metric_control_report(requested, bad, NAMES)
    with pytest.raises(ValueError, match="must be 2-D"):
        metric_control_report(requested.ravel(), requested.ravel())
    with pytest.raises(ValueError, match="source has shape"):
        metric_control_report(requested, requested, NAMES, source=requested[:5])
    with pytest.raises(ValueError, match="belongs to no modality"):
        metric_control_report(requested, requested, NAMES, modalities={"acc": ["acc_x"]})


def _gamma_spectrograms(n, shape, seed, shift=0.0):
    return shift + np.random.default_rng(seed).gamma(2.0, size=(n, *shape))


def test_discriminative_same_distribution_is_chance():
    real = _gamma_spectrograms(150, (2, 6, 5), 0)
    synth = _gamma_spectrograms(150, (2, 6, 5), 1)
    res = discriminative_score(real, synth, features="spectra", cv=3, random_state=0)
    assert abs(res["accuracy"] - 0.5) < 0.12
    assert res["score"] == pytest.approx(abs(res["accuracy"] - 0.5))
    assert res["fold_accuracies"].shape == (3,)


def test_discriminative_different_distribution_is_separable():
    real = _gamma_spectrograms(60, (2, 6, 5), 0)
    synth = _gamma_spectrograms(60, (2, 6, 5), 1, shift=2.0)
    res = discriminative_score(real, synth, features="spectra", cv=3, random_state=0)
    assert res["accuracy"] > 0.95 and res["score"] > 0.45


def test_discriminative_balances_and_is_seeded():
    from sklearn.linear_model import LogisticRegression

    real = _gamma_spectrograms(80, (1, 6, 5), 0)
    synth = _gamma_spectrograms(30, (1, 6, 5), 1, shift=0.3)
    a = discriminative_score(real, synth, features="spectra", cv=3, random_state=3,
                             estimator=LogisticRegression())
    b = discriminative_score(real, synth, features="spectra", cv=3, random_state=3,
                             estimator=LogisticRegression())
    assert a["n_per_class"] == 30
    np.testing.assert_array_equal(a["fold_accuracies"], b["fold_accuracies"])


def test_discriminative_bad_input():
    real = _gamma_spectrograms(10, (1, 6, 5), 0)
    with pytest.raises(ValueError, match="S_synth has per-sample shape"):
        discriminative_score(real, _gamma_spectrograms(10, (1, 6, 4), 0), features="spectra")
    with pytest.raises(ValueError, match="features must be one of"):
        discriminative_score(real, real, features="pixels")
    with pytest.raises(ValueError, match="cv must be an int >= 2"):
        discriminative_score(real, real, features="spectra", cv=1)
    with pytest.raises(ValueError, match="need at least 5 samples"):
        discriminative_score(real[:3], real, features="spectra", cv=5)
    bad = real.copy()
    bad[2, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"S_real contains NaN or infinity in sample\(s\) 2"):
        discriminative_score(bad, real, features="spectra")


def test_spectra_features_formula():
    S = _gamma_spectrograms(4, (2, 3, 5), 0)
    F = spectrogram_features(S, features="spectra")
    np.testing.assert_allclose(F, np.log(S.mean(axis=3) + 1e-8).reshape(4, 6))


def test_metrics_features_match_spectral_metrics():
    functional = pytest.importorskip("skaugment.spectral.functional")
    S = _gamma_spectrograms(4, (2, 6, 5), 0)
    F = spectrogram_features(S, features="metrics+spectra")
    np.testing.assert_allclose(F[:, :10], functional.spectral_metrics(S).reshape(4, 10))
    # identical sets: each copy gets its twin's prediction, one of the two is right
    res = discriminative_score(S, S, cv=2, random_state=0)
    assert res["accuracy"] == 0.5 and res["score"] == 0.0


# -- plotting ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_generator():
    from skaugment import ConditionalDiffusionSampler

    rng = np.random.default_rng(0)
    S = rng.gamma(2.0, size=(12, 2, 9, 8)).astype(np.float32)
    y = np.repeat(["walk", "run"], 6)
    gen = ConditionalDiffusionSampler(base_channels=4, n_steps=1, train_steps=10,
                                      sample_steps=2, device="cpu", random_state=0)
    return gen.fit(S, y), S, y


def test_plot_metric_control_draws_one_panel_per_metric_and_factor(tiny_generator):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skaugment.plotting import plot_metric_control

    gen, S, y = tiny_generator
    metrics, factors = ("temporal_range", "contrast"), (-0.4, 0.0, 0.2)
    fig = plot_metric_control(gen, S, y, index=3, metrics=metrics, factors=factors, channel=1,
                              random_state=0)
    assert len(fig.axes) == len(metrics) * len(factors)
    base = gen.conditions_from(S[3:4])[0]
    col = gen.condition_names_.index("ch1__contrast")
    title = fig.axes[5].get_title()  # contrast, +20%
    assert title.startswith("contrast +20%") and f"req {base[col] * 1.2:.3g}" in title
    assert all(len(ax.get_images()) == 1 for ax in fig.axes)
    plt.close(fig)
    # drawing into given axes
    fig2, axes = plt.subplots(1, 2)
    out = plot_metric_control(gen, S, y, metrics=("entropy",), factors=(-0.1, 0.1), ax=axes)
    assert out is fig2 and all(len(ax.get_images()) == 1 for ax in axes)
    with pytest.raises(ValueError, match="ax must hold 1 x 3 Axes"):
        plot_metric_control(gen, S, y, metrics=("entropy",), factors=(0, 0.1, 0.2), ax=axes)
    with pytest.raises(ValueError, match=r"unknown metric\(s\) \['loudness'\]"):
        plot_metric_control(gen, S, y, metrics=("loudness",))
    with pytest.raises(ValueError, match="factors are relative changes"):
        plot_metric_control(gen, S, y, factors=(-2.0,))
    plt.close("all")


def test_plot_metric_control_needs_matplotlib(tiny_generator, monkeypatch):
    import sys

    from skaugment.plotting import plot_metric_control

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    gen, S, y = tiny_generator
    with pytest.raises(ImportError, match=r"pip install skaugment\[plot\]"):
        plot_metric_control(gen, S, y)
