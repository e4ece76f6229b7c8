"""SenseGen: an LSTM with a mixture density output that generates raw sensor windows."""

import copy
import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import Literal

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ...base import BaseAugmenter
from ...utils import check_labels
from ...utils._docstring import (
    Substitution,
    _device_docstring,
    _random_state_docstring,
    _ratio_docstring,
    _sampling_strategy_docstring,
    _verbose_docstring,
)
from ...utils._sampling import encode_known_labels
from ...utils._torch import resolve_device, seed_from_random_state, torch_generator
from ...utils._training import TrainingLoop, cycling_batches, seeded
from ...utils._validation import check_rng
from .._diffusion_scaling import clamp
from ._mdn import LOG_SCALE_BOUNDS, mixture_nll, sample_mixture, split_mixture_params

__all__ = ["SenseGenSampler"]


class _SenseGenNet(torch.nn.Module):
    """Stacked LSTMs -> sigmoid layer -> mixture parameters of the next sample.

    The input of each step is the previous sample (a learned start vector before
    the first one), concatenated with the label's embedding when there is one.
    """

    def __init__(self, n_channels, n_classes, embedding_dim, hidden_size, num_layers, fc_size,
                 n_components):
        super().__init__()
        self.n_channels = n_channels
        self.start = torch.nn.Parameter(torch.zeros(n_channels))
        self.embedding = (torch.nn.Embedding(n_classes, embedding_dim) if n_classes else None)
        n_inputs = n_channels + (embedding_dim if n_classes else 0)
        self.lstm = torch.nn.LSTM(n_inputs, hidden_size, num_layers, batch_first=True)
        self.fc = torch.nn.Linear(hidden_size, fc_size)
        self.out = torch.nn.Linear(fc_size, n_components * (1 + 2 * n_channels))
        with torch.no_grad():
            # Means start spread over the standardised range and scales at one std: the
            # components differ from the first step, so they need no luck to specialise.
            k = n_components
            spread = torch.linspace(-2.0, 2.0, k) if k > 1 else torch.zeros(1)
            self.out.bias[k:k + k * n_channels] = spread.repeat_interleave(n_channels)
            self.out.bias[k + k * n_channels:] = 0.0

    def forward(self, x_prev, labels, state=None):
        """Mixture parameters ``(B, L, P)`` after inputs ``x_prev`` ``(B, L, C)``."""
        inputs = x_prev
        if self.embedding is not None:
            emb = self.embedding(labels)[:, None, :].expand(-1, x_prev.shape[1], -1)
            inputs = torch.cat([x_prev, emb], dim=-1)
        hidden, state = self.lstm(inputs, state)
        return self.out(torch.sigmoid(self.fc(hidden))), state

    def teacher_forced(self, x, labels):
        """Parameters predicting every sample of ``x`` ``(B, T, C)`` from the ones before it."""
        start = self.start.expand(x.shape[0], 1, self.n_channels)
        return self(torch.cat([start, x[:, :-1]], dim=1), labels)[0]


