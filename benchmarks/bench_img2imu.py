"""IMG2IMU few-shot table on HAPT: MoCo pre-training vs random init, and DeepSense.

Run by hand (not a test)::

    OMP_NUM_THREADS=1 python benchmarks/bench_img2imu.py --cache /tmp/img2imu
    OMP_NUM_THREADS=1 python benchmarks/bench_img2imu.py --quick      # smoke run, ~2 min

The question of Yoon et al. (2024), "IMG2IMU: Translating knowledge from large-scale
images to IMU sensing applications", Table II, asked of our pieces on HAPT
accelerometer windows (x/y/z as R/G/B spectrogram images, 96 x 128):

- Subjects: 15 of the 30 (drawn once with ``RandomState(0)``) give the unlabelled
  pre-training windows; the other 15 are split per seed ``s`` (``RandomState(s)``)
  into 5 training subjects, from which ``k`` labelled windows per class are drawn
  (``k`` in ``--shots``), and 10 held-out test subjects.
- Encoders: ``random`` (random initialisation, seed 0), ``moco-default`` (MoCo v2
  with the default image augmentations: resized crop, brightness/contrast, flip) and
  ``moco-sensor`` (MoCo v2 with the sensor-aware TranslateX/PermuteX/Hue/Jitter),
  each pre-trained once (``random_state=0``) on ``--pretrain-images`` windows of
  the pre-training subjects, for ``--epochs`` epochs, at ``--width`` (a ResNet-18 of
  reduced width: a CPU budget of <= 20 minutes per pre-training).
- Probe: :class:`~skaugment.img2imu.IMG2IMUClassifier` with the encoder frozen (the
  paper's linear evaluation), ``--probe-steps`` Adam steps at ``--probe-lr`` (1e-2:
  on 10 shots of seed 0, a random-init probe reached 0.57 test accuracy at 1e-2
  against 0.49 at the classifier's default 1e-3 in 300 steps), seed ``s``.
- DeepSense on the same shots, on STFT spectrograms of the same accelerometer
  windows (n_fft 32, hop 8), ``--deepsense-steps`` steps, without augmentation and
  with the ``time-freq`` recipe of the comparison harness (x5).

Scores: accuracy and macro-F1 on the test subjects' windows; mean over seeds and the
paired difference to the random-init probe with a 95% t-interval
(:func:`~skaugment.evaluation.paired_difference`). Writes
``benchmarks/results/img2imu.{json,md}``.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
ENCODERS = ("random", "moco-default", "moco-sensor")


def _subject_split(groups, seed, n_pretrain=15, n_train=5):
    subjects = np.unique(groups)
    pretrain = np.random.RandomState(0).choice(subjects, n_pretrain, replace=False)
    rest = np.setdiff1d(subjects, pretrain)
    train = np.random.RandomState(seed).choice(rest, n_train, replace=False)
    test = np.setdiff1d(rest, train)
    return pretrain, train, test


def _draw_shots(y, rows, k, rng):
    """``k`` rows of each class among ``rows`` (fewer when a class has fewer)."""
    picked = [rng.choice(rows[y[rows] == c], min(k, int(np.sum(y[rows] == c))), replace=False)
              for c in np.unique(y[rows])]
    return np.sort(np.concatenate(picked))


def _pretrain(name, images, args):
    import torch

    from skaugment.img2imu import MoCoPretrainer

    suffix = "" if args.momentum == 0.999 else f"-m{args.momentum:g}"
    path = Path(args.cache) / f"{name}-w{args.width}-n{len(images)}-e{args.epochs}{suffix}.pt"
    if name == "random":
        return None, {"seconds": 0.0}
    if path.exists():
        return torch.load(path, weights_only=True), {"seconds": None, "note": f"cached {path}"}
    moco = MoCoPretrainer(width=args.width, n_steps=args.epochs * -(-len(images) // 128),
                          batch_size=128,
                          queue_size=args.queue_size, momentum=args.momentum,
                          augmentations=name.split("-")[1],
                          device="cpu", random_state=0, verbose=0)
    start = time.perf_counter()
    moco.fit(images)
    seconds = time.perf_counter() - start
    path.parent.mkdir(parents=True, exist_ok=True)
    moco.save_encoder(path)
    print(f"  {name}: {seconds:.0f} s, InfoNCE {moco.loss_curve_[0]:.3f} -> "
          f"{moco.loss_curve_[-1]:.3f}", flush=True)
    return torch.load(path, weights_only=True), {"seconds": round(seconds, 1),
                                                 "info_nce": [round(v, 4) for v in moco.loss_curve_]}


def _scores(y_true, y_pred):
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro"))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default="/tmp/img2imu", help="pre-trained encoders")
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--pretrain-images", type=int, default=2000)
    parser.add_argument("--queue-size", type=int, default=1024)
    parser.add_argument("--momentum", type=float, default=0.999,
                        help="MoCo key-encoder momentum (the paper's 0.999)")
    parser.add_argument("--shots", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--probe-steps", type=int, default=300)
    parser.add_argument("--probe-lr", type=float, default=1e-2)
    parser.add_argument("--deepsense-steps", type=int, default=300)
    parser.add_argument("--parts", nargs="+", default=["probe", "deepsense"],
                        choices=["probe", "deepsense"])
    parser.add_argument("--encoders", nargs="+", default=list(ENCODERS), choices=list(ENCODERS))
    parser.add_argument("--tag", default="img2imu")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.width, args.epochs, args.pretrain_images = 8, 1, 200
        args.shots, args.seeds, args.probe_steps, args.deepsense_steps = [1, 5], 2, 30, 30
        args.cache = os.path.join(args.cache, "quick")
        args.tag = "img2imu-quick"

    from skaugment import DeepSenseClassifier
    from skaugment.datasets import load_hapt
    from skaugment.evaluation import augmentation_methods, paired_difference
    from skaugment.img2imu import IMG2IMUClassifier, SpectrogramImageTransformer

    hapt = load_hapt()
    X = hapt.data[:, :3]  # body accelerometer x/y/z: one RGB image per window
    y, groups = np.asarray(hapt.target), np.asarray(hapt.groups)
    pretrain_subjects, _, _ = _subject_split(groups, 0)
    pool = np.flatnonzero(np.isin(groups, pretrain_subjects))
    pool = np.sort(np.random.RandomState(0).choice(pool, min(args.pretrain_images, pool.size),
                                                   replace=False))
    # The image statistics (per-axis min-max) are learned on the unlabelled windows.
    imager = SpectrogramImageTransformer().fit(X[pool])
    images = imager.transform(X)
    print(f"HAPT acc windows {X.shape}, images {images.shape}; pre-training on {pool.size} "
          f"windows of {pretrain_subjects.size} subjects", flush=True)

    records, pretraining = [], {}
    encoders = {}
    if "probe" in args.parts:
        for name in args.encoders:
            encoders[name], pretraining[name] = _pretrain(name, images[pool], args)

    ratio = 1.0 if args.quick else 5.0
    steps, stft = augmentation_methods(["none", "time-freq"], ratio=ratio, n_fft=32,
                                       hop_length=8)
    for seed in range(args.seeds):
        _, train_subjects, test_subjects = _subject_split(groups, seed)
        test = np.flatnonzero(np.isin(groups, test_subjects))
        train_rows = np.flatnonzero(np.isin(groups, train_subjects))
        for k in args.shots:
            shots = _draw_shots(y, train_rows, k, np.random.RandomState(1000 * seed + k))
            base = {"seed": seed, "shots": k, "n_train": int(shots.size), "n_test": int(test.size)}
            for name in encoders:
                start = time.perf_counter()
                probe = IMG2IMUClassifier(encoder=encoders[name], width=args.width, freeze=True,
                                          n_steps=args.probe_steps, lr=args.probe_lr, batch_size=32, device="cpu",
                                          random_state=seed)
                probe.fit(images[shots], y[shots])
                rec = {**base, "method": f"probe {name}",
                       **_scores(y[test], probe.predict(images[test])),
                       "seconds": time.perf_counter() - start}
                records.append(rec)
                print(f"seed {seed} k={k:2d} {rec['method']:<22} acc {rec['accuracy']:.3f} "
                      f"F1 {rec['macro_f1']:.3f} ({rec['seconds']:.0f} s)", flush=True)
            if "deepsense" not in args.parts:
                continue
            from imblearn.pipeline import make_pipeline
            from sklearn.base import clone

            for method in ("none", "time-freq"):
                start = time.perf_counter()
                # a method's steps end with its own STFT; "none" is the STFT alone
                augment = [clone(s) for s in (steps[method] or [stft])]
                pipe = make_pipeline(*augment, DeepSenseClassifier(
                    n_steps=args.deepsense_steps, device="cpu", random_state=seed))
                pipe.fit(X[shots], y[shots])
                rec = {**base, "method": f"DeepSense {method}",
                       **_scores(y[test], pipe.predict(X[test])),
                       "seconds": time.perf_counter() - start}
                records.append(rec)
                print(f"seed {seed} k={k:2d} {rec['method']:<22} acc {rec['accuracy']:.3f} "
                      f"F1 {rec['macro_f1']:.3f} ({rec['seconds']:.0f} s)", flush=True)

    pretrain_note = "; ".join(
        f"{k}: InfoNCE {v['info_nce'][0]:.3f} -> {v['info_nce'][-1]:.3f} in {v['seconds']:.0f} s"
        for k, v in pretraining.items() if "info_nce" in v) or "encoders from the cache"
    methods = list(dict.fromkeys(r["method"] for r in records))
    reference = "probe random" if "probe random" in methods else methods[0]
    lines = [f"# IMG2IMU few-shot on HAPT accelerometer images ({args.seeds} seeds)", "",
             f"Encoders: ResNet-18 width {args.width}; MoCo v2 (momentum {args.momentum:g}, queue "
             f"{args.queue_size}) pre-trained {args.epochs} epochs on "
             f"{pool.size} unlabelled windows of {pretrain_subjects.size} other subjects "
             f"({pretrain_note}). Probe: frozen encoder + linear head, "
             f"{args.probe_steps} steps at lr {args.probe_lr:g}. DeepSense: {args.deepsense_steps} steps, time-freq x{ratio:g}.",
             "", f"| shots/class | method | accuracy | macro-F1 | Δ F1 vs {reference} [95% CI] | wins |",
             "|---|---|---|---|---|---|"]
    summary = []
    for k in args.shots:
        by = {m: sorted((r for r in records if r["method"] == m and r["shots"] == k),
                        key=lambda r: r["seed"]) for m in methods}
        ref_f1 = [r["macro_f1"] for r in by[reference]]
        for m in methods:
            acc = np.array([r["accuracy"] for r in by[m]])
            f1 = np.array([r["macro_f1"] for r in by[m]])
            row = {"shots": k, "method": m, "accuracy": float(acc.mean()),
                   "accuracy_std": float(acc.std()), "macro_f1": float(f1.mean()),
                   "macro_f1_std": float(f1.std())}
            cell = "reference"
            if m != reference and len(f1) > 1:
                d = paired_difference(f1, ref_f1)
                row["delta_f1"] = d
                cell = (f"{100 * d['mean']:+.1f} [{100 * d['ci_low']:+.1f}, "
                        f"{100 * d['ci_high']:+.1f}] | {d['wins']}/{d['n']}")
            else:
                cell += " |"
            summary.append(row)
            lines.append(f"| {k} | {m} | {acc.mean():.3f} ± {acc.std():.3f} | "
                         f"{f1.mean():.3f} ± {f1.std():.3f} | {cell} |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.tag}.md").write_text(text)
    (RESULTS / f"{args.tag}.json").write_text(json.dumps({
        "config": {**vars(args), "machine": platform.platform(),
                   "threads": os.environ.get("OMP_NUM_THREADS"),
                   "pretraining": pretraining},
        "records": records, "summary": summary}, indent=1, default=float))


if __name__ == "__main__":
    main()
