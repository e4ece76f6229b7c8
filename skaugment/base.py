"""Mixins shared by skaugment estimators: the tags that say what input they take."""

__all__ = ["TimeSeriesTagsMixin", "SpectrogramSamplerMixin", "WindowSamplerMixin"]


class TimeSeriesTagsMixin:
    """Declare 3-D ``(n_samples, n_channels, n_timesteps)`` input in the estimator tags.

    Put it before ``BaseEstimator`` in the bases so that its ``__sklearn_tags__``
    refines the one ``BaseEstimator`` builds.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def _sampler_tags(positive_only):
    from imblearn.utils._tags import InputTags, SamplerTags, Tags
    from sklearn.utils._tags import TargetTags

    tags = Tags(
        estimator_type="sampler",
        target_tags=TargetTags(required=True),
        sampler_tags=SamplerTags(sample_indices=True),
    )
    # a 2-D X is rejected, not read as one channel: no tabular input
    tags.input_tags = InputTags(two_d_array=False, three_d_array=True, positive_only=positive_only)
    return tags


class SpectrogramSamplerMixin:
    """imbalanced-learn sampler tags for samplers of 4-D magnitude spectrograms.

    Both the metric-space augmenters and the generators (whose ``fit_resample`` is
    label-only augmentation) take ``(n, c, F, T)`` magnitude spectrograms: no 2-D
    tabular input, no sparse input, no negative values. Each defines its own
    ``fit_resample`` (imbalanced-learn's ``SamplerMixin`` would validate 2-D input).
    """

    def __sklearn_tags__(self):
        return _sampler_tags(positive_only=True)


class WindowSamplerMixin:
    """imbalanced-learn sampler tags for samplers of raw windows ``(n, c, t)`` of any sign.

    The classic augmenters (and mixup, which also takes spectrograms): no 2-D tabular
    input, no sparse input.
    """

    def __sklearn_tags__(self):
        return _sampler_tags(positive_only=False)
