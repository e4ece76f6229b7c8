"""Classic and EEG signal transforms as an imbalanced-learn sampler on raw windows."""

import inspect
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseAugmenter
from ..utils import check_modalities
from ..utils._docstring import (
    Substitution,
    _random_state_docstring,
    _sampling_strategy_docstring,
)
from ._base import RandomStateArg, SamplingStrategyArg
from .functional import SPECTRAL_TRANSFORMS, TIME_TRANSFORMS

__all__ = ["SignalTransformAugmenter"]

# Arguments the augmenter supplies itself; every other keyword argument of a
# transform is a strength the user may override through ``transform_params``.
_SUPPLIED = {"X", "rng", "groups", "n_fft", "hop_length", "fs"}

TimeTransformName = Literal[
    "rotation", "scaling", "jitter", "time_warp", "magnitude_warp", "permutation", "crop",
    "negation", "ft_surrogate", "smooth_time_mask", "channel_dropout", "channel_shuffle",
    "frequency_shift", "bandstop_filter", "gaussian_noise", "sign_flip", "time_reverse",
]

# What ``transforms="auto"`` resolves to: only label-preserving, never-raising transforms
# (see the class docstring); rotation only where the user named a triaxial sensor.
_AUTO_WITH_ROTATION = ("rotation", "scaling", "jitter")
_AUTO = ("scaling", "jitter")

# Never in a default: they can change the class (see the class docstring).
_LABEL_CHANGING = ("negation", "sign_flip", "time_reverse", "permutation")
SpectralTransformName = Literal["frequency_mask", "frequency_perturb"]


def _transform_function(name):
    return TIME_TRANSFORMS.get(name) or SPECTRAL_TRANSFORMS[name]


def _tunable_defaults(name):
    """``{keyword: default}`` of a transform, read from the function itself."""
    return {
        p.name: p.default
        for p in inspect.signature(_transform_function(name)).parameters.values()
        if p.name not in _SUPPLIED
    }


def _supplied_arguments(name):
    """The arguments of ``_SUPPLIED`` (but ``X``) that a transform takes."""
    params = inspect.signature(_transform_function(name)).parameters
    return [p for p in params if p in _SUPPLIED and p != "X"]


@Substitution(random_state=_random_state_docstring,
              sampling_strategy=_sampling_strategy_docstring)
