"""``check_generator`` and ``check_window_generator``: the two generator protocols, as checks a
third-party generator can run."""

import numpy as np
from sklearn.base import BaseEstimator, clone

__all__ = ["check_generator", "check_window_generator"]


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
    >>> from skaugment.generators import SpectrogramMetricEditSampler
    >>> check_generator(SpectrogramMetricEditSampler(random_state=0))
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


def _windows(n_per_class=8, n_channels=2, n_timesteps=32, seed=0):
    """Two classes of noisy sinusoids (slow and fast) as raw windows ``(n, c, t)``."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_timesteps)
    freq = np.repeat([1.0, 4.0], n_per_class)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, (2 * n_per_class, n_channels, 1))
    X = np.sin(2 * np.pi * freq * t / n_timesteps + phase)
    X += 0.1 * rng.standard_normal(X.shape)
    return X.astype(np.float32), np.repeat(["a", "b"], n_per_class)


def _raises_value_error(call):
    try:
        call()
    except ValueError:
        return True
    return False


def check_window_generator(generator: BaseEstimator) -> None:
    """Check that ``generator`` keeps skaugment's protocol of raw-window generators; raise if not.

    The protocol of the generators of raw windows (``docs/generators.md``), checked on
    a small two-class data set of ``(16, 2, 32)`` windows:

    - ``fit(X, y)`` returns the generator and sets ``input_shape_`` (``X.shape[1:]``);
    - ``sample(y, init=..., random_state=...)`` returns finite float32 windows of
      ``input_shape_``, one per label; ``init`` (real windows of ``input_shape_``,
      one per label) is passed when ``uses_init`` is True (a read-only property);
    - the same ``random_state`` gives the same windows, and a clone fitted with the
      same parameters gives them again;
    - ``init`` of another layout raises ``ValueError`` (when ``uses_init``), and so do
      unknown labels (when the generator records ``classes_``);
    - ``fit_resample(X, y)`` keeps the sampler contract: the real rows first and
      unchanged, then synthetic rows of the same shape, flagged by ``synthetic_mask_``.

    Parameters
    ----------
    generator : estimator
        An unfitted generator of raw windows; it is cloned, the original is left
        untouched.

    Raises
    ------
    AssertionError
        Naming the property that does not hold.

    Examples
    --------
    >>> from skaugment import StatisticalDiffusionSampler
    >>> check_window_generator(StatisticalDiffusionSampler(n_steps=2, base_channels=4,
    ...                                                    n_sampling_steps=1, random_state=0))
    """
    X, y = _windows()
    name = type(generator).__name__
    gen = clone(generator)
    assert gen.fit(X, y) is gen, f"{name}.fit must return self"
    assert tuple(gen.input_shape_) == X.shape[1:], f"{name}.input_shape_ must be X.shape[1:]"
    uses_init = bool(getattr(gen, "uses_init", False))
    rows = np.array([0, 3, 9, 12])
    init = X[rows] if uses_init else None
    out = np.asarray(gen.sample(y[rows], init=init, random_state=0))
    assert out.shape == (len(rows),) + X.shape[1:], f"{name}.sample shape {out.shape}"
    assert out.dtype == np.float32, f"{name}.sample must return float32, got {out.dtype}"
    assert np.isfinite(out).all(), f"{name}.sample must return finite windows"
    again = np.asarray(gen.sample(y[rows], init=init, random_state=0))
    np.testing.assert_array_equal(again, out, f"{name}.sample is not seeded by random_state")
    refit = clone(generator).fit(X, y)
    np.testing.assert_allclose(
        np.asarray(refit.sample(y[rows], init=init, random_state=0)), out, rtol=1e-5,
        atol=1e-6, err_msg=f"a clone of {name} fitted on the same data samples differently")
    if uses_init:
        assert _raises_value_error(lambda: gen.sample(y[rows], init=X[rows, :1])), \
            f"{name}.sample must raise ValueError for init of another layout"
    if hasattr(gen, "classes_"):
        assert _raises_value_error(
            lambda: gen.sample(np.array(["zebra"]), init=X[:1] if uses_init else None)), \
            f"{name}.sample must raise ValueError for an unknown label"

    sampler = clone(generator)
    X_res, y_res = sampler.fit_resample(X, y)
    X_res, y_res = np.asarray(X_res), np.asarray(y_res)
    mask = np.asarray(sampler.synthetic_mask_)
    assert X_res.shape[1:] == X.shape[1:] and mask.shape == (len(X_res),), \
        f"{name}.fit_resample: rows of the input's shape, one synthetic_mask_ entry each"
    np.testing.assert_array_equal(X_res[:len(X)], X, f"{name}.fit_resample: real rows first")
    np.testing.assert_array_equal(y_res[:len(X)], y, f"{name}.fit_resample: real labels first")
    assert not mask[:len(X)].any() and mask[len(X):].all() and mask.sum() > 0, \
        f"{name}.fit_resample: synthetic rows after the real ones, flagged by synthetic_mask_"
