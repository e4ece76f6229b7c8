"""Tests of the skorch downstream classifiers and the DU loss (tiny data, few epochs)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skaugment.classifiers import DeepSenseClassifier
from skaugment.classifiers._base import frame_mask, masked_mean
from skaugment.classifiers._deepsense import DeepSenseNetwork

TINY = dict(n_filters=4, hidden_size=6, max_epochs=2, batch_size=16, device="cpu")


def _tiny_spectrograms(n=32, n_channels=2, n_freqs=5, n_frames=4, seed=0):
    """Two classes told apart by the energy in frequency bin 1."""
    rng = np.random.default_rng(seed)
    S = rng.random((n, n_channels, n_freqs, n_frames)).astype(np.float32)
    y = np.array(["walk", "sit"])[np.arange(n) % 2]
    S[y == "walk", :, 1] += 2.0
    return S, y


# -- masked mean -----------------------------------------------------------------------


def test_masked_mean_matches_mean_over_valid_frames():
    h = torch.arange(24, dtype=torch.float32).reshape(2, 4, 3)
    out = masked_mean(h, torch.tensor([4, 2]))
    torch.testing.assert_close(out[0], h[0].mean(0))
    torch.testing.assert_close(out[1], h[1, :2].mean(0))
    torch.testing.assert_close(masked_mean(h), h.mean(1))
    assert frame_mask(None, 4) is None


def test_deepsense_padded_frames_do_not_change_output():
    torch.manual_seed(0)
    net = DeepSenseNetwork({"a": [0, 1], "b": [2]}, n_freqs=5, n_classes=3, n_filters=4, hidden_size=6).eval()
    x = torch.randn(3, 3, 5, 4)
    junk = torch.randn(3, 3, 5, 2) * 100
    padded = torch.cat([x, junk], dim=-1)
    with torch.no_grad():
        ref = net(x)
        out = net(padded, lengths=torch.tensor([4, 4, 4]))
        full = net(padded)
    torch.testing.assert_close(out, ref)
    assert not torch.allclose(full, ref)


def test_deepsense_gru_runs_over_frames_not_batch():
    """A sample's logits must not depend on the other samples of the batch."""
    torch.manual_seed(0)
    net = DeepSenseNetwork({"all": [0, 1]}, n_freqs=5, n_classes=2, n_filters=4, hidden_size=6).eval()
    x = torch.randn(4, 2, 5, 3)
    with torch.no_grad():
        together = net(x)
        alone = torch.cat([net(x[i : i + 1]) for i in range(4)])
    torch.testing.assert_close(together, alone)


# -- classifier contract ---------------------------------------------------------------


def test_deepsense_fit_predict_string_labels():
    S, y = _tiny_spectrograms()
    clf = DeepSenseClassifier(**TINY, random_state=0).fit(S, y)
    proba = clf.predict_proba(S)
    assert proba.shape == (len(S), 2) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert list(clf.classes_) == ["sit", "walk"]
    pred = clf.predict(S)
    assert set(pred) <= {"sit", "walk"}
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.input_shape_ == (2, 5, 4)
    assert clf.modalities_ == {"all": [0, 1]}
    assert 0.0 <= clf.score(S, y) <= 1.0


