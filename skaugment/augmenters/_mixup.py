"""Mixup (Zhang et al., 2018, "mixup: Beyond Empirical Risk Minimization", ICLR 2018).

Each synthetic sample is a convex combination of two real samples, and its target
the same combination of their one-hot labels: a row of class probabilities. The
labels therefore leave the sampler as a
:class:`~skaugment.utils.LabelDistribution`, which the classifiers of
:mod:`skaugment.classifiers` train on with cross-entropy against the rows. With
``labels="hard"`` each mixed row takes the label of its larger component instead,
as plain 1-D labels that any scikit-learn classifier accepts.
"""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseAugmenter, Synthetic
from ..utils._docstring import Substitution, _sampling_strategy_docstring
from ..utils._labels import label_distribution
from ..utils._validation import _as_float_array
from ._base import RandomStateArg, SamplingStrategyArg

__all__ = ["MixupAugmenter"]


def _check_windows_or_spectrograms(X):
    """3-D raw windows or 4-D spectrograms, floating point, finite, with no empty axis."""
    X = _as_float_array(X, "X", None)
    if X.ndim not in (3, 4):
        raise ValueError(
            "X must be 3-D raw windows (n_samples, n_channels, n_timesteps) or 4-D "
            f"spectrograms (n_samples, n_channels, n_freqs, n_frames); got {X.ndim}-D array "
            f"of shape {X.shape}."
        )
    if X.shape[0] == 0:
        raise ValueError(f"X is empty: 0 samples (shape {X.shape}).")
    if min(X.shape[1:]) == 0:
        raise ValueError(f"X has an empty axis (shape {X.shape}).")
    return X


