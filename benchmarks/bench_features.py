"""Throughput of skaugment's spectral features on the HAPT windows.

1. ``SpectrogramTransformer.transform`` vs ``scipy.signal.stft`` (same windows, same
   frames: ``boundary=None, padded=False``, magnitude), n_fft=32 and 64, hop 8.
   Target: >= 2x scipy.
2. ``MetricExtractor.transform`` (all five metrics) vs a loop calling
   ``librosa.feature.spectral_flatness(S=...)`` (one metric only) on every
   spectrogram: once per (window, channel) ``(F, T)`` spectrogram, the unit the
   metrics are defined on, and once per window ``(c, F, T)`` (librosa broadcasts over
   leading axes). Target: >= 100x the per-spectrogram loop.

Every figure is the best of ``--repeats`` runs, the competitors interleaved so that
load from other processes hits both alike; ratios come from one run of this script.

Run: ``python benchmarks/bench_features.py`` (librosa is a dev dependency).
"""

import argparse
import os
import platform
import time

import numpy as np


def best_time(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-windows", type=int, default=None,
                        help="use only the first N HAPT windows (default: all)")
    args = parser.parse_args()

    import librosa
    import scipy
    import scipy.signal

    from skaugment import MetricExtractor, SpectrogramTransformer
    from skaugment.datasets import load_hapt

    hapt = load_hapt()
    X = hapt.data[: args.max_windows]
    n, c, t = X.shape
    print(f"machine: {machine()}")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, librosa {librosa.__version__}")
    print(f"HAPT: {n} windows x {c} channels x {t} steps, {X.dtype}\n")

    print("1. STFT magnitude (windows/s; ratio = skaugment / scipy)")
    S = None
    for n_fft in (32, 64):
        hop = 8
        spec = SpectrogramTransformer(n_fft=n_fft, hop_length=hop).fit(X)

        def ours():
            return spec.transform(X)

        def reference():
            return np.abs(
                scipy.signal.stft(X, window="hann", nperseg=n_fft, noverlap=n_fft - hop,
                                  boundary=None, padded=False)[2]
            )

        got, want = ours(), reference()
        err = float(np.abs(got - want).max())
        t_ours, t_ref = np.inf, np.inf
        for _ in range(args.repeats):
            t_ours = min(t_ours, best_time(ours, 1))
            t_ref = min(t_ref, best_time(reference, 1))
        print(f"   n_fft={n_fft:3d} hop={hop}: skaugment {n / t_ours:10.0f}/s ({t_ours:.3f} s), "
              f"scipy {n / t_ref:10.0f}/s ({t_ref:.3f} s), ratio {t_ref / t_ours:5.2f}x, "
              f"max |diff| {err:.1e}")
        if n_fft == 32:
            S = got

    print("\n2. metrics on the n_fft=32 spectrograms "
          f"{S.shape} (ratio = librosa loop / skaugment)")
    ext = MetricExtractor(hps_factor={"acc": 3, "gyro": 2}, modalities=hapt.modalities,
                          channel_names=hapt.channel_names).fit(S)

    def ours_metrics():
        return ext.transform(S)

    def librosa_per_channel():
        for i in range(n):
            for ch in range(c):
                librosa.feature.spectral_flatness(S=S[i, ch])

    def librosa_per_window():
        for i in range(n):
            librosa.feature.spectral_flatness(S=S[i])

    librosa.feature.spectral_flatness(S=S[0, 0])  # first call pays one-off set-up
    t_ours, t_ch, t_win = np.inf, np.inf, np.inf
    for _ in range(args.repeats):
        t_ours = min(t_ours, best_time(ours_metrics, 1))
        t_ch = min(t_ch, best_time(librosa_per_channel, 1))
        t_win = min(t_win, best_time(librosa_per_window, 1))
    n_spec = n * c
    print(f"   MetricExtractor, all 5 metrics: {t_ours:.3f} s "
          f"({n_spec / t_ours:10.0f} channel-spectrograms/s)")
    print(f"   librosa flatness, loop over {n_spec} (F, T) spectrograms: {t_ch:.3f} s "
          f"({t_ch / n_spec * 1e6:.1f} us/call) -> ratio {t_ch / t_ours:6.1f}x")
    print(f"   librosa flatness, loop over {n} (c, F, T) windows:        {t_win:.3f} s "
          f"({t_win / n * 1e6:.1f} us/call) -> ratio {t_win / t_ours:6.1f}x")
    print("   target: >= 2x scipy (STFT), >= 100x the per-spectrogram librosa loop (metrics)")


if __name__ == "__main__":
    main()