class SignalTransformAugmenter(BaseAugmenter):
    """Augment raw sensor windows with randomly drawn classic signal transforms.

    Each synthetic row copies a real row of some class (drawn uniformly with
    replacement within the class, ``round(ratio * n_class)`` rows per class or as
    many as ``sampling_strategy`` asks for) and transforms it with the
    time-domain augmentations of Um et al. (2017), "Data augmentation of wearable
    sensor data for Parkinson's disease monitoring using convolutional neural
    networks" (ICMI 2017): rotation, scaling, jittering, time and magnitude
    warping, permutation, cropping, plus negation; or with the EEG / biosignal
    family of Rommel et al. (2022), "Data augmentation for learning predictive
    models on EEG: a systematic comparison" (J. Neural Eng. 19:066020): Fourier
    surrogate, smooth time mask, channel dropout and shuffle, frequency shift,
    band-stop filter, Gaussian noise, sign flip and time reversal. Then,
    optionally, one frequency-domain transform (a frequency mask or a random
    per-bin gain on the STFT, resynthesised with the original phase): the combined
    time- and frequency-domain baseline of Wang et al. (2024), "Fine-grained
    Control of Generative Data Augmentation in IoT Sensing" (NeurIPS 2024), which
    draws two transforms of the list per sample (``n_transforms=2``).

    It works on raw windows ``(n_samples, n_channels, n_timesteps)``, before any
    STFT: put it first in an :func:`imblearn.pipeline.make_pipeline`, e.g. before a
    :class:`~skaugment.SpectrogramTransformer`, so that only training folds are
    augmented. The transforms run in float64; the output is float32, like that of
    the other skaugment samplers. The functions behind it are in
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
    here relative to each channel's std); the defaults of ``"auto"`` (small
    rotation, scaling, jitter: label-preserving for activity windows) were
    compared on HAPT with the recipe of Wang et al. (2024), two of all eight
    time-domain transforms plus one frequency transform per sample, in
    ``benchmarks/results/compare-deepsense.md``. Their meaning is documented in
    the functions of :mod:`skaugment.augmenters.functional`.

    EEG / biosignal transforms, with the magnitudes Rommel et al. (2022) found best
    for motor imagery (their sleep-staging values in brackets). Those marked
    "fs" need the sampling frequency, ``fs``:

    ================  ======================================  =======  =========================
    transform         keyword                                 default  source
    ================  ======================================  =======  =========================
    ft_surrogate      ``phase_noise_magnitude``,              0.9,     Rommel et al. (0.8),
                      ``channel_indep``                       False    braindecode
    smooth_time_mask  ``mask_duration`` (s), fs               1.6      Rommel et al.: 400
                                                                       samples at 250 Hz (200
                                                                       at 100 Hz)
    channel_dropout   ``p_drop`` (per channel)                0.2      braindecode
    channel_shuffle   ``p_shuffle`` (per channel)             0.2      braindecode
    frequency_shift   ``max_shift`` (Hz), fs                  2.7      Rommel et al. (0.3)
    bandstop_filter   ``bandwidth`` (Hz), ``max_freq`` (Hz),  0.4,     Rommel et al. (1.2);
                      fs                                      None     ``None`` is ``fs / 2``
    gaussian_noise    ``sigma`` (times each channel's std)    0.16     Rommel et al. (0.12)
    sign_flip         (none)
    time_reverse      (none)
    ================  ======================================  =======  =========================

    For channel dropout and shuffle, the ``p`` Rommel et al. tune (1.0 and 0.1 for
    motor imagery, 0.4 and 0.8 for sleep staging) is the probability of applying
    the transform to a window (braindecode's ``probability``); here which rows are
    transformed is set by ``transforms`` and ``n_transforms``, so only the
    per-channel probability is a parameter. ``gaussian_noise`` is ``jitter`` with
    Rommel et al.'s strength. A mask longer than the window silences the whole
    window: scale ``mask_duration`` to short windows.

    **Defaults and label-changing transforms.** ``transforms="auto"`` never raises
    on valid data and only uses transforms that keep the class of any sensor
    window: ``("rotation", "scaling", "jitter")`` when ``modalities`` is given and
    names at least one triaxial sensor (a modality of exactly 3 channels; only
    those channels are rotated, the others are left to scaling and jitter), and
    ``("scaling", "jitter")`` otherwise, so that, e.g., a 3-channel EEG without
    ``modalities`` is never rotated. ``"negation"``, ``"sign_flip"``,
    ``"time_reverse"`` and ``"permutation"`` are never part of a default because
    they can change the label: in some EEG tasks the polarity or the time course of
    a potential is the class (an evoked response, a movement onset), and for
    activity windows a negated accelerometer axis is another posture (gravity
    flips) and a reversed or shuffled window another movement. Name them
    explicitly where your task is invariant to them.

    Parameters
    ----------
    transforms : "auto", tuple or list of str, default="auto"
        Time-domain transforms, among ``"rotation"``, ``"scaling"``, ``"jitter"``,
        ``"time_warp"``, ``"magnitude_warp"``, ``"permutation"``, ``"crop"``,
        ``"negation"`` and the EEG transforms ``"ft_surrogate"``,
        ``"smooth_time_mask"``, ``"channel_dropout"``, ``"channel_shuffle"``,
        ``"frequency_shift"``, ``"bandstop_filter"``, ``"gaussian_noise"``,
        ``"sign_flip"``, ``"time_reverse"``; no name twice. May be empty if
        ``spectral_transforms`` is not. ``"auto"`` is resolved at fit (see above)
        into ``transforms_``. An explicit ``"rotation"`` raises a ``ValueError`` at
        fit when there is no triaxial group.
    n_transforms : int, default=None
        ``None`` applies every transform of ``transforms`` to every synthetic row, in
        the order given. An int ``k`` (at most ``len(transforms_)``) draws ``k``
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
        rotation per sample, so the sensors of one device rotate together, and
        leaves the other channels alone.
    n_fft : int, default=32
        STFT frame length of the spectral transforms.
    hop_length : int, default=8
        STFT hop of the spectral transforms; ``None`` is ``n_fft // 4``. Up to
        ``n_fft // 2``, every sample of a window is resynthesised.
    fs : float, default=None
        Sampling frequency of the windows in Hz, given to every transform that
        takes it (``"smooth_time_mask"``, ``"frequency_shift"``,
        ``"bandstop_filter"``); fit raises a ``ValueError`` if one of them is in use
        and ``fs`` is None.
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
    transforms_ : tuple of str
        The time-domain transforms in use: ``transforms``, with ``"auto"``
        resolved.
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
    transforms_applied_ : ndarray of shape (n_generated, n_time_transforms), bool
        Which time-domain transforms each synthetic row went through, one column per
        entry of ``transforms_``.
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
    >>> SignalTransformAugmenter().fit(X, y).transforms_  # no modalities: no rotation
    ('scaling', 'jitter')

    EEG windows (here 14 channels, 1 s at 100 Hz), one EEG transform per row:

    >>> X_eeg = np.random.default_rng(0).standard_normal((12, 14, 100))
    >>> eeg = SignalTransformAugmenter(
    ...     transforms=["ft_surrogate", "smooth_time_mask", "channel_dropout"], n_transforms=1,
    ...     transform_params={"smooth_time_mask": {"mask_duration": 0.2}},
    ...     fs=100.0, ratio=1.0, random_state=0)
    >>> eeg.fit_resample(X_eeg, y)[0].shape
    (24, 14, 100)
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "transforms": [StrOptions({"auto"}), list, tuple],
        "n_transforms": [Interval(Integral, 1, None, closed="left"), None],
        "spectral_transforms": [list, tuple],
        "transform_params": [dict, None],
        "modalities": [dict, None],
        "n_fft": [Interval(Integral, 2, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left"), None],
        "fs": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        transforms: Literal["auto"] | Sequence[TimeTransformName] = "auto",
        n_transforms: int | None = None,
        spectral_transforms: Sequence[SpectralTransformName] = (),
        transform_params: dict[str, dict[str, Any]] | None = None,
        modalities: dict[str, Sequence[int]] | None = None,
        n_fft: int = 32,
        hop_length: int | None = 8,
        fs: float | None = None,
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
        self.fs = fs
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state


    # -- validation ---------------------------------------------------------------------------

    def _resolve_transforms(self):
        """``transforms`` as a list, ``"auto"`` resolved (needs ``modalities_``)."""
        if isinstance(self.transforms, str):  # "auto", the only string the constraints let in
            named_triaxial = self.modalities is not None and bool(self.triaxial_groups_)
            return list(_AUTO_WITH_ROTATION if named_triaxial else _AUTO)
        return list(self.transforms)

    def _check_names(self):
        time, spectral = self._resolve_transforms(), list(self.spectral_transforms)
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

    def _fit(self, X, y, rng):
        self.modalities_ = check_modalities(self.modalities, X.shape[1])
        self.triaxial_groups_ = [list(c) for c in self.modalities_.values() if len(c) == 3]
        time, spectral = self._check_names()
        self._params = self._check_transform_params()
        if self.fs is None:
            for name in time + spectral:
                if "fs" in _supplied_arguments(name):
                    raise ValueError(
                        f"{name!r} needs the sampling frequency: pass fs=... (in Hz) to "
                        f"{type(self).__name__}, e.g. fs=128.0."
                    )
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
        self.transforms_ = tuple(time)

    def _apply(self, name, X, rng):
        supplied = {"rng": rng, "groups": self.triaxial_groups_, "n_fft": self.n_fft,
                    "hop_length": self.hop_length, "fs": self.fs}
        kwargs = {arg: supplied[arg] for arg in _supplied_arguments(name)}
        return _transform_function(name)(X, **kwargs, **self._params[name])

    # -- generation ---------------------------------------------------------------------------

    def _generate(self, X, y, sources, rng):
        time, spectral = list(self.transforms_), list(self.spectral_transforms)
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
        if m == 0:  # a ratio that rounds to no synthetic row: nothing to transform
            self.transforms_applied_, self.spectral_transforms_applied_ = applied, spectral_applied
            return X_new
        # one call per transform on all the rows that drew it, not one call per row
        for name, rows in zip(time + spectral, np.hstack([applied, spectral_applied]).T):
            if rows.all():
                X_new = self._apply(name, X_new, rng)
            elif rows.any():
                X_new[rows] = self._apply(name, X_new[rows], rng)

        self.transforms_applied_ = applied
        self.spectral_transforms_applied_ = spectral_applied
        return X_new
