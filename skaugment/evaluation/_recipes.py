"""The named augmentation methods of the comparisons, as steps for ``compare_augmenters``."""

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from sklearn.base import BaseEstimator

from ._method import TEST_WINDOWS

if TYPE_CHECKING:
    from ..spectral import SpectrogramTransformer

__all__ = ["AUGMENTATION_METHODS", "PRETRAIN_METHODS", "RENAMED_METHODS", "SIGNALS",
           "SPECTROGRAM_METHODS", "TRANSDUCTIVE_METHODS", "augmentation_methods",
           "canonical_method_name"]

#: Name -> what the method does, for every name :func:`augmentation_methods` builds.
AUGMENTATION_METHODS = {
    "none": "no augmentation",
    "transforms": "small label-preserving transforms for the signal: rotation (of triaxial "
                  "IMU sensors), scaling and jitter; scaling and jitter elsewhere",
    "eeg-transforms": "one EEG transform per sample (Rommel et al. 2022): Fourier-transform "
                      "surrogate, smooth time mask, channel dropout, frequency shift, "
                      "band-stop filter or Gaussian noise, at their motor-imagery magnitudes",
    "time-freq": "2 of 8 time-domain transforms + 1 frequency transform per sample "
                 "(the baseline of Wang et al. 2024; negation and permutation included, "
                 "rotation only where the signal has triaxial sensors)",
    "mixup": "mixup (Zhang et al. 2018): of spectrograms for a spectrogram classifier, of "
             "raw windows for a window classifier; soft labels, or the label of the larger "
             "component for classifiers that take only hard labels",
    "edit-disturb": "metric disturbance of real spectrograms by training-free editing "
                    "(MetricDisturbAugmenter + SpectrogramMetricEditSampler)",
    "transforms-edit": "classic transforms, then metric editing of each transformed window "
                       "(WindowMetricEditAugmenter)",
    "diff-disturb": "metric disturbance by the conditional diffusion model",
    "diff-disturb-lf": "diff-disturb, keeping the synthetic rows that a classifier of the real "
                       "rows gives their label with probability >= 0.9 (LabelFidelityFilter)",
    "diff-interp": "metric interpolation by the conditional diffusion model",
    "diff-knowledge": "domain-knowledge ranges by the conditional diffusion model",
    "vae-disturb": "metric disturbance by the conditional hierarchical VAE",
    "vae-interp": "metric interpolation by the conditional hierarchical VAE",
    "cvae": "label-only conditional VAE (its own fit_resample)",
    "cgan": "label-only conditional GAN (DCGAN, WGAN-GP; its own fit_resample)",
    "feature-interp": "same-class pairs interpolated in an autoencoder's feature space "
                      "(DeVries & Taylor 2017)",
    "edit-target": "transductive: training spectrograms edited to the metrics of unlabelled "
                   "test windows of their (predicted) class (MetricTargetAugmenter + "
                   "SpectrogramMetricEditSampler; Reconst of Wang et al. 2024)",
    "transforms-edit-target": "transductive: the time-freq transforms, then each window edited to the "
                     "metrics of an unlabelled test window of its (predicted) class "
                     "(WindowMetricEditAugmenter(target=...))",
    "diff-target": "transductive: the conditional diffusion model asked for the metrics of "
                   "unlabelled test windows (MetricTargetAugmenter; Reconst of Wang et al. 2024)",
    "sensegen": "label-conditioned LSTM + mixture density network of raw windows "
                "(SenseGenSampler; Alzantot et al. 2017)",
    "sfdm": "raw windows from a diffusion model guided by the statistical features of real "
            "windows, whose labels they take (StatisticalDiffusionSampler; Zuo et al. 2023)",
    "sfdm-pretrain": "sfdm's windows, used to pre-train the classifier before it is fine-tuned "
                     "on the real windows (the schedule of Zuo et al. 2023)",
}

#: The methods that see the test rows' input (never their labels): each is given
#: :data:`~skaugment.evaluation.TEST_WINDOWS` as its ``target``.
TRANSDUCTIVE_METHODS = ("edit-target", "transforms-edit-target", "diff-target")

#: The methods whose classifier :func:`~skaugment.evaluation.compare_augmenters`
#: pre-trains on the synthetic rows and then fine-tunes on the real rows, instead of
#: training it on both mixed (its ``pretrain_on_synthetic`` default).
PRETRAIN_METHODS = ("sfdm-pretrain",)

#: The methods whose synthetic rows are spectrograms (metric-space augmentation and
#: the spectrogram generators): they feed a classifier of spectrograms only.
SPECTROGRAM_METHODS = ("edit-disturb", "diff-disturb", "diff-disturb-lf", "diff-interp",
                       "diff-knowledge", "vae-disturb", "vae-interp", "cvae", "cgan",
                       "feature-interp", "edit-target", "diff-target")

