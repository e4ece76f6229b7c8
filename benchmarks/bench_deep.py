"""Deep networks on HAPT and the EEG sets: none, offline x5 and on-the-fly augmentation.

Run by hand (not a test)::

    OMP_NUM_THREADS=2 python benchmarks/bench_deep.py --classifier resnet --splits 1 \\
        --first-split k --tag split<k>
    python benchmarks/merge_compare.py benchmarks/results/deep-hapt-resnet \\
        benchmarks/results/pieces/deep-hapt-resnet-split*.json \\
        benchmarks/results/pieces/baselines-hapt-minirocket-split*.json
    # configurations run apart (e.g. one process each), then merged
    OMP_NUM_THREADS=1 python benchmarks/bench_deep.py --classifier resnet \\
        --dataset HandMovementDirection --recipe transforms --configs offline --tag offline
    python benchmarks/bench_deep.py --merge <pieces>.json
    # peak memory of one fit (fresh process per configuration)
    python benchmarks/bench_deep.py --classifier resnet --memory
    # a spectrogram network (the harness's STFT front end): mixup, the recipe that
    # applies to spectrograms on the fly
    OMP_NUM_THREADS=1 python benchmarks/bench_deep.py --classifier transformer --splits 1 \\
        --first-split k --recipe mixup --tag split<k>

Protocol (:func:`skaugment.evaluation.compare_augmenters`): the splits and seeds of
``bench_baselines.py`` (HAPT: 5 training subjects drawn with ``RandomState(k)``, the 25
others tested; EEG: the official split, one seed per run), the classifier's default
``n_steps`` (or ``--n-steps``) for every configuration:

- ``none``: the network alone;
- ``<recipe> x5 offline``: the recipe's ``fit_resample`` at ratio 5 before training, the
  same number of gradient steps (so each row is seen ~6x less often);
- ``<recipe> on-the-fly``: the classifier's ``augmentation=`` with the same augmenter at
  ratio 5: each training batch row replaced by a fresh transformed copy with probability
  5/6, new randomness every epoch.

Writes ``benchmarks/results/[pieces/]deep-<dataset>-<classifier>[-<tag>].json`` and ``.md``.
"""

import argparse
import ast
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


NAMES = {"resnet": "ResNet", "inceptiontime": "InceptionTime", "transformer": "Transformer",
         "deepsense": "DeepSense"}


def _recipe_steps(recipe, data, signal, classifier):
    """``(steps, stft)``: the recipe's pipeline steps at ratio 5 and the STFT front end
    (None for a network of raw windows)."""
    from skaugment._demo import WINDOW_CLASSIFIERS  # the others take the harness's STFT
    from skaugment.evaluation import augmentation_methods

    windows = classifier in WINDOW_CLASSIFIERS
    steps, stft = augmentation_methods([recipe], modalities=data.modalities, fs=data.fs,
                                       signal=signal, ratio=5.0,
                                       classifier_input="window" if windows else "spectrogram")
    return list(steps[recipe]), None if windows else stft


def _sampler(steps):
    """A fresh copy of the recipe's sampler (its one step with ``fit_resample``)."""
    from sklearn.base import clone

    (sampler,) = [step for step in steps if hasattr(step, "fit_resample")]
    return clone(sampler)


def _memory_probe(args):
    """Peak RSS (MiB) of one fit in this process: data + network + augmentation."""
    from skaugment._demo import load_dataset, make_classifier
    from skaugment.evaluation import GroupHoldoutSplit

    data, signal = load_dataset(args.dataset)
    train, _ = next(GroupHoldoutSplit(5, n_repeats=1).split(data.data, data.target, data.groups))
    X, y = data.data[train].astype(np.float32), data.target[train]
    clf = make_classifier(args.classifier, data.modalities, n_steps=30, random_state=0)
    steps, stft = _recipe_steps(args.recipe, data, signal, args.classifier)
    aug = _sampler(steps)
    if stft is not None:
        X = stft.fit_transform(X).astype(np.float32)
    if args.memory_config == "offline":
        X, y = aug.set_params(random_state=0).fit_resample(X, y)
    elif args.memory_config == "on-the-fly":
        clf.set_params(augmentation=aug)
    clf.fit(X, y)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)


