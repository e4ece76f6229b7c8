"""MiniRocket fit seconds against the augmentation ratio: aeon's ridge and the subsampled one.

Run by hand (not a test; needs the ``aeon`` extra)::

    OMP_NUM_THREADS=1 python benchmarks/bench_rocket_fit.py [--ratios 0 1 2 5] [--default-up-to 2]

HAPT split 0 of the README's protocol (5 training subjects, 1,714 windows). For each
ratio, ``transforms`` (rotation, scaling, jitter) builds the augmented set (not timed),
then MiniRocket (10,000 kernels, one thread) is fitted on it, timed, with aeon's default
``RidgeClassifierCV`` (leave-one-out over 10 penalties on every row; run up to
``--default-up-to``, since it grows with the cube of the rows) and with
:class:`~skaugment.classifiers.SubsampledRidgeClassifierCV` (the same search on at most
4,000 rows, then one solve on all). Every fit is timed in the same process, after one
warm-up fit that compiles MiniRocket's numba kernels, and reported as seconds and as a
multiple of the unaugmented fit of the same ridge. Test accuracy on the 25 other subjects
is printed beside it. Writes ``benchmarks/results/rocket_fit.md``.
"""

import argparse
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def main():
    from aeon.classification.convolution_based import MiniRocketClassifier

    from skaugment.augmenters import SignalTransformAugmenter
    from skaugment.classifiers import SubsampledRidgeClassifierCV
    from skaugment.datasets import load_hapt
    from skaugment.evaluation import GroupHoldoutSplit

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ratios", nargs="+", type=float, default=[0.0, 1.0, 2.0, 5.0])
    parser.add_argument("--default-up-to", type=float, default=2.0)
    args = parser.parse_args()

    hapt = load_hapt()
    train, test = next(GroupHoldoutSplit(5, n_repeats=1).split(hapt.data, hapt.target,
                                                                hapt.groups))
    X, y = hapt.data[train], hapt.target[train]
    X_test, y_test = hapt.data[test], hapt.target[test]
    MiniRocketClassifier(n_kernels=84, random_state=0).fit(X[:50], y[:50])  # numba warm-up

    rows, base = [], {}
    for ratio in args.ratios:
        if ratio:
            aug = SignalTransformAugmenter(modalities=hapt.modalities, ratio=ratio,
                                           random_state=0)
            Xa, ya = aug.fit_resample(X, y)
        else:
            Xa, ya = X, y
        for ridge in ("aeon default", "subsampled"):
            if ridge == "aeon default" and ratio > args.default_up_to:
                rows.append((ratio, len(Xa), ridge, None, None, None))
                continue
            estimator = None if ridge == "aeon default" else SubsampledRidgeClassifierCV()
            clf = MiniRocketClassifier(estimator=estimator, random_state=0)
            start = time.perf_counter()
            clf.fit(Xa, ya)
            seconds = time.perf_counter() - start
            base.setdefault(ridge, seconds)
            acc = float(np.mean(clf.predict(X_test) == y_test))
            rows.append((ratio, len(Xa), ridge, seconds, seconds / base[ridge], acc))
            print(f"ratio {ratio:g} ({len(Xa)} rows), {ridge}: fit {seconds:.1f} s "
                  f"({seconds / base[ridge]:.1f}x), accuracy {acc:.3f}", flush=True)

    lines = ["| ratio | training rows | ridge | fit seconds | x unaugmented fit | test accuracy |",
             "|---|---|---|---|---|---|"]
    for ratio, n, ridge, sec, mult, acc in rows:
        if sec is None:
            lines.append(f"| {ratio:g} | {n} | {ridge} | not run (> --default-up-to) | | |")
        else:
            lines.append(f"| {ratio:g} | {n} | {ridge} | {sec:.1f} | {mult:.1f}x | {acc:.3f} |")
    table = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rocket_fit.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