#: Old name -> new name of the recipes renamed in 0.1 (each name now says how it
#: augments: the training-free editor, "edit", or the transforms then the editor);
#: the old names still build their recipe, with a ``FutureWarning``, until 0.2.
RENAMED_METHODS = {"metric-edit": "edit-disturb", "hybrid": "transforms-edit",
                   "target-edit": "edit-target", "hybrid-target": "transforms-edit-target"}

#: The kinds of signal :func:`augmentation_methods` builds recipes for.
SIGNALS = ("imu", "eeg", "generic")

# The eight time-domain transforms of Um et al. (2017) that Wang et al. (2024) draw
# two of per sample, followed by one of their two frequency-domain transforms.
_TIME_FREQ = {
    "transforms": ("jitter", "scaling", "negation", "permutation", "time_warp",
                   "magnitude_warp", "rotation", "crop"),
    "n_transforms": 2,
    "spectral_transforms": ("frequency_mask", "frequency_perturb"),
}

# Small label-preserving transforms per kind of signal: a rotation of a triaxial sensor is
# another way of wearing it; nothing rotates EEG electrodes or a generic channel.
_TRANSFORMS = {"imu": ("rotation", "scaling", "jitter"), "eeg": ("scaling", "jitter"),
               "generic": ("scaling", "jitter")}

# Rommel et al. (2022): the transforms that helped on EEG without changing its labels
# (sign flip and time reverse can: opt-in only), one per sample, at the magnitudes the
# functions default to.
_EEG_TRANSFORMS = {
    "transforms": ("ft_surrogate", "smooth_time_mask", "channel_dropout", "frequency_shift",
                   "bandstop_filter", "gaussian_noise"),
    "n_transforms": 1,
}

# Case study 1 of Wang et al. (2024): more contrast and F0 amplitude, less flatness.
_KNOWLEDGE_RANGES = {"contrast": (0.1, 0.4), "flatness": (-0.4, -0.1),
                     "f0_amplitude": (0.1, 0.4)}


def canonical_method_name(name: str) -> str:
    """The current name of a recipe: ``name`` itself, or its new name if it was renamed.

    A renamed recipe's old name (a key of :data:`RENAMED_METHODS`) warns with a
    ``FutureWarning`` that names the new one.

    Examples
    --------
    >>> import warnings
    >>> from skaugment.evaluation import canonical_method_name
    >>> canonical_method_name("time-freq")
    'time-freq'
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     canonical_method_name("hybrid"), caught[0].category.__name__
    ('transforms-edit', 'FutureWarning')
    """
    if name in RENAMED_METHODS:
        new = RENAMED_METHODS[name]
        warnings.warn(f"the augmentation method {name!r} is now called {new!r}; the old name "
                      "is removed in 0.2.", FutureWarning, stacklevel=3)
        return new
    return name


