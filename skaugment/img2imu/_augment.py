"""Callable wrappers of the IMG2IMU image augmentations (see :mod:`.functional`).

Each wrapper holds its parameters and calls the pure function on a whole batch:
``aug(images, generator=None)`` with ``images`` a ``(n, 3, H, W)`` torch tensor (a
numpy array is accepted and a numpy array returned). :class:`SensorAwareAugment`
chains the four sensor-aware ones (the IMG2IMU pre-training augmentations) and
:class:`DefaultMoCoAugment` the MoCo-style baseline; both take images on the
ImageNet-normalised scale by default and augment them on the ``[0, 1]`` scale, where
colour operations are defined.
"""

import math

import numpy as np
import torch

from . import functional as Fn

__all__ = [
    "TranslateX",
    "PermuteX",
    "Hue",
    "Jitter",
    "SensorAwareAugment",
    "DefaultMoCoAugment",
]


class _Augmentation:
    """Stores its keyword parameters; ``__call__`` applies ``_apply`` to a batch."""

    _function = None

    def __init__(self, **params):
        self._params = params

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self._params.items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self._params == other._params

    def __getattr__(self, name):
        params = self.__dict__.get("_params", {})
        if name in params:
            return params[name]
        raise AttributeError(name)

    def _apply(self, images, generator):
        return type(self)._function(images, generator=generator, **self._params)

    def __call__(self, images, generator: torch.Generator | None = None):
        """Augment a batch ``(n_samples, n_channels, height, width)``; one draw per image."""
        if isinstance(images, torch.Tensor):
            return self._apply(images, generator)
        out = self._apply(torch.as_tensor(np.asarray(images, dtype=np.float32)), generator)
        return out.numpy()


class TranslateX(_Augmentation):
    """Circular shift along the time (width) axis; see :func:`.functional.translate_x`.

    Examples
    --------
    >>> import torch
    >>> TranslateX(max_shift=0.25)(torch.arange(4.0).view(1, 1, 1, 4),
    ...                            generator=torch.Generator().manual_seed(0))
    tensor([[[[3., 0., 1., 2.]]]])
    """

    _function = staticmethod(Fn.translate_x)

    def __init__(self, max_shift: float = 0.5, p: float = 1.0) -> None:
        super().__init__(max_shift=max_shift, p=p)


class PermuteX(_Augmentation):
    """Permute segments of the time (width) axis; see :func:`.functional.permute_x`.

    Examples
    --------
    >>> import torch
    >>> out = PermuteX(n_segments=2)(torch.arange(4.0).view(1, 1, 1, 4),
    ...                              generator=torch.Generator().manual_seed(0))
    >>> sorted(out.ravel().tolist())
    [0.0, 1.0, 2.0, 3.0]
    """

    _function = staticmethod(Fn.permute_x)

    def __init__(self, n_segments: int = 4, p: float = 1.0) -> None:
        super().__init__(n_segments=n_segments, p=p)


class Hue(_Augmentation):
    """Rotate RGB about the grey axis (mixes the sensor axes); see :func:`.functional.hue`.

    Examples
    --------
    >>> import torch
    >>> x = torch.rand(1, 3, 2, 2, generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(Hue()(x).mean(1), x.mean(1), atol=1e-6))
    True
    """

    _function = staticmethod(Fn.hue)

    def __init__(self, max_angle: float = math.pi, p: float = 1.0) -> None:
        super().__init__(max_angle=max_angle, p=p)


class Jitter(_Augmentation):
    """Zero-centred uniform noise on every pixel; see :func:`.functional.jitter`.

    Examples
    --------
    >>> import torch
    >>> bool(Jitter(amplitude=0.05)(torch.zeros(1, 3, 4, 4)).abs().max() <= 0.05)
    True
    """

    _function = staticmethod(Fn.jitter)

    def __init__(self, amplitude: float = 0.1, p: float = 1.0) -> None:
        super().__init__(amplitude=amplitude, p=p)


