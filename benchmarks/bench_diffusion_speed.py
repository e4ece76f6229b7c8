"""Where the conditional diffusion model spends its time, and what each speed lever buys.

Run by hand (not a test)::

    python benchmarks/bench_diffusion_speed.py            # ~10 min on 2 cores

On the ``bench_generators.py`` split (HAPT, 5 training subjects, STFT n_fft=32, hop 8:
1,714 spectrograms of 6 x 17 x 13), every configuration in one process, so that the
ratios are measured in the same run:

- seconds per training step: the time of a fit of 30 + ``--steps`` steps minus that of
  30 steps, over ``--steps`` (the set-up of a fit cancels), as a ratio to the default;
- samples per second of ``sample`` on ``--n-sample`` requests (the training windows'
  own metrics x (1 + U(-0.2, 0.2))), with 1 and 2 torch threads, for the teacher's
  sampler settings and for a distilled one-step student (``distill_steps=1``);
- the cost of distillation (``distill_steps=1``) in a fit of ``_SHORT`` teacher steps and
  ``--steps`` student steps: seconds per student step (the student's training loop, timed
  alone) and seconds of the teacher's samples it learns from (the rest of the
  distillation).

- ``torch.compile`` of the U-Net (``--sections compile``, not in the default run): for the
  default network and base 8, the seconds a training step takes compiled against eager
  (each the difference of a ``_SHORT`` and a ``_SHORT + --steps`` fit, the compiled ones
  after a warm-up fit), and what compiling adds to a fit: once with an empty inductor
  cache (a user's first fit on a machine) and once with it filled (every later fit).

``--sections`` runs a subset (``train``, ``sample``, ``distill``, ``compile``).

Speed only: what a lever does to metric control and realism needs a full fit each
(``bench_generators.py --param``). Writes ``benchmarks/results/diffusion_speed.{json,md}``.
"""

import argparse
import contextlib
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results"
_DEFAULT_SECTIONS = ["train", "sample", "distill"]
_SHORT = 30  # > one pass of 1,714 rows in batches of 64, so both fits train the metric loss

# name -> constructor parameters on top of the default
TRAIN_CONFIGS = {
    "default (base 16)": {},
    "base 8": {"base_channels": 8},
    "base 8, min-SNR 5": {"base_channels": 8, "min_snr_gamma": 5.0},
    "base 32": {"base_channels": 32},
    "no metric loss": {"metric_loss_weight": 0.0},
}
# name -> sampling parameters (set_params on a fitted model) on top of the default
SAMPLE_CONFIGS = {
    "default (5 dpm++ steps, guidance 1 LM step)": {},
    "no metric guidance": {"metric_guidance": 0.0},
    "3 steps": {"sample_steps": 3},
    "1 step": {"sample_steps": 1},
    "batch 1024": {"sample_batch_size": 1024},
}


def training_spectrograms():
    """``(hapt, S, y)``: the ``bench_generators.py`` split's 1,714 training spectrograms
    (5 HAPT subjects drawn with ``RandomState(0)``, STFT n_fft=32, hop 8)."""
    from skaugment import SpectrogramTransformer
    from skaugment.datasets import load_hapt
    from skaugment.evaluation import GroupHoldoutSplit

    hapt = load_hapt()
    train, _ = next(GroupHoldoutSplit(5, n_repeats=1, random_state=0).split(
        hapt.data, hapt.target, hapt.groups))
    stft = SpectrogramTransformer(fs=hapt.fs, n_fft=32, hop_length=8).fit(hapt.data[train])
    return hapt, stft.transform(hapt.data[train]), hapt.target[train]


