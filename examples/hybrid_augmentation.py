"""The recommended recipe: classic transforms, then metric editing, in one Pipeline.

:class:`~skaugment.WindowMetricEditAugmenter` takes each synthetic window from a classic
transform of a real one (small rotation, scaling, jitter), then moves its five
spectral metrics by up to ±20% through the STFT (no network is trained). It works
on raw windows, so it sits before the :class:`~skaugment.SpectrogramTransformer`
and is skipped at predict time like every imbalanced-learn sampler.

Both classifiers below train for the same number of gradient steps
(``n_steps``), so the comparison is about the data, not the training length.
One split, one seed: ``skaugment compare --preset benchmark`` measures it properly.
"""

import os

import numpy as np

from skaugment import (DeepSenseClassifier, WindowMetricEditAugmenter, SignalTransformAugmenter,
                       SpectrogramTransformer, make_pipeline)
from skaugment.datasets import load_hapt

QUICK = os.environ.get("SKAUGMENT_EXAMPLES_QUICK") == "1"  # tiny models, for the test suite

hapt = load_hapt()
train = np.isin(hapt.groups, [1, 3, 5, 6, 7])
test = np.isin(hapt.groups, [2, 4, 8, 9, 10])
X, y, X_test, y_test = hapt.data[train], hapt.target[train], hapt.data[test], hapt.target[test]
if QUICK:
    X, y = X[::6], y[::6]
n_steps = 40 if QUICK else 1500


def pipeline(*augmenters):
    return make_pipeline(
        *augmenters,
        SpectrogramTransformer(n_fft=32, hop_length=8),
        DeepSenseClassifier(n_steps=n_steps, random_state=0),
        modalities=hapt.modalities,  # for every step that reads it, the augmenter's transforms too
    )


hybrid = WindowMetricEditAugmenter(
    transforms=SignalTransformAugmenter(),  # rotation, scaling, jitter of each triaxial sensor
    low=-0.2, high=0.2, n_fft=32, hop_length=8, ratio=5.0, random_state=0)
for name, pipe in [("none", pipeline()), ("hybrid", pipeline(hybrid))]:
    pipe.fit(X, y)
    acc = np.mean(pipe.predict(X_test) == y_test)
    print(f"{name:<7} accuracy {acc:.3f}")

n_synth = int(hybrid.synthetic_mask_.sum())
print(f"synthetic windows: {n_synth} ({n_synth / len(X):.1f} per real window)")
print(f"median relative metric error of the edit: {100 * hybrid.edit_error_:.1f}%")
