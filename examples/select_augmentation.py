"""Which augmentation, at which ratio, for my classifier? Chosen on the training subjects only.

``AugmentationSelector`` scores every candidate recipe (and no augmentation) by
cross-validation over the *training* subjects (GroupKFold), keeps a recipe only if it
beats no augmentation by more than one standard error of the paired fold differences,
and refits the choice on all training subjects. The test subjects are touched once, at
the end, to show what the choice is worth.

The classifier is MiniRocket (aeon, the ``aeon`` extra), the standard CPU baseline, on
raw windows; any scikit-learn classifier works the same way.
"""

import os

import numpy as np

from skaugment.datasets import load_hapt
from skaugment.evaluation import AugmentationSelector, GroupHoldoutSplit, augmentation_methods

QUICK = os.environ.get("SKAUGMENT_EXAMPLES_QUICK") == "1"

try:
    from aeon.classification.convolution_based import MiniRocketClassifier
except ImportError:
    raise SystemExit("this example needs aeon: pip install 'skaugment[aeon]'")

from skaugment.classifiers import SubsampledRidgeClassifierCV

hapt = load_hapt()
X, y, subjects = hapt.data, hapt.target, hapt.groups
train_subjects, test_subjects = GroupHoldoutSplit(n_train_groups=5).split_groups(subjects, 0)
train, test = np.isin(subjects, train_subjects), np.isin(subjects, test_subjects)
if QUICK:  # a smoke run: fewer windows and kernels
    train &= np.arange(len(y)) % 3 == 0
    test &= np.arange(len(y)) % 10 == 0

# the library's recipes for this signal, on raw windows, with hard labels for mixup
names = ["transforms", "time-freq", "mixup"]
recipes, _ = augmentation_methods(names, modalities=hapt.modalities, fs=hapt.fs,
                                  classifier_input="window", soft_labels=False)
minirocket = MiniRocketClassifier(n_kernels=840 if QUICK else 10_000,
                                  estimator=SubsampledRidgeClassifierCV(), random_state=0)
selector = AugmentationSelector(minirocket, recipes, ratios=[1.0] if QUICK else [1.0, 2.0],
                                cv=3 if QUICK else 5, random_state=0)
selector.fit(X[train], y[train], groups=subjects[train])

print("inner cross-validation over the training subjects:")
res = selector.cv_results_
for i, name in enumerate(res["candidate"]):
    diff = "" if name == "none" else (f"  vs none {100 * res['diff_mean'][i]:+.1f} "
                                      f"(se {100 * res['diff_se'][i]:.1f})")
    print(f"  {name:<22} {res['mean_test_score'][i]:.3f} ± {res['std_test_score'][i]:.3f}{diff}")
print(f"selected: {selector.best_candidate_}")

none = selector.candidate_pipelines_["none"].fit(X[train], y[train])
print(f"test subjects, no augmentation: accuracy {none.score(X[test], y[test]):.3f}")
print(f"test subjects, selected:        accuracy {selector.score(X[test], y[test]):.3f}")