def main():
    from skaugment import ConditionalDiffusionSampler
    from skaugment.generators._diffusion import _DISTILL_POOL_PASSES
    from skaugment.utils._training import TrainingLoop

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--n-sample", type=int, default=1024)
    parser.add_argument("--out", default=str(RESULTS / "diffusion_speed"))
    parser.add_argument("--sections", nargs="+", default=_DEFAULT_SECTIONS,
                        choices=["train", "sample", "distill", "compile"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2],
                        help="torch threads to measure with (one at a time)")
    args = parser.parse_args()

    hapt, S, y = training_spectrograms()
    common = {"modalities": hapt.modalities, "channel_names": hapt.channel_names,
              "random_state": 0, "device": "cpu"}

    compile_rows = _compile_section(S, y, common, args) if "compile" in args.sections else []
    if args.sections == ["compile"]:
        _write(args, {"machine": _machine(), "n_train": int(len(y)), "steps": args.steps,
                      "sections": args.sections, "threads": args.threads,
                      "compile": compile_rows})
        return

    train_rows, fitted, distill_rows = [], {}, []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for name, params in TRAIN_CONFIGS.items():
            if "train" not in args.sections:
                if name in ("default (base 16)", "base 8") and threads == args.threads[0]:
                    fitted[name] = ConditionalDiffusionSampler(n_steps=_SHORT, **common,
                                                               **params).fit(S, y)
                continue
            per_step, _, gen = _seconds_per_step(S, y, args.steps, **common, **params)
            fitted.setdefault(name, gen)
            train_rows.append({"config": name, "threads": threads, "s_per_step": per_step})
            print(train_rows[-1], flush=True)

    students = {}
    for base, params in (("default (base 16)", {}), ("base 8", {"base_channels": 8})):
        for threads in args.threads if "distill" in args.sections else args.threads[:1]:
            torch.set_num_threads(threads)
            with _timed(ConditionalDiffusionSampler, "_distill_student") as whole, \
                    _timed(TrainingLoop, "run") as loops:
                gen = ConditionalDiffusionSampler(
                    n_steps=_SHORT, distill_steps=1,
                    distill_n_steps=args.steps if "distill" in args.sections else 1,
                    **common, **params).fit(S, y)
            # a student's sampling speed does not depend on how long it trained
            students.setdefault(base, gen)
            if "distill" not in args.sections:
                continue
            # loops: the teacher's training, then the student's
            distill_rows.append({"network": base, "threads": threads,
                                 "s_per_student_step": loops[1] / args.steps,
                                 "teacher_samples_s": whole[0] - loops[1],
                                 "n_teacher_samples": _DISTILL_POOL_PASSES * len(y)})
            print(distill_rows[-1], flush=True)

    rng = np.random.default_rng(0)
    rows = rng.choice(len(y), size=args.n_sample, replace=True)
    sample_rows = []
    for base in ("default (base 16)", "base 8") if "sample" in args.sections else ():
        for threads in args.threads:
            torch.set_num_threads(threads)
            gen = students[base]
            src = gen.conditions_from(S[rows])
            requests = src * (1 + np.random.default_rng(1).uniform(-0.2, 0.2, size=src.shape))
            gen.sample(y[rows[:64]], requests[:64], random_state=0)  # warm-up
            start = time.perf_counter()
            gen.sample(y[rows], requests, random_state=0)
            sample_rows.append({"network": base, "config": "distilled student (1 step)",
                                "threads": threads,
                                "samples_per_second": len(rows) / (time.perf_counter() - start)})
            print(sample_rows[-1], flush=True)
        gen = fitted[base]
        src = gen.conditions_from(S[rows])
        requests = src * (1 + rng.uniform(-0.2, 0.2, size=src.shape))
        for threads in args.threads:
            torch.set_num_threads(threads)
            for name, params in SAMPLE_CONFIGS.items():
                before = {k: gen.get_params()[k] for k in params}
                gen.set_params(**params)
                gen.sample(y[rows[:64]], requests[:64], random_state=0)  # warm-up
                start = time.perf_counter()
                gen.sample(y[rows], requests, random_state=0)
                rate = len(rows) / (time.perf_counter() - start)
                gen.set_params(**before)
                sample_rows.append({"network": base, "config": name, "threads": threads,
                                    "samples_per_second": rate})
                print(sample_rows[-1], flush=True)

    result = {"machine": _machine(),
              "n_train": int(len(y)), "steps": args.steps, "n_sample": args.n_sample,
              "sections": args.sections, "threads": args.threads, "train": train_rows,
              "sample": sample_rows, "distill": distill_rows, "compile": compile_rows}
    _write(args, result)


def _machine():
    return {"platform": platform.platform(), "cpu_count": os.cpu_count(),
            "torch": torch.__version__}


def _write(args, result):
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    out.with_suffix(".md").write_text(_markdown(result))
    print(_markdown(result))


def _timed_fit(S, y, n_steps, **params):
    """``(seconds, fitted model)`` of one ``ConditionalDiffusionSampler`` fit."""
    from skaugment import ConditionalDiffusionSampler

    start = time.perf_counter()
    gen = ConditionalDiffusionSampler(n_steps=n_steps, **params).fit(S, y)
    return time.perf_counter() - start, gen


def _seconds_per_step(S, y, steps, **params):
    """``(seconds a step, seconds of the _SHORT fit, the longer fit's model)``.

    The difference of a ``_SHORT`` and a ``_SHORT + steps`` fit: the per-fit set-up (metric
    tables, scalings) cancels, and the first fit warms up.
    """
    short, _ = _timed_fit(S, y, _SHORT, **params)
    long, gen = _timed_fit(S, y, _SHORT + steps, **params)
    return (long - short) / steps, short, gen