class _Chain:
    """Denormalise, apply ``steps`` in order, renormalise."""

    def __init__(self, steps, normalization):
        if normalization not in ("imagenet", None):
            raise ValueError(f"normalization must be 'imagenet' or None; got {normalization!r}.")
        self.steps = list(steps)
        self.normalization = normalization

    def __repr__(self):
        return f"{type(self).__name__}(steps={self.steps!r}, normalization={self.normalization!r})"

    def _stats(self, images):
        c = images.shape[1]
        if c % 3:
            raise ValueError(f"images must have 3 channels per RGB image; got {c}.")
        kw = {"dtype": images.dtype, "device": images.device}
        mean = torch.tensor(Fn.IMAGENET_MEAN, **kw).repeat(c // 3).view(1, c, 1, 1)
        std = torch.tensor(Fn.IMAGENET_STD, **kw).repeat(c // 3).view(1, c, 1, 1)
        return mean, std

    def __call__(self, images, generator: torch.Generator | None = None):
        numpy_in = not isinstance(images, torch.Tensor)
        x = torch.as_tensor(np.asarray(images, dtype=np.float32)) if numpy_in else images
        Fn._check_rgb(x)
        if self.normalization == "imagenet":
            mean, std = self._stats(x)
            x = x * std + mean
        for step in self.steps:
            x = step(x, generator=generator)
        if self.normalization == "imagenet":
            x = (x - mean) / std
        return x.numpy() if numpy_in else x


class SensorAwareAugment(_Chain):
    """The four sensor-aware augmentations of IMG2IMU in a row (Yoon et al., 2024).

    TranslateX, PermuteX, Hue and Jitter, each applied to an image with probability
    ``p`` (independently); the paper does not give magnitudes or probabilities, so
    these defaults are ours: a shift of up to half the width, 4 segments, any hue
    rotation, noise of +-0.1 on the ``[0, 1]`` scale, ``p = 0.8``.

    Parameters
    ----------
    p : float, default=0.8
    max_shift : float, default=0.5
    n_segments : int, default=4
    max_angle : float, default=pi
    amplitude : float, default=0.1
    normalization : {"imagenet", None}, default="imagenet"
        Scale of the images: ``"imagenet"`` (ImageNet-normalised, the output of
        :class:`SpectrogramImageTransformer`), undone before and redone after the
        augmentations, so that Hue and Jitter act on ``[0, 1]`` colours; ``None``
        for images already in ``[0, 1]``.

    Examples
    --------
    >>> import torch
    >>> aug = SensorAwareAugment(normalization=None)
    >>> aug(torch.rand(2, 3, 8, 8), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 3, 8, 8])
    """

    def __init__(
        self,
        p: float = 0.8,
        max_shift: float = 0.5,
        n_segments: int = 4,
        max_angle: float = math.pi,
        amplitude: float = 0.1,
        normalization: str | None = "imagenet",
    ) -> None:
        steps = [
            TranslateX(max_shift=max_shift, p=p),
            PermuteX(n_segments=n_segments, p=p),
            Hue(max_angle=max_angle, p=p),
            Jitter(amplitude=amplitude, p=p),
        ]
        super().__init__(steps, normalization)


class DefaultMoCoAugment(_Chain):
    """MoCo-style image augmentations: the baseline IMG2IMU compares against.

    Random resized crop (area 20-100%), brightness and contrast jitter (+-40%, with
    probability 0.8, as torchvision's ``ColorJitter``) and a horizontal flip (0.5),
    in torch and batched. MoCo v2 also converts to grey and blurs; those are left
    out (on spectrogram images grey erases the axis information).

    Parameters
    ----------
    normalization : {"imagenet", None}, default="imagenet"
        As in :class:`SensorAwareAugment`.

    Examples
    --------
    >>> import torch
    >>> aug = DefaultMoCoAugment(normalization=None)
    >>> aug(torch.rand(2, 3, 8, 8), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 3, 8, 8])
    """

    def __init__(self, normalization: str | None = "imagenet") -> None:
        steps = [Fn.random_resized_crop, Fn.brightness_contrast, Fn.horizontal_flip]
        super().__init__(steps, normalization)

    def __repr__(self):
        return f"DefaultMoCoAugment(normalization={self.normalization!r})"
