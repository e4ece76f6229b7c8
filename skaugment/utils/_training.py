"""One torch training loop for the generators and the MoCo pre-trainer.

The estimators differ in what one step computes (a denoising loss, an ELBO, a
critic-then-generator round, a contrastive loss) and agree on everything around
it, which lives here once:

- :func:`seeded`: weights drawn from a seed without touching torch's global state;
- :func:`epoch_batches` / :func:`cycling_batches`: the index batches of reshuffled
  passes over the data, drawn lazily from one ``torch.Generator``;
- :func:`cosine_schedule`: the cosine learning-rate decay over a fit's steps;
- :class:`TrainingLoop`: the gradient steps themselves: ``get_loss(step)``, the
  non-finite check, ``zero_grad`` / ``backward`` / clipping / ``step`` / schedule,
  the exponential moving average of the weights, the progress bar, and the
  per-step loss curve.

The override points follow skorch's ``NeuralNet``: :meth:`TrainingLoop.get_loss`
computes the loss of one step (pass ``get_loss=`` or subclass), and
:meth:`TrainingLoop.train_step` runs one optimisation step around it.
"""

import contextlib
import copy
import math
import warnings

import numpy as np
import torch

__all__ = ["TrainingLoop", "cosine_schedule", "cycling_batches", "epoch_batches", "epoch_means",
           "fit_steps", "seeded"]

# The default of the deprecated ``max_epochs`` of the generators and MoCo: training
# length is ``n_steps`` (gradient steps) everywhere, as in the classifiers.
DEPRECATED = "deprecated"


def fit_steps(estimator, steps_per_pass):
    """The gradient steps of a fit: ``n_steps``, or the deprecated ``max_epochs`` passes.

    A ``max_epochs`` set by the caller keeps its old meaning, ``max_epochs`` passes of
    ``steps_per_pass`` steps, so an old setting trains exactly as before; it warns
    with the equivalent ``n_steps``.
    """
    max_epochs = getattr(estimator, "max_epochs", DEPRECATED)
    if isinstance(max_epochs, str):
        return int(estimator.n_steps)
    n_steps = int(max_epochs) * int(steps_per_pass)
    warnings.warn(
        f"{type(estimator).__name__}(max_epochs=...) is deprecated and will be removed in 0.2: "
        f"training length is n_steps (gradient steps), as in every skaugment estimator. "
        f"max_epochs={max_epochs} is n_steps={n_steps} here ({steps_per_pass} steps per pass "
        "over the training data).",
        FutureWarning,
        stacklevel=4,
    )
    return n_steps


@contextlib.contextmanager
def seeded(seed, device="cpu"):
    """Draw from torch's global generators seeded with ``seed``, then restore them.

    Weights and buffers created inside are reproducible from ``seed`` while the
    caller's torch random state is left as it was (``torch.random.fork_rng``).

    Examples
    --------
    >>> with seeded(0):
    ...     a = torch.randn(2)
    >>> with seeded(0):
    ...     b = torch.randn(2)
    >>> bool(torch.equal(a, b))
    True
    """
    device = torch.device(device)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        yield


def epoch_batches(n, batch_size, generator, *, balanced=False):
    """Index batches of reshuffled passes over ``n`` rows, without end.

    Each pass draws a new order from ``generator`` when its first batch is taken
    (so the draw interleaves with the caller's own draws exactly as a loop over
    epochs would) and covers every row once: ``ceil(n / batch_size)`` batches, the
    last one smaller when ``batch_size`` does not divide ``n``, or, with
    ``balanced=True``, as many batches of near-equal sizes (``torch.tensor_split``).

    Examples
    --------
    >>> batches = epoch_batches(5, 2, torch.Generator().manual_seed(0))
    >>> [len(next(batches)) for _ in range(4)]
    [2, 2, 1, 2]
    """
    n_batches = math.ceil(n / batch_size)
    while True:
        order = torch.randperm(n, generator=generator)
        if balanced:
            yield from torch.tensor_split(order, n_batches)
        else:
            for b in range(n_batches):
                yield order[b * batch_size:(b + 1) * batch_size]


def cycling_batches(n, batch_size, generator):
    """Full index batches of reshuffled passes over ``n`` rows, without end.

    A pass is reshuffled (from ``generator``) when fewer than ``batch_size`` of its
    rows are left; those rows are skipped, so every batch has ``batch_size`` rows.
    The first order is drawn when the first batch is taken.

    Examples
    --------
    >>> batches = cycling_batches(5, 2, torch.Generator().manual_seed(0))
    >>> [len(next(batches)) for _ in range(4)]
    [2, 2, 2, 2]
    """
    order, pos = None, n
    while True:
        if pos + batch_size > n:
            order, pos = torch.randperm(n, generator=generator), 0
        yield order[pos:pos + batch_size]
        pos += batch_size


