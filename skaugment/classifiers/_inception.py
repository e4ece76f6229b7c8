"""InceptionTime (Ismail Fawaz et al., 2020) on raw windows."""

import numbers
from collections.abc import Sequence
from typing import Any, Literal

import torch
from sklearn.utils._param_validation import Interval, StrOptions
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
from ._recipe import _recipe_docstring, _TrainingRecipe

__all__ = ["InceptionTimeClassifier", "InceptionTimeNetwork", "InceptionModule"]


class SameConv1d(nn.Sequential):
    """A stride-1 ``Conv1d`` whose output keeps the input's length, for any kernel size.

    Odd kernels pad ``k // 2`` on both sides; even kernels pad ``(k - 1) // 2`` on the
    left and ``k // 2`` on the right, as Keras's ``padding="same"`` (the reference
    implementations of InceptionTime and of Wang et al.'s ResNet are Keras). The
    explicit pad avoids torch's warning (and hidden copy) for even ``padding="same"``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, bias=False):
        k = int(kernel_size)
        if k % 2:
            super().__init__(nn.Conv1d(in_channels, out_channels, k, padding=k // 2, bias=bias))
        else:
            super().__init__(
                nn.ConstantPad1d(((k - 1) // 2, k // 2), 0.0),
                nn.Conv1d(in_channels, out_channels, k, bias=bias),
            )


class InceptionModule(nn.Module):
    """One inception module: bottleneck, parallel convolutions, max-pool branch, BN, ReLU.

    The input (``in_channels``) goes through a 1x1 bottleneck convolution to
    ``bottleneck`` channels when it has more than one channel (and ``bottleneck`` is
    not None), then through one convolution of ``n_filters`` filters per kernel of
    ``kernel_sizes``, in parallel; a fourth branch max-pools the module's input
    (window 3, stride 1) and convolves it 1x1 to ``n_filters``. The branches are
    concatenated to ``(len(kernel_sizes) + 1) * n_filters`` channels, batch
    normalised and passed through a ReLU. Convolutions have no bias (batch norm
    follows), as in the reference code.
    """

    def __init__(self, in_channels, n_filters=32, kernel_sizes=(9, 19, 39), bottleneck=32):
        super().__init__()
        if bottleneck and in_channels > 1:
            self.bottleneck = nn.Conv1d(in_channels, bottleneck, 1, bias=False)
            width = bottleneck
        else:
            self.bottleneck = nn.Identity()
            width = in_channels
        self.convs = nn.ModuleList(SameConv1d(width, n_filters, k) for k in kernel_sizes)
        self.pool = nn.Sequential(
            nn.MaxPool1d(3, stride=1, padding=1), nn.Conv1d(in_channels, n_filters, 1, bias=False)
        )
        self.out_channels = n_filters * (len(kernel_sizes) + 1)
        self.bn = nn.BatchNorm1d(self.out_channels)

    def forward(self, x):
        b = self.bottleneck(x)
        h = torch.cat([conv(b) for conv in self.convs] + [self.pool(x)], dim=1)
        return torch.relu(self.bn(h))


class InceptionTimeNetwork(nn.Module):
    """``depth`` inception modules, residual shortcuts every 3, global average pooling, linear.

    Parameters
    ----------
    n_channels, n_classes : int
    n_filters : int, default=32
        Filters of each branch of a module; a module outputs
        ``(len(kernel_sizes) + 1) * n_filters`` channels.
    depth : int, default=6
    kernel_sizes : sequence of int, default=(9, 19, 39)
    bottleneck : int or None, default=32
        Channels of the 1x1 bottleneck; None disables it.
    residual : bool, default=True
        After every third module, add a shortcut from the input of the three
        (a 1x1 convolution and batch norm to match the channels), then a ReLU.
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        n_filters: int = 32,
        depth: int = 6,
        kernel_sizes: Sequence[int] = (9, 19, 39),
        bottleneck: int | None = 32,
        residual: bool = True,
    ) -> None:
        super().__init__()
        self.residual = bool(residual)
        self.blocks = nn.ModuleList()
        self.shortcuts = nn.ModuleList()
        channels = shortcut_channels = n_channels
        for d in range(depth):
            module = InceptionModule(channels, n_filters, tuple(kernel_sizes), bottleneck)
            self.blocks.append(module)
            channels = module.out_channels
            if self.residual and d % 3 == 2:
                self.shortcuts.append(
                    nn.Sequential(nn.Conv1d(shortcut_channels, channels, 1, bias=False), nn.BatchNorm1d(channels))
                )
                shortcut_channels = channels
        self.head = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_classes)`` of windows ``(batch, n_channels, n_timesteps)``."""
        shortcut = x
        shortcuts = iter(self.shortcuts)
        for d, module in enumerate(self.blocks):
            x = module(x)
            if self.residual and d % 3 == 2:
                x = torch.relu(x + next(shortcuts)(shortcut))
                shortcut = x
        return self.head(x.mean(dim=-1))


# Docstring of the training parameters shared with ResNetClassifier.
_training_docstring = """lr : float, default=1e-3
        Peak learning rate (``recipe="modern"``) or constant one (``"paper"``).
    max_epochs : int or "auto", default="auto"
        ``"auto"`` trains exactly ``n_steps`` gradient steps, whatever the size of
        the training set (see :class:`~skaugment.DeepSenseClassifier`); an int is
        skorch's plain epoch count, and ``n_steps`` is then ignored.
    n_steps : int, default=%(n_steps)d
        Gradient steps of a fit when ``max_epochs="auto"``. %(n_steps_note)s
    batch_size : int, default=64
    optimizer : torch optimizer class, default=torch.optim.AdamW
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        Must take logits.
    train_split : callable or None, default=None
        skorch's validation split (``None``: train on everything).
    callbacks : list or None, default=None
        Extra skorch callbacks; scoring callbacks see encoded labels.""".rstrip()


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
        "n_steps": 300,
        "n_steps_note": "One step on a batch of\n"
        "        64 windows of 6 x 128 took 0.75 to 0.96 s on one CPU core (torch\n"
        "        2.13, float32), so 300 steps (11 epochs of the 1,714 HAPT windows of\n"
        "        5 subjects) take 4 to 5 minutes on one core, roughly half that on\n"
        "        two.",
    },
)
class InceptionTimeClassifier(_TrainingRecipe, BaseNetClassifier):
    """InceptionTime on raw windows (Ismail Fawaz et al., 2020).

    One network of Ismail Fawaz et al. (2020), "InceptionTime: Finding AlexNet for
    time series classification" (Data Min. Knowl. Disc. 34): ``depth`` inception
    modules (a 1x1 bottleneck to ``bottleneck`` channels, three parallel
    convolutions of ``n_filters`` filters with kernels ``kernel_sizes``, and a
    max-pool + 1x1 branch, concatenated, batch norm, ReLU), a residual shortcut
    around every three modules, global average pooling over time and a linear
    layer. The paper ensembles five such networks; fit several with different
    ``random_state`` and average their ``predict_proba`` for the ensemble.

    The paper's kernels are 40, 20 and 10 with Keras's ``"same"`` padding; the
    default here is the odd ``(9, 19, 39)`` (the PyTorch ports' choice), which pads
    symmetrically and is about a third faster on CPU. Even kernels are accepted and
    padded as Keras does (one more sample on the right).

    Takes raw windows ``(n_samples, n_channels, n_timesteps)`` (a 2-D
    ``(n_samples, n_timesteps)`` array is one channel); each channel is
    standardised inside the network with statistics learned at fit.

    Parameters
    ----------
    n_filters : int, default=32
        Filters of each of the four branches of a module (a module outputs
        ``4 * n_filters`` channels with three kernels).
    depth : int, default=6
        Number of inception modules.
    kernel_sizes : sequence of int, default=(9, 19, 39)
        Kernels of the parallel convolutions.
    bottleneck : int or None, default=32
        Channels of the 1x1 bottleneck before the convolutions (skipped for a
        one-channel input, as in the paper); None disables it.
    residual : bool, default=True
        Residual shortcut around every three modules.
    %(recipe)s
    %(training)s
    %(augmentation)s
    gradient_clip : float or None, default=None
        Gradient norm clipping; ``None`` disables it (the paper does not clip).
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
    ResNetClassifier : The residual network of Wang et al. (2017).

    Examples
    --------
    >>> from skaugment import InceptionTimeClassifier
    >>> from skaugment.datasets import make_synthetic_imu
    >>> X, y = make_synthetic_imu(n_samples=40, n_channels=2, n_timesteps=64, n_classes=2,
    ...                           f0=[2.0, 8.0], random_state=0)
    >>> clf = InceptionTimeClassifier(n_filters=4, depth=3, bottleneck=4, n_steps=40,
    ...                               lr=1e-2, device="cpu", random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape, clf.score(X, y) > 0.9
    ((40, 2), True)

    The paper's setting (Adam at a constant learning rate, no label smoothing) and
    kernels:

    >>> paper = InceptionTimeClassifier(kernel_sizes=(10, 20, 40), recipe="paper")
    """

    _input_kind = "time_series"

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "n_filters": [Interval(numbers.Integral, 1, None, closed="left")],
        "depth": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel_sizes": ["array-like"],
        "bottleneck": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "residual": ["boolean"],
        "recipe": [StrOptions({"modern", "paper"})],
    }

    def __init__(
        self,
        *,
        n_filters: int = 32,
        depth: int = 6,
        kernel_sizes: Sequence[int] = (9, 19, 39),
        bottleneck: int | None = 32,
        residual: bool = True,
        recipe: Literal["modern", "paper"] = "modern",
        lr: float = 1e-3,
        max_epochs: MaxEpochsArg = "auto",
        n_steps: int = 300,
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
        _check_kernel_sizes(self.kernel_sizes, "kernel_sizes")

    def _build_network(self, input_shape, n_classes, **architecture):
        architecture["kernel_sizes"] = tuple(int(k) for k in architecture["kernel_sizes"])
        return InceptionTimeNetwork(n_channels=input_shape[0], n_classes=n_classes, **architecture)


def _check_kernel_sizes(kernel_sizes, name, length=None):
    sizes = list(kernel_sizes)
    if (
        not sizes
        or (length is not None and len(sizes) != length)
        or any(isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1 for k in sizes)
    ):
        count = f"{length} " if length is not None else "a non-empty list of "
        raise ValueError(f"{name} must be {count}positive ints; got {kernel_sizes!r}.")
