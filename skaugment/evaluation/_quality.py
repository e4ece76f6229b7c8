"""One report on any generator's output: realism, usefulness, control, distance, a figure.

:func:`synthetic_quality_report` gathers the scores the field uses for synthetic
time series (TimeGAN's discriminative and predictive scores, TSGBench's
distribution distance) with this library's own (metric-control fidelity) into one
object that prints as a table and saves as JSON and PNG.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ..spectral._features import spectrogram_features, window_features
from ..utils import check_finite, check_labels, check_spectrogram, check_time_series
from ..utils._validation import check_rng, draw_seed
from ..utils._labels import hard_labels
from ._diagnostics import synthetic_data_diagnostics
from ._discriminative import _METHODS, _check_pair, discriminative_score
from ._fidelity import MetricControlReport, metric_control_report

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from sklearn.base import BaseEstimator

__all__ = ["SyntheticQualityReport", "mmd_rbf", "synthetic_quality_report"]

# The kernel matrices are n x n: beyond this many rows per set a random subset is
# used, which keeps the distance at a few MB of memory and well under a second.
_MMD_MAX_SAMPLES = 1000

# A feature constant over the real samples is left unscaled (divided by 1) rather
# than divided by ~0, which would let it dominate every distance.
_STD_FLOOR = 1e-12

# Examples drawn per set for the figure: one per class, for the first classes.
_N_EXAMPLES = 3

# log(S + eps) in the figure's spectrograms.
_LOG_EPS = 1e-6


# -- the distance ----------------------------------------------------------------------------


def _as_rows(Z, name):
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim < 2:
        raise ValueError(f"{name} must have one row per sample (at least 2-D); got shape {Z.shape}.")
    Z = Z.reshape(Z.shape[0], -1)
    if Z.shape[0] == 0:
        raise ValueError(f"{name} is empty: 0 samples.")
    return check_finite(Z, name)


def _squared_distances(A, B):
    sq = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * (A @ B.T)
    # rounding can make the expansion slightly negative for (near-)identical rows
    return np.maximum(sq, 0.0)


def _median_bandwidth(Z: ArrayLike) -> float:
    """Median heuristic: the median Euclidean distance over all pairs ``i < j`` of rows of ``Z``.

    1.0 when that median is 0 (fewer than two distinct rows), so that the kernel
    stays defined.

    Examples
    --------
    >>> _median_bandwidth([[0.0], [1.0], [3.0]])
    2.0
    """
    Z = _as_rows(Z, "Z")
    i, j = np.triu_indices(len(Z), k=1)
    if i.size == 0:
        return 1.0
    dist = np.sqrt(_squared_distances(Z, Z)[i, j])
    med = float(np.median(dist))
    return med if med > 0 else 1.0


def mmd_rbf(A: ArrayLike, B: ArrayLike, *, bandwidth: float | None = None) -> float:
    """Squared maximum mean discrepancy with a Gaussian (RBF) kernel, biased estimator.

    With ``k(a, b) = exp(-||a - b||^2 / (2 sigma^2))``,

    ``MMD^2 = mean_ij k(a_i, a_j) + mean_ij k(b_i, b_j) - 2 mean_ij k(a_i, b_j)``

    over all pairs, diagonals included: the biased (V-statistic) estimator of
    Gretton et al., 2012 (eq. 5). It is never negative and exactly 0 for identical
    sets; its positive bias shrinks as ``1/m + 1/n``, so compare values at equal set
    sizes, or against the value between two real sets of the same sizes (what
    :func:`synthetic_quality_report` reports as the reference).

    Parameters
    ----------
    A : array-like of shape (m, ...)
        One sample per row; further axes are flattened.
    B : array-like of shape (n, ...)
        Same number of columns once flattened.
    bandwidth : float or None, default=None
        ``sigma``. ``None``: the median heuristic on the pooled rows of ``A`` and
        ``B``: the median Euclidean distance over all pairs ``i < j`` of pooled rows (1.0 if
        that is 0).

    Returns
    -------
    mmd2 : float

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(200, 3))
    >>> mmd_rbf(A, A)
    0.0
    >>> mmd_rbf(A, A + 1.0) > mmd_rbf(A, rng.normal(size=(200, 3)))
    True
    """
    A, B = _as_rows(A, "A"), _as_rows(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A has {A.shape[1]} columns but B has {B.shape[1]}; they must match.")
    if bandwidth is None:
        bandwidth = _median_bandwidth(np.concatenate([A, B]))
    elif isinstance(bandwidth, bool) or not isinstance(bandwidth, numbers.Real) or not (
        math.isfinite(bandwidth) and bandwidth > 0
    ):
        raise ValueError(f"bandwidth must be a positive float or None; got {bandwidth!r}.")
    gamma = 1.0 / (2.0 * float(bandwidth) ** 2)
    k_aa = np.exp(-gamma * _squared_distances(A, A)).mean()
    k_bb = np.exp(-gamma * _squared_distances(B, B)).mean()
    k_ab = np.exp(-gamma * _squared_distances(A, B)).mean()
    return max(float(k_aa + k_bb - 2.0 * k_ab), 0.0)


def _embedding(X, kind, hps_factor):
    """The tabular view the distance is measured on (before standardisation)."""
    if kind == "spectrogram":
        return spectrogram_features(X, "metrics+spectra", hps_factor)
    return window_features(X, "summary")


def _mmd_with_reference(real, synth, kind, hps_factor, rng):
    """MMD^2 of real vs synthetic and of real vs real, at equal sizes and one bandwidth.

    The real rows are split at random into halves R1 and R2 (at most
    ``_MMD_MAX_SAMPLES`` each), the synthetic rows subsampled to the size of R2:
    ``mmd`` is MMD^2(R1, synthetic) and ``reference`` is MMD^2(R1, R2), so both carry
    the same estimator bias. Features are standardised with the real rows' mean and
    standard deviation, and the bandwidth is the median heuristic on the real rows,
    so the kernel does not move with the synthetic data being judged.
    """
    F_real = _embedding(real, kind, hps_factor)
    F_synth = _embedding(synth, kind, hps_factor)
    mean = F_real.mean(axis=0)
    std = F_real.std(axis=0)
    std = np.where(std > _STD_FLOOR, std, 1.0)
    F_real = (F_real - mean) / std
    F_synth = (F_synth - mean) / std
    order = rng.permutation(len(F_real))
    half = min(len(F_real) // 2, _MMD_MAX_SAMPLES)
    if half < 2:
        return {"mmd": float("nan"), "reference": float("nan"), "bandwidth": float("nan"),
                "n_real": half, "n_synth": 0}
    m = min(half, len(F_synth))
    # the second real half as large as the synthetic side: the biased estimator's
    # offset depends on the set sizes, and both distances must carry the same one
    r1, r2 = F_real[order[:half]], F_real[order[half : half + m]]
    s = F_synth[np.sort(rng.choice(len(F_synth), m, replace=False))]
    bandwidth = _median_bandwidth(F_real[order[: 2 * half]])
    return {
        "mmd": mmd_rbf(r1, s, bandwidth=bandwidth),
        "reference": mmd_rbf(r1, r2, bandwidth=bandwidth),
        "bandwidth": bandwidth,
        "n_real": half,
        "n_synth": m,
    }


# -- the figure ------------------------------------------------------------------------------


def _pick_examples(real, y_real, synth, y_synth, rng):
    """Up to ``_N_EXAMPLES`` (real, synthetic) pairs of one class each, for the figure."""
    common = [c for c in np.unique(y_real) if np.any(y_synth == c)]
    rows_real, rows_synth, labels = [], [], []
    for label in common[:_N_EXAMPLES]:
        rows_real.append(rng.choice(np.flatnonzero(y_real == label)))
        rows_synth.append(rng.choice(np.flatnonzero(y_synth == label)))
        labels.append(label.item() if hasattr(label, "item") else label)
    if not labels:  # no class in common: show samples without pairing them by class
        k = min(_N_EXAMPLES, len(real), len(synth))
        rows_real, rows_synth, labels = list(range(k)), list(range(k)), [None] * k
    return {"real": real[rows_real].copy(), "synth": synth[rows_synth].copy(), "labels": labels}


def _example_spectrograms(X):
    """Magnitude spectrograms of raw windows for display; None when too short for an STFT."""
    from ..spectral.functional import stft_magnitude

    t = X.shape[-1]
    if t < 8:
        return None
    n_fft = int(min(64, 2 ** math.floor(math.log2(max(t // 4, 4)))))
    return stft_magnitude(X, n_fft=n_fft, hop_length=max(n_fft // 4, 1))


def _plot_examples(examples, kind) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("The report's figure needs matplotlib: pip install skaugment[plot]") from exc

    real, synth = examples["real"], examples["synth"]
    if kind == "time_series":
        traces = {"real": real, "synthetic": synth}
        spectra = {"real": _example_spectrograms(real), "synthetic": _example_spectrograms(synth)}
        trace_title = "trace"
    else:
        # a spectrogram has no waveform: show its temporal envelope mean_f S(f, t) instead
        traces = {"real": real.mean(axis=2), "synthetic": synth.mean(axis=2)}
        spectra = {"real": real, "synthetic": synth}
        trace_title = "envelope (mean over frequency)"
    has_spectra = spectra["real"] is not None
    n_rows = len(real)
    n_cols = 4 if has_spectra else 2
    fig = Figure(figsize=(3.2 * n_cols, 2.2 * max(n_rows, 1)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(max(n_rows, 1), n_cols, squeeze=False))
    for i in range(n_rows):
        label = examples["labels"][i]
        lows = [traces[s][i].min() for s in traces]
        highs = [traces[s][i].max() for s in traces]
        if has_spectra:
            logs = {s: np.log(spectra[s][i, 0] + _LOG_EPS) for s in spectra}
            vmin = min(v.min() for v in logs.values())
            vmax = max(v.max() for v in logs.values())
        for j, source in enumerate(("real", "synthetic")):
            ax = axes[i, j * (2 if has_spectra else 1)]
            for channel, values in enumerate(traces[source][i]):
                ax.plot(values, lw=0.8, label=f"ch{channel}")
            pad = 0.05 * (max(highs) - min(lows) or 1.0)
            ax.set_ylim(min(lows) - pad, max(highs) + pad)
            if i == 0 and j == 0 and 1 < len(traces[source][i]) <= 8:
                ax.legend(fontsize=6, ncol=2, loc="upper right")
            tag = "" if label is None else f", class {label}"
            ax.set_title(f"{source} {trace_title}{tag}", fontsize=8)
            ax.tick_params(labelsize=7)
            if has_spectra:
                ax = axes[i, j * 2 + 1]
                # one colour scale per row, so real and synthetic compare by eye
                ax.imshow(logs[source], origin="lower", aspect="auto", vmin=vmin, vmax=vmax)
                ax.set_title(f"{source} log spectrogram, ch0{tag}", fontsize=8)
                ax.set_xlabel("frame", fontsize=7)
                ax.set_ylabel("frequency bin", fontsize=7)
                ax.tick_params(labelsize=7)
    return fig


# -- the report ------------------------------------------------------------------------------


def _json_safe(value):
    """``value`` with numpy types made native and NaN/inf made None (strict JSON)."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value, digits=3):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "nan"
    return f"{value:.{digits}f}"


