"""Every public estimator through the common checks of scikit-learn and imbalanced-learn.

One registry lists each public estimator with a fast configuration and the kind of
input it takes. The checks come in three layers:

1. ``parametrize_with_checks`` of scikit-learn (and of imbalanced-learn for samplers)
   over the whole registry. Their data generators build 2-D tabular data only, so
   estimators whose tags say they take no 2-D input (4-D spectrograms) are skipped
   by scikit-learn itself with a ``SkipTestWarning``; estimators that accept 2-D
   input (read as one channel) run every check, and the checks they fail only
   because of 2-D tabular semantics are listed in ``_TWO_D_DATA`` with the reason.
   Expected failures are strict: a listed check that starts passing fails the suite.
2. The data-free API checks of scikit-learn (clone, repr, get/set_params,
   parameter validation, tags, nothing set in ``__init__``) on every estimator.
3. The data-dependent properties of those checks, on 3-D/4-D data of the right kind:
   fit returns self, fit changes no parameter, pickling, reproducibility, dtypes,
   read-only input, NaN/inf/empty/ndim errors, sample-order invariance, unfitted use.
"""

import importlib
import inspect
import pickle
import types

import joblib
import numpy as np
import pytest
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import estimator_checks as sk_checks
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

from skaugment import (
    ConditionalDiffusionSampler,
    ConditionalGANSampler,
    ConditionalVAESampler,
    DeepSenseClassifier,
    InceptionTimeClassifier,
    LSTMDiscriminatorClassifier,
    MetricDisturbAugmenter,
    WindowMetricEditAugmenter,
    SpectrogramMetricEditSampler,
    MetricExtractor,
    MetricInterpolationAugmenter,
    MetricKnowledgeAugmenter,
    MetricTargetAugmenter,
    MixupAugmenter,
    ResNetClassifier,
    SATSDUClassifier,
    SenseGenSampler,
    SignalTransformAugmenter,
    StatisticalDiffusionSampler,
    SpectrogramTransformer,
    StatisticalFeatureExtractor,
    TransformerClassifier,
)
from skaugment.augmenters import FeatureInterpolationAugmenter, LabelFidelityFilter
from skaugment.classifiers import SubsampledRidgeClassifierCV
from skaugment.evaluation import AugmentationSelector
from skaugment.img2imu import IMG2IMUClassifier, MoCoPretrainer, SpectrogramImageTransformer
from skaugment.datasets import make_synthetic_imu
from skaugment.utils import one_hot_distribution


def _tiny_generator(**params):
    return ConditionalDiffusionSampler(
        n_steps=1, base_channels=4, train_steps=20, sample_steps=2, random_state=0, **params
    )


