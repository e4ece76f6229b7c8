"""MoCo v2 pre-training of a ResNet-18 image encoder with sensor-aware augmentations (IMG2IMU)."""

from __future__ import annotations

import copy
import os
from numbers import Integral, Real
from typing import Callable, Literal

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..utils._docstring import Substitution, _device_docstring, _random_state_docstring, _verbose_docstring
from ..utils._torch import resolve_device, seed_from_random_state
from ..utils._training import DEPRECATED, TrainingLoop, epoch_batches, fit_steps, seeded
from ._augment import DefaultMoCoAugment, SensorAwareAugment
from ._image import check_images
from ._resnet import ResNet18Encoder, _clean_state_dict, _read_state_dict, encoder_state_dict, load_encoder
from .functional import enqueue, info_nce_loss, momentum_update

__all__ = ["MoCoPretrainer", "build_encoder"]

# rows per forward pass in transform
_PREDICT_BATCH = 256


def build_encoder(weights, width: int, in_channels: int = 3) -> ResNet18Encoder:
    """A new encoder: random (current torch seed) if ``weights`` is None, else loaded.

    ``weights`` is a path, a state dict or a :class:`ResNet18Encoder` (copied).
    """
    if weights is None:
        return ResNet18Encoder(width=width, in_channels=in_channels)
    if isinstance(weights, ResNet18Encoder):
        encoder = copy.deepcopy(weights).cpu()
    else:
        encoder = load_encoder(_clean_state_dict(_read_state_dict(weights)))
    if encoder.width != width:
        raise ValueError(
            f"width={width}, but the given encoder weights are of width {encoder.width}: set "
            f"width={encoder.width}."
        )
    if encoder.in_channels != in_channels:
        raise ValueError(
            f"the encoder weights take {encoder.in_channels}-channel images, but the data has "
            f"{in_channels} channels per image."
        )
    return encoder


class _ProjectionHead(nn.Sequential):
    """MoCo v2's MLP head: Linear - ReLU - Linear (Chen et al., 2020)."""

    def __init__(self, in_features, out_features):
        super().__init__(nn.Linear(in_features, in_features), nn.ReLU(inplace=True), nn.Linear(in_features, out_features))