@dataclass(repr=False, eq=False)
class SyntheticQualityReport:
    """How good one set of synthetic samples is; built by :func:`synthetic_quality_report`.

    Attributes
    ----------
    input_kind : {"time_series", "spectrogram"}
    n_real, n_synth : int
    discriminative : dict of str -> dict
        Per method (``"boosting"``, ``"lstm"``), the result of
        :func:`discriminative_score`: ``"score"`` (``|accuracy - 0.5|``, 0 =
        indistinguishable), ``"accuracy"``, ``"n_per_class"``, ...
    tstr : float
        Train on synthetic, test on real: accuracy on the test rows.
    label_fidelity : float
        Accuracy of a classifier trained on the real rows on the synthetic rows,
        against their intended labels.
    tstr_test : {"X_test", "X_real"}
        Which real rows TSTR was scored on.
    mmd : float
        Biased MMD^2 (RBF kernel) between real and synthetic embeddings.
    mmd_reference : float
        The same between two disjoint halves of the real rows: what "as close as
        real data is to itself" reads as, at the same sizes and bandwidth.
    mmd_bandwidth : float
    mmd_n_real, mmd_n_synth : int
        Rows on each side of the distance.
    metric_control : MetricControlReport or None
        Requested vs measured metrics of the synthetic rows, when ``conditions``
        were given.
    json_path, figure_path : str or None
        Files written by ``save_to``.
    """

    input_kind: str
    n_real: int
    n_synth: int
    discriminative: dict[str, dict[str, Any]]
    tstr: float
    label_fidelity: float
    tstr_test: str
    mmd: float
    mmd_reference: float
    mmd_bandwidth: float
    mmd_n_real: int
    mmd_n_synth: int
    metric_control: MetricControlReport | None = None
    json_path: str | None = None
    figure_path: str | None = None
    _examples: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Every number of the report as plain Python types (NaN stays NaN).

        ``metric_control`` becomes ``{"metric": rows, "feature": rows}`` (see
        :meth:`MetricControlReport.rows`), or None.
        """
        discriminative = {
            method: {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in res.items()}
            for method, res in self.discriminative.items()
        }
        control = None
        if self.metric_control is not None:
            control = {level: self.metric_control.rows(level) for level in ("metric", "feature")}
        return {
            "input_kind": self.input_kind,
            "n_real": self.n_real,
            "n_synth": self.n_synth,
            "discriminative": discriminative,
            "tstr": self.tstr,
            "label_fidelity": self.label_fidelity,
            "tstr_test": self.tstr_test,
            "mmd": self.mmd,
            "mmd_reference": self.mmd_reference,
            "mmd_bandwidth": self.mmd_bandwidth,
            "mmd_n_real": self.mmd_n_real,
            "mmd_n_synth": self.mmd_n_synth,
            "metric_control": control,
            "json_path": self.json_path,
            "figure_path": self.figure_path,
        }

    def to_markdown(self, digits: int = 3) -> str:
        """The report as a Markdown table: quantity, value, what it is compared with."""
        rows = []
        for method, res in self.discriminative.items():
            folds = len(res["fold_accuracies"])
            how = "held-out accuracy" if method == "lstm" else f"{folds}-fold accuracy"
            rows.append((f"discriminative score ({method})", _fmt(res["score"], digits),
                         f"{how} {_fmt(res['accuracy'], digits)}, {res['n_per_class']} per set; "
                         "0 = indistinguishable, 0.5 = always told apart"))
        rows.append(("TSTR accuracy", _fmt(self.tstr, digits),
                     f"train on synthetic, test on {self.tstr_test}"))
        rows.append(("label fidelity", _fmt(self.label_fidelity, digits),
                     "synthetic rows classified as their label by a real-trained model"))
        rows.append(("MMD^2 (RBF)", _fmt(self.mmd, digits + 1),
                     f"real half vs real half: {_fmt(self.mmd_reference, digits + 1)} "
                     f"({self.mmd_n_real} vs {self.mmd_n_synth} rows)"))
        if self.metric_control is not None:
            table = self.metric_control["metric"]
            for i, name in enumerate(table["name"]):
                rows.append((f"metric control: {name}", _fmt(float(table["spearman"][i]), digits),
                             "Spearman requested vs measured; median relative error "
                             f"{_fmt(float(table['median_rel_error'][i]), digits)}"))
        lines = ["| quantity | value | compared with |", "|---|---:|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        return "\n".join(lines)

    def plot(self) -> Figure:
        """Real and synthetic examples side by side, one class per row (needs matplotlib).

        Raw windows: each sample's channels as traces, and the log magnitude
        spectrogram of its first channel (an STFT with ``n_fft`` about a quarter of
        the window). Spectrograms: the temporal envelope ``mean_f S(f, t)`` of each
        channel, and the log spectrogram of the first channel. Each row shares
        its axis limits and colour scale between real and synthetic.

        Returns
        -------
        fig : matplotlib.figure.Figure
        """
        if self._examples is None:
            raise ValueError("This report holds no examples to plot.")
        return _plot_examples(self._examples, self.input_kind)

    def save(self, prefix: str | os.PathLike) -> None:
        """Write ``prefix.json`` and, when matplotlib is installed, ``prefix.png``.

        The JSON is strict (NaN written as null). Without matplotlib only the
        figure is skipped, with a warning that says so. Sets ``json_path`` and
        ``figure_path``.
        """
        prefix = os.fspath(prefix)
        folder = os.path.dirname(prefix)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self.json_path = prefix + ".json"
        self.figure_path = None
        try:
            fig = self.plot()
        except ImportError:
            warnings.warn(
                f"matplotlib is not installed: {prefix}.png (the figure) was not written; "
                "the JSON report was. pip install skaugment[plot] for the figure.",
                UserWarning,
                stacklevel=2,
            )
        else:
            fig.savefig(prefix + ".png", dpi=100)
            self.figure_path = prefix + ".png"
        with open(self.json_path, "w", encoding="utf-8") as handle:
            json.dump(_json_safe(self.to_dict()), handle, indent=2, allow_nan=False)

    def __repr__(self) -> str:
        return (
            f"SyntheticQualityReport(input_kind={self.input_kind!r}, n_real={self.n_real}, "
            f"n_synth={self.n_synth})\n{self.to_markdown()}"
        )


def _check_methods(methods):
    if isinstance(methods, str):
        methods = (methods,)
    methods = tuple(methods)
    unknown = [m for m in methods if m not in _METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; choose from {list(_METHODS)}.")
    if len(set(methods)) != len(methods):
        raise ValueError(f"methods lists a method twice: {list(methods)}.")
    return methods


def _check_test(X_test, y_test, real, kind):
    if (X_test is None) != (y_test is None):
        raise ValueError("Give X_test and y_test together, or neither.")
    if X_test is None:
        return None
    if kind == "spectrogram":
        X_test = check_spectrogram(X_test, name="X_test")
    else:
        X_test = check_time_series(X_test, name="X_test")
    if X_test.shape[1:] != real.shape[1:]:
        raise ValueError(
            f"X_test has per-sample shape {tuple(X_test.shape[1:])}, but X_real has "
            f"{tuple(real.shape[1:])}."
        )
    return X_test, check_labels(y_test, n_samples=len(X_test), name="y_test")


def _label_rows(y, n, name):
    """Labels, or a probability table (one row per sample), checked against ``n`` samples."""
    if y is None:
        raise ValueError(f"{name} is required: the labels (or class probabilities) of the samples.")
    n_labels = len(y)
    if n_labels != n:
        raise ValueError(f"{name} has {n_labels} labels but there are {n} samples.")
    return y


def synthetic_quality_report(
    X_real: ArrayLike,
    y_real: ArrayLike,
    X_synth: ArrayLike,
    y_synth: ArrayLike,
    *,
    X_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    conditions: ArrayLike | None = None,
    source_conditions: ArrayLike | None = None,
    methods: Sequence[str] = ("boosting", "lstm"),
    estimators: Mapping[str, BaseEstimator] | None = None,
    cv: int = 5,
    hps_factor: int | Sequence[int] = 2,
    random_state: int | np.random.RandomState | None = None,
    save_to: str | os.PathLike | None = None,
) -> SyntheticQualityReport:
    """Score any generator's output: realism, usefulness, control, distance, and a figure.

    - **Discriminative score** (Yoon et al., 2019) per method in ``methods``:
      ``|accuracy - 0.5|`` of a real-vs-synthetic classifier on equal-sized sets,
      by :func:`discriminative_score`: gradient boosting on tabular features
      (cross-validated) and SenseGen's LSTM discriminator (Alzantot et al., 2017;
      trained on one part, scored on a held-out part).
    - **TSTR** and **label fidelity**, by
      :func:`~skaugment.evaluation.synthetic_data_diagnostics` (the same numbers
      for the same input): a classifier trained on the synthetic rows scored on
      real ones, and a classifier trained on the real rows scored on the synthetic
      ones against their intended labels.
    - **Metric-control fidelity** when ``conditions`` (the metrics requested of
      each synthetic spectrogram) are given, by
      :func:`~skaugment.evaluation.metric_control_report` against the metrics
      measured on ``X_synth``.
    - **Distribution distance**: the biased MMD^2 with an RBF kernel
      (:func:`mmd_rbf`) between embeddings of real and synthetic samples, next to
      the same distance between two halves of the real samples. The embedding is
      cheap and deterministic: :func:`window_features` (``"summary"``) of raw
      windows or :func:`spectrogram_features` (``"metrics+spectra"``) of
      spectrograms, standardised with the real rows' statistics; the bandwidth is
      the median heuristic on the real rows. A real half is compared with at most
      as many synthetic rows as the other real half has (at most 1000 each), so
      both values carry the same estimator bias.
    - A **figure**: real and synthetic examples of the same classes side by side,
      traces (or envelopes) and spectrograms (:meth:`SyntheticQualityReport.plot`).

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_channels, n_timesteps) or (n_real, n_channels, n_freqs, n_frames)
        Real samples: raw windows (a 2-D array is one channel) or magnitude
        spectrograms; typically the data the generator was fitted on.
    y_real : array-like of shape (n_real,)
        Their labels.
    X_synth : array-like, same per-sample shape as ``X_real``
        Synthetic samples.
    y_synth : array-like of shape (n_synth,) or (n_synth, n_classes)
        Their intended labels (a probability table counts as its largest column).
    X_test, y_test : array-like, default=None
        Held-out real samples for TSTR. ``None``: TSTR is scored on ``X_real``,
        as TimeGAN's predictive score is; that favours a generator that memorised
        ``X_real``, so give held-out samples when you have them.
    conditions : array-like of shape (n_synth, n_channels * 5) or (n_synth, n_channels, 5), default=None
        Metrics requested of each synthetic spectrogram (e.g. an augmenter's
        ``conditions_``, the rows matching ``X_synth``). Spectrograms only.
    source_conditions : array-like, same shape as ``conditions``, default=None
        Metrics of the real samples the requests were derived from (e.g.
        ``source_conditions_``): adds the response Spearman coefficient.
    methods : sequence of {"boosting", "lstm"}, default=("boosting", "lstm")
        Discriminators to run; empty for none.
    estimators : dict of str -> classifier, default=None
        A classifier per method replacing that method's default (see
        :func:`discriminative_score`'s ``estimator``), e.g.
        ``{"lstm": LSTMDiscriminatorClassifier(n_steps=2000)}``.
    cv : int, default=5
        Folds of the ``"boosting"`` discriminator.
    hps_factor : int or sequence of int, default=2
        HPS factor of the ``f0_amplitude`` metric (spectrogram features and
        measured metrics).
    random_state : int, RandomState instance or None, default=None
        Seeds every random draw (subsets, folds, splits, networks, examples).
    save_to : str or path, default=None
        ``"path/prefix"`` writes ``prefix.json`` and ``prefix.png`` (see
        :meth:`SyntheticQualityReport.save`).

    Returns
    -------
    report : SyntheticQualityReport
        ``.to_dict()``, ``.to_markdown()``, ``.plot()``, ``.save(prefix)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.datasets import make_synthetic_imu
    >>> X, y = make_synthetic_imu(n_samples=60, n_channels=2, n_timesteps=32, n_classes=2,
    ...                           random_state=0)
    >>> noisy = X + np.random.default_rng(1).normal(scale=0.5, size=X.shape)
    >>> report = synthetic_quality_report(X, y, noisy, y, methods=("boosting",), cv=3,
    ...                                   random_state=0)
    >>> report.discriminative["boosting"]["score"] > 0.3
    True
    >>> report.mmd > report.mmd_reference
    True
    >>> print(report.to_markdown().splitlines()[0])
    | quantity | value | compared with |
    """
    real, synth, kind = _check_pair(X_real, X_synth, ("X_real", "X_synth"))
    methods = _check_methods(methods)
    estimators = dict(estimators or {})
    unknown = [m for m in estimators if m not in methods]
    if unknown:
        raise ValueError(f"estimators names method(s) {unknown} that are not in methods={list(methods)}.")
    y_real = check_labels(y_real, n_samples=len(real), name="y_real")
    y_synth = _label_rows(y_synth, len(synth), "y_synth")
    test = _check_test(X_test, y_test, real, kind)
    if conditions is not None and kind != "spectrogram":
        raise ValueError(
            "conditions are spectral metrics, defined on magnitude spectrograms, but X_synth "
            "holds raw windows; pass spectrograms (e.g. through SpectrogramTransformer) or "
            "conditions=None."
        )
    if source_conditions is not None and conditions is None:
        raise ValueError("source_conditions needs conditions.")
    if conditions is not None and len(conditions) != len(synth):
        raise ValueError(
            f"conditions has {len(conditions)} rows but X_synth has {len(synth)} samples; "
            "one row of requested metrics per synthetic sample."
        )
    classes = np.unique(y_real)
    # a probability table's columns are the real classes, in sorted order
    y_synth_hard = hard_labels(y_synth, classes=classes)
    unseen = np.setdiff1d(y_synth_hard, classes)
    if unseen.size:
        raise ValueError(f"y_synth holds labels {unseen.tolist()[:5]} that y_real does not.")
    rng = check_rng(random_state)
    seeds = {name: draw_seed(rng) for name in ("diagnostics", *_METHODS, "mmd", "examples")}

    discriminative = {}
    for method in methods:
        estimator = estimators.get(method)
        discriminative[method] = discriminative_score(
            real, synth, method=method, cv=cv, hps_factor=hps_factor, random_state=seeds[method],
            estimator=estimator,
        )

    X_eval, y_eval = (real, y_real) if test is None else test
    diagnostics = synthetic_data_diagnostics(
        real, y_real, synth, y_synth_hard, X_eval, y_eval, random_state=seeds["diagnostics"],
        discriminative=False,
    )

    control = None
    if conditions is not None:
        from ..spectral.functional import spectral_metrics

        measured = spectral_metrics(synth, hps_factor=hps_factor)
        requested = np.asarray(conditions, dtype=np.float64)
        if requested.ndim == 2:
            measured = measured.reshape(len(synth), -1)
        control = metric_control_report(requested, measured, source=source_conditions)

    distance = _mmd_with_reference(real, synth, kind, hps_factor, check_rng(seeds["mmd"]))
    examples = _pick_examples(real, y_real, synth, y_synth_hard, check_rng(seeds["examples"]))
    report = SyntheticQualityReport(
        input_kind=kind,
        n_real=len(real),
        n_synth=len(synth),
        discriminative=discriminative,
        tstr=diagnostics["tstr"],
        label_fidelity=diagnostics["label_fidelity"],
        tstr_test="X_real" if test is None else "X_test",
        mmd=distance["mmd"],
        mmd_reference=distance["reference"],
        mmd_bandwidth=distance["bandwidth"],
        mmd_n_real=distance["n_real"],
        mmd_n_synth=distance["n_synth"],
        metric_control=control,
        _examples=examples,
    )
    if save_to is not None:
        report.save(save_to)
    return report
