"""Ask the generator for chosen metrics and measure what it delivers.

A :class:`~skaugment.ConditionalDiffusionSampler` learns ``p(spectrogram | label,
metrics)`` on two HAPT subjects. Windows of two other subjects give the requests:
their real metrics, each moved by a random -20% ... +20%. The report compares the
requested metrics with the ones measured on the generated spectrograms (Spearman
coefficient, median relative error, and the response: does a metric move the way
it was asked to, relative to where the real window started?). With matplotlib
installed, the paper's Figure 4 is saved to ``metric_control_example.png``.
"""

import os

import numpy as np

from skaugment import ConditionalDiffusionSampler, SpectrogramTransformer
from skaugment.datasets import load_hapt
from skaugment.evaluation import metric_control_report

QUICK = os.environ.get("SKAUGMENT_EXAMPLES_QUICK") == "1"  # tiny models, for the test suite
rng = np.random.default_rng(0)

hapt = load_hapt()
stft = SpectrogramTransformer(n_fft=32, hop_length=8, fs=hapt.fs)
train = np.isin(hapt.groups, [1, 2])
held_out = np.flatnonzero(np.isin(hapt.groups, [3, 4]))
held_out = rng.choice(held_out, size=40 if QUICK else 300, replace=False)
S_train, y_train = stft.fit_transform(hapt.data[train]), hapt.target[train]
S_req, y_req = stft.transform(hapt.data[held_out]), hapt.target[held_out]

generator = ConditionalDiffusionSampler(
    modalities=hapt.modalities, channel_names=hapt.channel_names,
    n_steps=22 if QUICK else 1100,  # ~2 / 100 passes over the windows
    base_channels=8 if QUICK else 16, random_state=0)
generator.fit(S_train, y_train)

source = generator.conditions_from(S_req)  # (n, 6 channels x 5 metrics)
requested = source * (1 + rng.uniform(-0.2, 0.2, size=source.shape))
S_gen = generator.sample(y_req, conditions=requested, random_state=0)
measured = generator.conditions_from(S_gen)

report = metric_control_report(requested, measured, generator.condition_names_, source=source,
                               modalities=hapt.modalities)
print(report.format_table("modality"))

try:
    import matplotlib

    matplotlib.use("Agg")
except ImportError:
    print("matplotlib is not installed (pip install skaugment[plot]): no figure.")
else:
    from skaugment.plotting import plot_metric_control

    fig = plot_metric_control(generator, S_req, y_req, index=0, random_state=0)
    fig.savefig("metric_control_example.png", dpi=100)
    print("figure: metric_control_example.png")
