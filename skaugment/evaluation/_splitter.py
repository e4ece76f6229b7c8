"""The few-subject split: some groups train, the others test, repeated."""

import itertools
import math
from collections.abc import Iterator
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

__all__ = ["GroupHoldoutSplit"]

_MAX_ATTEMPTS = 1000


class GroupHoldoutSplit:
    """``n_train_groups`` random groups for training, the others for testing, repeated.

    The protocol of few-subject sensing: a model trained on a handful of people
    must work on everyone else. Each repetition draws its own training groups.

    Parameters
    ----------
    n_train_groups : int, default=5
        Groups (e.g. subjects) in each training set.
    n_test_groups : int or None, default=None
        Groups in each test set, drawn from the remaining ones; ``None``: all of them.
    n_repeats : int, default=5
        Number of splits.
    random_state : int, default=0
        Split ``i`` draws its groups with ``RandomState(random_state + i)``, so the
        first splits stay the same when ``n_repeats`` grows. When that draw gives the
        training groups of an earlier split, the split draws again (from
        ``RandomState([random_state + i, attempt])``): the paired statistics count
        the splits as independent, so no two share their training groups; more
        repeats than there are distinct training sets raise a ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> groups = np.repeat(np.arange(10), 2)
    >>> split = GroupHoldoutSplit(n_train_groups=3, n_repeats=2)
    >>> [(len(np.unique(groups[tr])), len(np.unique(groups[te])))
    ...  for tr, te in split.split(groups, groups=groups)]
    [(3, 7), (3, 7)]
    """

    _parameter_constraints = {
        "n_train_groups": [Interval(Integral, 1, None, closed="left")],
        "n_test_groups": [None, Interval(Integral, 1, None, closed="left")],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Integral],  # split i uses random_state + i
    }

    def __init__(
        self,
        n_train_groups: int = 5,
        n_test_groups: int | None = None,
        n_repeats: int = 5,
        random_state: int = 0,
    ) -> None:
        self.n_train_groups = n_train_groups
        self.n_test_groups = n_test_groups
        self.n_repeats = n_repeats
        self.random_state = random_state

    def get_n_splits(
        self,
        X: ArrayLike | None = None,
        y: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> int:
        return self.n_repeats

    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )

    def split_groups(self, groups: ArrayLike, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Training and test groups of split ``i`` (sorted)."""
        return next(itertools.islice(self._group_splits(groups), i, None))

    def _group_splits(self, groups):
        """``(training groups, test groups)`` of splits 0, 1, ... in order, each training set
        new (the draws of the earlier splits decide which sets are taken)."""
        self._check_params()
        subjects = np.unique(groups)
        if self.n_train_groups >= len(subjects):
            raise ValueError(
                f"n_train_groups={self.n_train_groups} leaves no test group; the data has "
                f"{len(subjects)} groups."
            )
        n_distinct = math.comb(len(subjects), self.n_train_groups)
        seen = set()
        for i in itertools.count():
            if i >= n_distinct:
                raise ValueError(
                    f"split {i} of GroupHoldoutSplit: {len(subjects)} groups have only "
                    f"{n_distinct} distinct sets of n_train_groups={self.n_train_groups}, and "
                    "repeated training sets would count as independent splits; use n_repeats "
                    f"<= {n_distinct}."
                )
            train, rest = self._draw(subjects, i, seen)
            seen.add(tuple(train))
            test = rest if self.n_test_groups is None else rest[: self.n_test_groups]
            yield train, np.sort(test)

    def _draw(self, subjects, i, seen):
        """``(sorted training groups, the others in drawn order)`` of split ``i``: the first
        draw of ``RandomState(random_state + i)`` whose training set is not in ``seen``."""
        for attempt in range(_MAX_ATTEMPTS):
            seed = self.random_state + i if attempt == 0 else [self.random_state + i, attempt]
            order = np.random.RandomState(seed).permutation(subjects)
            train = np.sort(order[: self.n_train_groups])
            if tuple(train) not in seen:
                return train, order[self.n_train_groups:]
        # nearly every set taken: the first unseen one, in lexicographic order
        train = np.array(next(c for c in itertools.combinations(subjects, self.n_train_groups)
                              if c not in seen))
        return train, np.random.RandomState(self.random_state + i).permutation(
            np.setdiff1d(subjects, train))

    def split(
        self, X: ArrayLike, y: ArrayLike | None = None, groups: ArrayLike | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        self._check_params()
        if groups is None:
            raise ValueError("GroupHoldoutSplit needs groups (e.g. the subject of every window).")
        groups = np.asarray(groups)
        # one pass over the draws (split_groups(i) would redraw splits 0..i for each i)
        for train, test in itertools.islice(self._group_splits(groups), self.n_repeats):
            yield np.flatnonzero(np.isin(groups, train)), np.flatnonzero(np.isin(groups, test))

    def __repr__(self):
        return (f"GroupHoldoutSplit(n_train_groups={self.n_train_groups}, "
                f"n_test_groups={self.n_test_groups}, n_repeats={self.n_repeats}, "
                f"random_state={self.random_state})")
