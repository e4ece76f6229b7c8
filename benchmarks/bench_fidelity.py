"""Metric-control fidelity, realism and speed of ConditionalDiffusionSampler on HAPT.

Run by hand (not a test)::

    OMP_NUM_THREADS=1 python benchmarks/bench_fidelity.py            # full: ~15 min training
    OMP_NUM_THREADS=1 python benchmarks/bench_fidelity.py --quick    # smoke run, ~1 min

Protocol: train the default generator on the HAPT windows of 5 subjects (STFT
n_fft=32, hop 8 -> 6 channels x 17 freqs x 13 frames). For windows of held-out
subjects, disturb their real metrics by a uniform multiplicative +-20% (like
MetricDisturbAugmenter), ask the generator for those metrics (with the real window
as ``init`` when ``strength < 1``), measure the metrics of what it generates, and
report per metric and modality:

- Spearman coefficient between requested and measured values and their median
  relative error (``skaugment.evaluation.metric_control_report``);
- the response Spearman: requested change ``m_req / m_src - 1`` vs measured change
  ``m_gen / m_src - 1`` (plain correlations are partly inherited from the source);
- the accuracy of a real-vs-generated classifier (``discriminative_score``), both
  for the disturbed requests and for plain reconstruction requests (real metrics),
  since a +-20% disturbance alone already moves samples off the real distribution;
- sampling throughput (spectrograms per second) at 5 (the default), 10, 25 and 100 steps.

Writes ``benchmarks/results/fidelity.json`` and ``benchmarks/results/fidelity.md``.
"""

import argparse
import json
import os
import pickle
import platform
import time
from pathlib import Path

import numpy as np
import torch

from skaugment.datasets import load_hapt
from skaugment.evaluation import discriminative_score, metric_control_report
from skaugment.generators import ConditionalDiffusionSampler
from skaugment.spectral.functional import stft_magnitude

RESULTS = Path(__file__).resolve().parent / "results"
_NOTES_MARKER = "<!-- experiment log: kept when the benchmark is re-run -->"


def _load(args):
    bunch = load_hapt()
    S = stft_magnitude(bunch.data, n_fft=32, hop_length=8).astype(np.float32)
    subjects = np.unique(bunch.groups)
    train_subjects = subjects[: args.train_subjects]
    test_subjects = subjects[args.train_subjects: args.train_subjects + args.test_subjects]
    train = np.flatnonzero(np.isin(bunch.groups, train_subjects))
    test = np.flatnonzero(np.isin(bunch.groups, test_subjects))
    rng = np.random.default_rng(0)
    test = np.sort(rng.choice(test, size=min(args.n_test, test.size), replace=False))
    return bunch, S, train, test, train_subjects, test_subjects


def _control(gen, S_test, y_test, src, req, modalities, params, seed=0):
    gen.set_params(**params)
    t0 = time.perf_counter()
    out = gen.sample(y_test, req, init=S_test, random_state=seed)
    elapsed = time.perf_counter() - t0
    measured = gen.conditions_from(out)
    report = metric_control_report(req, measured, gen.condition_names_, source=src,
                                   modalities=modalities)
    disc = discriminative_score(S_test, out, random_state=seed)
    return out, report, {"throughput": len(y_test) / elapsed, "seconds": elapsed,
                         "discriminator_accuracy": disc["accuracy"]}


