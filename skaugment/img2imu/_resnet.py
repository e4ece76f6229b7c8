"""A ResNet-18 image encoder of our own (He et al., 2016), loadable from plain state dicts.

The module and parameter names are those of torchvision's ``resnet18`` (``conv1``,
``bn1``, ``layer1.0.conv1``, ..., ``layer2.0.downsample.0``), so that a torchvision
ResNet-18 checkpoint saved as a state dict loads into ``ResNet18Encoder(width=64)``;
the classification layer ``fc.*`` has no counterpart here (the encoder ends with the
global average pool) and is dropped on load. Nothing is downloaded: weights come from
a file the user names.
"""

import os
from collections.abc import Mapping

import torch
from torch import nn

__all__ = ["ResNet18Encoder", "load_encoder", "encoder_state_dict"]


def _conv3x3(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class _BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and an identity (or 1x1 projection) shortcut."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = _conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18Encoder(nn.Module):
    """ResNet-18 without its classification layer: images to a feature vector.

    A 7x7 stride-2 convolution, batch norm, ReLU and 3x3 max pool, then four stages
    of two basic blocks each (``[2, 2, 2, 2]``) with ``width, 2 width, 4 width,
    8 width`` channels (stages 2-4 halve the resolution), then global average
    pooling. ``width=64`` is the standard ResNet-18 (11.2 M parameters, 512
    features); a small ``width`` gives a cheap network for tests and tiny data.
    Weights are initialised as in torchvision (Kaiming-normal convolutions, unit
    batch-norm scales).

    Parameters
    ----------
    width : int, default=64
        Channels of the first stage.
    in_channels : int, default=3
        Channels of the input images.

    Attributes
    ----------
    n_features : int
        ``8 * width``: length of the feature vector.

    Examples
    --------
    >>> import torch
    >>> enc = ResNet18Encoder(width=4)
    >>> enc(torch.zeros(2, 3, 96, 128)).shape
    torch.Size([2, 32])
    """

    def __init__(self, width: int = 64, in_channels: int = 3) -> None:
        super().__init__()
        self.width = int(width)
        self.in_channels = int(in_channels)
        self.n_features = 8 * self.width
        self.conv1 = nn.Conv2d(in_channels, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        channels = [width, 2 * width, 4 * width, 8 * width]
        previous = width
        for i, out in enumerate(channels):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(_BasicBlock(previous, out, stride), _BasicBlock(out, out)))
            previous = out
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Features ``(batch, 8 * width)`` of images ``(batch, in_channels, H, W)``."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Load a state dict of this encoder or of a torchvision ResNet-18.

        Keys ``fc.*`` (torchvision's classification layer) are dropped; the common
        prefixes ``module.`` (``DataParallel``) and ``encoder.`` are stripped. Any
        other mismatch (a missing or unexpected key, a shape that does not match this
        ``width``) raises, as ``torch.nn.Module.load_state_dict`` does.
        """
        return super().load_state_dict(_clean_state_dict(state_dict), strict=strict, assign=assign)


def _clean_state_dict(state_dict):
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"a state dict must be a mapping of names to tensors; got {type(state_dict).__name__}.")
    cleaned = {}
    for key, value in state_dict.items():
        for prefix in ("module.", "encoder."):
            if key.startswith(prefix):
                key = key[len(prefix):]
        if key.startswith("fc."):
            continue  # torchvision's classifier: the encoder ends at the average pool
        cleaned[key] = value
    return cleaned


def _read_state_dict(source):
    """A state dict from a mapping or a file (read with ``weights_only=True``: no code runs)."""
    if isinstance(source, Mapping):
        return source
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise FileNotFoundError(f"no encoder weights file at {os.fspath(source)!r}.")
        state = torch.load(source, map_location="cpu", weights_only=True)
        if isinstance(state, Mapping) and "state_dict" in state and isinstance(state["state_dict"], Mapping):
            state = state["state_dict"]  # a checkpoint that wraps its weights
        if not isinstance(state, Mapping):
            raise ValueError(f"{os.fspath(source)!r} does not hold a state dict; got {type(state).__name__}.")
        return state
    raise TypeError(f"encoder weights must be a path or a state dict; got {type(source).__name__}.")


def load_encoder(source: str | os.PathLike | Mapping, width: int | None = None) -> ResNet18Encoder:
    """A :class:`ResNet18Encoder` with the weights of a state dict or a file of one.

    Files are read with ``torch.load(path, weights_only=True)``, which loads tensors
    only and runs no pickled code. A torchvision ResNet-18 state dict (e.g.
    ``torch.save(torchvision.models.resnet18(weights=...).state_dict(), path)``)
    loads with ``width=64``; its ``fc.*`` keys are dropped.

    Parameters
    ----------
    source : str, path-like or mapping
        A file written by ``torch.save(state_dict, path)`` (for instance by
        :meth:`MoCoPretrainer.save_encoder`), or the state dict itself.
    width : int, default=None
        Width of the encoder; ``None`` reads it from ``conv1.weight``.

    Returns
    -------
    encoder : ResNet18Encoder
        On the CPU, in eval mode.

    Examples
    --------
    >>> enc = ResNet18Encoder(width=2)
    >>> load_encoder(enc.state_dict()).width
    2
    """
    state = _clean_state_dict(_read_state_dict(source))
    if "conv1.weight" not in state:
        raise ValueError("the state dict has no 'conv1.weight': not a ResNet-18 encoder.")
    conv1 = state["conv1.weight"]
    inferred, in_channels = int(conv1.shape[0]), int(conv1.shape[1])
    if width is not None and int(width) != inferred:
        raise ValueError(f"width={width} was requested, but the weights are of width {inferred}.")
    encoder = ResNet18Encoder(width=inferred, in_channels=in_channels)
    encoder.load_state_dict(state)
    return encoder.eval()


def encoder_state_dict(encoder: nn.Module) -> dict[str, torch.Tensor]:
    """A plain state dict of ``encoder``: CPU tensors, detached, safe for ``weights_only`` loads."""
    return {key: value.detach().cpu().clone() for key, value in encoder.state_dict().items()}
