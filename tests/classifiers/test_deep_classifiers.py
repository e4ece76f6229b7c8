"""InceptionTime and ResNet on raw windows, and on-the-fly augmentation of training batches.

Every network here is tiny and trains a few dozen steps: the file runs in well under a
minute on one core.
"""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback
from skorch.dataset import ValidSplit

from skaugment import (
    DeepSenseClassifier,
    InceptionTimeClassifier,
    MetricDisturbAugmenter,
    MixupAugmenter,
    ResNetClassifier,
    SATSDUClassifier,
    SignalTransformAugmenter,
    SpectrogramTransformer,
    TransformerClassifier,
)
from skaugment.augmenters import functional
from skaugment.classifiers._augmentation import BatchAugmentation
from skaugment.classifiers._inception import InceptionTimeNetwork
from skaugment.classifiers._recipe import OneCycleSchedule, one_cycle_factor
from skaugment.classifiers._resnet import ResNetNetwork
from skaugment.datasets import make_synthetic_imu

# Practically every row augmented: ratio / (1 + ratio) = 1 - 1e-6.
ALL_ROWS = 1e6


def _toy(n=48, n_channels=3, n_timesteps=32, random_state=0):
    return make_synthetic_imu(n_samples=n, n_channels=n_channels, n_timesteps=n_timesteps,
                              n_classes=2, f0=[2.0, 8.0], fs=32.0, random_state=random_state)


def _inception(**params):
    defaults = dict(n_filters=4, depth=3, kernel_sizes=(3, 5), bottleneck=4, n_steps=30,
                    lr=1e-2, device="cpu", random_state=0)
    return InceptionTimeClassifier(**{**defaults, **params})


class _Batches(Callback):
    """Records every batch the network sees: (X, y, training)."""

    def __init__(self):
        self.seen = []

    def on_train_begin(self, net, **kwargs):
        self.seen = []

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        Xb, yb = batch
        self.seen.append((Xb.detach().clone().numpy(), yb.detach().clone().numpy(), training))


def _one_batch_per_epoch(n, **params):
    """A classifier whose training epoch is one unshuffled batch of all ``n`` rows."""
    recorder = _Batches()
    clf = _inception(max_epochs=3, batch_size=n, iterator_train__shuffle=False,
                     callbacks=[("batches", recorder)], **params)
    return clf, recorder


# -- the networks ----------------------------------------------------------------------------


@pytest.mark.parametrize("n_channels", [1, 3])
def test_inception_network_shapes(n_channels):
    net = InceptionTimeNetwork(n_channels, 5, n_filters=4, depth=6, kernel_sizes=(10, 20, 40),
                               bottleneck=8)
    assert net(torch.randn(2, n_channels, 37)).shape == (2, 5)
    # one shortcut per three modules; a module outputs 4 * n_filters channels
    assert len(net.shortcuts) == 2 and net.blocks[0].out_channels == 16
    # the bottleneck is skipped on one channel, as in the paper
    assert isinstance(net.blocks[0].bottleneck, torch.nn.Identity) == (n_channels == 1)
    # even kernels keep the length ("same" padding)
    assert net.blocks[0].convs[0](torch.randn(1, net.blocks[0].convs[0][-1].in_channels, 37)).shape[-1] == 37
    no_res = InceptionTimeNetwork(n_channels, 5, n_filters=4, depth=4, residual=False)
    assert len(no_res.shortcuts) == 0 and no_res(torch.randn(2, n_channels, 16)).shape == (2, 5)


def test_resnet_network_shapes():
    net = ResNetNetwork(6, 4)  # the paper's 64-128-128, kernels 8/5/3
    assert net(torch.randn(2, 6, 33)).shape == (2, 4)
    assert [b.body[0][-1].out_channels for b in net.blocks] == [64, 128, 128]
    assert [b.body[i][-1].kernel_size[0] for b in net.blocks[:1] for i in (0, 3, 6)] == [8, 5, 3]
    # a 1x1 conv + BN shortcut where the channels change, BN alone where they do not
    assert isinstance(net.blocks[2].shortcut, torch.nn.BatchNorm1d)
    assert isinstance(net.blocks[0].shortcut, torch.nn.Sequential)


