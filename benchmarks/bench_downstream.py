"""Downstream comparison of augmenters on HAPT, cross-subject, paired over splits.

Run by hand (not a test)::

    OMP_NUM_THREADS=1 python benchmarks/bench_downstream.py                     # all methods
    OMP_NUM_THREADS=1 python benchmarks/bench_downstream.py --methods transforms transforms-edit \\
        --splits 5 --classifier deepsense --jobs 2 --tag core
    # one split per process, merged afterwards (the compare_augmenters calls behind
    # results/compare-deepsense.md; its pieces ran from equivalent scripts)
    OMP_NUM_THREADS=1 python benchmarks/bench_downstream.py --splits 1 --first-split 3 \\
        --methods transforms time-freq edit-disturb transforms-edit --n-steps 1000 \\
        --baseline-multipliers --tag split3
    python benchmarks/merge_compare.py benchmarks/results/compare-deepsense \\
        benchmarks/results/compare-split*.json
    # a faster diffusion configuration on the same splits and seeds (add the default
    # beside it by leaving out --variants-only)
    FAST='{"base_channels": 8, "n_steps": 800, "distill_steps": 1, "distill_n_steps": 800}'
    OMP_NUM_THREADS=1 python benchmarks/bench_downstream.py --classifier transformer \\
        --methods diff-disturb diff-disturb-lf --n-steps 1000 --baseline-multipliers \\
        --generator-variants "{\\"fast\\": $FAST}" --variants-only --jobs 1 --tag fast-transformer

Protocol (:func:`skaugment.evaluation.compare_augmenters`, public API only): for each
split, 5 HAPT subjects drawn at random for training and all 25 others for testing;
spectrograms (n_fft=32, hop 8); every method's augmentation fitted on the training
subjects only; the classifier trained with the same seed and the same number of
gradient steps (``n_steps``) for every method, and "none" also at twice that budget
(the reference is the better of the two); paired differences with 95% t-intervals,
TSTR, label fidelity and discriminative score of the synthetic rows.

Writes ``benchmarks/results/compare[-<tag>].json`` and ``.md``.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main():
    from skaugment._demo import make_classifier
    from skaugment.datasets import load_hapt
    from skaugment.evaluation import (
        AUGMENTATION_METHODS,
        GroupHoldoutSplit,
        augmentation_methods,
        compare_augmenters,
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--methods", nargs="+", choices=list(AUGMENTATION_METHODS),
                        default=["transforms", "time-freq", "mixup", "edit-disturb", "transforms-edit",
                                 "diff-interp", "diff-disturb"])
    parser.add_argument("--classifier", default="deepsense",
                        choices=["deepsense", "transformer", "satsdu"])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--first-split", type=int, default=0,
                        help="split i draws its subjects with RandomState(first + i) and gets "
                             "seed first + i: '--splits 1 --first-split k' runs split k alone, "
                             "to be merged with benchmarks/merge_compare.py")
    parser.add_argument("--train-subjects", type=int, default=5)
    parser.add_argument("--ratio", type=float, default=5.0)
    parser.add_argument("--n-steps", type=int, default=None)
    parser.add_argument("--baseline-multipliers", type=float, nargs="*", default=[2.0])
    parser.add_argument("--generator-params", default="{}", help="JSON, diffusion parameters")
    parser.add_argument("--generator-variants", default="{}",
                        help="JSON {name: diffusion parameters}: each diffusion method also "
                             "runs with those parameters, as '<method> <name>', in the same "
                             "splits (e.g. a faster configuration against the default)")
    parser.add_argument("--variants-only", action="store_true",
                        help="run the diffusion methods with --generator-variants only, not "
                             "with --generator-params")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-diagnostics", action="store_true")
    parser.add_argument("--tag", default="")
    parser.add_argument("--memory", default="auto",
                        help="joblib cache folder of the generator fits; a fixed folder lets "
                             "runs of the same split (another classifier) reuse them")
    args = parser.parse_args()

    hapt = load_hapt()
    methods = args.methods if "none" in args.methods else ["none"] + args.methods
    steps, stft = augmentation_methods(methods, modalities=hapt.modalities,
                                       channel_names=hapt.channel_names, fs=hapt.fs,
                                       ratio=args.ratio,
                                       generator_params=json.loads(args.generator_params))
    variants = json.loads(args.generator_variants)
    diffusion_methods = [m for m in methods if m.startswith("diff-")]
    for name, generator_params in variants.items():
        extra, _ = augmentation_methods(diffusion_methods, modalities=hapt.modalities,
                                        channel_names=hapt.channel_names, fs=hapt.fs,
                                        ratio=args.ratio, generator_params=generator_params)
        steps.update({f"{method} {name}": step for method, step in extra.items()})
    if args.variants_only:
        steps = {name: step for name, step in steps.items() if name not in diffusion_methods}
    params = {} if args.n_steps is None else {"n_steps": args.n_steps}
    clf = make_classifier(args.classifier, hapt.modalities, **params)
    cv = GroupHoldoutSplit(args.train_subjects, n_repeats=args.splits,
                           random_state=args.first_split)
    start = time.perf_counter()
    result = compare_augmenters(
        hapt.data, hapt.target, hapt.groups, steps, clf, preprocessing=stft, cv=cv,
        budget="equal-steps", baseline_multipliers=tuple(args.baseline_multipliers),
        diagnostics=not args.no_diagnostics, n_jobs=args.jobs, random_state=args.first_split,
        memory=args.memory, verbose=1)
    # the harness numbers this run's splits from 0: name them as the splits they are
    for record in result.records:
        record["split"] += args.first_split
    result.config.update({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "classifier_name": args.classifier, "ratio": args.ratio, "n_steps": args.n_steps,
        "generator_params": json.loads(args.generator_params), "generator_variants": variants,
        "wall_seconds": round(time.perf_counter() - start, 1)})
    RESULTS.mkdir(exist_ok=True)
    stem = "compare" + (f"-{args.tag}" if args.tag else "")
    (RESULTS / f"{stem}.json").write_text(json.dumps(result.to_dict(), indent=2))
    header = (f"HAPT, {args.classifier}, {args.splits} splits x {args.train_subjects} training "
              f"subjects (all others test), ratio {args.ratio:g}, equal gradient steps; "
              f"{result.config['machine']}; wall {result.config['wall_seconds'] / 60:.1f} min "
              f"with {args.jobs} parallel splits.\n\n")
    (RESULTS / f"{stem}.md").write_text(header + result.to_markdown())
    print(header + result.to_markdown())


if __name__ == "__main__":
    main()
