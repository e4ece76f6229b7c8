"""Conditional hierarchical VAE over magnitude spectrograms (Wang et al., 2024, D.2).

The estimator: training and sampling loops around the networks of ``_vae_nets``,
in the model space of ``_diffusion_scaling`` (the diffusion model's
standardised log magnitude and metric features), with the metric loss of
``_metric_loss`` and the condition vector of ``_unet``.
"""

import copy
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils._docstring import (
    Substitution,
    _device_docstring,
    _random_state_docstring,
    _ratio_docstring,
    _sampling_strategy_docstring,
    _verbose_docstring,
)
from ..utils import check_finite, check_spectrogram
from ..utils._torch import resolve_device, seed_from_random_state, torch_generator
from ..utils._training import (
    DEPRECATED,
    TrainingLoop,
    cosine_schedule,
    epoch_batches,
    fit_steps,
    seeded,
)
from ._base import BaseConditionalGenerator
from ._diffusion_scaling import FittedScalingsMixin, clamp
from ._metric_loss import balance_metric_weights, metric_loss_terms, running_average
from ._unet import condition_groups, condition_vector
from ._vae_nets import ModalityVAE, free_bits_kl

__all__ = ["ConditionalVAESampler"]


def kl_warmup_weight(step, total_steps, kl_weight, kl_warmup):
    """The KL weight at optimisation ``step``: a linear ramp from 0 over ``kl_warmup`` of training.

    Parameters
    ----------
    step : int
        Steps done so far (0 for the first).
    total_steps : int
    kl_weight : float
        The weight after the warm-up.
    kl_warmup : float in [0, 1]
        Fraction of the steps the ramp lasts; 0 uses ``kl_weight`` from the start.

    Returns
    -------
    weight : float

    Examples
    --------
    >>> [kl_warmup_weight(s, 10, 2.0, 0.5) for s in (0, 1, 5, 9)]
    [0.0, 0.4, 2.0, 2.0]
    """
    ramp = kl_warmup * total_steps
    if ramp <= 0:
        return float(kl_weight)
    return float(kl_weight) * min(1.0, step / ramp)