def main():
    from skaugment._demo import WINDOW_CLASSIFIERS, dataset_splits, load_dataset, make_classifier
    from skaugment.evaluation import compare_augmenters

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="hapt")
    parser.add_argument("--classifier", default="resnet", choices=list(NAMES))
    parser.add_argument("--recipe", default=None,
                        help="default: transforms (HAPT), eeg-transforms (EEG)")
    parser.add_argument("--n-steps", type=int, default=None)
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a classifier parameter, value read as a Python literal "
                             "(e.g. --param 'n_filters=(32, 64, 64)'); repeatable")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--first-split", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=5, help="EEG: runs of the official split")
    parser.add_argument("--tag", default=None)
    parser.add_argument("--configs", nargs="+", default=["none", "offline", "on-the-fly"],
                        choices=["none", "offline", "on-the-fly"])
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--memory-config", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--merge", nargs="+", default=None, metavar="PIECE.json",
                        help="merge pieces of one network and data set into "
                             "benchmarks/results/deep-<dataset>-<classifier>.json and .md")
    args = parser.parse_args()
    if args.merge:
        return _merge(args.merge)
    if args.classifier not in WINDOW_CLASSIFIERS:
        # spectrograms take mixup on the fly, not the raw-window transforms
        args.recipe = args.recipe or "mixup"
    args.recipe = args.recipe or ("transforms" if args.dataset == "hapt" else "eeg-transforms")

    if args.memory_config:
        return _memory_probe(args)
    if args.memory:
        peaks = {}
        for config in ("none", "on-the-fly", "offline"):
            out = subprocess.run([sys.executable, __file__, "--dataset", args.dataset,
                                  "--classifier", args.classifier, "--recipe", args.recipe,
                                  "--memory-config", config], capture_output=True, text=True,
                                 check=True)
            peaks[config] = float(out.stdout.strip().splitlines()[-1])
        print("| configuration | peak RSS (MiB) | vs none |\n|---|---|---|")
        for config, mib in peaks.items():
            print(f"| {config} | {mib:.0f} | {mib / peaks['none']:.2f}x |")
        return None

    data, signal = load_dataset(args.dataset)
    cv, groups = dataset_splits(args.dataset, data,
                                args.splits if args.dataset == "hapt" else args.seeds,
                                first_split=args.first_split)
    params = {} if args.n_steps is None else {"n_steps": args.n_steps}
    for item in args.param:
        key, _, value = item.partition("=")
        params[key.strip()] = ast.literal_eval(value.strip())
    name = NAMES[args.classifier]
    start = time.perf_counter()
    clf = make_classifier(args.classifier, data.modalities, **params)
    steps, stft = _recipe_steps(args.recipe, data, signal, args.classifier)
    offline_name = f"{name} + {args.recipe} x5 offline"
    methods = {}
    if "none" in args.configs:
        methods["none"] = None
        if "offline" in args.configs:
            methods[offline_name] = steps
    offline = compare_augmenters(data.data, data.target, groups, methods, clf,
                                 preprocessing=stft, cv=cv, diagnostics=False,
                                 random_state=args.first_split, verbose=1) if methods else None
    if "offline" in args.configs and "none" not in args.configs:
        # alone, the recipe's steps and the network run as one pipeline in the reference's
        # place (the same steps, seeds and budget as beside "none"); renamed below
        from imblearn.pipeline import make_pipeline
        from sklearn.base import clone

        offline = compare_augmenters(data.data, data.target, groups, {"none": None},
                                     make_pipeline(*[clone(s) for s in steps], clone(clf)),
                                     cv=cv, diagnostics=False, random_state=args.first_split,
                                     verbose=1)
    fly = make_classifier(args.classifier, data.modalities, **params)
    fly.set_params(augmentation=_sampler(steps))
    online = compare_augmenters(data.data, data.target, groups, {"none": None}, fly,
                                preprocessing=stft, cv=cv, diagnostics=False,
                                random_state=args.first_split,
                                verbose=1) if "on-the-fly" in args.configs else None
    records = []
    for r in offline.records if offline else []:
        r = dict(r)
        if r["method"] == "none":
            r["method"] = r["base_method"] = name if "none" in args.configs else offline_name
        records.append(r)
    for r in online.records if online else []:
        r = dict(r, method=f"{name} + {args.recipe} on-the-fly")
        r["base_method"] = r["method"]
        records.append(r)
    for r in records:
        r["split"] += args.first_split if args.dataset == "hapt" else 0
    # the reference of the summary is "none": MiniRocket's, when merged with its pieces
    config = {
        "dataset": args.dataset, "classifier_name": args.classifier, "recipe": args.recipe,
        "classifier": repr(clf), "n_steps": clf.get_params()["n_steps"],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "total_seconds": round(time.perf_counter() - start, 1)}
    folder = RESULTS / "pieces" if args.tag else RESULTS
    _write(records, config, folder,
           f"deep-{args.dataset}-{args.classifier}" + (f"-{args.tag}" if args.tag else ""))
    return None


def _merge(paths):
    """The pieces of one network on one data set (other configurations or splits) as
    ``benchmarks/results/deep-<dataset>-<classifier>.json`` and ``.md``."""
    from merge_compare import merge  # stops where two pieces disagree on a run

    merged = merge(paths)
    first = merged.config["pieces"][0]
    _write(merged.records, merged.config, RESULTS,
           f"deep-{first['dataset']}-{first['classifier_name']}")


def _write(records, config, folder, stem):
    """``<stem>.json`` (config + records) and the ``.md`` table of every configuration."""
    from skaugment.evaluation import AugmentationComparison

    result = AugmentationComparison(records, config)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(json.dumps({"config": result.config,
                                                     "records": result.records}, indent=2))
    lines = ["| configuration | accuracy (mean ± std) | fit s (mean) |", "|---|---|---|"]
    for m in result.methods:
        acc = result.scores(m)
        secs = [sum(v for k, v in r["seconds"].items() if k != "predict")
                for r in result.records if r["method"] == m]
        spread = f" ± {acc.std(ddof=1):.3f}" if len(acc) > 1 else ""
        lines.append(f"| {m} | {acc.mean():.3f}{spread} | {np.mean(secs):.0f} |")
    table = "\n".join(lines) + "\n"
    (folder / f"{stem}.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
