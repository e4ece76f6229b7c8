"""The generator backbones side by side on HAPT: metric control, realism, speed.

Run by hand (not a test)::

    OMP_NUM_THREADS=1 python benchmarks/bench_generators.py --memory /tmp/skcache
    OMP_NUM_THREADS=1 python benchmarks/bench_generators.py --quick      # smoke run, ~2 min

Protocol: split 0 of the downstream benchmark (``GroupHoldoutSplit(5,
random_state=0)``: 5 training subjects, STFT n_fft=32, hop 8 -> 6 x 17 x 17), so the
diffusion model's fit is the one the downstream benchmark cached (``--memory``).
``--n-test`` windows of the 25 held-out subjects are the requests. Every generator
is fitted on the training windows with its default parameters and ``random_state=0``:

- ``diffusion``: :class:`~skaugment.ConditionalDiffusionSampler` (metric-conditioned);
- ``vae``: :class:`~skaugment.ConditionalVAESampler` (metric-conditioned), sampled from
  its conditional prior, and ``vae encode``: the same fit, encoding the held-out
  window and decoding it with the requested metrics (``encode_init=True``);
- ``cvae``: the VAE with ``condition="label"``; ``cgan``: :class:`~skaugment.ConditionalGANSampler`;
- ``feature-interp``: :class:`~skaugment.FeatureInterpolationAugmenter` (pairs of
  training windows interpolated in the autoencoder's latent space).

Metric-conditioned generators get the held-out windows' real metrics times
``1 + U(-0.2, 0.2)`` (as ``MetricDisturbAugmenter`` draws them) and are scored by
:func:`~skaugment.evaluation.metric_control_report` (Spearman and median relative
error between requested and measured metrics; response Spearman between the
requested and the measured change from the source). Every generator's output is
scored by :func:`~skaugment.evaluation.discriminative_score` against the real
held-out windows (0 = indistinguishable, 0.5 = always told apart); the reference
is real training windows against real held-out windows. Fit seconds and samples
per second are wall-clock on this machine (``OMP_NUM_THREADS=1``).

Writes ``benchmarks/results/generators.{json,md}`` and ``generators.png`` (real
held-out spectrograms next to what each generator makes for the same label and
metrics).
"""

import argparse
import ast
import copy
import json
import os
import platform
import time
from pathlib import Path

import joblib
import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
GENERATORS = ("diffusion", "vae", "cvae", "cgan", "feature-interp")


def _split(hapt, n_test, split):
    from skaugment.evaluation import GroupHoldoutSplit

    cv = GroupHoldoutSplit(5, n_repeats=1, random_state=split)
    train, test = next(cv.split(hapt.data, hapt.target, hapt.groups))
    rng = np.random.default_rng(0)
    test = np.sort(rng.choice(test, size=min(n_test, test.size), replace=False))
    return train, test


def _interpolate_pairs(autoencoder, S, y, rng):
    """Each window mixed with a random other window of its class, ``b ~ N(0.5, 0.2)`` clipped."""
    partners = np.empty(len(y), dtype=int)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        partners[rows] = rows[(np.arange(rows.size) + rng.integers(1, max(rows.size, 2),
                                                                   size=rows.size)) % rows.size]
    b = np.clip(rng.normal(0.5, 0.2, size=len(y)), 0.0, 1.0)
    return autoencoder.interpolate(S, S[partners], b)


def _fit_label_only(generator, S, y):
    """Module-level, so that joblib can cache the label-only generators' fits."""
    return generator.fit(S, y)


def _fit(name, hapt, S, y, memory, quick, params=None):
    """``(fitted generator or augmenter, fit seconds or None when it came from the cache)``."""
    import skaugment
    from skaugment import ConditionalDiffusionSampler, MetricDisturbAugmenter

    common = {"modalities": hapt.modalities, "channel_names": hapt.channel_names,
              "random_state": 0}
    small = dict({"n_steps": 60} if quick else {}, **(params or {}))
    if name == "diffusion":
        gen = ConditionalDiffusionSampler(**common, **small)
    elif name == "vae":
        gen = skaugment.ConditionalVAESampler(**common, **small)
    elif name == "cvae":
        gen = skaugment.ConditionalVAESampler(condition="label", **common, **small)
    elif name == "cgan":
        gen = skaugment.ConditionalGANSampler(**common, **small)
    else:
        # as augmentation_methods builds it, so that the downstream run reuses the fit
        autoencoder = None
        if quick:
            autoencoder = skaugment.ConditionalVAESampler(
                condition="none", modalities=hapt.modalities, kl_weight=0.0, kl_warmup=0.0,
                free_bits=0.0, metric_loss_weight=0.0, **small)
        aug = skaugment.FeatureInterpolationAugmenter(
            autoencoder, modalities=None if quick else hapt.modalities, ratio=1.0,
            random_state=0, memory=memory)
        start = time.perf_counter()
        aug.fit(S, y)
        seconds = time.perf_counter() - start
        return aug, (None if seconds < 20 and not quick else seconds)
    start = time.perf_counter()
    if gen.get_params()["condition"] == "metrics":
        # through the augmenter, whose cache (keyed as in compare_augmenters) holds the
        # downstream benchmark's fit of this split
        fitted = MetricDisturbAugmenter(generator=gen, random_state=0, memory=memory).fit(
            S, y).generator_
    else:
        fitted = _fit_label_only(gen, S, y) if memory is None else \
            joblib.Memory(memory, verbose=0).cache(_fit_label_only)(gen, S, y)
    seconds = time.perf_counter() - start
    # a fit of these sizes takes minutes: seconds mean the cache answered
    return fitted, (None if seconds < 20 and not quick else seconds)


