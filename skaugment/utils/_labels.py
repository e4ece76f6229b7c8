"""Soft labels: a table of class probabilities that knows which class each column is.

Mixing-based augmentation (mixup) produces samples that belong to two classes at
once; their target is a probability row, not a single label. A
:class:`LabelDistribution` carries those rows together with the class labels of
its columns, so that a classifier trained on it can still predict the user's
labels (strings included).
"""

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["LabelDistribution", "hard_labels", "label_distribution", "one_hot_distribution"]

# Rows are checked to sum to 1 within this tolerance: float32 rows of a few dozen
# classes round to about 1e-7.
_SUM_TOLERANCE = 1e-6


def _describe_rows(rows, limit=10):
    shown = ", ".join(str(int(i)) for i in rows[:limit])
    more = "" if len(rows) <= limit else f", ... ({len(rows)} in total)"
    return shown + more


def _check_classes(classes, n_columns, name):
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(f"classes of {name} must be 1-D; got shape {classes.shape}.")
    if classes.shape[0] != n_columns:
        raise ValueError(
            f"{name} has {n_columns} columns (one per class) but {classes.shape[0]} classes "
            f"were given: {classes.tolist()}."
        )
    try:
        n_unique = np.unique(classes).shape[0]
    except TypeError:  # labels of incomparable types cannot be sorted
        n_unique = len(set(classes.tolist()))
    if n_unique != classes.shape[0]:
        raise ValueError(f"classes of {name} must be unique; got {classes.tolist()}.")
    classes = classes.copy()
    # Shared by every slice and copy of the table: nobody may rename a column in place.
    classes.setflags(write=False)
    return classes


def _check_proba(proba, name):
    if hasattr(proba, "detach"):  # a torch tensor
        proba = proba.detach().cpu().numpy()
    arr = np.asarray(proba)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(
            f"{name} must hold class probabilities (real numbers); got an array of dtype {arr.dtype}."
        )
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must hold real class probabilities; got complex values.")
    arr = np.array(arr, dtype=np.float64, order="C")
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_classes) class probabilities; got shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: 0 samples (shape {arr.shape}).")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 classes (shape {arr.shape}).")
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise ValueError(
            f"{name} contains NaN or infinity in row(s) {_describe_rows(np.flatnonzero(bad))}."
        )
    bad = (arr < 0).any(axis=1)
    if bad.any():
        raise ValueError(
            f"{name} holds negative probabilities in row(s) {_describe_rows(np.flatnonzero(bad))}."
        )
    sums = arr.sum(axis=1)
    bad = np.abs(sums - 1.0) > _SUM_TOLERANCE
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValueError(
            f"{name} rows must sum to 1 (class probabilities), but row(s) {_describe_rows(rows)} "
            f"sum to {_describe_sums(sums[rows])}."
        )
    return arr


def _describe_sums(sums, limit=5):
    shown = ", ".join(f"{s:.6g}" for s in sums[:limit])
    return shown + (", ..." if len(sums) > limit else "")


class LabelDistribution(np.ndarray):
    """Class probabilities ``(n_samples, n_classes)`` with the labels of their columns.

    A float64 :class:`numpy.ndarray` whose row ``i`` is a probability distribution
    over ``classes`` (non-negative, summing to 1): the soft target of sample ``i``.
    ``classes`` (1-D, read-only) names the column of each class and follows the
    table through slicing, copies and pickling. The skorch classifiers of
    :mod:`skaugment.classifiers` train on it (cross-entropy against the rows) and
    predict labels from ``classes``.

    ``LabelDistribution(proba, classes)`` validates like :func:`label_distribution`.
    Arithmetic keeps the type and ``classes`` but not the guarantees: a sum of two
    tables does not hold probabilities; pass results through
    :func:`label_distribution` to check them again.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Class probabilities.
    classes : array-like of shape (n_classes,), default=None
        Label of each column. ``None``: ``proba.classes`` when ``proba`` is a
        ``LabelDistribution``, else ``0 .. n_classes - 1``.

    Attributes
    ----------
    classes : ndarray of shape (n_classes,)

    Examples
    --------
    >>> import numpy as np
    >>> y = LabelDistribution([[0.7, 0.3], [0.0, 1.0]], classes=["sit", "walk"])
    >>> y.classes
    array(['sit', 'walk'], dtype='<U4')
    >>> y[1:].classes.tolist(), y[1:].shape
    (['sit', 'walk'], (1, 2))
    >>> import pickle
    >>> pickle.loads(pickle.dumps(y)).classes.tolist()
    ['sit', 'walk']
    """

    def __new__(cls, proba: ArrayLike, classes: ArrayLike | None = None) -> "LabelDistribution":
        return label_distribution(proba, classes)

    def __array_finalize__(self, obj):
        self.classes = getattr(obj, "classes", None)

    def __reduce__(self):
        reconstruct, args, state = super().__reduce__()
        # ndarray's own state only covers the buffer; the column labels ride along.
        return reconstruct, args, (state, self.classes)

    def __setstate__(self, state):
        array_state, classes = state
        super().__setstate__(array_state)
        self.classes = classes