def _as_rgb_batch(X):
    """``(n, 3k, H, W)`` array -> ``(n * k, 3, H, W)`` tensor: every sensor's image is one image."""
    n, c, h, w = X.shape
    X = np.ascontiguousarray(X.reshape(n * (c // 3), 3, h, w))
    # torch cannot wrap read-only memory; copy only then
    return torch.from_numpy(X if X.flags.writeable else X.copy())


@Substitution(
    random_state=_random_state_docstring, device=_device_docstring, verbose=_verbose_docstring
)
class MoCoPretrainer(TransformerMixin, BaseEstimator):
    """Contrastive pre-training of a ResNet-18 on unlabelled images (MoCo v2, IMG2IMU).

    IMG2IMU (Yoon et al., 2024, "IMG2IMU: Translating knowledge from large-scale
    images to IMU sensing applications") pre-trains an image encoder with momentum
    contrast (MoCo: He et al., 2020; MoCo v2: Chen et al., 2020), replacing MoCo's
    augmentations by four *sensor-aware* ones (TranslateX, PermuteX, Hue, Jitter),
    and then probes it linearly on spectrogram images of IMU data
    (:class:`IMG2IMUClassifier`). The paper pre-trains on ImageNet; here
    pre-training runs on any image array (spectrogram images of unlabelled sensor
    data, or a local image set), optionally starting from weights in a local file.

    Each step draws two augmented views of every image of a batch (the whole batch at
    once), encodes the first with the query encoder and MLP head and the second with
    the key encoder (a momentum average of the query encoder, updated before the keys
    are computed), and minimises the InfoNCE loss of the query against its key and
    ``queue_size`` negatives from a FIFO queue of earlier keys; then the keys are
    enqueued. Keys and queries are L2-normalised.

    Deviations from the paper: the default learning rate (the paper's 1e-6 with Adam
    is for 40 epochs over ImageNet's 1.28 M images; from a random start on a few
    thousand images a larger step is needed, pass ``lr=1e-6`` for the paper's); no
    shuffled batch norm (one device: the key encoder's batch norm runs in training
    mode on its own batch).

    Parameters
    ----------
    width : int, default=64
        Encoder width (64 is the standard ResNet-18; see :class:`ResNet18Encoder`).
    feature_dim : int, default=64
        Output dimension of the projection head (the paper's reduced MoCo feature
        dimension; MoCo uses 128).
    queue_size : int, default=4096
        Number of negative keys (the paper's 4,096; MoCo uses 65,536).
    momentum : float, default=0.999
        Key encoder update ``theta_k <- m theta_k + (1 - m) theta_q``.
    temperature : float, default=0.2
        InfoNCE temperature (MoCo v2).
    augmentations : {"sensor", "default"} or callable, default="sensor"
        ``"sensor"``: :class:`SensorAwareAugment` (IMG2IMU); ``"default"``:
        :class:`DefaultMoCoAugment` (random resized crop, brightness/contrast,
        horizontal flip: the paper's MoCo baseline); or a callable
        ``f(images, generator) -> images`` on ``(n, 3, H, W)`` torch batches on the
        images' own scale.
    normalization : {"imagenet", None}, default="imagenet"
        Scale of the input images for the built-in augmentations: ImageNet-normalised
        (the output of :class:`SpectrogramImageTransformer`) or ``[0, 1]``.
    encoder_weights : str, path-like, dict or None, default=None
        Start from these encoder weights (a file read with ``weights_only=True``, a
        state dict, e.g. of a torchvision ResNet-18, or a :class:`ResNet18Encoder`);
        ``None`` starts from a random initialisation.
    n_steps : int, default=320
        Gradient steps of pre-training (0: none): 320 is the paper's 40 passes over
        2,000 images in batches of 256.
    max_epochs : int, optional
        Deprecated (removed in 0.2): passes over the images instead of ``n_steps``;
        set, it keeps its old meaning and warns.
    batch_size : int, default=256
        The paper's 256. Each pass over the images splits them into
        ``ceil(n / batch_size)`` batches of nearly equal size (no batch of one image
        for batch norm).
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam L2 penalty.
    %(device)s
    %(verbose)s
    %(random_state)s

    Attributes
    ----------
    encoder_ : ResNet18Encoder
        The pre-trained query encoder (CPU, eval mode): what transfers downstream.
    head_ : torch.nn.Module
        The query projection head.
    key_encoder_, key_head_ : torch.nn.Module
        The momentum (key) encoder and head.
    queue_ : torch.Tensor of shape (queue_size, feature_dim)
        The negative keys, a ring buffer whose next write is at row ``queue_ptr_``.
    queue_ptr_ : int
    loss_curve_ : list of float
        InfoNCE loss of every gradient step.
    n_iter_ : int
        Gradient steps run.
    input_shape_ : tuple of int
        ``(n_channels, height, width)`` seen at fit.
    n_features_out_ : int
        Features per sample of :meth:`transform`: ``8 * width`` per 3-channel image.
    seed_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((16, 3, 32, 32)).astype("float32")
    >>> moco = MoCoPretrainer(width=2, queue_size=32, n_steps=4, batch_size=8,
    ...                       device="cpu", random_state=0).fit(X)
    >>> len(moco.loss_curve_), moco.transform(X).shape
    (4, (16, 16))
    """

    _parameter_constraints = {
        "width": [Interval(Integral, 1, None, closed="left")],
        "feature_dim": [Interval(Integral, 1, None, closed="left")],
        "queue_size": [Interval(Integral, 1, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "augmentations": [StrOptions({"sensor", "default"}), callable],
        "normalization": [StrOptions({"imagenet"}), None],
        "encoder_weights": [None, str, os.PathLike, dict, nn.Module],
        "n_steps": [Interval(Integral, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left"),
                       Hidden(StrOptions({DEPRECATED}))],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        width: int = 64,
        feature_dim: int = 64,
        queue_size: int = 4096,
        momentum: float = 0.999,
        temperature: float = 0.2,
        augmentations: Literal["sensor", "default"] | Callable = "sensor",
        normalization: Literal["imagenet"] | None = "imagenet",
        encoder_weights: str | os.PathLike | dict | nn.Module | None = None,
        n_steps: int = 320,
        max_epochs: int | str = DEPRECATED,
        batch_size: int = 256,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        device: str | torch.device = "auto",
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.width = width
        self.feature_dim = feature_dim
        self.queue_size = queue_size
        self.momentum = momentum
        self.temperature = temperature
        self.augmentations = augmentations
        self.normalization = normalization
        self.encoder_weights = encoder_weights
        self.n_steps = n_steps
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # (n, 3k, H, W) images
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags

    def _augmenter(self):
        if callable(self.augmentations):
            return self.augmentations
        cls = SensorAwareAugment if self.augmentations == "sensor" else DefaultMoCoAugment
        return cls(normalization=self.normalization)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: None = None) -> MoCoPretrainer:
        """Pre-train the encoder on unlabelled images.

        Parameters
        ----------
        X : array-like of shape (n_samples, 3 * k, height, width)
            Images, ImageNet-normalised unless ``normalization=None``; with ``k > 1``
            (``SpectrogramImageTransformer(sensor="all")``) every 3-channel block is
            one more image.
        y : None
            Ignored: pre-training is self-supervised.

        Returns
        -------
        self : MoCoPretrainer
        """
        X = check_images(X)
        if X.shape[1] % 3:
            raise ValueError(
                f"X has {X.shape[1]} channels, not a multiple of 3 (one RGB image per sensor)."
            )
        images = _as_rgb_batch(X)
        n = images.shape[0]
        if n < 2:
            raise ValueError(f"MoCo needs at least 2 images to contrast; got {n}.")
        device = resolve_device(self.device)
        augment = self._augmenter()
        self.seed_ = seed_from_random_state(self.random_state)
        with seeded(self.seed_, device):
            encoder = build_encoder(self.encoder_weights, self.width).to(device)
            head = _ProjectionHead(encoder.n_features, self.feature_dim).to(device)
            queue = F.normalize(torch.randn(self.queue_size, self.feature_dim), dim=1).to(device)
        key_encoder, key_head = copy.deepcopy(encoder), copy.deepcopy(head)
        for p in [*key_encoder.parameters(), *key_head.parameters()]:
            p.requires_grad_(False)
        params = [*encoder.parameters(), *head.parameters()]
        optimizer = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        shuffle_gen = torch.Generator().manual_seed(self.seed_)
        augment_gen = torch.Generator(device=device).manual_seed(self.seed_ + 1)
        batch_size = min(self.batch_size, n)
        batches = epoch_batches(n, batch_size, shuffle_gen, balanced=True)
        ptr = 0

        def get_loss(step):
            idx = next(batches)
            x = images[idx].to(device)
            q = F.normalize(head(encoder(augment(x, generator=augment_gen))), dim=1)
            with torch.no_grad():
                # MoCo updates the key encoder before encoding the keys of a step
                momentum_update(key_encoder, encoder, self.momentum)
                momentum_update(key_head, head, self.momentum)
                keys[0] = F.normalize(key_head(key_encoder(augment(x, generator=augment_gen))),
                                      dim=1)
            return info_nce_loss(q, keys[0], queue, self.temperature)

        def after_step(step, loss):
            # the queue is read by the step's loss: it takes the new keys after the update
            nonlocal ptr
            ptr = enqueue(queue, keys[0], ptr)

        keys = [None]
        key_encoder.train(), key_head.train(), head.train()
        loop = TrainingLoop(encoder, optimizer, get_loss=get_loss, after_step=after_step,
                            desc="MoCo pre-training", hint=f"Lower lr (now {self.lr}).",
                            verbose=self.verbose)
        n_batches = -(-n // batch_size)
        n_steps = fit_steps(self, n_batches)
        self.loss_curve_ = loop.run(n_steps).tolist()
        self.encoder_ = encoder.cpu().eval()
        self.head_ = head.cpu().eval()
        self.key_encoder_ = key_encoder.cpu().eval()
        self.key_head_ = key_head.cpu().eval()
        self.queue_ = queue.cpu()
        self.queue_ptr_ = ptr
        self.n_iter_ = n_steps
        self.input_shape_ = tuple(int(s) for s in X.shape[1:])
        self.n_features_out_ = self.encoder_.n_features * (X.shape[1] // 3)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Encoder features: the pre-trained representation, for a linear probe.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, height, width)
            Images shaped like those seen at fit.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out), float32
            ``8 * width`` features per 3-channel image, sensors side by side.
        """
        check_is_fitted(self)
        X = check_images(X, shape=self.input_shape_)
        n = X.shape[0]
        images = _as_rgb_batch(X)
        device = resolve_device(self.device)
        encoder = self.encoder_.to(device).eval()
        try:
            with torch.no_grad():
                feats = [encoder(b.to(device)).cpu() for b in images.split(_PREDICT_BATCH)]
        finally:
            self.encoder_.cpu()
        return torch.cat(feats).reshape(n, -1).numpy().astype(np.float32, copy=False)

    def save_encoder(self, path: str | os.PathLike) -> None:
        """Write the pre-trained encoder's weights as a plain state dict (``torch.save``).

        Read them back with :func:`load_encoder` (``weights_only=True``) or pass the
        path as ``IMG2IMUClassifier(encoder=path)``.
        """
        check_is_fitted(self)
        torch.save(encoder_state_dict(self.encoder_), path)
