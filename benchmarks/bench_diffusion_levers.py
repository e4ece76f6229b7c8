"""The diffusion generator's levers, next to the other methods, in the fair harness.

Run by hand, one split per process (merge the pieces with merge_compare.py)::

    OMP_NUM_THREADS=1 python benchmarks/bench_diffusion_levers.py --classifier transformer \\
        --first-split 0 --memory /tmp/skcache --tag levers-transformer-split0

Every method of :func:`skaugment.evaluation.compare_augmenters` on HAPT (5 training
subjects, the 25 others as test, equal gradient steps), plus these variants of
Diff-disturb (``MetricDisturbAugmenter`` with the default ``ConditionalDiffusionSampler``):

- ``diff-disturb s0.1`` / ``s0.3`` / ``s0.5`` / ``s0.7``: ``strength`` 0.1 to 0.7, i.e.
  start from the real source spectrogram that far into the noise (SDEdit; 0.5 is
  half-way) instead of from pure noise;
- ``diff-disturb x1``: ratio 1 instead of 5;
- ``diff-disturb lf0.9``: wrapped in ``LabelFidelityFilter(threshold=0.9)``: keep the
  synthetic rows that a logistic regression of the real rows gives their label with
  probability >= 0.9;

one variant of the hybrid: ``hybrid time-freq``, the metric edit applied after the
"time-freq" transforms (2 of 8 time-domain transforms + 1 frequency transform) instead
of after the default rotation/scaling/jitter; and the paper's *Reconst* technique with
an unlabelled target domain (``MetricTargetAugmenter``): the requested metrics are
those of the split's test windows (their metrics only: no labels; the class of each
is predicted from its metrics by a nearest-neighbour classifier of the training rows),
so the training windows take on the held-out subjects' spectral character. This is
transductive augmentation, reported as such:

- ``target-edit``: training windows edited to those metrics (``SpectrogramMetricEditSampler``);
- ``diff-target``: the diffusion model asked for them;
- ``hybrid target``: the "time-freq" transforms, then each transformed window edited to
  them (``WindowMetricEditAugmenter(target=...)``, no disturbance on top).

The sample-only parameters (``strength``) do not enter the generator cache's key, so
with ``--memory`` every variant of a split reuses one diffusion fit (and a run of the
same split with another classifier reuses it too).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

STRENGTHS = (0.1, 0.3, 0.5, 0.7)
LEVERS = tuple(f"diff-disturb s{s}" for s in STRENGTHS) + (
    "diff-disturb x1", "diff-disturb lf0.9", "hybrid time-freq", "target-edit", "diff-target",
    "hybrid target")


def lever_methods(data, stft, ratio, target=None):
    """The levers' steps; ``target``: the split's test windows (raw, unlabelled)."""
    from skaugment import (
        ConditionalDiffusionSampler,
        MetricDisturbAugmenter,
        SpectrogramMetricEditSampler,
        MetricTargetAugmenter,
    )
    from skaugment.augmenters import LabelFidelityFilter, WindowMetricEditAugmenter
    from skaugment.evaluation import augmentation_methods
    from sklearn.base import clone

    def diffusion(**params):
        return ConditionalDiffusionSampler(modalities=data.modalities,
                                           channel_names=data.channel_names, **params)

    methods = {f"diff-disturb s{s}": [stft, MetricDisturbAugmenter(
        generator=diffusion(strength=s), ratio=ratio)] for s in STRENGTHS}
    methods.update({
        "diff-disturb x1": [stft, MetricDisturbAugmenter(generator=diffusion(), ratio=1.0)],
        "diff-disturb lf0.9": [stft, LabelFidelityFilter(
            MetricDisturbAugmenter(generator=diffusion(), ratio=ratio), threshold=0.9)],
        # the time-freq recipe's own sampler; WindowMetricEditAugmenter sets its ratio and seed
        "hybrid time-freq": [WindowMetricEditAugmenter(
            transforms=augmentation_methods(["time-freq"], modalities=data.modalities,
                                            ratio=ratio)[0]["time-freq"][0],
            modalities=data.modalities, ratio=ratio, n_fft=stft.n_fft,
            hop_length=stft.hop_length), stft],
    })
    if target is not None:
        target_spectrograms = clone(stft).fit_transform(target)
        methods["target-edit"] = [stft, MetricTargetAugmenter(
            generator=SpectrogramMetricEditSampler(modalities=data.modalities,
                                        channel_names=data.channel_names),
            target=target_spectrograms, ratio=ratio)]
        methods["diff-target"] = [stft, MetricTargetAugmenter(
            generator=diffusion(), target=target_spectrograms, ratio=ratio)]
        methods["hybrid target"] = [WindowMetricEditAugmenter(
            transforms=augmentation_methods(["time-freq"], modalities=data.modalities,
                                            ratio=ratio)[0]["time-freq"][0],
            target=target, low=0.0, high=0.0, modalities=data.modalities, ratio=ratio,
            n_fft=stft.n_fft, hop_length=stft.hop_length), stft]
    return methods


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
    parser.add_argument("--methods", nargs="*", choices=list(AUGMENTATION_METHODS),
                        default=["transforms", "time-freq", "mixup", "metric-edit", "hybrid",
                                 "diff-disturb", "diff-interp"])
    parser.add_argument("--levers", nargs="*", choices=list(LEVERS), default=list(LEVERS))
    parser.add_argument("--classifier", default="transformer",
                        choices=["deepsense", "transformer", "satsdu"])
    parser.add_argument("--first-split", type=int, default=0)
    parser.add_argument("--splits", type=int, default=1)
    parser.add_argument("--ratio", type=float, default=5.0)
    parser.add_argument("--n-steps", type=int, default=1000)
    parser.add_argument("--baseline-multipliers", type=float, nargs="*", default=[2.0])
    parser.add_argument("--memory", default="auto")
    parser.add_argument("--tag", default="levers")
    args = parser.parse_args()

    hapt = load_hapt()
    methods, stft = augmentation_methods(["none"] + list(args.methods),
                                         modalities=hapt.modalities,
                                         channel_names=hapt.channel_names, fs=hapt.fs,
                                         ratio=args.ratio)
    cv = GroupHoldoutSplit(5, n_repeats=args.splits, random_state=args.first_split)
    target = None
    if {"target-edit", "diff-target", "hybrid target"} & set(args.levers):
        if args.splits != 1:
            parser.error("the target levers take the split's test windows: use --splits 1")
        _, test = next(cv.split(hapt.data, hapt.target, hapt.groups))
        target = hapt.data[test]
    methods.update({k: v for k, v in lever_methods(hapt, stft, args.ratio, target).items()
                    if k in args.levers})
    clf = make_classifier(args.classifier, hapt.modalities, n_steps=args.n_steps)
    start = time.perf_counter()
    result = compare_augmenters(
        hapt.data, hapt.target, hapt.groups, methods, clf, preprocessing=stft, cv=cv,
        budget="equal-steps", baseline_multipliers=tuple(args.baseline_multipliers),
        memory=args.memory, random_state=args.first_split, verbose=1)
    # the harness numbers this run's splits from 0: name them as the splits they are
    for record in result.records:
        record["split"] += args.first_split
    result.config.update({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "classifier_name": args.classifier, "ratio": args.ratio, "n_steps": args.n_steps,
        "wall_seconds": round(time.perf_counter() - start, 1)})
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"compare-{args.tag}.json").write_text(json.dumps(result.to_dict(), indent=2))
    (RESULTS / f"compare-{args.tag}.md").write_text(result.to_markdown())
    print(result.to_markdown())


if __name__ == "__main__":
    main()