def label_distribution(
    proba: ArrayLike, classes: ArrayLike | None = None, *, name: str = "y"
) -> LabelDistribution:
    """Validate class probabilities and return them as a :class:`LabelDistribution`.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        One row of class probabilities per sample: finite, non-negative, each row
        summing to 1 (within 1e-6).
    classes : array-like of shape (n_classes,), default=None
        Label of each column, unique. ``None``: ``proba.classes`` when ``proba`` is
        a :class:`LabelDistribution`, else ``0 .. n_classes - 1``.
    name : str, default="y"
        Name used in error messages.

    Returns
    -------
    y : LabelDistribution of shape (n_samples, n_classes), float64
        A copy of ``proba``.

    Raises
    ------
    ValueError
        Naming the first offending rows when ``proba`` is not 2-D, holds NaN,
        infinity or negative values, or has rows that do not sum to 1; when the
        number of ``classes`` differs from the number of columns, or classes repeat.

    Examples
    --------
    >>> y = label_distribution([[0.25, 0.75], [1.0, 0.0]], classes=["a", "b"])
    >>> y.classes.tolist(), y.dtype
    (['a', 'b'], dtype('float64'))
    >>> label_distribution([[0.25, 0.25]])
    Traceback (most recent call last):
    ...
    ValueError: y rows must sum to 1 (class probabilities), but row(s) 0 sum to 0.5.
    """
    if classes is None:
        classes = getattr(proba, "classes", None)
    arr = _check_proba(proba, name)
    if classes is None:
        classes = np.arange(arr.shape[1])
    classes = _check_classes(classes, arr.shape[1], name)
    out = arr.view(LabelDistribution)
    out.classes = classes
    return out


def one_hot_distribution(
    y: ArrayLike, classes: ArrayLike | None = None, *, name: str = "y"
) -> LabelDistribution:
    """Hard labels as a one-hot :class:`LabelDistribution`.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    classes : array-like of shape (n_classes,), default=None
        Labels of the columns, in column order; every label of ``y`` must be one of
        them. ``None``: the sorted unique labels of ``y``.
    name : str, default="y"
        Name used in error messages.

    Returns
    -------
    y_dist : LabelDistribution of shape (n_samples, n_classes)

    Examples
    --------
    >>> one_hot_distribution(["b", "a", "b"], classes=["a", "b", "c"])
    LabelDistribution([[0., 1., 0.],
                       [1., 0., 0.],
                       [0., 1., 0.]])
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D labels; got shape {y.shape}.")
    classes = np.unique(y) if classes is None else np.asarray(classes)
    classes = _check_classes(classes, classes.shape[0] if classes.ndim == 1 else -1, name)
    order = np.argsort(classes, kind="stable")
    try:
        known = np.isin(y, classes)
    except TypeError:  # labels of incomparable types: none of them is a class
        known = np.zeros(y.shape[0], dtype=bool)
    if not known.all():
        unknown = sorted(set(y[~known].tolist()), key=str)
        raise ValueError(f"{name} holds label(s) {unknown} that are not in classes={classes.tolist()}.")
    # classes may come in any order: search the sorted view, map back to column order
    columns = order[np.searchsorted(classes[order], y)]
    proba = np.zeros((y.shape[0], classes.shape[0]), dtype=np.float64)
    proba[np.arange(y.shape[0]), columns] = 1.0
    out = proba.view(LabelDistribution)
    out.classes = classes
    return out


def hard_labels(y, classes=None) -> np.ndarray:
    """Labels of ``y``; a probability table gives the label of its largest column.

    The columns are named by a :class:`LabelDistribution`'s own ``classes``, else
    by ``classes``, else by their index (a table of encoded classes). 1-D labels
    come back unchanged; torch tensors are read on the CPU.

    Examples
    --------
    >>> import numpy as np
    >>> hard_labels(np.array([[0.2, 0.8], [0.9, 0.1]]), classes=["sit", "walk"]).tolist()
    ['walk', 'sit']
    >>> hard_labels(np.array([[0.2, 0.8], [0.9, 0.1]])).tolist()
    [1, 0]
    """
    if hasattr(y, "detach"):
        y = y.detach().cpu()
    names = getattr(y, "classes", None)
    names = classes if names is None else names
    y = np.asarray(y)
    if y.ndim != 2:
        return y
    names = np.arange(y.shape[1]) if names is None else np.asarray(names)
    return names[y.argmax(axis=1)]


def takes_soft_labels(estimator) -> bool:
    """Whether ``estimator`` (or a pipeline's last step) trains on label distributions.

    skaugment's skorch classifiers do; scikit-learn's, aeon's and most others take 1-D
    labels only. Read from the class hierarchy, so that asking imports nothing.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> takes_soft_labels(LogisticRegression())
    False
    """
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    return any(cls.__name__ == "BaseNetClassifier" and cls.__module__.startswith("skaugment.")
               for cls in type(final).__mro__)


def check_soft_labels_accepted(y, estimator, source="an augmenter") -> None:
    """Raise a ``ValueError`` naming the fix when soft labels meet a hard-label classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> check_soft_labels_accepted(np.array([0, 1]), LogisticRegression())
    >>> check_soft_labels_accepted(np.eye(2), LogisticRegression(), "mixup")
    Traceback (most recent call last):
    ...
    ValueError: mixup returned soft labels (a table of class probabilities), which LogisticRegression cannot train on: ...
    """
    if np.ndim(y) == 2 and not takes_soft_labels(estimator):
        final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
        raise ValueError(
            f"{source} returned soft labels (a table of class probabilities), which "
            f"{type(final).__name__} cannot train on: only skaugment's classifiers take them. "
            "Use MixupAugmenter(labels='hard'), which gives each mixed row the label of its "
            "larger component.")
