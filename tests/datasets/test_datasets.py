"""Tests for skaugment.datasets (HAPT loader, synthetic IMU) and utils.to_channels_first."""

import pickle

import numpy as np
import pytest

from skaugment.datasets import load_hapt, make_synthetic_imu
from skaugment.datasets._hapt import (
    ACTIVITY_NAMES,
    _offline_path,
    _read_offline,
    _restricted_loads,
)
from skaugment.utils import to_channels_first

ACTIVITIES = [
    "WALKING",
    "WALKING_UPSTAIRS",
    "WALKING_DOWNSTAIRS",
    "SITTING",
    "STANDING",
    "LAYING",
]


# --------------------------------------------------------------------------- helpers


def _write_raw_layout(folder, recordings):
    """Write (user, experiment, signals (N, 6), labels (N,)) in the UCI HAPT raw layout."""
    raw = folder / "RawData"
    raw.mkdir(parents=True)
    label_rows = []
    for user, experiment, signals, labels in recordings:
        suffix = f"exp{experiment:02d}_user{user:02d}.txt"
        # %.9g round-trips float32 exactly
        np.savetxt(raw / f"acc_{suffix}", signals[:, :3], fmt="%.9g")
        np.savetxt(raw / f"gyro_{suffix}", signals[:, 3:], fmt="%.9g")
        change = np.flatnonzero(np.diff(labels)) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(labels)]])
        for start, end in zip(starts, ends):
            if labels[start] >= 1:
                # 1-based inclusive rows, as in the official labels.txt
                label_rows.append((experiment, user, labels[start], start + 1, end))
    np.savetxt(raw / "labels.txt", np.array(label_rows, dtype=int), fmt="%d")
    return raw


def _tiny_recording():
    """40 rows whose values encode the row index; labels with a boundary, a gap, a transition."""
    n = 40
    signals = np.arange(n, dtype=np.float32)[:, None] + np.arange(6, dtype=np.float32) / 10
    labels = np.full(n, -1)
    labels[0:12] = 1  # WALKING, 12 rows
    labels[12:25] = 4  # SITTING right after: a label boundary, 13 rows
    labels[25:27] = -1  # unlabelled gap
    labels[27:32] = 4  # SITTING again after the gap, 5 rows
    labels[32:38] = 7  # STAND_TO_SIT, 6 rows
    return signals, labels


# --------------------------------------------------------------------------- HAPT offline copy


def test_hapt_default_bunch(hapt):
    assert hapt.data.ndim == 3 and hapt.data.shape[1:] == (6, 128)
    assert hapt.data.dtype == np.float32
    assert np.isfinite(hapt.data).all()
    assert len(hapt.target) == len(hapt.groups) == len(hapt.data)
    assert sorted(np.unique(hapt.target)) == sorted(ACTIVITIES)
    assert np.issubdtype(hapt.groups.dtype, np.integer)
    assert np.unique(hapt.groups).tolist() == list(range(1, 31))
    assert hapt.channel_names == ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
    assert hapt.modalities == {"acc": [0, 1, 2], "gyro": [3, 4, 5]}
    assert hapt.fs == 50
    assert "HAPT" in hapt.DESCR
    # every class well represented (the full set has ~1400-2000 windows per class)
    _, counts = np.unique(hapt.target, return_counts=True)
    assert counts.min() > 1000 and len(hapt.data) > 10000


def test_hapt_units_are_plausible(hapt):
    acc_norm = np.linalg.norm(hapt.data[:, :3], axis=1)
    # accelerometer in g: gravity dominates, so the median magnitude is about 1
    assert 0.9 < np.median(acc_norm) < 1.1
    # gyroscope in rad/s: still postures barely rotate, walking rotates much more
    gyro_norm = np.linalg.norm(hapt.data[:, 3:], axis=1)
    lying = np.median(gyro_norm[hapt.target == "LAYING"])
    walking = np.median(gyro_norm[hapt.target == "WALKING"])
    assert lying < 0.1 and walking > 5 * lying
    # moving activities vary more in acceleration than still ones
    acc_std = acc_norm.std(axis=1)
    assert np.median(acc_std[hapt.target == "WALKING"]) > 5 * np.median(
        acc_std[hapt.target == "SITTING"]
    )


def test_hapt_windows_are_slices_of_one_label_run(hapt):
    # Check against the recordings directly: each window of subject 1 is a
    # contiguous slice of a recording, with a single label over all its rows.
    recordings = [r for r in _read_offline(_offline_path()) if r[0] == 1]
    rows = hapt.groups == 1
    windows, names = hapt.data[rows], hapt.target[rows]
    expected = []
    for _, signals, labels in recordings:
        for start in range(0, len(labels) - 128 + 1):
            span = labels[start : start + 128]
            if 1 <= span[0] <= 6 and (span == span[0]).all():
                expected.append((signals[start : start + 128].T, ACTIVITY_NAMES[span[0]]))
    # the windows taken are a subset of the valid slices, spaced by the step
    lookup = {window.tobytes(): name for window, name in expected}
    assert all(lookup[w.tobytes()] == n for w, n in zip(windows, names))


