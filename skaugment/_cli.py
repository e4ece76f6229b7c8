"""Command-line interface: ``skaugment demo``."""

import argparse
import sys

__all__ = ["main", "build_parser"]

TECHNIQUES = ("disturb", "interp", "knowledge")
CLASSIFIERS = ("deepsense", "transformer", "satsdu")


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


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skaugment",
        description="Controllable generative data augmentation for sensor time series.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="cross-subject HAR on HAPT: no augmentation vs metric-space diffusion augmentation",
        description=(
            "Train on a few HAPT subjects, test on held-out subjects, and compare a classifier "
            "trained without augmentation with one trained on metric-space diffusion "
            "augmentation. Prints a table, writes results.json and a figure."
        ),
    )
    demo.add_argument("--quick", action="store_true",
                      help="a small, fast run (about a minute): fewer subjects, tiny models")
    demo.add_argument("--ratio", type=_positive_float, default=None,
                      help="augmentation ratio n_generated / n_real (default 5; 2 with --quick)")
    demo.add_argument("--train-subjects", type=_positive_int, default=None,
                      help="number of training subjects (default 5; 2 with --quick)")
    demo.add_argument("--test-subjects", type=_positive_int, default=None,
                      help="number of held-out test subjects (default: all others; 3 with --quick)")
    demo.add_argument("--seeds", type=int, nargs="+", default=[0],
                      help="random seeds; each picks its own training subjects (default: 0)")
    demo.add_argument("--technique", choices=TECHNIQUES, default="disturb",
                      help="metric-space augmentation technique (default: disturb)")
    demo.add_argument("--classifier", choices=CLASSIFIERS, default="deepsense",
                      help="downstream classifier (default: deepsense)")
    demo.add_argument("--budget", choices=("equal-steps", "equal-epochs"), default="equal-steps",
                      help="equal-steps (default): the augmented classifier trains for "
                           "epochs / (1 + ratio), the same number of gradient steps as the "
                           "baseline; equal-epochs: the same number of epochs")
    demo.add_argument("--strength", type=_strength, default=None,
                      help="generator strength in (0, 1]: below 1, each synthetic sample starts "
                           "from its real source noised to that level (SDEdit); 1 generates from "
                           "pure noise (default: 1)")
    demo.add_argument("--output", default="skaugment_output",
                      help="folder for results.json and the figures (default: skaugment_output)")
    demo.add_argument("--data-path", default=None,
                      help="a local UCI HAPT folder (RawData/...); default: the offline copy")
    demo.add_argument("--no-figure", action="store_true", help="skip the figure")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from skaugment._demo import run_demo

        run_demo(
            quick=args.quick,
            ratio=args.ratio,
            n_train_subjects=args.train_subjects,
            n_test_subjects=args.test_subjects,
            seeds=args.seeds,
            technique=args.technique,
            classifier=args.classifier,
            budget=args.budget,
            strength=args.strength,
            output=args.output,
            data_path=args.data_path,
            figure=not args.no_figure,
            verbose=0 if args.quiet else 1,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