# name -> (factory, input kind). "ts": (n, c, t) time series; "spec": (n, c, F, T) magnitude;
# "imu3": triaxial (n, 3, t) windows; "img": (n, 3, H, W) spectrogram images.
REGISTRY = {
    # n_fft=2: sklearn's checks feed signals only a few steps long.
    "SpectrogramTransformer": (
        lambda: SpectrogramTransformer(n_fft=2, hop_length=1, center=True), "ts"),
    "MetricExtractor": (lambda: MetricExtractor(), "spec"),
    "StatisticalFeatureExtractor": (lambda: StatisticalFeatureExtractor(), "ts"),
    "ConditionalDiffusionSampler": (lambda: _tiny_generator(ratio=1.0), "spec"),
    "ConditionalGANSampler": (
        lambda: ConditionalGANSampler(n_steps=1, base_channels=4, latent_dim=4, ratio=1.0,
                                      random_state=0), "spec"),
    "ConditionalVAESampler": (
        lambda: ConditionalVAESampler(n_steps=1, base_channels=4, latent_channels=2,
                                      ratio=1.0, random_state=0), "spec"),
    "MetricInterpolationAugmenter": (
        lambda: MetricInterpolationAugmenter(_tiny_generator(), ratio=1.0, random_state=0), "spec"),
    "MetricDisturbAugmenter": (
        lambda: MetricDisturbAugmenter(_tiny_generator(), ratio=1.0, random_state=0), "spec"),
    "MetricKnowledgeAugmenter": (
        lambda: MetricKnowledgeAugmenter(_tiny_generator(), ratio=1.0, random_state=0,
                                         ranges={"contrast": (0.1, 0.4)}), "spec"),
    "MetricTargetAugmenter": (
        lambda: MetricTargetAugmenter(_tiny_generator(), ratio=1.0, random_state=0,
                                      target=np.abs(np.random.RandomState(0).randn(6, 2, 9, 5))),
        "spec"),
    "SignalTransformAugmenter": (
        lambda: SignalTransformAugmenter(transforms=["scaling", "jitter"], ratio=1.0,
                                         random_state=0), "ts"),
    "SpectrogramMetricEditSampler": (
        lambda: SpectrogramMetricEditSampler(ratio=1.0, random_state=0), "spec"),
    "StatisticalDiffusionSampler": (
        lambda: StatisticalDiffusionSampler(n_steps=2, base_channels=4, n_sampling_steps=2,
                                            ratio=1.0, device="cpu", random_state=0), "ts"),
    "SenseGenSampler": (
        lambda: SenseGenSampler(hidden_size=4, num_layers=1, fc_size=4, n_components=2,
                                embedding_dim=2, n_steps=2, batch_size=4, ratio=1.0,
                                device="cpu", random_state=0), "ts"),
    "WindowMetricEditAugmenter": (
        lambda: WindowMetricEditAugmenter(
            transforms=SignalTransformAugmenter(transforms=["scaling"]), n_fft=16, hop_length=4,
            ratio=1.0, random_state=0), "ts"),
    "MixupAugmenter": (lambda: MixupAugmenter(ratio=1.0, random_state=0), "spec"),
    "FeatureInterpolationAugmenter": (
        lambda: FeatureInterpolationAugmenter(
            ConditionalVAESampler(condition="none", kl_weight=0.0, metric_loss_weight=0.0,
                                  n_steps=1, base_channels=4, latent_channels=2),
            ratio=1.0, random_state=0), "spec"),
    "LabelFidelityFilter": (
        lambda: LabelFidelityFilter(SignalTransformAugmenter(transforms=["jitter"], ratio=1.0,
                                                             random_state=0), threshold=0.2),
        "ts"),
    # a meta-estimator: a window augmenter and "none", features, k-NN, 2 inner folds
    "AugmentationSelector": (
        lambda: AugmentationSelector(
            KNeighborsClassifier(3),
            {"jitter": SignalTransformAugmenter(transforms=["jitter"], ratio=1.0)}, cv=2,
            preprocessing=StatisticalFeatureExtractor(features=["mean", "std", "skewness"]),
            random_state=0), "ts"),
    "DeepSenseClassifier": (
        lambda: DeepSenseClassifier(n_filters=4, hidden_size=4, max_epochs=1, device="cpu",
                                    random_state=0), "spec"),
    "LSTMDiscriminatorClassifier": (
        lambda: LSTMDiscriminatorClassifier(hidden_size=8, fc_size=8, max_epochs=20, lr=1e-2,
                                            device="cpu", random_state=0), "ts"),
    "TransformerClassifier": (
        lambda: TransformerClassifier(d_model=8, nhead=2, num_layers=1, dim_feedforward=8,
                                      max_epochs=1, device="cpu", random_state=0), "spec"),
    "SpectrogramImageTransformer": (
        lambda: SpectrogramImageTransformer(n_fft=8, hop_length=2, size=(16, 16)), "imu3"),
    "MoCoPretrainer": (
        lambda: MoCoPretrainer(width=2, queue_size=16, n_steps=1, batch_size=8, device="cpu",
                               random_state=0), "img"),
    "IMG2IMUClassifier": (
        lambda: IMG2IMUClassifier(width=2, max_epochs=1, device="cpu", random_state=0), "img"),
    "SATSDUClassifier": (
        # large enough to learn sklearn's tabular blobs (check_classifiers_train); 40
        # epochs took 100-120 s a check on shared cores
        lambda: SATSDUClassifier(widths=(8,), max_epochs=12, lr=1e-2, device="cpu",
                                 random_state=0), "ts"),
    # tiny networks, trained long enough to learn sklearn's tabular blobs
    # (check_classifiers_train); recipe="modern" (one-cycle schedule, label smoothing) kept
    "InceptionTimeClassifier": (
        # one module, 20 epochs: the checks' blobs are learnt (the residual stack is
        # tested on values in tests/classifiers/); depth 3 and 40 epochs took 85 s a check
        lambda: InceptionTimeClassifier(n_filters=4, depth=1, kernel_sizes=(3, 5), bottleneck=4,
                                        max_epochs=20, lr=1e-2, device="cpu", random_state=0),
        "ts"),
    "ResNetClassifier": (
        lambda: ResNetClassifier(n_filters=(8,), kernel_sizes=(3, 3), max_epochs=15, lr=1e-2,
                                 device="cpu", random_state=0), "ts"),
}


