"""Tests of the skorch downstream classifiers and the DU loss (tiny data, few epochs)."""

import inspect
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from skaugment.classifiers import (
    DeepSenseClassifier,
    DULoss,
    InceptionTimeClassifier,
    ResNetClassifier,
    SATSDUClassifier,
    TransformerClassifier,
)
from skaugment.classifiers._base import frame_mask, masked_mean
from skaugment.classifiers._deepsense import DeepSenseNetwork
from skaugment.classifiers._satsdu import SATSNetwork, SplitAttentionConv
from skaugment.classifiers._transformer import TransformerNetwork

TINY = dict(n_filters=4, hidden_size=6, max_epochs=2, batch_size=16, device="cpu")
TINY_BY_CLASS = {
    DeepSenseClassifier: TINY,
    TransformerClassifier: dict(d_model=8, nhead=2, num_layers=1, dim_feedforward=16, max_epochs=2,
                                batch_size=16, device="cpu"),
    SATSDUClassifier: dict(widths=(4, 8), max_epochs=2, batch_size=16, device="cpu"),
    # the networks of raw windows
    ResNetClassifier: dict(n_filters=(4, 4), kernel_sizes=(3,), max_epochs=2, batch_size=16,
                           device="cpu"),
    InceptionTimeClassifier: dict(n_filters=4, depth=3, kernel_sizes=(3, 5), bottleneck=4,
                                  max_epochs=2, batch_size=16, device="cpu"),
}
ALL = list(TINY_BY_CLASS)
DEFAULT_STEPS = {ResNetClassifier: 500, InceptionTimeClassifier: 300}


def _tiny_data(cls, n=32):
    """``_tiny_spectrograms``, flattened to windows ``(n, 2, 20)`` for a raw-window network."""
    S, y = _tiny_spectrograms(n=n)
    return (S.reshape(n, S.shape[1], -1), y) if cls._input_kind == "time_series" else (S, y)


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
    with pytest.raises(ValueError, match="at least 2 classes in y; y holds 1 class"):
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


def test_architecture_parameters_reach_the_network_after_clone_and_set_params():
    S, y = _tiny_spectrograms()
    clf = DeepSenseClassifier(**{**TINY, "hidden_size": 5}, random_state=0)
    cloned = clone(clf)
    assert cloned.get_params()["hidden_size"] == 5
    assert cloned.fit(S, y).module_.network.gru.hidden_size == 5
    cloned.set_params(hidden_size=7, kernel_size=5).fit(S, y)
    assert cloned.module_.network.gru.hidden_size == 7
    assert cloned.module_.network.modality_convs[0][0].kernel_size == (5, 1)


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


# -- all three classifiers -------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_contract_all_classifiers(cls):
    S, y = _tiny_data(cls)
    kw = TINY_BY_CLASS[cls]
    clf = cls(**kw, random_state=0).fit(S, y)
    proba = clf.predict_proba(S)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert list(clf.classes_) == ["sit", "walk"]
    np.testing.assert_array_equal(clf.predict(S), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_array_equal(cls(**kw, random_state=0).fit(S, y).predict_proba(S), proba)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(S), proba)
    with pytest.raises(ValueError, match="1 channels, but 2 were seen at fit"):
        clf.predict(S[:, :1])
    with pytest.raises(NotFittedError):
        cls(**kw).predict_proba(S)


def test_transformer_padded_frames_do_not_change_output():
    torch.manual_seed(0)
    net = TransformerNetwork({"a": [0], "b": [1, 2]}, n_freqs=5, n_frames=6, n_classes=3, d_model=8, nhead=2).eval()
    x = torch.randn(2, 3, 5, 4)
    padded = torch.cat([x, torch.randn(2, 3, 5, 2) * 100], dim=-1)
    with torch.no_grad():
        ref = net(x)
        out = net(padded, lengths=torch.tensor([4, 4]))
    torch.testing.assert_close(out, ref)
    enc = TransformerClassifier(modalities={"a": [0], "b": [1]}, **TINY_BY_CLASS[TransformerClassifier],
                                random_state=0).fit(*_tiny_spectrograms())
    assert len(enc.module_.network.encoders) == 2
    with pytest.raises(ValueError, match="divisible by nhead"):
        TransformerClassifier(d_model=6, nhead=4).fit(*_tiny_spectrograms())