def _summary(report):
    metric = report["metric"]
    modality = report["modality"]
    return {
        "mean_spearman": float(np.nanmean(report["feature"]["spearman"])),
        "median_rel_error": float(np.nanmedian(report["feature"]["median_rel_error"])),
        "mean_response_spearman": float(np.nanmean(report["feature"]["response_spearman"])),
        "per_metric": {
            str(n): {"spearman": float(s), "median_rel_error": float(e), "response_spearman": float(r)}
            for n, s, e, r in zip(metric["name"], metric["spearman"], metric["median_rel_error"],
                                  metric["response_spearman"])
        },
        "per_modality_metric": {
            str(n): {"spearman": float(s), "median_rel_error": float(e), "response_spearman": float(r)}
            for n, s, e, r in zip(modality["name"], modality["spearman"],
                                  modality["median_rel_error"], modality["response_spearman"])
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--train-subjects", type=int, default=5)
    parser.add_argument("--test-subjects", type=int, default=5)
    parser.add_argument("--n-test", type=int, default=600)
    parser.add_argument("--max-epochs", type=int, default=None, help="default: the estimator's")
    parser.add_argument("--per-modality", action="store_true",
                        help="one U-Net per HAPT modality (acc, gyro) instead of one for all channels")
    parser.add_argument("--model-cache", default=None,
                        help="pickle path: reuse a fitted generator (training time is then the stored one)")
    parser.add_argument("--out", default=str(RESULTS / "fidelity"),
                        help="path stem of the .json and .md results")
    args = parser.parse_args()
    if args.quick:
        args.n_test = min(args.n_test, 120)
        args.max_epochs = args.max_epochs or 3

    bunch, S, train, test, train_subjects, test_subjects = _load(args)
    modalities = {m: [bunch.channel_names[c] for c in ch] for m, ch in bunch.modalities.items()}
    # --max-epochs: passes over the training windows, in batches of 64
    params = {} if args.max_epochs is None else {"n_steps": args.max_epochs * -(-train.size // 64)}
    if args.per_modality:
        params["modalities"] = bunch.modalities
    load_before = os.getloadavg()
    if args.model_cache and os.path.exists(args.model_cache):
        with open(args.model_cache, "rb") as fh:
            cached = pickle.load(fh)
        gen, fit_seconds = cached[:2]
        load_after = load_before
        if len(cached) > 2:
            load_before, load_after = cached[2:4]
        # sampling parameters: the estimator's current defaults, not the cached ones
        sampling = ("strength", "sample_steps", "solver", "guidance_scale", "metric_guidance",
                    "metric_guidance_steps", "sample_batch_size")
        fresh = ConditionalDiffusionSampler().get_params()
        gen.set_params(**{k: fresh[k] for k in sampling})
    else:
        gen = ConditionalDiffusionSampler(channel_names=bunch.channel_names, random_state=0,
                                          verbose=1, **params)
        t0 = time.perf_counter()
        gen.fit(S[train], bunch.target[train])
        fit_seconds = time.perf_counter() - t0
        gen.set_params(verbose=0)
        load_after = os.getloadavg()
        if args.model_cache:
            with open(args.model_cache, "wb") as fh:
                pickle.dump((gen, fit_seconds, load_before, load_after), fh)
    defaults = {k: gen.get_params()[k] for k in
                ("strength", "sample_steps", "solver", "guidance_scale", "metric_guidance",
                 "metric_guidance_steps")}
    n_params = sum(p.numel() for p in gen.model_.parameters())

    S_test, y_test = S[test], bunch.target[test]
    src = gen.conditions_from(S_test)
    rng = np.random.default_rng(1)
    req = src * (1 + rng.uniform(-0.2, 0.2, size=src.shape))

    grid = []
    for strength in (1.0, 0.5):
        for guidance in (0.0, 1.0):
            for steps in (5, 10, 25, 100):
                grid.append({"strength": strength, "metric_guidance": guidance,
                             "sample_steps": steps})
    if args.quick:
        grid = [g for g in grid if g["sample_steps"] == 10]
    rows = []
    for config in grid:
        full = {**defaults, **config}
        _, report, stats = _control(gen, S_test, y_test, src, req, modalities, full)
        row = {"config": config, **stats, **_summary(report)}
        rows.append(row)
        print(f"{config}  {row['throughput']:.0f}/s  disc {row['discriminator_accuracy']:.2f}  "
              f"spearman {row['mean_spearman']:.2f}  rel.err {row['median_rel_error']:.3f}  "
              f"response {row['mean_response_spearman']:.2f}", flush=True)
        if config == {k: defaults[k] for k in config}:
            print(report.format_table("modality"), flush=True)
    # realism without the disturbance: ask for the real metrics of each window
    recon = {}
    for strength in (1.0, 0.5):
        gen.set_params(**{**defaults, "strength": strength})
        out = gen.sample(y_test, src, init=S_test, random_state=0)
        recon[str(strength)] = discriminative_score(S_test, out, random_state=0)["accuracy"]
    # references for the discriminator, which also tells subjects apart: real windows
    # of the training subjects vs the held-out ones, and generated vs the training
    # windows (the distribution the model learned), conditioned on their metrics
    ref_rows = np.sort(np.random.default_rng(2).choice(train, size=min(test.size, train.size),
                                                       replace=False))
    gen.set_params(**defaults)
    references = {
        "real_train_vs_real_heldout": discriminative_score(
            S_test, S[ref_rows], random_state=0)["accuracy"],
    }
    for strength in (1.0, 0.5):
        gen.set_params(strength=strength)
        out = gen.sample(bunch.target[ref_rows], gen.conditions_from(S[ref_rows]),
                         init=S[ref_rows], random_state=0)
        references[f"generated_vs_real_train_strength_{strength}"] = discriminative_score(
            S[ref_rows], out, random_state=0)["accuracy"]
    gen.set_params(**defaults)

    result = {
        "protocol": {
            "data": "HAPT, stft_magnitude(n_fft=32, hop_length=8) -> (6, 17, 13)",
            "train_subjects": [int(s) for s in train_subjects],
            "test_subjects": [int(s) for s in test_subjects],
            "n_train": int(train.size), "n_test": int(test.size),
            "requests": "real metrics of held-out windows x (1 + U(-0.2, 0.2)), init = the real window",
        },
        "model": {"params": {k: (v if isinstance(v, (int, float, str, type(None))) else str(v))
                             for k, v in gen.get_params().items()},
                  "n_parameters": int(n_params), "fit_seconds": fit_seconds,
                  "n_steps": int(gen.n_iter_)},
        "machine": {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
                    "loadavg_before_fit": load_before, "loadavg_after_fit": load_after,
                    "loadavg_end": os.getloadavg(), "platform": platform.platform()},
        "defaults": defaults,
        "rows": rows,
        "reconstruction_discriminator_accuracy": recon,
        "reference_discriminator_accuracy": references,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    md_path = out.with_suffix(".md")
    notes = ""
    if md_path.exists() and _NOTES_MARKER in md_path.read_text():
        # the hand-written experiment log below the marker survives re-runs
        notes = md_path.read_text().split(_NOTES_MARKER, 1)[1]
    md_path.write_text(_markdown(result) + "\n" + _NOTES_MARKER + notes)
    print(_markdown(result))


def _markdown(result):
    lines = ["# ConditionalDiffusionSampler: metric-control fidelity on HAPT", ""]
    p, m, mach = result["protocol"], result["model"], result["machine"]
    lines += [
        f"Train subjects {p['train_subjects']} ({p['n_train']} windows), held-out subjects "
        f"{p['test_subjects']} ({p['n_test']} windows). Requests: {p['requests']}.",
        f"Model: {m['n_parameters']:,} parameters, {m['n_steps']} gradient steps, fit "
        f"{m['fit_seconds'] / 60:.1f} min on {mach['cpu_count']} CPU cores "
        f"(torch threads {mach['torch_threads']}, load average before/after fit "
        f"{mach['loadavg_before_fit'][0]:.1f}/{mach['loadavg_after_fit'][0]:.1f}).",
        f"Defaults: {result['defaults']}.",
        "",
        "| strength | metric guidance | steps | spectrograms/s | mean Spearman | median rel. err | "
        "mean response Spearman | discriminator acc. |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        c = r["config"]
        lines.append(
            f"| {c['strength']} | {c['metric_guidance']} | {c['sample_steps']} | "
            f"{r['throughput']:.0f} | {r['mean_spearman']:.3f} | {r['median_rel_error']:.3f} | "
            f"{r['mean_response_spearman']:.3f} | {r['discriminator_accuracy']:.3f} |"
        )
    lines += ["", "Per metric and modality at the default configuration "
              "(Spearman / median rel. err / response Spearman):", ""]
    default_rows = [r for r in result["rows"]
                    if all(result["defaults"][k] == v for k, v in r["config"].items())]
    if default_rows:
        lines += ["| modality__metric | Spearman | median rel. err | response Spearman |",
                  "|---|---|---|---|"]
        for name, s in default_rows[0]["per_modality_metric"].items():
            lines.append(f"| {name} | {s['spearman']:.3f} | {s['median_rel_error']:.3f} | "
                         f"{s['response_spearman']:.3f} |")
    rec = result["reconstruction_discriminator_accuracy"]
    lines += ["", "Discriminator accuracy when the requests are the real metrics "
              f"(no disturbance): strength 1.0: {rec['1.0']:.3f}, strength 0.5: {rec['0.5']:.3f}.",
              ""]
    ref = result["reference_discriminator_accuracy"]
    lines += ["References (the discriminator also tells subjects apart): real windows of the "
              f"training subjects vs the held-out ones: {ref['real_train_vs_real_heldout']:.3f}; "
              "generated (conditioned on training windows' metrics) vs those training windows: "
              f"strength 1.0: {ref['generated_vs_real_train_strength_1.0']:.3f}, strength 0.5: "
              f"{ref['generated_vs_real_train_strength_0.5']:.3f}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
