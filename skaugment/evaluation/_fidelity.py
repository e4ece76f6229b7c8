"""Metric-control fidelity: do generated samples have the metrics that were asked for?

Seed 000 (section 5 of the design notes) insists that control is measured, not
assumed. :func:`metric_control_report` compares the metrics requested from a
conditional generator with the metrics measured on what it produced.
"""

import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import pandas

__all__ = ["MetricControlReport", "metric_control_report"]

# Below this magnitude a requested (or source) value is treated as zero: a relative
# error or a relative change against it is undefined and is left out (NaN).
_ZERO = 1e-12

_STAT_NAMES = ("spearman", "median_rel_error", "response_spearman")


def _as_table(values, name):
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 3:  # (n, c, k) as spectral_metrics returns it: channel-major columns
        arr = arr.reshape(arr.shape[0], -1)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features) or 3-D (n_samples, n_channels, "
            f"n_metrics); got {arr.ndim}-D array of shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: 0 samples.")
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        shown = ", ".join(str(i) for i in np.flatnonzero(bad)[:10])
        raise ValueError(f"{name} contains NaN or infinity in sample(s) {shown}.")
    return arr


def _column_spearman(a, b):
    """Spearman coefficient of each column pair, ignoring rows where either is NaN.

    A column with fewer than 3 valid rows or no variation in either input has no
    defined coefficient and gets NaN.
    """
    from scipy.stats import rankdata

    out = np.full(a.shape[1], np.nan)
    for j in range(a.shape[1]):  # loop over features (tens), never over samples
        ok = ~(np.isnan(a[:, j]) | np.isnan(b[:, j]))
        if ok.sum() < 3:
            continue
        ra, rb = rankdata(a[ok, j]), rankdata(b[ok, j])
        ra -= ra.mean()
        rb -= rb.mean()
        denom = np.sqrt((ra**2).sum() * (rb**2).sum())
        if denom > 0:
            out[j] = float((ra * rb).sum() / denom)
    return out


def _relative(num, den):
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / np.abs(den)
    out[np.abs(den) < _ZERO] = np.nan
    return out


def _nanmedian(x, axis=None):
    x = np.asarray(x, dtype=np.float64)
    if axis is None:
        x = x.ravel()
        return float(np.median(x[~np.isnan(x)])) if (~np.isnan(x)).any() else np.nan
    out = np.full(x.shape[1 - axis], np.nan)
    for j in range(out.shape[0]):
        col = np.take(x, j, axis=1 - axis)
        col = col[~np.isnan(col)]
        if col.size:
            out[j] = np.median(col)
    return out


def _nanmean(x):
    x = np.asarray(x, dtype=np.float64)
    x = x[~np.isnan(x)]
    return float(x.mean()) if x.size else np.nan


def _split_name(name):
    """``"acc_x__contrast"`` -> ``("acc_x", "contrast")``; no ``__`` -> ``(name, name)``."""
    if "__" in name:
        channel, metric = name.rsplit("__", 1)
        return channel, metric
    return name, name


def _modality_of_channels(channels, modalities):
    """``{channel: modality}`` for the table's channels, in their order of appearance.

    ``modalities`` lists each modality's channels by name (``["acc_x", ...]``) or by
    index into ``channels`` (``[0, 1, 2]``, the form the transformer and the
    generators take); without it, a channel's modality is its name up to the first
    ``_``.
    """
    if modalities is None:
        return {ch: ch.split("_", 1)[0] for ch in channels}
    found = {}
    for mod, members in modalities.items():
        for c in members:
            if isinstance(c, numbers.Integral) and not isinstance(c, bool):
                if 0 <= c < len(channels):
                    found.setdefault(channels[int(c)], mod)
            else:
                found.setdefault(str(c), mod)
    for ch in channels:
        if ch not in found:
            raise ValueError(
                f"channel {ch!r} belongs to no modality in modalities={modalities!r}."
            )
    return found


