"""Tables against MiniRocket: every run of the baselines benchmarks, paired with MiniRocket alone.

Usage::

    python benchmarks/merge_baselines.py

Reads what ``bench_baselines.py`` and ``bench_deep.py`` wrote (``benchmarks/results/`` and
``benchmarks/results/pieces/``) and, for HAPT, the DeepSense and Transformer comparisons of
the same 5 subject splits (``compare-deepsense.json``, ``compare-transformer.json``), and the
rows of ``bench_recipes.py`` (``recipe="modern"``, and ``"paper"`` where ``bench_deep.py`` did
not run the network alone). Runs are matched on their split (HAPT: the same training subjects)
or seed (EEG/MEG, the official split), and every row gets the paired difference to MiniRocket
without augmentation, with a 95% t-interval over the splits (or seeds) both ran, and the mean
seconds of a fit (augmentation + classifier).
Writes ``benchmarks/results/baselines.md``.
"""

import json
from pathlib import Path

import numpy as np

from skaugment.evaluation import RENAMED_METHODS, paired_difference

RESULTS = Path(__file__).resolve().parent / "results"
EEG = ("FingerMovements", "HandMovementDirection", "EyesOpenShut")


def _records(path):
    return json.loads(Path(path).read_text())["records"]


def _key(record, dataset):
    # HAPT split k trains on the subjects of RandomState(k) in every source (checked on the
    # records that carry train_groups); an EEG run is its seed
    return record["split"] if dataset == "hapt" else record["seed"]


def _fit_seconds(record):
    return sum(v for k, v in record["seconds"].items() if k not in ("predict", "diagnostics"))


def _collect(dataset):
    """``{row label: {run key: (accuracy, fit seconds)}}`` of every source for ``dataset``."""
    rows = {}

    def add(label, record):
        rows.setdefault(label, {})[_key(record, dataset)] = (record["accuracy"],
                                                             _fit_seconds(record))

    if dataset == "hapt":
        sources = sorted((RESULTS / "pieces").glob("baselines-hapt-minirocket-split*.json"))
    else:
        sources = [RESULTS / f"baselines-{dataset}-minirocket.json"]
    for path in sources:
        if path.exists():
            for r in _records(path):
                add("MiniRocket" if r["method"] == "none" else f"MiniRocket + {r['method']}", r)
    select = (RESULTS / "pieces" / f"baselines-{dataset}-minirocket-select.json")
    if select.exists():
        for r in _records(select):
            if r["method"] == "selected":
                add("MiniRocket + selected recipe", r)
    deep = [path for network in ("resnet", "inceptiontime", "transformer", "deepsense")
            for path in (sorted((RESULTS / "pieces").glob(f"deep-hapt-{network}-split*.json"))
                         if dataset == "hapt" else [RESULTS / f"deep-{dataset}-{network}.json"])]
    for path in deep:
        if path.exists():
            for r in _records(path):
                add(r["method"], r)
    # the training-recipe study (bench_recipes.py); its "paper" rows repeat bench_deep.py's
    # runs of the network alone where there are some (the default recipe, the same seeds and
    # steps: the same accuracies), so only "modern" is added then
    for network, name in (("transformer", "Transformer"), ("deepsense", "DeepSense")):
        recipes = RESULTS / f"recipes-{dataset}-{network}.json"
        if recipes.exists():
            for r in _records(recipes):
                if r["recipe"] == "modern" or name not in rows:
                    add(r["method"] + (" x5" if " + " in r["method"] else ""), r)
    if dataset == "hapt":
        for name, keep in (("DeepSense", ("none", "time-freq", "transforms")),
                           ("Transformer", ("none", "time-freq", "hybrid-target"))):
            path = RESULTS / f"compare-{name.lower()}.json"
            for r in _records(path):
                if r["method"] in keep:
                    # these runs predate the recipe renames: rows say today's names
                    method = RENAMED_METHODS.get(r["method"], r["method"])
                    # 1,000 steps; bench_deep.py's rows of the same networks use their
                    # default n_steps and say so by their plain name
                    label = f"{name} (1,000 steps)"
                    add(label if method == "none" else f"{label} + {method} x5", r)
    return rows


def table(dataset):
    rows = _collect(dataset)
    if "MiniRocket" not in rows:
        return f"(no MiniRocket runs for {dataset} yet)\n"
    ref = rows["MiniRocket"]
    unit = "splits" if dataset == "hapt" else "seeds"
    lines = [f"| {dataset} | accuracy (mean ± std) | Δ vs MiniRocket [95% CI] | wins | {unit} | "
             "fit s |", "|---|---|---|---|---|---|"]
    for label, runs in rows.items():
        common = sorted(set(runs) & set(ref), key=str)
        acc = np.array([runs[k][0] for k in sorted(runs, key=str)])
        spread = f" ± {acc.std(ddof=1):.3f}" if len(acc) > 1 else ""
        secs = np.mean([v[1] for v in runs.values()])
        if label == "MiniRocket":
            delta, wins = "reference", ""
        else:
            d = paired_difference([runs[k][0] for k in common], [ref[k][0] for k in common])
            ci = ("[–]" if np.isnan(d["ci_low"])
                  else f"[{100 * d['ci_low']:+.1f}, {100 * d['ci_high']:+.1f}]")
            delta, wins = f"{100 * d['mean']:+.1f} {ci}", f"{d['wins']}/{d['n']}"
        lines.append(f"| {label} | {acc.mean():.3f}{spread} | {delta} | {wins} | {len(acc)} | "
                     f"{secs:.0f} |")
    return "\n".join(lines) + "\n"


def main():
    text = ["# Against MiniRocket", "",
            "Generated by `python benchmarks/merge_baselines.py` from the runs of "
            "`bench_baselines.py` and `bench_deep.py` (commands in their docstrings) and, for "
            "HAPT, the DeepSense and Transformer comparisons of the same splits. Δ in accuracy "
            "points, paired over the splits (HAPT) or seeds (EEG/MEG) both rows ran; fit "
            "seconds of augmentation + classifier on the shared 2-core machine (several "
            "benchmarks at once: compare seconds within one table only).", ""]
    for dataset in ("hapt",) + EEG:
        text += [f"## {dataset}", "", table(dataset)]
    (RESULTS / "baselines.md").write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