@pytest.mark.parametrize("make", [
    lambda: _inception(),
    lambda: ResNetClassifier(n_filters=(8, 8), kernel_sizes=(5, 3), n_steps=30, lr=1e-2,
                             device="cpu", random_state=0),
], ids=["inception", "resnet"])
def test_learns_a_separable_problem(make):
    X, y = _toy(n=64)
    X_test, y_test = _toy(n=64, random_state=1)
    clf = make().fit(X, y)
    assert clf.input_mode_ == "time_series" and clf.n_steps_ == 30
    assert clf.score(X_test, y_test) > 0.9


def test_same_random_state_same_predictions():
    X, y = _toy()
    aug = [SignalTransformAugmenter(transforms=["scaling", "jitter"]), MixupAugmenter(ratio=1.0)]
    first = _inception(n_steps=10, augmentation=aug).fit(X, y).predict_proba(X)
    again = _inception(n_steps=10, augmentation=aug).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)
    other = _inception(n_steps=10, augmentation=aug, random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(first, other)


def test_two_d_input_is_one_channel():
    X, y = _toy(n_channels=1)
    clf = _inception(n_steps=5).fit(X[:, 0], y)
    assert clf.input_shape_ == (1, 32) and clf.predict(X[:, 0]).shape == (48,)


# -- the recipe ------------------------------------------------------------------------------


def test_one_cycle_factor():
    steps = np.array([one_cycle_factor(p) for p in np.linspace(0, 1, 101)])
    assert steps[0] == pytest.approx(1 / 25) and steps.max() == pytest.approx(1.0)
    assert np.argmax(steps) == 30 and steps[-1] < 1e-5
    assert np.all(np.diff(steps[:31]) > 0) and np.all(np.diff(steps[30:]) < 0)


def test_recipes():
    X, y = _toy()
    lrs = []

    class LR(Callback):
        def on_batch_end(self, net, training=None, **kwargs):
            if training:
                lrs.append(net.optimizer_.param_groups[0]["lr"])

    modern = _inception(n_steps=20, lr=0.01, callbacks=[LR()]).fit(X, y)
    assert modern.optimizer_.param_groups[0]["weight_decay"] == 1e-2
    assert modern.criterion_.label_smoothing == 0.1
    assert any(isinstance(cb, OneCycleSchedule) for _, cb in modern.callbacks_)
    assert len(lrs) == 20 and lrs[0] == pytest.approx(0.01 / 25) and max(lrs) == pytest.approx(0.01, rel=0.05)
    assert lrs[-1] < 1e-3

    lrs.clear()
    paper = _inception(n_steps=20, lr=0.01, recipe="paper", callbacks=[LR()]).fit(X, y)
    assert paper.optimizer_.param_groups[0]["weight_decay"] == 0.0
    assert paper.criterion_.label_smoothing == 0.0
    assert not any(isinstance(cb, OneCycleSchedule) for _, cb in paper.callbacks_)
    assert set(lrs) == {0.01}
    # explicit values win over the recipe, and do not stay behind as parameters
    explicit = _inception(n_steps=2, criterion__label_smoothing=0.0, optimizer__weight_decay=0.5)
    explicit.fit(X, y)
    assert explicit.criterion_.label_smoothing == 0.0
    assert explicit.optimizer_.param_groups[0]["weight_decay"] == 0.5
    # the recipe's values are applied while the criterion is built, not left as parameters
    for fitted in (modern, paper):
        assert "criterion__label_smoothing" not in fitted.get_params()
    assert explicit.get_params()["criterion__label_smoothing"] == 0.0


@pytest.mark.parametrize("cls, params, paper_optimizer", [
    (DeepSenseClassifier, dict(n_filters=4, hidden_size=4),
     {"betas": (0.5, 0.9), "weight_decay": 5e-4}),
    (TransformerClassifier, dict(d_model=8, nhead=2, num_layers=1, dim_feedforward=8),
     {"betas": (0.9, 0.999), "weight_decay": 1e-2}),
])
def test_spectrogram_recipes(cls, params, paper_optimizer):
    rng = np.random.default_rng(0)
    S = rng.random((24, 2, 5, 4)).astype(np.float32)
    y = np.repeat(["a", "b"], 12)
    paper = cls(**params, n_steps=6, lr=0.01, random_state=0).fit(S, y)
    assert paper.get_params()["recipe"] == "paper"  # the default keeps the reference setting
    group = paper.optimizer_.param_groups[0]
    assert {k: group[k] for k in paper_optimizer} == paper_optimizer
    assert group["lr"] == 0.01 and paper.criterion_.label_smoothing == 0.0
    modern = cls(**params, recipe="modern", n_steps=6, lr=0.01, random_state=0).fit(S, y)
    group = modern.optimizer_.param_groups[0]
    assert {k: group[k] for k in paper_optimizer} == paper_optimizer
    assert modern.criterion_.label_smoothing == 0.1
    schedule = dict(modern.callbacks_)["lr_schedule"]
    assert isinstance(schedule, OneCycleSchedule) and schedule.step_ == 6
    assert group["lr"] == pytest.approx(0.01 * one_cycle_factor(5 / 6))
    with pytest.raises(ValueError, match="recipe"):
        cls(recipe="fast").fit(S, y)


def test_one_cycle_with_epochs():
    X, y = _toy(n=40)
    clf = _inception(max_epochs=2, batch_size=16).fit(X, y)  # 3 batches per epoch
    schedule = dict(clf.callbacks_)["lr_schedule"]
    assert schedule.total_ == 6 and schedule.step_ == 6


# -- on-the-fly augmentation -----------------------------------------------------------------


def test_augmented_batches_differ_between_epochs():
    X, y = _toy(n=16)
    clf, batches = _one_batch_per_epoch(16)
    clf.fit(X, y)
    plain = [b[0] for b in batches.seen]
    assert len(plain) == 3 and all(np.array_equal(b, X) for b in plain)

    clf, batches = _one_batch_per_epoch(16, augmentation=SignalTransformAugmenter(
        transforms=["scaling", "jitter"], ratio=ALL_ROWS))
    clf.fit(X, y)
    seen = [b[0] for b in batches.seen]
    assert len(seen) == 3
    assert not np.array_equal(seen[0], seen[1]) and not np.array_equal(seen[1], seen[2])
    # every row transformed, and still close to its own source row (scaling, jitter)
    for batch in seen:
        assert not np.isclose(batch, X).all(axis=(1, 2)).any()
        nearest = np.argmin(((batch[:, None] - X[None]) ** 2).sum(axis=(2, 3)), axis=1)
        np.testing.assert_array_equal(nearest, np.arange(16))
    # labels untouched by a label-preserving transform
    assert all(np.array_equal(b[1], y) for b in batches.seen)


def test_each_row_replaced_by_its_own_transform():
    X, y = _toy(n=16)
    clf, batches = _one_batch_per_epoch(16, augmentation=SignalTransformAugmenter(
        transforms=["negation"], ratio=ALL_ROWS))
    clf.fit(X, y)
    for Xb, _, _ in batches.seen:
        np.testing.assert_array_equal(Xb, -X)


def test_ratio_sets_the_share_of_augmented_rows():
    X, y = _toy(n=400)
    rng = np.random.RandomState(0)
    for ratio, expected in [(1.0, 0.5), (3.0, 0.75)]:
        aug = BatchAugmentation(SignalTransformAugmenter(transforms=["negation"], ratio=ratio),
                                X, np.zeros(400, dtype=int), 2, "time_series", "clf")
        Xb, _ = aug(X, np.zeros(400, dtype=np.int64), rng)
        share = np.mean(np.isclose(Xb, -X).all(axis=(1, 2)))
        assert abs(share - expected) < 0.07


def test_nothing_applied_at_predict_or_validation():
    X, y = _toy(n=32)
    recorder = _Batches()
    clf = _inception(n_steps=6, batch_size=8, train_split=ValidSplit(4, stratified=True),
                     callbacks=[("batches", recorder)],
                     augmentation=[SignalTransformAugmenter(transforms=["negation"],
                                                            ratio=ALL_ROWS),
                                   MixupAugmenter(ratio=ALL_ROWS)])
    clf.fit(X, y)
    valid = [b for b in recorder.seen if not b[2]]
    train = [b for b in recorder.seen if b[2]]
    assert valid and train
    rows = {r.tobytes() for r in X}
    # validation rows are real rows with hard labels; training rows are not
    assert all(r.tobytes() in rows for Xb, _, _ in valid for r in Xb)
    assert all(yb.ndim == 1 for _, yb, _ in valid)
    assert not any(r.tobytes() in rows for Xb, _, _ in train for r in Xb)

    seen = []
    hook = clf.module_.register_forward_pre_hook(lambda module, args: seen.append(args[0].clone()))
    first = clf.predict_proba(X)
    hook.remove()
    np.testing.assert_array_equal(torch.cat(seen).numpy(), X)
    np.testing.assert_array_equal(clf.predict_proba(X), first)
    np.testing.assert_array_equal(clf.predict(X), clf.predict(X))


def test_mixup_batches_carry_soft_targets():
    X, y = _toy(n=16)
    clf, batches = _one_batch_per_epoch(16, augmentation=MixupAugmenter(alpha=1.0, ratio=ALL_ROWS))
    clf.fit(X, y)
    for Xb, yb, _ in batches.seen:
        assert yb.shape == (16, 2) and yb.dtype == np.float32
        np.testing.assert_allclose(yb.sum(axis=1), 1.0, rtol=1e-6)
        # mixed rows: the target mass on the first class is that row's mixing weight
        assert ((yb > 0.01) & (yb < 0.99)).any()
    assert not np.array_equal(batches.seen[0][1], batches.seen[1][1])
    # trained with the classifier's soft-label cross-entropy: finite losses
    assert np.isfinite([row["train_loss"] for row in clf.history]).all()


def test_mixup_rows_are_convex_combinations():
    X, y = _toy(n=8)
    aug = BatchAugmentation(MixupAugmenter(alpha=1.0, ratio=ALL_ROWS), X, y, 2, "time_series", "clf")
    Xb, yb = aug(X, y.astype(np.int64), np.random.RandomState(0))
    np.testing.assert_allclose(yb.sum(axis=1), 1.0, rtol=1e-6)
    rows, Xf = Xb.reshape(8, -1).astype(np.float64), X.reshape(8, -1).astype(np.float64)
    for i in range(8):
        # row i is lambda * x_i + (1 - lambda) * x_j for a partner j: find lambda by projection
        fits = []
        for j in range(8):
            d = Xf[i] - Xf[j]
            lam = 1.0 if j == i else float((rows[i] - Xf[j]) @ d / (d @ d))
            error = np.abs(rows[i] - (lam * Xf[i] + (1 - lam) * Xf[j])).max()
            fits.append((error, lam, j))
        error, lam, j = min(fits)
        assert error < 1e-4 and -1e-4 <= lam <= 1 + 1e-4
        if y[j] != y[i]:  # its target: lambda on its own class, the rest on the partner's
            assert yb[i, y[i]] == pytest.approx(lam, abs=1e-4)


def test_soft_labels_given_to_fit_are_mixed():
    X, y = _toy(n=16)
    y_soft = np.eye(2, dtype=np.float32)[y] * 0.8 + 0.1
    clf, batches = _one_batch_per_epoch(16, augmentation=MixupAugmenter(ratio=ALL_ROWS))
    clf.fit(X, y_soft)
    mixed = 0
    for _, yb, _ in batches.seen:
        np.testing.assert_allclose(yb.sum(axis=1), 1.0, rtol=1e-6)
        assert yb.min() >= 0.1 - 1e-6 and yb.max() <= 0.9 + 1e-6
        # rows strictly between the two given ones: their mixtures, not the rows themselves
        mixed += int(((yb[:, 0] > 0.1 + 1e-3) & (yb[:, 0] < 0.9 - 1e-3)).sum())
    assert mixed > 0


def test_callable_augmentation():
    X, y = _toy(n=16)
    calls = []

    def flip(X_batch, y_batch, rng):
        calls.append((X_batch.dtype, y_batch.dtype, type(rng)))
        return X_batch[:, :, ::-1], y_batch

    clf, batches = _one_batch_per_epoch(16, augmentation=flip)
    clf.fit(X, y)
    assert calls[0] == (np.float32, np.int64, np.random.RandomState)
    np.testing.assert_array_equal(batches.seen[0][0], X[:, :, ::-1])

    def bad_shape(X_batch, y_batch, rng):
        return X_batch[:, :, :5], y_batch

    with pytest.raises(ValueError, match="keep the input's shape"):
        _inception(n_steps=1, augmentation=bad_shape).fit(X, y)

    def bad_labels(X_batch, y_batch, rng):
        return X_batch, y_batch + 5

    with pytest.raises(ValueError, match="encoded labels"):
        _inception(n_steps=1, augmentation=bad_labels).fit(X, y)


@pytest.mark.parametrize("bad", [
    "jitter",
    SignalTransformAugmenter,
    [SignalTransformAugmenter(), 3],
    [None],
], ids=["string", "class", "list-with-int", "list-with-none"])
def test_bad_augmentation_is_a_type_error(bad):
    X, y = _toy(n=8)
    with pytest.raises(TypeError, match="augmentation"):
        _inception(n_steps=1, augmentation=bad).fit(X, y)


def test_offline_augmenter_is_a_type_error_that_says_where_it_goes():
    X, y = _toy(n=8)
    offline = MetricDisturbAugmenter(generator=None)
    with pytest.raises(TypeError, match="pipeline"):
        _inception(n_steps=1, augmentation=offline).fit(X, y)


def test_sampling_strategy_is_rejected():
    X, y = _toy(n=8)
    with pytest.raises(ValueError, match="sampling_strategy"):
        _inception(n_steps=1, augmentation=MixupAugmenter(sampling_strategy="minority")).fit(X, y)


def test_raw_window_transforms_on_spectrograms_raise_mixup_works():
    X, y = _toy(n=16, n_timesteps=64)
    S = SpectrogramTransformer(n_fft=16, hop_length=8).fit_transform(X)
    deepsense = DeepSenseClassifier(n_filters=4, hidden_size=4, n_steps=2, device="cpu",
                                    random_state=0)
    with pytest.raises(ValueError, match="raw windows"):
        clone(deepsense).set_params(augmentation=SignalTransformAugmenter()).fit(S, y)
    sats = SATSDUClassifier(widths=(4,), n_steps=2, device="cpu", random_state=0)
    with pytest.raises(ValueError, match="raw windows"):
        clone(sats).set_params(augmentation=[MixupAugmenter(), SignalTransformAugmenter()]).fit(S, y)
    # mixup works on spectrograms (and the SATS-DU on raw windows takes both)
    clone(deepsense).set_params(augmentation=MixupAugmenter(ratio=1.0)).fit(S, y)
    clone(sats).set_params(augmentation=[SignalTransformAugmenter(), MixupAugmenter()]).fit(X, y)


def test_params_route_and_clone():
    aug = SignalTransformAugmenter(transforms=["jitter"], ratio=1.0)
    clf = _inception(augmentation=aug)
    params = clf.get_params()
    assert params["augmentation__ratio"] == 1.0
    clf.set_params(augmentation__ratio=3.0, augmentation__transforms=["scaling"])
    assert clf.augmentation.ratio == 3.0 and clf.augmentation.transforms == ["scaling"]
    assert "augmentation__ratio" not in vars(clf)
    copy = clone(clf)
    assert copy.augmentation is not aug and copy.augmentation.ratio == 3.0
    X, y = _toy(n=8)
    copy.set_params(n_steps=2).fit(X, y)
    # fit works on a clone of the sampler: the parameter is left unfitted
    assert not hasattr(copy.augmentation, "classes_")
    with pytest.raises(ValueError, match="no parameters"):
        _inception().set_params(augmentation__ratio=2.0)


def test_grid_search_over_the_augmentation():
    X, y = _toy(n=32)
    clf = _inception(n_steps=4, augmentation=SignalTransformAugmenter(transforms=["jitter"]))
    search = GridSearchCV(clf, {"augmentation__ratio": [0.5, 2.0]}, cv=2,
                          error_score="raise").fit(X, y)
    ratio = search.best_params_["augmentation__ratio"]
    assert search.best_estimator_.augmentation.ratio == ratio
    # the nested value reached the fitted batch augmentation: a row is replaced with
    # probability ratio / (1 + ratio)
    (step,) = search.best_estimator_.augmentation_.steps
    assert step.p == pytest.approx(ratio / (1 + ratio))
    search = GridSearchCV(_inception(n_steps=4),
                          {"augmentation": [None, MixupAugmenter(ratio=1.0)]}, cv=2).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_partial_fit_and_pickle_with_augmentation():
    X, y = _toy(n=16)
    clf = _inception(n_steps=3, augmentation=[SignalTransformAugmenter(transforms=["jitter"]),
                                              MixupAugmenter()])
    clf.fit(X, y).partial_fit(X, y)
    assert clf.n_steps_ == 6
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("name", [*functional.TIME_TRANSFORMS, *functional.SPECTRAL_TRANSFORMS])
def test_every_transform_runs_on_the_fly(name):
    """The adapter calls each transform as the sampler would: a new one fails here first."""
    X, y = _toy(n=6, n_channels=3, n_timesteps=64)
    spectral = name in functional.SPECTRAL_TRANSFORMS
    params = dict(transforms=[] if spectral else [name], spectral_transforms=[name] if spectral else [],
                  modalities={"acc": [0, 1, 2]}, ratio=ALL_ROWS)
    if "fs" in SignalTransformAugmenter().get_params():
        params["fs"] = 32.0
    sampler = SignalTransformAugmenter(**params)
    aug = BatchAugmentation(sampler, X, y, 2, "time_series", "clf")
    Xb, yb = aug(X, y.astype(np.int64), np.random.RandomState(0))
    assert Xb.shape == X.shape and Xb.dtype == np.float32 and np.isfinite(Xb).all()
    assert not np.allclose(Xb, X)  # it transformed the rows
    np.testing.assert_array_equal(yb, y)


def test_mixup_hard_labels_are_the_larger_components():
    X, y = _toy(n=8)
    aug = BatchAugmentation(MixupAugmenter(alpha=1.0, ratio=ALL_ROWS, labels="hard"), X, y, 2,
                            "time_series", "clf")
    Xb, yb = aug(X, y.astype(np.int64), np.random.RandomState(1))
    rows, Xf = Xb.reshape(8, -1).astype(np.float64), X.reshape(8, -1).astype(np.float64)
    checked = 0
    for i in range(8):
        # row i is lambda * x_i + (1 - lambda) * x_j: find j and lambda by projection
        fits = []
        for j in range(8):
            d = Xf[i] - Xf[j]
            lam = 1.0 if j == i else float((rows[i] - Xf[j]) @ d / (d @ d))
            fits.append((np.abs(rows[i] - (lam * Xf[i] + (1 - lam) * Xf[j])).max(), lam, j))
        error, lam, j = min(fits)
        assert error < 1e-4
        if y[j] != y[i] and abs(lam - 0.5) > 1e-3:
            assert yb[i] == (y[i] if lam > 0.5 else y[j])
            checked += 1
    assert checked >= 2


def test_mixup_hard_labels_on_the_fly():
    X, y = _toy(n=16)
    clf, batches = _one_batch_per_epoch(16, augmentation=MixupAugmenter(ratio=ALL_ROWS,
                                                                        labels="hard"))
    clf.fit(X, y)
    for Xb, yb, _ in batches.seen:
        assert yb.shape == (16,) and yb.dtype == np.int64 and set(yb) <= {0, 1}
        assert not np.array_equal(Xb, X)


def test_settings_that_would_silently_train_wrong_are_refused():
    X, y = _toy(n=8)
    # NLLLoss takes log-probabilities; skorch would give it log(logits): NaN losses
    with pytest.raises(ValueError, match="criterion=NLLLoss takes log-probabilities"):
        _inception(n_steps=1, criterion=torch.nn.NLLLoss).fit(X, y)
    # skorch's "disable" drops every default callback, the clipping and schedule too
    for params in (dict(gradient_clip=1.0, recipe="paper"), dict(recipe="modern")):
        with pytest.raises(ValueError, match="callbacks='disable' drops"):
            _inception(n_steps=1, callbacks="disable", **params).fit(X, y)
    plain = _inception(n_steps=1, callbacks="disable", recipe="paper").fit(X, y)
    assert plain.callbacks_ == []


def test_partial_fit_checks_its_parameters_and_keeps_the_fits_training():
    X, y = _toy(n=8)
    clf = _inception(n_steps=2, recipe="modern").fit(X, y)
    with pytest.raises(InvalidParameterError, match="n_steps"):
        clf.set_params(n_steps=0).partial_fit(X, y)
    for changed in (dict(recipe="paper"), dict(gradient_clip=0.5)):
        again = _inception(n_steps=2, recipe="modern").fit(X, y).set_params(**changed)
        with pytest.raises(ValueError, match="changed since fit"):
            again.partial_fit(X, y)
    # unchanged, it trains on
    assert clf.set_params(n_steps=2).partial_fit(X, y).n_steps_ == 4