@Substitution(
    random_state=_random_state_docstring,
    ratio=_ratio_docstring,
    sampling_strategy=_sampling_strategy_docstring,
    verbose=_verbose_docstring,
    device=_device_docstring,
)
class ConditionalVAESampler(FittedScalingsMixin, BaseConditionalGenerator):
    """Hierarchical VAE of ``p(spectrogram | label, metrics)`` with a metric loss.

    The VAE of Wang et al., 2024 ("Fine-grained control of generative data
    augmentation in IoT sensing", Appendix D.2), built like NVAE (Vahdat &
    Kautz, 2020, "NVAE: A deep hierarchical variational autoencoder") but sized
    for a CPU: one network per modality, with an encoder and a decoder of
    residual cells and three latent groups at 1/8, 1/4 and 1/2 of the input
    resolution. The decoder draws the groups level by level, coarse to fine,
    each right before its level: from a prior computed from the decoder state
    so far or, in training, from a posterior that corrects that prior with the
    encoder features of the level.

    The condition (label one-hot and standardised ``asinh``-scaled metrics of
    :class:`~skaugment.MetricExtractor`) enters the encoder as an extra input
    channel (the paper's condition embedder, as in the diffusion model) and the
    decoder's first level in place of NVAE's learned constant input, so every
    prior depends on it. Spectrograms are log-scaled and standardised as in
    :class:`~skaugment.generators.ConditionalDiffusionSampler`.

    The loss per spectrogram element is the squared reconstruction error plus
    ``kl_weight`` times the KL divergence of posterior to prior (summed over all
    latents, divided by the number of spectrogram elements: a Gaussian
    likelihood of variance 1/2), plus the paper's metric loss (eq. 1-2) on the
    reconstruction clamped to the training range, weighted so that
    ``L_rec : L_metric = 10 : 1`` after the first pass over the data. Two standard remedies
    keep the latents from collapsing: the KL weight ramps up linearly from 0
    (``kl_warmup``), and each latent channel of each group counts at least
    ``free_bits`` nats of KL (Kingma et al., 2016, "Improved variational
    inference with inverse autoregressive flow"). Adam with a cosine-annealed
    learning rate, gradient norm clipped to 1, log-variances soft-clamped.

    :meth:`sample` decodes latents of the conditional prior or, with
    ``encode_init=True``, encodes each ``init`` spectrogram (conditioned on its
    own measured metrics) and decodes its posterior latents under the requested
    conditions, which moves real samples in metric space.

    Parameters
    ----------
    condition : {"metrics", "label", "none"}, default="metrics"
        ``"metrics"`` conditions on label and metrics; ``"label"`` on the label only
        (the cVAE baseline of Wang et al., 2024), which ignores requested metrics;
        ``"none"`` on nothing: an unsupervised (variational) autoencoder, whose use
        is :meth:`interpolate` (with ``kl_weight=0`` it is the plain autoencoder of
        :class:`~skaugment.augmenters.FeatureInterpolationAugmenter`); it cannot
        :meth:`sample` a requested label.
    modalities : dict of str -> list of int, default=None
        Channel groups; one VAE per modality. ``None``: one VAE for all channels.
    channel_names : list of str, default=None
        Names used in ``condition_names_``; ``None`` gives ``ch0, ch1, ...``.
    hps_factor : int or dict of str -> int, default=2
        Harmonic product spectrum depth of the F0 metric, per modality if a dict.
    n_steps : int, default=1080
        Gradient steps of a fit (batches of ``batch_size``): 1,080 is 40 passes
        over the 1,714 spectrograms of five HAPT subjects.
    max_epochs : int, optional
        Deprecated (removed in 0.2): passes over the training data instead of
        ``n_steps``; set, it keeps its old meaning and warns.
    batch_size : int, default=64
    lr : float, default=2e-3
        Peak Adam learning rate, annealed to zero along a cosine. Wang et al.
        (2024) use 5e-4 for 200 epochs; the higher default suits the shorter
        training.
    base_channels : int, default=16
        Width at full and half resolution (the coarser levels use twice this).
    latent_channels : int, default=4
        Channels of each of the three latent groups.
    kl_weight : float, default=1.0
        Weight of the KL term after the warm-up (1 in Wang et al., 2024, on HAR).
    kl_warmup : float in [0, 1], default=0.3
        Fraction of the training over which the KL weight grows linearly from 0
        to ``kl_weight`` (NVAE's 30%%); 0 disables the warm-up.
    free_bits : float, default=0.5
        KL floor in nats per latent channel of each group (averaged over the
        batch and summed over positions); 0 disables it.
    metric_loss_weight : float, default=1.0
        Scale of the metric loss. With 1, the per-metric weights are set so that
        ``L_rec : L_metric = 10 : 1`` after the first pass over the data (Wang et al.,
        2024, 3.3); 0 disables it. Ignored with ``condition="label"``.
    encode_init : bool, default=False
        Whether :meth:`sample` starts from real spectrograms (``init``, one per
        requested label): each is encoded under its own measured metrics (and the
        requested label), and latents drawn from its posterior, level by level,
        are decoded under the requested conditions; with the init's own
        conditions this reconstructs it. False decodes latents of the
        conditional prior and ignores ``init``.
    temperature : float, default=1.0
        Scale of the latent noise at sampling, for prior and posterior alike: 0
        decodes the means (deterministic; with ``encode_init`` the posterior
        means), below 1 trades diversity for typicality.
    sample_batch_size : int, default=256
        Spectrograms generated per batch (bounds memory; results do not depend on it).
    %(ratio)s
    %(sampling_strategy)s
    %(device)s
    %(verbose)s
    %(random_state)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple of int
        ``(n_channels, n_freqs, n_frames)`` seen at fit.
    condition_ : str
        The ``condition`` the networks were trained with (what sampling uses).
    n_conditions_ : int
        Width of the condition table (``n_channels * 5``).
    condition_names_ : list of str
        ``"{channel}__{metric}"``, as :class:`~skaugment.MetricExtractor` names them.
    train_conditions_ : ndarray of shape (n_samples, n_conditions)
        The conditions seen at fit (drawn from when ``sample`` gets none).
    model_ : torch.nn.Module
        The trained VAE(s), on the CPU.
    loss_curve_ : list of float
        Training loss of every gradient step (reconstruction, weighted KL with
        free bits, and metric loss).
    recon_curve_ : list of float
        Mean squared reconstruction error per element, per step (model space).
    kl_curve_ : list of float
        Mean KL per spectrogram element (without free bits), per step.
    kl_weight_curve_ : list of float
        KL weight of each step (the warm-up ramp).
    metric_weights_ : ndarray of shape (n_conditions,)
        Per-condition metric-loss weights set after the first pass over the data
        (zeros when the metric loss is off). A fit of fewer ``n_steps`` than one
        pass sets them at its last step and so never trains with the metric loss.
    first_epoch_losses_ : tuple or None
        ``(L_rec, per-condition unweighted metric losses)`` at the end of the
        first pass (running averages), from which ``metric_weights_`` were set.
    n_iter_ : int
        Gradient steps run.
    sample_indices_ : ndarray of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: for each output row, the input row it comes
        from (itself for originals, the source row of its condition for synthetic).
    synthetic_mask_ : ndarray of bool of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: which output rows are generated.
    sampling_strategy_ : dict
        After :meth:`fit_resample`: number of synthetic samples generated for each
        class.

    See Also
    --------
    ConditionalDiffusionSampler : A diffusion model with the same conditioning.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.generators import ConditionalVAESampler
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, 1.0, size=(24, 2, 9, 8)).astype("float32")
    >>> y = np.repeat([0, 1], 12)
    >>> gen = ConditionalVAESampler(n_steps=2, base_channels=8, random_state=0)
    >>> gen = gen.fit(S, y)
    >>> gen.sample([0, 1, 1]).shape
    (3, 2, 9, 8)
    >>> moved = gen.set_params(encode_init=True).sample(y[:2], init=S[:2])
    >>> moved.shape, bool((moved >= 0).all())
    ((2, 2, 9, 8), True)
    """

    _parameter_constraints = {
        **BaseConditionalGenerator._parameter_constraints,
        "condition": [StrOptions({"metrics", "label", "none"})],
        "modalities": [dict, None],
        "channel_names": ["array-like", None],
        "hps_factor": [Interval(numbers.Integral, 1, None, closed="left"), dict],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left"),
                       Hidden(StrOptions({DEPRECATED}))],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "base_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "latent_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "kl_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "kl_warmup": [Interval(numbers.Real, 0, 1, closed="both")],
        "free_bits": [Interval(numbers.Real, 0, None, closed="left")],
        "metric_loss_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "encode_init": ["boolean"],
        "temperature": [Interval(numbers.Real, 0, None, closed="left")],
        "sample_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    _sample_params = BaseConditionalGenerator._sample_params + (
        "encode_init", "temperature", "sample_batch_size")

    def __init__(
        self,
        condition: Literal["metrics", "label", "none"] = "metrics",
        modalities: dict[str, Sequence[int]] | None = None,
        channel_names: Sequence[str] | None = None,
        hps_factor: int | dict[str, int] = 2,
        n_steps: int = 1080,
        max_epochs: int | str = DEPRECATED,
        batch_size: int = 64,
        lr: float = 2e-3,
        base_channels: int = 16,
        latent_channels: int = 4,
        kl_weight: float = 1.0,
        kl_warmup: float = 0.3,
        free_bits: float = 0.5,
        metric_loss_weight: float = 1.0,
        encode_init: bool = False,
        temperature: float = 1.0,
        sample_batch_size: int = 256,
        ratio: float = 5.0,
        sampling_strategy: float | str | dict | Callable | None = None,
        device: str | torch.device = "auto",
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.condition = condition
        self.modalities = modalities
        self.channel_names = channel_names
        self.hps_factor = hps_factor
        self.n_steps = n_steps
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.base_channels = base_channels
        self.latent_channels = latent_channels
        self.kl_weight = kl_weight
        self.kl_warmup = kl_warmup
        self.free_bits = free_bits
        self.metric_loss_weight = metric_loss_weight
        self.encode_init = encode_init
        self.temperature = temperature
        self.sample_batch_size = sample_batch_size
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # -- protocol ---------------------------------------------------------------------------

    @property
    def uses_init(self):
        """True when ``encode_init``: :meth:`sample` then encodes and decodes ``init``."""
        if not isinstance(self.encode_init, (bool, np.bool_)):
            raise TypeError(f"encode_init must be a bool; got {self.encode_init!r}.")
        return bool(self.encode_init)

    def _missing_init_message(self):
        return ("encode_init=True encodes real spectrograms: pass them as init (one per "
                "requested label), or set encode_init=False to sample the prior.")

    def _uses_metrics(self):
        # the fitted networks' conditioning: `condition` changed after fit does not apply
        return self.condition_ == "metrics"

    # -- conditions -------------------------------------------------------------------------

    def _condition(self, feats, labels, device):
        """The networks' condition vector: always kept, but for ``condition="none"``."""
        keep = torch.full((labels.shape[0],), self.condition_ != "none", dtype=torch.bool,
                          device=device)
        return condition_vector(feats, labels, keep, len(self.classes_))

    @staticmethod
    def _check_can_sample(condition):
        if condition == "none":
            raise ValueError(
                "condition='none' trains an unconditional autoencoder, which cannot generate "
                "a requested label: use its interpolate(), FeatureInterpolationAugmenter, or "
                "condition='label' / 'metrics' to sample."
            )

    def sample(self, y, conditions=None, *, init=None, random_state=None):
        check_is_fitted(self, "model_")
        self._check_can_sample(self.condition_)
        return super().sample(y, conditions, init=init, random_state=random_state)

    sample.__doc__ = BaseConditionalGenerator.sample.__doc__

    def _validate_input(self, S, y):
        # before fit_resample trains: can the model it is about to fit sample?
        self._check_can_sample(self.condition)
        return super()._validate_input(S, y)

    def interpolate(self, S_a: ArrayLike, S_b: ArrayLike, weights: ArrayLike,
                    y: ArrayLike | None = None) -> np.ndarray:
        """Decode ``w * a + (1 - w) * b`` of two spectrograms' encoder features.

        Each pair is encoded (the encoder's feature maps at its three levels, each
        spectrogram under its own condition), the feature maps are mixed with the
        pair's weight, and the decoder turns the mix into a spectrogram through
        the posterior means (no noise): feature-space interpolation (DeVries &
        Taylor, 2017, "Dataset augmentation in feature space"). Weight 1 gives the
        reconstruction of ``a``, 0 that of ``b``.

        Parameters
        ----------
        S_a, S_b : array-like of shape (n_pairs, n_channels, n_freqs, n_frames)
            The two ends of each pair (magnitude spectrograms).
        weights : array-like of shape (n_pairs,)
            Weight of ``a`` in each pair, in [0, 1].
        y : array-like of shape (n_pairs,), default=None
            The pairs' label (both ends share it), required unless
            ``condition="none"``. With ``condition="metrics"`` the decoder gets the
            same mix of the two ends' metrics.

        Returns
        -------
        S : ndarray of shape (n_pairs, n_channels, n_freqs, n_frames), float32
        """
        check_is_fitted(self, "model_")
        S_a = check_spectrogram(S_a, shape=self.input_shape_, dtype=np.float32, name="S_a")
        S_b = check_spectrogram(S_b, shape=self.input_shape_, dtype=np.float32, name="S_b")
        n = S_a.shape[0]
        if S_b.shape[0] != n:
            raise ValueError(f"S_a has {n} spectrograms but S_b has {S_b.shape[0]}.")
        w = check_finite(np.asarray(weights, dtype=np.float64).reshape(-1), "weights")
        if w.shape[0] != n or ((w < 0) | (w > 1)).any():
            raise ValueError(f"weights must be {n} values in [0, 1], one per pair.")
        if self.condition_ == "none":
            y_encoded = np.zeros(n, dtype=np.intp)
        else:
            if y is None:
                raise ValueError(f"condition={self.condition_!r}: pass the pairs' labels as y.")
            y_encoded = self._encode_labels(y)
            if y_encoded.shape[0] != n:
                raise ValueError(f"y has {y_encoded.shape[0]} labels but there are {n} pairs.")
        scaling = self._spectrogram_scaling()
        x_a, x_b = scaling.to_model_space(S_a), scaling.to_model_space(S_b)
        feats_a = feats_b = feats_mix = None
        if self._uses_metrics():
            cond_scaling = self._condition_scaling()
            M_a, M_b = self.conditions_from(S_a), self.conditions_from(S_b)
            feats_a, feats_b = cond_scaling.features(M_a), cond_scaling.features(M_b)
            feats_mix = cond_scaling.features(w[:, None] * M_a + (1 - w[:, None]) * M_b)
        model = self.model_
        x_lo, x_hi = torch.as_tensor(self.x_min_), torch.as_tensor(self.x_max_)
        out = np.empty((n,) + self.input_shape_, dtype=np.float32)

        def rows(table, start, stop):
            return None if table is None else torch.as_tensor(table[start:stop])

        with torch.no_grad():
            for start in range(0, n, self.sample_batch_size):
                stop = min(start + self.sample_batch_size, n)
                y_b = torch.as_tensor(y_encoded[start:stop], dtype=torch.long)
                x = model.interpolate(
                    torch.as_tensor(x_a[start:stop]),
                    self._condition(rows(feats_a, start, stop), y_b, "cpu"),
                    torch.as_tensor(x_b[start:stop]),
                    self._condition(rows(feats_b, start, stop), y_b, "cpu"),
                    torch.as_tensor(w[start:stop], dtype=torch.float32),
                    self._condition(rows(feats_mix, start, stop), y_b, "cpu"),
                )
                out[start:stop] = scaling.model_to_magnitude_torch(
                    clamp(x, x_lo, x_hi)).numpy()
        return out

    # -- fit --------------------------------------------------------------------------------

    def _fit_model(self, S, y_encoded, conditions):
        self.condition_ = self.condition
        device = resolve_device(self.device)
        self.device_ = device
        n, c, n_freqs, n_frames = S.shape
        scaling = self._fit_spectrogram_scaling(S)
        X = scaling.to_model_space(S)
        # decoded spectrograms are clamped to this range (and the metric loss sees them so)
        self.x_min_ = X.min(axis=(0, 3), keepdims=True)[0]
        self.x_max_ = X.max(axis=(0, 3), keepdims=True)[0]
        cond_scaling = self._fit_condition_scaling(conditions)

        use_metrics = self._uses_metrics()
        n_metric = self.n_conditions_ if use_metrics else 0
        groups = condition_groups(self.condition_names_, len(self.classes_),
                                  use_metrics=use_metrics)
        seed = seed_from_random_state(self.random_state)
        with seeded(seed):
            model = ModalityVAE(self.modalities_, n_freqs, n_frames, len(groups), groups,
                                self.base_channels, self.latent_channels).to(device)
        gen = torch_generator(seed + 1, device="cpu")

        X_t = torch.as_tensor(X)
        y_t = torch.as_tensor(y_encoded, dtype=torch.long)
        feats_t = torch.as_tensor(cond_scaling.features(conditions)) if n_metric else None
        use_metric_loss = use_metrics and self.metric_loss_weight > 0
        x_lo = torch.as_tensor(self.x_min_, device=device)
        x_hi = torch.as_tensor(self.x_max_, device=device)
        n_elements = c * n_freqs * n_frames
        n_latents = model.n_latents

        batch_size = min(self.batch_size, n)
        n_batches = math.ceil(n / batch_size)
        n_steps = fit_steps(self, n_batches)
        batches = epoch_batches(n, batch_size, gen)
        self.metric_weights_ = np.zeros(n_metric)
        self.first_epoch_losses_ = None
        # the metric-loss weights, fixed after the first pass (which only measures)
        state = {"weights": None, "ema_lr": None, "ema_lm": None}
        logs = []  # per step: reconstruction, KL per element, KL weight

        def get_loss(step):
            idx = next(batches)
            x = X_t[idx].to(device)
            m = x.shape[0]
            noise = torch.randn((m, n_latents), generator=gen).to(device)
            feats = feats_t[idx].to(device) if feats_t is not None else None
            cond = self._condition(feats, y_t[idx].to(device), device)
            x_hat, kl = model(x, cond, cond, noise)
            recon = ((x_hat - x) ** 2).mean()
            beta = kl_warmup_weight(step, n_steps, self.kl_weight, self.kl_warmup)
            loss = recon + beta * free_bits_kl(kl, self.free_bits) / n_elements
            if use_metric_loss:
                weights = state["weights"]
                with torch.set_grad_enabled(weights is not None):
                    per_metric = metric_loss_terms(
                        clamp(x_hat, x_lo, x_hi), feats, torch.ones(m, device=device),
                        scaling, cond_scaling, self.hps_factor_,
                    )
                if weights is not None:
                    loss = loss + (weights * per_metric).sum()
                state["ema_lr"] = running_average(state["ema_lr"], recon.item())
                state["ema_lm"] = running_average(state["ema_lm"],
                                                  per_metric.detach().cpu().numpy())
            logs.append((recon.item(), kl.sum(dim=1).mean().item() / n_elements, beta))
            return loss

        def after_step(step, loss):
            # after the first pass, or at the end of a fit shorter than one pass (whose
            # weights then only report what the pass measured)
            if use_metric_loss and step == min(n_batches, n_steps) - 1:
                self.metric_weights_ = balance_metric_weights(state["ema_lr"], state["ema_lm"],
                                                              self.metric_loss_weight)
                state["weights"] = torch.as_tensor(self.metric_weights_, dtype=torch.float32,
                                                   device=device)
                self.first_epoch_losses_ = (state["ema_lr"], state["ema_lm"])

        optimizer = torch.optim.Adam(model.parameters(), lr=self.lr)
        loop = TrainingLoop(
            model, optimizer, get_loss=get_loss, scheduler=cosine_schedule(optimizer, n_steps),
            gradient_clip=1.0, after_step=after_step, desc="VAE fit",
            hint=f"Lower lr (now {self.lr}).", verbose=self.verbose)
        losses = loop.run(n_steps)
        self.loss_curve_ = losses.tolist()
        self.recon_curve_, self.kl_curve_, self.kl_weight_curve_ = (
            [float(v) for v in curve] for curve in zip(*logs))
        model.eval()
        self.model_ = model.cpu() if device != "cpu" else model
        self.n_iter_ = n_steps

    # -- sample -----------------------------------------------------------------------------

    def _sample_model(self, y_encoded, conditions, init, rng):
        device = resolve_device(self.device)
        # the fitted model stays on the CPU (and pickles there): sample with a copy
        model = self.model_ if device == "cpu" else copy.deepcopy(self.model_).to(device)
        n = y_encoded.shape[0]
        out = np.empty((n,) + self.input_shape_, dtype=np.float32)
        scaling = self._spectrogram_scaling()
        cond_scaling = self._condition_scaling()
        use_metrics = self._uses_metrics()
        feats_all = cond_scaling.features(conditions) if use_metrics else None
        if init is not None:
            init_x = scaling.to_model_space(init)
            # the encoder saw each training spectrogram with its own metrics
            init_feats = cond_scaling.features(self.conditions_from(init)) if use_metrics else None
        temperature = float(self.temperature)
        x_lo = torch.as_tensor(self.x_min_, device=device)
        x_hi = torch.as_tensor(self.x_max_, device=device)
        n_latents = model.n_latents
        starts = range(0, n, self.sample_batch_size)
        if self.verbose:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="VAE sample", unit="batch")

        def batch_feats(table, start, stop):
            return None if table is None else torch.as_tensor(table[start:stop], device=device)

        with torch.no_grad():
            for start in starts:
                stop = min(start + self.sample_batch_size, n)
                # numpy's legacy generator yields the same stream however it is chunked,
                # so the samples do not depend on sample_batch_size
                noise = torch.as_tensor(
                    rng.standard_normal((stop - start, n_latents)).astype(np.float32)
                ).to(device)
                y_b = torch.as_tensor(y_encoded[start:stop], dtype=torch.long, device=device)
                cond = self._condition(batch_feats(feats_all, start, stop), y_b, device)
                if init is None:
                    x = model.generate(cond, noise, temperature)
                else:
                    cond_enc = self._condition(batch_feats(init_feats, start, stop), y_b,
                                               device)
                    x_init = torch.as_tensor(init_x[start:stop], device=device)
                    x, _ = model(x_init, cond_enc, cond, noise, temperature)
                x = clamp(x, x_lo, x_hi)
                out[start:stop] = scaling.model_to_magnitude_torch(x).cpu().numpy()
        return out