def test_input_scaling_learned_at_fit():
    S, y = _tiny_spectrograms()
    clf = DeepSenseClassifier(**TINY, random_state=0).fit(S * 10, y)
    logS = np.log1p(S.astype(np.float64) * 10)
    np.testing.assert_allclose(clf.input_mean_, logS.mean(axis=(0, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(clf.input_std_, logS.std(axis=(0, 2, 3)), rtol=1e-5)
    scaled = clf.module_.scaler(torch.as_tensor(S * 10)).numpy()
    np.testing.assert_allclose(scaled.mean(axis=(0, 2, 3)), 0.0, atol=1e-4)
    np.testing.assert_allclose(scaled.std(axis=(0, 2, 3)), 1.0, atol=1e-3)


def test_same_random_state_same_predictions_different_differs():
    S, y = _tiny_spectrograms()
    before = torch.random.get_rng_state()
    p1 = DeepSenseClassifier(**TINY, random_state=3).fit(S, y).predict_proba(S)
    assert torch.equal(before, torch.random.get_rng_state()), "global torch RNG was touched"
    p2 = DeepSenseClassifier(**TINY, random_state=3).fit(S, y).predict_proba(S)
    p3 = DeepSenseClassifier(**TINY, random_state=4).fit(S, y).predict_proba(S)
    np.testing.assert_array_equal(p1, p2)
    assert not np.allclose(p1, p3)


def test_deepsense_learns_separable_problem():
    S, y = _tiny_spectrograms(n=64)
    clf = DeepSenseClassifier(
        n_filters=8, hidden_size=8, max_epochs=15, lr=1e-2, batch_size=16, device="cpu", random_state=0
    ).fit(S, y)
    S_test, y_test = _tiny_spectrograms(n=64, seed=1)
    assert clf.score(S_test, y_test) > 0.9


def test_modalities_build_one_stack_per_modality():
    S, y = _tiny_spectrograms(n_channels=3)
    clf = DeepSenseClassifier(modalities={"acc": [0, 1], "gyro": [2]}, **TINY, random_state=0).fit(S, y)
    convs = clf.module_.network.modality_convs
    assert [c[0].in_channels for c in convs] == [2, 1]
    with pytest.raises(ValueError, match="belong to no modality"):
        DeepSenseClassifier(modalities={"acc": [0, 1]}, **TINY).fit(S, y)


def test_not_fitted_and_bad_input():
    S, y = _tiny_spectrograms()
    clf = DeepSenseClassifier(**TINY, random_state=0)
    with pytest.raises(NotFittedError):
        clf.predict(S)
    bad = S.copy()
    bad[[3, 7], 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="sample\\(s\\) 3, 7"):
        clf.fit(bad, y)
    with pytest.raises(ValueError, match="4-D"):
        clf.fit(S[:, 0], y)
    with pytest.raises(ValueError, match="non-negative"):
        clf.fit(S - 1.0, y)
    with pytest.raises(ValueError, match="labels but X has"):
        clf.fit(S, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(S, np.zeros(len(S)))
    with pytest.raises(ValueError, match="lr"):
        clone(clf).set_params(lr=-1.0).fit(S, y)
    clf.fit(S, y)
    with pytest.raises(ValueError, match="3 channels, but 2 were seen at fit"):
        clf.predict(np.concatenate([S, S[:, :1]], axis=1))
    with pytest.raises(ValueError, match=r"\(2, 5, 3\), but \(2, 5, 4\) was seen at fit"):
        clf.predict(S[..., :3])
    with pytest.raises(ValueError, match="sample\\(s\\) 3, 7"):
        clf.predict(bad)


def test_pickle_and_save_load_params(tmp_path):
    S, y = _tiny_spectrograms()
    clf = DeepSenseClassifier(**TINY, random_state=0).fit(S, y)
    proba = clf.predict_proba(S)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(S), proba)
    np.testing.assert_array_equal(restored.predict(S), clf.predict(S))

    clf.save_params(f_params=tmp_path / "params.pt")
    # A new instance learns shape and classes from data, then takes the saved weights
    # and scaling statistics (skorch loads them with torch.load(weights_only=True)).
    fresh = DeepSenseClassifier(**TINY, random_state=1).initialize(S[:4] * 3 + 1, y[:4])
    fresh.load_params(f_params=tmp_path / "params.pt")
    np.testing.assert_array_equal(fresh.predict_proba(S), proba)
    np.testing.assert_allclose(fresh.input_mean_, clf.input_mean_)
    with pytest.raises(ValueError, match="initialize\\(X, y\\)"):
        DeepSenseClassifier(**TINY).initialize()


def test_clone_and_module_params_routed():
    S, y = _tiny_spectrograms()
    clf = DeepSenseClassifier(**TINY, random_state=0, module__hidden_size=5)
    cloned = clone(clf)
    assert cloned.get_params()["module__hidden_size"] == 5
    cloned.fit(S, y)
    assert cloned.module_.network.gru.hidden_size == 5


def test_early_stopping_with_train_split():
    from skorch.callbacks import EarlyStopping
    from skorch.dataset import ValidSplit

    S, y = _tiny_spectrograms(n=40)
    clf = DeepSenseClassifier(
        n_filters=4,
        hidden_size=6,
        max_epochs=30,
        lr=1e-5,
        device="cpu",
        random_state=0,
        train_split=ValidSplit(0.25, stratified=True, random_state=0),
        callbacks=[EarlyStopping(monitor="valid_acc", lower_is_better=False, patience=2)],
    ).fit(S, y)
    assert len(clf.history) < 30
    assert 0.0 <= clf.history[-1, "valid_acc"] <= 1.0