# Tabular estimators (2-D X, e.g. the ridge at the end of a ROCKET pipeline): scikit-learn's
# checks are their own data's checks, so they run those (layers 1 and 2) and not layer 3.
# max_cv_rows below the checks' row counts, so that the subsampled search is what runs.
TABULAR = {
    "SubsampledRidgeClassifierCV": lambda: SubsampledRidgeClassifierCV(max_cv_rows=40,
                                                                       random_state=0),
}


# Public estimators that cannot run the common checks at all: name -> reason. The
# discovery test (test_registry_covers_public_estimators) accepts a public estimator
# only if it is in REGISTRY, TABULAR or here: the deprecated aliases, whose classes run
# under their new names.
NOT_CHECKED: dict[str, str] = {
    "MetricEditAugmenter": "deprecated alias of WindowMetricEditAugmenter (checked under that "
                           "name); tests/augmenters/test_metric_edit.py checks the alias warns "
                           "and matches it",
    "MetricEditSampler": "deprecated alias of SpectrogramMetricEditSampler (checked under that "
                         "name); tests/augmenters/test_metric_edit.py checks the alias warns "
                         "and matches it",
}


# Checks whose semantics are 2-D tabular: failing them says nothing about a time-series
# estimator that reads a 2-D X as one channel (n_samples, n_timesteps).
_TWO_D_DATA = {
    "check_n_features_in": "a time series has no single feature count; n_channels_ and "
                           "n_timesteps_ are recorded and checked at transform",
    "check_n_features_in_after_fitting": "same: n_channels_/n_timesteps_ replace n_features_in_",
    "check_estimators_empty_data_messages": "0 timesteps gets a ValueError saying so "
                                            "(test_bad_input), not sklearn's '0 feature(s)' wording",
}

# imbalanced-learn's sampler checks build 2-D tabular X; these samplers take 4-D magnitude
# spectrograms (n, c, F, T), and the properties are re-checked on 4-D data below and in
# test_augmenters.py / test_diffusion.py.
_TABULAR_SAMPLER_CHECKS = {
    name: "feeds 2-D tabular X; this sampler takes 4-D spectrograms (n, c, F, T)"
    for name in [
        "check_samplers_fit", "check_samplers_fit_resample", "check_samplers_list",
        "check_samplers_multiclass_ova", "check_samplers_2d_target",
        "check_samplers_preserve_dtype", "check_samplers_sample_indices",
        "check_samplers_one_label",
    ]
}

# skorch.NeuralNet's own design, which its subclasses inherit: not ours to change.
_SKORCH = {
    "check_no_attributes_set_in_init": "skorch.NeuralNet sets history_, initialized_ and "
                                       "virtual_params_ in __init__ by design",
    "check_do_not_raise_errors_in_init_or_set_params": "skorch's set_params processes "
        "callbacks and virtual params eagerly and raises on nonsense values",
    "check_set_params": "skorch's set_params treats _params_to_validate as a set and "
                        "callbacks as a list, so sklearn's arbitrary values break it",
    "check_param_validation": "skorch's set_params acts on 'callbacks' at once, so a bad "
        "'callbacks' value raises TypeError in set_params, before fit can validate it; every "
        "other parameter is validated at fit (test_skorch_params_validated_at_fit)",
}


