"""``check_generator``: the generator protocol, as a check a third-party generator can run."""

import numpy as np
from sklearn.base import BaseEstimator, clone

__all__ = ["check_generator"]


def _spectrograms(n_per_class=8, n_channels=2, shape=(9, 8), seed=0):
    """Two classes of smooth, non-negative spectrograms that differ in level and tilt."""
    rng = np.random.RandomState(seed)
    n_freqs, n_frames = shape
    tilt = np.linspace(1.0, 0.2, n_freqs)[:, None]
    base = np.concatenate([np.full(n_per_class, 1.0), np.full(n_per_class, 2.5)])
    S = base[:, None, None, None] * tilt * rng.gamma(4.0, 0.25, (2 * n_per_class, n_channels,
                                                                 n_freqs, n_frames))
    y = np.repeat(["a", "b"], n_per_class)
    return S.astype(np.float32), y


def check_generator(generator: BaseEstimator) -> None:
    """Check that ``generator`` keeps skaugment's generator protocol; raise if not.

    What the metric augmenters rely on (see ``docs/generators.md``), checked on a
    small two-class data set of ``(16, 2, 9, 8)`` spectrograms:

    - ``fit(S, y)`` returns the generator and sets ``classes_`` (sorted labels),
      ``input_shape_`` (``S.shape[1:]``), ``condition_names_`` and ``n_conditions_``
      (one ``"{channel}__{metric}"`` column per channel and metric);
    - ``conditions_from(S)`` returns a finite ``(n_samples, n_conditions_)`` float table;
    - ``sample(y, conditions, init=..., random_state=...)`` returns finite,
      non-negative float32 spectrograms of ``input_shape_``, one per label, whether
      ``conditions`` is given or None; ``init`` is passed when ``uses_init`` is True
      (a read-only property, False when absent);
    - the same ``random_state`` gives the same samples, and a clone fitted with the
      same parameters gives them again;
    - unknown labels and a condition table of the wrong width raise ``ValueError``.

    Parameters
    ----------
    generator : estimator
        An unfitted generator; it is cloned, the original is left untouched.

    Raises
    ------
    AssertionError
        Naming the property that does not hold.

    Examples
    --------
    >>> from skaugment.generators import MetricEditSampler
    >>> check_generator(MetricEditSampler(random_state=0))
    """
    S, y = _spectrograms()
    name = type(generator).__name__
    gen = clone(generator)
    assert gen.fit(S, y) is gen, f"{name}.fit must return self"
    np.testing.assert_array_equal(gen.classes_, np.unique(y), f"{name}.classes_")
    assert tuple(gen.input_shape_) == S.shape[1:], f"{name}.input_shape_ must be S.shape[1:]"
    names = list(gen.condition_names_)
    assert len(names) == gen.n_conditions_, f"{name}: len(condition_names_) != n_conditions_"
    assert all("__" in str(n) for n in names), f"{name}.condition_names_ are channel__metric"

    M = np.asarray(gen.conditions_from(S))
    assert M.shape == (len(S), gen.n_conditions_), f"{name}.conditions_from shape {M.shape}"
    assert np.isfinite(M).all(), f"{name}.conditions_from returned non-finite values"

    uses_init = bool(getattr(gen, "uses_init", False))
    rows = np.array([0, 3, 9, 12])
    init = S[rows] if uses_init else None
    for conditions in (M[rows] * 1.1, None):
        out = np.asarray(gen.sample(y[rows], conditions, init=init, random_state=0))
        assert out.shape == (len(rows),) + S.shape[1:], f"{name}.sample shape {out.shape}"
        assert out.dtype == np.float32, f"{name}.sample must return float32, got {out.dtype}"
        assert np.isfinite(out).all() and (out >= 0).all(), \
            f"{name}.sample must return finite magnitudes (non-negative)"
    again = np.asarray(gen.sample(y[rows], None, init=init, random_state=0))
    np.testing.assert_array_equal(again, out, f"{name}.sample is not seeded by random_state")
    refit = clone(generator).fit(S, y)
    np.testing.assert_allclose(
        np.asarray(refit.sample(y[rows], None, init=init, random_state=0)), out, rtol=1e-5,
        atol=1e-6, err_msg=f"a clone of {name} fitted on the same data samples differently")

    for bad, what in ((lambda: gen.sample(np.array(["zebra"]), None, init=S[:1] if uses_init
                                          else None), "an unknown label"),
                      (lambda: gen.sample(y[rows], M[rows, :-1], init=init),
                       "a condition table of the wrong width")):
        try:
            bad()
        except ValueError:
            continue
        raise AssertionError(f"{name}.sample must raise ValueError for {what}")