def test_satsdu_raw_windows_and_one_channel_2d():
    from skaugment.datasets import make_synthetic_imu

    X, y = make_synthetic_imu(n_samples=48, n_channels=2, n_timesteps=64, n_classes=2, f0=[2.0, 8.0],
                              random_state=0)
    clf = SATSDUClassifier(widths=(8, 16), max_epochs=8, lr=1e-2, batch_size=16, device="cpu",
                           random_state=0).fit(X, y)
    assert clf.input_mode_ == "time_series" and clf.input_shape_ == (2, 64)
    assert isinstance(clf.criterion_, DULoss)
    np.testing.assert_allclose(clf.input_mean_, X.mean(axis=(0, 2)), atol=1e-5)
    X_test, y_test = make_synthetic_imu(n_samples=48, n_channels=2, n_timesteps=64, n_classes=2,
                                        f0=[2.0, 8.0], random_state=1)
    assert clf.score(X_test, y_test) > 0.9
    with pytest.raises(ValueError, match="32 timesteps, but 64 were seen at fit"):
        clf.predict(X[:, :, :32])
    one = SATSDUClassifier(widths=(4,), max_epochs=1, device="cpu", random_state=0).fit(X[:, 0], y)
    assert one.input_shape_ == (1, 64)
    assert one.predict(X[:5, 0]).shape == (5,)
    with pytest.raises(ValueError, match="divisible by radix"):
        SATSDUClassifier(widths=(5,)).fit(X, y)


def test_satsdu_modalities_one_stem_each_merged_before_the_blocks():
    S, y = _tiny_spectrograms(n_channels=3)
    kw = TINY_BY_CLASS[SATSDUClassifier]
    clf = SATSDUClassifier(modalities={"acc": [0, 1], "gyro": [2]}, **kw, random_state=0).fit(S, y)
    net = clf.module_.network
    assert clf.modalities_ == {"acc": [0, 1], "gyro": [2]}
    assert [stem[0].in_channels for stem in net.stems] == [2, 1]
    assert net.merge[0].in_channels == 2 * kw["widths"][0]
    assert net.merge[0].out_channels == kw["widths"][0]
    single = SATSDUClassifier(**kw, random_state=0).fit(S, y).module_.network
    assert [stem[0].in_channels for stem in single.stems] == [3]
    assert isinstance(single.merge, torch.nn.Identity)
    with pytest.raises(ValueError, match="belong to no modality"):
        SATSDUClassifier(modalities={"acc": [0, 1]}, **kw).fit(S, y)
    with pytest.raises(ValueError, match="outside 0..2"):
        SATSDUClassifier(modalities={"acc": [0, 1], "gyro": [2, 3]}, **kw).fit(S, y)
    with pytest.raises(ValueError, match="modalities"):
        SATSDUClassifier(modalities=[[0, 1], [2]], **kw).fit(S, y)


@pytest.mark.parametrize("n_dims", [1, 2])
def test_satsdu_stem_of_a_modality_reads_only_its_channels(n_dims):
    torch.manual_seed(0)
    # listed out of channel order, so reading the wrong indices shows
    net = SATSNetwork({"a": [2], "b": [0, 1]}, n_classes=2, n_dims=n_dims, widths=(4,)).eval()
    merged = []
    net.merge.register_forward_hook(lambda module, inputs, output: merged.append(inputs[0]))
    x = torch.randn(3, 3, *([5, 4] if n_dims == 2 else [16]))
    changed = x.clone()
    changed[:, 0] += 1.0  # a channel of modality "b" only
    with torch.no_grad():
        net(x), net(changed)
    torch.testing.assert_close(merged[0][:, :4], merged[1][:, :4])  # modality "a" untouched
    assert not torch.allclose(merged[0][:, 4:], merged[1][:, 4:])


# -- one set of architecture parameters ------------------------------------------------