def _expected_failed_checks(estimator):
    name = type(estimator).__name__
    if name in TABULAR:
        return {}
    if hasattr(estimator, "fit_resample"):
        return _TABULAR_SAMPLER_CHECKS
    return {**_TWO_D_DATA, **(_SKORCH if name.endswith("Classifier") else {})}


def _instances(samplers):
    factories = [f for f, _ in REGISTRY.values()] + ([] if samplers else list(TABULAR.values()))
    return [f() for f in factories if hasattr(f(), "fit_resample") == samplers]


# Checks that compare float32 network outputs at rtol 1e-7: the last bit of a torch
# float32 prediction may change with the order of the rows in its batch (BLAS blocking),
# which makes them flaky rather than failing; each property is re-checked at rtol 1e-5
# on data of the right shape below (test_sample_order_invariance).
_FLOAT32_EXACT = {"check_methods_sample_order_invariance", "check_methods_subset_invariance"}


@sklearn_checks(_instances(samplers=False), expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in _FLOAT32_EXACT and type(estimator).__name__.endswith("Classifier"):
        pytest.skip("float32 network at rtol 1e-7; re-checked by test_sample_order_invariance")
    check(estimator)


@imblearn_checks(_instances(samplers=True), expected_failed_checks=_expected_failed_checks)
def test_imblearn_compatible_sampler(estimator, check):
    check(estimator)


API_CHECKS = [
    sk_checks.check_estimator_cloneable,
    sk_checks.check_estimator_tags_renamed,
    sk_checks.check_valid_tag_types,
    sk_checks.check_estimator_repr,
    sk_checks.check_no_attributes_set_in_init,
    sk_checks.check_do_not_raise_errors_in_init_or_set_params,
    sk_checks.check_mixin_order,
    sk_checks.check_get_params_invariance,
    sk_checks.check_set_params,
    sk_checks.check_parameters_default_constructible,
    sk_checks.check_param_validation,
]


def _api_cases():
    """(name, check) pairs; a listed expected failure runs and must fail (strict xfail)."""
    factories = {**{name: f for name, (f, _) in REGISTRY.items()}, **TABULAR}
    for name, factory in factories.items():
        reasons = _expected_failed_checks(factory())
        for check in API_CHECKS:
            reason = reasons.get(check.__name__)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            yield pytest.param(name, factory, check, marks=marks,
                               id=f"{name}-{check.__name__}")


@pytest.mark.parametrize(("name", "factory", "check"), list(_api_cases()))
def test_api_checks(name, factory, check):
    check(name, factory())


# -- the registry is the public API -------------------------------------------------------

# Where the walk starts: the top-level namespace (lazy names resolved by getattr) and
# each public subpackage; modules named in an ``__all__`` (``functional``, ...) are walked too.
_PUBLIC_MODULES = ["skaugment"] + [
    f"skaugment.{name}" for name in ["augmenters", "classifiers", "generators", "spectral",
                                     "evaluation", "img2imu", "datasets", "utils", "pipeline"]
]


def _is_base(cls):
    """A base meant for subclassing (BaseAugmenter, BaseMetricAugmenter, ...): not checked."""
    return inspect.isabstract(cls) or cls.__name__.startswith("Base")


def _public_estimators():
    """{class name: (class, first module whose __all__ names it)} over the public API.

    Nothing is fitted or built: only ``__all__`` names are resolved.
    """
    found, seen = {}, set()
    todo = [importlib.import_module(name) for name in _PUBLIC_MODULES]
    while todo:
        module = todo.pop(0)
        if module.__name__ in seen:
            continue
        seen.add(module.__name__)
        for name in module.__all__:
            obj = getattr(module, name)  # lazy names (PEP 562) resolve here
            if isinstance(obj, types.ModuleType):
                if obj.__name__.startswith("skaugment.") and hasattr(obj, "__all__"):
                    todo.append(obj)
            elif (inspect.isclass(obj) and issubclass(obj, BaseEstimator)
                  and obj.__module__.startswith("skaugment") and not _is_base(obj)):
                found.setdefault(obj.__name__, (obj, module.__name__))
    return found


def test_registry_covers_public_estimators():
    """Every public estimator is in REGISTRY, TABULAR or NOT_CHECKED (with a reason)."""
    public = _public_estimators()
    assert {"SpectrogramTransformer", "SubsampledRidgeClassifierCV"} <= set(public)  # walk works
    listed = set(REGISTRY) | set(TABULAR) | set(NOT_CHECKED)
    missing = sorted(set(public) - listed)
    assert not missing, (
        "public estimators missing from the common checks of tests/test_common.py: "
        + ", ".join(f"{name} (from {public[name][1]})" for name in missing)
        + ". Add each to REGISTRY as  'Name': (lambda: Name(<fast configuration>), "
        "'ts'|'spec'|'imu3'|'img'),  to TABULAR as  'Name': lambda: Name(...)  if it takes "
        "2-D tabular X, or to NOT_CHECKED as  'Name': '<why it cannot run the checks>'."
    )
    assert not set(NOT_CHECKED) & (set(REGISTRY) | set(TABULAR)), "checked and NOT_CHECKED"
    assert all(isinstance(r, str) and r.strip() for r in NOT_CHECKED.values()), \
        "every NOT_CHECKED entry needs its reason"
    stale = sorted(listed - set(public))
    assert not stale, f"listed but not a public (non-base) estimator any more: {stale}"


@pytest.mark.parametrize("name", list(REGISTRY) + list(TABULAR))
def test_registry_key_is_the_class_built(name):
    factory = REGISTRY[name][0] if name in REGISTRY else TABULAR[name]
    assert type(factory()).__name__ == name
    if name in REGISTRY:
        assert REGISTRY[name][1] in {"ts", "spec", "imu3", "img"}


# -- layer 3: the same properties on data of the right shape ------------------------------


@pytest.fixture(scope="module")
def data():
    X, y = make_synthetic_imu(n_samples=12, n_channels=2, n_timesteps=32, n_classes=3,
                              fs=16.0, random_state=0)
    S = SpectrogramTransformer(n_fft=16, hop_length=4).fit_transform(X)
    # triaxial windows and their spectrogram images, for the IMG2IMU estimators
    X3, _ = make_synthetic_imu(n_samples=12, n_channels=3, n_timesteps=32, n_classes=3,
                               fs=16.0, random_state=0)
    images = SpectrogramImageTransformer(n_fft=8, hop_length=2, size=(16, 16)).fit_transform(X3)
    return {"ts": X, "spec": S, "imu3": X3, "img": images, "y": y}


def _fit(estimator, X, y):
    if hasattr(estimator, "fit_resample"):
        return estimator.fit_resample(X, y)
    return estimator.fit(X, y)


def _output(estimator, X, y):
    """What a fitted estimator produces: predictions, transforms or resampled data."""
    if hasattr(estimator, "fit_resample"):
        return np.asarray(estimator.fit_resample(X, y)[0])
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X))
    return np.asarray(estimator.transform(X))


