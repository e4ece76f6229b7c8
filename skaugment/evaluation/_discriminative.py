"""Discriminative score: how well can a classifier tell synthetic from real samples?

Two discriminators: gradient boosting on tabular features, cross-validated, and
SenseGen's LSTM on the samples themselves, scored on a held-out part. Both work on
raw windows ``(n, c, t)`` and on magnitude spectrograms ``(n, c, F, T)``.
"""

import numbers
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from ..spectral._features import (
    _FEATURE_SETS,
    _WINDOW_FEATURE_SETS,
    spectrogram_features,
    window_features,
)
from ..utils import check_spectrogram, check_time_series
from ..utils._validation import check_rng, draw_seed

__all__ = ["discriminative_score"]

_METHODS = ("boosting", "lstm")

# Training budget of the default LSTM discriminator: SenseGen trained 200 epochs; 500
# steps of 64 windows learn an obvious difference on a few hundred windows and keep
# the score affordable on HAPT-sized sets (seconds on a CPU).
_LSTM_STEPS = 500


def _check_pair(real, synth, names=("X_real", "X_synth")):
    """Validate real and synthetic samples of one kind and per-sample shape.

    Returns ``(real, synth, kind)`` with ``kind`` ``"spectrogram"`` (4-D) or
    ``"time_series"`` (3-D; 2-D input is one channel).
    """
    ndims = [len(np.shape(a.detach() if hasattr(a, "detach") else a)) for a in (real, synth)]
    if (ndims[0] == 4) != (ndims[1] == 4):
        kinds = ["spectrograms (4-D)" if d == 4 else f"a {d}-D array" for d in ndims]
        raise ValueError(
            f"{names[0]} is {kinds[0]} but {names[1]} is {kinds[1]}; real and synthetic "
            "samples must be of one kind: raw windows (n, c, t) or spectrograms (n, c, F, T)."
        )
    if ndims[0] == 4:
        kind = "spectrogram"
        real, synth = (check_spectrogram(a, name=nm) for a, nm in zip((real, synth), names))
    else:
        kind = "time_series"
        real, synth = (check_time_series(a, name=nm) for a, nm in zip((real, synth), names))
    if real.shape[1:] != synth.shape[1:]:
        raise ValueError(
            f"{names[1]} has per-sample shape {tuple(synth.shape[1:])}, but {names[0]} has "
            f"{tuple(real.shape[1:])}; real and synthetic samples must have the same shape."
        )
    return real, synth, kind


def _resolve_features(features, kind, method):
    allowed = _FEATURE_SETS if kind == "spectrogram" else _WINDOW_FEATURE_SETS
    if features != "auto" and features not in allowed:
        what = "spectrograms" if kind == "spectrogram" else "raw windows"
        raise ValueError(
            f"features must be one of {['auto', *allowed]} for {what}; got {features!r}."
        )
    if method == "lstm":
        return None
    return allowed[0] if features == "auto" else features


def _seed_estimator(clf, rng):
    params = clf.get_params()
    if "random_state" in params and params["random_state"] is None:
        clf.set_params(random_state=draw_seed(rng))
    return clf


