"""The named augmentation methods of the comparisons, as steps for ``compare_augmenters``."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator

if TYPE_CHECKING:
    from ..spectral import SpectrogramTransformer

__all__ = ["AUGMENTATION_METHODS", "PRETRAIN_METHODS", "TRANSDUCTIVE_METHODS",
           "augmentation_methods"]

#: Name -> what the method does, for every name :func:`augmentation_methods` builds.
AUGMENTATION_METHODS = {
    "none": "no augmentation",
    "transforms": "classic time-domain transforms (SignalTransformAugmenter defaults)",
    "time-freq": "2 of 8 time-domain transforms + 1 frequency transform per sample "
                 "(the baseline of Wang et al. 2024)",
    "mixup": "mixup of spectrograms with soft labels (Zhang et al. 2018)",
    "metric-edit": "metric disturbance of real spectrograms by training-free editing "
                   "(MetricDisturbAugmenter + MetricEditSampler)",
    "hybrid": "classic transforms, then metric editing of each transformed window "
              "(MetricEditAugmenter)",
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
    "target-edit": "transductive: training spectrograms edited to the metrics of unlabelled "
                   "test windows of their (predicted) class (MetricTargetAugmenter + "
                   "MetricEditSampler; Reconst of Wang et al. 2024)",
    "hybrid-target": "transductive: the time-freq transforms, then each window edited to the "
                     "metrics of an unlabelled test window of its (predicted) class "
                     "(MetricEditAugmenter(target=...))",
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
TRANSDUCTIVE_METHODS = ("target-edit", "hybrid-target", "diff-target")

#: The methods whose classifier :func:`~skaugment.evaluation.compare_augmenters`
#: pre-trains on the synthetic rows and then fine-tunes on the real rows, instead of
#: training it on both mixed (its ``pretrain_on_synthetic`` default).
PRETRAIN_METHODS = ("sfdm-pretrain",)

# The eight time-domain transforms of Um et al. (2017) that Wang et al. (2024) draw
# two of per sample, followed by one of their two frequency-domain transforms.
_TIME_FREQ = {
    "transforms": ("jitter", "scaling", "negation", "permutation", "time_warp",
                   "magnitude_warp", "rotation", "crop"),
    "n_transforms": 2,
    "spectral_transforms": ("frequency_mask", "frequency_perturb"),
}

# Case study 1 of Wang et al. (2024): more contrast and F0 amplitude, less flatness.
_KNOWLEDGE_RANGES = {"contrast": (0.1, 0.4), "flatness": (-0.4, -0.1),
                     "f0_amplitude": (0.1, 0.4)}


def augmentation_methods(
    names: Sequence[str] | None = None,
    *,
    modalities: dict[str, Sequence[int]] | None = None,
    channel_names: Sequence[str] | None = None,
    fs: float = 1.0,
    ratio: float = 5.0,
    n_fft: int = 32,
    hop_length: int = 8,
    generator_params: dict[str, Any] | None = None,
) -> tuple[dict[str, list[BaseEstimator] | None], "SpectrogramTransformer"]:
    """Build the steps of named augmentation methods for :func:`compare_augmenters`.

    The recipes behind ``skaugment compare`` and the README's benchmark tables, so
    that a comparison on one's own data uses exactly the same methods.

    Parameters
    ----------
    names : list of str, default=None
        Keys of :data:`AUGMENTATION_METHODS`; ``None`` builds all of them.
    modalities : dict of str -> list of int, default=None
        Channel groups (e.g. ``{"acc": [0, 1, 2], "gyro": [3, 4, 5]}``), passed to
        every augmenter and generator; rotations need triaxial groups.
    channel_names : list of str, default=None
        Names of the channels, used in the generators' condition names.
    fs : float, default=1.0
        Sampling frequency of the windows, in Hz.
    ratio : float, default=5.0
        Synthetic rows per real row of every augmenter.
    n_fft, hop_length : int, default=32, 8
        The STFT of the spectrograms the classifier and the metric augmenters see.
    generator_params : dict, default=None
        Parameters of the :class:`~skaugment.ConditionalDiffusionSampler` of the
        ``diff-*`` methods (e.g. ``{"strength": 0.5}``); the VAE and GAN methods
        use their generators' defaults.

    Returns
    -------
    methods : dict of str -> list of steps or None
        For ``compare_augmenters(..., methods)``; ``"none"`` maps to None.
    preprocessing : SpectrogramTransformer
        The step that turns windows into the classifier's input (``preprocessing=``).

    Examples
    --------
    >>> from skaugment.evaluation import augmentation_methods
    >>> methods, stft = augmentation_methods(["none", "transforms", "hybrid"],
    ...                                      modalities={"acc": [0, 1, 2]}, fs=50.0)
    >>> [type(s).__name__ for s in methods["transforms"]]
    ['SignalTransformAugmenter', 'SpectrogramTransformer']
    >>> methods["none"] is None, stft.n_fft
    (True, 32)
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
    from ._compare import TEST_WINDOWS
    from ..augmenters import (
        FeatureInterpolationAugmenter,
        LabelFidelityFilter,
        MetricEditAugmenter,
        MixupAugmenter,
        SignalTransformAugmenter,
    )
    from ..generators import MetricEditSampler, SenseGenSampler, StatisticalDiffusionSampler

    names = list(AUGMENTATION_METHODS) if names is None else list(names)
    unknown = [n for n in names if n not in AUGMENTATION_METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known: {list(AUGMENTATION_METHODS)}.")
    stft_params = {"n_fft": n_fft, "hop_length": hop_length}
    stft = SpectrogramTransformer(fs=fs, **stft_params)
    generator_params = dict(generator_params or {})
    mods = modalities

    def diffusion():
        return ConditionalDiffusionSampler(modalities=mods, channel_names=channel_names,
                                           **generator_params)

    def vae(**params):
        return ConditionalVAESampler(modalities=mods, channel_names=channel_names, **params)

    builders = {
        "none": lambda: None,
        "transforms": lambda: [SignalTransformAugmenter(modalities=mods, ratio=ratio), stft],
        "time-freq": lambda: [SignalTransformAugmenter(modalities=mods, ratio=ratio, **_TIME_FREQ),
                              stft],
        "mixup": lambda: [stft, MixupAugmenter(ratio=ratio)],
        "metric-edit": lambda: [stft, MetricDisturbAugmenter(
            generator=MetricEditSampler(modalities=mods, channel_names=channel_names),
            ratio=ratio)],
        "hybrid": lambda: [MetricEditAugmenter(
            transforms=SignalTransformAugmenter(modalities=mods), modalities=mods,
            ratio=ratio, **stft_params), stft],
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
        "target-edit": lambda: [stft, MetricTargetAugmenter(
            generator=MetricEditSampler(modalities=mods, channel_names=channel_names),
            target=TEST_WINDOWS, ratio=ratio)],
        # no disturbance on top: the target's metrics are the request
        "hybrid-target": lambda: [MetricEditAugmenter(
            transforms=SignalTransformAugmenter(modalities=mods, **_TIME_FREQ), target=TEST_WINDOWS,
            low=0.0, high=0.0, modalities=mods, ratio=ratio, **stft_params), stft],
        "diff-target": lambda: [stft, MetricTargetAugmenter(generator=diffusion(),
                                                            target=TEST_WINDOWS, ratio=ratio)],
        "sensegen": lambda: [SenseGenSampler(ratio=ratio), stft],
        "sfdm": lambda: [StatisticalDiffusionSampler(ratio=ratio), stft],
        # the same windows; compare_augmenters changes how the classifier trains on them
        "sfdm-pretrain": lambda: [StatisticalDiffusionSampler(ratio=ratio), stft],
    }
    return {name: builders[name]() for name in names}, stft
