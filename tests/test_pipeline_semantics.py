"""Augmentation inside imblearn pipelines and grid searches, with the real generator.

What must hold: the generator is fitted once per training fold however many
ratios are searched (memory), only training folds are augmented (validation rows
reach the classifier untouched, at predict), the classifier is fitted on exactly
``n_train + sum_c round(ratio * n_train_c)`` rows, and everything is seeded.
"""

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skaugment import (
    ConditionalDiffusionSampler,
    MetricDisturbAugmenter,
    MetricInterpolationAugmenter,
    MetricKnowledgeAugmenter,
    MetricTargetAugmenter,
    SpectrogramTransformer,
)
from skaugment.datasets import make_synthetic_imu

TINY = dict(base_channels=4, n_steps=1, batch_size=32, train_steps=10, sample_steps=2,
            device="cpu")


class CountingSampler(ConditionalDiffusionSampler):
    """Counts real generator fits; the counter is on the class, so it survives clone."""

    n_fits = 0

    def fit(self, S, y, conditions=None):
        type(self).n_fits += 1
        return super().fit(S, y, conditions=conditions)


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Nearest class centroid on flattened log spectrograms; records the rows it sees."""

    fit_sizes = []
    predict_sizes = []

    def fit(self, X, y):
        type(self).fit_sizes.append(len(X))
        X = np.log1p(np.asarray(X).reshape(len(X), -1))
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict(self, X):
        type(self).predict_sizes.append(len(X))
        X = np.log1p(np.asarray(X).reshape(len(X), -1))
        d = ((X[:, None] - self.centroids_[None]) ** 2).sum(axis=2)
        return self.classes_[d.argmin(axis=1)]


@pytest.fixture(scope="module")
def series():
    X, y = make_synthetic_imu(n_samples=30, n_channels=2, n_timesteps=64, n_classes=3,
                              random_state=0)
    return X.astype(np.float32), np.asarray(y)


@pytest.fixture(scope="module")
def spectrograms(series):
    X, y = series
    return np.asarray(SpectrogramTransformer(n_fft=16, hop_length=8).fit_transform(X)), y


@pytest.fixture(scope="module")
def fitted_generator(spectrograms):
    S, y = spectrograms
    return ConditionalDiffusionSampler(random_state=0, **TINY).fit(S, y)


def test_grid_search_fits_generator_once_per_fold_and_augments_training_folds_only(
    series, tmp_path
):
    X, y = series
    CountingSampler.n_fits = 0
    RecordingClassifier.fit_sizes = []
    RecordingClassifier.predict_sizes = []
    pipe = make_pipeline(
        SpectrogramTransformer(n_fft=16, hop_length=8),
        MetricDisturbAugmenter(generator=CountingSampler(random_state=0, **TINY),
                               memory=tmp_path, random_state=0),
        RecordingClassifier(),
    )
    ratios = [0.5, 1, 2]
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(pipe, {"metricdisturbaugmenter__ratio": ratios}, cv=cv, refit=False)
    search.fit(X, y)

    assert CountingSampler.n_fits == 3  # one per training fold, not one per (fold, ratio)
    folds = list(cv.split(X, y))
    expected_fit, expected_predict = [], []
    for ratio in ratios:  # GridSearchCV runs every fold of a candidate in turn
        for train, test in folds:
            counts = np.unique(y[train], return_counts=True)[1]
            expected_fit.append(len(train) + sum(int(round(ratio * c)) for c in counts))
            expected_predict.append(len(test))
    assert sorted(RecordingClassifier.fit_sizes) == sorted(expected_fit)
    # validation rows are never augmented: predict sees exactly each validation fold
    assert sorted(RecordingClassifier.predict_sizes) == sorted(expected_predict)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize(
    "make",
    [
        lambda gen: MetricDisturbAugmenter(generator=gen, prefit=True, ratio=1.0),
        lambda gen: MetricInterpolationAugmenter(generator=gen, prefit=True, ratio=1.0),
        lambda gen: MetricKnowledgeAugmenter(generator=gen, prefit=True, ratio=1.0),
    ],
)
def test_seeded_with_real_generator(make, fitted_generator, spectrograms):
    S, y = spectrograms
    a = make(fitted_generator).set_params(random_state=0).fit_resample(S, y)
    b = make(fitted_generator).set_params(random_state=0).fit_resample(S, y)
    c = make(fitted_generator).set_params(random_state=1).fit_resample(S, y)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0][len(y):], c[0][len(y):])
    assert a[0].dtype == np.float32 and np.isfinite(a[0]).all() and (a[0] >= 0).all()


def test_generator_fit_inside_augmenter_is_seeded(spectrograms):
    S, y = spectrograms
    gen = ConditionalDiffusionSampler(**TINY)  # unseeded: the augmenter seeds its clone
    a = MetricDisturbAugmenter(generator=gen, ratio=0.5, random_state=0).fit_resample(S, y)
    b = MetricDisturbAugmenter(generator=gen, ratio=0.5, random_state=0).fit_resample(S, y)
    np.testing.assert_array_equal(a[0], b[0])


def test_target_with_real_generator(fitted_generator, spectrograms):
    S, y = spectrograms
    aug = MetricTargetAugmenter(generator=fitted_generator, prefit=True, target=S[::3],
                                ratio=1.0, random_state=0)
    S_res, y_res = aug.fit_resample(S, y)
    np.testing.assert_allclose(aug.target_conditions_, fitted_generator.conditions_from(S[::3]))
    assert S_res.shape[0] == len(y_res) == len(y) + int(aug.synthetic_mask_.sum())


def test_bad_input_with_real_generator(fitted_generator, spectrograms):
    S, y = spectrograms
    aug = MetricDisturbAugmenter(generator=fitted_generator, prefit=True)
    bad = S.copy()
    bad[2, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 2"):
        aug.fit_resample(bad, y)
    with pytest.raises(ValueError, match="must be 4-D"):
        aug.fit_resample(S[:, 0], y)
    with pytest.raises(ValueError, match="'ratio' parameter"):
        aug.set_params(ratio=0).fit_resample(S, y)
    aug.set_params(ratio=1.0)
    with pytest.raises(ValueError, match="low must be <= high"):
        aug.set_params(low=0.2, high=-0.2).fit_resample(S, y)
    aug.set_params(low=-0.2, high=0.2)
    with pytest.raises(ValueError, match=r"unknown metric\(s\) \['loudness'\]"):
        aug.set_params(metrics=["loudness"]).fit_resample(S, y)
    aug.set_params(metrics=None)
    with pytest.raises(ValueError, match=r"label\(s\) \['swim'\]"):
        aug.fit_resample(S[:3], np.array(["swim"] * 3))
    label_only = ConditionalDiffusionSampler(condition="label", random_state=0, **TINY).fit(S, y)
    with pytest.raises(ValueError, match="condition='label'"):
        MetricDisturbAugmenter(generator=label_only, prefit=True).fit_resample(S, y)


def test_knowledge_per_modality_with_real_generator(spectrograms):
    S, y = spectrograms
    gen = ConditionalDiffusionSampler(modalities={"acc": [1], "gyro": [0]},
                                      channel_names=["gx", "ax"], random_state=0, **TINY)
    aug = MetricKnowledgeAugmenter(generator=gen, ratio=1.0, random_state=0,
                                   ranges={"acc": {"contrast": (0.1, 0.2)}})
    aug.fit_resample(S, y)
    change = aug.conditions_ / aug.source_conditions_ - 1
    moved = aug.condition_names_.index("ax__contrast")
    assert change[:, moved].min() >= 0.1 - 1e-9 and change[:, moved].max() <= 0.2 + 1e-9
    np.testing.assert_array_equal(np.delete(change, moved, axis=1), 0)
    with pytest.raises(ValueError, match=r"unknown modality\(ies\) \['magnet'\]"):
        aug.set_params(ranges={"magnet": {"contrast": (0.1, 0.2)}}).fit_resample(S, y)


def test_frozen_generator_survives_clone_in_a_grid_search(series):
    from sklearn.frozen import FrozenEstimator

    X, y = series
    S = np.asarray(SpectrogramTransformer(n_fft=16, hop_length=8).fit_transform(X))
    CountingSampler.n_fits = 0
    generator = CountingSampler(random_state=0, **TINY).fit(S, y)
    assert CountingSampler.n_fits == 1
    RecordingClassifier.fit_sizes = []
    pipe = make_pipeline(
        SpectrogramTransformer(n_fft=16, hop_length=8),
        MetricDisturbAugmenter(generator=FrozenEstimator(generator), random_state=0),
        RecordingClassifier(),
    )
    search = GridSearchCV(pipe, {"metricdisturbaugmenter__ratio": [0.5, 1.0]},
                          cv=StratifiedKFold(2, shuffle=True, random_state=0), refit=False)
    search.fit(X, y)
    assert CountingSampler.n_fits == 1  # never refitted, though every candidate was cloned
    assert len(RecordingClassifier.fit_sizes) == 4
    # the frozen generator is used as it is, and the label-only guard looks through it
    aug = MetricDisturbAugmenter(generator=FrozenEstimator(generator), ratio=1.0, random_state=0)
    aug.fit_resample(S, y)
    assert aug.generator_ is generator
    label_only = ConditionalDiffusionSampler(condition="label", random_state=0, **TINY).fit(S, y)
    with pytest.raises(ValueError, match="condition='label'"):
        MetricDisturbAugmenter(generator=FrozenEstimator(label_only)).fit_resample(S, y)


def test_fit_then_fit_resample_fits_the_generator_once(spectrograms):
    S, y = spectrograms
    CountingSampler.n_fits = 0
    aug = MetricDisturbAugmenter(generator=CountingSampler(**TINY), ratio=1.0, random_state=0)
    aug.fit(S, y)
    S_res, _ = aug.fit_resample(S, y)
    assert CountingSampler.n_fits == 1
    again = MetricDisturbAugmenter(generator=CountingSampler(**TINY), ratio=1.0, random_state=0)
    np.testing.assert_array_equal(again.fit_resample(S, y)[0], S_res)
    assert CountingSampler.n_fits == 2
    aug.fit_resample(S[::-1].copy(), y[::-1].copy())  # other data: a new fit
    assert CountingSampler.n_fits == 3
