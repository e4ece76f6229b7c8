"""Classic signal transforms (Um et al., 2017) as an imbalanced-learn sampler on raw windows."""

import inspect
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets

from ..base import WindowSamplerMixin
from ..utils._validation import check_rng
from ..utils import check_labels, check_modalities, check_time_series
from ..utils._docstring import (
    Substitution,
    _random_state_docstring,
    _sampling_strategy_docstring,
)
from ..utils._sampling import (
    record_resampling,
    SAMPLING_STRATEGY_CONSTRAINTS,
    draw_sources_per_class,
    validate_sampling_strategy,
)
from ._base import RandomStateArg, SamplingStrategyArg
from .functional import SPECTRAL_TRANSFORMS, TIME_TRANSFORMS

__all__ = ["SignalTransformAugmenter"]

# Arguments the augmenter supplies itself; every other keyword argument of a
# transform is a strength the user may override through ``transform_params``.
_SUPPLIED = {"X", "rng", "groups", "n_fft", "hop_length"}

TimeTransformName = Literal[
    "rotation", "scaling", "jitter", "time_warp", "magnitude_warp", "permutation", "crop",
    "negation",
]
SpectralTransformName = Literal["frequency_mask", "frequency_perturb"]


def _tunable_defaults(name):
    """``{keyword: default}`` of a transform, read from the function itself."""
    fn = TIME_TRANSFORMS.get(name) or SPECTRAL_TRANSFORMS[name]
    return {
        p.name: p.default
        for p in inspect.signature(fn).parameters.values()
        if p.name not in _SUPPLIED
    }


@Substitution(random_state=_random_state_docstring,
              sampling_strategy=_sampling_strategy_docstring)
