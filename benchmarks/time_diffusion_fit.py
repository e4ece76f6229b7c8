"""Wall-clock seconds of one full fit of the conditional diffusion model on HAPT.

Run by hand (not a test), with the machine otherwise idle::

    python benchmarks/time_diffusion_fit.py 900 900      # teacher steps, student steps
    python benchmarks/time_diffusion_fit.py 800 800 12   # ... and the base width (default 8)

The ``bench_generators.py`` split (5 HAPT training subjects, STFT n_fft=32, hop 8: 1,714
spectrograms of 6 x 17 x 13), two torch threads, base width 8 (or the third argument) and a
one-step student (``distill_steps=1``) distilled for the given number of steps (0: no
student). Prints the parameters and the seconds of ``fit``.
"""

import sys
import time

import torch


def main():
    from bench_diffusion_speed import training_spectrograms
    from skaugment import ConditionalDiffusionSampler

    torch.set_num_threads(2)
    hapt, S, y = training_spectrograms()
    teacher_steps, student_steps = int(sys.argv[1]), int(sys.argv[2])
    base_channels = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    params = dict(base_channels=base_channels, n_steps=teacher_steps,
                  distill_steps=1 if student_steps else None,
                  distill_n_steps=max(student_steps, 1))
    start = time.perf_counter()
    ConditionalDiffusionSampler(modalities=hapt.modalities, channel_names=hapt.channel_names,
                                random_state=0, device="cpu", **params).fit(S, y)
    print(params, f"fit {time.perf_counter() - start:.1f} s on 2 threads")


if __name__ == "__main__":
    main()