def main():
    from skaugment import SpectrogramTransformer
    from skaugment.datasets import load_hapt
    from skaugment.evaluation import discriminative_score, metric_control_report

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generators", nargs="*", choices=GENERATORS, default=list(GENERATORS))
    parser.add_argument("--split", type=int, default=0)
    parser.add_argument("--n-test", type=int, default=600)
    parser.add_argument("--memory", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter of the generators (not the feature interpolation), "
                             "value read as a Python literal (e.g. --param base_channels=8); "
                             "repeatable; it names the rows")
    parser.add_argument("--out", default=str(RESULTS / "generators"))
    args = parser.parse_args()
    params = {}
    for item in args.param:
        key, _, value = item.partition("=")
        params[key.strip()] = ast.literal_eval(value.strip())
    suffix = "".join(f" {k}={v}" for k, v in params.items())
    if args.quick:
        args.n_test = min(args.n_test, 120)

    hapt = load_hapt()
    train, test = _split(hapt, args.n_test, args.split)
    stft = SpectrogramTransformer(fs=hapt.fs, n_fft=32, hop_length=8).fit(hapt.data[train])
    S_train, y_train = stft.transform(hapt.data[train]), hapt.target[train]
    S_test, y_test = stft.transform(hapt.data[test]), hapt.target[test]
    ref_rows = np.sort(np.random.default_rng(1).choice(train.size, size=min(test.size, train.size),
                                                       replace=False))
    reference = {features: discriminative_score(S_test, S_train[ref_rows], features=features,
                                                random_state=0)["score"]
                 for features in ("metrics+spectra", "metrics", "spectra")}
    print(f"real train vs real held-out: {reference}", flush=True)

    rows, pictures = [], {}
    modalities = {m: [hapt.channel_names[c] for c in ch] for m, ch in hapt.modalities.items()}
    rng = np.random.default_rng(2)
    requests = None
    for name in args.generators:
        model, fit_seconds = _fit(name, hapt, S_train, y_train, args.memory, args.quick,
                                  params if name != "feature-interp" else None)
        print(f"{name}: fit {fit_seconds if fit_seconds is None else round(fit_seconds)} s",
              flush=True)
        variants = [(name + suffix, {})]
        if name == "vae":
            variants.append(("vae encode" + suffix, {"encode_init": True}))
        if getattr(model, "student_model_", None) is not None:
            # the same fit sampled by its teacher: the student's cost and fidelity beside it
            teacher = copy.copy(model)
            teacher.student_model_ = None
            variants.append((name + suffix + " (teacher)", {"model": teacher}))
        for label, sample_params in variants:
            row = {"generator": label, "fit_seconds": fit_seconds}
            if name == "feature-interp":
                # pairs of held-out windows of a class, through the autoencoder fitted on
                # the training windows (as the augmenter pairs training windows)
                start = time.perf_counter()
                out = _interpolate_pairs(model.autoencoder_, S_test, y_test, rng)
                elapsed = time.perf_counter() - start
            else:
                gen = sample_params.pop("model", model).set_params(**sample_params)
                src = gen.conditions_from(S_test)
                if requests is None:
                    requests = src * (1 + rng.uniform(-0.2, 0.2, size=src.shape))
                start = time.perf_counter()
                out = gen.sample(y_test, requests, init=S_test, random_state=0)
                elapsed = time.perf_counter() - start
                if gen.get_params()["condition"] == "metrics":
                    report = metric_control_report(requests, gen.conditions_from(out),
                                                   gen.condition_names_, source=src,
                                                   modalities=modalities)
                    feature = report["feature"]
                    row.update({
                        "spearman": float(np.nanmean(feature["spearman"])),
                        "median_rel_error": float(np.nanmedian(feature["median_rel_error"])),
                        "response_spearman": float(np.nanmean(feature["response_spearman"])),
                    })
            row["samples_per_second"] = len(out) / elapsed
            # the distribution the generator learned: its samples for the training
            # windows' labels and metrics against those training windows (held-out
            # subjects differ from the training ones even when real, see the reference)
            if name == "feature-interp":
                own = _interpolate_pairs(model.autoencoder_, S_train[ref_rows],
                                         y_train[ref_rows], rng)
            else:
                own = gen.sample(y_train[ref_rows], gen.conditions_from(S_train[ref_rows]),
                                 init=S_train[ref_rows], random_state=0)
            row["discriminative_vs_train"] = discriminative_score(
                S_train[ref_rows], own, random_state=0)["score"]
            # which features give the synthetic rows away: the five metrics or the spectra
            for features in ("metrics+spectra", "metrics", "spectra"):
                key = "discriminative" + ("" if features == "metrics+spectra" else f"_{features}")
                row[key] = discriminative_score(S_test, out, features=features,
                                                random_state=0)["score"]
            rows.append(row)
            pictures[label] = out
            print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()},
                  flush=True)

    result = {
        "protocol": {
            "data": "HAPT, SpectrogramTransformer(n_fft=32, hop_length=8) -> (6, 17, 17)",
            "split": args.split, "n_train": int(train.size), "n_test": int(test.size),
            "train_subjects": sorted(int(g) for g in np.unique(hapt.groups[train])),
            "requests": "real metrics of held-out windows x (1 + U(-0.2, 0.2))",
            "quick": args.quick,
            "generator_params": {k: repr(v) for k, v in params.items()},
        },
        "reference_real_train_vs_heldout": reference,
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "omp_num_threads": os.environ.get("OMP_NUM_THREADS")},
        "rows": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    out.with_suffix(".md").write_text(_markdown(result))
    _figure(S_test, y_test, pictures, out.with_suffix(".png"))
    print(_markdown(result))