def augmentation_methods(
    names: Sequence[str] | None = None,
    *,
    modalities: dict[str, Sequence[int]] | None = None,
    channel_names: Sequence[str] | None = None,
    fs: float | None = None,
    ratio: float = 5.0,
    n_fft: int = 32,
    hop_length: int = 8,
    generator_params: dict[str, Any] | None = None,
    signal: Literal["imu", "eeg", "generic"] | None = None,
    classifier_input: Literal["spectrogram", "window"] = "spectrogram",
    soft_labels: bool = True,
) -> tuple[dict[str, list[BaseEstimator] | None], "SpectrogramTransformer | None"]:
    """Build the steps of named augmentation methods for :func:`compare_augmenters`.

    The recipes behind ``skaugment compare`` and the README's benchmark tables, so
    that a comparison on one's own data uses exactly the same methods. Each recipe
    fits the declared kind of signal: a transform that needs triaxial sensors
    (rotation) is used only where the signal has them, so every recipe runs on
    any valid data.

    Parameters
    ----------
    names : list of str, default=None
        Keys of :data:`AUGMENTATION_METHODS`; ``None`` builds every method that
        fits ``classifier_input``. An old name of :data:`RENAMED_METHODS` builds
        the renamed recipe under the name given, with a ``FutureWarning``.
    modalities : dict of str -> list of int, default=None
        Channel groups (e.g. ``{"acc": [0, 1, 2], "gyro": [3, 4, 5]}``), passed to
        every augmenter and generator; rotations need triaxial groups.
    channel_names : list of str, default=None
        Names of the channels, used in the generators' condition names.
    fs : float or None, default=None
        Sampling frequency of the windows, in Hz. The EEG transforms shift
        frequencies and mask durations in Hz and seconds, so ``"eeg-transforms"``
        raises a ``ValueError`` at fit without it; the STFT takes 1 Hz when None.
    ratio : float, default=5.0
        Synthetic rows per real row of every augmenter.
    n_fft, hop_length : int, default=32, 8
        The STFT of the spectrograms the classifier and the metric augmenters see.
    generator_params : dict, default=None
        Parameters of the :class:`~skaugment.ConditionalDiffusionSampler` of the
        ``diff-*`` methods (e.g. ``{"strength": 0.5}``); the VAE and GAN methods
        use their generators' defaults.
    signal : {"imu", "eeg", "generic"} or None, default=None
        The kind of signal. ``"imu"``: triaxial inertial sensors, rotated by
        ``transforms`` and ``time-freq``; ``"eeg"`` and ``"generic"``: no rotation.
        ``None``: ``"imu"`` when ``modalities`` declares a group of exactly three
        channels, ``"generic"`` otherwise.
    classifier_input : {"spectrogram", "window"}, default="spectrogram"
        What the classifier takes. ``"spectrogram"``: every recipe ends in the
        returned STFT, the classifier's preprocessing. ``"window"`` (e.g. aeon's
        MiniRocket, :class:`~skaugment.classifiers.InceptionTimeClassifier`): the
        raw-window recipes run without the STFT and the returned preprocessing is
        None; the recipes of :data:`SPECTROGRAM_METHODS` cannot feed such a
        classifier and raise a ``ValueError``.
    soft_labels : bool, default=True
        Whether the classifier trains on label distributions, as skaugment's
        classifiers do. False gives mixup ``labels="hard"``, which any
        scikit-learn classifier takes.

    Returns
    -------
    methods : dict of str -> list of steps or None
        For ``compare_augmenters(..., methods)``; ``"none"`` maps to None.
    preprocessing : SpectrogramTransformer or None
        The step that turns windows into the classifier's input (``preprocessing=``);
        None for a classifier of raw windows.

    Examples
    --------
    >>> from skaugment.evaluation import augmentation_methods
    >>> methods, stft = augmentation_methods(["none", "transforms", "transforms-edit"],
    ...                                      modalities={"acc": [0, 1, 2]}, fs=50.0)
    >>> [type(s).__name__ for s in methods["transforms"]]
    ['SignalTransformAugmenter', 'SpectrogramTransformer']
    >>> methods["transforms"][0].transforms
    ('rotation', 'scaling', 'jitter')
    >>> methods["none"] is None, stft.n_fft
    (True, 32)

    EEG windows for a classifier of raw windows: no rotation, no STFT.

    >>> methods, pre = augmentation_methods(["none", "transforms", "eeg-transforms", "mixup"],
    ...                                     signal="eeg", fs=100.0, ratio=1.0,
    ...                                     classifier_input="window", soft_labels=False)
    >>> pre is None, methods["transforms"][0].transforms, methods["mixup"][0].labels
    (True, ('scaling', 'jitter'), 'hard')
    """
    from .. import (
        ConditionalDiffusionSampler,
        ConditionalGANSampler,
        ConditionalVAESampler,
        MetricDisturbAugmenter,
        MetricInterpolationAugmenter,
        MetricKnowledgeAugmenter,
        MetricTargetAugmenter,
        SpectrogramTransformer,
    )
    from ..augmenters import (
        FeatureInterpolationAugmenter,
        LabelFidelityFilter,
        WindowMetricEditAugmenter,
        MixupAugmenter,
        SignalTransformAugmenter,
    )
    from ..generators import (
        SenseGenSampler,
        SpectrogramMetricEditSampler,
        StatisticalDiffusionSampler,
    )

    if classifier_input not in ("spectrogram", "window"):
        raise ValueError("classifier_input must be 'spectrogram' or 'window'; got "
                         f"{classifier_input!r}.")
    windows = classifier_input == "window"
    if names is None:
        names = [n for n in AUGMENTATION_METHODS if not (windows and n in SPECTROGRAM_METHODS)]
    names = list(names)
    unknown = [n for n in names if n not in AUGMENTATION_METHODS and n not in RENAMED_METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known: {list(AUGMENTATION_METHODS)}.")
    # the result keeps the names as given, so code written for an old name still runs
    current = {name: canonical_method_name(name) for name in names}
    if windows:
        spectral = [n for n in names if current[n] in SPECTROGRAM_METHODS]
        if spectral:
            raise ValueError(
                f"{spectral} generate spectrograms, which a classifier of raw windows cannot "
                "take; leave them out or use a spectrogram classifier "
                "(classifier_input='spectrogram').")
    if signal is None:
        triaxial = modalities is not None and any(len(c) == 3 for c in modalities.values())
        signal = "imu" if triaxial else "generic"
    elif signal not in SIGNALS:
        raise ValueError(f"signal must be one of {list(SIGNALS)} or None; got {signal!r}.")
    elif signal == "imu" and not (modalities and any(len(c) == 3 for c in modalities.values())):
        raise ValueError("signal='imu' rotates triaxial sensors, but modalities declares none "
                         f"(got {modalities!r}); name each 3-axis sensor, e.g. "
                         "modalities={'acc': [0, 1, 2]}, or use signal='generic'.")
    stft_params = {"n_fft": n_fft, "hop_length": hop_length}
    stft = SpectrogramTransformer(fs=1.0 if fs is None else fs, **stft_params)
    generator_params = dict(generator_params or {})
    mods = modalities
    # the raw-window steps end in the STFT only when the classifier takes spectrograms
    tail = [] if windows else [stft]
    time_freq = dict(_TIME_FREQ)
    if signal != "imu":
        time_freq["transforms"] = tuple(t for t in time_freq["transforms"] if t != "rotation")

    def transforms(**params):
        return SignalTransformAugmenter(modalities=mods, fs=fs, **params)

    def diffusion():
        return ConditionalDiffusionSampler(modalities=mods, channel_names=channel_names,
                                           **generator_params)

    def vae(**params):
        return ConditionalVAESampler(modalities=mods, channel_names=channel_names, **params)

    def mixup():
        return MixupAugmenter(ratio=ratio, labels="soft" if soft_labels else "hard")

    builders = {
        "none": lambda: None,
        "transforms": lambda: [transforms(transforms=_TRANSFORMS[signal], ratio=ratio)] + tail,
        "eeg-transforms": lambda: [transforms(ratio=ratio, **_EEG_TRANSFORMS)] + tail,
        "time-freq": lambda: [transforms(ratio=ratio, **time_freq)] + tail,
        "mixup": lambda: [mixup()] if windows else [stft, mixup()],
        "edit-disturb": lambda: [stft, MetricDisturbAugmenter(
            generator=SpectrogramMetricEditSampler(modalities=mods, channel_names=channel_names),
            ratio=ratio)],
        "transforms-edit": lambda: [WindowMetricEditAugmenter(
            transforms=transforms(transforms=_TRANSFORMS[signal]), modalities=mods,
            ratio=ratio, **stft_params)] + tail,
        "diff-disturb": lambda: [stft, MetricDisturbAugmenter(generator=diffusion(), ratio=ratio)],
        "diff-disturb-lf": lambda: [stft, LabelFidelityFilter(
            MetricDisturbAugmenter(generator=diffusion(), ratio=ratio), threshold=0.9)],
        "diff-interp": lambda: [stft, MetricInterpolationAugmenter(generator=diffusion(),
                                                                   ratio=ratio)],
        "diff-knowledge": lambda: [stft, MetricKnowledgeAugmenter(
            generator=diffusion(), ranges=_KNOWLEDGE_RANGES, ratio=ratio)],
        "vae-disturb": lambda: [stft, MetricDisturbAugmenter(generator=vae(), ratio=ratio)],
        "vae-interp": lambda: [stft, MetricInterpolationAugmenter(generator=vae(), ratio=ratio)],
        "cvae": lambda: [stft, vae(condition="label", ratio=ratio)],
        "cgan": lambda: [stft, ConditionalGANSampler(modalities=mods, channel_names=channel_names,
                                                     ratio=ratio)],
        "feature-interp": lambda: [stft, FeatureInterpolationAugmenter(modalities=mods,
                                                                       ratio=ratio)],
        "edit-target": lambda: [stft, MetricTargetAugmenter(
            generator=SpectrogramMetricEditSampler(modalities=mods, channel_names=channel_names),
            target=TEST_WINDOWS, ratio=ratio)],
        # no disturbance on top: the target's metrics are the request
        "transforms-edit-target": lambda: [WindowMetricEditAugmenter(
            transforms=transforms(**time_freq), target=TEST_WINDOWS,
            low=0.0, high=0.0, modalities=mods, ratio=ratio, **stft_params)] + tail,
        "diff-target": lambda: [stft, MetricTargetAugmenter(generator=diffusion(),
                                                            target=TEST_WINDOWS, ratio=ratio)],
        "sensegen": lambda: [SenseGenSampler(ratio=ratio)] + tail,
        "sfdm": lambda: [StatisticalDiffusionSampler(ratio=ratio)] + tail,
        # the same windows; compare_augmenters changes how the classifier trains on them
        "sfdm-pretrain": lambda: [StatisticalDiffusionSampler(ratio=ratio)] + tail,
    }
    return {name: builders[current[name]]() for name in names}, (None if windows else stft)