ARCHITECTURE = {
    DeepSenseClassifier: ("modalities", "n_filters", "kernel_size", "hidden_size", "num_layers",
                          "conv_dropout", "gru_dropout"),
    TransformerClassifier: ("modalities", "d_model", "nhead", "num_layers", "dim_feedforward", "dropout"),
    SATSDUClassifier: ("modalities", "widths", "radix", "cardinality", "dropout"),
    ResNetClassifier: ("n_filters", "kernel_sizes"),
    InceptionTimeClassifier: ("n_filters", "depth", "kernel_sizes", "bottleneck", "residual"),
}


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_signature_declares_the_architecture_and_stores_every_parameter(cls):
    assert cls._architecture_param_names() == ARCHITECTURE[cls]
    # every knob is validated at fit
    assert set(ARCHITECTURE[cls]) <= set(cls._parameter_constraints)
    signature = inspect.signature(cls.__init__)
    named = [p for p in signature.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD]
    sentinels = {p.name: object() for p in named}
    params = cls(**sentinels, optimizer__eps=1e-7).get_params(deep=False)
    assert all(params[name] is value for name, value in sentinels.items())
    assert params["optimizer__eps"] == 1e-7
    # public signatures are annotated
    assert all(p.annotation is not p.empty for p in signature.parameters.values() if p.name != "self")
    for method in ("fit", "predict", "predict_proba"):
        assert inspect.signature(getattr(cls, method)).return_annotation is not inspect.Signature.empty


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_module_params_are_rejected_with_the_parameter_to_use(cls):
    S, y = _tiny_data(cls)
    kw = TINY_BY_CLASS[cls]
    knob = ARCHITECTURE[cls][1]
    value = kw.get(knob, 2)
    expected = f"module__{knob} duplicates {cls.__name__}'s own parameter {knob}: pass {knob}="
    with pytest.raises(ValueError, match=expected):
        cls(**kw, **{f"module__{knob}": value}).fit(S, y)
    with pytest.raises(ValueError, match=expected):
        cls(**kw).set_params(**{f"module__{knob}": value}).fit(S, y)
    fitted = cls(**kw, random_state=0).fit(S, y)
    with pytest.raises(ValueError, match=expected):  # skorch rebuilds a fitted network at once
        fitted.set_params(**{f"module__{knob}": value})
    # data-derived or unknown network arguments: not a second way in either
    with pytest.raises(ValueError, match="module__ parameters are not accepted, got module__n_classes"):
        cls(**kw, module__n_classes=3).fit(S, y)
    with pytest.raises(ValueError, match="module must be None"):
        cls(**kw, module=torch.nn.Linear).fit(S, y)


# -- verbose ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_verbose_zero_prints_nothing(cls, capsys):
    S, y = _tiny_data(cls)
    clf = cls(**TINY_BY_CLASS[cls], random_state=0).fit(S, y)
    clf.fit(S, y)  # a refit is no "re-initializing" notice either
    clf.partial_fit(S, y)
    clf.predict(S)
    assert capsys.readouterr() == ("", "")


def test_verbose_one_is_a_progress_bar_two_adds_the_epoch_table(capsys):
    S, y = _tiny_spectrograms()
    clf = DeepSenseClassifier(**TINY, verbose=1, random_state=0).fit(S, y)
    clf.fit(S, y)
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("DeepSenseClassifier fit") >= 2 and "2/2" in err and "train_loss=" in err
    clf.set_params(verbose=2).fit(S, y)
    out, err = capsys.readouterr()
    assert "train_loss" in out and len([line for line in out.splitlines() if line.strip()[:1] in "12"]) == 2
    assert "DeepSenseClassifier fit" in err


