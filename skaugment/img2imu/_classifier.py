"""IMG2IMU downstream classifier: a (pre-trained) ResNet-18 encoder and a linear head."""

import numbers
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from torch import nn

from ..classifiers._base import (
    AugmentationArg,
    BaseNetClassifier,
    CallbacksArg,
    CriterionArg,
    DeviceArg,
    MaxEpochsArg,
    OptimizerArg,
    RandomStateArg,
    TrainSplitArg,
    _augmentation_docstring,
    _budget_attributes_docstring,
    _init_arguments,
    _net_verbose_docstring,
    _skorch_kwargs_docstring,
)
from ..utils._docstring import Substitution, _device_docstring, _random_state_docstring
from ._image import check_images
from ._moco import MoCoPretrainer, build_encoder
from ._resnet import ResNet18Encoder

__all__ = ["IMG2IMUClassifier", "IMG2IMUNetwork"]


class IMG2IMUNetwork(nn.Module):
    """Shared encoder over each 3-channel image of the input, features concatenated, linear head.

    With ``freeze=True`` the encoder's parameters take no gradient and it stays in
    eval mode even while the network trains (its batch-norm statistics are those it
    was pre-trained with): linear evaluation.
    """

    def __init__(self, encoder: ResNet18Encoder, n_images: int, n_classes: int, freeze: bool = True) -> None:
        super().__init__()
        self.encoder = encoder
        self.freeze = bool(freeze)
        self.head = nn.Linear(encoder.n_features * n_images, n_classes)
        if self.freeze:
            for p in self.encoder.parameters():
                p.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze:
            self.encoder.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        features = self.encoder(x.reshape(n * (c // 3), 3, h, w)).reshape(n, -1)
        return self.head(features)


@Substitution(
    device=_device_docstring,
    verbose=_net_verbose_docstring,
    skorch_kwargs=_skorch_kwargs_docstring,
    augmentation=_augmentation_docstring,
    random_state=_random_state_docstring,
    budget_attributes=_budget_attributes_docstring,
)
class IMG2IMUClassifier(BaseNetClassifier):
    """Linear probe (or fine-tuning) of a ResNet-18 on spectrogram images (IMG2IMU).

    The downstream model of Yoon et al., 2024, "IMG2IMU: Translating knowledge from
    large-scale images to IMU sensing applications" (III-C): a ResNet-18 encoder
    whose classification layer is replaced by a new, randomly initialised linear
    layer; with ``freeze=True`` (the paper's linear evaluation protocol) only that
    layer trains and the encoder stays frozen in eval mode, with ``freeze=False`` the
    whole network is fine-tuned. The input is images ``(n, 3, H, W)`` from
    :class:`SpectrogramImageTransformer` (already ImageNet-normalised, so no further
    scaling happens inside); ``(n, 3k, H, W)`` (``sensor="all"``) runs the shared
    encoder on each sensor's image and concatenates the features.

    Parameters
    ----------
    encoder : MoCoPretrainer, ResNet18Encoder, str, path-like, dict or None, default=None
        Where the encoder comes from:

        - a fitted :class:`MoCoPretrainer`: its ``encoder_`` (copied);
        - an unfitted :class:`MoCoPretrainer`: a clone of it is pre-trained on the
          training images at fit (self-supervised, on the training fold only) and
          kept as ``pretrainer_``. Note that ``sklearn.base.clone`` (hence grid
          search and cross-validation) unfits an estimator passed as a parameter:
          to reuse one pre-training, pass ``pretrainer.encoder_``, its state dict or
          a saved file instead;
        - a :class:`ResNet18Encoder` (copied) or a state dict, e.g. of a torchvision
          ResNet-18 with ``width=64``;
        - a path to a state dict file, read with ``torch.load(..., weights_only=True)``;
        - ``None``: a randomly initialised encoder (the paper's "randomly initialised
          (2D)" baseline).
    width : int, default=64
        Encoder width; must match the given weights.
    freeze : bool, default=True
        Linear evaluation (True) or full fine-tuning (False).
    lr : float, default=1e-3
        Adam learning rate. The paper uses a warm-up to 1e-5 and cosine annealing
        over 50 epochs of batch size 4 on ImageNet-scale features; 1e-3 trains a
        linear head in a few hundred steps.
    max_epochs : int or "auto", default="auto"
        ``"auto"`` trains exactly ``n_steps`` gradient steps (see
        :class:`~skaugment.DeepSenseClassifier`); an int is an epoch count.
    n_steps : int, default=300
        Gradient steps when ``max_epochs="auto"``.
    batch_size : int, default=32
    optimizer : torch optimizer class, default=torch.optim.Adam
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
    train_split : callable or None, default=None
    callbacks : list or None, default=None
    %(augmentation)s
    gradient_clip : float or None, default=None
    %(device)s
    %(verbose)s
    %(random_state)s
    %(skorch_kwargs)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple of int
        ``(n_channels, height, width)`` seen at fit.
    pretrainer_ : MoCoPretrainer or None
        The pre-trainer fitted at fit, when ``encoder`` was an unfitted one.
    module_ : torch.nn.Module
        The trained network (an identity scaler + :class:`IMG2IMUNetwork`).
    label_encoder_ : sklearn.preprocessing.LabelEncoder
    seed_ : int
    history_ : skorch.History
    %(budget_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 3, 32, 32)).astype("float32")
    >>> y = np.repeat(["a", "b"], 10)
    >>> X[y == "b", 0] += 2.0  # class "b" is redder
    >>> clf = IMG2IMUClassifier(width=2, freeze=False, n_steps=30, lr=1e-2,
    ...                         device="cpu", random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape, clf.score(X, y) > 0.9
    ((20, 2), True)
    """

    _input_kind = "image"

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "encoder": [None, str, os.PathLike, dict, nn.Module, MoCoPretrainer],
        "width": [Interval(numbers.Integral, 1, None, closed="left")],
        "freeze": ["boolean"],
    }

    def __init__(
        self,
        encoder: Any = None,
        *,
        width: int = 64,
        freeze: bool = True,
        lr: float = 1e-3,
        max_epochs: MaxEpochsArg = "auto",
        n_steps: int = 300,
        batch_size: int = 32,
        optimizer: OptimizerArg = torch.optim.Adam,
        criterion: CriterionArg = torch.nn.CrossEntropyLoss,
        train_split: TrainSplitArg = None,
        callbacks: CallbacksArg = None,
        augmentation: AugmentationArg = None,
        gradient_clip: float | None = None,
        device: DeviceArg = "auto",
        verbose: int = 0,
        random_state: RandomStateArg = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**_init_arguments(locals()))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # (n, 3k, H, W) images of any sign
        return tags

    def _check_settable_attr(self, name, attr):
        # skorch refuses torch modules as attributes outside initialize(); the encoder
        # parameter is weights to copy from (copied at fit), not a part of this net.
        if name != "encoder":
            super()._check_settable_attr(name, attr)

    def _check_X(self, X, reset):
        X = check_images(X, shape=None if reset else self.input_shape_)
        if reset:
            if X.shape[1] % 3:
                raise ValueError(
                    f"X has {X.shape[1]} channels, not a multiple of 3 (one RGB image per sensor)."
                )
            self.input_mode_ = "image"
            self.input_shape_ = tuple(int(s) for s in X.shape[1:])
            self.n_channels_ = self.input_shape_[0]
        return np.ascontiguousarray(X, dtype=np.float32)

    def _fit_scaling(self, X):
        # The images are already normalised (ImageNet statistics), which is what a
        # pre-trained encoder expects: the base's input scaler is the identity here.
        self.input_mean_ = np.zeros(X.shape[1], dtype=np.float32)
        self.input_std_ = np.ones(X.shape[1], dtype=np.float32)

    def _prepare_fit(self, X, y):
        X, y_enc = super()._prepare_fit(X, y)
        self.pretrainer_ = None
        if isinstance(self.encoder, MoCoPretrainer) and not hasattr(self.encoder, "encoder_"):
            from sklearn.base import clone

            self.pretrainer_ = clone(self.encoder).fit(X)
        return X, y_enc

    def _resolved_encoder(self, width):
        source = self.encoder
        if isinstance(source, MoCoPretrainer):
            source = self.pretrainer_.encoder_ if getattr(self, "pretrainer_", None) is not None else source.encoder_
        if isinstance(source, nn.Module) and not isinstance(source, ResNet18Encoder):
            raise TypeError(
                f"encoder must be a MoCoPretrainer, a ResNet18Encoder, a state dict or a path; got "
                f"{type(source).__name__}."
            )
        if isinstance(source, Mapping):
            source = dict(source)
        return build_encoder(source, width)

    def _build_network(self, input_shape, n_classes, encoder=None, width=64, freeze=True):
        return IMG2IMUNetwork(self._resolved_encoder(width), input_shape[0] // 3, n_classes, freeze=freeze)
