"""Training recipes of the skorch classifiers: ``recipe="paper"`` against ``"modern"``.

Run by hand (not a test)::

    OMP_NUM_THREADS=2 python benchmarks/bench_recipes.py --classifier transformer \\
        --dataset hapt --splits 5
    OMP_NUM_THREADS=2 python benchmarks/bench_recipes.py --classifier transformer \\
        --dataset FingerMovements --seeds 5
    # HAPT splits in two processes, then merged
    OMP_NUM_THREADS=1 python benchmarks/bench_recipes.py --classifier deepsense --splits 3 \\
        --first-split 0 --tag split0-2
    OMP_NUM_THREADS=1 python benchmarks/bench_recipes.py --classifier deepsense --splits 2 \\
        --first-split 3 --tag split3-4
    python benchmarks/bench_recipes.py --merge \\
        benchmarks/results/pieces/recipes-hapt-deepsense-split{0-2,3-4}.json

Protocol (:func:`skaugment.evaluation.compare_augmenters`): the splits and seeds of
``bench_baselines.py`` (HAPT: 5 training subjects drawn with ``RandomState(k)``, the 25
others tested; EEG/MEG: the official split, one seed per run). For every recipe the
same classifier (its default ``n_steps``, or ``--n-steps``) runs on the same splits and
seeds, with no augmentation and with each of ``--methods`` (default: none only); the
spectrogram classifiers get the harness's STFT front end. Δ is paired, modern minus
paper, per split and seed.

Writes ``benchmarks/results/[pieces/]recipes-<dataset>-<classifier>[-<tag>].json`` and ``.md``.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
NAMES = {"deepsense": "DeepSense", "transformer": "Transformer", "resnet": "ResNet",
         "inceptiontime": "InceptionTime"}


def main():
    from skaugment._demo import WINDOW_CLASSIFIERS, dataset_splits, load_dataset, make_classifier
    from skaugment.evaluation import augmentation_methods, compare_augmenters

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="hapt")
    parser.add_argument("--classifier", default="transformer", choices=sorted(NAMES))
    parser.add_argument("--recipes", nargs="+", default=["paper", "modern"])
    parser.add_argument("--methods", nargs="*", default=[], help="recipes of augmentation")
    parser.add_argument("--ratio", type=float, default=5.0)
    parser.add_argument("--n-steps", type=int, default=None)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--first-split", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=5, help="EEG: runs of the official split")
    parser.add_argument("--tag", default=None)
    parser.add_argument("--merge", nargs="+", default=None, metavar="PIECE.json",
                        help="merge the pieces of runs on other splits (same recipes) into "
                             "benchmarks/results/recipes-<dataset>-<classifier>.json and .md")
    args = parser.parse_args()
    if args.merge:
        from merge_compare import merge  # stops where two pieces disagree on a run

        merged = merge(args.merge)
        first = merged.config["pieces"][0]
        _write(merged.records, dict(merged.config, recipes=first["recipes"]), RESULTS,
               f"recipes-{first['dataset']}-{first['classifier_name']}")
        return

    data, signal = load_dataset(args.dataset)
    cv, groups = dataset_splits(args.dataset, data,
                                args.splits if args.dataset == "hapt" else args.seeds,
                                first_split=args.first_split)
    steps, stft = augmentation_methods(
        ["none", *args.methods], modalities=data.modalities, channel_names=data.channel_names,
        fs=data.fs, ratio=args.ratio, signal=signal, soft_labels=True,
        classifier_input="window" if args.classifier in WINDOW_CLASSIFIERS else "spectrogram")
    name = NAMES[args.classifier]
    params = {} if args.n_steps is None else {"n_steps": args.n_steps}
    start = time.perf_counter()
    records = []
    for recipe in args.recipes:
        clf = make_classifier(args.classifier, data.modalities, recipe=recipe, **params)
        result = compare_augmenters(data.data, data.target, groups, steps, clf,
                                    preprocessing=stft, cv=cv, budget="equal-steps",
                                    diagnostics=False, random_state=args.first_split, verbose=1)
        for r in result.records:
            label = f"{name} ({recipe})" + ("" if r["method"] == "none" else f" + {r['method']}")
            r = dict(r, method=label, base_method=label, recipe=recipe)
            r["split"] += args.first_split if args.dataset == "hapt" else 0
            records.append(r)
    config = {"dataset": args.dataset, "classifier_name": args.classifier,
              "recipes": args.recipes, "methods": args.methods, "ratio": args.ratio,
              "n_steps": clf.get_params()["n_steps"],
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
              "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
              "total_seconds": round(time.perf_counter() - start, 1)}
    folder = RESULTS / "pieces" if args.tag else RESULTS
    stem = f"recipes-{args.dataset}-{args.classifier}" + (f"-{args.tag}" if args.tag else "")
    _write(records, config, folder, stem)


def _write(records, config, folder, stem):
    """``<stem>.json`` (config + records) and the ``.md`` table: Δ last recipe − first."""
    from skaugment.evaluation import AugmentationComparison, paired_difference

    recipes = config["recipes"]
    result = AugmentationComparison(records, config)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(json.dumps({"config": config, "records": records},
                                                     indent=2))
    lines = [f"| configuration | accuracy (mean ± std) | Δ {recipes[-1]} − {recipes[0]} "
             "[95% CI] | fit s |", "|---|---|---|---|"]
    for m in result.methods:
        acc = result.scores(m)
        secs = [sum(v for k, v in r["seconds"].items() if k != "predict")
                for r in records if r["method"] == m]
        delta = ""
        if f"({recipes[-1]})" in m and len(recipes) > 1:
            other = m.replace(f"({recipes[-1]})", f"({recipes[0]})")
            d = paired_difference(result.scores(m), result.scores(other))
            delta = (f"{100 * d['mean']:+.1f} [{100 * d['ci_low']:+.1f}, "
                     f"{100 * d['ci_high']:+.1f}]")
        spread = f" ± {acc.std(ddof=1):.3f}" if len(acc) > 1 else ""
        lines.append(f"| {m} | {acc.mean():.3f}{spread} | {delta} | {np.mean(secs):.0f} |")
    table = "\n".join(lines) + "\n"
    (folder / f"{stem}.md").write_text(table)
    print(table)

if __name__ == "__main__":
    main()
