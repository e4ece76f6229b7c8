"""Modalities: groups of channels that belong to one sensor (acc x/y/z, gyro x/y/z)."""

import numbers
from collections.abc import Sequence

__all__ = ["check_modalities", "check_channel_names", "per_modality_value"]


def check_modalities(
    modalities: dict[str, Sequence[int]] | None, n_channels: int
) -> dict[str, list[int]]:
    """Validate a ``{name: [channel indices]}`` mapping against ``n_channels``.

    ``None`` means one modality, ``"all"``, holding every channel. Every channel must
    belong to exactly one modality.

    Returns
    -------
    modalities : dict of str -> list of int
        In the order given, with plain ``int`` indices.

    Examples
    --------
    >>> check_modalities(None, 3)
    {'all': [0, 1, 2]}
    >>> check_modalities({"acc": [0, 1, 2], "gyro": [3, 4, 5]}, 6)
    {'acc': [0, 1, 2], 'gyro': [3, 4, 5]}
    >>> check_modalities({"acc": [0, 1]}, 3)
    Traceback (most recent call last):
    ...
    ValueError: modalities must cover every channel exactly once; channel(s) [2] belong to no modality.
    """
    if modalities is None:
        return {"all": list(range(n_channels))}
    if not isinstance(modalities, dict) or not modalities:
        raise TypeError(
            "modalities must be a non-empty dict {name: [channel indices]}, e.g. "
            "{'acc': [0, 1, 2], 'gyro': [3, 4, 5]}; got "
            f"{type(modalities).__name__}."
        )
    out, seen = {}, []
    for name, channels in modalities.items():
        if not isinstance(name, str):
            raise TypeError(f"modality names must be str; got {name!r}.")
        try:
            idx = [int(c) for c in channels]
        except TypeError:
            raise TypeError(f"modality {name!r} must list channel indices; got {channels!r}.")
        if not idx:
            raise ValueError(f"modality {name!r} lists no channels.")
        bad = [c for c in idx if not 0 <= c < n_channels]
        if bad:
            raise ValueError(
                f"modality {name!r} names channel(s) {bad}, outside 0..{n_channels - 1}."
            )
        out[name] = idx
        seen.extend(idx)
    dup = sorted({c for c in seen if seen.count(c) > 1})
    if dup:
        raise ValueError(f"channel(s) {dup} belong to more than one modality.")
    missing = sorted(set(range(n_channels)) - set(seen))
    if missing:
        raise ValueError(
            "modalities must cover every channel exactly once; channel(s) "
            f"{missing} belong to no modality."
        )
    return out


def check_channel_names(channel_names: Sequence[str] | None, n_channels: int) -> list[str]:
    """Validate channel names; default ``ch0, ch1, ...``.

    Examples
    --------
    >>> check_channel_names(None, 2)
    ['ch0', 'ch1']
    """
    if channel_names is None:
        return [f"ch{i}" for i in range(n_channels)]
    names = [str(c) for c in channel_names]
    if len(names) != n_channels:
        raise ValueError(f"channel_names has {len(names)} names but X has {n_channels} channels.")
    if len(set(names)) != len(names):
        raise ValueError(f"channel_names must be unique; got {names}.")
    return names


def per_modality_value(
    value: int | dict[str, int], modalities: dict[str, Sequence[int]], name: str, n_channels: int
) -> list[int]:
    """Broadcast an int-or-``{modality: int}`` parameter to one value per channel.

    Examples
    --------
    >>> per_modality_value({"acc": 3}, {"acc": [0, 1], "gyro": [2]}, "hps_factor", 3)
    Traceback (most recent call last):
    ...
    ValueError: hps_factor has no value for modality 'gyro'; give an int or a value for every modality.
    >>> per_modality_value({"acc": 3, "gyro": 2}, {"acc": [0, 1], "gyro": [2]}, "hps_factor", 3)
    [3, 3, 2]
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return [int(value)] * n_channels
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be an int or a dict {{modality: int}}; got {value!r}.")
    unknown = sorted(set(value) - set(modalities))
    if unknown:
        raise ValueError(f"{name} names unknown modalities {unknown}; known: {list(modalities)}.")
    out = [None] * n_channels
    for mod, chans in modalities.items():
        if mod not in value:
            raise ValueError(
                f"{name} has no value for modality {mod!r}; give an int or a value "
                "for every modality."
            )
        for c in chans:
            out[c] = int(value[mod])
    return out
