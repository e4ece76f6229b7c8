"""How real synthetic rows look, on the classifier's input: TSTR, label fidelity, realism."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, validate_params

from ..spectral._features import _default_diagnostic_estimator, _diagnostic_features
from ..utils._labels import hard_labels

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator

__all__ = ["synthetic_data_diagnostics"]


@validate_params(
    {
        "X_real": ["array-like"],
        "y_real": ["array-like"],
        "X_synth": ["array-like"],
        "y_synth": ["array-like"],
        "X_test": ["array-like"],
        "y_test": ["array-like"],
        "estimator": [None, HasMethods(["fit", "predict"])],
        "random_state": ["random_state"],
        "discriminative": ["boolean"],
    },
    prefer_skip_nested_validation=False,  # the estimators check their own
)
def synthetic_data_diagnostics(
    X_real: ArrayLike,
    y_real: ArrayLike,
    X_synth: ArrayLike,
    y_synth: ArrayLike,
    X_test: ArrayLike,
    y_test: ArrayLike,
    *,
    estimator: BaseEstimator | None = None,
    random_state: int | None = None,
    discriminative: bool = True,
) -> dict[str, float]:
    """How real synthetic samples look, three ways, on the classifier's input space.

    - ``tstr``: train on synthetic, test on real: accuracy on ``(X_test, y_test)`` of
      ``estimator`` trained on the synthetic rows alone (Esteban et al., 2017,
      "Real-valued (medical) time series generation with recurrent conditional GANs").
    - ``label_fidelity``: accuracy, against their intended labels, of the synthetic
      rows under ``estimator`` trained on the real training rows: do they still look
      like their class?
    - ``discriminative``: ``|accuracy - 0.5|`` of a cross-validated real-vs-synthetic
      classifier (Yoon et al., 2019, "Time-series Generative Adversarial Networks"):
      0 when they cannot be told apart. Spectrograms only (NaN for raw windows).

    Parameters
    ----------
    X_real, y_real : arrays
        Real training rows (classifier input) and their labels.
    X_synth, y_synth : arrays
        Synthetic rows and their intended labels (a probability table counts as its
        largest column).
    X_test, y_test : arrays
        Held-out real rows.
    estimator : classifier, default=None
        Trained on :func:`~skaugment.evaluation.spectrogram_features` of
        spectrograms (flattened raw windows otherwise); defaults to standardisation
        + logistic regression.
    random_state : int or None
    discriminative : bool, default=True
        Whether to compute the discriminative score (NaN when False), e.g. when
        the caller scores realism its own way.

    Returns
    -------
    diagnostics : dict of float
    """
    from ._discriminative import discriminative_score

    estimator = _default_diagnostic_estimator() if estimator is None else estimator
    y_synth = hard_labels(y_synth)
    out = {"tstr": float("nan"), "label_fidelity": float("nan"), "discriminative": float("nan")}
    if len(X_synth) == 0:
        return out
    F_real, F_synth, F_test = (_diagnostic_features(a) for a in (X_real, X_synth, X_test))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of a diagnostic model
        if np.unique(y_synth).size > 1:
            out["tstr"] = float(np.mean(clone(estimator).fit(F_synth, y_synth).predict(F_test)
                                        == np.asarray(y_test)))
        on_real = clone(estimator).fit(F_real, hard_labels(y_real))
        out["label_fidelity"] = float(np.mean(on_real.predict(F_synth) == y_synth))
        if discriminative and np.asarray(X_real).ndim == 4 and min(len(X_real), len(X_synth)) >= 6:
            out["discriminative"] = float(discriminative_score(
                X_real, X_synth, cv=3, random_state=random_state)["score"])
    return out
