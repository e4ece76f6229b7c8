"""The result of a comparison: a tidy table of runs and its paired summary."""

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np

from ._method import _REFERENCE
from ._statistics import paired_difference

__all__ = ["AugmentationComparison"]


class AugmentationComparison:
    """The result of :func:`compare_augmenters`: a tidy table and its paired summary.

    Attributes
    ----------
    records : list of dict
        One row per (method, run): ``method``, ``split``, ``seed``, ``accuracy``,
        ``macro_f1``, ``n_train``, ``n_synthetic``, ``budget``, ``seconds`` per
        stage, and the diagnostics when computed.
    config : dict
        How the comparison was run.
    """

    def __init__(self, records: Iterable[dict[str, Any]], config: Mapping[str, Any]) -> None:
        self.records = list(records)
        self.config = dict(config)

    @property
    def methods(self) -> list[str]:
        return list(dict.fromkeys(r["method"] for r in self.records))

    def scores(
        self, method: str, metric: str = "accuracy", splits: Iterable[int] | None = None
    ) -> np.ndarray:
        """``metric`` of ``method`` per split (its seeds averaged), ordered by split.

        Seeds of one split share its training and test subjects, so they are not
        independent runs: the paired statistics count splits. ``splits`` restricts
        (and orders) the splits; by default every split the method ran on.
        """
        per_split = self._per_split(method, metric)
        keys = sorted(per_split) if splits is None else list(splits)
        missing = [k for k in keys if k not in per_split]
        if missing:
            raise ValueError(f"method {method!r} did not run on split(s) {missing}; it ran on "
                             f"{sorted(per_split)}.")
        return np.array([per_split[k] for k in keys], dtype=np.float64)

    def _per_split(self, method, metric):
        if method not in self.methods:
            raise ValueError(f"unknown method {method!r}; the comparison has {self.methods}.")
        rows = [r for r in self.records if r["method"] == method]
        if any(metric not in r for r in rows):
            raise ValueError(f"unknown metric {metric!r}; the records have 'accuracy' and "
                             "'macro_f1'.")
        return {k: float(np.mean([r[metric] for r in rows if r["split"] == k]))
                for k in sorted({r["split"] for r in rows})}

    def paired(
        self,
        a: str,
        b: str,
        metric: str = "accuracy",
        confidence: float = 0.95,
        correction: Literal["nadeau-bengio"] | None = None,
    ) -> dict[str, float]:
        """:func:`paired_difference` of methods ``a`` and ``b`` over the splits both ran on."""
        common = sorted(set(self._per_split(a, metric)) & set(self._per_split(b, metric)))
        ratio = None
        if correction == "nadeau-bengio":
            ratio = float(np.mean([r["n_test"] / r["n_train"] for r in self.records]))
        elif correction is not None:
            raise ValueError(f"correction must be None or 'nadeau-bengio'; got {correction!r}.")
        return paired_difference(self.scores(a, metric, common), self.scores(b, metric, common),
                                 confidence, test_train_ratio=ratio)

    def reference(self, metric: str = "accuracy") -> str:
        """The no-augmentation variant with the best mean ``metric`` (its best budget).

        Chosen on the test scores, like the methods it is compared with, so the
        baseline gets the benefit of the doubt: the differences to it are, if
        anything, pessimistic for augmentation.
        """
        candidates = [m for m in self.methods
                      if any(r["method"] == m and r["base_method"] == _REFERENCE
                             for r in self.records)]
        return max(candidates, key=lambda m: self.scores(m, metric).mean())

    def summary(
        self,
        metric: Literal["accuracy", "macro_f1"] = "accuracy",
        confidence: float = 0.95,
        correction: Literal["nadeau-bengio"] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Per method: mean, std and the paired difference to the best baseline.

        Parameters
        ----------
        metric : {"accuracy", "macro_f1"}, default="accuracy"
        confidence : float, default=0.95
        correction : {None, "nadeau-bengio"}, default=None
            None: paired t-interval over splits. ``"nadeau-bengio"``: the corrected
            resampled t-test (see :func:`paired_difference`), with the mean
            ``n_test / n_train`` of the splits; much wider when test sets are large
            and overlap, as in "5 subjects train, the others test".

        Returns
        -------
        summary : dict of str -> dict
            ``mean``, ``std`` (over splits), ``n_runs``, ``n_splits``, ``diff`` (see
            :func:`paired_difference`; None for the reference), mean diagnostics and
            mean seconds per stage.
        """
        if correction not in (None, "nadeau-bengio"):
            raise ValueError(f"correction must be None or 'nadeau-bengio'; got {correction!r}.")
        ref = self.reference(metric)
        out = {}
        for method in self.methods:
            values = self.scores(method, metric)
            rows = [r for r in self.records if r["method"] == method]
            entry = {"mean": float(values.mean()),
                     "std": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
                     "n_runs": len(rows), "n_splits": int(len(values)),
                     "reference": method == ref,
                     "diff": None if method == ref else self.paired(
                         method, ref, metric, confidence, correction)}
            for key in ("tstr", "label_fidelity", "discriminative"):
                vals = [r[key] for r in rows if key in r]
                entry[key] = float(np.nanmean(vals)) if vals and not np.all(np.isnan(vals)) \
                    else float("nan")
            stages = {}
            for r in rows:
                for stage, sec in r["seconds"].items():
                    stages.setdefault(stage, []).append(sec)
            entry["seconds"] = {k: float(np.mean(v)) for k, v in stages.items()}
            out[method] = entry
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable ``{"config", "summary", "records"}``."""
        return {"config": self.config, "summary": self.summary(), "records": self.records}

    def to_markdown(self, metric: Literal["accuracy", "macro_f1"] = "accuracy") -> str:
        """The summary as a Markdown table (differences in points, i.e. x100)."""
        summ = self.summary(metric)
        lines = [f"| method | {metric} (mean ± std) | Δ vs {self.reference(metric)} [95% CI] | wins | "
                 "TSTR | label fidelity | discriminative | s / run |",
                 "|---|---|---|---|---|---|---|---|"]

        def fmt(v):
            return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"

        for method, s in summ.items():
            d = s["diff"]
            if d is None:
                delta = "reference"
            elif np.isnan(d["ci_low"]):  # a single split: no interval
                delta = f"{100 * d['mean']:+.1f} [–]"
            else:
                delta = (f"{100 * d['mean']:+.1f} [{100 * d['ci_low']:+.1f}, "
                         f"{100 * d['ci_high']:+.1f}]")
            wins = "" if d is None else f"{d['wins']}/{d['n']}"
            secs = sum(s["seconds"].values())
            spread = "" if np.isnan(s["std"]) else f" ± {s['std']:.3f}"
            lines.append(f"| {method} | {s['mean']:.3f}{spread} | {delta} | {wins} | "
                         f"{fmt(s['tstr'])} | {fmt(s['label_fidelity'])} | "
                         f"{fmt(s['discriminative'])} | {secs:.0f} |")
        return "\n".join(lines) + "\n"

    def __repr__(self):
        return (f"AugmentationComparison({len(self.methods)} methods, "
                f"{self.config.get('n_runs')} runs, reference={self.reference()!r})")