class MetricControlReport:
    """Fidelity of metric control, per feature and aggregated.

    Built by :func:`metric_control_report`; usable without pandas. Three levels:

    - ``"feature"``: one row per column (``"{channel}__{metric}"``);
    - ``"modality"``: one row per ``(modality, metric)``, modality being the
      channel-name prefix before the first ``_`` (``acc_x`` -> ``acc``) unless
      ``modalities`` was given;
    - ``"metric"``: one row per metric, over all channels.

    Aggregated Spearman coefficients are the mean of the per-feature ones (pooling
    values across channels of different scales would reward between-channel
    differences, not control); the aggregated relative error is the median over all
    (sample, feature) pairs of the group.

    Attributes
    ----------
    feature_names : list of str
    levels : dict of str -> dict of str -> ndarray
        ``levels[level]`` has keys ``"name"``, ``"n_features"`` and the statistics
        ``"spearman"``, ``"median_rel_error"`` and, when sources were given,
        ``"response_spearman"``; each an array with one entry per row of the level.
    """

    def __init__(
        self,
        feature_names: Iterable[str],
        levels: dict[str, dict[str, np.ndarray]],
        has_source: bool,
    ) -> None:
        self.feature_names = list(feature_names)
        self.levels = levels
        self.has_source = has_source

    @property
    def stat_names(self) -> list[str]:
        return [s for s in _STAT_NAMES if s != "response_spearman" or self.has_source]

    def __getitem__(self, level: str) -> dict[str, np.ndarray]:
        return self.levels[level]

    def rows(
        self, level: Literal["feature", "modality", "metric"] = "feature"
    ) -> list[dict[str, Any]]:
        """The level as a list of dicts (one per row)."""
        table = self._level(level)
        keys = ["name", "n_features", *self.stat_names]
        return [
            {k: (table[k][i].item() if hasattr(table[k][i], "item") else table[k][i]) for k in keys}
            for i in range(len(table["name"]))
        ]

    def to_frame(
        self, level: Literal["feature", "modality", "metric"] = "feature"
    ) -> "pandas.DataFrame":
        """The level as a ``pandas.DataFrame`` indexed by name (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is optional
            raise ImportError("to_frame needs pandas; use rows() or levels instead.") from exc
        return pd.DataFrame(self.rows(level)).set_index("name")

    def format_table(
        self, level: Literal["feature", "modality", "metric"] = "metric", digits: int = 3
    ) -> str:
        """Plain-text table of one level (``"feature"``, ``"modality"`` or ``"metric"``)."""
        table = self._level(level)
        headers = ["name", "n", *self.stat_names]
        body = [
            [str(name), str(int(n))]
            + [f"{table[s][i]:.{digits}f}" if np.isfinite(table[s][i]) else "nan" for s in self.stat_names]
            for i, (name, n) in enumerate(zip(table["name"], table["n_features"]))
        ]
        widths = [max(len(h), *(len(r[j]) for r in body)) if body else len(h) for j, h in enumerate(headers)]
        fmt = lambda cells: "  ".join(  # noqa: E731
            c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(cells, widths))
        )
        lines = [fmt(headers), "  ".join("-" * w for w in widths)]
        lines += [fmt(r) for r in body]
        return "\n".join(lines)

    def _level(self, level):
        if level not in self.levels:
            raise ValueError(f"level must be one of {list(self.levels)}; got {level!r}.")
        return self.levels[level]

    def __repr__(self):
        return f"MetricControlReport(n_features={len(self.feature_names)})\n" + self.format_table()


def metric_control_report(
    requested: ArrayLike,
    measured: ArrayLike,
    feature_names: Sequence[str] | None = None,
    source: ArrayLike | None = None,
    *,
    modalities: dict[str, Sequence[str | int]] | None = None,
) -> MetricControlReport:
    """Compare requested with measured metrics of generated samples.

    Parameters
    ----------
    requested : array-like of shape (n_samples, n_features) or (n_samples, n_channels, n_metrics)
        Metrics asked of the generator (e.g. an augmenter's ``conditions_``).
    measured : array-like of the same shape
        Metrics measured on the generated samples (e.g. with ``generator.conditions_from``).
    feature_names : list of str, default=None
        Column names ``"{channel}__{metric}"`` (e.g. ``generator.condition_names_``).
        By default, when the number of columns is a multiple of 5, channels
        ``ch0, ch1, ...`` each with the five metrics of
        :data:`skaugment.spectral.functional.METRIC_NAMES`; otherwise ``f0, f1, ...``.
    source : array-like of the same shape, default=None
        Metrics of the real samples the requests were derived from. When given, the
        report adds the *response* Spearman coefficient between the requested change
        ``requested / source - 1`` and the measured change ``measured / source - 1``:
        does the output move the way it was asked to, relative to where it started?
    modalities : dict of str -> list of str or int, default=None
        Channels of each modality, for the ``"modality"`` level: by name, or by index
        in the order channels first appear in ``feature_names`` (as
        :class:`~skaugment.SpectrogramTransformer` takes them, ``{"acc": [0, 1, 2]}``).
        By default the modality of a channel is its name up to the first ``_``
        (``acc_x`` -> ``acc``).

    Returns
    -------
    report : MetricControlReport
        Per feature and aggregated per (modality, metric) and per metric: Spearman
        coefficient of requested vs measured, median relative error
        ``|measured - requested| / |requested|`` and, with ``source``, the response
        Spearman. Relative quantities against a value of (near) zero are undefined
        and left out. ``report.format_table(level)`` renders a level as text,
        ``report.rows(level)`` as dicts, ``report.to_frame(level)`` as a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> req = rng.uniform(1, 2, size=(50, 2))
    >>> rep = metric_control_report(req, 1.1 * req, ["acc_x__contrast", "acc_y__contrast"])
    >>> print(rep.format_table("metric"))
    name      n  spearman  median_rel_error
    --------  -  --------  ----------------
    contrast  2     1.000             0.100
    """
    req = _as_table(requested, "requested")
    meas = _as_table(measured, "measured")
    if meas.shape != req.shape:
        raise ValueError(
            f"measured has shape {meas.shape} but requested has shape {req.shape}; "
            "they must match row for row."
        )
    src = None
    if source is not None:
        src = _as_table(source, "source")
        if src.shape != req.shape:
            raise ValueError(
                f"source has shape {src.shape} but requested has shape {req.shape}; "
                "they must match row for row."
            )
    n_features = req.shape[1]
    if feature_names is None:
        if n_features % 5 == 0:
            from ..spectral.functional import METRIC_NAMES

            feature_names = [
                f"ch{c}__{m}" for c in range(n_features // len(METRIC_NAMES)) for m in METRIC_NAMES
            ]
        else:
            feature_names = [f"f{j}" for j in range(n_features)]
    feature_names = [str(f) for f in feature_names]
    if len(feature_names) != n_features:
        raise ValueError(
            f"feature_names has {len(feature_names)} names but the tables have "
            f"{n_features} columns."
        )

    rel_err = _relative(np.abs(meas - req), req)
    spearman = _column_spearman(req, meas)
    stats = {"spearman": spearman, "median_rel_error": _nanmedian(rel_err, axis=0)}
    if src is not None:
        d_req = _relative(req - src, src) * np.sign(src)
        d_meas = _relative(meas - src, src) * np.sign(src)
        stats["response_spearman"] = _column_spearman(d_req, d_meas)

    levels = {
        "feature": {
            "name": np.array(feature_names, dtype=object),
            "n_features": np.ones(n_features, dtype=np.int64),
            **stats,
        }
    }
    parts = [_split_name(f) for f in feature_names]
    modality = _modality_of_channels(list(dict.fromkeys(ch for ch, _ in parts)), modalities)
    groups = {
        "modality": [f"{modality[ch]}__{m}" for ch, m in parts],
        "metric": [m for _, m in parts],
    }
    for level, keys in groups.items():
        names = list(dict.fromkeys(keys))  # first-seen order
        members = [np.array([k == name for k in keys]) for name in names]
        table = {
            "name": np.array(names, dtype=object),
            "n_features": np.array([int(m.sum()) for m in members], dtype=np.int64),
            "spearman": np.array([_nanmean(spearman[m]) for m in members]),
            "median_rel_error": np.array([_nanmedian(rel_err[:, m]) for m in members]),
        }
        if src is not None:
            table["response_spearman"] = np.array(
                [_nanmean(stats["response_spearman"][m]) for m in members]
            )
        levels[level] = table
    return MetricControlReport(feature_names, levels, has_source=src is not None)