def _case(name, data):
    factory, kind = REGISTRY[name]
    return factory(), data[kind], data["y"]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_fit_returns_self(name, data):
    est, X, y = _case(name, data)
    if hasattr(est, "fit_resample"):
        X_res, y_res = est.fit_resample(X, y)
        assert len(X_res) == len(y_res) > len(X)
    else:
        assert est.fit(X, y) is est


@pytest.mark.parametrize("name", list(REGISTRY))
def test_fit_does_not_change_params(name, data):
    est, X, y = _case(name, data)
    before = joblib.hash(est.get_params(deep=False))
    _fit(est, X, y)
    assert joblib.hash(est.get_params(deep=False)) == before


@pytest.mark.parametrize("name", list(REGISTRY))
def test_fit_is_reproducible(name, data):
    """Same random_state, same output; a clone refitted gives it again (fit idempotence)."""
    est, X, y = _case(name, data)
    _fit(est, X, y)
    first = _output(est, X, y)
    again = clone(est)
    _fit(again, X, y)
    np.testing.assert_array_equal(_output(again, X, y), first)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_pickle_round_trip(name, data):
    est, X, y = _case(name, data)
    _fit(est, X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(_output(restored, X, y), _output(est, X, y))


@pytest.mark.parametrize("name", list(REGISTRY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_input_dtypes(name, dtype, data):
    est, X, y = _case(name, data)
    Xd = (X * 10).astype(dtype) if dtype is np.int64 else X.astype(dtype)
    _fit(est, Xd, y)
    out = _output(est, Xd, y)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("name", list(REGISTRY))
def test_read_only_input(name, data):
    est, X, y = _case(name, data)
    X = X.copy()
    X.setflags(write=False)
    _fit(est, X, y)
    assert np.isfinite(_output(est, X, y)).all()


@pytest.mark.parametrize("name", list(REGISTRY))
def test_bad_input(name, data):
    est, X, y = _case(name, data)
    bad = X.astype(np.float64)
    bad[3].flat[0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        _fit(clone(est), bad, y)
    bad[3].flat[0] = np.inf
    with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
        _fit(clone(est), bad, y)
    with pytest.raises(ValueError, match="empty"):
        _fit(clone(est), X[:0], y[:0])
    with pytest.raises(ValueError, match="-D"):
        _fit(clone(est), X[..., None, None], y)
    if est.__sklearn_tags__().target_tags.required:
        with pytest.raises(ValueError, match="labels but X has"):
            _fit(clone(est), X, y[:-1])
    if not hasattr(est, "fit_resample"):
        _fit(est, X, y)
        method = est.predict_proba if hasattr(est, "predict_proba") else est.transform
        with pytest.raises(ValueError, match=r"NaN or infinity in sample\(s\) 3"):
            method(bad)
        with pytest.raises(ValueError, match="channels|shape"):
            method(X[:, :1])


@pytest.mark.parametrize("name", [n for n in REGISTRY if not hasattr(REGISTRY[n][0](), "fit_resample")])
def test_sample_order_invariance(name, data):
    est, X, y = _case(name, data)
    est.fit(X, y)
    method = est.predict_proba if hasattr(est, "predict_proba") else est.transform
    perm = np.random.RandomState(0).permutation(len(X))
    np.testing.assert_allclose(method(X)[perm], method(X[perm]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(method(X)[:5], method(X[:5]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_not_fitted(name, data):
    est, X, y = _case(name, data)
    for method in ("predict", "predict_proba", "transform", "sample", "inverse_transform"):
        if hasattr(est, method):
            arg = y if method == "sample" else X
            with pytest.raises(NotFittedError):
                getattr(est, method)(arg)


@pytest.mark.parametrize("name", sorted(n for n in REGISTRY if hasattr(REGISTRY[n][0](), "fit_resample")))
def test_samplers_keep_originals_first(name, data):
    est, X, y = _case(name, data)
    X_res, y_res = est.fit_resample(X, y)
    assert X_res.dtype == np.float32
    np.testing.assert_allclose(X_res[: len(X)], X, rtol=1e-6)
    if np.ndim(y_res) == 2:  # soft labels (mixup): real rows are one-hot
        np.testing.assert_array_equal(y_res[: len(X)], one_hot_distribution(y, est.classes_))
        y_res = np.concatenate([y, y[est.sample_indices_[len(X):]]])
    np.testing.assert_array_equal(y_res[: len(X)], y)
    assert not est.synthetic_mask_[: len(X)].any() and est.synthetic_mask_[len(X):].all()
    # Target-set augmentation skips classes that no target row is labelled with.
    if name != "MetricTargetAugmenter":
        # ratio=1: as many synthetic rows as real ones, class proportions kept
        counts = np.unique(y, return_counts=True)[1]
        np.testing.assert_array_equal(np.unique(y_res[len(X):], return_counts=True)[1], counts)


@pytest.mark.parametrize("name", [n for n in REGISTRY if n.endswith("Classifier")])
def test_skorch_params_validated_at_fit(name, data):
    """check_param_validation without 'callbacks' (see _SKORCH): a bad type is rejected at fit."""
    from sklearn.utils._param_validation import InvalidParameterError

    class BadType:
        pass

    est, X, y = _case(name, data)
    checked = 0
    for param, constraints in est._parameter_constraints.items():
        if constraints == "no_validation" or param == "callbacks":
            continue
        bad = clone(est).set_params(**{param: BadType()})
        with pytest.raises(InvalidParameterError, match=f"The '{param}' parameter"):
            bad.fit(X, y)
        checked += 1
    assert checked >= 10
