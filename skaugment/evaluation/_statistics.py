"""Paired differences of two methods' scores over the same runs, with a confidence interval."""

from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["paired_difference"]


@validate_params(
    {
        "a": ["array-like"],
        "b": ["array-like"],
        "confidence": [Interval(Real, 0, 1, closed="neither")],
        "test_train_ratio": [None, Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def paired_difference(
    a: ArrayLike, b: ArrayLike, confidence: float = 0.95, test_train_ratio: float | None = None
) -> dict[str, float]:
    """Mean of ``a - b`` over paired runs with a Student-t confidence interval.

    Parameters
    ----------
    a, b : array-like of shape (n_runs,)
        Scores of two methods on the same splits and seeds.
    confidence : float, default=0.95
    test_train_ratio : float or None, default=None
        ``n_test / n_train`` of the splits. When given, the variance of the mean is
        inflated to ``(1 / n + test_train_ratio) * var`` (the corrected resampled
        t-test of Nadeau and Bengio, 2003, "Inference for the Generalization
        Error"), which accounts for training and test sets that overlap between
        splits; None is the plain paired t-interval.

    Returns
    -------
    result : dict
        ``mean``, ``std`` (sample std of the differences), ``ci_low``, ``ci_high``
        (NaN with fewer than 2 runs), ``wins`` (runs where ``a > b``), ``n``.

    Examples
    --------
    >>> d = paired_difference([0.80, 0.82, 0.85], [0.78, 0.80, 0.80])
    >>> round(d["mean"], 3), d["wins"], round(d["ci_low"], 3), round(d["ci_high"], 3)
    (0.03, 3, -0.013, 0.073)
    """
    from scipy import stats

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be 1-D scores of the same runs; got shapes {a.shape} "
                         f"and {b.shape}.")
    d = a - b
    n = d.size
    mean = float(d.mean()) if n else float("nan")
    std = float(d.std(ddof=1)) if n > 1 else float("nan")
    if n > 1:
        factor = 1.0 / n if test_train_ratio is None else 1.0 / n + float(test_train_ratio)
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * std * np.sqrt(factor))
        low, high = mean - half, mean + half
    else:
        low = high = float("nan")
    return {"mean": mean, "std": std, "ci_low": low, "ci_high": high,
            "wins": int(np.sum(d > 0)), "n": int(n)}