def discriminative_score(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    /,
    *,
    method: Literal["boosting", "lstm"] = "boosting",
    features: Literal["auto", "metrics+spectra", "metrics", "spectra", "summary", "flat"] = "auto",
    cv: int = 5,
    test_size: float = 0.3,
    random_state: int | np.random.RandomState | None = None,
    estimator: BaseEstimator | None = None,
    hps_factor: int | Sequence[int] = 2,
) -> dict[str, Any]:
    """Accuracy of a real-vs-synthetic classifier (TimeGAN's discriminative score).

    Both sets are reduced to the same size (the larger one is subsampled at random,
    without replacement) so that 0.5 is chance. The discriminative score is
    ``|accuracy - 0.5|``: 0 when synthetic samples cannot be told apart from real
    ones, 0.5 when they always can (Yoon et al., 2019; TSGBench reports about 0.17
    at best on HAPT raw windows).

    - ``method="boosting"``: a classifier (gradient boosting by default) is
      cross-validated on tabular features: :func:`spectrogram_features` of
      spectrograms, :func:`window_features` of raw windows. Fast, and strong on
      differences of level, spread and spectrum.
    - ``method="lstm"``: the discriminator of Alzantot et al., 2017 ("SenseGen"),
      :class:`~skaugment.classifiers.LSTMDiscriminatorClassifier`, is trained on
      the samples themselves on one part and scored on a held-out part
      (``test_size``, stratified): it can pick up temporal structure no feature set
      names, at the cost of training a network.

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_channels, n_timesteps) or (n_real, n_channels, n_freqs, n_frames)
        Real raw windows (a 2-D array is one channel) or magnitude spectrograms.
    X_synth : array-like, same per-sample shape as ``X_real``
        Synthetic samples.
    method : {"boosting", "lstm"}, default="boosting"
    features : str, default="auto"
        What ``"boosting"`` sees (ignored by ``"lstm"``, which sees the samples).
        Spectrograms: ``"metrics+spectra"`` (``"auto"``), ``"metrics"`` or
        ``"spectra"``, see :func:`spectrogram_features`. Raw windows: ``"summary"``
        (``"auto"``) or ``"flat"``, see :func:`window_features`.
    cv : int, default=5
        ``"boosting"``: number of stratified, shuffled folds (at least 2, at most
        the size of the smaller set).
    test_size : float, default=0.3
        ``"lstm"``: fraction of the balanced samples held out for scoring, in
        ``(0, 1)``; the split is stratified, so each set is half of the test part.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling, the folds or the split and, when it has a
        ``random_state`` parameter left to None, the classifier.
    estimator : classifier, default=None
        Cloned. ``"boosting"``: any classifier of tabular features, default
        ``HistGradientBoostingClassifier()``. ``"lstm"``: any classifier of the
        samples themselves (3-D or 4-D), default
        ``LSTMDiscriminatorClassifier(n_steps=500)``.
    hps_factor : int or sequence of int, default=2
        HPS factor of the ``f0_amplitude`` metric (spectrogram features).

    Returns
    -------
    result : dict
        ``"accuracy"`` (mean over folds, or on the held-out part), ``"score"``
        (``|accuracy - 0.5|``), ``"n_per_class"`` (samples of each set used),
        ``"method"``, ``"features"`` (the feature set, None for ``"lstm"``),
        ``"fold_accuracies"`` (ndarray: one per fold; the single held-out accuracy
        for ``"lstm"``), ``"accuracy_std"`` (over folds; NaN for ``"lstm"``'s single
        split) and ``"n_test"`` (samples scored: all of them over the folds for
        ``"boosting"``, the held-out part for ``"lstm"``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real = rng.gamma(2.0, size=(40, 1, 5, 4))
    >>> fake = 3.0 + rng.gamma(2.0, size=(40, 1, 5, 4))
    >>> res = discriminative_score(real, fake, features="spectra", cv=3, random_state=0)
    >>> round(res["accuracy"], 2), round(res["score"], 2)
    (1.0, 0.5)

    On raw windows, with the LSTM discriminator (a tiny one, for speed):

    >>> from skaugment.classifiers import LSTMDiscriminatorClassifier
    >>> t = np.arange(32)
    >>> waves = np.sin(2 * np.pi * t / 8 + rng.uniform(0, 6.3, (40, 1, 1)))
    >>> noise = rng.normal(size=(40, 1, 32))
    >>> lstm = LSTMDiscriminatorClassifier(hidden_size=16, n_steps=60, lr=1e-2)
    >>> res = discriminative_score(waves, noise, method="lstm", estimator=lstm, random_state=0)
    >>> res["method"], res["n_test"], res["score"] > 0.4
    ('lstm', 24, True)
    """
    from sklearn.base import clone

    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}; got {method!r}.")
    ndim = len(np.shape(X_real.detach() if hasattr(X_real, "detach") else X_real))
    names = ("S_real", "S_synth") if ndim == 4 else ("X_real", "X_synth")
    real, synth, kind = _check_pair(X_real, X_synth, names)
    features = _resolve_features(features, kind, method)
    if method == "boosting":
        if isinstance(cv, bool) or not isinstance(cv, numbers.Integral) or cv < 2:
            raise ValueError(f"cv must be an int >= 2; got {cv!r}.")
        least = int(cv)
    else:
        if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real) or not 0 < test_size < 1:
            raise ValueError(f"test_size must be a float in (0, 1); got {test_size!r}.")
        # one sample of each set on each side of the split
        least = max(2, int(np.ceil(1 / test_size)), int(np.ceil(1 / (1 - test_size))))
    rng = check_rng(random_state)
    n = min(len(real), len(synth))
    if n < least:
        need = f"cv={cv} folds need" if method == "boosting" else f"test_size={test_size} needs"
        raise ValueError(
            f"{need} at least {least} samples in each set; the smaller set has {n}."
        )
    # Balanced classes make 0.5 the chance level the score is measured against.
    real = real[np.sort(rng.choice(len(real), n, replace=False))] if len(real) > n else real
    synth = synth[np.sort(rng.choice(len(synth), n, replace=False))] if len(synth) > n else synth
    y = np.repeat([0, 1], n)
    result = {"method": method, "features": features, "n_per_class": n}
    if method == "boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        if kind == "spectrogram":
            tables = [spectrogram_features(a, features, hps_factor) for a in (real, synth)]
        else:
            tables = [window_features(a, features) for a in (real, synth)]
        clf = HistGradientBoostingClassifier() if estimator is None else clone(estimator)
        clf = _seed_estimator(clf, rng)
        folds = StratifiedKFold(int(cv), shuffle=True, random_state=draw_seed(rng))
        acc = cross_val_score(clf, np.concatenate(tables), y, cv=folds, scoring="accuracy")
        result.update(accuracy=float(acc.mean()), accuracy_std=float(acc.std()),
                      fold_accuracies=acc, n_test=2 * n)
    else:
        from sklearn.model_selection import train_test_split

        if estimator is None:
            from ..classifiers._lstm_discriminator import LSTMDiscriminatorClassifier

            clf = LSTMDiscriminatorClassifier(n_steps=_LSTM_STEPS)
        else:
            clf = clone(estimator)
        clf = _seed_estimator(clf, rng)
        train, test = train_test_split(
            np.arange(2 * n), test_size=test_size, stratify=y, random_state=draw_seed(rng)
        )
        X = np.concatenate([real, synth])
        clf.fit(X[train], y[train])
        acc = float(np.mean(np.asarray(clf.predict(X[test])) == y[test]))
        result.update(accuracy=acc, accuracy_std=float("nan"), fold_accuracies=np.array([acc]),
                      n_test=len(test))
    result["score"] = abs(result["accuracy"] - 0.5)
    return result
