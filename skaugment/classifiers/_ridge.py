"""A ridge classifier whose regularisation search scales with the number of rows.

The ROCKET family (Dempster et al., 2020, "ROCKET: exceptionally fast and
accurate time series classification using random convolutional kernels"; 2021,
"MiniRocket") ends in a ridge classifier whose penalty is chosen by efficient
leave-one-out cross-validation (scikit-learn's ``RidgeClassifierCV``). That search
eigendecomposes an ``n_rows x n_rows`` (or ``n_features x n_features``) matrix: on
an augmented training set of ~10,000 rows and MiniRocket's ~10,000 features it
costs minutes on one core, where the same classifier without augmentation costs
seconds. :class:`SubsampledRidgeClassifierCV` runs the search on at most
``max_cv_rows`` rows and then solves the ridge once on every row.
"""

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.linear_model import RidgeClassifier, RidgeClassifierCV
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._validation import check_rng

__all__ = ["SubsampledRidgeClassifierCV"]


def _subsample(y, size, random_state):
    """``size`` sorted row indices: one random row of every class, the rest uniformly.

    A class the subsample missed would leave the search without its column, whatever
    the data; so every class is in, however rare.
    """
    rng = check_rng(random_state)
    classes, y_idx = np.unique(y, return_inverse=True)
    if classes.size > size:
        raise ValueError(f"max_cv_rows={size} is fewer than the {classes.size} classes; "
                         "raise max_cv_rows.")
    order = rng.permutation(len(y))
    # the first row of each class in a random order: a random row per class
    first = order[np.unique(y_idx[order], return_index=True)[1]]
    rest = np.setdiff1d(order, first, assume_unique=True)
    fill = rng.choice(rest, size - first.size, replace=False)
    return np.sort(np.concatenate([first, fill]))


class SubsampledRidgeClassifierCV(ClassifierMixin, BaseEstimator):
    """Ridge classifier with the penalty chosen on a subsample, then fitted on all rows.

    With at most ``max_cv_rows`` rows it is exactly scikit-learn's
    :class:`~sklearn.linear_model.RidgeClassifierCV` (efficient leave-one-out
    over ``alphas``). With more, the leave-one-out search runs on
    ``max_cv_rows`` rows drawn without replacement, and a
    :class:`~sklearn.linear_model.RidgeClassifier` with the chosen ``alpha_`` is
    fitted on every row: one linear solve instead of an eigendecomposition of
    the whole set. Use it as the ``estimator`` of aeon's ``MiniRocketClassifier``
    or ``MultiRocketClassifier`` when they train on augmented sets.

    Measured on HAPT (1,714 training windows of 5 subjects, MiniRocket's 9,996
    features, one core; ``benchmarks/bench_baselines.py``): the default search
    on the x6 set of ratio-5 augmentation takes minutes, this one seconds, with
    the same ``alpha_`` as the search on the real rows.

    Parameters
    ----------
    alphas : array-like of float, default=np.logspace(-3, 3, 10)
        Penalties tried (aeon's MiniRocket default grid).
    max_cv_rows : int, default=4000
        Most rows the leave-one-out search runs on: one random row of every class,
        the rest drawn uniformly. Augmented copies of one window that fall in the
        same subsample make leave-one-out optimistic, which tends to lower the
        chosen penalty; keep it at or above the number of real rows when they are
        known.
    class_weight : dict, "balanced" or None, default=None
        As in :class:`~sklearn.linear_model.RidgeClassifier`.
    random_state : int, RandomState instance or None, default=None
        Draws the subsample.

    Attributes
    ----------
    alpha_ : float
        The penalty chosen.
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray
    n_features_in_ : int
    n_cv_rows_ : int
        Rows the search ran on.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.classifiers import SubsampledRidgeClassifierCV
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(300, 5); y = (X[:, 0] > 0).astype(int)
    >>> clf = SubsampledRidgeClassifierCV(max_cv_rows=100, random_state=0).fit(X, y)
    >>> clf.n_cv_rows_, bool(clf.score(X, y) >= 0.9)
    (100, True)
    """

    _parameter_constraints = {
        "alphas": ["array-like"],
        "max_cv_rows": [Interval(Integral, 2, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alphas: ArrayLike = tuple(np.logspace(-3, 3, 10)),
        max_cv_rows: int = 4000,
        class_weight: dict | str | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.alphas = alphas
        self.max_cv_rows = max_cv_rows
        self.class_weight = class_weight
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> "SubsampledRidgeClassifierCV":
        """Choose ``alpha_`` on at most ``max_cv_rows`` rows, then fit on all of them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        alphas = np.asarray(self.alphas, dtype=np.float64).ravel()
        if alphas.size == 0 or not np.all(alphas > 0):
            raise ValueError(f"alphas must be positive numbers; got {self.alphas!r}.")
        search = RidgeClassifierCV(alphas=alphas, class_weight=self.class_weight)
        n = X.shape[0]
        if n <= self.max_cv_rows:
            self.estimator_ = search.fit(X, y)
            self.n_cv_rows_ = n
        else:
            rows = _subsample(y, self.max_cv_rows, self.random_state)
            search.fit(X[rows], y[rows])
            self.estimator_ = RidgeClassifier(alpha=float(search.alpha_),
                                              class_weight=self.class_weight).fit(X, y)
            self.n_cv_rows_ = int(self.max_cv_rows)
        self.alpha_ = float(getattr(self.estimator_, "alpha_", getattr(self.estimator_, "alpha",
                                                                       np.nan)))
        self.classes_ = self.estimator_.classes_
        self.coef_ = self.estimator_.coef_
        self.intercept_ = self.estimator_.intercept_
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Confidence scores, as :meth:`sklearn.linear_model.RidgeClassifier.decision_function`."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.estimator_.decision_function(X)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Class labels of ``X``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.estimator_.predict(X)
