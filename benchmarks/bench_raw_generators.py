"""Generators of raw windows (SenseGen, SF-DM) on HAPT: realism, usefulness, speed.

Run by hand (not a test)::

    OMP_NUM_THREADS=1 python benchmarks/bench_raw_generators.py
    OMP_NUM_THREADS=1 python benchmarks/bench_raw_generators.py --quick     # smoke run

Protocol: split 0 of the downstream benchmark (``GroupHoldoutSplit(5,
random_state=0)``: 5 training subjects), the same split as
``benchmarks/bench_generators.py`` so that the spectrogram-level score can be read
next to the spectrogram generators' (diffusion 0.437 there). Each generator is
fitted on the training windows with its defaults and ``random_state=0``, then makes
one window per training window (``ratio=1`` through its ``fit_resample``: the
label-only augmentation of the downstream runs). Scored by
:func:`~skaugment.evaluation.synthetic_quality_report` against ``--n-test``
windows of the 25 held-out subjects:

- discriminative score on raw windows: SenseGen's LSTM discriminator (trained on
  70% of the pairs, scored on 30%; Alzantot et al. 2017 report ~50% accuracy for
  their traces) and gradient boosting on window summary features (5-fold);
- TSTR (train a logistic regression on synthetic, test on held-out real) and label
  fidelity (a model of the real rows on the synthetic ones), on flattened windows;
- RBF MMD^2 of window features, next to the same distance between two real halves;
- the boosting discriminative score on spectrogram features (STFT n_fft 32, hop 8),
  the column of ``generators.md``.

The reference row is the real training windows themselves, scored the same way
against the held-out windows. Writes ``benchmarks/results/raw_generators.{json,md}``
and a figure per generator (``raw_generators-<name>.png``).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--generators", nargs="+", default=["sensegen", "sfdm"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tag", default="raw_generators")
    args = parser.parse_args()

    from skaugment import SenseGenSampler, SpectrogramTransformer
    from skaugment.datasets import load_hapt
    from skaugment.evaluation import GroupHoldoutSplit, discriminative_score, synthetic_quality_report
    from skaugment.generators import StatisticalDiffusionSampler

    hapt = load_hapt()
    cv = GroupHoldoutSplit(5, n_repeats=1, random_state=0)
    train, test = next(cv.split(hapt.data, hapt.target, hapt.groups))
    rng = np.random.default_rng(0)
    test = np.sort(rng.choice(test, size=min(args.n_test, test.size), replace=False))
    X, y = hapt.data[train], np.asarray(hapt.target)[train]
    X_test, y_test = hapt.data[test], np.asarray(hapt.target)[test]
    if args.quick:
        keep = np.sort(rng.choice(len(X), 300, replace=False))
        X, y = X[keep], y[keep]
        args.tag += "-quick"
    stft = SpectrogramTransformer(n_fft=32, hop_length=8).fit(X)
    quick = {"n_steps": 50} if args.quick else {}
    builders = {
        "sensegen": lambda: SenseGenSampler(ratio=1.0, device="cpu", random_state=0, **quick),
        "sfdm": lambda: StatisticalDiffusionSampler(ratio=1.0, device="cpu", random_state=0,
                                                    **quick),
    }
    print(f"HAPT split 0: {len(X)} training windows {X.shape[1:]}, {len(X_test)} held-out",
          flush=True)

    rows = {}
    outputs = {"real (training windows)": (X, y, None, None)}
    for name in args.generators:
        gen = builders[name]()
        start = time.perf_counter()
        X_res, y_res = gen.fit_resample(X, y)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        # the raw-window protocol: SF-DM starts from init, SenseGen from the label alone
        gen.sample(y[:256], init=X[:256] if gen.uses_init else None, random_state=1)
        per_second = 256 / (time.perf_counter() - start)
        X_syn, y_syn = X_res[len(X):], y_res[len(X):]
        outputs[name] = (X_syn, y_syn, seconds, per_second)
        curve = np.asarray(gen.loss_curve_)
        print(f"  {name}: fit + resample {seconds:.0f} s, {per_second:.0f} windows/s sampling; "
              f"loss {curve[:50].mean():.3f} -> {curve[-50:].mean():.3f}", flush=True)

    for name, (X_syn, y_syn, seconds, per_second) in outputs.items():
        start = time.perf_counter()
        save = None if name.startswith("real") else RESULTS / f"{args.tag}-{name}"
        report = synthetic_quality_report(X_test, y_test, X_syn, y_syn, X_test=X_test,
                                          y_test=y_test, random_state=0, save_to=save)
        d = report.to_dict()
        spec = discriminative_score(stft.transform(X_test), stft.transform(X_syn), random_state=0)
        rows[name] = {**d, "spectrogram_discriminative": spec["score"],
                      "fit_seconds": seconds, "windows_per_second": per_second,
                      "report_seconds": time.perf_counter() - start}
        print(f"  {name}: {report!r}", flush=True)

    def get(d, *keys):
        for k in keys:
            d = d.get(k, {}) if isinstance(d, dict) else {}
        return d if isinstance(d, (int, float)) else float("nan")

    lines = ["| windows | LSTM disc. accuracy / score | boosting disc. score | spectrogram disc. "
             "score | TSTR | label fidelity | MMD² (real-vs-real) | fit + resample | windows/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        lstm = r["discriminative"].get("lstm", {})
        boost = r["discriminative"].get("boosting", {})
        fit = "–" if r["fit_seconds"] is None else f"{r['fit_seconds']:.0f} s"
        speed = "–" if r["windows_per_second"] is None else f"{r['windows_per_second']:.0f}"
        lines.append(
            f"| {name} | {lstm.get('accuracy', float('nan')):.3f} / {lstm.get('score', float('nan')):.3f} "
            f"| {boost.get('score', float('nan')):.3f} | {r['spectrogram_discriminative']:.3f} "
            f"| {get(r, 'tstr'):.3f} | {get(r, 'label_fidelity'):.3f} "
            f"| {get(r, 'mmd'):.4f} ({get(r, 'mmd_reference'):.4f}) | {fit} | {speed} |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.tag}.md").write_text(text)
    (RESULTS / f"{args.tag}.json").write_text(json.dumps(
        {"config": {**vars(args), "machine": platform.platform(),
                    "threads": os.environ.get("OMP_NUM_THREADS"), "n_train": len(X)},
         "rows": rows}, indent=1, default=lambda o: None if o is None else float(o)))


if __name__ == "__main__":
    main()
