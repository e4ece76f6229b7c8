"""Shared pytest fixtures: HAPT windows, loaded once per session.

The fixtures hand the same arrays to every test: do not modify them in place
(copy first). Kept light: no torch import here.
"""

import numpy as np
import pytest
from sklearn.utils import Bunch

HAPT_SMALL_SUBJECTS = (1, 2)
HAPT_SMALL_PER_CLASS_AND_SUBJECT = 25


def _evenly_spaced(indices, k):
    """``k`` indices spread evenly over ``indices`` (all of them if fewer)."""
    if len(indices) <= k:
        return indices
    return indices[np.linspace(0, len(indices) - 1, k).round().astype(int)]


@pytest.fixture(scope="session")
def hapt():
    """The full default HAPT Bunch (window=128, step=64, 6 activities, 30 subjects)."""
    from skaugment.datasets import load_hapt

    return load_hapt()


@pytest.fixture(scope="session")
def hapt_small(hapt):
    """About 300 HAPT windows: 25 per activity from each of subjects 1 and 2.

    Windows are picked evenly spaced in time within each (subject, activity) so the
    selection is deterministic and not just the first seconds of a recording.
    """
    chosen = []
    for subject in HAPT_SMALL_SUBJECTS:
        for activity in np.unique(hapt.target):
            rows = np.flatnonzero((hapt.groups == subject) & (hapt.target == activity))
            chosen.append(_evenly_spaced(rows, HAPT_SMALL_PER_CLASS_AND_SUBJECT))
    chosen = np.sort(np.concatenate(chosen))
    return Bunch(
        data=hapt.data[chosen].copy(),
        target=hapt.target[chosen].copy(),
        groups=hapt.groups[chosen].copy(),
        channel_names=list(hapt.channel_names),
        modalities={k: list(v) for k, v in hapt.modalities.items()},
        fs=hapt.fs,
        DESCR=hapt.DESCR,
    )