class SignalTransformAugmenter(WindowSamplerMixin, BaseEstimator):
    """Augment raw sensor windows with randomly drawn classic signal transforms.

    Each synthetic row copies a real row of some class (drawn uniformly with
    replacement within the class, ``round(ratio * n_class)`` rows per class or as
    many as ``sampling_strategy`` asks for) and transforms it with the
    time-domain augmentations of Um et al. (2017), "Data augmentation of wearable
    sensor data for Parkinson's disease monitoring using convolutional neural
    networks" (ICMI 2017): rotation, scaling, jittering, time and magnitude
    warping, permutation, cropping, plus negation. Then, optionally, one
    frequency-domain transform (a frequency mask or a random per-bin gain on the
    STFT, resynthesised with the original phase): the combined time- and
    frequency-domain baseline of Wang et al. (2024), "Fine-grained Control of
    Generative Data Augmentation in IoT Sensing" (NeurIPS 2024), which draws two
    transforms of the list per sample (``n_transforms=2``).

    It works on raw windows ``(n_samples, n_channels, n_timesteps)``, before any
    STFT: put it first in an :func:`imblearn.pipeline.make_pipeline`, e.g. before a
    :class:`~skaugment.SpectrogramTransformer`, so that only training folds are
    augmented. The functions behind it are in
    :mod:`skaugment.augmenters.functional`.

    Default strengths (override with ``transform_params``):

    =================  ===========================================  ========
    transform          keyword                                      default
    =================  ===========================================  ========
    rotation           ``max_angle`` (degrees)                      15
    scaling            ``sigma``                                    0.1
    jitter             ``sigma`` (times each channel's std)         0.05
    time_warp          ``sigma``, ``n_knots``                       0.2, 4
    magnitude_warp     ``sigma``, ``n_knots``                       0.2, 4
    permutation        ``n_segments``                               4
    crop               ``crop_ratio``                               0.9
    negation           (none)
    frequency_mask     ``max_width`` (bins), ``include_dc``         2, False
    frequency_perturb  ``sigma``                                    0.2
    =================  ===========================================  ========

    Scaling, jitter and the warps use the strengths of Um et al. (2017) (jitter
    here relative to each channel's std); the default ``transforms`` (small
    rotation, scaling, jitter: label-preserving for activity windows) were
    compared on HAPT with the recipe of Wang et al. (2024), two of all eight
    time-domain transforms plus one frequency transform per sample, in
    ``benchmarks/results/compare-deepsense.md``. Their meaning is documented in
    the functions of :mod:`skaugment.augmenters.functional`.

    Parameters
    ----------
    transforms : tuple or list of str, default=("rotation", "scaling", "jitter")
        Time-domain transforms, among ``"rotation"``, ``"scaling"``, ``"jitter"``,
        ``"time_warp"``, ``"magnitude_warp"``, ``"permutation"``, ``"crop"``,
        ``"negation"``; no name twice. May be empty if ``spectral_transforms`` is not.
    n_transforms : int, default=None
        ``None`` applies every transform of ``transforms`` to every synthetic row, in
        the order given. An int ``k`` (at most ``len(transforms)``) draws ``k``
        distinct transforms per synthetic row, uniformly, applied in the order of
        ``transforms``.
    spectral_transforms : tuple or list of str, default=()
        Among ``"frequency_mask"`` and ``"frequency_perturb"``. If not empty, each
        synthetic row then gets ONE of them, drawn uniformly, after its time-domain
        transforms.
    transform_params : dict, default=None
        ``{transform name: {keyword: value}}`` overriding the defaults above, e.g.
        ``{"jitter": {"sigma": 0.1}}``. Unknown names or keywords raise a
        ``ValueError``; entries for known transforms not in use are ignored, so a
        grid search over ``transforms`` can keep one ``transform_params``.
    modalities : dict of str -> list of int, default=None
        Channels of each sensor, e.g. ``{"acc": [0, 1, 2], "gyro": [3, 4, 5]}``;
        ``None`` is one modality holding every channel. ``"rotation"`` turns every
        modality of exactly 3 channels (a triaxial sensor) with the same random
        rotation per sample, so the sensors of one device rotate together.
    n_fft : int, default=32
        STFT frame length of the spectral transforms.
    hop_length : int, default=8
        STFT hop of the spectral transforms; ``None`` is ``n_fft // 4``. Up to
        ``n_fft // 2``, every sample of a window is resynthesised.
    ratio : float, default=5.0
        Number of generated samples divided by the number of real samples. Each
        class gets ``round(ratio * n_class)`` new samples, so class proportions are
        kept.
    %(sampling_strategy)s
    %(random_state)s
        Draws, in this order: the source rows, the transforms of each row, then the
        transforms' own randomness.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen at fit.
    modalities_ : dict of str -> list of int
        The validated ``modalities``.
    triaxial_groups_ : list of list of int
        The channel groups ``"rotation"`` turns (modalities of exactly 3 channels).
    sampling_strategy_ : dict
        Number of synthetic samples generated for each class.
    synthetic_mask_ : ndarray of shape (n_samples + n_generated,), bool
        True for the synthetic rows of the last output.
    sample_indices_ : ndarray of shape (n_samples + n_generated,), int
        For every output row, the index of its real source row (itself for a real
        row).
    transforms_applied_ : ndarray of shape (n_generated, len(transforms)), bool
        Which time-domain transforms each synthetic row went through.
    spectral_transforms_applied_ : ndarray of shape (n_generated, len(spectral_transforms)), bool
        Which spectral transform each synthetic row went through (one per row, or
        none when ``spectral_transforms`` is empty).

    See Also
    --------
    skaugment.augmenters.functional : The transforms as functions.
    skaugment.SpectrogramTransformer : The usual next step of a pipeline.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.augmenters._signal_transform import SignalTransformAugmenter
    >>> from skaugment.datasets import make_synthetic_imu
    >>> X, y = make_synthetic_imu(n_samples=12, n_channels=6, n_timesteps=64, random_state=0)
    >>> aug = SignalTransformAugmenter(
    ...     transforms=["rotation", "scaling", "jitter", "time_warp"], n_transforms=2,
    ...     spectral_transforms=["frequency_mask"], ratio=1.0,
    ...     modalities={"acc": [0, 1, 2], "gyro": [3, 4, 5]}, random_state=0)
    >>> X_res, y_res = aug.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype
    ((24, 6, 64), dtype('float32'))
    >>> aug.transforms_applied_.sum(axis=1).tolist() == [2] * 12
    True
    >>> bool(np.array_equal(X_res[:12], X))
    True
    """

    _parameter_constraints = {
        "transforms": [list, tuple],
        "n_transforms": [Interval(Integral, 1, None, closed="left"), None],
        "spectral_transforms": [list, tuple],
        "transform_params": [dict, None],
        "modalities": [dict, None],
        "n_fft": [Interval(Integral, 2, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left"), None],
        "ratio": [Interval(Real, 0, None, closed="neither")],
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINTS,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        transforms: Sequence[TimeTransformName] = ("rotation", "scaling", "jitter"),
        n_transforms: int | None = None,
        spectral_transforms: Sequence[SpectralTransformName] = (),
        transform_params: dict[str, dict[str, Any]] | None = None,
        modalities: dict[str, Sequence[int]] | None = None,
        n_fft: int = 32,
        hop_length: int | None = 8,
        ratio: float = 5.0,
        sampling_strategy: SamplingStrategyArg = None,
        random_state: RandomStateArg = None,
    ) -> None:
        self.transforms = transforms
        self.n_transforms = n_transforms
        self.spectral_transforms = spectral_transforms
        self.transform_params = transform_params
        self.modalities = modalities
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state


    # -- validation ---------------------------------------------------------------------------

    def _check_names(self):
        time, spectral = list(self.transforms), list(self.spectral_transforms)
        for names, known, param in (
            (time, TIME_TRANSFORMS, "transforms"),
            (spectral, SPECTRAL_TRANSFORMS, "spectral_transforms"),
        ):
            unknown = [name for name in names if name not in known]
            if unknown:
                hint = ""
                other = SPECTRAL_TRANSFORMS if known is TIME_TRANSFORMS else TIME_TRANSFORMS
                if all(name in other for name in unknown):
                    hint = f" ({unknown} belong in the other list)"
                raise ValueError(
                    f"{param} names unknown transform(s) {unknown}{hint}; known: {list(known)}."
                )
            dup = sorted({name for name in names if names.count(name) > 1})
            if dup:
                raise ValueError(f"{param} names {dup} more than once.")
        if not time and not spectral:
            raise ValueError(
                "transforms and spectral_transforms are both empty: there is nothing to apply."
            )
        if self.n_transforms is not None and self.n_transforms > len(time):
            raise ValueError(
                f"n_transforms={self.n_transforms} is more than the {len(time)} transform(s) "
                f"listed in transforms {time}; use n_transforms <= {len(time)} or None."
            )
        return time, spectral

    def _check_transform_params(self):
        params = {} if self.transform_params is None else self.transform_params
        known = {**TIME_TRANSFORMS, **SPECTRAL_TRANSFORMS}
        unknown = [name for name in params if name not in known]
        if unknown:
            raise ValueError(
                f"transform_params names unknown transform(s) {unknown}; known: {list(known)}."
            )
        resolved = {}
        for name in known:
            defaults = _tunable_defaults(name)
            given = params.get(name)
            given = {} if given is None else given
            if not isinstance(given, dict):
                raise TypeError(
                    f"transform_params[{name!r}] must be a dict of keyword arguments; got "
                    f"{type(given).__name__}."
                )
            bad = sorted(set(given) - set(defaults))
            if bad:
                raise ValueError(
                    f"transform_params[{name!r}] has unknown keyword(s) {bad}; {name} accepts "
                    f"{sorted(defaults) or 'none'}."
                )
            resolved[name] = {**defaults, **given}
        return resolved

    def _validate_input(self, X, y):
        X_arr = check_time_series(X)
        if np.ndim(X) == 2:
            raise ValueError(
                f"{type(self).__name__} takes 3-D raw windows (n_samples, n_channels, "
                f"n_timesteps); got a 2-D X of shape {np.shape(X)}. For single-channel "
                "windows use X[:, np.newaxis, :]."
            )
        y = check_labels(y, n_samples=X_arr.shape[0])
        check_classification_targets(y)
        validate_sampling_strategy(self.sampling_strategy, y)
        return X_arr, y

    def _fit(self, X, y):
        X, y = self._validate_input(X, y)
        time, spectral = self._check_names()
        self._params = self._check_transform_params()
        self.modalities_ = check_modalities(self.modalities, X.shape[1])
        self.triaxial_groups_ = [list(c) for c in self.modalities_.values() if len(c) == 3]
        if "rotation" in time and not self.triaxial_groups_:
            raise ValueError(
                "'rotation' needs a triaxial channel group (a modality of exactly 3 "
                f"channels), but the modalities {self.modalities_} have none (X has "
                f"{X.shape[1]} channel(s)). Name each 3-axis sensor in modalities, e.g. "
                "modalities={'acc': [0, 1, 2], 'gyro': [3, 4, 5]}, or remove 'rotation' "
                "from transforms."
            )
        # One row through every transform in use, with a throwaway generator: a bad
        # strength (a crop longer than the window, ...) fails now with the transform's
        # own message, not only when some row happens to draw it.
        probe = np.random.RandomState(0)
        for name in time + spectral:
            self._apply(name, X[:1], probe)
        self.classes_ = np.unique(y)
        return X, y, time, spectral

    def _apply(self, name, X, rng):
        if name in SPECTRAL_TRANSFORMS:
            return SPECTRAL_TRANSFORMS[name](
                X, n_fft=self.n_fft, hop_length=self.hop_length, rng=rng, **self._params[name]
            )
        fn = TIME_TRANSFORMS[name]
        if name == "negation":
            return fn(X)
        if name == "rotation":
            return fn(X, groups=self.triaxial_groups_, rng=rng, **self._params[name])
        return fn(X, rng=rng, **self._params[name])

    # -- fit ----------------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> "SignalTransformAugmenter":
        """Check the data and the parameters without generating anything.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps)
            Raw windows.
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self
        """
        self._fit(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Return the real windows followed by transformed copies of them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps)
            Raw windows (NaN and inf are rejected).
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        X_res : ndarray of shape (n_samples + n_generated, n_channels, n_timesteps), float32
            The real windows first, in their order, then the synthetic ones; float32
            like the other skaugment samplers (transforms run in float64).
        y_res : ndarray of shape (n_samples + n_generated,)
            Their labels, in the dtype of ``y``.
        """
        X, y, time, spectral = self._fit(X, y)
        rng = check_rng(self.random_state)
        y_encoded = np.searchsorted(self.classes_, y)
        sources = draw_sources_per_class(y_encoded, len(self.classes_), self.ratio, rng,
                                         sampling_strategy=self.sampling_strategy,
                                         classes=self.classes_)
        m = sources.size

        if self.n_transforms is None:
            applied = np.ones((m, len(time)), dtype=bool)
        else:
            # the k smallest of iid uniforms: k distinct transforms, uniformly per row
            chosen = np.argsort(rng.random_sample((m, len(time))), axis=1)[:, : self.n_transforms]
            applied = np.zeros((m, len(time)), dtype=bool)
            np.put_along_axis(applied, chosen, True, axis=1)
        spectral_applied = np.zeros((m, len(spectral)), dtype=bool)
        if spectral:
            spectral_applied[np.arange(m), rng.randint(len(spectral), size=m)] = True

        X_new = X[sources].astype(np.float64)
        # one call per transform on all the rows that drew it, not one call per row
        for name, rows in zip(time + spectral, np.hstack([applied, spectral_applied]).T):
            if rows.all():
                X_new = self._apply(name, X_new, rng)
            elif rows.any():
                X_new[rows] = self._apply(name, X_new[rows], rng)

        self.transforms_applied_ = applied
        self.spectral_transforms_applied_ = spectral_applied
        record_resampling(self, X.shape[0], sources, y[sources])
        X_res = np.concatenate([X.astype(np.float32), X_new.astype(np.float32)], axis=0)
        y_res = np.concatenate([y, y[sources]])
        return X_res, y_res
