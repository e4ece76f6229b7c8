"""Downstream benefit of metric-space diffusion augmentation on HAPT (issue #4, section 3).

Run by hand (not a test)::

    python benchmarks/bench_downstream.py                 # 3 seeds, DeepSense + SATS-DU
    python benchmarks/bench_downstream.py --quick         # smoke run, a few minutes

Protocol: for each seed, 5 training subjects drawn at random (the rest are the test
set: cross-subject, the honest protocol), spectrograms (n_fft=32, hop 8), one
ConditionalDiffusionSampler fitted on the training subjects, then no augmentation vs
Diff-interp and Diff-disturb at ratios 1 and 5, each classifier trained on each
training set and scored on the held-out subjects (accuracy, macro-F1). The same code
runs ``skaugment demo`` (``skaugment._demo.compare_augmentation``).

``--budget equal-steps`` (default) divides the augmented classifiers' epochs by
``1 + ratio`` so every classifier sees about the same number of gradient steps and the
comparison isolates the data; ``--budget equal-epochs`` trains every classifier the same
number of epochs (seed 000's protocol), so augmentation also buys more steps.

Seeds run in parallel processes (``--jobs``), one torch thread each. Writes
``benchmarks/results/downstream[-<tag>].json`` and ``.md``.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def _one_seed(seed, args):
    import torch

    torch.set_num_threads(1)
    from skaugment._demo import compare_augmentation, split_subjects
    from skaugment.datasets import load_hapt

    hapt = load_hapt()
    train, test = split_subjects(hapt.groups, args.train_subjects, args.test_subjects, seed)
    generator_params = json.loads(args.generator_params)
    classifier_params = json.loads(args.classifier_params)
    run = compare_augmentation(
        hapt, train, test, techniques=args.techniques, ratios=args.ratios,
        classifiers=args.classifiers, seed=seed, generator_params=generator_params,
        classifier_params=classifier_params, budget=args.budget, verbose=0)
    run.pop("_fitted")
    print(f"seed {seed} done: " + ", ".join(
        f"{c}/{m} {s['accuracy']:.3f}" for c, ms in run["scores"].items() for m, s in ms.items()),
        flush=True)
    return run


def _markdown(summary, config):
    lines = [
        f"Machine: {config['machine']}; {config['n_seeds']} seeds; budget `{config['budget']}`; "
        f"{config['train_subjects']} training subjects, "
        f"{'all other' if config['test_subjects'] is None else config['test_subjects']} test subjects; "
        f"wall time {config['wall_seconds'] / 60:.1f} min with {config['jobs']} parallel seeds"
        + (f"; generator parameters {config['generator_params']}" if config["generator_params"] else "")
        + ".",
        "",
        "| classifier | method | accuracy (mean ± std) | macro-F1 (mean ± std) | Δ accuracy vs none |",
        "|---|---|---|---|---|",
    ]
    for name, methods in summary.items():
        base = methods["none"]["accuracy_mean"]
        for method, s in methods.items():
            delta = "" if method == "none" else f"{100 * (s['accuracy_mean'] - base):+.1f} pts"
            lines.append(f"| {name} | {method} | {s['accuracy_mean']:.3f} ± {s['accuracy_std']:.3f} | "
                         f"{s['macro_f1_mean']:.3f} ± {s['macro_f1_std']:.3f} | {delta} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--train-subjects", type=int, default=5)
    parser.add_argument("--test-subjects", type=int, default=None)
    parser.add_argument("--techniques", nargs="+", default=["interp", "disturb"])
    parser.add_argument("--ratios", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--classifiers", nargs="+", default=["deepsense", "satsdu"])
    parser.add_argument("--budget", choices=["equal-steps", "equal-epochs"], default="equal-steps")
    parser.add_argument("--generator-params", default="{}",
                        help='JSON, e.g. \'{"max_epochs": 100}\'')
    parser.add_argument("--classifier-params", default="{}", help='JSON, e.g. \'{"max_epochs": 20}\'')
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--tag", default="", help="suffix of the result files")
    parser.add_argument("--quick", action="store_true",
                        help="2 seeds, 2+2 subjects, tiny models: checks the script runs")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.train_subjects, args.test_subjects = [0, 1], 2, 2
        args.generator_params = '{"max_epochs": 2, "base_channels": 8}'
        args.classifier_params = '{"max_epochs": 2}'
        args.tag = args.tag or "quick"

    from joblib import Parallel, delayed

    from skaugment._demo import summarise

    start = time.perf_counter()
    runs = Parallel(n_jobs=min(args.jobs, len(args.seeds)))(
        delayed(_one_seed)(seed, args) for seed in args.seeds)
    config = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
                   "1 torch thread per seed",
        "n_seeds": len(args.seeds), "seeds": args.seeds, "budget": args.budget,
        "train_subjects": args.train_subjects, "test_subjects": args.test_subjects,
        "techniques": args.techniques, "ratios": args.ratios, "classifiers": args.classifiers,
        "generator_params": json.loads(args.generator_params),
        "classifier_params": json.loads(args.classifier_params),
        "jobs": args.jobs, "wall_seconds": round(time.perf_counter() - start, 1),
    }
    summary = summarise(runs)
    RESULTS.mkdir(exist_ok=True)
    stem = "downstream" + (f"-{args.tag}" if args.tag else "")
    (RESULTS / f"{stem}.json").write_text(
        json.dumps({"config": config, "summary": summary, "runs": runs}, indent=2))
    text = _markdown(summary, config)
    (RESULTS / f"{stem}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