def test_hapt_is_cached_and_returns_copies():
    first = load_hapt(subjects=[5])
    first.data[:] = 0
    second = load_hapt(subjects=[5])
    assert np.abs(second.data).sum() > 0


def test_hapt_subjects_selection(hapt):
    sub = load_hapt(subjects=[3, 7])
    mask = np.isin(hapt.groups, [3, 7])
    np.testing.assert_array_equal(sub.data, hapt.data[mask])
    np.testing.assert_array_equal(sub.target, hapt.target[mask])
    np.testing.assert_array_equal(sub.groups, hapt.groups[mask])
    single = load_hapt(subjects=3)
    np.testing.assert_array_equal(single.data, hapt.data[hapt.groups == 3])


def test_hapt_include_transitions(hapt):
    full = load_hapt(include_transitions=True, subjects=[1, 2, 3])
    activities = np.isin(full.target, ACTIVITIES)
    assert set(np.unique(full.target[~activities])) <= set(list(ACTIVITY_NAMES.values())[6:])
    assert (~activities).sum() > 0
    # the activity windows are unchanged by adding transitions
    mask = np.isin(hapt.groups, [1, 2, 3])
    np.testing.assert_array_equal(full.data[activities], hapt.data[mask])


def test_hapt_window_and_step():
    base = load_hapt(subjects=[4])
    half_step = load_hapt(subjects=[4], step=32)
    # halving the stride roughly doubles the windows of each run
    assert 1.8 < len(half_step.data) / len(base.data) < 2.2
    short = load_hapt(subjects=[4], window=64, step=64)
    assert short.data.shape[1:] == (6, 64)
    assert len(short.data) > len(base.data)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"window": 0}, ValueError, "window"),
        ({"window": -5}, ValueError, "window"),
        ({"step": 0}, ValueError, "step"),
        ({"window": 12.5}, TypeError, "window"),
        ({"subjects": [99]}, ValueError, r"Unknown subject id\(s\) \[99\]"),
        ({"subjects": [1, 31]}, ValueError, r"\[31\]"),
        ({"subjects": []}, ValueError, "subjects"),
        ({"subjects": ["a"]}, ValueError, "subjects"),
    ],
)
def test_hapt_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_hapt(**kwargs)


# --------------------------------------------------------------------------- restricted unpickler