@Substitution(sampling_strategy=_sampling_strategy_docstring)
class MixupAugmenter(BaseAugmenter):
    """Mixup: convex combinations of sample pairs with mixed soft (or hard) labels.

    Zhang et al. (2018), "mixup: Beyond Empirical Risk Minimization" (ICLR 2018).
    For each synthetic sample, a source row ``i`` is drawn within its class (so
    that the classes of the first components keep the class proportions), a
    partner row ``j`` uniformly from all rows (any class), and a weight
    ``lambda ~ Beta(alpha, alpha)``; then::

        x = lambda * x_i + (1 - lambda) * x_j
        q = lambda * onehot(y_i) + (1 - lambda) * onehot(y_j)

    ``q`` is a row of class probabilities, so the labels come back as a
    :class:`~skaugment.utils.LabelDistribution` over ``classes_``: the
    classifiers of :mod:`skaugment.classifiers` train on it with cross-entropy
    against the rows and still predict the user's labels.

    Other scikit-learn classifiers (``LogisticRegression``, aeon's
    ``MiniRocketClassifier``, ...) only take 1-D labels and reject the soft ones
    ("y must be 1-dimensional"). For them, ``labels="hard"`` gives each mixed row
    the label of its larger component: ``y_i`` when ``lambda >= 0.5``, else
    ``y_j``, in the dtype of ``y``. The samples are the same as with
    ``labels="soft"`` for the same ``random_state``; only the targets differ. The
    trade-off: hard labels lose the label-smoothing half of mixup. Zhang et al.
    (2018) mix the targets with the same ``lambda`` as the inputs, which is what
    asks the model to behave linearly in between training examples and keeps it
    from over-confident predictions (Thulasidasan et al., 2019, tie mixup's
    better calibration to the mixed targets). With hard labels the augmenter is
    an input interpolation whose rows near ``lambda = 0.5`` carry a label that
    is only about half right; small ``alpha`` (most ``lambda`` near 0 or 1)
    keeps such rows rare.

    An imbalanced-learn sampler: put it in an :func:`imblearn.pipeline.make_pipeline`
    so that only training folds are augmented. It takes raw windows
    ``(n_samples, n_channels, n_timesteps)`` or spectrograms ``(n_samples,
    n_channels, n_freqs, n_frames)``; a convex combination of magnitude
    spectrograms is still non-negative, so mixup can run on either side of the
    STFT. Mixing happens in float64 and the output is float32, like the other
    skaugment samplers.

    Parameters
    ----------
    alpha : float, default=0.2
        Both shape parameters of the Beta distribution of ``lambda``. Small values
        (the paper uses 0.1 to 0.4) put most weight near 0 and 1, so most synthetic
        samples stay close to one real sample; ``alpha=1`` draws ``lambda``
        uniformly.
    ratio : float, default=5.0
        Number of synthetic samples divided by the number of real samples. Each
        class gets ``round(ratio * n_class)`` synthetic samples whose first
        component (source) is of that class.
    %(sampling_strategy)s
        Counts the synthetic samples by the class of their source, as ``ratio``
        does; so that a row added for a class belongs to it, the source is then
        always the larger component (``lambda`` folded to ``max(lambda, 1 -
        lambda)``): hard labels are the source's, soft ones put at least half
        their mass on it.
    labels : {"soft", "hard"}, default="soft"
        The targets of the output. ``"soft"``: a
        :class:`~skaugment.utils.LabelDistribution` of class probabilities (the
        mixup of the paper; only the classifiers of :mod:`skaugment.classifiers`
        take it). ``"hard"``: 1-D labels in the dtype of ``y``, each mixed row
        labelled as its component of weight >= 0.5 (the source ``y_i`` when
        ``lambda >= 0.5``, else the partner ``y_j``); works with any classifier.
    random_state : int, RandomState instance or None, default=None
        Seeds the sources, the partners and the weights (drawn in that order). The
        same ``random_state`` gives the same output; no global random generator is
        used.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted labels seen at fit: the columns of ``y_res``.
    sampling_strategy_ : dict
        Number of synthetic samples whose source is of each class.
    synthetic_mask_ : ndarray of shape (n_samples + n_generated,), bool
        True for the synthetic rows of the last output.
    sample_indices_ : ndarray of shape (n_samples + n_generated,), int
        For every output row, the index of its first component (source) ``i``:
        the row itself for a real row.
    partner_indices_ : ndarray of shape (n_samples + n_generated,), int
        For every output row, the index of its second component ``j``; ``-1`` for a
        real row, which has no partner.
    lambdas_ : ndarray of shape (n_samples + n_generated,), float64
        The weight of the source in every output row; ``1.0`` for a real row.
        ``X_res[r] == lambdas_[r] * X[sample_indices_[r]] + (1 - lambdas_[r]) *
        X[partner_indices_[r]]`` for the synthetic rows (up to float32 rounding).
        With ``labels="hard"``, row ``r`` is labelled ``y[sample_indices_[r]]``
        where ``lambdas_[r] >= 0.5``, else ``y[partner_indices_[r]]``.

    See Also
    --------
    skaugment.utils.LabelDistribution : The soft labels it returns.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.augmenters._mixup import MixupAugmenter
    >>> X = np.random.default_rng(0).random((6, 2, 16))
    >>> y = np.array(["sit", "sit", "sit", "walk", "walk", "walk"])
    >>> X_res, y_res = MixupAugmenter(ratio=1.0, random_state=0).fit_resample(X, y)
    >>> X_res.shape, y_res.shape, y_res.classes.tolist()
    ((12, 2, 16), (12, 2), ['sit', 'walk'])
    >>> bool(np.allclose(y_res.sum(axis=1), 1.0))
    True

    In a pipeline, the classifier trains on the soft labels and predicts the
    user's labels:

    >>> from imblearn.pipeline import make_pipeline
    >>> from skaugment.classifiers import SATSDUClassifier
    >>> pipe = make_pipeline(MixupAugmenter(ratio=1.0, random_state=0),
    ...                      SATSDUClassifier(widths=(4,), max_epochs=1, random_state=0))
    >>> pipe.fit(X, y).predict(X[:2]).dtype.kind
    'U'

    With ``labels="hard"`` the targets are plain 1-D labels, so any scikit-learn
    classifier can follow, here a logistic regression on the flattened windows:

    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> X_res, y_res = MixupAugmenter(ratio=1.0, labels="hard",
    ...                               random_state=0).fit_resample(X, y)
    >>> y_res.shape, y_res.dtype == y.dtype
    ((12,), True)
    >>> flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    >>> pipe = make_pipeline(MixupAugmenter(ratio=1.0, labels="hard", random_state=0),
    ...                      flatten, LogisticRegression())
    >>> pipe.fit(X, y).predict(X[:2]).tolist()
    ['sit', 'sit']
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
        "labels": [StrOptions({"soft", "hard"})],
    }

    def __init__(
        self,
        alpha: float = 0.2,
        ratio: float = 5.0,
        sampling_strategy: SamplingStrategyArg = None,
        labels: str = "soft",
        random_state: RandomStateArg = None,
    ) -> None:
        self.alpha = alpha
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.labels = labels
        self.random_state = random_state


    _input_kind = "either"

    def _check_X(self, X):
        return _check_windows_or_spectrograms(X)

    def _generate(self, X, y, sources, rng):
        n, n_new = X.shape[0], sources.size
        partners = rng.randint(0, n, size=n_new).astype(np.intp)
        lambdas = rng.beta(self.alpha, self.alpha, size=n_new)
        if self.sampling_strategy is not None:
            # balancing adds rows *of* a class: with lambda < 0.5 the partner (usually of
            # the majority) would dominate the row counted for the minority
            lambdas = np.maximum(lambdas, 1.0 - lambdas)
        weight = lambdas.reshape((-1,) + (1,) * (X.ndim - 1))
        X_new = weight * X[sources] + (1.0 - weight) * X[partners]
        self.partner_indices_ = np.concatenate([np.full(n, -1), partners]).astype(np.intp)
        self.lambdas_ = np.concatenate([np.ones(n), lambdas])
        if self.labels == "hard":
            # The larger component's label; a tie (lambda == 0.5) goes to the source.
            return Synthetic(X_new, y=y[np.where(lambdas >= 0.5, sources, partners)])
        return X_new

    def _make_labels(self, y, y_new):
        """Soft labels: one-hot rows for the real samples, the mixed ones' ``lambda`` split."""
        if self.labels == "hard":
            return super()._make_labels(y, y_new)
        n, n_new, n_classes = y.shape[0], y_new.shape[0], self.classes_.shape[0]
        y_encoded = np.searchsorted(self.classes_, y)
        partners, lambdas = self.partner_indices_[n:], self.lambdas_[n:]
        proba = np.zeros((n + n_new, n_classes), dtype=np.float64)
        proba[np.arange(n), y_encoded] = 1.0
        rows = np.arange(n, n + n_new)
        proba[rows, np.searchsorted(self.classes_, y_new)] += lambdas
        # Same-class pairs land on one column: lambda + (1 - lambda).
        proba[rows, y_encoded[partners]] += 1.0 - lambdas
        return label_distribution(proba, self.classes_, name="y_res")
