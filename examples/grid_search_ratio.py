"""Grid-search the augmentation ratio, with augmentation on training folds only.

An imbalanced-learn Pipeline (:func:`skaugment.make_pipeline`, which also gives the
sensor layout to every step) turns windows into spectrograms, augments the
training fold with :class:`~skaugment.MetricDisturbAugmenter` and trains a
:class:`~skaugment.DeepSenseClassifier`. Validation folds pass through the
augmenter untouched (imbalanced-learn samplers only act in ``fit``). Folds are
grouped by subject, the honest protocol. ``memory=`` caches the generator fit, so
the grid over ``ratio`` trains one generator per fold, not one per candidate.
"""

import os
import tempfile

import numpy as np
from sklearn.model_selection import GridSearchCV, GroupKFold

from skaugment import (ConditionalDiffusionSampler, DeepSenseClassifier, MetricDisturbAugmenter,
                       SpectrogramTransformer, make_pipeline)
from skaugment.datasets import load_hapt

QUICK = os.environ.get("SKAUGMENT_EXAMPLES_QUICK") == "1"  # tiny models, for the test suite

hapt = load_hapt()
subjects = np.isin(hapt.groups, [1, 2, 3])
X, y, groups = hapt.data[subjects], hapt.target[subjects], hapt.groups[subjects]
if QUICK:
    X, y, groups = X[::8], y[::8], groups[::8]

with tempfile.TemporaryDirectory() as cache:
    pipe = make_pipeline(
        SpectrogramTransformer(n_fft=32, hop_length=8),
        MetricDisturbAugmenter(
            generator=ConditionalDiffusionSampler(
                n_steps=4 if QUICK else 440, base_channels=8 if QUICK else 16, random_state=0),
            ratio=1.0, low=-0.2, high=0.2, memory=cache, random_state=0),
        # quick: a narrow network and a short fixed step budget, well above chance on tiny
        # folds (0.54-0.55 on 6 classes)
        DeepSenseClassifier(random_state=0, **({"n_steps": 50, "n_filters": 16, "hidden_size": 16}
                                               if QUICK else {"max_epochs": 10})),
        modalities=hapt.modalities,  # the generator's and the classifier's
    )
    search = GridSearchCV(pipe, {"metricdisturbaugmenter__ratio": [0.5, 1.0, 2.0]},
                          cv=GroupKFold(n_splits=3))
    search.fit(X, y, groups=groups)

for ratio, mean, std in zip(search.cv_results_["param_metricdisturbaugmenter__ratio"],
                            search.cv_results_["mean_test_score"],
                            search.cv_results_["std_test_score"]):
    print(f"ratio {ratio:>4}: accuracy {mean:.3f} ± {std:.3f} (3 subject folds)")
print("best:", search.best_params_)