@Substitution(
    random_state=_random_state_docstring,
    ratio=_ratio_docstring,
    sampling_strategy=_sampling_strategy_docstring,
    verbose=_verbose_docstring,
    device=_device_docstring,
)
class SenseGenSampler(BaseAugmenter):
    """Generate raw sensor windows with an LSTM and a Gaussian mixture output (SenseGen).

    SenseGen (Alzantot, Chakraborty & Srivastava, 2017, "SenseGen: A deep
    learning architecture for synthetic sensor data generation") models a
    sensor trace one sample at a time: stacked LSTMs read the samples so far, a
    fully connected layer with sigmoid activations follows, and a last linear
    layer outputs the weights, means and log standard deviations of a mixture of
    ``n_components`` Gaussians (a mixture density network, Bishop, 1994) over
    the next sample. Training minimises the negative log-likelihood of each next
    sample; generation draws a sample from the mixture and feeds it back.

    Here, on windows ``(n_samples, n_channels, n_timesteps)``:

    - Contiguous windows as given: the input ``x_0 .. x_{t-2}`` (after a learned
      start vector) predicts ``x_0 .. x_{t-1}``, so the first sample of a window
      is modelled too and generation needs no real seed.
    - Several channels share one mixture: each component is a diagonal Gaussian
      over all channels, with one weight for all of them (the multivariate
      mixture of Graves, 2013, "Generating sequences with recurrent neural
      networks", which SenseGen builds on). The choice of component couples the
      channels of a step, e.g. the three axes of an accelerometer that move
      together when the device turns, which independent per-channel mixtures
      would draw independently given the past. With one channel it is SenseGen's
      mixture exactly.
    - Label-conditioned (``condition="label"``): a learned embedding of the
      label is concatenated to the input of every step. ``condition="none"``
      learns one unconditional model (fit it on one class at a time to use it
      per class).
    - Stable training: the likelihood is computed with log-sum-exp and the log
      standard deviations are squashed into ``[-7, 3]`` (standardised units),
      and gradients are clipped. The public SenseGen code summed probabilities,
      which underflow; a re-implementation that did so went NaN after about
      1,500 epochs.
    - Inputs are standardised per channel (statistics learned at fit); samples
      are mapped back, and clamped per channel to the training range widened by
      ``clip_margin`` standard deviations, so no generated trace runs away.

    The paper's network has 3 LSTM layers of 256 units, a sigmoid layer of 128
    units and K = 24 components, trained with RMSProp for hours on a GPU. The
    defaults here are smaller so that a CPU can fit them: 2 layers of 64 units,
    64 sigmoid units, 24 components, 2,000 Adam steps of 32 windows, about
    3 minutes on one CPU thread for 6-channel windows of 128 samples (HAPT).

    Parameters
    ----------
    condition : {"label", "none"}, default="label"
        ``"label"`` conditions every step on the label's embedding;
        ``"none"`` ignores the labels (all of them get draws of one model).
    hidden_size : int, default=64
        Units of each LSTM layer (256 in the paper).
    num_layers : int, default=2
        Stacked LSTM layers (3 in the paper).
    fc_size : int, default=64
        Units of the sigmoid layer (128 in the paper).
    n_components : int, default=24
        Gaussians of the mixture (24 in the paper).
    embedding_dim : int, default=8
        Length of the label embedding (``condition="label"`` only).
    n_steps : int, default=2000
        Gradient steps of training, each on ``batch_size`` windows drawn without
        replacement in reshuffled passes over the data.
    batch_size : int, default=32
        Windows per step (at most ``n_samples``).
    lr : float, default=1e-3
        Adam learning rate.
    gradient_clip : float or None, default=1.0
        Maximal norm of the gradient of all weights
        (:func:`torch.nn.utils.clip_grad_norm_`); ``None`` does not clip.
    temperature : float, default=1.0
        Sampling temperature (Ha & Eck, 2018, "A neural representation of sketch
        drawings"): component logits are divided by it and standard deviations
        multiplied by its square root. Below 1: smoother, less varied traces.
    clip_margin : float or None, default=1.0
        Generated values are clamped, per channel, to ``[min - clip_margin *
        std, max + clip_margin * std]`` of the training data; the clamped value
        is what the network reads next. ``None`` does not clamp.
    %(ratio)s
    %(sampling_strategy)s
    %(device)s
    %(verbose)s
    %(random_state)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen at fit, sorted.
    n_channels_ : int
    n_timesteps_ : int
        Window length seen at fit, the default length of :meth:`sample`.
    input_shape_ : tuple of int
        ``(n_channels, n_timesteps)``.
    mean_, scale_ : ndarray of shape (n_channels,)
        Per-channel standardisation (``scale_`` is 1 for a constant channel).
    data_min_, data_max_ : ndarray of shape (n_channels,)
        Per-channel range of the training windows.
    model_ : torch.nn.Module
        The trained network, on the CPU, in eval mode.
    loss_curve_ : ndarray of shape (n_steps,)
        Training loss of every step: the negative log-likelihood per value (per
        channel and time step) in nats, in standardised units, so it can be
        negative.
    n_iter_ : int
        Gradient steps run.
    device_ : str
        The device training ran on.
    sampling_strategy_ : dict
        After :meth:`fit_resample`: number of synthetic samples of each class.
    sample_indices_ : ndarray of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: for each output row, the input row it comes
        from (itself for originals, a random row of its class for synthetic
        rows, which share only its label).
    synthetic_mask_ : ndarray of bool of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: which output rows are generated.

    See Also
    --------
    skaugment.SignalTransformAugmenter : Classic transforms of raw windows.
    skaugment.ConditionalGANSampler : A label-only generator of spectrograms.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import SenseGenSampler
    >>> rng = np.random.default_rng(0)
    >>> X = np.sin(np.linspace(0, 6, 24)) + 0.1 * rng.standard_normal((20, 2, 24))
    >>> y = np.repeat(["walk", "sit"], 10)
    >>> gen = SenseGenSampler(hidden_size=8, num_layers=1, fc_size=8, n_components=3,
    ...                       n_steps=10, batch_size=8, device="cpu", random_state=0)
    >>> gen = gen.fit(X, y)
    >>> gen.sample(["sit", "walk", "walk"]).shape, gen.loss_curve_.shape
    ((3, 2, 24), (10,))
    >>> X_res, y_res = gen.set_params(ratio=0.5).fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, int(gen.synthetic_mask_.sum())
    ((30, 2, 24), dtype('float32'), 10)
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "condition": [StrOptions({"label", "none"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "fc_size": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "gradient_clip": [Interval(Real, 0, None, closed="neither"), None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "clip_margin": [Interval(Real, 0, None, closed="left"), None],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    #: Parameters only sampling reads: two samplers differing only in them share a fit.
    _sample_params = ("ratio", "sampling_strategy", "temperature", "clip_margin")

    def __init__(
        self,
        condition: Literal["label", "none"] = "label",
        hidden_size: int = 64,
        num_layers: int = 2,
        fc_size: int = 64,
        n_components: int = 24,
        embedding_dim: int = 8,
        n_steps: int = 2000,
        batch_size: int = 32,
        lr: float = 1e-3,
        gradient_clip: float | None = 1.0,
        temperature: float = 1.0,
        clip_margin: float | None = 1.0,
        ratio: float = 5.0,
        sampling_strategy: float | str | dict | Callable | None = None,
        device: str | torch.device = "auto",
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.condition = condition
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.fc_size = fc_size
        self.n_components = n_components
        self.embedding_dim = embedding_dim
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.lr = lr
        self.gradient_clip = gradient_clip
        self.temperature = temperature
        self.clip_margin = clip_margin
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # -- validation ---------------------------------------------------------------------------

    def _check_X(self, X):
        X_arr = super()._check_X(X)
        if X_arr.shape[2] < 2:
            raise ValueError(
                f"X has {X_arr.shape[2]} timestep(s): {type(self).__name__} learns to predict "
                "each sample from the ones before it, which needs windows of at least 2 "
                "timesteps."
            )
        return X_arr

    # -- fit ----------------------------------------------------------------------------------

    def _train(self, X, y):
        """Learn the scalings and train the network on checked windows and labels."""
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        n, c, t = X.shape
        self.n_channels_, self.n_timesteps_ = c, t
        self.input_shape_ = (c, t)
        X64 = X.astype(np.float64, copy=False)
        mean, std = X64.mean(axis=(0, 2)), X64.std(axis=(0, 2))
        # float32 noise of a constant channel must not be blown up into unit variance
        std[std <= 1e-6 * np.maximum(1.0, np.abs(mean))] = 1.0
        self.mean_, self.scale_ = mean, std
        self.data_min_, self.data_max_ = X64.min(axis=(0, 2)), X64.max(axis=(0, 2))

        device = resolve_device(self.device)
        self.device_ = device
        seed = seed_from_random_state(check_rng(self.random_state))
        n_classes = len(self.classes_) if self.condition == "label" else 0
        with seeded(seed):
            net = _SenseGenNet(c, n_classes, self.embedding_dim, self.hidden_size,
                               self.num_layers, self.fc_size, self.n_components)
        net = net.to(device)
        gen = torch_generator(seed + 1, device="cpu")

        # time-major per window, as the LSTM reads it: (n, t, c)
        X_t = torch.as_tensor(((X64 - mean[:, None]) / std[:, None]).transpose(0, 2, 1),
                              dtype=torch.float32, device=device)
        y_t = torch.as_tensor(y_encoded.ravel(), dtype=torch.long, device=device)
        batches = cycling_batches(n, min(self.batch_size, n), gen)

        def get_loss(step):
            idx = next(batches).to(device)
            xb = X_t[idx]
            params = net.teacher_forced(xb, y_t[idx])
            # per value (channel and step), so the scale does not depend on the window size
            return mixture_nll(params, xb, log_scale_bounds=LOG_SCALE_BOUNDS,
                               reduction="mean") / c

        loop = TrainingLoop(
            net, torch.optim.Adam(net.parameters(), lr=self.lr), get_loss=get_loss,
            gradient_clip=self.gradient_clip, desc="SenseGen fit",
            hint=f"Lower lr (now {self.lr}) or gradient_clip (now {self.gradient_clip}).",
            verbose=self.verbose)
        self.loss_curve_ = loop.run(self.n_steps)
        net.eval()
        self.model_ = net.cpu() if device != "cpu" else net
        self.n_iter_ = self.n_steps

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike, conditions: None = None) -> "SenseGenSampler":
        """Train the network on next-sample prediction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps)
            Raw windows, at least 2 timesteps long (NaN and inf are rejected).
        y : array-like of shape (n_samples,)
            Labels.
        conditions : None
            Kept for the generator protocol; SenseGen is conditioned on labels only.

        Returns
        -------
        self
        """
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        if conditions is not None:
            raise ValueError(
                f"{type(self).__name__} is conditioned on labels only; conditions must be "
                "None."
            )
        self._train(X, y)
        return self

    # -- sample -------------------------------------------------------------------------------

    def _sample_bounds(self):
        """Per-channel clamp of generated values, in standardised units (or None)."""
        if self.clip_margin is None:
            return None
        low = (self.data_min_ - self.mean_) / self.scale_ - self.clip_margin
        high = (self.data_max_ - self.mean_) / self.scale_ + self.clip_margin
        return low, high

    def _sample_model(self, y_encoded, n_timesteps, rng):
        device = resolve_device(self.device)
        # the fitted model stays on the CPU (and pickles there): sample with a copy
        net = self.model_ if device == "cpu" else copy.deepcopy(self.model_).to(device)
        gen = torch_generator(rng, device=device)
        n, c = y_encoded.shape[0], self.n_channels_
        out = torch.empty(n, c, n_timesteps, device=device)
        bounds = self._sample_bounds()
        if bounds is not None:
            low, high = (torch.as_tensor(b, dtype=torch.float32, device=device) for b in bounds)
        labels = torch.as_tensor(y_encoded, dtype=torch.long, device=device)
        steps = range(n_timesteps)
        if self.verbose:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc="sensegen sample", unit="step")
        with torch.no_grad():
            x_prev, state = net.start.expand(n, 1, c), None
            # one LSTM step for the whole batch per time step, carrying (h, c) forward
            for i in steps:
                params, state = net(x_prev, labels, state)
                logits, means, log_scales = split_mixture_params(
                    params[:, 0], c, log_scale_bounds=LOG_SCALE_BOUNDS)
                x = sample_mixture(logits, means, log_scales, generator=gen,
                                   temperature=self.temperature)
                if bounds is not None:
                    x = clamp(x, low, high)
                out[:, :, i] = x
                x_prev = x[:, None, :]
        X = out.cpu().numpy().astype(np.float64)
        X = X * self.scale_[:, None] + self.mean_[:, None]
        return X.astype(np.float32)

    @property
    def uses_init(self) -> bool:
        """False: :meth:`sample` generates from the label alone (the raw-window protocol)."""
        return False

    def sample(self, y: ArrayLike, conditions: None = None, *, init: None = None,
               n_timesteps: int | None = None,
               random_state: int | np.random.RandomState | None = None) -> np.ndarray:
        """Generate one window per requested label.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Labels, each seen at fit. With ``condition="none"`` every label gets a
            draw of the same unconditional model.
        conditions : None
            Kept for the generator protocol; must be None.
        init : None
            Kept for the generator protocol (:attr:`uses_init` is False); ignored.
        n_timesteps : int, default=None
            Length of the generated windows; ``None`` is the training length. The
            network can run past it, but it never learned what comes after.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw; ``None`` uses the estimator's ``random_state``.

        Returns
        -------
        X : ndarray of shape (n_samples, n_channels, n_timesteps), float32
            Windows in the units of the training data.
        """
        check_is_fitted(self, "model_")
        self._validate_params()  # temperature and clip_margin may have been set since fit
        if conditions is not None:
            raise ValueError(
                f"{type(self).__name__} is conditioned on labels only; conditions must be None."
            )
        y = check_labels(y)
        if y.shape[0] == 0:
            raise ValueError("y is empty: nothing to sample.")
        y_encoded = encode_known_labels(y, self.classes_)
        if n_timesteps is None:
            n_timesteps = self.n_timesteps_
        if (isinstance(n_timesteps, bool) or not isinstance(n_timesteps, Integral)
                or n_timesteps < 1):
            raise ValueError(f"n_timesteps must be a positive int; got {n_timesteps!r}.")
        rng = check_rng(self.random_state if random_state is None else random_state)
        return self._sample_model(y_encoded, int(n_timesteps), rng)

    # -- label-only augmentation (BaseAugmenter.fit_resample) ---------------------------------

    def _validate_input(self, X, y):
        # before the training, which can take long
        X, y = super()._validate_input(X, y)
        if self.condition == "none" and np.unique(y).size > 1:
            warnings.warn(
                "condition='none' with several classes: the synthetic rows get labels, but "
                "the model ignores them, so every class is drawn from one model. Fit one "
                "sampler per class, or use condition='label'.",
                UserWarning,
                stacklevel=4,  # the caller of fit_resample (through the base and _fit_context)
            )
        return X, y

    def _fit(self, X, y, rng):
        self._train(X, y)  # seeded by random_state, not by rng

    def _generate(self, X, y, sources, rng):
        if not sources.size:
            return np.empty((0,) + X.shape[1:], dtype=np.float32)
        y_encoded = np.searchsorted(self.classes_, y)
        return self._sample_model(y_encoded[sources], self.n_timesteps_, rng)
