"""Label bookkeeping shared by the generators and the augmenters."""

import numpy as np

__all__ = ["encode_known_labels", "draw_sources_per_class"]


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


def draw_sources_per_class(y_encoded, n_classes, ratio, rng):
    """Source rows for ``round(ratio * n_k)`` synthetic samples of each class ``k``.

    Drawn uniformly with replacement within each class, so class proportions are kept.

    Examples
    --------
    >>> draw_sources_per_class(np.array([0, 0, 1, 1]), 2, 1.5, np.random.RandomState(0))
    array([0, 1, 1, 2, 3, 3])
    """
    sources = []
    for k in range(n_classes):
        pool = np.flatnonzero(y_encoded == k)
        sources.append(pool[rng.randint(0, pool.size, size=int(round(ratio * pool.size)))])
    return np.concatenate(sources).astype(np.intp)