def _compile_section(S, y, common, args):
    """Eager against ``torch.compile``d U-Nets: seconds a step and compile seconds a fit."""
    import tempfile

    from skaugment.generators import _unet

    def fit_seconds(params):
        return _timed_fit(S, y, _SHORT, **common, **params)[0]

    rows = []
    for network, params in (("default (base 16)", {}), ("base 8", {"base_channels": 8})):
        for threads in args.threads:
            torch.set_num_threads(threads)
            fit_seconds(params)  # warm-up
            eager_step, eager_short, _ = _seconds_per_step(S, y, args.steps, **common, **params)
            with _compiled_unets(_unet):
                # an empty disk cache, so that this fit pays what a user's first fit on a
                # machine pays; kernels already built in this process for an earlier thread
                # count may still be reused from memory
                os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="inductor-")
                torch._dynamo.reset()
                cold = fit_seconds(params)
                torch._dynamo.reset()  # the in-memory graphs go; the disk cache stays
                warm = fit_seconds(params)
                compiled_step, _, _ = _seconds_per_step(S, y, args.steps, **common, **params)
            rows.append({"network": network, "threads": threads, "eager_s_per_step": eager_step,
                         "compiled_s_per_step": compiled_step,
                         "compile_s_cold_cache": cold - eager_short,
                         "compile_s_warm_cache": warm - eager_short})
            print(rows[-1], flush=True)
    return rows


@contextlib.contextmanager
def _compiled_unets(unet_module):
    """Every ``_ModalityNets`` built inside the block compiles itself (``nn.Module.compile``)."""
    cls = unet_module._ModalityNets
    original = cls.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.compile(dynamic=False)

    cls.__init__ = init
    try:
        yield
    finally:
        cls.__init__ = original


@contextlib.contextmanager
def _timed(owner, name):
    """Wall seconds of every call of ``owner.name`` inside the block, in a list."""
    original, seconds = getattr(owner, name), []

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - start)

    setattr(owner, name, wrapper)
    try:
        yield seconds
    finally:
        setattr(owner, name, original)


def _markdown(result):
    train, sample = result.get("train", []), result.get("sample", [])
    ref = {r["threads"]: r["s_per_step"] for r in train if r["config"] == "default (base 16)"}
    if train:
        measured = "training steps of 64 per configuration, "
    elif result.get("distill"):
        measured = (f"student steps of 64 timed in the distillation (after {_SHORT} teacher "
                    "steps), ")
    else:
        measured = f"training steps of 64 timed after {_SHORT}, "
    lines = ["# Conditional diffusion model: speed levers", "",
             "Command: `python benchmarks/bench_diffusion_speed.py"
             + ("" if result.get("sections", _DEFAULT_SECTIONS) == _DEFAULT_SECTIONS
                else " --sections " + " ".join(result["sections"]))
             + ("" if result.get("threads", [1, 2]) == [1, 2]
                else " --threads " + " ".join(map(str, result["threads"]))) + "`. "
             f"{result['n_train']} HAPT spectrograms, {result['steps']} " + measured
             + (f"{result['n_sample']} samples; " if sample else "")
             + f"{result['machine']['platform']}, {result['machine']['cpu_count']} CPUs, "
             f"torch {result['machine']['torch']}. "
             + ("Ratios against the default in the same run." if train or sample
                else "Eager and compiled fits in the same run, one after the other."),
             ""]
    if train:
        lines += ["| training | threads | s / step | vs default | default fit (5,400 steps), min |",
                  "|---|---|---|---|---|"]
    for r in train:
        lines.append(f"| {r['config']} | {r['threads']} | {r['s_per_step']:.3f} | "
                     f"{r['s_per_step'] / ref[r['threads']]:.2f}x | "
                     f"{r['s_per_step'] * 5400 / 60:.1f} |")
    if sample:
        lines += ["", "| network | sampling | threads | samples / s | vs default sampling |",
                  "|---|---|---|---|---|"]
    default = {(r["network"], r["threads"]): r["samples_per_second"] for r in sample
               if r["config"].startswith("default")}
    for r in sample:
        lines.append(f"| {r['network']} | {r['config']} | {r['threads']} | "
                     f"{r['samples_per_second']:.0f} | "
                     f"{r['samples_per_second'] / default[(r['network'], r['threads'])]:.1f}x |")
    if result.get("compile"):
        lines += [""] if lines[-1] else []
        lines += ["| `torch.compile` | threads | eager s / step | compiled s / step | "
                  "eager / compiled | compile s, empty cache | compile s, filled cache |",
                  "|---|---|---|---|---|---|---|"]
        for r in result["compile"]:
            lines.append(f"| {r['network']} | {r['threads']} | {r['eager_s_per_step']:.3f} | "
                         f"{r['compiled_s_per_step']:.3f} | "
                         f"{r['eager_s_per_step'] / r['compiled_s_per_step']:.2f}x | "
                         f"{r['compile_s_cold_cache']:.0f} | {r['compile_s_warm_cache']:.0f} |")
    if result.get("distill"):
        lines += ["", "| distillation (`distill_steps=1`) | threads | s / student step | "
                  "teacher samples (s) | a default distillation (1,500 steps + samples), min |",
                  "|---|---|---|---|---|"]
        for r in result["distill"]:
            total = (1500 * r["s_per_student_step"] + r["teacher_samples_s"]) / 60
            lines.append(f"| {r['network']} | {r['threads']} | {r['s_per_student_step']:.3f} | "
                         f"{r['teacher_samples_s']:.0f} ({r['n_teacher_samples']} samples) | "
                         f"{total:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
