"""The residual network of Wang et al. (2017) on raw windows."""

from collections.abc import Sequence
from typing import Any, Literal

import torch
from sklearn.utils._param_validation import StrOptions
from torch import nn

from ..utils._docstring import Substitution, _device_docstring, _random_state_docstring
from ._base import (
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
from ._inception import SameConv1d, _check_kernel_sizes, _training_docstring
from ._recipe import _recipe_docstring, _TrainingRecipe

__all__ = ["ResNetClassifier", "ResNetNetwork", "ResidualBlock"]


class ResidualBlock(nn.Module):
    """Convolutions (kernels ``kernel_sizes``) each with BN, ReLU between; shortcut; ReLU.

    The shortcut is a 1x1 convolution and batch norm when the channels change, else
    batch norm alone (the reference Keras code).
    """

    def __init__(self, in_channels, out_channels, kernel_sizes=(8, 5, 3)):
        super().__init__()
        layers = []
        channels = in_channels
        for i, k in enumerate(kernel_sizes):
            layers += [SameConv1d(channels, out_channels, k), nn.BatchNorm1d(out_channels)]
            if i < len(kernel_sizes) - 1:
                layers.append(nn.ReLU())
            channels = out_channels
        self.body = nn.Sequential(*layers)
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv1d(in_channels, out_channels, 1, bias=False), nn.BatchNorm1d(out_channels)
            )
        else:
            self.shortcut = nn.BatchNorm1d(out_channels)

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNetNetwork(nn.Module):
    """Residual blocks of ``n_filters`` filters, global average pooling, linear head.

    Parameters
    ----------
    n_channels, n_classes : int
    n_filters : sequence of int, default=(64, 128, 128)
        Filters of each block.
    kernel_sizes : sequence of int, default=(8, 5, 3)
        Kernels of the convolutions of every block.
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        n_filters: Sequence[int] = (64, 128, 128),
        kernel_sizes: Sequence[int] = (8, 5, 3),
    ) -> None:
        super().__init__()
        blocks, channels = [], n_channels
        for width in n_filters:
            blocks.append(ResidualBlock(channels, int(width), tuple(kernel_sizes)))
            channels = int(width)
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_classes)`` of windows ``(batch, n_channels, n_timesteps)``."""
        return self.head(self.blocks(x).mean(dim=-1))


@Substitution(
    device=_device_docstring,
    verbose=_net_verbose_docstring,
    skorch_kwargs=_skorch_kwargs_docstring,
    augmentation=_augmentation_docstring,
    random_state=_random_state_docstring,
    budget_attributes=_budget_attributes_docstring,
    recipe=_recipe_docstring,
    training=_training_docstring
    % {
        "n_steps": 500,
        "n_steps_note": "One step on a batch of\n"
        "        64 windows of 6 x 128 took 0.41 to 0.45 s on one CPU core (torch\n"
        "        2.13, float32), so 500 steps (19 epochs of the 1,714 HAPT windows of\n"
        "        5 subjects) take 3.5 to 4 minutes on one core, roughly half that on\n"
        "        two.",
    },
)
class ResNetClassifier(_TrainingRecipe, BaseNetClassifier):
    """The residual network of Wang et al. (2017) on raw windows.

    Wang, Yan and Oates (2017), "Time series classification from scratch with deep
    neural networks: a strong baseline" (IJCNN 2017): three residual blocks of 64,
    128 and 128 filters, each three convolutions with kernels 8, 5 and 3 (batch
    norm after each, ReLU between, the block's input added through a shortcut
    before the last ReLU), global average pooling over time and a linear layer.
    The strongest of the nine networks compared by Ismail Fawaz et al. (2019),
    "Deep learning for time series classification: a review" (InceptionTime, by
    the same authors, came after that review).

    Takes raw windows ``(n_samples, n_channels, n_timesteps)`` (a 2-D
    ``(n_samples, n_timesteps)`` array is one channel); each channel is
    standardised inside the network with statistics learned at fit.

    Parameters
    ----------
    n_filters : sequence of int, default=(64, 128, 128)
        Filters of each residual block; one block per entry.
    kernel_sizes : sequence of int, default=(8, 5, 3)
        Kernels of the convolutions of each block (even kernels are padded as
        Keras's ``"same"``: one more sample on the right).
    %(recipe)s
    %(training)s
    %(augmentation)s
    gradient_clip : float or None, default=None
        Gradient norm clipping; ``None`` disables it.
    %(device)s
    %(verbose)s
    %(random_state)s
    %(skorch_kwargs)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_mode_ : "time_series"
    input_shape_ : tuple of int
        ``(n_channels, n_timesteps)`` seen at fit.
    input_mean_, input_std_ : ndarray of shape (n_channels,)
    label_encoder_ : sklearn.preprocessing.LabelEncoder
    seed_ : int
    module_ : torch.nn.Module
    %(budget_attributes)s

    See Also
    --------
    InceptionTimeClassifier : Inception modules, same recipe.

    Examples
    --------
    >>> from skaugment import ResNetClassifier
    >>> from skaugment.datasets import make_synthetic_imu
    >>> X, y = make_synthetic_imu(n_samples=40, n_channels=2, n_timesteps=64, n_classes=2,
    ...                           f0=[2.0, 8.0], random_state=0)
    >>> clf = ResNetClassifier(n_filters=(4, 8), n_steps=40, lr=1e-2, device="cpu",
    ...                        random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape, clf.score(X, y) > 0.9
    ((40, 2), True)
    """

    _input_kind = "time_series"

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "n_filters": ["array-like"],
        "kernel_sizes": ["array-like"],
        "recipe": [StrOptions({"modern", "paper"})],
    }

    def __init__(
        self,
        *,
        n_filters: Sequence[int] = (64, 128, 128),
        kernel_sizes: Sequence[int] = (8, 5, 3),
        recipe: Literal["modern", "paper"] = "modern",
        lr: float = 1e-3,
        max_epochs: MaxEpochsArg = "auto",
        n_steps: int = 500,
        batch_size: int = 64,
        optimizer: OptimizerArg = torch.optim.AdamW,
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

    def _check_params(self):
        super()._check_params()
        _check_kernel_sizes(self.n_filters, "n_filters")
        _check_kernel_sizes(self.kernel_sizes, "kernel_sizes")

    def _build_network(self, input_shape, n_classes, **architecture):
        return ResNetNetwork(
            n_channels=input_shape[0],
            n_classes=n_classes,
            n_filters=tuple(int(w) for w in architecture["n_filters"]),
            kernel_sizes=tuple(int(k) for k in architecture["kernel_sizes"]),
        )