def test_restricted_unpickler_refuses_code_execution():
    # protocol 0 pickle calling os.system("echo pwned") when loaded
    payload = b"cos\nsystem\n(S'echo pwned'\ntR."
    with pytest.raises(pickle.UnpicklingError, match=r"os\.system"):
        _restricted_loads(payload)

    class Evil:
        def __reduce__(self):
            return (eval, ("1 + 1",))

    with pytest.raises(pickle.UnpicklingError, match="eval"):
        _restricted_loads(pickle.dumps(Evil(), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="collections.OrderedDict"):
        import collections

        _restricted_loads(pickle.dumps(collections.OrderedDict(a=1), protocol=2))


def test_restricted_unpickler_rebuilds_numpy_arrays():
    arrays = {"a": np.arange(6.0).reshape(2, 3), "b": np.array([1, -1], dtype=np.int64)}
    for protocol in (0, 2):  # the HAPT file is protocol 2
        back = _restricted_loads(pickle.dumps(arrays, protocol=protocol))
        np.testing.assert_array_equal(back["a"], arrays["a"])
        assert back["b"].dtype == np.int64


# --------------------------------------------------------------------------- UCI raw layout


def test_raw_layout_matches_offline_copy(tmp_path):
    subjects = [2, 3]
    recordings = [r for r in _read_offline(_offline_path()) if r[0] in subjects]
    experiment_rows = [
        (user, experiment, signals, labels)
        for experiment, (user, signals, labels) in enumerate(recordings, start=1)
    ]
    _write_raw_layout(tmp_path, experiment_rows)
    for include_transitions in (False, True):
        offline = load_hapt(subjects=subjects, include_transitions=include_transitions)
        raw = load_hapt(path=tmp_path, include_transitions=include_transitions)
        assert len(raw.data) > 500
        np.testing.assert_array_equal(raw.data, offline.data)
        np.testing.assert_array_equal(raw.target, offline.target)
        np.testing.assert_array_equal(raw.groups, offline.groups)
        assert raw.channel_names == offline.channel_names
        assert raw.modalities == offline.modalities and raw.fs == offline.fs


def test_raw_windows_never_straddle_two_labels(tmp_path):
    signals, labels = _tiny_recording()
    raw = _write_raw_layout(tmp_path, [(1, 1, signals, labels)])
    # both the dataset folder and the RawData folder itself are accepted
    for folder in (tmp_path, raw):
        bunch = load_hapt(path=folder, window=4, step=3)
        # WALKING run rows 0..11 -> starts 0, 3, 6 (9 + 4 > 12);
        # SITTING run rows 12..24 -> starts 12, 15, 18, 21;
        # SITTING after the gap, rows 27..31 -> start 27; the transition is dropped
        starts = np.array([0, 3, 6, 12, 15, 18, 21, 27])
        assert bunch.target.tolist() == ["WALKING"] * 3 + ["SITTING"] * 5
        np.testing.assert_array_equal(bunch.groups, np.ones(8, dtype=int))
        expected = signals[starts[:, None] + np.arange(4)].transpose(0, 2, 1)
        np.testing.assert_array_equal(bunch.data, expected)
    with_transitions = load_hapt(path=tmp_path, window=4, step=3, include_transitions=True)
    # STAND_TO_SIT rows 32..37 -> start 32 only (35 + 4 > 38)
    assert with_transitions.target.tolist()[-1] == "STAND_TO_SIT"
    np.testing.assert_array_equal(with_transitions.data[-1], signals[32:36].T)
    assert len(with_transitions.data) == 9


def test_raw_layout_several_users_sorted(tmp_path):
    signals, labels = _tiny_recording()
    _write_raw_layout(tmp_path, [(7, 3, signals + 100, labels), (2, 1, signals, labels)])
    bunch = load_hapt(path=tmp_path, window=4, step=3)
    assert bunch.groups.tolist() == [2] * 8 + [7] * 8
    np.testing.assert_array_equal(bunch.data[8:], bunch.data[:8] + 100)
    only7 = load_hapt(path=tmp_path, window=4, step=3, subjects=[7])
    np.testing.assert_array_equal(only7.data, bunch.data[8:])
    with pytest.raises(ValueError, match=r"Unknown subject id\(s\) \[1\]"):
        load_hapt(path=tmp_path, subjects=[1])


def test_raw_layout_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_hapt(path=tmp_path / "missing")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        load_hapt(path=tmp_path / "file.txt")
    with pytest.raises(FileNotFoundError, match="not a UCI HAPT folder"):
        load_hapt(path=tmp_path)

    signals, labels = _tiny_recording()
    raw = _write_raw_layout(tmp_path / "a", [(1, 1, signals, labels)])
    (raw / "gyro_exp01_user01.txt").unlink()
    with pytest.raises(FileNotFoundError, match="gyro_exp01_user01.txt"):
        load_hapt(path=raw)

    raw = _write_raw_layout(tmp_path / "b", [(1, 1, signals, labels)])
    np.savetxt(raw / "gyro_exp01_user01.txt", signals[:-1, 3:])
    with pytest.raises(ValueError, match="have 40 and 39 rows"):
        load_hapt(path=raw)

    raw = _write_raw_layout(tmp_path / "c", [(1, 1, signals, labels)])
    (raw / "labels.txt").write_text("1 1 1 1 99\n")
    with pytest.raises(ValueError, match="outside the recording"):
        load_hapt(path=raw)
    (raw / "labels.txt").write_text("1 1 13 1 9\n")
    with pytest.raises(ValueError, match="activity id 13"):
        load_hapt(path=raw)
    (raw / "labels.txt").write_text("1 1 1 1\n")
    with pytest.raises(ValueError, match="5 columns"):
        load_hapt(path=raw)


# --------------------------------------------------------------------------- fixtures


def test_hapt_small_fixture(hapt, hapt_small):
    assert 250 <= len(hapt_small.data) <= 350
    assert sorted(np.unique(hapt_small.target)) == sorted(ACTIVITIES)
    assert np.unique(hapt_small.groups).tolist() == [1, 2]
    assert hapt_small.data.shape[1:] == (6, 128) and hapt_small.data.dtype == np.float32
    assert set(hapt_small) >= {"data", "target", "groups", "channel_names", "modalities", "fs"}
    # every window is one of the full set's windows with the same label and subject
    full = {w.tobytes(): (t, g) for w, t, g in zip(hapt.data, hapt.target, hapt.groups)}
    for w, t, g in zip(hapt_small.data, hapt_small.target, hapt_small.groups):
        assert full[w.tobytes()] == (t, g)


# --------------------------------------------------------------------------- synthetic IMU


def _dominant_frequency(X, fs):
    spectrum = np.abs(np.fft.rfft(X, axis=-1))
    spectrum[..., 0] = 0
    return np.fft.rfftfreq(X.shape[-1], 1 / fs)[spectrum.argmax(axis=-1)]


def test_synthetic_shapes_and_balance():
    X, y = make_synthetic_imu(n_samples=100, n_channels=4, n_timesteps=64, n_classes=3,
                              random_state=0)
    assert X.shape == (100, 4, 64) and X.dtype == np.float32
    assert np.issubdtype(y.dtype, np.integer)
    assert sorted(np.bincount(y).tolist()) == [33, 33, 34]


def test_synthetic_dominant_frequency_is_class_f0():
    fs, n_timesteps = 50.0, 128
    f0 = np.array([3, 8, 13]) * fs / n_timesteps  # exactly on FFT bins
    X, y = make_synthetic_imu(n_samples=30, n_timesteps=n_timesteps, fs=fs, f0=f0,
                              noise=0.01, random_state=1)
    np.testing.assert_allclose(_dominant_frequency(X, fs), f0[y][:, None] * np.ones(3))
    # second harmonic at twice f0 with harmonic_decay times the amplitude
    spectrum = np.abs(np.fft.rfft(X, axis=-1))
    bins = np.array([3, 8, 13])[y]
    idx = np.arange(len(y))
    ratio = spectrum[idx, :, 2 * bins] / spectrum[idx, :, bins]
    np.testing.assert_allclose(ratio, 0.5, atol=0.02)


def test_synthetic_default_f0_spread_and_amplitude():
    X, y = make_synthetic_imu(n_samples=60, n_timesteps=512, noise=0.01, n_harmonics=1,
                              amplitude=[1.0, 2.0, 4.0], random_state=2)
    # default fundamentals 1, 3, 5 Hz; resolution 50 / 512 Hz
    found = _dominant_frequency(X, 50.0)
    np.testing.assert_allclose(found, np.array([1.0, 3.0, 5.0])[y][:, None] * np.ones(3),
                               atol=50 / 512)
    # a sine of amplitude a has RMS a / sqrt(2)
    rms = np.sqrt((X**2).mean(axis=(1, 2)))
    np.testing.assert_allclose(rms, np.array([1.0, 2.0, 4.0])[y] / np.sqrt(2), rtol=0.05)


def test_synthetic_noise_level():
    X, _ = make_synthetic_imu(n_samples=20, amplitude=0.0, noise=0.3, random_state=3)
    assert abs(X.std() - 0.3) < 0.01 and abs(X.mean()) < 0.01


def test_synthetic_seeded():
    a = make_synthetic_imu(random_state=0)
    b = make_synthetic_imu(random_state=0)
    c = make_synthetic_imu(random_state=1)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], c[0])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"f0": [1.0, 30.0, 2.0]}, ValueError, "f0 must lie in"),
        ({"f0": [1.0, 2.0]}, ValueError, "one value per class"),
        ({"amplitude": [1.0, 2.0]}, ValueError, "amplitude"),
        ({"n_samples": 2}, ValueError, "n_samples"),
        ({"noise": -1.0}, ValueError, "noise"),
        ({"harmonic_decay": 1.5}, ValueError, "harmonic_decay"),
        ({"fs": 0.0}, ValueError, "fs"),
        ({"n_channels": 0}, ValueError, "n_channels"),
        ({"n_timesteps": 12.0}, TypeError, "n_timesteps"),
    ],
)
def test_synthetic_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_synthetic_imu(**kwargs)