@pytest.mark.parametrize("radix", [1, 2, 4])
def test_split_attention_weights(radix):
    torch.manual_seed(0)
    block = SplitAttentionConv(8, 8, n_dims=2, radix=radix, cardinality=2).eval()
    x = torch.randn(3, 8, 5, 4)
    out = block(x)
    assert out.shape == (3, 8, 5, 4)
    assert block.fc1.out_channels == max(8 * radix // 4, 32)
    # Recompute the attention: softmax over radix sums to 1 per channel (sigmoid if radix=1).
    with torch.no_grad():
        u = torch.relu(block.bn(block.conv(x))).view(3, radix, 8, 5, 4)
        logits = block.fc2(torch.relu(block.fc1(u.sum(1).mean((2, 3), keepdim=True))))
        logits = logits.view(3, 2, radix, -1).transpose(1, 2)
        attn = torch.softmax(logits, 1) if radix > 1 else torch.sigmoid(logits)
        if radix > 1:
            torch.testing.assert_close(attn.sum(1), torch.ones(3, 2, 4))
        expected = (u * attn.reshape(3, radix, 8, 1, 1)).sum(1)
        torch.testing.assert_close(out, expected)


# -- DU loss ---------------------------------------------------------------------------


def _du_by_hand(logits, target, tau, eps, gamma, alpha):
    z = logits.detach().numpy().astype(np.float64)
    t = target.numpy()
    n, k = z.shape
    log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
    onehot = np.eye(k)[t]
    sl = -(log_p * ((1 - eps) * onehot + eps / k)).sum(1).mean()
    p_t = np.exp(log_p[np.arange(n), t])
    fl = (-alpha * (1 - p_t) ** gamma * np.log(p_t)).mean()
    ce = -np.log(p_t).mean()
    acc = (z.argmax(1) == t).mean()
    w1 = np.clip(2 - tau - 1 / (acc + 1e-8), 0, 1)
    w0 = w2 = 0.5 * (1 - w1)
    return w0 * sl + w1 * fl + w2 * ce, (w0, w1, w2)


@pytest.mark.parametrize(
    "target, expected_weights",
    [
        ([0, 1, 2, 1], (0.125, 0.75, 0.125)),  # all right: w1 = 2 - tau - 1 = 0.75 (tau=0.25)
        ([1, 2, 0, 0], (0.5, 0.0, 0.5)),  # all wrong: w1 = -inf clipped to 0
        ([0, 1, 2, 0], (7 / 24, 5 / 12, 7 / 24)),  # acc 0.75: w1 = 1.75 - 4 / 3 = 5 / 12
        ([0, 0, 0, 0], (0.5, 0.0, 0.5)),  # acc 0.25 < 1 / (2 - tau): w1 < 0, clipped to 0
    ],
)
def test_du_loss_against_hand_computation(target, expected_weights):
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 1.5, 0.3], [-0.5, 0.2, 3.0], [0.0, 2.0, 1.0]],
                          requires_grad=True)
    target = torch.tensor(target)
    loss = DULoss(tau=0.25, smoothing=0.2, focal_gamma=2.0, focal_alpha=0.5)
    value = loss(logits, target)
    expected, weights = _du_by_hand(logits, target, 0.25, 0.2, 2.0, 0.5)
    np.testing.assert_allclose(loss.last_weights_, expected_weights, atol=1e-6)
    np.testing.assert_allclose(weights, expected_weights, atol=1e-6)
    np.testing.assert_allclose(value.item(), expected, rtol=1e-5)
    value.backward()
    assert torch.isfinite(logits.grad).all()


def test_du_loss_weights_formula_and_stability():
    loss = DULoss(tau=0.5)
    # acc 0.9: w1 = 1.5 - 1/0.9 = 0.3889
    w0, w1, w2 = loss.weights(0.9)
    assert w1 == pytest.approx(1.5 - 1 / 0.9, rel=1e-6) and w0 == w2 == pytest.approx(0.5 * (1 - w1))
    assert loss.weights(0.0) == (0.5, 0.0, 0.5)
    assert sum(loss.weights(0.95)) == pytest.approx(1.0)
    # Extreme logits: finite loss and gradient (log-softmax, expm1).
    logits = torch.tensor([[1e4, -1e4], [-1e4, 1e4]], requires_grad=True)
    value = loss(logits, torch.tensor([0, 0]))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()
    with pytest.raises(ValueError, match="tau"):
        DULoss(tau=1.5)


def test_classes_param_partial_fit_and_device():
    S, y = _tiny_spectrograms()
    clf = DeepSenseClassifier(**TINY, classes=["run", "sit", "walk"], random_state=0).fit(S, y)
    assert list(clf.classes_) == ["run", "sit", "walk"] and clf.predict_proba(S).shape == (len(S), 3)
    with pytest.raises(ValueError, match="not in classes"):
        clone(clf).fit(S, np.where(y == "sit", "jump", y))
    n_epochs = len(clf.history)
    clf.partial_fit(S, y)
    assert len(clf.history) == n_epochs + TINY["max_epochs"]
    with pytest.raises(ValueError, match="not seen at fit"):
        clf.partial_fit(S, np.where(y == "sit", "jump", y))
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            DeepSenseClassifier(**{**TINY, "device": "cuda"}).fit(S, y)
    sats = SATSDUClassifier(**TINY_BY_CLASS[SATSDUClassifier], random_state=0).fit(S, y)
    assert sats.input_mode_ == "spectrogram" and sats.input_shape_ == (2, 5, 4)
    assert isinstance(sats.module_.network.stems[0][0], torch.nn.Conv2d)