def _fmt(value, spec):
    return "" if value is None else format(value, spec)


def _markdown(result):
    p = result["protocol"]
    ref = result["reference_real_train_vs_heldout"]
    lines = [
        "# The generator backbones on HAPT: metric control, realism, speed",
        "",
        "Command: `OMP_NUM_THREADS=1 python benchmarks/bench_generators.py --memory /tmp/skcache`"
        + (" --quick" if p["quick"] else ""),
        "",
        f"Split {p['split']} of the downstream benchmark: training subjects {p['train_subjects']} "
        f"({p['n_train']} windows); {p['n_test']} windows of the 25 other subjects as requests "
        f"({p['requests']}). Discriminative score: 0 = indistinguishable from real held-out "
        f"windows, 0.5 = always told apart, from the metrics and spectra together, the five "
        f"metrics alone, or the spectra alone; real training windows vs real held-out windows: "
        f"{ref['metrics+spectra']:.3f} / {ref['metrics']:.3f} / {ref['spectra']:.3f}. Machine: "
        f"{result['machine']['platform']}, {result['machine']['cpu_count']} CPUs, "
        f"OMP_NUM_THREADS={result['machine']['omp_num_threads']}. The last discriminative "
        f"column scores samples made for training windows' labels and metrics against "
        f"those training windows: the distribution the generator learned.",
        "",
        "| generator | mean Spearman | median rel. err | response Spearman | discriminative | "
        "disc. (metrics) | disc. (spectra) | disc. vs training windows | fit (s) | samples/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        fit = "cached" if r["fit_seconds"] is None else f"{r['fit_seconds']:.0f}"
        lines.append(
            f"| {r['generator']} | {_fmt(r.get('spearman'), '.3f')} | "
            f"{_fmt(r.get('median_rel_error'), '.3f')} | {_fmt(r.get('response_spearman'), '.3f')} | "
            f"{r['discriminative']:.3f} | {r['discriminative_metrics']:.3f} | "
            f"{r['discriminative_spectra']:.3f} | {r['discriminative_vs_train']:.3f} | {fit} | {r['samples_per_second']:.0f} |")
    return "\n".join(lines) + "\n"


def _figure(S_real, y, pictures, path):
    """Real held-out spectrograms (acc x, log scale) next to each generator's, same requests."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no figure")
        return
    classes = np.unique(y)
    # one window per class, the first of each
    rows = [int(np.flatnonzero(y == k)[0]) for k in classes]
    columns = [("real", S_real)] + [(k, v) for k, v in pictures.items() if k != "feature-interp"]
    fig, axes = plt.subplots(len(rows), len(columns), figsize=(1.6 * len(columns), 1.5 * len(rows)),
                             squeeze=False)
    for i, row in enumerate(rows):
        for j, (label, S) in enumerate(columns):
            ax = axes[i, j]
            ax.imshow(np.log10(S[row, 0] + 1e-3), origin="lower", aspect="auto", cmap="magma")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(label, fontsize=8)
            if j == 0:
                ax.set_ylabel(str(classes[i]), fontsize=7)
    fig.suptitle("HAPT acc x spectrograms: held-out window and each generator's, "
                 "same label and (disturbed) metrics", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