# --------------------------------------------------------------------------- layouts


def test_to_channels_first():
    X = np.arange(2 * 5 * 3).reshape(2, 5, 3)  # (n, t, c)
    out = to_channels_first(X, "ntc")
    assert out.shape == (2, 3, 5) and out.flags["C_CONTIGUOUS"]
    assert out[1, 2, 4] == X[1, 4, 2]
    np.testing.assert_array_equal(to_channels_first(X, "nct"), X)
    np.testing.assert_array_equal(to_channels_first(X, "NCT"), X)
    np.testing.assert_array_equal(to_channels_first(X[0], "tc"), X[:1].transpose(0, 2, 1))
    np.testing.assert_array_equal(to_channels_first(X[0].T, "ct"), X[:1].transpose(0, 2, 1))
    assert to_channels_first(X.astype(np.float32), "ntc").dtype == np.float32


def test_to_channels_first_errors():
    with pytest.raises(ValueError, match="layout must be one of"):
        to_channels_first(np.zeros((2, 3, 4)), "nhwc")
    with pytest.raises(ValueError, match="layout must be one of"):
        to_channels_first(np.zeros((2, 3, 4)), None)
    with pytest.raises(ValueError, match=r"'ntc' describes a 3-D array; got a 2-D"):
        to_channels_first(np.zeros((3, 4)), "ntc")
    with pytest.raises(ValueError, match="'tc' describes a 2-D array"):
        to_channels_first(np.zeros((2, 3, 4)), "tc")