# -- training budget: max_epochs="auto" and n_steps -------------------------------------


class _StepCounter(Callback):
    """Counts the optimizer steps (one per training batch)."""

    def initialize(self):
        self.n_steps = 0
        return self

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            self.n_steps += 1


def _counted(cls, **params):
    counter = _StepCounter().initialize()
    kw = {**TINY_BY_CLASS[cls], **params}
    return cls(**kw, callbacks=[("count", counter)], random_state=0), counter


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_defaults_are_a_step_budget(cls):
    clf = cls()
    assert clf.max_epochs == "auto" and clf.n_steps == DEFAULT_STEPS.get(cls, 1500)
    assert clone(clf).get_params()["max_epochs"] == "auto"


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_auto_budget_takes_exactly_n_steps(cls):
    S, y = _tiny_data(cls, n=40)
    # 40 rows in batches of 8: 5 batches per epoch; 12 steps -> 3 epochs, the last cut at 2.
    clf, counter = _counted(cls, max_epochs="auto", n_steps=12, batch_size=8)
    clf.fit(S, y)
    assert counter.n_steps == 12
    assert (clf.n_epochs_, clf.n_steps_, len(clf.history)) == (3, 12, 3)
    assert list(clf.history[:, "train_batch_count"]) == [5, 5, 2]
    # The parameter is left as given, so clone/get_params stay right.
    assert clf.get_params()["max_epochs"] == "auto"


def test_auto_budget_same_steps_for_six_times_the_data():
    S, y = _tiny_spectrograms(n=40)
    S6, y6 = np.concatenate([S] * 6), np.concatenate([y] * 6)
    # 5 batches per epoch on x1, 30 on x6: 33 steps are 7 epochs (the last of 3 batches)
    # and 2 epochs (the last of 3 batches); whole epochs would have given 35 and 60
    one, count_one = _counted(DeepSenseClassifier, max_epochs="auto", n_steps=33, batch_size=8)
    six, count_six = _counted(DeepSenseClassifier, max_epochs="auto", n_steps=33, batch_size=8)
    one.fit(S, y)
    six.fit(S6, y6)
    assert count_one.n_steps == count_six.n_steps == one.n_steps_ == six.n_steps_ == 33
    assert (one.n_epochs_, six.n_epochs_) == (7, 2)


def test_int_max_epochs_keeps_skorch_meaning_and_ignores_n_steps():
    S, y = _tiny_spectrograms(n=40)
    clf, counter = _counted(DeepSenseClassifier, max_epochs=2, n_steps=1000, batch_size=8)
    clf.fit(S, y)
    assert (clf.n_epochs_, clf.n_steps_, counter.n_steps) == (2, 10, 10)
    zero = DeepSenseClassifier(**{**TINY, "max_epochs": 0}, random_state=0).fit(S, y)
    assert (zero.n_epochs_, zero.n_steps_) == (0, 0)


def test_auto_budget_counts_batches_after_train_split_and_partial_fit():
    from skorch.dataset import ValidSplit

    S, y = _tiny_spectrograms(n=40)
    # 30 training rows after the split: 4 batches of 8 per epoch; 8 steps -> 2 epochs.
    clf, counter = _counted(DeepSenseClassifier, n_steps=8, batch_size=8,
                            train_split=ValidSplit(0.25, stratified=True, random_state=0))
    clf.fit(S, y)
    assert (clf.n_epochs_, clf.n_steps_, counter.n_steps) == (2, 8, 8)
    assert all(epoch["valid_batch_count"] == 2 for epoch in clf.history)
    # partial_fit trains one more budget; the fitted attributes count the whole history.
    clf.partial_fit(S, y)
    assert (clf.n_epochs_, clf.n_steps_) == (4, 16)


def test_budget_params_validated():
    from sklearn.utils._param_validation import InvalidParameterError

    S, y = _tiny_spectrograms()
    for params in ({"max_epochs": "longer"}, {"max_epochs": -1}, {"n_steps": 0}, {"n_steps": 2.5}):
        with pytest.raises(InvalidParameterError, match=next(iter(params))):
            DeepSenseClassifier(**{**TINY, **params}).fit(S, y)


