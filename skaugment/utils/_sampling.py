"""Label bookkeeping shared by the generators and the augmenters."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = [
    "record_resampling",
    "encode_known_labels",
    "draw_sources_per_class",
    "draw_same_class_partners",
    "sampling_strategy_counts",
    "validate_sampling_strategy",
    "SAMPLING_STRATEGY_CONSTRAINTS",
]

# imbalanced-learn's over-sampling values ("majority" would ask an over-sampler to remove
# rows, and a list is for cleaning methods); None leaves the counts to ``ratio``.
SAMPLING_STRATEGY_CONSTRAINTS = [
    None,
    Interval(Real, 0, 1, closed="right"),
    StrOptions({"minority", "not minority", "not majority", "all", "auto"}),
    dict,
    callable,
]


def encode_known_labels(y, classes, *, name="y", seen="seen at fit"):
    """Indices of ``y`` in the sorted ``classes``; a ``ValueError`` names unknown labels.

    Examples
    --------
    >>> encode_known_labels(np.array(["b", "a"]), np.array(["a", "b"]))
    array([1, 0])
    >>> encode_known_labels(np.array(["c"]), np.array(["a", "b"]))
    Traceback (most recent call last):
    ...
    ValueError: y holds label(s) ['c'] not seen at fit; known labels: ['a', 'b'].
    """
    try:
        unseen = ~np.isin(y, classes)
    except TypeError:  # labels of incomparable types: none of them was seen
        unseen = np.ones(y.shape[0], dtype=bool)
    if unseen.any():
        raise ValueError(
            f"{name} holds label(s) {np.unique(y[unseen]).tolist()} not {seen}; "
            f"known labels: {np.asarray(classes).tolist()}."
        )
    return np.searchsorted(classes, y)


def draw_sources_per_class(y_encoded, n_classes, ratio, rng, *, sampling_strategy=None,
                           classes=None):
    """Source rows of the synthetic samples, drawn uniformly with replacement within each class.

    With ``sampling_strategy=None``, class ``k`` gets ``round(ratio * n_k)`` synthetic
    samples, so class proportions are kept. Otherwise ``ratio`` is ignored and the
    counts are those of imbalanced-learn's over-samplers:
    ``imblearn.utils.check_sampling_strategy(sampling_strategy, classes[y_encoded],
    "over-sampling")``, whose dict values are the numbers of samples to add.

    Parameters
    ----------
    y_encoded : ndarray of shape (n_samples,), int
        Class ids ``0 .. n_classes - 1``.
    n_classes : int
    ratio : float
        Synthetic over real samples, used when ``sampling_strategy`` is None.
    rng : numpy RandomState
    sampling_strategy : float, str, dict, callable or None, default=None
        As imbalanced-learn's over-samplers read it (labels are those of ``classes``).
    classes : ndarray of shape (n_classes,), default=None
        The label of each class id; ``None`` means the ids themselves.

    Returns
    -------
    sources : ndarray of shape (n_generated,), intp
        Class by class, in the order of the ids.

    Examples
    --------
    >>> draw_sources_per_class(np.array([0, 0, 1, 1]), 2, 1.5, np.random.RandomState(0))
    array([0, 1, 1, 2, 3, 3])
    >>> y = np.array([0, 0, 0, 1])
    >>> draw_sources_per_class(y, 2, 1.0, np.random.RandomState(0),
    ...                        sampling_strategy="minority", classes=np.array(["a", "b"]))
    array([3, 3])
    >>> draw_sources_per_class(y, 2, 1.0, np.random.RandomState(0),
    ...                        sampling_strategy={"c": 4}, classes=np.array(["a", "b"]))
    Traceback (most recent call last):
    ...
    ValueError: Invalid sampling_strategy={'c': 4}: The {'c'} target class is/are not present in the data.
    """
    if sampling_strategy is None:
        counts = [int(round(ratio * np.sum(y_encoded == k))) for k in range(n_classes)]
    else:
        counts = sampling_strategy_counts(sampling_strategy, y_encoded, n_classes, classes)
    sources = []
    for k in range(n_classes):
        pool = np.flatnonzero(y_encoded == k)
        sources.append(pool[rng.randint(0, pool.size, size=counts[k])])
    return np.concatenate(sources).astype(np.intp)


def draw_same_class_partners(y_encoded, sources, rng):
    """For each source row, a partner row of the same class other than itself.

    Uniform among the other rows of the class; the row itself only when its class
    has a single row. The pairs of the interpolation augmenters.

    Parameters
    ----------
    y_encoded : ndarray of shape (n_samples,), int
        Encoded labels of the real rows.
    sources : ndarray of shape (n_generated,), int
        Source row of each synthetic row.
    rng : numpy RandomState

    Returns
    -------
    partners : ndarray of shape (n_generated,), int
    """
    partners = np.empty_like(sources)
    for k in np.unique(y_encoded[sources]):
        pool = np.flatnonzero(y_encoded == k)
        where = np.flatnonzero(y_encoded[sources] == k)
        if pool.size == 1:
            partners[where] = pool[0]
            continue
        # an offset in 1..n-1 from i's position in its class never lands on i
        position = np.searchsorted(pool, sources[where])
        offset = rng.randint(1, pool.size, size=where.size)
        partners[where] = pool[(position + offset) % pool.size]
    return partners


def sampling_strategy_counts(sampling_strategy, y_encoded, n_classes, classes=None):
    """Synthetic samples per class id, as imbalanced-learn's over-samplers count them.

    What :func:`draw_sources_per_class` draws for a ``sampling_strategy`` that is not
    None; samplers also call it before an expensive fit, to reject a bad value early.
    A value imbalanced-learn rejects raises a ``ValueError`` naming ``sampling_strategy``.

    Examples
    --------
    >>> sampling_strategy_counts("not majority", np.array([0, 0, 0, 1, 2]), 3,
    ...                          np.array(["a", "b", "c"]))
    [0, 2, 2]
    """
    from imblearn.utils import check_sampling_strategy

    classes = np.arange(n_classes) if classes is None else np.asarray(classes)
    try:
        target = check_sampling_strategy(sampling_strategy, classes[y_encoded], "over-sampling")
        if target is None:  # a type imbalanced-learn does not handle falls through silently
            raise ValueError(
                "expected a float, one of 'minority', 'not minority', 'not majority', 'all', "
                f"'auto', a dict or a callable; got {type(sampling_strategy).__name__}."
            )
    except ValueError as exc:
        # imbalanced-learn's messages do not always say which parameter is wrong
        raise ValueError(f"Invalid sampling_strategy={sampling_strategy!r}: {exc}") from exc
    counts = [0] * n_classes
    for label, n_new in target.items():
        counts[int(np.flatnonzero(classes == label)[0])] = int(n_new)
    return counts


def validate_sampling_strategy(sampling_strategy, y):
    """Reject a bad ``sampling_strategy`` for labels ``y`` before any expensive work.

    None passes; otherwise a ``ValueError`` naming ``sampling_strategy`` when
    imbalanced-learn rejects it (see :func:`sampling_strategy_counts`).

    Examples
    --------
    >>> validate_sampling_strategy(0.5, np.array(["a", "b", "c"]))
    Traceback (most recent call last):
    ...
    ValueError: Invalid sampling_strategy=0.5: "sampling_strategy" can be a float only when the type of target is binary. For multi-class, use a dict.
    """
    if sampling_strategy is not None:
        classes, y_encoded = np.unique(y, return_inverse=True)
        sampling_strategy_counts(sampling_strategy, y_encoded.ravel(), len(classes), classes)


def record_resampling(sampler, n_real, sources, source_labels):
    """Set a sampler's ``sampling_strategy_``, ``sample_indices_`` and ``synthetic_mask_``.

    Every sampler returns its ``n_real`` real rows first, then one synthetic row per
    entry of ``sources`` (its source row), labelled ``source_labels``; ``classes_``
    must be set (sorted, as :func:`numpy.unique` gives them). ``sources=None`` (a
    wrapped sampler that does not say where its rows come from) records no
    ``sample_indices_``; the synthetic rows are then counted by ``source_labels``.

    Examples
    --------
    >>> class S: classes_ = np.array(["a", "b"])
    >>> s = S(); record_resampling(s, 3, np.array([0, 2]), np.array(["a", "b"]))
    >>> s.sampling_strategy_, s.sample_indices_.tolist(), s.synthetic_mask_.tolist()
    ({'a': 1, 'b': 1}, [0, 1, 2, 0, 2], [False, False, False, True, True])
    """
    classes = np.asarray(sampler.classes_)
    counts = np.bincount(np.searchsorted(classes, source_labels), minlength=classes.size)
    sampler.sampling_strategy_ = {label: int(c) for label, c in zip(classes.tolist(), counts)}
    n_new = len(source_labels)
    if sources is not None:
        sampler.sample_indices_ = np.concatenate([np.arange(n_real), sources]).astype(np.intp)
    elif hasattr(sampler, "sample_indices_"):
        del sampler.sample_indices_  # not the last output's
    sampler.synthetic_mask_ = np.r_[np.zeros(n_real, dtype=bool), np.ones(n_new, dtype=bool)]