def epoch_means(values, n, batch_size):
    """Example-weighted means per pass of per-step ``values`` of :func:`epoch_batches`.

    ``values`` is ``(n_steps,)`` or ``(n_steps, k)`` (several curves), ``n_steps`` a
    whole number of passes of ``ceil(n / batch_size)`` batches; returns a list of
    floats (or of length-``k`` arrays), one per pass.

    Examples
    --------
    >>> epoch_means([1.0, 4.0, 2.0, 2.0], n=3, batch_size=2)  # batches of 2 and 1
    [2.0, 2.0]
    """
    values = np.asarray(values, dtype=np.float64)
    sizes = [min(batch_size, n - b * batch_size) for b in range(math.ceil(n / batch_size))]
    means = []
    for start in range(0, len(values), len(sizes)):
        total = np.zeros(values.shape[1:])
        for m, value in zip(sizes, values[start:start + len(sizes)]):
            total += m * value
        means.append(total / n if values.ndim > 1 else float(total / n))
    return means


def cosine_schedule(optimizer, n_steps):
    """A ``LambdaLR`` that decays the learning rate along half a cosine over ``n_steps``.

    Examples
    --------
    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = cosine_schedule(opt, 4)
    >>> for _ in range(2):
    ...     opt.step(); schedule.step()
    >>> round(opt.param_groups[0]["lr"], 3)
    0.5
    """
    total = max(int(n_steps), 1)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total) / total))
    )


class TrainingLoop:
    """Gradient steps on one model: loss, checks, clipping, schedule, EMA, progress.

    Parameters
    ----------
    model : torch.nn.Module
        The trained network (its parameters are clipped and averaged).
    optimizer : torch.optim.Optimizer
    get_loss : callable, optional
        ``get_loss(step) -> loss``: the scalar loss tensor of step ``step`` (drawing
        its own batch). Subclasses may override :meth:`get_loss` instead.
    scheduler : torch.optim.lr_scheduler.LRScheduler or None, default=None
        Stepped after every optimiser step.
    gradient_clip : float or None, default=None
        Maximum gradient norm of ``model``'s parameters; ``None`` does not clip.
    ema_decay : float, default=0.0
        Decay of an exponential moving average of the weights, with warm-up
        (``min(ema_decay, (1 + step) / (10 + step))``, so early averages forget the
        random initialisation); ``0`` keeps none. :attr:`final_model` is the average.
    after_step : callable, optional
        ``after_step(step, loss_value)``, called after each optimiser step (e.g. to
        update a queue or to fix loss weights after a first pass).
    desc : str, default="fit"
        Name of the fit in the progress bar and in errors.
    hint : str, default=""
        What to change when the loss is not finite (appended to the error).
    verbose : int, default=0
        Shows a tqdm progress bar when positive.

    Attributes
    ----------
    losses_ : ndarray of shape (n_steps,)
        The loss of every step, after :meth:`run`.

    Examples
    --------
    >>> model = torch.nn.Linear(1, 1)
    >>> x, y = torch.ones(8, 1), 3 * torch.ones(8, 1)
    >>> loop = TrainingLoop(model, torch.optim.SGD(model.parameters(), lr=0.1),
    ...                     get_loss=lambda step: ((model(x) - y) ** 2).mean())
    >>> losses = loop.run(50)
    >>> losses.shape, bool(losses[-1] < 1e-3 < losses[0])
    ((50,), True)
    """

    def __init__(self, model, optimizer, *, get_loss=None, scheduler=None, gradient_clip=None,
                 ema_decay=0.0, after_step=None, desc="fit", hint="", verbose=0):
        self.model = model
        self.optimizer = optimizer
        self._get_loss = get_loss
        self.scheduler = scheduler
        self.gradient_clip = gradient_clip
        self.ema_decay = ema_decay
        self.after_step = after_step
        self.desc = desc
        self.hint = hint
        self.verbose = verbose
        self.ema_model = copy.deepcopy(model) if ema_decay > 0 else None
        self._ema_params = list(self.ema_model.parameters()) if self.ema_model is not None else None

    def get_loss(self, step):
        """The scalar loss tensor of step ``step``."""
        if self._get_loss is None:
            raise NotImplementedError("pass get_loss= or override TrainingLoop.get_loss.")
        return self._get_loss(step)

    def train_step(self, step):
        """One optimisation step; returns its loss as a float."""
        loss = self.get_loss(step)
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(
                f"{self.desc}: the training loss became {value} at step {step}."
                + (f" {self.hint}" if self.hint else "")
            )
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.gradient_clip is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.gradient_clip)
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        if self._ema_params is not None:
            decay = min(self.ema_decay, (1 + step) / (10 + step))
            with torch.no_grad():
                torch._foreach_lerp_(self._ema_params, list(self.model.parameters()), 1 - decay)
        return value

    def run(self, n_steps):
        """Run ``n_steps`` steps in training mode; returns (and keeps) the per-step losses."""
        steps = range(int(n_steps))
        if self.verbose:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc=self.desc, unit="step")
        self.losses_ = np.empty(int(n_steps))
        self.model.train()
        for step in steps:
            value = self.train_step(step)
            self.losses_[step] = value
            if self.after_step is not None:
                self.after_step(step, value)
            if self.verbose:
                steps.set_postfix(loss=f"{value:.4f}", refresh=False)
        if self.verbose:
            steps.close()
        return self.losses_

    @property
    def final_model(self):
        """The moving average of the weights when kept, else the trained model."""
        return self.ema_model if self.ema_model is not None else self.model