# -- soft labels ------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_one_hot_distribution_trains_the_same_model_as_labels(cls):
    from skaugment.utils._labels import one_hot_distribution

    S, y = _tiny_data(cls)
    kw = TINY_BY_CLASS[cls]
    hard = cls(**kw, random_state=0).fit(S, y)
    soft = cls(**kw, random_state=0).fit(S, one_hot_distribution(y))
    np.testing.assert_allclose(soft.predict_proba(S), hard.predict_proba(S), atol=1e-6)
    np.testing.assert_array_equal(soft.classes_, hard.classes_)
    pred = soft.predict(S)
    assert pred.dtype.kind == "U" and set(pred) <= {"sit", "walk"}
    # Columns in another order name the same classes: the same model again.
    swapped = one_hot_distribution(y, classes=["walk", "sit"])
    again = cls(**kw, random_state=0).fit(S, swapped)
    np.testing.assert_allclose(again.predict_proba(S), hard.predict_proba(S), atol=1e-6)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(soft)).predict(S), pred)


@pytest.mark.parametrize("cls", [DeepSenseClassifier, TransformerClassifier],
                         ids=lambda c: c.__name__)
def test_one_hot_distribution_trains_as_labels_under_class_weights(cls):
    """torch normalises a class-weighted loss of labels by the rows' weights; the
    classifiers do the same for class probabilities (before: by the number of rows)."""
    from skaugment.utils._labels import one_hot_distribution

    S, y = _tiny_spectrograms()
    weighted = dict(TINY_BY_CLASS[cls], criterion__weight=torch.tensor([1.0, 5.0]),
                    random_state=0)
    hard = cls(**weighted).fit(S, y)
    soft = cls(**weighted).fit(S, one_hot_distribution(y))
    np.testing.assert_allclose(soft.history[:, "train_loss"], hard.history[:, "train_loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(soft.predict_proba(S), hard.predict_proba(S), atol=1e-5)


def test_soft_labels_reach_the_cross_entropy_optimum():
    """Every row (0.7, 0.3): cross-entropy is minimal at p = (0.7, 0.3), beyond hard labels."""
    from skaugment.utils._labels import label_distribution

    S, _ = _tiny_spectrograms()
    q = label_distribution(np.tile([0.7, 0.3], (len(S), 1)), classes=["sit", "walk"])
    clf = DeepSenseClassifier(**{**TINY, "max_epochs": "auto"}, n_steps=100, lr=1e-2,
                              random_state=0).fit(S, q)
    proba = clf.predict_proba(S)
    np.testing.assert_allclose(proba[:, 0], 0.7, atol=0.02)
    assert set(clf.predict(S)) == {"sit"}


def test_soft_label_class_names():
    from skaugment.utils._labels import label_distribution

    S, y = _tiny_spectrograms()
    table = np.eye(2)[(y == "walk").astype(int)]
    # Plain array: columns 0..K-1, or the classes parameter in its own order.
    plain = DeepSenseClassifier(**TINY, random_state=0).fit(S, table)
    assert plain.classes_.tolist() == [0, 1]
    named = DeepSenseClassifier(**TINY, classes=["walk", "sit"], random_state=0).fit(S, table[:, ::-1])
    assert named.classes_.tolist() == ["sit", "walk"]
    np.testing.assert_allclose(named.predict_proba(S), plain.predict_proba(S), atol=1e-6)
    # A distribution over a subset of the classes parameter gets zero columns for the rest.
    sub = label_distribution(table, classes=["sit", "walk"])
    wide = DeepSenseClassifier(**TINY, classes=["run", "sit", "walk"], random_state=0).fit(S, sub)
    assert wide.classes_.tolist() == ["run", "sit", "walk"] and wide.predict_proba(S).shape == (len(S), 3)
    with pytest.raises(ValueError, match=r"classes \['jump'\] that are not in"):
        DeepSenseClassifier(**TINY, classes=["sit", "walk"]).fit(
            S, label_distribution(table, classes=["sit", "jump"]))
    # partial_fit takes soft labels after hard ones, and the reverse.
    hard = DeepSenseClassifier(**TINY, random_state=0).fit(S, y)
    hard.partial_fit(S, sub)
    plain.partial_fit(S, (y == "walk").astype(int))
    assert hard.n_epochs_ == plain.n_epochs_ == 2 * TINY["max_epochs"]


@pytest.mark.parametrize(
    "row, match",
    [
        ([0.25, 0.25], r"rows must sum to 1.*row\(s\) 3 sum to 0.5"),
        ([1.5, -0.5], r"negative probabilities in row\(s\) 3"),
        ([np.nan, 1.0], r"NaN or infinity in row\(s\) 3"),
    ],
)
def test_invalid_soft_labels_raise(row, match):
    S, y = _tiny_spectrograms()
    table = np.eye(2)[(y == "walk").astype(int)]
    table[3] = row
    with pytest.raises(ValueError, match=match):
        DeepSenseClassifier(**TINY).fit(S, table)


def test_soft_label_shape_errors():
    from skaugment.utils._labels import label_distribution

    S, y = _tiny_spectrograms()
    table = np.eye(3)[np.arange(len(S)) % 3]
    with pytest.raises(ValueError, match="3 columns .* but 2 classes were given"):
        DeepSenseClassifier(**TINY, classes=["sit", "walk"]).fit(S, table)
    with pytest.raises(ValueError, match="labels but X has"):
        DeepSenseClassifier(**TINY).fit(S, label_distribution(table[:-1]))
    with pytest.raises(ValueError, match="class probabilities"):
        DeepSenseClassifier(**TINY).fit(S, np.array([["a", "b"]] * len(S)))
    clf = DeepSenseClassifier(**TINY, random_state=0).fit(S, y)
    with pytest.raises(ValueError, match="3 columns .* but 2 classes"):
        clf.partial_fit(S, table)


def test_soft_labels_with_stratified_split_and_validation_score():
    from skorch.dataset import ValidSplit

    from skaugment.utils._labels import label_distribution

    S, y = _tiny_spectrograms(n=40)
    walk = (y == "walk").astype(float)
    q = label_distribution(np.c_[0.8 - 0.6 * walk, 0.2 + 0.6 * walk], classes=["sit", "walk"])
    clf = DeepSenseClassifier(**TINY, random_state=0,
                              train_split=ValidSplit(0.25, stratified=True, random_state=0)).fit(S, q)
    assert 0.0 <= clf.history[-1, "valid_acc"] <= 1.0
    assert np.isfinite(clf.history[-1, "valid_loss"])


def test_du_loss_soft_targets():
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 1.5, 0.3], [-0.5, 0.2, 3.0], [0.0, 2.0, 1.0]],
                          requires_grad=True)
    target = torch.tensor([0, 1, 0, 2])
    loss = DULoss(tau=0.25, smoothing=0.2, focal_gamma=2.0, focal_alpha=0.5)
    hard = loss(logits, target)
    hard_weights = loss.last_weights_
    soft = loss(logits, torch.nn.functional.one_hot(target, 3).float())
    assert torch.equal(soft, hard) and loss.last_weights_ == hard_weights

    # Non-degenerate rows against a float64 reference of the documented formulas.
    q = torch.tensor([[0.6, 0.4, 0.0], [0.0, 1.0, 0.0], [0.3, 0.3, 0.4], [0.1, 0.2, 0.7]])
    value = loss(logits, q)
    z = logits.detach().numpy().astype(np.float64)
    qn = q.numpy().astype(np.float64)
    log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
    p = np.exp(log_p)
    sl = -(log_p * (0.8 * qn + 0.2 / 3)).sum(1).mean()
    fl = -(0.5 * qn * (1 - p) ** 2 * log_p).sum(1).mean()
    ce = -(qn * log_p).sum(1).mean()
    acc = (z.argmax(1) == qn.argmax(1)).mean()  # 3 of 4
    w1 = np.clip(2 - 0.25 - 1 / (acc + 1e-8), 0, 1)
    w0 = w2 = 0.5 * (1 - w1)
    np.testing.assert_allclose(loss.last_weights_, (w0, w1, w2), atol=1e-6)
    np.testing.assert_allclose(value.item(), w0 * sl + w1 * fl + w2 * ce, rtol=1e-5)
    value.backward()
    assert torch.isfinite(logits.grad).all()
    with pytest.raises(ValueError, match="logits' shape"):
        loss(logits, q[:, :2])
