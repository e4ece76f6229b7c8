"""Mixins shared by skaugment estimators."""

__all__ = ["TimeSeriesTagsMixin"]


class TimeSeriesTagsMixin:
    """Declare 3-D ``(n_samples, n_channels, n_timesteps)`` input in the estimator tags.

    Put it before ``BaseEstimator`` in the bases so that its ``__sklearn_tags__``
    refines the one ``BaseEstimator`` builds.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
