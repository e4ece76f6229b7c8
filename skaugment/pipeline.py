"""An imbalanced-learn Pipeline that states the sensor layout once, for every step.

Several skaugment estimators read how the channels of a window group into sensors
(``modalities``) or what they are called (``channel_names``): the classic
transforms rotate triaxial groups, the metric editors and generators work per
modality, the classifiers build one branch per modality, the feature extractors
name their columns. These are properties of the data, the same for every step, so
:func:`make_pipeline` takes them once and hands them to every step (and nested
estimator, such as ``WindowMetricEditAugmenter(transforms=...)``) that reads them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from imblearn.pipeline import Pipeline
from imblearn.pipeline import make_pipeline as _imblearn_make_pipeline

from .utils import check_modalities
from .utils._params import nested_params

if TYPE_CHECKING:
    from joblib import Memory

__all__ = ["make_pipeline"]


def make_pipeline(
    *steps: Any,
    modalities: Mapping[str, Sequence[int]] | None = None,
    channel_names: Sequence[str] | None = None,
    memory: str | os.PathLike | Memory | None = None,
    verbose: bool = False,
) -> Pipeline:
    """Build an imbalanced-learn Pipeline and give every step the same sensor layout.

    The steps are named and chained as by :func:`imblearn.pipeline.make_pipeline`
    (lower-cased class names, so grid-search keys such as
    ``"metricdisturbaugmenter__ratio"`` are unchanged). Then every parameter named
    ``modalities`` (resp. ``channel_names``) of a step or of an estimator nested in
    one (``transforms=``, ``generator=``, ...) that is ``None`` is set to
    ``modalities`` (resp. ``channel_names``). A parameter a step already sets must
    be equal to it: two layouts of the same channels in one pipeline are a bug.

    Parameters
    ----------
    *steps : estimators
        Transformers, imbalanced-learn samplers, and a final estimator, as for
        :func:`imblearn.pipeline.make_pipeline`. They are used as given, not
        cloned: their ``None`` parameters are set in place.
    modalities : dict of str -> list of int, default=None
        Channels per sensor, e.g. ``{"acc": [0, 1, 2], "gyro": [3, 4, 5]}``; every
        channel in exactly one modality. ``None`` leaves the steps as they are.
    channel_names : list of str, default=None
        One unique name per channel, e.g. ``["acc_x", ..., "gyro_z"]``. ``None``
        leaves the steps as they are.
    memory : str, path or joblib.Memory, default=None
        The Pipeline's cache of fitted transformers and samplers, as in
        imbalanced-learn. Not the generator cache of the metric augmenters: that is
        their own ``memory=`` parameter, which is what lets a grid search (and its
        workers) fit one generator per training fold.
    verbose : bool, default=False
        Print the time each step takes to fit.

    Returns
    -------
    pipeline : imblearn.pipeline.Pipeline

    Raises
    ------
    TypeError
        If ``modalities`` is not a dict of channel-index lists, or
        ``channel_names`` is a string or not a sequence.
    ValueError
        If a step sets ``modalities`` / ``channel_names`` to other values, if no
        step has such a parameter (the value would have no effect), if a channel is
        in two modalities or a channel index is missing, or if ``channel_names``
        does not name the channels of ``modalities``.

    Notes
    -----
    Parameters inside a :class:`sklearn.frozen.FrozenEstimator` are not set: a
    frozen (fitted) generator keeps the layout it was fitted with.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skaugment import (MetricExtractor, SignalTransformAugmenter,
    ...                        SpectrogramTransformer, make_pipeline)
    >>> from skaugment.datasets import make_synthetic_imu
    >>> X, y = make_synthetic_imu(n_samples=40, n_channels=6, n_timesteps=64, random_state=0)
    >>> pipe = make_pipeline(
    ...     SignalTransformAugmenter(ratio=1.0, random_state=0),  # rotates each triaxial sensor
    ...     SpectrogramTransformer(n_fft=16, hop_length=8),
    ...     MetricExtractor(),                                    # per-modality HPS, named columns
    ...     LogisticRegression(max_iter=1000),
    ...     modalities={"acc": [0, 1, 2], "gyro": [3, 4, 5]},
    ...     channel_names=["ax", "ay", "az", "gx", "gy", "gz"])
    >>> pipe.named_steps["signaltransformaugmenter"].modalities
    {'acc': [0, 1, 2], 'gyro': [3, 4, 5]}
    >>> pipe.fit(X, y).named_steps["metricextractor"].get_feature_names_out()[:2].tolist()
    ['ax__temporal_range', 'ax__f0_amplitude']
    >>> make_pipeline(SignalTransformAugmenter(modalities={"imu": [0, 1, 2, 3, 4, 5]}),
    ...               LogisticRegression(), modalities={"acc": [0, 1, 2], "gyro": [3, 4, 5]})
    Traceback (most recent call last):
    ...
    ValueError: signaltransformaugmenter__modalities={'imu': [0, 1, 2, 3, 4, 5]} differs from make_pipeline(modalities={'acc': [0, 1, 2], 'gyro': [3, 4, 5]}). ...
    """
    n_channels = None
    if modalities is not None:
        n_channels = _check_layout_modalities(modalities)
    if channel_names is not None:
        _check_layout_channel_names(channel_names, n_channels)
    pipeline = _imblearn_make_pipeline(*steps, memory=memory, verbose=verbose)
    for name, value, normalise in (("modalities", modalities, _normalise_modalities),
                                   ("channel_names", channel_names, _normalise_names)):
        if value is not None:
            _fill_layout_param(pipeline, name, value, normalise)
    return pipeline


def _normalise_modalities(value):
    # order matters (modality order is model order); index types do not (np.int64 == 3)
    return [(str(k), [int(c) for c in v]) for k, v in value.items()]


def _normalise_names(value):
    return [str(c) for c in value]


def _same(current, wanted, normalise):
    try:
        return normalise(current) == wanted
    except (AttributeError, TypeError, ValueError):  # not even the right type
        return False


def _check_layout_modalities(modalities):
    """Validate ``modalities`` without X; returns the number of channels it covers."""
    if not isinstance(modalities, Mapping) or not modalities:
        raise TypeError(
            "modalities must be a non-empty dict {name: [channel indices]}, e.g. "
            f"{{'acc': [0, 1, 2], 'gyro': [3, 4, 5]}}; got {type(modalities).__name__}."
        )
    try:
        indices = [int(c) for channels in modalities.values() for c in channels]
    except (TypeError, ValueError):
        raise TypeError(
            f"every modality must list integer channel indices; got {dict(modalities)!r}."
        ) from None
    # The channel count is only known at fit, but the layout must cover 0..max
    # exactly once, so check it against max + 1 channels now rather than after a fit.
    n_channels = max(indices, default=-1) + 1
    check_modalities(dict(modalities), max(n_channels, 1))
    return n_channels


def _check_layout_channel_names(channel_names, n_channels):
    is_sequence = isinstance(channel_names, Sequence) or hasattr(channel_names, "__array__")
    if isinstance(channel_names, (str, bytes)) or not is_sequence:
        raise TypeError(
            "channel_names must be a list of str, one per channel; got "
            f"{type(channel_names).__name__}."
        )
    names = _normalise_names(channel_names)
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"channel_names must be non-empty and unique; got {names}.")
    if n_channels is not None and len(names) != n_channels:
        raise ValueError(
            f"channel_names has {len(names)} names, but modalities cover {n_channels} "
            "channels."
        )


def _fill_layout_param(pipeline, name, value, normalise):
    found = nested_params(pipeline, name)  # a frozen generator lists none: left alone
    if not found:
        raise ValueError(
            f"make_pipeline got {name}=..., but no step has a {name!r} parameter, so it "
            "would have no effect. Leave it out, or add the steps that use it."
        )
    wanted = normalise(value)
    for key, current in found.items():
        if current is None:
            pipeline.set_params(**{key: value})
        elif not _same(current, wanted, normalise):
            raise ValueError(
                f"{key}={current!r} differs from make_pipeline({name}={value!r}). "
                f"State the layout once: leave {name} of the steps at None."
            )
